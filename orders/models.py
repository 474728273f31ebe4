from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PostalAddress
from store.models import Variant

ORDER_LINK_SALT = "orders.order-link"


class PaymentStatus(models.TextChoices):
    """Where the order's money is. (Where its parcel is, is `DeliveryStatus`.)"""

    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAYMENT_PENDING = "payment_pending", _("Payment pending")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class DeliveryStatus(models.TextChoices):
    """Where the order's parcel is; it moves only once the order is paid."""

    NOT_SHIPPED = "not_shipped", _("Not shipped yet")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")


# Every move either status may make; anything else is an IllegalTransition (orders.services).
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.AWAITING_PAYMENT: frozenset(
        {
            PaymentStatus.PAYMENT_PENDING,  # Mercado Pago is processing a payment
            PaymentStatus.PAID,
            PaymentStatus.REFUNDED,  # approved after its stock went to someone else
            PaymentStatus.CANCELLED,  # replaced by a newer checkout, or no payment link
            PaymentStatus.EXPIRED,  # the payment link ran out unused
        }
    ),
    PaymentStatus.PAYMENT_PENDING: frozenset(
        {
            PaymentStatus.AWAITING_PAYMENT,  # the pending payment was rejected: pay again
            PaymentStatus.PAID,
            PaymentStatus.REFUNDED,
            PaymentStatus.CANCELLED,
        }
    ),
    # A payment made in time may be approved after the link expired: it is sold if the stock
    # is still there, else refunded.
    PaymentStatus.EXPIRED: frozenset({PaymentStatus.PAID, PaymentStatus.REFUNDED}),
    # A cancelled order is never sold: a payment approved on it afterwards is given back.
    PaymentStatus.CANCELLED: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.PAID: frozenset({PaymentStatus.REFUNDED}),  # refunded or charged back
    PaymentStatus.REFUNDED: frozenset(),
}
DELIVERY_TRANSITIONS: dict[str, frozenset[str]] = {
    DeliveryStatus.NOT_SHIPPED: frozenset({DeliveryStatus.SHIPPED}),
    DeliveryStatus.SHIPPED: frozenset({DeliveryStatus.DELIVERED}),
    DeliveryStatus.DELIVERED: frozenset(),
}

# Orders whose stock is held for them until `reserved_until`.
RESERVING_STATUSES = (PaymentStatus.AWAITING_PAYMENT, PaymentStatus.PAYMENT_PENDING)


class PaymentMethod(models.TextChoices):
    MERCADO_PAGO = "mercadopago", _("Mercado Pago")
    STORE_CREDIT = "store_credit", _("Store credit")


class Order(PostalAddress):
    """An order placed from a cart. Prices, totals and the delivery address (the address
    fields) are copied in when it is placed, so later changes to the catalogue or the address
    book never rewrite it. Its payment and its delivery each have a status of their own."""

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
    payment_status = models.CharField(
        _("payment status"),
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.AWAITING_PAYMENT,
    )
    delivery_status = models.CharField(
        _("delivery status"),
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.NOT_SHIPPED,
    )
    status_note = models.CharField(_("status note"), max_length=200, blank=True)
    payment_method = models.CharField(
        _("payment method"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.MERCADO_PAGO,
    )
    currency = models.CharField(_("currency"), max_length=3, default="BRL")
    # Written once, from the pricing function: total = subtotal - discount + shipping.
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=0)
    shipping = models.DecimalField(_("shipping"), max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    contents_hash = models.CharField(_("contents hash"), max_length=64, editable=False)
    # The language the order was placed in: its e-mails are written in it.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Where the checkout came from (as counted behind the trusted proxies): one client's unpaid
    # holds are limited (orders.services.order_place).
    client_address = models.GenericIPAddressField(
        _("client address"), null=True, blank=True, editable=False
    )

    created_at = models.DateTimeField(_("placed"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    reserved_until = models.DateTimeField(_("stock reserved until"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [
            models.Index(
                fields=["payment_status", "reserved_until"], name="order_payment_reserved"
            ),
            models.Index(fields=["cart", "payment_status"], name="order_cart_payment"),
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
    def stock_owner(self) -> str:
        """The name its stock reservation goes by (stock.models.Reservation.owner)."""
        return f"order:{self.pk}"

    @property
    def holds_stock(self) -> bool:
        return self.payment_status in RESERVING_STATUSES and self.reserved_until > timezone.now()

    @property
    def was_paid(self) -> bool:
        """Whether a payment was ever applied to it (it stays true after a refund): the test
        that keeps an order from being paid twice, whatever its statuses say now."""
        return self.paid_at is not None

    def signed_url(self) -> str:
        """A link that opens this order without logging in (e-mails, guest checkout)."""
        return reverse("orders:signed", args=[signing.dumps(self.pk, salt=ORDER_LINK_SALT)])

    def signed_invoice_url(self) -> str:
        return reverse("orders:signed_invoice", args=[signing.dumps(self.pk, salt=ORDER_LINK_SALT)])


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
    # The line's share of the order's discount, and what is paid for it (unit price ×
    # quantity - discount), both from the pricing function.
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=0)
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

    @property
    def gross(self):
        """Unit price × quantity, before the line's discount (what receipts list per line)."""
        return self.unit_price * self.quantity


class Invoice(models.Model):
    """The record of a paid order: one per paid order, whatever the payment method. Its total
    is its details' amounts plus the shipping, and the amount charged."""

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
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2, default=0)
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=0)
    shipping = models.DecimalField(_("shipping"), max_digits=12, decimal_places=2, default=0)
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
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=0)
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
