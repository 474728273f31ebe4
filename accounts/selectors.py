"""Reads of accounts and their address books."""

from .models import Address, User


def addresses_for(*, user: User) -> list[Address]:
    return list(Address.objects.filter(user=user))


def address_of(*, user: User, pk: int) -> Address | None:
    """The shopper's own address, or None: another shopper's is exactly like a missing one."""
    return Address.objects.filter(user=user, pk=pk).first()
