from decimal import Decimal

import pytest

from store.models import Variant
from store.selectors import (
    ProductFilters,
    catalogue_facets,
    product_for_page,
    product_page,
    product_search,
    variant_choice,
)

pytestmark = pytest.mark.django_db


def on_hand():
    """The catalogue's tests take stock on hand as what can be sold (the stock module, above
    the catalogue, adds reservations; storefront/tests check them together)."""
    return Variant.objects.filter(quantity__gt=0)


def names(queryset):
    return [product.name for product in queryset]


def test_search_matches_name_description_and_tags_case_insensitively(catalogue):
    catalogue.product("Linen Shirt")
    catalogue.product("Plain Tee", description="Soft LINEN blend")
    catalogue.product("Chino", tags=["Linen look"])
    catalogue.product("Leather Belt")

    found = names(
        product_search(sellable_variants=on_hand(), filters=ProductFilters(q="linen", sort="name"))
    )

    assert found == ["Chino", "Linen Shirt", "Plain Tee"]


def test_search_with_several_words_requires_every_word(catalogue):
    catalogue.product("Navy Linen Shirt")
    catalogue.product("Navy Chino")

    assert names(
        product_search(sellable_variants=on_hand(), filters=ProductFilters(q="navy linen"))
    ) == ["Navy Linen Shirt"]


def test_search_does_not_duplicate_products_matching_several_tags(catalogue):
    catalogue.product("Shirt", tags=["Summer", "Summer linen", "Summertime"])

    assert names(
        product_search(sellable_variants=on_hand(), filters=ProductFilters(q="summer"))
    ) == ["Shirt"]


def test_inactive_products_are_never_listed(catalogue):
    catalogue.product("Visible")
    catalogue.product("Hidden", is_active=False)

    assert names(product_search(sellable_variants=on_hand(), filters=ProductFilters())) == [
        "Visible"
    ]


def test_category_and_tag_filters(catalogue):
    shirts = catalogue.category("Shirts")
    catalogue.product("Linen Shirt", category=shirts, tags=["Summer"])
    catalogue.product("Oxford Shirt", category=shirts)
    catalogue.product("Summer Dress", tags=["Summer"])
    summer = catalogue.tag("Summer")

    assert names(
        product_search(
            sellable_variants=on_hand(), filters=ProductFilters(category=shirts, sort="name")
        )
    ) == [
        "Linen Shirt",
        "Oxford Shirt",
    ]
    assert names(
        product_search(
            sellable_variants=on_hand(), filters=ProductFilters(category=shirts, tag=summer)
        )
    ) == ["Linen Shirt"]


def test_size_and_colour_must_match_the_same_variant(catalogue):
    catalogue.product("Navy M", stock={("Navy", "M"): 2})
    catalogue.product("Navy S and Red M", stock={("Navy", "S"): 2, ("Red", "M"): 2})
    navy, m = catalogue.color("Navy"), catalogue.size("M")

    found = names(
        product_search(
            sellable_variants=on_hand(), filters=ProductFilters(sizes=(m,), colors=(navy,))
        )
    )

    assert found == ["Navy M"]


def test_in_stock_only_looks_at_the_chosen_size(catalogue):
    catalogue.product("M sold out", stock={("Navy", "M"): 0, ("Navy", "L"): 4})
    catalogue.product("M available", stock={("Navy", "M"): 1})
    m = catalogue.size("M")

    assert names(
        product_search(sellable_variants=on_hand(), filters=ProductFilters(in_stock=True))
    ) == [
        "M available",
        "M sold out",
    ]
    assert names(
        product_search(
            sellable_variants=on_hand(), filters=ProductFilters(sizes=(m,), in_stock=True)
        )
    ) == ["M available"]


def test_price_range_is_inclusive(catalogue):
    for price in ("49.90", "50.00", "99.99", "100.00", "100.01"):
        catalogue.product(f"At {price}", price=price)

    found = product_search(
        sellable_variants=on_hand(),
        filters=ProductFilters(min_price=Decimal("50"), max_price=Decimal("100"), sort="price_asc"),
    )

    assert [p.price for p in found] == [Decimal("50.00"), Decimal("99.99"), Decimal("100.00")]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", ["Cheap", "Middle", "Dear"]),
        ("price_desc", ["Dear", "Middle", "Cheap"]),
        ("name", ["Cheap", "Dear", "Middle"]),
        ("newest", ["Middle", "Cheap", "Dear"]),
        ("unknown", ["Middle", "Cheap", "Dear"]),
    ],
)
def test_sort_orders(catalogue, sort, expected):
    catalogue.product("Dear", price="300")
    catalogue.product("Cheap", price="10")
    catalogue.product("Middle", price="50")

    assert (
        names(product_search(sellable_variants=on_hand(), filters=ProductFilters(sort=sort)))
        == expected
    )


def test_listing_marks_sold_out_products_and_carries_the_primary_image(catalogue):
    catalogue.product("Sold out", stock={("Navy", "M"): 0, ("Navy", "L"): 0}, images=3)
    catalogue.product("Available", stock=3, images=0)

    found = {
        p.name: p for p in product_search(sellable_variants=on_hand(), filters=ProductFilters())
    }

    assert found["Sold out"].in_stock is False
    assert [i.is_primary for i in found["Sold out"].primary_images] == [True]
    assert found["Available"].in_stock is True
    assert found["Available"].primary_images == []


@pytest.mark.parametrize(
    ("requested", "shown"), [(None, 1), ("0", 1), ("-3", 1), ("abc", 1), ("2", 2), ("99999", 2)]
)
def test_page_numbers_are_clamped(catalogue, settings, requested, shown):
    settings.STORE_PAGE_SIZE = 2
    for n in range(3):
        catalogue.product(f"P{n}")

    page = product_page(
        sellable_variants=on_hand(), filters=ProductFilters(), page_number=requested
    )

    assert page.number == shown
    assert page.paginator.count == 3


def test_facets_list_every_category_tag_size_and_colour(catalogue):
    catalogue.product("A", stock={("Navy", "M"): 1}, tags=["Summer"])

    facets = catalogue_facets()

    assert len(facets.categories) == 1
    assert [t.name for t in facets.tags] == ["Summer"]
    assert [s.name for s in facets.sizes] == ["M"]
    assert [c.name for c in facets.colors] == ["Navy"]


def test_product_for_page_hides_inactive_products(catalogue):
    product = catalogue.product("Hidden", is_active=False)

    assert product_for_page(slug=product.slug) is None


class TestVariantChoice:
    def choose(self, product, color=None, size=None):
        product = product_for_page(slug=product.slug)
        on_hand = {variant.pk: variant.quantity for variant in product.variants.all()}
        return variant_choice(product=product, color=color, size=size, sellable=on_hand)

    def test_sizes_appear_only_after_a_colour_is_chosen(self, catalogue):
        product = catalogue.product(stock={("Navy", "M"): 2, ("Navy", "L"): 0, ("Red", "S"): 4})

        nothing = self.choose(product)
        navy = self.choose(product, color="navy")

        assert [c.name for c in nothing.colors] == ["Navy", "Red"]
        assert nothing.sizes == [] and nothing.status == "choose-color" and not nothing.can_add
        assert [(o.size.name, o.quantity) for o in navy.sizes] == [("L", 0), ("M", 2)]
        assert navy.status == "choose-size"

    def test_colour_and_size_resolve_the_variant_and_its_stock(self, catalogue, settings):
        settings.STORE_LOW_STOCK = 3
        product = catalogue.product(stock={("Navy", "M"): 1, ("Navy", "L"): 0, ("Red", "M"): 9})

        assert self.choose(product, "navy", "M").status == "low"
        assert self.choose(product, "navy", "M").quantity == 1
        assert self.choose(product, "navy", "L").status == "sold-out"
        assert not self.choose(product, "navy", "L").can_add
        assert self.choose(product, "red", "M").status == "in-stock"

    def test_a_size_that_does_not_exist_in_the_colour_is_not_chosen(self, catalogue):
        product = catalogue.product(stock={("Navy", "M"): 2, ("Navy", "L"): 2, ("Red", "S"): 2})

        choice = self.choose(product, "navy", "S")

        assert choice.size is None and choice.variant is None and choice.status == "choose-size"

    def test_unknown_values_are_ignored(self, catalogue):
        product = catalogue.product(stock={("Navy", "M"): 2, ("Red", "M"): 2})

        choice = self.choose(product, "<script>", "x" * 500)

        assert choice.color is None and choice.status == "choose-color"

    def test_single_options_are_chosen_automatically(self, catalogue):
        one_colour = catalogue.product(stock={("Navy", "M"): 2, ("Navy", "L"): 2})
        one_size = catalogue.product(stock={("Navy", "M"): 2})

        assert self.choose(one_colour).color.name == "Navy"
        assert self.choose(one_size).variant is not None

    def test_a_product_with_a_single_variant_needs_no_choice(self, catalogue):
        product = catalogue.product(stock=7)

        choice = self.choose(product)

        assert choice.colors == [] and choice.sizes == []
        assert choice.variant is not None and choice.status == "in-stock"

    def test_sizes_without_colours(self, catalogue):
        product = catalogue.product(stock={(None, "38"): 1, (None, "39"): 0})

        assert self.choose(product).status == "choose-size"
        assert self.choose(product, size="38").status == "low"

    def test_colours_without_sizes(self, catalogue):
        product = catalogue.product(stock={("Navy", None): 0, ("Red", None): 9})

        assert self.choose(product, "navy").status == "sold-out"
        assert self.choose(product, "red").status == "in-stock"
