from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import AddressForm, MailableEmailField
from accounts.models import Address, PostalAddress


class GuestAddressForm(AddressForm):
    """A guest's delivery address: validated like the address book's, never saved to one."""

    class Meta(AddressForm.Meta):
        fields = [field for field in AddressForm.Meta.fields if field != "is_default"]


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

    @property
    def email_address(self) -> str:
        return self.user.email if self.user.is_authenticated else self.cleaned_data["email"]

    @property
    def delivery_address(self) -> PostalAddress:
        """The chosen address-book entry, or the guest's address (unsaved)."""
        if self.user.is_authenticated:
            return self.cleaned_data["address"]
        return self.guest_address.save(commit=False)
