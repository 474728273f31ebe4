"""Reads of orders."""

from __future__ import annotations

from django.core import signing
from django.db.models import Prefetch, QuerySet

import pricing
from cart.selectors import stock_holder
from stock.selectors import sellable_units
from store.models import Variant

from .models import ORDER_LINK_SALT, Invoice, Order, OrderLine, PaymentStatus


def order_pricing(*, order: Order, lines: list[OrderLine] | None = None) -> pricing.Breakdown:
    """The order's stored lines (with their discounts) and shipping, priced again by the
    pricing function: what the invoice and the payment provider are given, checked against
    the order's total. No query when `lines` are given."""
    lines = list(order.lines.all()) if lines is None else lines
    return pricing.calculate(
        [
            pricing.Line(
                key=line.pk,
                unit_price=line.unit_price,
                quantity=line.quantity,
                discount=line.discount,
            )
            for line in lines
        ],
        shipping=order.shipping,
        currency=order.currency,
    )


def order_payable(*, order: Order) -> bool:
    """Whether paying the order now would be applied, not refunded: it still holds its
    reservation and every line still fits the sellable stock (the same cart's other unpaid
    orders do not count against it, but another order of that cart that was paid already
    took its units out of stock). Two queries, whatever the number of lines."""
    if order.payment_status != PaymentStatus.AWAITING_PAYMENT or not order.holds_stock:
        return False
    lines = list(order.lines.all())
    variants = Variant.objects.filter(pk__in=[line.variant_id for line in lines])
    sellable = sellable_units(
        variants=variants, except_holder=stock_holder(order.cart_id), except_owner=order.stock_owner
    )
    return all(line.quantity <= sellable.get(line.variant_id, 0) for line in lines)


def orders_for_user(*, user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("lines")


def order_for_page(*, pk: int, related: tuple[str, ...] = ()) -> Order | None:
    """An order with its buyer and lines, or None. `related` names one-to-one rows of the
    caller's that point at the order (a payment record), joined in the same query."""
    return (
        Order.objects.select_related("user", *related)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .filter(pk=pk)
        .first()
    )


def order_visible_to(*, order: Order, user, cart=None) -> bool:
    """Whether this browser may see the order without a signed link: its owner, or, for a
    guest order, the browser whose cart placed it."""
    if order.user_id is not None:
        return bool(user.is_authenticated and user.pk == order.user_id)
    return cart is not None and cart.pk is not None and cart.pk == order.cart_id


def order_from_signed_token(*, token: str, related: tuple[str, ...] = ()) -> Order | None:
    """The order a signed link names (see `order_for_page`), or None for a link not ours."""
    try:
        pk = signing.loads(token, salt=ORDER_LINK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return order_for_page(pk=pk, related=related)


def invoice_for_order(*, order: Order) -> Invoice | None:
    """A paid order's invoice with its details (None while the order is unpaid)."""
    return Invoice.objects.prefetch_related("details").filter(order=order).first()
