"""Writes to a shopper's account: the address book, the profile and the e-mail addresses.

Every change takes the shopper's row lock first (`_lock_account`), so two tabs or a double
submit apply one after the other instead of racing: each then re-reads what it changes under
the lock. A shopper has at most one default address; the first address becomes the default,
and deleting the default promotes the newest remaining one."""

from collections.abc import Iterator
from contextlib import contextmanager

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Address, User


class AddressNotFound(Exception):
    """The address is not the shopper's, or another tab deleted it meanwhile."""


class EmailChangeRefused(Exception):
    """An e-mail change that cannot be made; `message` says why, for the shopper."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


EMAIL_NOT_VERIFIED = _("Verify this e-mail address before making it your primary one.")
EMAIL_TAKEN = _("A user is already registered with this email address.")  # sign-up's words


def _lock_account(user_id: int) -> None:
    """Inside a transaction: wait for, then hold, the shopper's row until it ends."""
    # FOR NO KEY UPDATE (on PostgreSQL): two account changes queue, but placing an order,
    # which only references the row (its foreign key), is not held up.
    User.objects.select_for_update(no_key=True).filter(pk=user_id).values_list("pk").first()


def _own_address(user: User, pk: int) -> Address:
    address = Address.objects.filter(user=user, pk=pk).first()
    if address is None:
        raise AddressNotFound(pk)
    return address


def _make_default(address: Address) -> None:
    Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default"])


@contextmanager
def account_change(*, user_id: int) -> Iterator[None]:
    """One transaction holding the shopper's row lock, around allauth's own multi-step flows
    (adding, removing, verifying an e-mail address, making one primary, signing up)."""
    with transaction.atomic():
        _lock_account(user_id)
        yield


@transaction.atomic
def address_create(*, user: User, data: dict) -> Address:
    wants_default = bool(data.pop("is_default", False))
    _lock_account(user.pk)
    address = Address.objects.create(user=user, is_default=False, **data)
    if wants_default or not Address.objects.filter(user=user, is_default=True).exists():
        _make_default(address)
    return address


@transaction.atomic
def address_update(*, user: User, pk: int, data: dict) -> Address:
    wants_default = bool(data.pop("is_default", False))
    _lock_account(user.pk)
    address = _own_address(user, pk)
    for field, value in data.items():
        setattr(address, field, value)
    if wants_default:
        _make_default(address)
    address.save()
    return address


@transaction.atomic
def address_set_default(*, user: User, pk: int) -> Address:
    _lock_account(user.pk)
    address = _own_address(user, pk)
    _make_default(address)
    return address


@transaction.atomic
def address_delete(*, user: User, pk: int) -> None:
    _lock_account(user.pk)
    address = _own_address(user, pk)
    address.delete()
    if address.is_default:
        newest = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
        if newest is not None:
            _make_default(newest)


@transaction.atomic
def profile_update(*, user: User, first_name: str, last_name: str) -> None:
    """Only the names are written: a save of the whole user read before a password change in
    another tab would put the old password back."""
    _lock_account(user.pk)
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])


def email_check_primary(*, email_address: EmailAddress) -> None:
    """Refuses (EmailChangeRefused) an address that may not become the account's e-mail: one not
    verified, or one another account uses. Call it inside `account_change`."""
    if not email_address.verified:
        raise EmailChangeRefused(EMAIL_NOT_VERIFIED)
    if selectors.email_in_use_elsewhere(email=email_address.email, user_id=email_address.user_id):
        raise EmailChangeRefused(EMAIL_TAKEN)


def language_save(*, user: User, language: str) -> None:
    """Remember the language the shopper chose (restored at their next login)."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
