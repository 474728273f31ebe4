from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.encoding import punycode
from django.utils.translation import gettext_lazy as _

from .models import Address, User, normalize_phone, normalize_postal_code


class MailableEmailValidator(EmailValidator):
    """Django's e-mail validator, also refusing a domain that no message can be addressed to:
    Django lets invisible format characters (bidi marks, line separators) into a domain, and
    IDNA refuses them when the message is sent, so sending would fail."""

    def __call__(self, value):
        super().__call__(value)
        try:
            punycode(value.rpartition("@")[2])
        except UnicodeError:
            raise ValidationError(self.message, code=self.code, params={"value": value}) from None


validate_mailable_email = MailableEmailValidator()


class MailableEmailField(forms.EmailField):
    default_validators = [validate_mailable_email]


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = [
            "recipient",
            "postal_code",
            "street",
            "number",
            "complement",
            "district",
            "city",
            "state",
            "country",
            "phone",
            "is_default",
        ]
        widgets = {
            "postal_code": forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "placeholder": "01310-100",
                    "autocomplete": "postal-code",
                }
            ),
            "phone": forms.TextInput(
                attrs={"inputmode": "tel", "placeholder": "(11) 91234-5678", "autocomplete": "tel"}
            ),
            "recipient": forms.TextInput(attrs={"autocomplete": "name"}),
            "street": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
        }
        help_texts = {"postal_code": _("8 digits, for example 01310-100.")}

    # Width of each field on the form's six-column grid (desktop).
    COLUMNS = {
        "recipient": 4, "postal_code": 2, "street": 4, "number": 2, "complement": 3,
        "district": 3, "city": 4, "state": 2, "country": 2, "phone": 4, "is_default": 6,
    }  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.column_class = f"sm:col-span-{self.COLUMNS[name]}"

    def clean_postal_code(self):
        return normalize_postal_code(self.cleaned_data["postal_code"])

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name"]
