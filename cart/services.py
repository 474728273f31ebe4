"""Writes to carts. Each operation is one transaction that locks the cart row first, so two
tabs of the same shopper acting at once are applied one after the other, never interleaved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from project.errors import ShopError
from stock.selectors import holders_with_reservations
from stock.services import availability_message
from store.models import Variant

from .models import Cart, CartLine
from .selectors import CART_COOKIE_MAX_AGE, cart_lines_with_variants, stock_holder, units_for_cart

MAX_LINE_QUANTITY = 999


class CartError(ShopError):
    """A cart operation that was refused; nothing changed."""


class OutOfStock(CartError):
    pass


class LineNotFound(CartError):
    pass


@dataclass(frozen=True)
class StockAdjustment:
    """A line shrunk (or removed, `after` = 0) because stock fell below it."""

    product_name: str
    variant_label: str
    before: int
    after: int

    @property
    def message(self) -> str:
        """What the shopper is told."""
        item = (
            f"{self.product_name} ({self.variant_label})"
            if self.variant_label
            else self.product_name
        )
        values = {"item": item, "before": self.before, "after": self.after}
        if self.after == 0:
            return _("%(item)s sold out and was taken out of your cart.") % values
        return (
            _(
                "Only %(after)d of %(item)s in stock: "
                "your cart now has %(after)d instead of %(before)d."
            )
            % values
        )


def _locked(cart: Cart) -> Cart:
    """Lock the cart's row for the rest of the transaction (a no-op lock on SQLite, where
    IMMEDIATE transactions already serialize writers)."""
    locked = Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if locked is None:
        raise CartError(_("Your cart has changed. Please try again."))
    return locked


def _fresh_variant(variant_id: int) -> Variant:
    variant = (
        Variant.objects.select_related("product", "color", "size").filter(pk=variant_id).first()
    )
    if variant is None or not variant.product.is_active:
        raise OutOfStock(_("This product is no longer available."))
    return variant


def _save_new_cart(cart: Cart) -> None:
    """Create the cart row on the first add. An account's cart may have been created by the
    shopper's other tab a moment ago: then that one is used."""
    if cart.pk is not None:
        return
    if cart.user_id is None:
        cart.save()
        return
    try:
        with transaction.atomic():
            cart.save()
    except IntegrityError:
        existing = Cart.objects.get(user_id=cart.user_id)
        cart.pk, cart.token, cart.created_at = existing.pk, existing.token, existing.created_at


def cart_add_item(*, cart: Cart, variant_id: int, quantity: int) -> CartLine:
    """Put `quantity` units of a variant in the cart (adding to an existing line).

    Refused, changing nothing, when the cart would then hold more than the stock.
    """
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise CartError(_("Choose a quantity between 1 and %(max)d.") % {"max": MAX_LINE_QUANTITY})
    is_new = cart.pk is None
    try:
        return _add_item(cart, variant_id, quantity)
    except Exception:
        if is_new and not Cart.objects.filter(pk=cart.pk).exists():
            cart.pk = None  # the new cart's row was rolled back with the refusal
        raise


def _add_item(cart: Cart, variant_id: int, quantity: int) -> CartLine:
    with transaction.atomic():
        _save_new_cart(cart)
        _locked(cart)
        variant = _fresh_variant(variant_id)
        stock = units_for_cart(variants=[variant], cart=cart)[variant.pk]
        line = CartLine.objects.filter(cart=cart, variant=variant).first()
        in_cart = line.quantity if line else 0
        if in_cart + quantity > stock:
            if in_cart:
                raise OutOfStock(
                    ngettext(
                        "Only %(stock)d in stock, and %(in_cart)d already in your cart.",
                        "Only %(stock)d in stock, and %(in_cart)d already in your cart.",
                        stock,
                    )
                    % {"stock": stock, "in_cart": in_cart}
                )
            raise OutOfStock(availability_message(stock))
        if line is None:
            line = CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
        else:
            line.quantity = in_cart + quantity
            line.save(update_fields=["quantity"])
        return line


def _locked_line(cart: Cart, line_id: int) -> CartLine:
    if cart.pk is None:
        raise LineNotFound(_("That item is no longer in your cart."))
    _locked(cart)
    line = (
        CartLine.objects.select_related("variant__product", "variant__color", "variant__size")
        .filter(cart=cart, pk=line_id)
        .first()
    )
    if line is None:
        raise LineNotFound(_("That item is no longer in your cart."))
    return line


def cart_set_quantity(*, cart: Cart, line_id: int, quantity: int) -> CartLine:
    """Set a line's quantity to a whole number from 1 to the variant's stock."""
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise CartError(_("Choose a quantity between 1 and %(max)d.") % {"max": MAX_LINE_QUANTITY})
    with transaction.atomic():
        line = _locked_line(cart, line_id)
        stock = units_for_cart(variants=[line.variant], cart=cart)[line.variant_id]
        if quantity > stock:
            raise OutOfStock(availability_message(stock))
        if quantity != line.quantity:
            line.quantity = quantity
            line.save(update_fields=["quantity"])
        return line


def cart_increment(*, cart: Cart, line_id: int) -> CartLine:
    with transaction.atomic():
        line = _locked_line(cart, line_id)
        stock = units_for_cart(variants=[line.variant], cart=cart)[line.variant_id]
        if line.quantity + 1 > stock:
            raise OutOfStock(availability_message(stock))
        line.quantity += 1
        line.save(update_fields=["quantity"])
        return line


def cart_decrement(*, cart: Cart, line_id: int) -> CartLine:
    """One fewer; a line never goes below 1 (removing it is a separate, explicit action)."""
    with transaction.atomic():
        line = _locked_line(cart, line_id)
        if line.quantity <= 1:
            raise CartError(_("Use “Remove” to take this item out of your cart."))
        line.quantity -= 1
        line.save(update_fields=["quantity"])
        return line


def cart_remove_line(*, cart: Cart, line_id: int) -> None:
    with transaction.atomic():
        line = _locked_line(cart, line_id)
        line.delete()


def cart_fit_to_stock(*, cart: Cart) -> list[StockAdjustment]:
    """Shrink lines whose stock fell below their quantity (remove them at 0).

    A plain read when nothing changed; otherwise one locked transaction with a bulk update and
    a bulk delete, whatever the number of lines.
    """
    if cart.pk is None:
        return []
    lines = list(cart_lines_with_variants(cart=cart))
    units = units_for_cart(variants=[line.variant for line in lines], cart=cart)
    if not any(line.quantity > units[line.variant_id] for line in lines):
        return []
    with transaction.atomic():
        _locked(cart)
        adjustments, shrunk, emptied = [], [], []
        lines = list(cart_lines_with_variants(cart=cart))
        units = units_for_cart(variants=[line.variant for line in lines], cart=cart)
        for line in lines:
            stock = units[line.variant_id]
            if line.quantity <= stock:
                continue
            adjustments.append(
                StockAdjustment(
                    product_name=line.variant.product.name,
                    variant_label=line.variant.label,
                    before=line.quantity,
                    after=stock,
                )
            )
            if stock == 0:
                emptied.append(line.pk)
            else:
                line.quantity = stock
                shrunk.append(line)
        CartLine.objects.bulk_update(shrunk, ["quantity"])
        CartLine.objects.filter(pk__in=emptied).delete()
    return adjustments


def cart_merge_lock(*, source: Cart, user) -> Cart | None:
    """First step of moving a guest's cart into an account at login: create the account's cart
    if need be and lock both carts (by primary key). Returns the account's cart, or None when
    there is nothing to merge (not a guest cart, or a parallel request merged it already).
    Call inside a transaction; then move whatever refers to the guest cart (its orders), then
    `cart_merge_lines`, then `cart_delete` the guest cart (checkout.services.guest_cart_adopt)."""
    if source.pk is None or source.user_id is not None:
        return None
    target = Cart(user=user)
    _save_new_cart(target)
    for cart in sorted((source, target), key=lambda c: c.pk):
        if Cart.objects.select_for_update().filter(pk=cart.pk).first() is None:
            return None  # merged already by a parallel request
    return target


def cart_merge_lines(*, source: Cart, target: Cart) -> list[StockAdjustment]:
    """Move a locked guest cart's lines into the locked account cart: quantities of the same
    variant are summed and capped at what the account's cart may hold (its own checkouts'
    reservations do not count against it), and every capped line is reported."""
    existing = {line.variant_id: line for line in CartLine.objects.filter(cart=target)}
    adjustments, to_create, to_update = [], [], []
    source_lines = list(cart_lines_with_variants(cart=source))
    units = units_for_cart(variants=[line.variant for line in source_lines], cart=target)
    for line in source_lines:
        stock = units[line.variant_id]
        current = existing.get(line.variant_id)
        wanted = line.quantity + (current.quantity if current else 0)
        kept = min(wanted, stock)
        if kept < wanted:
            adjustments.append(
                StockAdjustment(
                    product_name=line.variant.product.name,
                    variant_label=line.variant.label,
                    before=wanted,
                    after=kept,
                )
            )
        if kept == 0:
            continue  # sold out: nothing to carry over (the cart page reports the rest)
        if current is not None:
            if kept != current.quantity:
                current.quantity = kept
                to_update.append(current)
        else:
            to_create.append(CartLine(cart=target, variant=line.variant, quantity=kept))
    CartLine.objects.bulk_update(to_update, ["quantity"])
    CartLine.objects.bulk_create(to_create)
    CartLine.objects.filter(cart=source).delete()
    return adjustments


def cart_delete(*, cart: Cart) -> None:
    """Delete a cart and its lines (a guest's cart once merged into an account)."""
    Cart.objects.filter(pk=cart.pk).delete()


# A day beyond the cookie's life before an anonymous cart counts as abandoned.
ABANDONED_CART_GRACE = timedelta(days=1)


def carts_delete_abandoned(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Housekeeping: delete anonymous carts that no browser can name any more, with their
    lines; returns how many.

    A guest's cookie is set once, when the cart is created, to live CART_COOKIE_MAX_AGE; so a
    cart whose row and lines are all older than that (plus ABANDONED_CART_GRACE) is
    unreachable. Accounts' carts are never deleted. A cart is kept while any stock
    reservation is held in its name (an unpaid order of it, even an expired one not yet swept
    by `expire_orders`): paying that order reads the cart's holder name. Orders of a deleted
    cart keep everything they need (Order.cart becomes NULL: their lines, prices and address
    are copied into the order, and guests reach them by their signed link).

    Each batch is one transaction that locks its carts first, as placing an order does, so
    no reservation can appear for a cart between the check and the delete.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=CART_COOKIE_MAX_AGE) - ABANDONED_CART_GRACE
    abandoned = Cart.objects.filter(user__isnull=True, updated_at__lt=cutoff).exclude(
        lines__added_at__gte=cutoff
    )
    deleted, after = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                abandoned.select_for_update()
                .filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return deleted
            after = ids[-1]
            held = holders_with_reservations(holders=[stock_holder(pk) for pk in ids])
            doomed = [pk for pk in ids if stock_holder(pk) not in held]
            _count, per_model = Cart.objects.filter(pk__in=doomed).delete()
            deleted += per_model.get(Cart._meta.label, 0)
