from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import AddressForm, MailableEmailField
from accounts.models import Address
from orders.services import DeliveryDetails

ADDRESS_FIELDS = [f for f in AddressForm.Meta.fields if f != "is_default"]


class GuestAddressForm(AddressForm):
    """A guest's delivery address: validated like the address book's, never saved to one."""

    class Meta(AddressForm.Meta):
        fields = ADDRESS_FIELDS


class CheckoutForm(forms.Form):
    """Who is buying and where it goes. A signed-in shopper picks one of their addresses; a
    guest gives an e-mail address and a delivery address."""

    email = MailableEmailField(label=_("E-mail"), required=False, max_length=254)
    address = forms.ModelChoiceField(
        queryset=Address.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your addresses.")},
    )

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.user = user
        self.guest_address = None
        if user.is_authenticated:
            self.fields["address"].queryset = Address.objects.filter(user=user)
            default = next((a for a in self.fields["address"].queryset if a.is_default), None)
            self.initial["address"] = default
        else:
            self.fields["email"].required = True
            self.guest_address = GuestAddressForm(data, prefix="delivery")

    def is_valid(self):
        valid = super().is_valid()
        if self.guest_address is not None:
            valid = self.guest_address.is_valid() and valid
        return valid

    def clean(self):
        cleaned = super().clean()
        if (
            self.user.is_authenticated
            and not cleaned.get("address")
            and "address" not in self.errors
        ):
            self.add_error("address", _("Choose where to deliver your order."))
        return cleaned

    def details(self) -> DeliveryDetails:
        if self.user.is_authenticated:
            source = {f: getattr(self.cleaned_data["address"], f) for f in ADDRESS_FIELDS}
            email = self.user.email
        else:
            source = {f: self.guest_address.cleaned_data[f] for f in ADDRESS_FIELDS}
            email = self.cleaned_data["email"]
        return DeliveryDetails(email=email, **{f: source[f] for f in ADDRESS_FIELDS})
