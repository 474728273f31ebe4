"""`manage.py check --deploy` warns while the demo's public credentials (`seed_demo`) work in
the database: a superuser and a shopper whose passwords are published, and a store-credit
token worth R$ 5000 that anyone may spend."""

from django.contrib.auth.hashers import check_password
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from payments.models import StoreCreditToken

from . import seed as demo

PUBLISHED = {demo.STAFF_EMAIL: demo.STAFF_PASSWORD, demo.SHOPPER_EMAIL: demo.SHOPPER_PASSWORD}


def _open_demo_accounts() -> list[str]:
    """Demo accounts that still sign in with their published password."""
    accounts = User.objects.filter(email__in=PUBLISHED, is_active=True).order_by("email")
    return [
        user.email
        for user in accounts
        if check_password(PUBLISHED[user.email], user.password)  # no rehash, no write
    ]


def _spendable_demo_token() -> bool:
    return StoreCreditToken.objects.filter(
        token=demo.DEMO_TOKEN,
        is_active=True,
        balance__gt=0,
        expires_on__gte=timezone.localdate(),
    ).exists()


@register(Tags.security, deploy=True)
def demo_data_in_the_database(app_configs, **kwargs):
    try:
        accounts, token = _open_demo_accounts(), _spendable_demo_token()
    except DatabaseError:  # no database yet, or not migrated: nothing of the demo in it
        return []
    warnings = []
    if accounts:
        warnings.append(
            Warning(
                _("Demo accounts sign in with their published passwords: %(accounts)s.")
                % {"accounts": ", ".join(accounts)},
                hint=_("Deactivate them in the admin or give them new passwords."),
                id="reserva.W010",
            )
        )
    if token:
        warnings.append(
            Warning(
                _("The demo store-credit token %(token)s can be spent by anyone.")
                % {"token": demo.DEMO_TOKEN},
                hint=_('Deactivate it in the admin (store-credit tokens, "Deactivate").'),
                id="reserva.W011",
            )
        )
    return warnings
