from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.models import EmailAddress
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.encoding import punycode
from django.utils.translation import gettext_lazy as _

from . import selectors
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


def taken_emails_are_hidden() -> bool:
    """Whether sign-up hides that an e-mail is taken (allauth's enumeration prevention with
    mandatory verification: the owner is told by e-mail, the form answers as for a new one).
    With the project's optional verification, sign-up says so on the form."""
    return bool(allauth_settings.PREVENT_ENUMERATION) and (
        allauth_settings.EMAIL_VERIFICATION == allauth_settings.EmailVerificationMethod.MANDATORY
    )


class AddEmailForm(AllauthAddEmailForm):
    """allauth's form adding an e-mail address to the signed-in account (ACCOUNT_FORMS
    "add_email"), refusing an address another account uses, in any spelling: allauth accepts
    it (unverified) to prevent enumeration, and it could then become this account's e-mail.
    The answer is sign-up's for a taken address: its message, or, where sign-up hides it,
    the same answer as for a new address with nothing added and nothing sent."""

    taken_elsewhere = False

    def clean_email(self) -> str:
        email = super().clean_email()
        if selectors.email_in_use_elsewhere(email=email, user_id=self.user.pk):
            if not taken_emails_are_hidden():
                raise get_adapter().validation_error("email_taken")
            self.taken_elsewhere = True
        return email

    def save(self, request):
        if not self.taken_elsewhere:
            return super().save(request)
        email = self.cleaned_data["email"]
        get_adapter().add_message(
            request,
            messages.INFO,
            "account/messages/email_confirmation_sent.txt",
            {"email": email, "login": True, "signup": False},
        )
        return EmailAddress(user=self.user, email=email)  # not saved: nothing was added
