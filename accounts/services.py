"""Writes to the address book. A shopper has at most one default address; the first address
becomes the default, and deleting the default promotes the newest remaining one."""

from django.db import transaction

from .models import Address, User


def _make_default(address: Address) -> None:
    Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default"])


@transaction.atomic
def address_create(*, user: User, data: dict) -> Address:
    wants_default = bool(data.pop("is_default", False))
    User.objects.select_for_update().filter(pk=user.pk).first()  # one address-book write at a time
    address = Address.objects.create(user=user, is_default=False, **data)
    if wants_default or not Address.objects.filter(user=user, is_default=True).exists():
        _make_default(address)
    return address


@transaction.atomic
def address_update(*, address: Address, data: dict) -> Address:
    wants_default = bool(data.pop("is_default", False))
    for field, value in data.items():
        setattr(address, field, value)
    if wants_default:
        # Before saving: the edit form has already set the flag on this instance, and the
        # database allows one default per shopper, so the old default is cleared first.
        _make_default(address)
    address.save()
    return address


@transaction.atomic
def address_set_default(*, address: Address) -> None:
    _make_default(address)


@transaction.atomic
def address_delete(*, address: Address) -> None:
    was_default = address.is_default
    user_id = address.user_id
    address.delete()
    if was_default:
        newest = Address.objects.filter(user_id=user_id).order_by("-created_at", "-id").first()
        if newest is not None:
            _make_default(newest)
