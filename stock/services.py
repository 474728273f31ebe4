"""Writes to stock: reserve units for an unpaid order, release them, commit them when the order
is paid (the stock decrement), hand a shopper's reservations to another shopper.

Lock order. Every write that locks several kinds of row takes them in this order, so two
transactions can queue but never deadlock:

    store-credit token → cart(s), by primary key → orders, by primary key → variants
    → reservation rows

and variant rows are locked only here, by `variants_lock`, in primary-key order. (A shopper's
account row is locked by account and address changes, accounts.services, which take no lock
in this chain.) Callers hold
the locks above theirs before calling in (orders lock the cart and its orders first; payments
lock the order first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from project.errors import ShopError
from store.cache import catalogue_changed
from store.models import Variant

from .models import Reservation
from .selectors import sellable_split, sellable_units


def availability_message(available: int) -> str:
    """What a shopper is told when they want more than `available` units."""
    if available == 0:
        return _("Sorry, this one is sold out.")
    return ngettext("Only %(count)d in stock.", "Only %(count)d in stock.", available) % {
        "count": available
    }


class InsufficientStock(ShopError):
    """Not enough sellable units of the variant `variant_id`; `available` is what there is."""

    def __init__(self, variant_id: int, available: int):
        super().__init__(availability_message(available))
        self.variant_id = variant_id
        self.available = available


def variants_lock(variant_ids: Iterable[int]) -> dict[int, Variant]:
    """Lock variant rows in primary-key order (the one place that does) and return them, with
    their products. Call inside a transaction, after any cart or order locks."""
    ids = sorted(set(variant_ids))
    variants = (
        Variant.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {variant.pk: variant for variant in variants}


def _check(units: Mapping[int, int], available: dict[int, int]) -> None:
    for variant_id, wanted in sorted(units.items()):
        if wanted > available.get(variant_id, 0):
            raise InsufficientStock(variant_id, available.get(variant_id, 0))


def stock_reserve(
    *, owner: str, holder: str, units: Mapping[int, int], until: datetime
) -> list[Reservation]:
    """Hold `units` (variant id → quantity) for a new `owner` until `until`. Locks the variants
    and checks each against what is sellable to `holder` (their other reservations do not
    count); raises InsufficientStock, holding nothing, when one does not fit. Inside a
    transaction."""
    variants = variants_lock(units)
    sellable = sellable_split(variants=variants.values(), except_holder=holder, except_owner=owner)
    _check(units, {variant_id: split.to_shopper for variant_id, split in sellable.items()})
    reservations = Reservation.objects.bulk_create(
        Reservation(
            variant_id=variant_id, quantity=quantity, owner=owner, holder=holder, expires_at=until
        )
        for variant_id, quantity in sorted(units.items())
    )
    if any(0 < sellable[v].to_everyone <= units[v] for v in units):
        # The last units are now held: listings must show "sold out" (a hold that leaves some
        # units for sale changes nothing a cached listing shows, so it keeps the cache warm).
        transaction.on_commit(catalogue_changed)
    return reservations


def stock_release(*, owner: str) -> int:
    """Stop holding the owner's units (a cancelled or refunded order). Returns rows deleted."""
    deleted, _rows = Reservation.objects.filter(owner=owner).delete()
    if deleted:
        transaction.on_commit(catalogue_changed)
    return deleted


def stock_commit(*, owner: str, holder: str, units: Mapping[int, int]) -> None:
    """Sell the owner's units: take them off the stock on hand and drop the reservation.

    The units must still be there once other shoppers' live reservations are set aside (the
    owner's own, and the holder's, do not count; an expired reservation of the owner is fine as
    long as nobody took the units meanwhile). Raises InsufficientStock, changing nothing, when
    they went to someone else. Inside a transaction; the database refuses negative stock.
    """
    variants = variants_lock(units)
    _check(
        units,
        sellable_units(variants=variants.values(), except_holder=holder, except_owner=owner),
    )
    for variant_id, quantity in units.items():
        variants[variant_id].quantity -= quantity
    Variant.objects.bulk_update(variants.values(), ["quantity"])
    Reservation.objects.filter(owner=owner).delete()
    transaction.on_commit(catalogue_changed)  # "sold out" badges may change


def stock_transfer(*, from_holder: str, to_holder: str) -> int:
    """Hand one shopper's reservations to another (a guest's cart merged into an account)."""
    if not from_holder or from_holder == to_holder:
        return 0
    return Reservation.objects.filter(holder=from_holder).update(holder=to_holder)


def reservations_delete_expired() -> int:
    """Housekeeping: delete reservations that no longer hold anything. Nothing depends on it
    for correctness; it keeps the table small and refreshes cached "sold out" badges."""
    deleted, _rows = Reservation.objects.filter(expires_at__lte=timezone.now()).delete()
    if deleted:
        transaction.on_commit(catalogue_changed)
    return deleted
