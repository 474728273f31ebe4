"""Refunds the store owes a buyer through Mercado Pago: an approval that came too late (its
stock was sold to someone else, or its checkout had been replaced). Sent by a background task
after the change that made it due has committed, and resent by reconcile until it goes."""

import logging

from ..models import MercadoPagoPayment, RefundStatus
from . import gateway

logger = logging.getLogger(__name__)


def refund_send(*, order_id: int) -> None:
    """Refund the order's approved payment in full; safe to repeat (one idempotency key per
    payment, and a refund sent once is never sent again)."""
    record = MercadoPagoPayment.objects.filter(order_id=order_id).first()
    if record is None or record.refund_status != RefundStatus.PENDING:
        return
    if not record.approved_payment_id:
        return
    try:
        refund_id = gateway.refund_payment(
            payment_id=record.approved_payment_id,
            idempotency_key=f"refund-order-{order_id}-{record.approved_payment_id}",
        )
    except gateway.PaymentError:
        logger.warning("refund of order %s failed; a retry will send it", order_id)
        return
    MercadoPagoPayment.objects.filter(pk=record.pk).update(
        refund_status=RefundStatus.DONE, refund_id=refund_id
    )
