"""While another buyer's checkout holds the last unit, the catalogue pages show what can
still be sold: the product page, the variant picker and the listing (its "in stock only"
filter and its sold-out badges). The cart and checkout side is in checkout/tests."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def held_last_unit(catalogue, buyer):
    """A tee with one Navy M left (and two Red M), the Navy M held by shopper A's checkout."""
    product = catalogue.product(
        "Drop Tee", slug="drop-tee", stock={("Navy", "M"): 1, ("Red", "M"): 2}
    )
    buyer.add(product.variants.get(color__slug="navy"), 1)
    buyer.pay_link()  # A confirms: the unit is reserved for A's payment
    return product


def stock_status(html):
    return re.search(r'data-testid="stock-status" data-status="([\w-]+)"', html).group(1)


def card_slugs(html):
    return re.findall(r'data-testid="product-card" data-slug="([^"]+)"', html)


def test_the_product_page_shows_a_held_last_unit_as_sold_out(held_last_unit):
    html = Client().get("/p/drop-tee/?color=navy&size=M").content.decode()

    assert stock_status(html) == "sold-out"
    assert re.search(r'data-testid="add-to-cart"[^>]*disabled', html)
    assert "Only 1 left" not in html


def test_the_variant_picker_crosses_out_the_held_size_and_keeps_the_others(held_last_unit):
    client = Client()
    navy = client.get("/p/drop-tee/", {"color": "navy"}, **HTMX).content.decode()
    red = client.get("/p/drop-tee/", {"color": "red", "size": "M"}, **HTMX).content.decode()

    assert re.search(r'line-through">M<span class="sr-only"> \(sold out\)', navy)
    assert stock_status(red) == "low" and "Only 2 left" in red


def test_the_listing_filter_and_badges_count_the_held_unit(catalogue, held_last_unit):
    held_last_unit.variants.filter(color__slug="red").update(quantity=0)
    catalogue.product("Canvas Tote", slug="canvas-tote", stock=3)
    client = Client()

    in_stock = client.get("/", {"in_stock": "on"}).content.decode()
    everything = client.get("/").content.decode()

    assert card_slugs(in_stock) == ["canvas-tote"]
    card = everything[everything.index('data-slug="drop-tee"') :][:1500]
    assert 'data-testid="card-sold-out"' in card


def test_when_the_hold_ends_the_unit_is_for_sale_again(held_last_unit):
    from checkout.tests.buyer import an_hour_passes

    an_hour_passes()

    html = Client().get("/p/drop-tee/?color=navy&size=M").content.decode()
    assert stock_status(html) == "low" and "Only 1 left" in html
