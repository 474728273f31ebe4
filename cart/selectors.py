"""Reads of carts. Each function runs a fixed number of queries, whatever the number of lines."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Prefetch, Sum
from django.urls import reverse

import pricing
from stock.selectors import sellable_units
from store.models import Color, Product, ProductImage, Size, Variant

from .models import Cart, CartLine

CART_COOKIE = "cart"
CART_COOKIE_MAX_AGE = 40 * 24 * 60 * 60  # seconds
MAX_TOKEN_LENGTH = 64


def cart_for(*, user, token: str | None) -> Cart:
    """The shopper's cart: the account's, or the anonymous one named by the cookie.

    Returns an unsaved, empty Cart when there is none yet; nothing is written here.
    """
    if user.is_authenticated:
        return Cart.objects.filter(user=user).first() or Cart(user=user)
    # A cookie may carry anything, NUL included, which PostgreSQL refuses in a query.
    if token and len(token) <= MAX_TOKEN_LENGTH and "\x00" not in token:
        cart = Cart.objects.filter(token=token, user__isnull=True).first()
        if cart is not None:
            return cart
    return Cart()


def stock_holder(cart_id: int | None) -> str:
    """The name under which stock is reserved for a cart's checkouts (stock.models), so that
    they never count against that cart."""
    return f"cart:{cart_id}" if cart_id is not None else ""


def units_for_cart(*, variants, cart: Cart) -> dict[int, int]:
    """Units of each variant this cart may hold now: the sellable stock, where the cart's own
    unpaid checkouts do not count against it, and none once the product is withdrawn. One
    query."""
    variants = list(variants)
    sellable = sellable_units(variants=variants, except_holder=stock_holder(cart.pk))
    return {v.pk: sellable[v.pk] if v.product.is_active else 0 for v in variants}


@dataclass(frozen=True)
class LineView:
    id: int
    product: Product
    variant: Variant
    color: Color | None
    size: Size | None
    quantity: int
    stock: int
    image: ProductImage | None
    unit_price: Decimal
    total: Decimal  # unit price × quantity, before the line's share of any discount
    discount: Decimal

    @property
    def can_increase(self) -> bool:
        return self.quantity < self.stock

    @property
    def can_decrease(self) -> bool:
        return self.quantity > 1

    # The line's operations (cart.views.line), each reversed once per line.
    @cached_property
    def increase_url(self) -> str:
        return reverse("cart:line", args=[self.id, "increase"])

    @cached_property
    def decrease_url(self) -> str:
        return reverse("cart:line", args=[self.id, "decrease"])

    @cached_property
    def quantity_url(self) -> str:
        return reverse("cart:line", args=[self.id, "quantity"])

    @cached_property
    def remove_url(self) -> str:
        return reverse("cart:line", args=[self.id, "remove"])


@dataclass(frozen=True)
class CartSummary:
    lines: list[LineView]
    totals: pricing.Breakdown

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return self.totals.subtotal

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def line(self, line_id: int) -> LineView | None:
        return next((line for line in self.lines if line.id == line_id), None)


def cart_lines_with_variants(*, cart: Cart):
    """The cart's lines with variant, product, colour and size joined in (one query)."""
    return CartLine.objects.filter(cart=cart).select_related(
        "variant__product", "variant__color", "variant__size"
    )


def price_lines(
    lines: list[CartLine],
    *,
    discount: pricing.Discount | None = None,
    shipping: Decimal = pricing.ZERO,
) -> pricing.Breakdown:
    """The cart's lines at today's catalogue prices, priced by the pricing function (keyed by
    cart line id), with an order-level discount and shipping cost when there are any."""
    return pricing.calculate(
        [
            pricing.Line(key=line.pk, unit_price=line.variant.product.price, quantity=line.quantity)
            for line in lines
        ],
        discount=discount,
        shipping=shipping,
    )


def cart_summary(
    *,
    cart: Cart,
    discount: pricing.Discount | None = None,
    shipping: Decimal = pricing.ZERO,
) -> CartSummary:
    """Lines for display with their primary pictures and sellable stock, and the totals: three
    queries (lines, pictures, reservations), or none for a new cart."""
    if cart.pk is None:
        return CartSummary(lines=[], totals=price_lines([], discount=discount, shipping=shipping))
    lines = list(
        cart_lines_with_variants(cart=cart).prefetch_related(
            Prefetch(
                "variant__product__images",
                queryset=ProductImage.objects.filter(is_primary=True),
                to_attr="primary_images",
            )
        )
    )
    stock = units_for_cart(variants=[line.variant for line in lines], cart=cart)
    totals = price_lines(lines, discount=discount, shipping=shipping)
    return CartSummary(
        lines=[
            LineView(
                id=line.pk,
                product=line.variant.product,
                variant=line.variant,
                color=line.variant.color,
                size=line.variant.size,
                quantity=line.quantity,
                stock=stock[line.variant_id],
                image=next(iter(line.variant.product.primary_images), None),
                unit_price=totals.line(line.pk).unit_price,
                total=totals.line(line.pk).gross,
                discount=totals.line(line.pk).discount,
            )
            for line in lines
        ],
        totals=totals,
    )


def cart_item_count(*, cart: Cart) -> int:
    """Units in the cart, for the header badge: one aggregate query (none for a new cart)."""
    if cart.pk is None:
        return 0
    return CartLine.objects.filter(cart=cart).aggregate(total=Sum("quantity"))["total"] or 0
