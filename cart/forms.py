from django import forms
from django.utils.translation import gettext_lazy as _

from stock.selectors import sellable_of, variants_with_sellable
from store.selectors import VariantChoice, product_with_variants, variant_choice

from .services import MAX_LINE_QUANTITY


class AddToCartForm(forms.Form):
    """A product page's "add to cart": which product, which colour and size, how many.

    Validation resolves the variant (the cart service then checks the stock); `choice` is
    available afterwards, also when invalid, so the view can send the shopper back to the same
    selection.
    """

    product = forms.IntegerField(min_value=1)
    color = forms.CharField(required=False, max_length=40)
    size = forms.CharField(required=False, max_length=20)
    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        error_messages={
            "required": _("Enter how many you want."),
            "invalid": _("Enter a whole number."),
            "min_value": _("Choose at least one."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = None
        self.choice: VariantChoice | None = None

    def clean_product(self):
        self.product = product_with_variants(
            pk=self.cleaned_data["product"], variants=variants_with_sellable()
        )
        if self.product is None:
            raise forms.ValidationError(_("This product is no longer available."))
        return self.product

    def clean(self):
        cleaned = super().clean()
        if self.product is None:
            return cleaned
        self.choice = variant_choice(
            product=self.product,
            color=cleaned.get("color"),
            size=cleaned.get("size"),
            sellable=sellable_of(self.product.variants.all()),
        )
        if self.choice.needs_color:
            raise forms.ValidationError(_("Choose a colour first."), code="color_required")
        if self.choice.needs_size:
            raise forms.ValidationError(_("Choose a size first."), code="size_required")
        if not self.choice.can_add:
            raise forms.ValidationError(_("Sorry, this one is sold out."), code="sold_out")
        return cleaned


class LineQuantityForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        error_messages={
            "required": _("Enter how many you want."),
            "invalid": _("Enter a whole number."),
            "min_value": _("Choose at least one, or remove the item."),
            "max_value": _("That is more than we can sell at once."),
        },
    )
