import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order

# How an order reaches its Mercado Pago record (`order.mercadopago`), for the pages above this
# app that join it into the order's query.
MERCADOPAGO_RECORD = "mercadopago"


class RefundStatus(models.TextChoices):
    NONE = "", _("No refund")
    PENDING = "pending", _("Refund to send")
    DONE = "done", _("Refunded")


class MercadoPagoPayment(models.Model):
    """An order's Mercado Pago checkout: its preference (payment link) and what Mercado Pago
    last told us about the payment made on it. Mercado Pago is the truth; this is a record."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name=MERCADOPAGO_RECORD, verbose_name=_("order")
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


def _today():
    from django.utils import timezone

    return timezone.localdate()


class StoreCreditToken(models.Model):
    """Store credit: a secret code (UUID) with a balance and an expiry date. The balance only
    changes through the ledger (payments.services), so every change has its entry."""

    token = models.UUIDField(_("token"), unique=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="store_credit_tokens",
        verbose_name=_("owner"),
        help_text=_("Only this account may spend it. Leave empty for a gift token anyone may use."),
    )
    balance = models.DecimalField(
        _("balance"), max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    expires_on = models.DateField(_("expires on"), help_text=_("Usable until the end of this day."))
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("store-credit token")
        verbose_name_plural = _("store-credit tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="store_credit_balance_not_negative"
            ),
        ]

    def __str__(self):
        return f"…{str(self.token)[-6:]}"

    @property
    def is_expired(self) -> bool:
        return self.expires_on < _today()


class StoreCreditEntry(models.Model):
    """One change of a token's balance: who, when, why, how much, and the balance after."""

    token = models.ForeignKey(
        StoreCreditToken, on_delete=models.PROTECT, related_name="entries", verbose_name=_("token")
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    reason = models.CharField(_("why"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="store_credit_entries",
        verbose_name=_("order"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("store-credit ledger entry")
        verbose_name_plural = _("store-credit ledger")

    def __str__(self):
        return f"{self.amount:+} → {self.balance_after}"


class PaymentSettings(models.Model):
    """Which payment methods checkout offers. One row, edited by staff in the admin."""

    mercadopago_enabled = models.BooleanField(_("Mercado Pago enabled"), default=True)
    store_credit_enabled = models.BooleanField(_("store credit enabled"), default=True)

    class Meta:
        verbose_name = _("payment settings")
        verbose_name_plural = _("payment settings")

    def __str__(self):
        return str(_("Payment settings"))
