"""Query budgets: pages cost the same whatever the size of the catalogue."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

LISTING_BUDGET = 7
PRODUCT_BUDGET = 6
SIZES = ["XS", "S", "M", "L", "XL"]


@pytest.fixture(autouse=True)
def _uncached(settings):
    """The budgets are for a page rendered from the database: with Redis (CI's PostgreSQL
    run) catalogue fragments would be served from the cache after the first request."""
    settings.CATALOGUE_CACHE_SECONDS = 0


def build(catalogue, *, products, images, colors, tags):
    made = []
    for n in range(products):
        stock = {(f"Colour{c}", size): 3 for c in range(colors) for size in SIZES}
        made.append(
            catalogue.product(
                f"Item {n}", stock=stock, images=images, tags=[f"tag{t}" for t in range(tags)]
            )
        )
    return made


def count_queries(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=item&size=M&color=colour0&in_stock=on&min_price=1&max_price=500&sort=price_desc",
    ],
)
def test_listing_costs_the_same_for_small_and_large_catalogues(
    client, catalogue, django_assert_max_num_queries, url
):
    build(catalogue, products=2, images=1, colors=1, tags=0)
    small = count_queries(client, url)
    build(catalogue, products=40, images=4, colors=3, tags=3)
    with django_assert_max_num_queries(LISTING_BUDGET):
        large = count_queries(client, url)

    assert small == large


def test_listing_fragment_costs_the_same_as_the_page(client, catalogue):
    build(catalogue, products=30, images=2, colors=2, tags=2)

    page = count_queries(client, "/?q=item")
    fragment = count_queries(client, "/?q=item", HTTP_HX_REQUEST="true")

    assert fragment == page


def test_product_page_cost_does_not_grow_with_images_variants_or_tags(
    client, catalogue, django_assert_max_num_queries
):
    plain, rich = (
        build(catalogue, products=1, images=1, colors=1, tags=0)[0],
        build(catalogue, products=1, images=6, colors=4, tags=6)[0],
    )

    small = count_queries(client, plain.get_absolute_url() + "?color=colour0&size=M")
    with django_assert_max_num_queries(PRODUCT_BUDGET):
        large = count_queries(client, rich.get_absolute_url() + "?color=colour0&size=M")

    assert small == large


def test_variant_picker_fragment_has_a_fixed_cost(client, catalogue, django_assert_max_num_queries):
    rich = build(catalogue, products=1, images=6, colors=4, tags=6)[0]

    with django_assert_max_num_queries(PRODUCT_BUDGET):
        client.get(rich.get_absolute_url() + "?color=colour1", HTTP_HX_REQUEST="true")


LANGUAGE_PREFIXES = {"pt-br": "", "en": "/en", "es": "/es"}  # with Portuguese the default


def build_translated(catalogue, *, products):
    """Products whose name, description, category, colours and tags exist in three languages
    (and one product with Portuguese only, which falls back)."""
    from django.utils import translation

    from store.models import Product

    made = []
    with translation.override("en"):
        category = catalogue.category(
            "Shirts", slug="shirts", name_pt_br="Camisas", name_es="Camisas"
        )
        for n in range(products):
            made.append(
                catalogue.product(
                    f"Linen Shirt {n}",
                    name_pt_br=f"Camisa de Linho {n}",
                    name_es=f"Camisa de Lino {n}",
                    description_pt_br="Feita de linho.",
                    description_es="Hecha de lino.",
                    description="Made from linen.",
                    category=category,
                    stock={(f"Colour{c}", size): 3 for c in range(2) for size in SIZES},
                    images=2,
                    tags=["Linen", "Summer"],
                )
            )
    Product.objects.create(
        slug="portuguese-only", name_pt_br="Camisa Só em Português", category=category, price=9
    )
    return made


def counts_per_language(client, path):
    client.get(path)  # the first request of a test also loads per-process things (the site)
    return {
        language: count_queries(client, prefix + path)
        for language, prefix in LANGUAGE_PREFIXES.items()
    }


@pytest.mark.parametrize(
    "path",
    # "linen" and "summer" are tags with one name in every language: the same products match.
    ["/", "/?q=linen&sort=name", "/?q=summer&size=M&in_stock=on&sort=name", "/c/shirts/"],
)
def test_listing_costs_the_same_in_every_language(client, catalogue, brazilian, path):
    build_translated(catalogue, products=30)

    counts = counts_per_language(client, path)

    assert len(set(counts.values())) == 1, counts
    assert counts["pt-br"] <= LISTING_BUDGET


def test_product_page_costs_the_same_in_every_language(client, catalogue, brazilian):
    product = build_translated(catalogue, products=1)[0]

    counts = counts_per_language(client, f"/p/{product.slug}/?color=colour0&size=M")

    assert len(set(counts.values())) == 1, counts
    assert counts["pt-br"] <= PRODUCT_BUDGET
