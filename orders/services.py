"""Writes to orders: placing an order (which reserves its stock), marking it paid (the one place
that does), refunding, cancelling, expiring, and moving its delivery along.

Each order has two statuses: `payment_status` (where the money is) and `delivery_status` (where
the parcel is). Every change of either on an order goes through `_move`, which allows exactly
the moves in orders.models.PAYMENT_TRANSITIONS / DELIVERY_TRANSITIONS and raises
IllegalTransition for any other (the bulk expiry of stale orders takes its statuses from the
same table). Whether an order was paid is `order.was_paid` (its payment time), never a status.

Locks are taken in the order written in stock.services: cart, then its orders, then (inside
the stock module) variants.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import pricing
from accounts.models import PostalAddress
from cart.models import Cart, CartLine
from cart.selectors import price_lines, stock_holder
from project.errors import ShopError
from stock.services import (
    InsufficientStock,
    stock_commit,
    stock_release,
    stock_reserve,
    stock_transfer,
)

from . import tasks
from .models import (
    DELIVERY_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    RESERVING_STATUSES,
    DeliveryStatus,
    Invoice,
    InvoiceDetail,
    Order,
    OrderLine,
    PaymentMethod,
    PaymentStatus,
)
from .selectors import order_pricing


class OrderError(ShopError):
    pass


class EmptyCart(OrderError):
    pass


class NotEnoughStock(OrderError):
    pass


class LostReservation(OrderError):
    """The order was paid, but its stock went to another buyer meanwhile."""


class IllegalTransition(OrderError):
    """A status change the transition tables do not allow; nothing was changed."""


class AmountsDoNotAddUp(Exception):
    """An order's stored amounts disagree with the pricing function: a bug, not something a
    shopper can act on (no ShopError: the shopper is only told that something went wrong)."""


def _move(order: Order, *, field: str, to: str, **changes) -> None:
    """Move `order.<field>` (payment_status or delivery_status) to `to`, saving `changes` with
    it. The one place either status changes on a single order."""
    table = PAYMENT_TRANSITIONS if field == "payment_status" else DELIVERY_TRANSITIONS
    current = getattr(order, field)
    if to not in table[current]:
        raise IllegalTransition(
            _("An order cannot go from “%(current)s” to “%(to)s”.") % {"current": current, "to": to}
        )
    setattr(order, field, to)
    for name, value in changes.items():
        setattr(order, name, value)
    order.save(update_fields=[field, *changes, "updated_at"])


def payment_may_become(order: Order, status: str) -> bool:
    return status in PAYMENT_TRANSITIONS[order.payment_status]


def _units(lines) -> dict[int, int]:
    return {line.variant_id: line.quantity for line in lines}


def contents_hash(lines: list[CartLine], *, email: str, address: dict) -> str:
    """What the shopper is buying, and where to: equal for a double click, different as soon
    as the cart or the address changes."""
    parts = sorted(
        f"{line.variant_id}:{line.quantity}:{line.variant.product.price}" for line in lines
    )
    parts.append(repr((email, sorted(address.items()))))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _recent_duplicate(unfinished: list[Order], digest: str) -> Order | None:
    """Among the cart's unfinished orders, one for exactly these contents placed moments ago
    with a payment link (a second click)."""
    since = timezone.now() - timedelta(seconds=settings.CHECKOUT_DUPLICATE_WINDOW)
    twins = [
        order
        for order in unfinished
        if order.contents_hash == digest
        and order.payment_method == PaymentMethod.MERCADO_PAGO
        and order.created_at >= since
    ]
    return max(twins, key=lambda order: (order.created_at, order.pk), default=None)


def order_place(
    *,
    cart: Cart,
    user,
    email: str,
    address: PostalAddress,
    method: str = PaymentMethod.MERCADO_PAGO,
    discount: pricing.Discount | None = None,
    shipping: Decimal = pricing.ZERO,
) -> tuple[Order, list[Order]]:
    """Create an order from the cart and reserve its stock until the payment link expires.

    One transaction: the cart row is locked, the lines are priced by the pricing function
    (catalogue prices, the order-level `discount` and `shipping`), the order is written with
    every amount, and its stock is reserved (stock.services). Refused with EmptyCart or
    NotEnoughStock, writing nothing. For Mercado Pago, a second click within
    CHECKOUT_DUPLICATE_WINDOW returns the first order, and at most CHECKOUT_MAX_UNFINISHED
    orders of a cart hold stock unpaid: the oldest are cancelled here (their stock released)
    and returned with the new order.
    """
    if cart.pk is None:
        raise EmptyCart(_("Your cart is empty."))
    delivery = address.address_fields()
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        lines = list(
            CartLine.objects.filter(cart=cart)
            .select_related("variant__product", "variant__color", "variant__size")
            .order_by("id")
        )
        if not lines:
            raise EmptyCart(_("Your cart is empty."))
        digest = contents_hash(lines, email=email, address=delivery)
        is_link_payment = method == PaymentMethod.MERCADO_PAGO
        # Every unpaid order of this cart that still holds stock, whatever its payment's state
        # (a pending Pix or boleto holds stock as long as an untouched link).
        unfinished = (
            list(
                Order.objects.select_for_update()
                .filter(
                    cart=cart,
                    payment_status__in=RESERVING_STATUSES,
                    reserved_until__gt=timezone.now(),
                )
                .order_by("pk")
            )
            if is_link_payment
            else []
        )
        duplicate = _recent_duplicate(unfinished, digest)
        if duplicate is not None:
            return duplicate, []
        for line in lines:
            if not line.variant.product.is_active:
                raise _not_enough(line)

        totals = price_lines(lines, discount=discount, shipping=shipping)
        reserved_until = timezone.now() + timedelta(seconds=settings.CHECKOUT_RESERVATION_SECONDS)
        order = Order.objects.create(
            user=user if user is not None and user.is_authenticated else None,
            email=email,
            cart=cart,
            subtotal=totals.subtotal,
            discount=totals.discount,
            shipping=totals.shipping,
            total=totals.total,
            currency=totals.currency,
            contents_hash=digest,
            payment_method=method,
            reserved_until=reserved_until,
            **delivery,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                variant=line.variant,
                product_name=line.variant.product.name,
                variant_label=line.variant.label,
                unit_price=totals.line(line.pk).unit_price,
                quantity=line.quantity,
                discount=totals.line(line.pk).discount,
                line_total=totals.line(line.pk).net,
            )
            for line in lines
        )
        try:
            stock_reserve(
                owner=order.stock_owner,
                holder=stock_holder(cart.pk),
                units=_units(lines),
                until=reserved_until,
            )
        except InsufficientStock as short:
            raise _not_enough(
                next(ln for ln in lines if ln.variant_id == short.variant_id)
            ) from None
        superseded = _supersede_oldest(unfinished) if is_link_payment else []
    return order, superseded


def _not_enough(line: CartLine) -> NotEnoughStock:
    return NotEnoughStock(
        _("Sorry, %(product)s (%(variant)s) no longer has %(quantity)d in stock.")
        % {
            "product": line.variant.product.name,
            "variant": line.variant.label,
            "quantity": line.quantity,
        }
    )


def _supersede_oldest(unfinished: list[Order]) -> list[Order]:
    """With the new order, keep the newest CHECKOUT_MAX_UNFINISHED unfinished; cancel older ones."""
    keep_older = settings.CHECKOUT_MAX_UNFINISHED - 1
    newest_first = sorted(unfinished, key=lambda o: (o.created_at, o.pk), reverse=True)
    superseded = newest_first[keep_older:]
    for order in superseded:
        order_cancel(order=order, note=_("Replaced by a newer checkout."))
    return superseded


def order_cancel(*, order: Order, note: str = "") -> None:
    """Cancel an unpaid order (locked by the caller); its stock is released at once."""
    _move(
        order,
        field="payment_status",
        to=PaymentStatus.CANCELLED,
        status_note=note[:200],
        cancelled_at=timezone.now(),
    )
    stock_release(owner=order.stock_owner)


def order_reopen(*, order: Order) -> None:
    """A pending payment was rejected: the order waits for a new payment again."""
    _move(order, field="payment_status", to=PaymentStatus.AWAITING_PAYMENT)


def order_mark_pending(*, order: Order) -> None:
    """A payment is being processed (a Pix or boleto not yet paid, a card under review)."""
    _move(order, field="payment_status", to=PaymentStatus.PAYMENT_PENDING)


def order_mark_paid(*, order: Order, method: str, reference: str) -> bool:
    """The one routine that marks an order paid, whatever the payment method. Call it inside a
    transaction holding the order's row lock.

    Sells the order's stock (stock.services.stock_commit: the reservation becomes a stock
    decrement), records the payment time and the invoice, removes the bought lines from the
    cart the order came from, and queues the confirmation e-mail after commit. Returns False
    when the order was paid before (nothing happens twice, whatever its statuses are now).
    Raises LostReservation, changing nothing, when the stock went to another buyer while the
    payment was not yet approved, and IllegalTransition for an order that may not be paid
    (a cancelled one).
    """
    if order.was_paid:
        return False
    if not payment_may_become(order, PaymentStatus.PAID):
        raise IllegalTransition(
            _("Order %(number)s cannot be paid now.") % {"number": order.reference}
        )
    lines = list(order.lines.select_related("variant"))
    try:
        stock_commit(
            owner=order.stock_owner, holder=stock_holder(order.cart_id), units=_units(lines)
        )
    except InsufficientStock as short:
        product = next(line.product_name for line in lines if line.variant_id == short.variant_id)
        raise LostReservation(
            _("%(product)s sold out before the payment was approved.") % {"product": product}
        ) from None
    _move(
        order,
        field="payment_status",
        to=PaymentStatus.PAID,
        payment_method=method,
        paid_at=timezone.now(),
        status_note="",
    )
    invoice_record(order=order, lines=lines, reference=reference)
    if order.cart_id is not None:
        # What was bought leaves the cart; anything added after checkout stays in it.
        CartLine.objects.filter(
            cart_id=order.cart_id, variant_id__in=[line.variant_id for line in lines]
        ).delete()
    transaction.on_commit(functools.partial(tasks.send_order_confirmation.enqueue, order.pk))
    return True


def invoice_record(*, order: Order, lines: list[OrderLine], reference: str) -> Invoice:
    """The paid order's invoice: one detail per line (with its discount) and the shipping.
    The order's stored amounts are priced again by the pricing function and must match."""
    totals = order_pricing(order=order, lines=lines)
    if totals.total != order.total or any(
        totals.line(line.pk).net != line.line_total for line in lines
    ):
        raise AmountsDoNotAddUp(f"order {order.pk}: its lines do not add up to {order.total}")
    invoice = Invoice.objects.create(
        order=order,
        buyer=order.user,
        buyer_name=order.recipient,
        buyer_email=order.email,
        issued_at=order.paid_at,
        payment_method=order.payment_method,
        payment_reference=reference[:100],
        currency=order.currency,
        subtotal=totals.subtotal,
        discount=totals.discount,
        shipping=totals.shipping,
        total=totals.total,
    )
    InvoiceDetail.objects.bulk_create(
        InvoiceDetail(
            invoice=invoice,
            product_id=line.variant.product_id,
            variant_id=line.variant_id,
            description=f"{line.product_name} ({line.variant_label})"
            if line.variant_label
            else line.product_name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            amount=line.line_total,
        )
        for line in lines
    )
    return invoice


def order_mark_refunded(*, order: Order, note: str, notify: bool = True) -> bool:
    """Mark an order refunded: out of stock after a late approval, approved after it was
    cancelled (the buyer is e-mailed once, after commit), or its payment reversed in Mercado
    Pago (notify=False: Mercado Pago tells the buyer). Whatever stock it still held is
    released; stock it sold stays sold (the goods may have shipped: staff decide). Returns
    False when it already was refunded."""
    if order.payment_status == PaymentStatus.REFUNDED:
        return False
    _move(
        order,
        field="payment_status",
        to=PaymentStatus.REFUNDED,
        status_note=note[:200],
        refunded_at=timezone.now(),
    )
    stock_release(owner=order.stock_owner)
    if notify:
        transaction.on_commit(functools.partial(tasks.send_refund_notice.enqueue, order.pk))
    return True


def orders_expire_stale() -> int:
    """Mark unpaid orders whose reservation ran out as expired (housekeeping: their stock
    already stopped counting when the reservation expired)."""
    stale = [
        status
        for status in RESERVING_STATUSES
        if PaymentStatus.EXPIRED in PAYMENT_TRANSITIONS[status]
    ]
    now = timezone.now()
    return Order.objects.filter(payment_status__in=stale, reserved_until__lte=now).update(
        payment_status=PaymentStatus.EXPIRED, expired_at=now, updated_at=now
    )


def orders_move_to_cart(*, source: Cart, target: Cart) -> int:
    """A guest's orders follow their cart into the account's cart (at login), so the buyer
    still sees them, paying one still empties the right cart, and the stock they hold stays
    held for that cart. Call inside a transaction holding both carts' locks: the orders are
    locked next (by primary key), before their reservations change hands."""
    moving = list(
        Order.objects.select_for_update()
        .filter(cart=source)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Order.objects.filter(pk__in=moving).update(cart=target)
    stock_transfer(from_holder=stock_holder(source.pk), to_holder=stock_holder(target.pk))
    return len(moving)


@transaction.atomic
def order_advance_delivery(*, order: Order, to: str) -> None:
    """Staff move a paid order's parcel along: shipped, then delivered. Refused (with
    IllegalTransition) for an order that is not paid, or for any other move."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.payment_status != PaymentStatus.PAID:
        raise IllegalTransition(
            _("Order %(number)s is not paid, so it cannot be shipped.")
            % {"number": locked.reference}
        )
    stamp = {"shipped_at": timezone.now()} if to == DeliveryStatus.SHIPPED else {}
    if to == DeliveryStatus.DELIVERED:
        stamp = {"delivered_at": timezone.now()}
    _move(locked, field="delivery_status", to=to, **stamp)
    order.delivery_status = locked.delivery_status
