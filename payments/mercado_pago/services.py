"""Paying an order with Mercado Pago: its payment link (a Checkout Pro preference), and what
Mercado Pago says about the payments made on it, applied exactly once, whichever of the buyer's
return and the webhook arrives first, however often either arrives, in whatever order."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import pricing
from orders import services as orders
from orders.models import RESERVING_STATUSES, Order, PaymentMethod, PaymentStatus
from orders.selectors import order_pricing
from project.errors import ShopError

from ..models import MercadoPagoPayment, RefundStatus
from . import gateway, refunds, tasks

logger = logging.getLogger(__name__)

PENDING_STATUSES = {"pending", "in_process", "authorized"}
FAILED_STATUSES = {"rejected", "cancelled"}
REVERSED_STATUSES = {"refunded", "charged_back"}
MAX_PAYMENT_ID_LENGTH = 20


class LinkUnavailable(ShopError):
    """No payment link could be made (Mercado Pago unreachable, or the order was cancelled)."""


class UnknownPayment(Exception):
    """Mercado Pago's payment does not belong to any of our Mercado Pago orders."""


class PaymentMismatch(Exception):
    """The payment's amount, currency or reference does not match its order: not applied."""


@dataclass(frozen=True)
class Outcome:
    order: Order
    # "paid", "pending", "rejected", "refunded", "duplicate" (a second approved payment of an
    # order already paid, given back), or "unchanged" (nothing to tell the buyer: a repeat, or
    # news of a payment that no longer decides the order)
    result: str


def valid_payment_id(value: str | None) -> bool:
    return (
        bool(value) and value.isascii() and value.isdigit() and len(value) <= MAX_PAYMENT_ID_LENGTH
    )


# -- the payment link ---------------------------------------------------------------------------


def _preference_for(order: Order) -> gateway.Preference:
    """The order's items at their net unit prices (a discounted line that does not divide
    evenly becomes two items) and its shipping; they must come to the order's total."""
    lines = list(order.lines.all())
    totals = order_pricing(order=order, lines=lines)
    items = [
        gateway.PreferenceItem(
            id=str(line.variant_id),
            title=f"{line.product_name} ({line.variant_label})"
            if line.variant_label
            else line.product_name,
            quantity=units,
            unit_price=unit_price,
        )
        for line in lines
        for units, unit_price in totals.line(line.pk).unit_prices
        if unit_price > 0
    ]
    charged = pricing.total_of(
        ((item.quantity, item.unit_price) for item in items), shipping=totals.shipping
    )
    if charged != order.total:
        raise gateway.PaymentRefused(
            f"order {order.pk}: items and shipping come to {charged}, not {order.total}"
        )
    return gateway.create_preference(
        reference=str(order.pk),
        items=items,
        payer_email=order.email,
        payer_name=order.recipient,
        back_url=settings.SITE_URL + reverse("payments:finalize"),
        notification_url=settings.SITE_URL + reverse("payments:webhook"),
        starts_at=order.created_at,
        expires_at=order.reserved_until,
        currency=order.currency,
        shipping_cost=totals.shipping,
    )


def payment_link(*, order: Order) -> str:
    """The order's payment link, created once. Mercado Pago is called outside any transaction,
    so no lock is held while it answers; a double click that races here keeps the first link
    stored and expires the other. When Mercado Pago cannot be reached the order is cancelled
    (its stock released) and LinkUnavailable is raised."""
    existing = MercadoPagoPayment.objects.filter(order=order).first()
    if existing is not None:
        return existing.init_point
    order.refresh_from_db(fields=["payment_status"])
    if order.payment_status not in RESERVING_STATUSES:
        raise LinkUnavailable(_("This checkout was cancelled. Please confirm your order again."))
    try:
        preference = _preference_for(order)
    except gateway.PaymentError as error:
        logger.warning("checkout for order %s failed: %s", order.pk, error)
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.payment_status in RESERVING_STATUSES and not _has_link(locked):
                orders.order_cancel(order=locked, note=_("Mercado Pago could not be reached."))
        raise LinkUnavailable(
            _("We could not reach Mercado Pago. Nothing was charged; please try again in a moment.")
        ) from error
    try:
        with transaction.atomic():
            record = MercadoPagoPayment.objects.create(
                order=order,
                preference_id=preference.id,
                init_point=preference.init_point,
                expires_at=order.reserved_until,
            )
    except IntegrityError:  # the other click stored its link first: use that one
        record = MercadoPagoPayment.objects.get(order=order)
        try:
            gateway.expire_preference(preference_id=preference.id, now=timezone.now())
        except gateway.PaymentError:
            logger.warning("could not expire a duplicate link of order %s", order.pk)
    return record.init_point


def _has_link(order: Order) -> bool:
    return MercadoPagoPayment.objects.filter(order=order).exists()


def payment_link_expire(*, order: Order) -> None:
    """Make a cancelled order's payment link unusable."""
    payment = MercadoPagoPayment.objects.filter(order=order).first()
    if payment is None:
        return
    try:
        gateway.expire_preference(preference_id=payment.preference_id, now=timezone.now())
    except gateway.PaymentError:
        # Harmless: a payment made on it later is refunded by payment_apply.
        logger.warning("could not expire the payment link of order %s", order.pk)


# -- what Mercado Pago says about a payment -----------------------------------------------------


def payment_apply(*, payment_id: str) -> Outcome:
    """Ask Mercado Pago about a payment and apply it to its order, once.

    Used by the buyer's return and by the webhook. Raises gateway.PaymentNotFound,
    gateway.PaymentUnavailable (nothing changed: a later webhook or retry completes it),
    UnknownPayment or PaymentMismatch (nothing changed).
    """
    if not valid_payment_id(payment_id):
        raise UnknownPayment(payment_id)
    remote = gateway.get_payment(payment_id=payment_id)
    try:
        outcome, refund_due = _apply(remote)
    except PaymentMismatch:
        if remote.status == "approved":
            _refund_mismatch(remote)
        raise
    if refund_due:
        tasks.send_refund.enqueue(outcome.order.pk)
    if outcome.result == "duplicate":
        _refund_duplicate(outcome.order, remote.id)
    return outcome


def _apply(remote: gateway.RemotePayment) -> tuple[Outcome, bool]:
    """Apply one payment under the order's row lock. The order's record follows the payment
    that decides the order: once a payment paid it, no other payment (an older rejection
    arriving late, a pending one) overwrites it or moves the order."""
    if not valid_payment_id(remote.external_reference):
        raise UnknownPayment(remote.id)
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=int(remote.external_reference)).first()
        record = MercadoPagoPayment.objects.filter(order=order).first() if order else None
        if order is None or record is None:
            raise UnknownPayment(remote.id)
        if not _charges_the_order(remote, order):
            # Not applied; an approved one is refunded by the caller.
            logger.error(
                "payment %s (%s) does not match order %s: %s %s, expected %s %s",
                remote.id,
                remote.status,
                order.pk,
                remote.amount,
                remote.currency,
                order.total,
                order.currency,
            )
            raise PaymentMismatch(remote.id)

        if record.approved_payment_id and record.approved_payment_id != remote.id:
            # The order was decided by another payment: this one changes nothing, and a second
            # approved payment (the link paid twice) is given back.
            result = "duplicate" if remote.status == "approved" else "unchanged"
            return Outcome(order=order, result=result), False

        result, refund_due = "unchanged", False
        if remote.status == "approved":
            result, refund_due = _approve(order, record, remote)
        elif remote.status in PENDING_STATUSES:
            result = _pending(order, record, remote)
        elif remote.status in FAILED_STATUSES:
            result = _failed(order, record, remote)
        elif remote.status in REVERSED_STATUSES and record.approved_payment_id == remote.id:
            result = _reverse(order, remote)
        if result != "unchanged" or record.payment_id in ("", remote.id):
            _record(record, remote)
    return Outcome(order=order, result=result), refund_due


def _charges_the_order(remote: gateway.RemotePayment, order: Order) -> bool:
    """Whether the payment is for exactly the order's total, in its currency. Mercado Pago's
    transaction_amount may include the shipping, or report it apart in shipping_amount
    (MERCADOPAGO.md leaves it open): either way the amounts must match to the centavo."""
    if remote.currency != order.currency:
        return False
    if remote.amount == order.total:
        return True
    return (
        order.shipping > 0
        and remote.shipping_amount == order.shipping
        and pricing.total_of([(1, remote.amount)], shipping=remote.shipping_amount) == order.total
    )


def _record(record: MercadoPagoPayment, remote: gateway.RemotePayment) -> None:
    record.payment_id, record.status, record.status_detail = (
        remote.id,
        remote.status,
        remote.status_detail,
    )
    record.save()


def _approve(order: Order, record: MercadoPagoPayment, remote) -> tuple[str, bool]:
    if order.was_paid:  # the same approval again (paid, shipped...): nothing changes
        return ("paid" if order.payment_status == PaymentStatus.PAID else "unchanged"), False
    if order.payment_status == PaymentStatus.REFUNDED:
        return "refunded", record.refund_status == RefundStatus.PENDING
    record.approved_payment_id = remote.id
    if not orders.payment_may_become(order, PaymentStatus.PAID):
        # Cancelled (a newer checkout replaced it): it is never sold; the money goes back.
        return _refund_unsold(
            order, record, _("Refunded: this checkout had been replaced by a newer one.")
        )
    try:
        orders.order_mark_paid(order=order, method=PaymentMethod.MERCADO_PAGO, reference=remote.id)
    except orders.LostReservation as lost:
        return _refund_unsold(
            order, record, _("Refunded: out of stock. %(reason)s") % {"reason": lost.message}
        )
    return "paid", False


def _refund_unsold(order: Order, record: MercadoPagoPayment, note: str) -> tuple[str, bool]:
    orders.order_mark_refunded(order=order, note=note)
    record.refund_status = RefundStatus.PENDING
    return "refunded", True


def _pending(order: Order, record: MercadoPagoPayment, remote) -> str:
    if order.payment_status == PaymentStatus.PAYMENT_PENDING and record.payment_id == remote.id:
        return "pending"  # the same news again
    if order.payment_status != PaymentStatus.AWAITING_PAYMENT:
        return "unchanged"  # another payment is pending, or the order is decided
    orders.order_mark_pending(order=order)
    return "pending"


def _failed(order: Order, record: MercadoPagoPayment, remote) -> str:
    if order.payment_status == PaymentStatus.PAYMENT_PENDING:
        if record.payment_id != remote.id:
            return "unchanged"  # an older payment failed; the pending one still stands
        orders.order_reopen(order=order)  # the shopper may pay again
        return "rejected"
    if order.payment_status == PaymentStatus.AWAITING_PAYMENT:
        return "rejected"
    return "unchanged"


def _reverse(order: Order, remote: gateway.RemotePayment) -> str:
    """The order's approved payment was refunded (by staff in Mercado Pago) or charged back by
    the buyer's bank: the order stops counting as paid. Stock is not put back on its own, since
    the goods may have shipped; staff decide."""
    if order.payment_status == PaymentStatus.PAID:
        note = (
            _("The payment was charged back.")
            if remote.status == "charged_back"
            else _("The payment was refunded through Mercado Pago.")
        )
        orders.order_mark_refunded(order=order, note=note, notify=False)
        logger.warning("payment %s of paid order %s was %s", remote.id, order.pk, remote.status)
    return "refunded" if order.payment_status == PaymentStatus.REFUNDED else "unchanged"


def _refund_mismatch(remote: gateway.RemotePayment) -> None:
    """Give back an approved payment that does not match its order (amount or currency): it
    was not applied, and money must not be kept for an unpaid order. If Mercado Pago cannot be
    reached the error goes up (the webhook answers 503 and is sent again)."""
    gateway.refund_payment(payment_id=remote.id, idempotency_key=f"refund-mismatch-{remote.id}")
    logger.error("refunded payment %s: it does not match its order", remote.id)


def _refund_duplicate(order: Order, payment_id: str) -> None:
    """Refund an extra approved payment. If Mercado Pago cannot be reached the error goes up,
    so the webhook answers 503 and Mercado Pago notifies again later."""
    gateway.refund_payment(payment_id=payment_id, idempotency_key=f"refund-duplicate-{payment_id}")
    logger.warning("refunded duplicate payment %s of order %s", payment_id, order.pk)


# -- housekeeping -------------------------------------------------------------------------------


def payments_reconcile() -> int:
    """Safety net for lost notifications: ask Mercado Pago about every recent order that may
    still receive money (unpaid ones, and cancelled or expired ones with a payment seen but
    not approved: an approval there is sold or refunded), and send refunds that could not be
    sent. Returns how many orders changed."""
    changed = 0
    since = timezone.now() - timezone.timedelta(days=2)
    open_orders = Order.objects.filter(created_at__gte=since, mercadopago__isnull=False).filter(
        Q(payment_status__in=RESERVING_STATUSES)
        | Q(
            payment_status__in=(PaymentStatus.CANCELLED, PaymentStatus.EXPIRED),
            mercadopago__approved_payment_id="",
        )
        & ~Q(mercadopago__payment_id="")
    )
    for order in open_orders:
        try:
            remote_payments = gateway.search_payments(reference=str(order.pk))
        except gateway.PaymentError:
            continue
        for remote in remote_payments:
            try:
                outcome, refund_due = _apply(remote)
            except UnknownPayment:
                continue
            except PaymentMismatch:
                if remote.status == "approved":
                    try:
                        _refund_mismatch(remote)
                    except gateway.PaymentError:
                        logger.warning("refund of mismatched payment %s failed", remote.id)
                continue
            if refund_due:
                refunds.refund_send(order_id=outcome.order.pk)
            changed += outcome.result in ("paid", "refunded")
    for record in MercadoPagoPayment.objects.filter(refund_status=RefundStatus.PENDING):
        refunds.refund_send(order_id=record.order_id)
    _cancel_linkless_orders()
    return changed


def _cancel_linkless_orders() -> None:
    """An order whose payment link was never stored (its process died while asking Mercado
    Pago) can never be paid; once a confirm could no longer be on its way, free its stock."""
    started_before = timezone.now() - timezone.timedelta(seconds=settings.CHECKOUT_DUPLICATE_WINDOW)
    for order in Order.objects.filter(
        payment_status=PaymentStatus.AWAITING_PAYMENT,
        payment_method=PaymentMethod.MERCADO_PAGO,
        mercadopago__isnull=True,
        created_at__lt=started_before,
    ):
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.payment_status in RESERVING_STATUSES and not _has_link(locked):
                orders.order_cancel(order=locked, note=_("No payment link was created."))
