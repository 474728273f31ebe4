from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from store.models import Variant


class Reservation(models.Model):
    """Units of a variant held until `expires_at` for an unpaid order, so that nobody else can
    buy them meanwhile. A reservation stops counting the moment it expires: no sweeper is
    needed for correctness (housekeeping deletes dead rows).

    `owner` names what holds the units (an order: "order:42"); `holder` names the shopper it is
    held for (a cart: "cart:17"), whose own reservations never count against them. Both are
    opaque to this module, which sits below carts and orders.
    """

    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("variant")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    owner = models.CharField(_("held for"), max_length=40)
    holder = models.CharField(_("shopper"), max_length=40, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["expires_at", "id"]
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="reservation_quantity_positive"
            ),
            models.UniqueConstraint(fields=["owner", "variant"], name="one_reservation_per_owner"),
        ]
        indexes = [
            models.Index(fields=["variant", "expires_at"], name="reservation_variant_live"),
            models.Index(fields=["holder"], name="reservation_holder"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant} → {self.owner}"
