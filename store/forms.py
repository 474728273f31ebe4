from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import DEFAULT_SORT, SORT_ORDERS, Facets, ProductFilters

MAX_QUERY_LENGTH = 100
MAX_PRICE = Decimal("99999999.99")

SORT_CHOICES = [
    ("newest", _("Newest")),
    ("price_asc", _("Price: low to high")),
    ("price_desc", _("Price: high to low")),
    ("name", _("Name")),
]
assert {key for key, _label in SORT_CHOICES} == set(SORT_ORDERS)


class SearchField(forms.CharField):
    """Free text; anything longer than the limit is cut rather than refused."""

    def to_python(self, value):
        return super().to_python(value)[:MAX_QUERY_LENGTH].strip()


class ProductFilterForm(forms.Form):
    """The listing's query string. Invalid fields are dropped, never fatal: a shared or
    hand-edited link still shows products, with a note about what was ignored."""

    q = SearchField(required=False, label=_("Search"))
    category = forms.ChoiceField(required=False, label=_("Category"))
    tag = forms.ChoiceField(required=False, label=_("Tag"))
    size = forms.MultipleChoiceField(required=False, label=_("Size"))
    color = forms.MultipleChoiceField(required=False, label=_("Colour"))
    min_price = forms.DecimalField(
        required=False, label=_("Price from"), min_value=0, max_value=MAX_PRICE, decimal_places=2
    )
    max_price = forms.DecimalField(
        required=False, label=_("Price to"), min_value=0, max_value=MAX_PRICE, decimal_places=2
    )
    in_stock = forms.BooleanField(required=False, label=_("In stock only"))
    sort = forms.ChoiceField(required=False, label=_("Sort by"), choices=SORT_CHOICES)

    def __init__(self, data, *, facets: Facets):
        super().__init__(data)
        self.facets = facets
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.slug, c.name) for c in facets.categories
        ]
        self.fields["tag"].choices = [("", _("All tags"))] + [(t.slug, t.name) for t in facets.tags]
        self.fields["size"].choices = [(s.name, s.name) for s in facets.sizes]
        self.fields["color"].choices = [(c.slug, c.name) for c in facets.colors]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            cleaned["min_price"], cleaned["max_price"] = high, low
        return cleaned

    @property
    def ignored_fields(self) -> list[str]:
        """Labels of the fields whose values were not understood."""
        self.is_valid()
        return [str(self.fields[name].label) for name in self.errors if name in self.fields]

    def filters(self) -> ProductFilters:
        self.is_valid()
        data = self.cleaned_data
        categories = {c.slug: c for c in self.facets.categories}
        tags = {t.slug: t for t in self.facets.tags}
        sizes = {s.name: s for s in self.facets.sizes}
        colors = {c.slug: c for c in self.facets.colors}
        return ProductFilters(
            q=data.get("q", ""),
            category=categories.get(data.get("category") or ""),
            tag=tags.get(data.get("tag") or ""),
            sizes=tuple(sizes[name] for name in data.get("size", [])),
            colors=tuple(colors[slug] for slug in data.get("color", [])),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=bool(data.get("in_stock")),
            sort=data.get("sort") or DEFAULT_SORT,
        )
