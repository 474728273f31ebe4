"""The catalogue's words in three languages (django-modeltranslation, store/translation.py)."""

import pytest
from django.utils import translation

from store.models import Color, Product
from store.selectors import catalogue_facets

pytestmark = pytest.mark.django_db


def test_a_plain_name_given_in_code_also_fills_the_portuguese_column(catalogue):
    with translation.override("en"):
        product = catalogue.product("Linen Shirt")

    assert (product.name_en, product.name_pt_br, product.name_es) == (
        "Linen Shirt",
        "Linen Shirt",
        None,
    )


def test_sizes_are_not_translated():
    from store.models import Size

    assert "name_en" not in {field.name for field in Size._meta.fields}


def test_facets_list_tags_and_colours_alphabetically_as_shown_in_each_language(catalogue):
    for en, pt_br in (("Black", "Preto"), ("White", "Branco"), ("Navy", "Azul-marinho")):
        Color.objects.create(name_en=en, name_pt_br=pt_br, slug=en.lower(), hex_code="#000000")
    Color.objects.create(name_pt_br="Ébano", slug="ebony", hex_code="#000000")  # no English

    with translation.override("pt-br"):
        portuguese = [c.name for c in catalogue_facets().colors]
    with translation.override("en"):
        english = [c.name for c in catalogue_facets().colors]

    assert portuguese == ["Azul-marinho", "Branco", "Ébano", "Preto"]  # É sorts with E
    assert english == ["Black", "Ébano", "Navy", "White"]


def test_the_search_text_follows_every_language_on_save(catalogue):
    product = Product.objects.create(
        slug="skirt", name_pt_br="Saias", name_en="Skirts", category=catalogue.category(), price=1
    )

    assert product.search_text_pt_br.split() == ["saias", "saia"]
    assert product.search_text_en.split() == ["skirts", "skirt"]
    assert product.search_text_es.split() == ["saias", "saia"]  # Portuguese, as shown
