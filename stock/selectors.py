"""Sellable stock: the units on hand less what live reservations hold. Every page that shows
stock (product page, variant picker, listing filter and badges, cart, checkout) and every
service that sells it reads it from here, so they all agree."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from store.models import Variant

from .models import Reservation


def live_reservations() -> QuerySet[Reservation]:
    """Reservations that still hold their units (not yet expired)."""
    return Reservation.objects.filter(expires_at__gt=timezone.now())


def held_units(
    *, variant_ids: Iterable[int], except_holder: str = "", except_owner: str = ""
) -> dict[int, int]:
    """Units of each variant held by live reservations, leaving out the given shopper's own
    (`except_holder`) and one owner's (`except_owner`). One query."""
    ids = list(variant_ids)
    if not ids:
        return {}
    held = live_reservations().filter(variant_id__in=ids)
    if except_holder:
        held = held.exclude(holder=except_holder)
    if except_owner:
        held = held.exclude(owner=except_owner)
    totals = held.values("variant_id").annotate(units=Sum("quantity"))
    return {row["variant_id"]: row["units"] for row in totals}


def sellable_units(
    *, variants: Iterable[Variant], except_holder: str = "", except_owner: str = ""
) -> dict[int, int]:
    """Units of each variant that can still be sold: on hand less what others hold, never
    below zero. With `except_holder`, that shopper's own reservations do not count against
    them (their unpaid checkout never takes stock away from their cart). One query."""
    variants = list(variants)
    held = held_units(
        variant_ids=[variant.pk for variant in variants],
        except_holder=except_holder,
        except_owner=except_owner,
    )
    return {variant.pk: max(variant.quantity - held.get(variant.pk, 0), 0) for variant in variants}


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
    """Variants with at least one unit for sale now: for "in stock" filters and badges."""
    return Variant.objects.filter(quantity__gt=Coalesce(_held_subquery(), Value(0)))


def sellable_of(variants: Iterable[Variant]) -> dict[int, int]:
    """Variant id → sellable units, for variants loaded through `variants_with_sellable`."""
    return {variant.pk: variant.sellable for variant in variants}
