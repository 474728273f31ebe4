"""Reads of accounts, their address books and their e-mail addresses."""

from allauth.account.models import EmailAddress

from .models import Address, User


def addresses_for(*, user: User) -> list[Address]:
    return list(Address.objects.filter(user=user))


def address_of(*, user: User, pk: int) -> Address | None:
    """The shopper's own address, or None: another shopper's is exactly like a missing one."""
    return Address.objects.filter(user=user, pk=pk).first()


def email_in_use_elsewhere(*, email: str, user_id: int | None = None) -> bool:
    """Whether an account other than `user_id` (any account, without one) has this e-mail, in
    any spelling: as the e-mail it signs in with, or as a verified address. An address another
    account added but never verified claims nothing (else anyone could squat a colleague's new
    address before its owner adds it)."""
    accounts = User.objects.filter(email__iexact=email)
    addresses = EmailAddress.objects.filter(email__iexact=email, verified=True)
    if user_id is not None:
        accounts, addresses = accounts.exclude(pk=user_id), addresses.exclude(user_id=user_id)
    return accounts.exists() or addresses.exists()
