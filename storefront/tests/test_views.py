import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def card_slugs(response):
    return re.findall(r'data-testid="product-card" data-slug="([^"]+)"', response.content.decode())


@pytest.fixture
def shop(catalogue):
    shirts = catalogue.category("Shirts", slug="shirts")
    catalogue.product(
        "Linen Shirt",
        slug="linen-shirt",
        category=shirts,
        price="150",
        tags=["Summer"],
        stock={("Navy", "M"): 1, ("Navy", "L"): 0, ("White", "M"): 8},
    )
    catalogue.product("Denim Jacket", slug="denim-jacket", price="400", stock={("Navy", "M"): 0})
    catalogue.product("Canvas Tote", slug="canvas-tote", price="60", stock=12)
    return catalogue


class TestListing:
    def test_page_shows_product_cards_in_the_store_layout(self, client, shop):
        response = client.get("/")

        html = response.content.decode()
        assert response.status_code == 200
        assert html.count('data-testid="product-card"') == 3
        assert 'data-testid="filter-form"' in html and 'data-testid="search-input"' in html
        assert 'data-testid="cart-count"' in html and "<html" in html
        assert "R$150.00" in html and 'data-testid="card-sold-out"' in html
        assert response["Vary"] and "HX-Request" in response["Vary"]

    def test_htmx_request_gets_only_the_results_fragment(self, client, shop):
        response = client.get("/", {"q": "linen"}, **HTMX)

        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<section id="product-results"')
        assert "<html" not in html and 'data-testid="filter-form"' not in html
        assert card_slugs(response) == ["linen-shirt"]

    @pytest.mark.parametrize(
        "headers",
        [
            {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"},
            {"HTTP_HX_REQUEST": "true", "HTTP_HX_BOOSTED": "true"},
        ],
    )
    def test_history_restores_and_boosted_requests_get_the_whole_page(self, client, shop, headers):
        response = client.get("/", {"q": "linen"}, **headers)

        assert "<html" in response.content.decode()

    def test_full_load_of_a_filtered_url_shows_the_same_results_as_the_fragment(self, client, shop):
        query = {"size": "M", "color": "navy", "in_stock": "on", "sort": "price_desc"}

        page = client.get("/", query)
        fragment = client.get("/", query, **HTMX)

        assert card_slugs(page) == card_slugs(fragment) == ["linen-shirt"]
        html = page.content.decode()
        assert 'value="M" class="peer sr-only" checked' in html
        assert '<option value="price_desc" selected' in html

    def test_category_page_lists_only_that_category(self, client, shop):
        response = client.get(reverse("storefront:category", kwargs={"category_slug": "shirts"}))

        assert response.status_code == 200
        assert card_slugs(response) == ["linen-shirt"]
        assert response.context["category"].name == "Shirts"

    def test_unknown_category_is_a_404_in_the_store_layout(self, client, shop):
        response = client.get("/c/no-such-thing/")

        html = response.content.decode()
        assert response.status_code == 404
        assert 'data-testid="not-found"' in html and 'data-testid="search-input"' in html

    def test_post_is_refused(self, client, shop):
        assert client.post("/").status_code == 405

    def test_search_term_is_escaped(self, client, shop):
        response = client.get("/", {"q": "<script>alert(1)</script>"})

        html = response.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("query", "warned"),
    [
        ({"min_price": "abc"}, "Price from"),
        ({"max_price": "1e999999"}, "Price to"),
        ({"min_price": "-5"}, "Price from"),
        ({"min_price": "NaN"}, "Price from"),
        ({"size": "XXXL"}, "Size"),
        ({"color": "plaid"}, "Colour"),
        ({"category": "nope"}, "Category"),
        ({"tag": "x" * 5000}, "Tag"),
        ({"sort": "drop table"}, "Sort by"),
        ({"page": "0"}, None),
        ({"page": "-1"}, None),
        ({"page": "99999"}, None),
        ({"page": "9" * 400}, None),
        ({"page": "abc"}, None),
        ({"q": "x" * 10_000}, None),
        ({"q": "\x00\x01 linen"}, None),  # control characters dropped (normalize_query)
        ({"in_stock": "maybe"}, None),
    ],
)
def test_malformed_filters_are_ignored_with_a_clear_message(client, shop, query, warned):
    response = client.get("/", query)

    assert response.status_code == 200
    html = response.content.decode()
    if warned:
        assert 'data-testid="filter-warning"' in html
        assert warned in html
    else:
        assert 'data-testid="filter-warning"' not in html
    assert html.count('data-testid="product-card"') >= 1 or 'data-testid="no-results"' in html


def test_min_above_max_is_read_as_the_range_between_them(client, shop):
    response = client.get("/", {"min_price": "200", "max_price": "100"})

    assert card_slugs(response) == ["linen-shirt"]


def test_huge_search_is_cut_to_a_sane_length(client, shop):
    response = client.get("/", {"q": "linen " + "y" * 10_000})

    assert response.status_code == 200
    assert len(response.context["filters"].q) <= 100


class TestProductPage:
    def test_shows_gallery_description_tags_price_and_colour_choice(self, client, shop):
        response = client.get("/p/linen-shirt/")

        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="gallery-image"' in html
        assert 'data-testid="product-tag"' in html and "#Summer" in html
        assert html.count('data-testid="variant-color"') == 2
        assert 'data-testid="variant-size"' not in html
        assert 'data-status="choose-color"' in html
        assert 'data-testid="add-to-cart"' in html

    def test_htmx_colour_change_returns_the_variant_picker_with_sizes(self, client, shop):
        response = client.get("/p/linen-shirt/", {"color": "navy"}, **HTMX)

        html = response.content.decode()
        assert html.lstrip().startswith('<div id="variant-picker"')
        assert "<html" not in html
        assert html.count('data-testid="variant-size"') == 2
        assert 'data-status="choose-size"' in html

    def test_live_stock_for_the_chosen_variant(self, client, shop):
        low = client.get("/p/linen-shirt/", {"color": "navy", "size": "M"}, **HTMX).content.decode()
        out = client.get("/p/linen-shirt/", {"color": "navy", "size": "L"}, **HTMX).content.decode()

        assert 'data-status="low"' in low and "Only 1 left" in low
        assert 'name="quantity"' in low and 'max="1"' in low
        assert 'data-status="sold-out"' in out
        assert 'data-testid="add-to-cart" disabled' in out

    def test_full_page_with_a_choice_in_the_url_shows_that_choice(self, client, shop):
        html = client.get("/p/linen-shirt/", {"color": "white", "size": "M"}).content.decode()

        assert 'data-status="in-stock"' in html and "In stock" in html
        assert '<input type="hidden" name="color" value="white">' in html

    def test_product_without_choices_shows_its_stock_at_once(self, client, shop):
        html = client.get("/p/canvas-tote/").content.decode()

        assert 'data-status="in-stock"' in html
        assert 'data-testid="variant-color"' not in html

    @pytest.mark.parametrize("slug", ["nope", "x" * 300])
    def test_unknown_product_is_a_404_in_the_store_layout(self, client, shop, slug):
        response = client.get(f"/p/{slug}/")

        assert response.status_code == 404
        assert 'data-testid="not-found"' in response.content.decode()

    def test_inactive_product_is_a_404(self, client, catalogue):
        catalogue.product("Retired", slug="retired", is_active=False)

        assert client.get("/p/retired/").status_code == 404

    @pytest.mark.parametrize(
        "query", [{"color": "<b>"}, {"size": "' OR 1=1"}, {"color": "x" * 5000}]
    )
    def test_malformed_choices_are_ignored(self, client, shop, query):
        response = client.get("/p/linen-shirt/", query)

        assert response.status_code == 200
        assert 'data-status="choose-color"' in response.content.decode()

    def test_product_name_is_escaped(self, client, catalogue):
        catalogue.product("<img src=x onerror=alert(1)>", slug="evil")

        html = client.get("/p/evil/").content.decode()

        assert "<img src=x onerror" not in html
