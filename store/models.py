from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from .search import search_text

IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]


def search_text_field():
    return models.TextField(_("search text"), blank=True, default="", editable=False)


def name_order(language: str):
    """What sorting by name means in `language`: its own name, or the Portuguese one shown
    in its place when the translation is missing."""
    fallback = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    if language == fallback:
        return F(build_localized_fieldname("name", fallback))
    return Coalesce(
        NullIf(build_localized_fieldname("name", language), Value("")),
        build_localized_fieldname("name", fallback),
    )


class SearchTextMixin:
    """Keeps `search_text` (one column per language, see store/translation.py) in step with
    the fields it is built from, each language's value falling back to Portuguese as pages do.

    A derived column, like a slug, must never disagree with its source, so it is rebuilt on
    every save; writers that bypass save() (bulk inserts) call `fill_search_text()` first."""

    SEARCH_SOURCES: tuple[str, ...] = ("name",)

    def fill_search_text(self) -> None:
        fallback = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
        for language, _name in settings.LANGUAGES:
            texts = [
                getattr(self, build_localized_fieldname(source, language))
                or getattr(self, build_localized_fieldname(source, fallback))
                for source in self.SEARCH_SOURCES
            ]
            setattr(
                self,
                build_localized_fieldname("search_text", language),
                search_text(*texts, language=language),
            )

    def save(self, *args, **kwargs):
        self.fill_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                *(build_localized_fieldname("search_text", code) for code, _ in settings.LANGUAGES),
            }
        super().save(*args, **kwargs)


class Category(SearchTextMixin, models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    search_text = search_text_field()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("storefront:category", kwargs={"category_slug": self.slug})


class Tag(SearchTextMixin, models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    search_text = search_text_field()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class Color(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    hex_code = models.CharField(
        _("hex code"),
        max_length=7,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use the form #RRGGBB."))],
        help_text=_("Swatch colour shown to shoppers, for example #1f2937."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("colour")
        verbose_name_plural = _("colours")

    def __str__(self):
        return self.name


class Size(models.Model):
    name = models.CharField(
        _("name"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9.-]+$", _("Letters, digits, dots and dashes only."))
        ],
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("size")
        verbose_name_plural = _("sizes")

    def __str__(self):
        return self.name


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Product(SearchTextMixin, models.Model):
    SEARCH_SOURCES = ("name", "description")

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(
        _("price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive products are hidden from shoppers.")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="products", verbose_name=_("tags"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search_text = search_text_field()

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
        ]
        indexes = [
            models.Index(fields=["is_active", "-created_at", "-id"], name="product_active_newest"),
            models.Index(fields=["is_active", "price"], name="product_active_price"),
            # Sorting by name, in each language (name_order above).
            models.Index(fields=["is_active", "name_pt_br"], name="product_active_name_pt_br"),
            models.Index(F("is_active"), name_order("en"), name="product_active_name_en"),
            models.Index(F("is_active"), name_order("es"), name="product_active_name_es"),
            models.Index(fields=["category", "is_active"], name="product_category_active"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("storefront:product_detail", kwargs={"slug": self.slug})


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product")
    )
    image = models.ImageField(
        _("image"),
        upload_to="products/",
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS)],
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField(_("width"), null=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, editable=False)
    alt_text = models.CharField(
        _("alt text"), max_length=200, help_text=_("Describes the picture for screen readers.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "position", "id"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(is_primary=True),
                name="one_primary_image_per_product",
            ),
        ]
        indexes = [models.Index(fields=["product", "is_primary"], name="image_product_primary")]

    def __str__(self):
        return self.alt_text


class Variant(models.Model):
    """One sellable combination of a product's colour and size, with its stock.

    A product's variants may differ by colour, by size, by both or by neither (a product with
    a single variant needs no choice). Stock can never go below zero: the database refuses it.
    """

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("product")
    )
    color = models.ForeignKey(
        Color,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="variants",
        verbose_name=_("colour"),
    )
    size = models.ForeignKey(
        Size,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="variants",
        verbose_name=_("size"),
    )
    quantity = models.PositiveIntegerField(_("units in stock"), default=0)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("variant (stock)")
        verbose_name_plural = _("variants (stock)")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="variant_quantity_not_negative"
            ),
            # One row per combination; NULL means "no choice on this axis".
            models.UniqueConstraint(
                fields=["product", "color", "size"],
                condition=Q(color__isnull=False, size__isnull=False),
                name="variant_unique_color_size",
            ),
            models.UniqueConstraint(
                fields=["product", "size"],
                condition=Q(color__isnull=True, size__isnull=False),
                name="variant_unique_size_only",
            ),
            models.UniqueConstraint(
                fields=["product", "color"],
                condition=Q(color__isnull=False, size__isnull=True),
                name="variant_unique_color_only",
            ),
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(color__isnull=True, size__isnull=True),
                name="variant_unique_single",
            ),
        ]
        indexes = [
            models.Index(fields=["size", "product"], name="variant_size_product"),
            models.Index(fields=["color", "product"], name="variant_color_product"),
        ]

    def __str__(self):
        return f"{self.product} ({self.label})" if self.label else str(self.product)

    @property
    def label(self) -> str:
        """The colour and size, e.g. "Navy / M" (empty for a product without choices)."""
        return " / ".join(str(part) for part in (self.color, self.size) if part is not None)
