"""Search in each language: accents, case and plurals do not matter; tags and categories count."""

import pytest
from django.utils import translation

from store.models import Product, Variant
from store.search import search_terms, search_text, singular
from store.selectors import ProductFilters, product_search


def on_hand():
    return Variant.objects.filter(quantity__gt=0)


def found(q: str, language: str) -> list[str]:
    with translation.override(language):
        products = product_search(
            sellable_variants=on_hand(), filters=ProductFilters(q=q, sort="newest")
        )
        return sorted(product.slug for product in products)


@pytest.mark.parametrize(
    ("language", "plural", "expected"),
    [
        ("pt-br", "camisas", "camisa"),
        ("pt-br", "calcoes", "calcao"),  # calções, once accents are gone
        ("pt-br", "casuais", "casual"),
        ("pt-br", "aneis", "anel"),
        ("pt-br", "colares", "colar"),
        ("pt-br", "bons", "bom"),
        ("es", "pantalones", "pantalon"),
        ("es", "vestidos", "vestido"),
        ("es", "luces", "luz"),
        ("en", "shirts", "shirt"),
        ("en", "dresses", "dress"),
        ("en", "shoes", "shoe"),
        ("en", "accessories", "accessory"),
        ("en", "dress", "dress"),
        ("en", "is", "is"),  # too short to shorten
    ],
)
def test_singular_rules_per_language(language, plural, expected):
    assert singular(plural, language) == expected


def test_terms_are_normalized_then_stripped_of_accents_then_made_singular():
    assert search_terms("  ＣＡＬÇＡＳ\u200b  Vestidos! ", "pt-br") == ["calca", "vestido"]
    assert search_terms("...", "en") == []


def test_stored_text_keeps_each_word_and_its_singular():
    assert search_text("Calças de Linho", None, "Leves", language="pt-br") == (
        " calcas calca de linho leves leve "
    )
    assert search_text("", language="en") == ""


@pytest.fixture
def wardrobe(catalogue):
    """A shirt, a dress, a pair of trousers and shoes, written in three languages."""
    shirts = catalogue.category("Shirts", slug="shirts", name_pt_br="Camisas", name_es="Camisas")
    dresses = catalogue.category(
        "Dresses", slug="dresses", name_pt_br="Vestidos", name_es="Vestidos"
    )
    trousers = catalogue.category(
        "Trousers", slug="trousers", name_pt_br="Calças", name_es="Pantalones"
    )
    shoes = catalogue.category("Shoes", slug="shoes", name_pt_br="Sapatos", name_es="Zapatos")
    catalogue.product(
        "Linen Shirt",
        slug="linen-shirt",
        category=shirts,
        name_pt_br="Camisa de Linho",
        name_es="Camisa de Lino",
        tags=["Summer"],
    )
    catalogue.product(
        "Midi Dress",
        slug="midi-dress",
        category=dresses,
        name_pt_br="Vestido Midi",
        name_es="Vestido Midi",
    )
    catalogue.product(
        "Chino",
        slug="chino",
        category=trousers,
        name_pt_br="Calça Chino",
        name_es="Pantalón Chino",
    )
    catalogue.product(
        "Canvas Sneaker",
        slug="canvas-sneaker",
        category=shoes,
        name_pt_br="Tênis de Lona",
        name_es="Zapatilla de Lona",
    )


@pytest.mark.parametrize(
    ("language", "q", "expected"),
    [
        ("pt-br", "camisa", ["linen-shirt"]),
        ("pt-br", "camisas", ["linen-shirt"]),
        ("pt-br", "vestido", ["midi-dress"]),
        ("pt-br", "vestidos", ["midi-dress"]),
        ("pt-br", "calca", ["chino"]),  # no cedilla typed
        ("pt-br", "CALÇAS", ["chino"]),
        ("pt-br", "tenis", ["canvas-sneaker"]),
        ("pt-br", "sapatos", ["canvas-sneaker"]),  # by its category
        ("en", "shirts", ["linen-shirt"]),
        ("en", "dresses", ["midi-dress"]),
        ("en", "shoes", ["canvas-sneaker"]),  # by its category
        ("en", "Shirt", ["linen-shirt"]),
        ("es", "pantalones", ["chino"]),
        ("es", "pantalón", ["chino"]),
        ("es", "zapatillas", ["canvas-sneaker"]),
        ("es", "vestidos", ["midi-dress"]),
    ],
)
def test_each_language_finds_its_own_words_in_singular_or_plural_with_or_without_accents(
    wardrobe, language, q, expected
):
    assert found(q, language) == expected


def test_a_word_of_another_language_is_not_searched(wardrobe):
    assert found("shirt", "pt-br") == []
    assert found("camisa", "en") == []


def test_typed_accents_match_a_name_written_without_them(catalogue):
    catalogue.product("Trousers", slug="calca", name_pt_br="Calca Reta")

    assert found("calça", "pt-br") == ["calca"]


def test_tags_are_searched_in_the_active_language(catalogue):
    tag = catalogue.tag("Summer")
    tag.name_pt_br, tag.name_es = "Verão", "Verano"
    tag.save()
    product = catalogue.product("Shirt", slug="shirt")
    product.tags.set([tag])

    assert found("verao", "pt-br") == ["shirt"]
    assert found("veranos", "es") == ["shirt"]
    assert found("summer", "en") == ["shirt"]


def test_a_missing_translation_is_searched_in_portuguese_as_it_is_shown(catalogue):
    Product.objects.create(  # no English, no Spanish
        slug="saia", name_pt_br="Saia Plissada", category=catalogue.category(), price="90.00"
    )

    assert found("saias", "en") == ["saia"]
    assert found("saia", "es") == ["saia"]


def test_renaming_a_product_updates_its_search_text(catalogue):
    product = catalogue.product("Shirt", slug="shirt", name_pt_br="Camisa")

    product.name_pt_br = "Blusa"
    product.save(update_fields=["name_pt_br"])

    assert found("blusas", "pt-br") == ["shirt"] and found("camisa", "pt-br") == []
    assert Product.objects.get().search_text_pt_br.strip() == "blusa"


def test_only_punctuation_finds_nothing(catalogue):
    catalogue.product("Shirt")

    assert found("!!!", "en") == []


def test_hyphenated_words_are_one_word():
    assert search_terms("T-shirts", "en") == ["tshirt"]
    assert search_text("Azul-marinho", language="pt-br") == " azulmarinho "


def test_a_category_matches_from_the_start_of_a_word(catalogue):
    tees = catalogue.category("T-shirts", slug="t-shirts")
    shirts = catalogue.category("Shirts", slug="shirts")
    catalogue.product("Crew Tee", slug="tee", category=tees)
    catalogue.product("Oxford", slug="oxford", category=shirts)

    assert found("shirt", "en") == ["oxford"]  # not the tee, whose category is T-shirts
    assert found("t-shirts", "en") == ["tee"]
    assert found("shi", "en") == ["oxford"]  # typing the start of the word is enough
