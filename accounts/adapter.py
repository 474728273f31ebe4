from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.utils.encoding import force_str

from project.sites import current_site, site_url

from .forms import validate_mailable_email


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter (ACCOUNT_ADAPTER), refusing e-mail addresses that no message can be
    sent to wherever one is typed (sign-up, password reset, adding an address): Django's
    validator accepts them, and the e-mail sent next would fail with a server error.

    Its e-mails link to SITE_URL and name STORE_NAME, never the request's host or the
    database's Site record (project/sites.py)."""

    def clean_email(self, email: str) -> str:
        validate_mailable_email(email)
        return super().clean_email(email)

    # -- e-mails ---------------------------------------------------------------------------

    def get_reset_password_from_key_url(self, key: str) -> str:
        return site_url(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return site_url(super().get_email_confirmation_url(request, emailconfirmation))

    def format_email_subject(self, subject: str) -> str:
        prefix = app_settings.EMAIL_SUBJECT_PREFIX
        if prefix is None:
            prefix = f"[{settings.STORE_NAME}] "
        return prefix + force_str(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every allauth e-mail: the links allauth built from the request without a hook of
        their own ("unknown account" and "account already exists" carry `signup_url` and
        `password_reset_url`) moved onto SITE_URL, and the store's name and address as
        `current_site` (templates/account/email/base_message.txt adds `site_url`)."""
        links = {
            name: site_url(value)
            for name, value in context.items()
            if name.endswith("_url") and isinstance(value, str)
        }
        context = {
            **context,
            **links,
            "current_site": current_site(),
            "site_url": site_url("/"),
        }
        super().send_mail(template_prefix, email, context)

    # -- e-mail changes (issue 12) -----------------------------------------------------------

    def confirm_email(self, request, email_address) -> bool:
        """Verifying an address (it may become the account's e-mail, when the account has no
        primary one) in one transaction under the account's lock, refused for an address
        another account uses: only the first account to claim an address keeps it."""
        from . import selectors, services

        with services.account_change(user_id=email_address.user_id):
            if selectors.email_in_use_elsewhere(
                email=email_address.email, user_id=email_address.user_id
            ):
                self.add_message(
                    request,
                    messages.ERROR,
                    "account/messages/email_confirmation_failed.txt",
                    {"email": email_address.email},
                )
                return False
            return super().confirm_email(request, email_address)

    def can_delete_email(self, email_address) -> bool:
        """Never the address the account signs in with, even where allauth has no primary row
        for it (accounts from before allauth): the account's e-mail would move to another
        address, perhaps an unverified one."""
        if email_address.pk and email_address.email.lower() == email_address.user.email.lower():
            return False
        return super().can_delete_email(email_address)
