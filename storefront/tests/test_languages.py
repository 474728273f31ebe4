"""The catalogue in Portuguese (/), English (/en/) and Spanish (/es/): each page shows its own
language's names, also when its fragments come from the cache."""

import re

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.CATALOGUE_CACHE_SECONDS = 600


@pytest.fixture
def shirt(catalogue):
    """A linen shirt in the Shirts category, a navy M, written in three languages (no picture:
    alt texts are not translated)."""
    with translation.override("en"):  # the builders' plain names are the English ones
        return _shirt(catalogue)


def _shirt(catalogue):
    shirts = catalogue.category(
        "Shirts",
        slug="shirts",
        name_pt_br="Camisas",
        name_es="Camisas de hombre",
        description="Shirts for the summer.",
        description_pt_br="Camisas para o verão.",
    )
    navy = catalogue.color("Navy")
    navy.name_pt_br, navy.name_es = "Azul-marinho", "Azul marino"
    navy.save()
    tag = catalogue.tag("Summer")
    tag.name_pt_br, tag.name_es = "Verão", "Verano"
    tag.save()
    return catalogue.product(
        "Linen Shirt",
        slug="linen-shirt",
        category=shirts,
        name_pt_br="Camisa de Linho",
        name_es="Camisa de Lino",
        description="Made from linen.",
        description_pt_br="Feita de linho.",
        description_es="Hecha de lino.",
        stock={("Navy", "M"): 3},
        tags=["Summer"],
        images=0,
    )


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_cached_listing_is_kept_per_language(client, brazilian, cached, shirt):
    portuguese = page(client, "/")  # fills the cache in Portuguese
    english = page(client, "/en/")
    spanish = page(client, "/es/")

    assert "Camisa de Linho" in portuguese and "Linen Shirt" not in portuguese
    assert "Linen Shirt" in english and "Camisa de Linho" not in english
    assert "Camisa de Lino" in spanish and "Linen Shirt" not in spanish
    # and back: the Portuguese copy is still Portuguese
    assert "Camisa de Linho" in page(client, "/")


def test_the_cached_product_page_is_kept_per_language(client, brazilian, cached, shirt):
    portuguese = page(client, "/p/linen-shirt/?color=navy&size=M")
    english = page(client, "/en/p/linen-shirt/?color=navy&size=M")

    assert "Feita de linho." in portuguese and "#Verão" in portuguese
    assert "Made from linen." in english and "#Summer" in english
    assert "Feita de linho." not in english and "Verão" not in english
    assert "Azul-marinho" in portuguese and "Navy" in english


def test_the_cached_filters_and_category_menu_are_kept_per_language(
    client, brazilian, cached, shirt
):
    portuguese = page(client, "/")
    english = page(client, "/en/")

    def options(html, testid):
        select = re.search(rf'data-testid="{testid}">(.*?)</select>', html, re.S).group(1)
        return re.findall(r">([^<>]+)</option>", select)

    assert "Camisas" in options(portuguese, "filter-category")
    assert "Shirts" in options(english, "filter-category")
    assert "Verão" in options(portuguese, "filter-tag")
    assert "Summer" in options(english, "filter-tag")
    assert "Azul-marinho</span>" in portuguese and "Navy</span>" in english
    # The header's menu, on a page without the filters (the cart), after the listings above.
    assert ">Camisas</a>" in page(client, "/cart/")
    assert ">Shirts</a>" in page(client, "/en/cart/")
    assert ">Camisas de hombre</a>" in page(client, "/es/cart/")


def test_a_missing_translation_shows_portuguese(client, brazilian, cached, catalogue):
    from store.models import Product

    Product.objects.create(
        slug="saia", name_pt_br="Saia Plissada", category=catalogue.category(), price="90.00"
    )

    assert "Saia Plissada" in page(client, "/en/")
    assert "Saia Plissada" in page(client, "/es/p/saia/")


def test_the_search_box_searches_the_language_of_the_page(client, brazilian, shirt):
    assert 'data-slug="linen-shirt"' in page(client, "/?q=camisas")
    assert 'data-slug="linen-shirt"' in page(client, "/en/?q=shirts")
    assert 'data-slug="linen-shirt"' in page(client, "/es/?q=camisas+de+lino")
    assert 'data-slug="linen-shirt"' not in page(client, "/en/?q=camisas")


def test_sorting_by_name_follows_the_language_of_the_page(client, brazilian, catalogue):
    from store.models import Product

    with translation.override("en"):
        catalogue.product("Blue Dress", slug="dress", name_pt_br="Vestido Azul", images=0)
        catalogue.product("White Shirt", slug="shirt", name_pt_br="Camisa Branca", images=0)
    Product.objects.create(  # no English name: sorted by the Portuguese one it shows
        slug="skirt", name_pt_br="Saia", category=catalogue.category(), price="90.00"
    )

    def order(url):
        return re.findall(r'data-testid="product-card" data-slug="([^"]+)"', page(client, url))

    assert order("/?sort=name") == ["shirt", "skirt", "dress"]  # Camisa, Saia, Vestido
    assert order("/en/?sort=name") == ["dress", "skirt", "shirt"]  # Blue, Saia, White
