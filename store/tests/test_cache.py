"""Cached catalogue fragments: fewer queries when warm, never stale after a change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.CATALOGUE_CACHE_SECONDS = 600


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_a_warm_listing_runs_no_catalogue_query(client, catalogue, cached):
    for n in range(5):
        catalogue.product(f"P{n}")
    cold, first = queries(client, "/")
    warm, second = queries(client, "/")

    assert warm == 0 < cold

    def grid(html):
        return html[html.index('<section id="product-results"') : html.index("</section>")]

    assert grid(first) == grid(second) and grid(second).count('data-testid="product-card"') == 5


def test_a_warm_product_page_still_reads_live_stock(client, catalogue, cached):
    product = catalogue.product("Shirt", stock={("Navy", "M"): 5}, images=3, tags=["Linen"])
    url = product.get_absolute_url() + "?color=navy&size=M"
    cold, _ = queries(client, url)
    warm, html = queries(client, url)

    assert 0 < warm < cold  # the product, its variants and their reservations are always read
    assert 'data-status="in-stock"' in html


def test_a_price_change_in_the_admin_shows_at_once(client, catalogue, cached):
    product = catalogue.product("Shirt", price="100.00")
    assert "R$100.00" in client.get("/").content.decode()

    product.price = "120.00"
    product.save()

    html = client.get("/").content.decode()
    assert "R$120.00" in html and "R$100.00" not in html
    assert "R$120.00" in client.get(product.get_absolute_url()).content.decode()


def test_a_sale_that_empties_the_stock_shows_sold_out_at_once(
    client, catalogue, cached, sandbox, django_capture_on_commit_callbacks
):
    from django.test import Client

    from checkout.tests.buyer import Buyer

    product = catalogue.product("Last one", stock=1)
    assert 'data-testid="card-sold-out"' not in client.get("/").content.decode()
    buyer = Buyer(Client(), sandbox)
    buyer.add(product.variants.get(), 1)

    with django_capture_on_commit_callbacks(execute=True):
        buyer.come_back(buyer.pay(buyer.pay_link(), "approve"))

    assert 'data-testid="card-sold-out"' in client.get("/").content.decode()


def test_without_a_shared_cache_nothing_is_cached(client, catalogue, settings):
    settings.CATALOGUE_CACHE_SECONDS = 0
    catalogue.product("P")

    first, _ = queries(client, "/")
    second, _ = queries(client, "/")

    assert first == second > 0
