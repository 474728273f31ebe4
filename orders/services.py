"""Writes to orders: placing an order (which reserves its stock), marking it paid (the one place
that does), refunding, cancelling and expiring. Variant rows are always locked in primary-key
order, so concurrent buyers queue instead of deadlocking."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cart.models import Cart, CartLine
from store.cache import catalogue_changed
from store.models import Variant

from . import tasks
from .models import (
    RESERVING_STATUSES,
    Invoice,
    InvoiceDetail,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
)
from .selectors import available_units


class OrderError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EmptyCart(OrderError):
    pass


class NotEnoughStock(OrderError):
    pass


class LostReservation(OrderError):
    """The order was paid, but its stock went to another buyer meanwhile."""


@dataclass(frozen=True)
class DeliveryDetails:
    email: str
    recipient: str
    street: str
    number: str
    complement: str
    district: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str


def _label(variant: Variant) -> str:
    return " / ".join(str(part) for part in (variant.color, variant.size) if part is not None)


def _locked_variants(variant_ids) -> dict[int, Variant]:
    variants = (
        Variant.objects.select_for_update().filter(pk__in=sorted(set(variant_ids))).order_by("pk")
    )
    return {variant.pk: variant for variant in variants}


def contents_hash(lines: list[CartLine], details: DeliveryDetails) -> str:
    """What the shopper is buying, and where to: equal for a double click, different as soon
    as the cart or the address changes."""
    parts = sorted(
        f"{line.variant_id}:{line.quantity}:{line.variant.product.price}" for line in lines
    )
    parts.append(repr(details))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def recent_duplicate(*, cart: Cart, digest: str) -> Order | None:
    """An unpaid order for exactly these contents placed moments ago (a second click)."""
    since = timezone.now() - timedelta(seconds=settings.CHECKOUT_DUPLICATE_WINDOW)
    return (
        Order.objects.filter(
            cart=cart,
            contents_hash=digest,
            payment_method=PaymentMethod.MERCADO_PAGO,
            status__in=RESERVING_STATUSES,
            created_at__gte=since,
            reserved_until__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def order_place(
    *, cart: Cart, user, details: DeliveryDetails, method: str = PaymentMethod.MERCADO_PAGO
) -> tuple[Order, list[Order]]:
    """Create an order from the cart and reserve its stock until the payment link expires.

    One transaction: the cart row and the variant rows are locked, availability (stock minus
    other buyers' reservations) is checked for every line, and the order is written with prices
    taken from the catalogue. Refused with NotEnoughStock, writing nothing, when a line does not
    fit. For Mercado Pago, a second click within CHECKOUT_DUPLICATE_WINDOW returns the first
    order, and at most CHECKOUT_MAX_UNFINISHED orders stay unfinished per cart: the older ones
    are cancelled here and returned with the new order.
    """
    if cart.pk is None:
        raise EmptyCart(_("Your cart is empty."))
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        lines = list(
            CartLine.objects.filter(cart=cart)
            .select_related("variant__product", "variant__color", "variant__size")
            .order_by("id")
        )
        if not lines:
            raise EmptyCart(_("Your cart is empty."))
        digest = contents_hash(lines, details)
        is_link_payment = method == PaymentMethod.MERCADO_PAGO
        duplicate = recent_duplicate(cart=cart, digest=digest) if is_link_payment else None
        if duplicate is not None:
            return duplicate, []

        # Lock order: cart, then its unfinished orders, then variants (the payment routine locks
        # an order and then its variants, so no cycle can form).
        unfinished = (
            list(
                Order.objects.select_for_update()
                .filter(cart=cart, status=OrderStatus.AWAITING_PAYMENT)
                .order_by("pk")
            )
            if is_link_payment
            else []
        )
        variants = _locked_variants(line.variant_id for line in lines)
        available = available_units(variants=variants.values(), for_cart_id=cart.pk)
        for line in lines:
            if not line.variant.product.is_active or line.quantity > available[line.variant_id]:
                raise NotEnoughStock(
                    _("Sorry, %(product)s (%(variant)s) no longer has %(quantity)d in stock.")
                    % {
                        "product": line.variant.product.name,
                        "variant": _label(line.variant),
                        "quantity": line.quantity,
                    }
                )

        subtotal = sum((line.variant.product.price * line.quantity for line in lines), Decimal("0"))
        order = Order.objects.create(
            user=user if user is not None and user.is_authenticated else None,
            cart=cart,
            subtotal=subtotal,
            shipping=Decimal("0.00"),
            total=subtotal,
            contents_hash=digest,
            payment_method=method,
            reserved_until=timezone.now()
            + timedelta(seconds=settings.CHECKOUT_RESERVATION_SECONDS),
            **asdict(details),
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                variant=line.variant,
                product_name=line.variant.product.name,
                variant_label=_label(line.variant),
                unit_price=line.variant.product.price,
                quantity=line.quantity,
                line_total=line.variant.product.price * line.quantity,
            )
            for line in lines
        )
        superseded = _supersede_oldest(unfinished) if is_link_payment else []
    return order, superseded


def _supersede_oldest(unfinished: list[Order]) -> list[Order]:
    """With the new order, keep the newest CHECKOUT_MAX_UNFINISHED unfinished; cancel older ones."""
    keep_older = settings.CHECKOUT_MAX_UNFINISHED - 1
    newest_first = sorted(unfinished, key=lambda o: (o.created_at, o.pk), reverse=True)
    superseded = newest_first[keep_older:]
    for order in superseded:
        order_cancel(order=order, note=_("Replaced by a newer checkout."))
    return superseded


def order_cancel(*, order: Order, note: str = "") -> None:
    """Cancel an unpaid order; its reservation stops counting at once."""
    Order.objects.filter(pk=order.pk, status__in=RESERVING_STATUSES).update(
        status=OrderStatus.CANCELLED, status_note=note[:200], cancelled_at=timezone.now()
    )
    order.refresh_from_db(fields=["status", "status_note", "cancelled_at"])


def order_reopen(*, order: Order) -> None:
    """A pending payment was rejected: the order waits for a new payment again."""
    if order.status == OrderStatus.PAYMENT_PENDING:
        order.status = OrderStatus.AWAITING_PAYMENT
        order.save(update_fields=["status", "updated_at"])


def order_mark_pending(*, order: Order) -> None:
    if order.status == OrderStatus.AWAITING_PAYMENT:
        order.status = OrderStatus.PAYMENT_PENDING
        order.save(update_fields=["status", "updated_at"])


def order_mark_paid(*, order: Order, method: str, reference: str) -> bool:
    """The one routine that marks an order paid, whatever the payment method. Call it inside a
    transaction holding the order's row lock.

    Turns the order's reservation into a stock decrement (variant rows locked in primary-key
    order; the database refuses negative stock), records the payment time and the invoice,
    removes the bought lines from the cart the order came from, and queues the confirmation
    e-mail after commit. Returns False when the order was already paid (nothing happens
    twice). Raises LostReservation, changing nothing, when the stock went to another buyer
    while the payment was not yet approved.
    """
    if order.status == OrderStatus.PAID:
        return False
    lines = list(order.lines.all())
    variants = _locked_variants(line.variant_id for line in lines)
    available = available_units(
        variants=variants.values(), for_cart_id=order.cart_id, exclude_order=order
    )
    short = [line for line in lines if line.quantity > available[line.variant_id]]
    if short:
        raise LostReservation(
            _("%(product)s sold out before the payment was approved.")
            % {"product": short[0].product_name}
        )
    for line in lines:
        variants[line.variant_id].quantity -= line.quantity
    Variant.objects.bulk_update(variants.values(), ["quantity"])
    transaction.on_commit(catalogue_changed)  # "sold out" badges may change
    order.status = OrderStatus.PAID
    order.payment_method = method
    order.paid_at = timezone.now()
    order.status_note = ""
    order.save(update_fields=["status", "payment_method", "paid_at", "status_note", "updated_at"])
    invoice_record(order=order, lines=lines, variants=variants, reference=reference)
    if order.cart_id is not None:
        # What was bought leaves the cart; anything added after checkout stays in it.
        CartLine.objects.filter(
            cart_id=order.cart_id, variant_id__in=[line.variant_id for line in lines]
        ).delete()
    transaction.on_commit(functools.partial(tasks.send_order_confirmation.enqueue, order.pk))
    return True


def invoice_record(
    *, order: Order, lines: list[OrderLine], variants: dict[int, Variant], reference: str
) -> Invoice:
    """The paid order's invoice, with one detail per line; its total is the order's total,
    which is the sum of the lines and the amount charged."""
    total = sum((line.line_total for line in lines), Decimal("0"))
    if total != order.total:
        raise OrderError(f"order {order.pk}: lines add up to {total}, not {order.total}")
    invoice = Invoice.objects.create(
        order=order,
        buyer=order.user,
        buyer_name=order.recipient,
        buyer_email=order.email,
        issued_at=order.paid_at,
        payment_method=order.payment_method,
        payment_reference=reference[:100],
        currency=order.currency,
        total=order.total,
    )
    InvoiceDetail.objects.bulk_create(
        InvoiceDetail(
            invoice=invoice,
            product_id=variants[line.variant_id].product_id,
            variant_id=line.variant_id,
            description=f"{line.product_name} ({line.variant_label})"
            if line.variant_label
            else line.product_name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.line_total,
        )
        for line in lines
    )
    return invoice


def order_mark_refunded(*, order: Order, note: str, notify: bool = True) -> bool:
    """Mark an order refunded: out of stock after a late approval (the buyer is e-mailed once,
    after commit), or its payment reversed in Mercado Pago (notify=False: Mercado Pago tells
    the buyer). Returns False when it already was."""
    if order.status == OrderStatus.REFUNDED:
        return False
    order.status = OrderStatus.REFUNDED
    order.status_note = note[:200]
    order.refunded_at = timezone.now()
    order.save(update_fields=["status", "status_note", "refunded_at", "updated_at"])
    if notify:
        transaction.on_commit(functools.partial(tasks.send_refund_notice.enqueue, order.pk))
    return True


def orders_expire_stale() -> int:
    """Mark unpaid orders whose reservation ran out as expired (housekeeping: their stock
    already stopped counting when the reservation expired)."""
    return Order.objects.filter(
        status=OrderStatus.AWAITING_PAYMENT, reserved_until__lte=timezone.now()
    ).update(status=OrderStatus.EXPIRED, expired_at=timezone.now())
