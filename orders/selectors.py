"""Reads of orders and of stock held for them."""

from __future__ import annotations

from collections.abc import Iterable

from django.core import signing
from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from store.models import Variant

from .models import ORDER_LINK_SALT, RESERVING_STATUSES, Invoice, Order, OrderLine, OrderStatus


def reserved_units(
    *,
    variant_ids: Iterable[int],
    for_cart_id: int | None = None,
    exclude_order: Order | None = None,
) -> dict[int, int]:
    """Units of each variant held by unpaid orders whose reservation has not expired.

    One query. An expired reservation stops counting at once: no sweeper is needed for
    correctness. Orders placed from `for_cart_id` do not count against that same cart: a
    shopper's own unpaid checkout never takes stock away from them.
    """
    ids = list(variant_ids)
    if not ids:
        return {}
    lines = OrderLine.objects.filter(
        variant_id__in=ids,
        order__status__in=RESERVING_STATUSES,
        order__reserved_until__gt=timezone.now(),
    )
    if exclude_order is not None:
        lines = lines.exclude(order=exclude_order)
    if for_cart_id is not None:
        lines = lines.exclude(order__cart_id=for_cart_id)
    totals = (
        lines.values("variant_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant_id", "units")
    )
    return dict(totals)


def available_units(
    *, variants: Iterable, for_cart_id: int | None = None, exclude_order: Order | None = None
) -> dict[int, int]:
    """Units a shopper can still buy: stock minus what other buyers hold (one query)."""
    variants = list(variants)
    held = reserved_units(
        variant_ids=[v.pk for v in variants], for_cart_id=for_cart_id, exclude_order=exclude_order
    )
    return {v.pk: max(v.quantity - held.get(v.pk, 0), 0) for v in variants}


def order_payable(*, order: Order) -> bool:
    """Whether paying the order now would be applied, not refunded: it still holds its
    reservation and every line still fits the stock left (the same cart's other unpaid orders
    do not count against it, but another order of that cart that was paid already took its
    units out of stock). Two queries, whatever the number of lines."""
    if order.status != OrderStatus.AWAITING_PAYMENT or not order.holds_stock:
        return False
    lines = list(order.lines.all())
    variants = Variant.objects.filter(pk__in=[line.variant_id for line in lines])
    available = available_units(variants=variants, for_cart_id=order.cart_id, exclude_order=order)
    return all(line.quantity <= available.get(line.variant_id, 0) for line in lines)


def orders_for_user(*, user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("lines")


def order_for_page(*, pk: int) -> Order:
    order = (
        Order.objects.select_related("user", "mercadopago")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise Http404("No such order")
    return order


def order_visible_to(*, order: Order, user, cart=None) -> bool:
    """Whether this browser may see the order without a signed link: its owner, or, for a
    guest order, the browser whose cart placed it."""
    if order.user_id is not None:
        return bool(user.is_authenticated and user.pk == order.user_id)
    return cart is not None and cart.pk is not None and cart.pk == order.cart_id


def order_from_signed_token(*, token: str) -> Order:
    try:
        pk = signing.loads(token, salt=ORDER_LINK_SALT)
    except signing.BadSignature as bad:
        raise Http404("Bad order link") from bad
    return order_for_page(pk=pk)


def invoice_for_order(*, order: Order) -> Invoice:
    """A paid order's invoice with its details (404 while the order is unpaid)."""
    invoice = Invoice.objects.prefetch_related("details").filter(order=order).first()
    if invoice is None:
        raise Http404("No invoice yet")
    return invoice
