from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import address_label
from store.models import Variant

ORDER_LINK_SALT = "orders.order-link"


class OrderStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAYMENT_PENDING = "payment_pending", _("Payment pending")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# Orders whose stock is held for them until `reserved_until`.
RESERVING_STATUSES = (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAYMENT_PENDING)


class PaymentMethod(models.TextChoices):
    MERCADO_PAGO = "mercadopago", _("Mercado Pago")
    STORE_CREDIT = "store_credit", _("Store credit")


class Order(models.Model):
    """An order placed from a cart. Prices, totals and the delivery address are copied in when
    it is placed, so later changes to the catalogue or the address book never rewrite it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("e-mail"))
    cart = models.ForeignKey(
        "cart.Cart",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("cart"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.AWAITING_PAYMENT,
    )
    status_note = models.CharField(_("status note"), max_length=200, blank=True)
    payment_method = models.CharField(
        _("payment method"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.MERCADO_PAGO,
    )
    currency = models.CharField(_("currency"), max_length=3, default="BRL")
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2)
    shipping = models.DecimalField(_("shipping"), max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    contents_hash = models.CharField(_("contents hash"), max_length=64, editable=False)

    recipient = models.CharField(_("recipient"), max_length=120)
    street = models.CharField(_("street"), max_length=200)
    number = models.CharField(_("number"), max_length=20)
    complement = models.CharField(_("complement"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state"), max_length=2)
    postal_code = models.CharField(_("postal code"), max_length=9)
    country = models.CharField(_("country"), max_length=2, default="BR")
    phone = models.CharField(_("phone"), max_length=20)

    created_at = models.DateTimeField(_("placed"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    reserved_until = models.DateTimeField(_("stock reserved until"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["status", "reserved_until"], name="order_status_reserved"),
            models.Index(fields=["cart", "status"], name="order_cart_status"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("orders:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """The order number shoppers see, e.g. R000042."""
        return f"R{self.pk:06d}"

    @property
    def holds_stock(self) -> bool:
        return self.status in RESERVING_STATUSES and self.reserved_until > timezone.now()

    def signed_url(self) -> str:
        """A link that opens this order without logging in (e-mails, guest checkout)."""
        return reverse("orders:signed", args=[signing.dumps(self.pk, salt=ORDER_LINK_SALT)])

    def signed_invoice_url(self) -> str:
        return reverse("orders:signed_invoice", args=[signing.dumps(self.pk, salt=ORDER_LINK_SALT)])

    @property
    def address_lines(self) -> list[str]:
        return address_label(self, country=self.country)


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("variant")
    )
    product_name = models.CharField(_("product"), max_length=200)
    variant_label = models.CharField(_("variant"), max_length=100, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
        ]
        indexes = [models.Index(fields=["variant", "order"], name="orderline_variant_order")]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"


class Invoice(models.Model):
    """The record of a paid order: one per paid order, whatever the payment method. Its total
    equals the sum of its details and the amount charged."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="invoice", verbose_name=_("order")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("buyer"),
    )
    buyer_name = models.CharField(_("buyer name"), max_length=120)
    buyer_email = models.EmailField(_("buyer e-mail"))
    issued_at = models.DateTimeField(_("date"))
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices
    )
    payment_reference = models.CharField(_("payment reference"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative")
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"NF-{self.pk:06d}"


class InvoiceDetail(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="details", verbose_name=_("invoice")
    )
    product = models.ForeignKey(
        "store.Product",
        on_delete=models.PROTECT,
        related_name="invoice_details",
        verbose_name=_("product"),
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="invoice_details", verbose_name=_("variant")
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = _("invoice detail")
        verbose_name_plural = _("invoice details")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="invoice_detail_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.description}"
