from django.shortcuts import get_object_or_404

from .models import Address, User


def addresses_for(*, user: User) -> list[Address]:
    return list(Address.objects.filter(user=user))


def address_of(*, user: User, pk: int) -> Address:
    """The shopper's own address; another shopper's is a 404, exactly like a missing one."""
    return get_object_or_404(Address, user=user, pk=pk)
