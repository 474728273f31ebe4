import os
import warnings
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image

from .models import ProductImage
from .money import parse_amount
from .selectors import (
    DEFAULT_SORT,
    MAX_QUERY_LENGTH,
    SORT_ORDERS,
    Facets,
    ProductFilters,
    normalize_query,
)

MAX_PRICE = Decimal("99999999.99")

SORT_CHOICES = [
    ("newest", _("Newest")),
    ("price_asc", _("Price: low to high")),
    ("price_desc", _("Price: high to low")),
    ("name", _("Name")),
]
assert {key for key, _label in SORT_CHOICES} == set(SORT_ORDERS)


class SearchField(forms.CharField):
    """Free text, normalized (store.selectors.normalize_query); anything longer than the limit
    is cut rather than refused."""

    def to_python(self, value):
        # Cut before normalizing too, so a huge parameter costs nothing to fold.
        return normalize_query(super().to_python(value)[: MAX_QUERY_LENGTH * 4])


class AmountField(forms.DecimalField):
    """An amount as the shopper writes it in their language ("100,50", "1.234,50" in
    Portuguese; store.money.parse_amount), checked like any DecimalField."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        amount = parse_amount(str(value))
        if amount is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return amount


class ProductFilterForm(forms.Form):
    """The listing's query string. Invalid fields are dropped, never fatal: a shared or
    hand-edited link still shows products, with a note about what was ignored."""

    q = SearchField(required=False, label=_("Search"))
    category = forms.ChoiceField(required=False, label=_("Category"))
    tag = forms.ChoiceField(required=False, label=_("Tag"))
    size = forms.MultipleChoiceField(required=False, label=_("Size"))
    color = forms.MultipleChoiceField(required=False, label=_("Colour"))
    min_price = AmountField(
        required=False, label=_("Price from"), min_value=0, max_value=MAX_PRICE, decimal_places=2
    )
    max_price = AmountField(
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


# Product pictures: what a browser shows well and a phone camera produces, with room to spare.
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_SIDE = 6000  # pixels
MAX_IMAGE_PIXELS = 24_000_000
IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


def _picture_format_and_size(upload) -> tuple[str | None, tuple[int, int]]:
    """Pillow's reading of the file's header (never of its pixels). ImageField already opened
    it; a file reaching here another way is opened with Pillow's bomb warning as an error."""
    picture = getattr(upload, "image", None)
    if picture is not None:
        return picture.format, picture.size
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as opened:
                return opened.format, opened.size
    except Exception as error:  # Pillow raises many kinds for files that are not pictures
        raise ValidationError(
            _("Upload a valid picture: this file is not an image or is damaged."),
            code="invalid_image",
        ) from error
    finally:
        upload.seek(0)


def validate_product_image(upload) -> None:
    """Refuse an uploaded product picture that is too big, is not JPEG, PNG or WebP, or whose
    content does not match its file name (a GIF or an SVG called .jpg or .png)."""
    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("This file is %(size)s; pictures may be at most %(max)s."),
            code="file_too_large",
            params={"size": filesizeformat(upload.size), "max": filesizeformat(MAX_IMAGE_BYTES)},
        )
    image_format, (width, height) = _picture_format_and_size(upload)
    extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if image_format not in IMAGE_FORMATS.values():
        raise ValidationError(
            _("Upload a JPEG, PNG or WebP picture (this file is %(format)s)."),
            code="unsupported_image",
            params={"format": image_format or _("of an unknown kind")},
        )
    if IMAGE_FORMATS.get(extension) != image_format:
        raise ValidationError(
            _(
                "This file holds a %(format)s picture but its name ends in “.%(extension)s”. "
                "Rename it to match its content."
            ),
            code="mismatched_image",
            params={"format": image_format, "extension": extension},
        )
    if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(
            _(
                "This picture is %(width)d × %(height)d pixels; pictures may be at most "
                "%(side)d pixels on each side and %(megapixels)d megapixels."
            ),
            code="image_too_large",
            params={
                "width": width,
                "height": height,
                "side": MAX_IMAGE_SIDE,
                "megapixels": MAX_IMAGE_PIXELS // 1_000_000,
            },
        )


class ProductImageForm(forms.ModelForm):
    """A product picture as staff upload it in the admin: new files are checked as above."""

    class Meta:
        model = ProductImage
        fields = ["image", "alt_text", "position", "is_primary"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            validate_product_image(image)
        return image
