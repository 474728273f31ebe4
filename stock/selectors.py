"""Sellable stock: the units on hand less what live reservations hold. Every page that shows
stock (product page, variant picker, listing filter and badges, cart, checkout) and every
service that sells it reads it from here, so they all agree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from store.models import Variant

from .models import Reservation


def live_reservations() -> QuerySet[Reservation]:
    """Reservations that still hold their units (not yet expired)."""
    return Reservation.objects.filter(expires_at__gt=timezone.now())


@dataclass(frozen=True)
class Sellable:
    """A variant's sellable units, as one shopper sees them and as everyone else does."""

    to_shopper: int  # with that shopper's own reservations set aside
    to_everyone: int  # what listings and other shoppers see


def _held(
    variant_ids: list[int], except_holder: str, except_owner: str
) -> dict[int, tuple[int, int]]:
    """Variant id → (units held by others than the holder and owner, units held by anyone)."""
    if not variant_ids:
        return {}
    counted = Q()
    if except_holder:
        counted &= ~Q(holder=except_holder)
    if except_owner:
        counted &= ~Q(owner=except_owner)
    rows = (
        live_reservations()
        .filter(variant_id__in=variant_ids)
        .values("variant_id")
        .annotate(
            by_others=Sum("quantity", filter=counted or None, default=0),
            by_anyone=Sum("quantity"),
        )
    )
    return {row["variant_id"]: (row["by_others"], row["by_anyone"]) for row in rows}


def held_units(
    *, variant_ids: Iterable[int], except_holder: str = "", except_owner: str = ""
) -> dict[int, int]:
    """Units of each variant held by live reservations, leaving out the given shopper's own
    (`except_holder`) and one owner's (`except_owner`). One query."""
    held = _held(list(variant_ids), except_holder, except_owner)
    return {variant_id: others for variant_id, (others, _anyone) in held.items() if others}


def units_held_by(
    *, owners: Iterable[str], variant_ids: Iterable[int]
) -> dict[str, dict[int, int]]:
    """Owner → variant id → units its live reservations hold, for these owners and variants
    only. One query (none without owners)."""
    owners, variant_ids = list(owners), list(variant_ids)
    held: dict[str, dict[int, int]] = {}
    if not owners or not variant_ids:
        return held
    rows = live_reservations().filter(owner__in=owners, variant_id__in=variant_ids)
    for owner, variant_id, quantity in rows.values_list("owner", "variant_id", "quantity"):
        held.setdefault(owner, {})[variant_id] = quantity
    return held


def holders_with_reservations(*, holders: Iterable[str]) -> set[str]:
    """Which of these holders have any reservation row, live or expired (not yet swept)."""
    return set(
        Reservation.objects.filter(holder__in=list(holders)).values_list("holder", flat=True)
    )


def sellable_split(
    *, variants: Iterable[Variant], except_holder: str = "", except_owner: str = ""
) -> dict[int, Sellable]:
    """Each variant's sellable units to one shopper (their own reservations, `except_holder`
    and `except_owner`, set aside) and to everyone. One query."""
    variants = list(variants)
    held = _held([variant.pk for variant in variants], except_holder, except_owner)
    split = {}
    for variant in variants:
        by_others, by_anyone = held.get(variant.pk, (0, 0))
        split[variant.pk] = Sellable(
            to_shopper=max(variant.quantity - by_others, 0),
            to_everyone=max(variant.quantity - by_anyone, 0),
        )
    return split


def sellable_units(
    *, variants: Iterable[Variant], except_holder: str = "", except_owner: str = ""
) -> dict[int, int]:
    """Units of each variant that can still be sold: on hand less what others hold, never
    below zero. With `except_holder`, that shopper's own reservations do not count against
    them (their unpaid checkout never takes stock away from their cart). One query."""
    split = sellable_split(
        variants=variants, except_holder=except_holder, except_owner=except_owner
    )
    return {variant_id: sellable.to_shopper for variant_id, sellable in split.items()}


def _held_subquery() -> Subquery:
    held = (
        live_reservations()
        .filter(variant=OuterRef("pk"))
        .values("variant")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    return Subquery(held, output_field=IntegerField())


def variants_with_sellable(queryset: QuerySet[Variant] | None = None) -> QuerySet[Variant]:
    """Variants annotated with `sellable` (the same number as `sellable_units`, for everyone),
    computed in the query that loads them: no query of its own."""
    queryset = Variant.objects.all() if queryset is None else queryset
    return queryset.annotate(
        sellable=Greatest(F("quantity") - Coalesce(_held_subquery(), Value(0)), Value(0))
    )


def sellable_variants() -> QuerySet[Variant]:
    """Variants with at least one unit for sale now: for "in stock" filters and badges.

    Written as "on hand, and not entirely held" so that the database reads the (small) table
    of live reservations once, instead of once per variant. Even so, an uncached "in stock
    only" listing of 100 000 products costs about twice what it did before reservations
    existed (bench/README.md)."""
    entirely_held = (
        live_reservations()
        .values("variant_id", "variant__quantity")
        .annotate(held=Sum("quantity"))
        .filter(held__gte=F("variant__quantity"))
        .values("variant_id")
    )
    return Variant.objects.filter(quantity__gt=0).exclude(pk__in=entirely_held)


def sellable_of(variants: Iterable[Variant]) -> dict[int, int]:
    """Variant id → sellable units, for variants loaded through `variants_with_sellable`."""
    return {variant.pk: variant.sellable for variant in variants}
