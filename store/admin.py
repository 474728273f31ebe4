from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import build_localized_fieldname

from .forms import ProductImageForm
from .models import Category, Color, Product, ProductImage, Size, Tag, Variant

# The translated models use modeltranslation's plain TranslationAdmin: one field per language
# (name [pt-br], name [en], name [es]) on one form. Its tabbed variant loads jQuery UI from a
# CDN, which the admin's Content Security Policy (script-src 'self') refuses. Staff find a row
# by its name in any language.
NAMES = tuple(build_localized_fieldname("name", code) for code, _name in settings.LANGUAGES)


class ProductImageFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        primaries = sum(1 for data in kept if data.get("is_primary"))
        if kept and primaries != 1:
            raise ValidationError(_("Mark exactly one image as the primary image."))


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm  # refuses mislabelled, oversized and bomb pictures
    formset = ProductImageFormSet
    extra = 0
    fields = ("image", "alt_text", "position", "is_primary")


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ("color", "size", "quantity", "sku")
    autocomplete_fields = ("color", "size")


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = (*NAMES, "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(TranslationAdmin):
    list_display = ("name", "slug")
    search_fields = (*NAMES, "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Color)
class ColorAdmin(TranslationAdmin):
    list_display = ("name", "slug", "hex_code")
    search_fields = (*NAMES, "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Size)
class SizeAdmin(admin.ModelAdmin):
    list_display = ("name", "position")
    list_editable = ("position",)
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(TranslationAdmin):
    list_display = ("name", "category", "price", "is_active", "units_in_stock", "created_at")
    list_filter = ("is_active", "category", "tags", "variants__size", "variants__color")
    list_select_related = ("category",)
    search_fields = (
        *NAMES,
        "slug",
        "description_pt_br",
        "tags__name_pt_br",
        "variants__sku",
    )
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("tags",)
    list_editable = ("is_active",)
    date_hierarchy = "created_at"
    inlines = [ProductImageInline, VariantInline]
    show_full_result_count = False

    def get_queryset(self, request):
        units = (
            Variant.objects.filter(product=OuterRef("pk"))
            .values("product")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(_units=Coalesce(Subquery(units, output_field=IntegerField()), 0))
        )

    @admin.display(description=_("units in stock"), ordering="_units")
    def units_in_stock(self, obj):
        return obj._units


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ("product", "color", "size", "quantity", "sku")
    list_editable = ("quantity",)
    list_filter = ("color", "size", "product__category")
    list_select_related = ("product", "color", "size")
    search_fields = (*(f"product__{name}" for name in NAMES), "sku")
    autocomplete_fields = ("product", "color", "size")
