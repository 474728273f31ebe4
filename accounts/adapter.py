from allauth.account.adapter import DefaultAccountAdapter

from .forms import validate_mailable_email


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter (ACCOUNT_ADAPTER), refusing e-mail addresses that no message can be
    sent to wherever one is typed (sign-up, password reset, adding an address): Django's
    validator accepts them, and the e-mail sent next would fail with a server error."""

    def clean_email(self, email: str) -> str:
        validate_mailable_email(email)
        return super().clean_email(email)
