"""The catalogue's words in every language (django-modeltranslation).

Each field below gets one column per language in its own table (`name_pt_br`, `name_en`,
`name_es`), so a page costs the same queries in every language. Reading `product.name` gives the
active language's value, or the Portuguese one when that translation is missing
(MODELTRANSLATION_FALLBACK_LANGUAGES). Portuguese is required; English and Spanish are optional,
and a translation left empty in the admin is stored as NULL (`empty_values`), so two colours or
tags without an English name do not collide on the unique columns.

`search_text` is not typed by anyone: it holds each language's words folded for search
(store/search.py) and is rebuilt whenever the row is saved.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Category, Color, Product, Tag


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "description", "search_text")
    required_languages = {"pt-br": ("name",)}
    empty_values = None


@register(Tag)
class TagTranslation(TranslationOptions):
    fields = ("name", "search_text")
    required_languages = {"pt-br": ("name",)}
    empty_values = None


@register(Color)
class ColorTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = {"pt-br": ("name",)}
    empty_values = None


@register(Product)
class ProductTranslation(TranslationOptions):
    fields = ("name", "description", "search_text")
    required_languages = {"pt-br": ("name",)}
    empty_values = None
