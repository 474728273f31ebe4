import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from store.models import Variant


def new_cart_token() -> str:
    """The anonymous cart's cookie value: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


class Cart(models.Model):
    """A shopper's cart: an account's one cart, or an anonymous visitor's (found by cookie).

    A Cart that is not saved yet stands for an empty cart: rows are created on the first add,
    never on a page view.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_cart_token)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self):
        return str(self.user) if self.user_id else _("Anonymous cart %(id)s") % {"id": self.pk}


class CartLine(models.Model):
    cart = models.ForeignKey(
        Cart, on_delete=models.CASCADE, related_name="lines", verbose_name=_("cart")
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="cart_lines", verbose_name=_("variant")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="one_line_per_variant"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="cart_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant}"
