"""Reads of the catalogue. Every function here runs a fixed number of queries.

Stock is not the catalogue's to judge: what can be sold depends on reservations, which live in
the stock module above this one. Functions that show or filter by stock take it from their
caller: the variants that can be sold now (`sellable_variants`), a variants queryset annotated
with what each can sell, or a mapping of variant id to sellable units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import get_language
from modeltranslation.utils import build_localized_fieldname

from . import cache as catalogue_cache
from .models import Category, Color, Product, ProductImage, Size, Tag, Variant, name_order
from .search import MAX_QUERY_LENGTH as MAX_QUERY_LENGTH  # re-exported for the search box
from .search import normalize_query, search_terms, strip_accents

SORT_ORDERS = {
    "newest": ("-created_at", "-id"),
    "price_asc": ("price", "id"),
    "price_desc": ("-price", "-id"),
    "name": ("name", "id"),  # the active language's name, see _ordering()
}
DEFAULT_SORT = "newest"
MAX_SEARCH_TERMS = 5


def _language() -> str:
    """The active language, as one of settings.LANGUAGES (the default outside a request)."""
    codes = [code for code, _name in settings.LANGUAGES]
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    if language in codes:
        return language
    return next((code for code in codes if code.split("-")[0] == language.split("-")[0]), codes[0])


def _ordering(sort: str) -> list:
    """The requested order; "name" sorts by the name shoppers see in the active language
    (its own, or the Portuguese one standing in for a missing translation)."""
    fields = SORT_ORDERS.get(sort, SORT_ORDERS[DEFAULT_SORT])
    return [name_order(_language()) if field == "name" else field for field in fields]


def _display_order(name) -> str:
    return strip_accents(str(name)).casefold()


@dataclass(frozen=True)
class Facets:
    """Everything the filter form offers; four small queries, independent of the catalogue size."""

    categories: list[Category]
    tags: list[Tag]
    sizes: list[Size]
    colors: list[Color]


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    category: Category | None = None
    tag: Tag | None = None
    sizes: tuple[Size, ...] = ()
    colors: tuple[Color, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False
    sort: str = DEFAULT_SORT

    def __post_init__(self):
        object.__setattr__(self, "q", normalize_query(self.q))

    def cache_key(self) -> tuple:
        """The filters as plain values, the same for every spelling of the same query."""
        return (
            self.q,  # normalized: what is searched is what is cached
            self.category.pk if self.category else None,
            self.tag.pk if self.tag else None,
            tuple(sorted(s.pk for s in self.sizes)),
            tuple(sorted(c.pk for c in self.colors)),
            str(self.min_price),
            str(self.max_price),
            self.in_stock,
            self.sort,
        )

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q
            or self.tag
            or self.sizes
            or self.colors
            or self.min_price is not None
            or self.max_price is not None
            or self.in_stock
        )


def catalogue_facets() -> Facets:
    """Four small queries, or none when the current catalogue version's facets are cached."""

    def load() -> Facets:
        # In the alphabetical order of the names shown in the active language (or their
        # Portuguese fallback), accents aside; categories first by their position.
        return Facets(
            categories=sorted(
                Category.objects.all(), key=lambda c: (c.position, _display_order(c.name))
            ),
            tags=sorted(Tag.objects.all(), key=lambda t: _display_order(t.name)),
            sizes=list(Size.objects.all()),
            colors=sorted(Color.objects.all(), key=lambda c: _display_order(c.name)),
        )

    if not catalogue_cache.enabled():
        return load()
    return catalogue_cache.fragments().get_or_set(
        catalogue_cache.fragment_key("facets"), load, settings.CATALOGUE_CACHE_SECONDS
    )


def product_search(
    *, filters: ProductFilters, sellable_variants: QuerySet[Variant]
) -> QuerySet[Product]:
    """Active products matching the filters, in the requested order, ready for product cards
    (each with `in_stock`). `sellable_variants` are the variants that can be sold now.

    The search looks, in the active language, for every word of the query in the product's
    name or description, its category's name or one of its tags' names, with accents, case and
    plurals folded away on both sides (store/search.py). A category's name matches from the
    start of a word, so `shoes` finds every shoe but `shirt` does not bring the T-shirts."""
    language = _language()
    column = build_localized_fieldname("search_text", language)
    products = Product.objects.active()
    terms = search_terms(filters.q, language)
    if filters.q and not terms:
        products = products.none()  # only punctuation: nothing can match it
    for term in terms[:MAX_SEARCH_TERMS]:
        tagged = Product.tags.through.objects.filter(
            product=OuterRef("pk"), **{f"tag__{column}__contains": term}
        )
        products = products.filter(
            Q(**{f"{column}__contains": term})
            | Q(**{f"category__{column}__contains": f" {term}"})
            | Exists(tagged)
        )
    if filters.category:
        products = products.filter(category=filters.category)
    if filters.tag:
        products = products.filter(
            Exists(Product.tags.through.objects.filter(product=OuterRef("pk"), tag=filters.tag))
        )
    if filters.min_price is not None:
        products = products.filter(price__gte=filters.min_price)
    if filters.max_price is not None:
        products = products.filter(price__lte=filters.max_price)

    # Size, colour and "in stock" describe one variant: "M in navy, in stock" means a navy M
    # that has units, not a navy S plus an M in red.
    variant_conditions = Q()
    if filters.sizes:
        variant_conditions &= Q(size__in=filters.sizes)
    if filters.colors:
        variant_conditions &= Q(color__in=filters.colors)
    if variant_conditions or filters.in_stock:
        candidates = sellable_variants if filters.in_stock else Variant.objects.all()
        products = products.filter(
            Exists(candidates.filter(variant_conditions, product=OuterRef("pk")))
        )

    return (
        products.select_related("category")
        .annotate(in_stock=Exists(sellable_variants.filter(product=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "images",
                queryset=ProductImage.objects.filter(is_primary=True),
                to_attr="primary_images",
            )
        )
        .order_by(*_ordering(filters.sort))
    )


def product_page(
    *, filters: ProductFilters, page_number: str | int | None, sellable_variants: QuerySet[Variant]
) -> Page:
    """One page of results; a missing, malformed or out-of-range page number is clamped."""
    paginator = Paginator(
        product_search(filters=filters, sellable_variants=sellable_variants),
        settings.STORE_PAGE_SIZE,
    )
    try:
        number = int(page_number)
    except (TypeError, ValueError, OverflowError):
        number = 1
    return paginator.page(min(max(number, 1), paginator.num_pages))


def _variants_prefetch(variants: QuerySet[Variant] | None) -> Prefetch:
    variants = Variant.objects.all() if variants is None else variants
    return Prefetch(
        "variants",
        queryset=variants.select_related("color", "size").order_by(
            f"color__{build_localized_fieldname('name', _language())}",
            "size__position",
            "size__name",
            "id",
        ),
    )


def product_for_page(*, slug: str, variants: QuerySet[Variant] | None = None) -> Product | None:
    """An active product with its category and variants (from `variants`, e.g. annotated with
    their sellable units), or None. Its images and tags are read by the page's cached
    fragments, and only when those are rendered."""
    products = (
        Product.objects.active()
        .select_related("category")
        .prefetch_related(_variants_prefetch(variants))
    )
    return products.filter(slug=slug).first()


def product_with_variants(*, pk: int, variants: QuerySet[Variant] | None = None) -> Product | None:
    """An active product and its variants (from `variants`), or None when unknown or
    inactive."""
    return (
        Product.objects.active()
        .prefetch_related(_variants_prefetch(variants))
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class SizeOption:
    size: Size
    quantity: int


@dataclass
class VariantChoice:
    """The shopper's colour and size choice on a product page, resolved without a query.

    Size choices appear only once a colour is chosen (when the product comes in colours).
    `quantity` and `status` speak of the units that can be sold now.
    """

    sellable: Mapping[int, int] = field(default_factory=dict)
    colors: list[Color] = field(default_factory=list)
    sizes: list[SizeOption] = field(default_factory=list)
    color: Color | None = None
    size: Size | None = None
    variant: Variant | None = None

    @property
    def needs_color(self) -> bool:
        return bool(self.colors) and self.color is None

    @property
    def needs_size(self) -> bool:
        return not self.needs_color and bool(self.sizes) and self.size is None

    @property
    def quantity(self) -> int:
        return self.sellable.get(self.variant.pk, 0) if self.variant else 0

    @property
    def status(self) -> str:
        """One of: choose-color, choose-size, sold-out, low, in-stock."""
        if self.needs_color:
            return "choose-color"
        if self.needs_size:
            return "choose-size"
        if self.quantity == 0:
            return "sold-out"
        if self.quantity <= settings.STORE_LOW_STOCK:
            return "low"
        return "in-stock"

    @property
    def can_add(self) -> bool:
        return self.status in ("low", "in-stock")


def variant_choice(
    *, product: Product, color: str | None, size: str | None, sellable: Mapping[int, int]
) -> VariantChoice:
    """Resolve `?color=<slug>&size=<name>` against the product's prefetched variants, with
    `sellable` (variant id → units that can be sold now) for their stock.

    Unknown values are ignored (treated as "not chosen"); an axis with a single option is
    chosen automatically.
    """
    variants = list(product.variants.all())
    choice = VariantChoice(sellable=sellable)

    colors_by_slug: dict[str, Color] = {}
    for variant in variants:
        if variant.color is not None:
            colors_by_slug.setdefault(variant.color.slug, variant.color)
    choice.colors = list(colors_by_slug.values())
    if choice.colors:
        choice.color = colors_by_slug.get(color or "")
        if choice.color is None and len(choice.colors) == 1:
            choice.color = choice.colors[0]
        if choice.color is None:
            return choice
        candidates = [v for v in variants if v.color_id == choice.color.pk]
    else:
        candidates = [v for v in variants if v.color_id is None]

    sized = [v for v in candidates if v.size is not None]
    choice.sizes = [SizeOption(size=v.size, quantity=sellable.get(v.pk, 0)) for v in sized]
    if sized:
        by_name = {v.size.name: v for v in sized}
        chosen = by_name.get(size or "")
        if chosen is None and len(sized) == 1:
            chosen = sized[0]
        if chosen is not None:
            choice.size = chosen.size
            choice.variant = chosen
    else:
        choice.variant = next(iter(candidates), None)
    return choice
