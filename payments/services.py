"""Checkout with Mercado Pago: confirm an order (reserve stock, create the payment link) and
apply what Mercado Pago says about a payment, exactly once, whichever of the buyer's return and
the webhook arrives first, however often either arrives."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from orders import services as orders
from orders.models import RESERVING_STATUSES, Order, OrderStatus, PaymentMethod
from store.money import format_money

from . import gateway, tasks
from .models import MercadoPagoPayment, RefundStatus, StoreCreditEntry, StoreCreditToken

logger = logging.getLogger(__name__)

PENDING_STATUSES = {"pending", "in_process", "authorized"}
FAILED_STATUSES = {"rejected", "cancelled"}
REVERSED_STATUSES = {"refunded", "charged_back"}
MAX_PAYMENT_ID_LENGTH = 20


class CheckoutError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnknownPayment(Exception):
    """Mercado Pago's payment does not belong to any of our Mercado Pago orders."""


class PaymentMismatch(Exception):
    """The payment's amount, currency or reference does not match its order: not applied."""


@dataclass(frozen=True)
class Outcome:
    order: Order
    result: str  # "paid", "pending", "rejected", "refunded" or "unchanged"


def valid_payment_id(value: str | None) -> bool:
    return (
        bool(value) and value.isascii() and value.isdigit() and len(value) <= MAX_PAYMENT_ID_LENGTH
    )


# -- confirm ------------------------------------------------------------------------------------


def checkout_confirm(*, cart, user, details: orders.DeliveryDetails) -> str:
    """Place the order from the cart (reserving its stock for an hour) and return the Mercado
    Pago payment link to send the buyer to.

    A second click with the same cart and address within a short window gets the same order
    and link. Placing a sixth unpaid order cancels the cart's oldest one and expires its link.
    Raises orders.NotEnoughStock / orders.EmptyCart (nothing written) or CheckoutError when
    Mercado Pago cannot be reached (the new order is cancelled, its stock released).
    """
    order, superseded = orders.order_place(cart=cart, user=user, details=details)
    link = _payment_link(order)
    for old in superseded:
        _expire_link(old)
    return link


def _preference_for(order: Order) -> gateway.Preference:
    lines = list(order.lines.all())
    return gateway.create_preference(
        reference=str(order.pk),
        items=[
            gateway.PreferenceItem(
                id=str(line.variant_id),
                title=f"{line.product_name} ({line.variant_label})"
                if line.variant_label
                else line.product_name,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
            for line in lines
        ],
        payer_email=order.email,
        payer_name=order.recipient,
        back_url=settings.SITE_URL + reverse("payments:finalize"),
        notification_url=settings.SITE_URL + reverse("payments:webhook"),
        starts_at=order.created_at,
        expires_at=order.reserved_until,
        currency=order.currency,
    )


def _payment_link(order: Order) -> str:
    """The order's preference, created once. Mercado Pago is called outside any transaction,
    so no lock is held while it answers; a double click that races here keeps the first link
    stored and expires the other."""
    existing = MercadoPagoPayment.objects.filter(order=order).first()
    if existing is not None:
        return existing.init_point
    order.refresh_from_db(fields=["status"])
    if order.status not in RESERVING_STATUSES:
        raise CheckoutError(_("This checkout was cancelled. Please confirm your order again."))
    try:
        preference = _preference_for(order)
    except gateway.PaymentError as error:
        logger.warning("checkout for order %s failed: %s", order.pk, error)
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if not MercadoPagoPayment.objects.filter(order=locked).exists():
                orders.order_cancel(order=locked, note=_("Mercado Pago could not be reached."))
        raise CheckoutError(
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


def _expire_link(order: Order) -> None:
    payment = MercadoPagoPayment.objects.filter(order=order).first()
    if payment is None:
        return
    try:
        gateway.expire_preference(preference_id=payment.preference_id, now=timezone.now())
    except gateway.PaymentError:
        # Harmless: a payment made on it later is still applied or refunded by finalize.
        logger.warning("could not expire the payment link of order %s", order.pk)


# -- finalize -----------------------------------------------------------------------------------


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
        outcome = Outcome(
            order=outcome.order,
            result="paid" if outcome.order.status == OrderStatus.PAID else "refunded",
        )
    return outcome


def _apply(remote: gateway.RemotePayment) -> tuple[Outcome, bool]:
    if not valid_payment_id(remote.external_reference):
        raise UnknownPayment(remote.id)
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=int(remote.external_reference)).first()
        record = MercadoPagoPayment.objects.filter(order=order).first() if order else None
        if order is None or record is None:
            raise UnknownPayment(remote.id)
        if remote.currency != order.currency or remote.amount != order.total:
            # Not applied. An approved one needs a person: it is logged as an error.
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

        record.payment_id, record.status, record.status_detail = (
            remote.id,
            remote.status,
            remote.status_detail,
        )
        result, refund_due = "unchanged", False
        if remote.status == "approved":
            result, refund_due = _approve(order, record, remote)
        elif remote.status in PENDING_STATUSES:
            orders.order_mark_pending(order=order)
            result = "pending"
        elif remote.status in FAILED_STATUSES:
            orders.order_reopen(order=order)  # the shopper may pay again
            result = "rejected"
        elif remote.status in REVERSED_STATUSES and record.approved_payment_id == remote.id:
            result = _reverse(order, remote)
        record.save()
    return Outcome(order=order, result=result), refund_due


def _approve(order: Order, record: MercadoPagoPayment, remote) -> tuple[str, bool]:
    if record.approved_payment_id and record.approved_payment_id != remote.id:
        # A second approved payment for one order (the link paid twice): give it back.
        return "duplicate", False
    if order.status == OrderStatus.PAID:
        return "paid", False
    if order.status == OrderStatus.REFUNDED:
        return "refunded", record.refund_status == RefundStatus.PENDING
    record.approved_payment_id = remote.id
    try:
        orders.order_mark_paid(order=order, method=PaymentMethod.MERCADO_PAGO, reference=remote.id)
    except orders.LostReservation as lost:
        orders.order_mark_refunded(
            order=order, note=_("Refunded: out of stock. %(reason)s") % {"reason": lost.message}
        )
        record.refund_status = RefundStatus.PENDING
        return "refunded", True
    return "paid", False


def _reverse(order: Order, remote: gateway.RemotePayment) -> str:
    """The order's approved payment was refunded (by staff in Mercado Pago) or charged back by
    the buyer's bank: the order stops counting as paid. Stock is not put back on its own, since
    the goods may have shipped; staff decide."""
    if order.status == OrderStatus.PAID:
        note = (
            _("The payment was charged back.")
            if remote.status == "charged_back"
            else _("The payment was refunded through Mercado Pago.")
        )
        orders.order_mark_refunded(order=order, note=note, notify=False)
        logger.warning("payment %s of paid order %s was %s", remote.id, order.pk, remote.status)
    return "refunded" if order.status == OrderStatus.REFUNDED else "unchanged"


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


def refund_send(*, order_id: int) -> None:
    """The refund a late approval made due (payments.tasks.send_refund)."""
    _send_refund(Order.objects.get(pk=order_id))


def _send_refund(order: Order) -> None:
    """Refund the approved payment in full; safe to repeat (idempotency key per payment)."""
    record = MercadoPagoPayment.objects.get(order=order)
    if record.refund_status != RefundStatus.PENDING or not record.approved_payment_id:
        return
    try:
        refund_id = gateway.refund_payment(
            payment_id=record.approved_payment_id,
            idempotency_key=f"refund-order-{order.pk}-{record.approved_payment_id}",
        )
    except gateway.PaymentError:
        logger.warning("refund of order %s failed; a retry will send it", order.pk)
        return
    MercadoPagoPayment.objects.filter(pk=record.pk).update(
        refund_status=RefundStatus.DONE, refund_id=refund_id
    )


def payments_reconcile() -> int:
    """Safety net for lost notifications: ask Mercado Pago about every unpaid order whose link
    is still recent, and send refunds that could not be sent. Returns how many orders changed."""
    changed = 0
    since = timezone.now() - timezone.timedelta(days=2)
    open_orders = Order.objects.filter(
        status__in=RESERVING_STATUSES, created_at__gte=since, mercadopago__isnull=False
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
                _send_refund(outcome.order)
            changed += outcome.result in ("paid", "refunded")
    for record in MercadoPagoPayment.objects.filter(refund_status=RefundStatus.PENDING):
        _send_refund(record.order)
    _cancel_linkless_orders()
    return changed


def _cancel_linkless_orders() -> None:
    """An order whose payment link was never stored (its process died while asking Mercado
    Pago) can never be paid; once a confirm could no longer be on its way, free its stock."""
    started_before = timezone.now() - timezone.timedelta(seconds=settings.CHECKOUT_DUPLICATE_WINDOW)
    for order in Order.objects.filter(
        status=OrderStatus.AWAITING_PAYMENT,
        payment_method=PaymentMethod.MERCADO_PAGO,
        mercadopago__isnull=True,
        created_at__lt=started_before,
    ):
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if not MercadoPagoPayment.objects.filter(order=locked).exists():
                orders.order_cancel(order=locked, note=_("No payment link was created."))


# -- store credit -------------------------------------------------------------------------------


class StoreCreditError(CheckoutError):
    """A store-credit payment that was refused; nothing was written."""


def _ledger(
    *, token: StoreCreditToken, amount: Decimal, actor, reason: str, order=None
) -> StoreCreditEntry:
    """Change a locked token's balance by `amount` and record why. Never below zero."""
    new_balance = token.balance + amount
    if new_balance < 0:
        raise StoreCreditError(_("That would take the token's balance below zero."))
    token.balance = new_balance
    token.save(update_fields=["balance"])
    return StoreCreditEntry.objects.create(
        token=token,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason[:200],
        amount=amount,
        balance_after=new_balance,
        order=order,
    )


@transaction.atomic
def token_adjust(
    *, token: StoreCreditToken, amount: Decimal, actor, reason: str
) -> StoreCreditEntry:
    """Staff add (or, with a negative amount, take back) credit; recorded in the ledger."""
    locked = StoreCreditToken.objects.select_for_update().get(pk=token.pk)
    entry = _ledger(token=locked, amount=amount, actor=actor, reason=reason)
    token.balance = locked.balance
    return entry


@transaction.atomic
def token_issue(
    *, amount: Decimal, expires_on, actor, owner=None, note: str = "", token=None
) -> StoreCreditToken:
    fields = {"token": token} if token is not None else {}
    issued = StoreCreditToken.objects.create(
        owner=owner, expires_on=expires_on, note=note, **fields
    )
    if amount:
        token_adjust(token=issued, amount=amount, actor=actor, reason=_("Issued"))
        issued.refresh_from_db()
    return issued


def _masked(token: StoreCreditToken) -> str:
    return _("store credit …%(end)s") % {"end": str(token.token)[-6:]}


def checkout_pay_with_token(
    *, cart, user, details: orders.DeliveryDetails, code: str
) -> tuple[Order, StoreCreditEntry]:
    """Pay the whole cart with store credit, all or nothing, in one transaction.

    Locks the token, then the cart and the stock rows; checks that the token exists, may be
    used by this shopper, is active and unexpired; places the order at catalogue prices
    (refusing lines the stock no longer covers); checks the balance against the order's total;
    deducts it (with its ledger entry), marks the order paid through the same routine as
    Mercado Pago (stock decremented, invoice recorded, cart emptied, e-mail after commit).
    Any refusal raises StoreCreditError or orders.OrderError and leaves everything unchanged.
    """
    try:
        token_id = uuid.UUID(str(code).strip())
    except (ValueError, AttributeError, TypeError):
        raise StoreCreditError(_("That is not a valid store-credit token.")) from None
    with transaction.atomic():
        token = StoreCreditToken.objects.select_for_update().filter(token=token_id).first()
        if token is None:
            raise StoreCreditError(_("We do not know this store-credit token."))
        if token.owner_id is not None and (not user.is_authenticated or user.pk != token.owner_id):
            raise StoreCreditError(_("This store-credit token belongs to another account."))
        if not token.is_active:
            raise StoreCreditError(_("This store-credit token has been deactivated."))
        if token.is_expired:
            raise StoreCreditError(
                _("This store-credit token expired on %(date)s.")
                % {"date": formats.date_format(token.expires_on)}
            )
        order, _superseded = orders.order_place(
            cart=cart, user=user, details=details, method=PaymentMethod.STORE_CREDIT
        )
        if token.balance < order.total:
            raise StoreCreditError(
                _("Insufficient balance: the token has %(balance)s and the order costs %(total)s.")
                % {"balance": format_money(token.balance), "total": format_money(order.total)}
            )
        entry = _ledger(
            token=token,
            amount=-order.total,
            actor=user,
            reason=_("Payment of order %(number)s") % {"number": order.reference},
            order=order,
        )
        locked_order = Order.objects.select_for_update().get(pk=order.pk)
        orders.order_mark_paid(
            order=locked_order, method=PaymentMethod.STORE_CREDIT, reference=_masked(token)
        )
    return locked_order, entry
