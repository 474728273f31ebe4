from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order


class RefundStatus(models.TextChoices):
    NONE = "", _("No refund")
    PENDING = "pending", _("Refund to send")
    DONE = "done", _("Refunded")


class MercadoPagoPayment(models.Model):
    """An order's Mercado Pago checkout: its preference (payment link) and what Mercado Pago
    last told us about the payment made on it. Mercado Pago is the truth; this is a record."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="mercadopago", verbose_name=_("order")
    )
    preference_id = models.CharField(_("preference"), max_length=100, unique=True)
    init_point = models.URLField(_("payment link"), max_length=500)
    expires_at = models.DateTimeField(_("link expires"))
    payment_id = models.CharField(_("payment id"), max_length=32, blank=True, db_index=True)
    status = models.CharField(_("payment status"), max_length=32, blank=True)
    status_detail = models.CharField(_("status detail"), max_length=100, blank=True)
    approved_payment_id = models.CharField(
        _("approved payment id"),
        max_length=32,
        blank=True,
        help_text=_("The payment that paid the order."),
    )
    refund_status = models.CharField(
        _("refund"),
        max_length=10,
        choices=RefundStatus.choices,
        default=RefundStatus.NONE,
        blank=True,
    )
    refund_id = models.CharField(_("refund id"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Mercado Pago payment")
        verbose_name_plural = _("Mercado Pago payments")

    def __str__(self):
        return f"{self.order} · {self.status or _('no payment yet')}"
