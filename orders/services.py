"""Writes to orders: placing an order (which reserves its stock), marking it paid (the one place
that does), refunding, cancelling, expiring, and moving its delivery along.

Each order has two statuses: `payment_status` (where the money is) and `delivery_status` (where
the parcel is). Every change of either on an order goes through `_move`, which allows exactly
the moves in orders.models.PAYMENT_TRANSITIONS / DELIVERY_TRANSITIONS and raises
IllegalTransition for any other (the bulk expiry of stale orders takes its statuses from the
same table). Whether an order was paid is `order.was_paid` (its payment time), never a status.

Locks are taken in the order written in stock.services: cart, then its orders, then (inside
the stock module) variants.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import pricing
from accounts.models import PostalAddress
from cart.models import Cart, CartLine
from cart.selectors import price_lines, stock_holder
from project import ratelimit
from project.errors import ShopError
from stock.selectors import units_held_by
from stock.services import (
    InsufficientStock,
    stock_commit,
    stock_release,
    stock_reserve,
    stock_transfer,
    variants_lock,
)

from . import tasks
from .models import (
    DELIVERY_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    RESERVING_STATUSES,
    DeliveryStatus,
    Invoice,
    InvoiceDetail,
    Order,
    OrderLine,
    PaymentMethod,
    PaymentStatus,
)
from .selectors import order_pricing


class OrderError(ShopError):
    pass


class EmptyCart(OrderError):
    pass


class NotEnoughStock(OrderError):
    pass


class LostReservation(OrderError):
    """The order was paid, but its stock went to another buyer meanwhile."""


class HoldLimitReached(OrderError):
    """The client already holds, unpaid, as many units of a variant as one client may."""


class TooManyCheckouts(OrderError):
    """The client's address started more checkouts holding stock than an hour allows."""


class IllegalTransition(OrderError):
    """A status change the transition tables do not allow; nothing was changed."""


class AmountsDoNotAddUp(Exception):
    """An order's stored amounts disagree with the pricing function: a bug, not something a
    shopper can act on (no ShopError: the shopper is only told that something went wrong)."""


def _move(order: Order, *, field: str, to: str, **changes) -> None:
    """Move `order.<field>` (payment_status or delivery_status) to `to`, saving `changes` with
    it. The one place either status changes on a single order."""
    table = PAYMENT_TRANSITIONS if field == "payment_status" else DELIVERY_TRANSITIONS
    current = getattr(order, field)
    if to not in table[current]:
        raise IllegalTransition(
            _("An order cannot go from “%(current)s” to “%(to)s”.") % {"current": current, "to": to}
        )
    setattr(order, field, to)
    for name, value in changes.items():
        setattr(order, name, value)
    order.save(update_fields=[field, *changes, "updated_at"])


def payment_may_become(order: Order, status: str) -> bool:
    return status in PAYMENT_TRANSITIONS[order.payment_status]


def _units(lines) -> dict[int, int]:
    return {line.variant_id: line.quantity for line in lines}


def contents_hash(lines: list[CartLine], *, email: str, address: dict) -> str:
    """What the shopper is buying, and where to: equal for a double click, different as soon
    as the cart or the address changes."""
    parts = sorted(
        f"{line.variant_id}:{line.quantity}:{line.variant.product.price}" for line in lines
    )
    parts.append(repr((email, sorted(address.items()))))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _recent_duplicate(unfinished: list[Order], digest: str) -> Order | None:
    """Among the cart's unfinished orders, one for exactly these contents placed moments ago
    with a payment link (a second click)."""
    since = timezone.now() - timedelta(seconds=settings.CHECKOUT_DUPLICATE_WINDOW)
    twins = [
        order
        for order in unfinished
        if order.contents_hash == digest
        and order.payment_method == PaymentMethod.MERCADO_PAGO
        and order.created_at >= since
    ]
    return max(twins, key=lambda order: (order.created_at, order.pk), default=None)


def order_place(
    *,
    cart: Cart,
    user,
    email: str,
    address: PostalAddress,
    method: str = PaymentMethod.MERCADO_PAGO,
    discount: pricing.Discount | None = None,
    shipping: Decimal = pricing.ZERO,
    client_address: str | None = None,
) -> tuple[Order, list[Order]]:
    """Create an order from the cart and reserve its stock until the payment link expires.

    One transaction: the cart row is locked, the lines are priced by the pricing function
    (catalogue prices, the order-level `discount` and `shipping`), the order is written with
    every amount, and its stock is reserved (stock.services). Refused with EmptyCart or
    NotEnoughStock, writing nothing.

    For Mercado Pago, where the stock stays held until the buyer pays:
    - a second click within CHECKOUT_DUPLICATE_WINDOW returns the first order;
    - the shopper (this cart, or the signed-in account from any device) keeps at most
      CHECKOUT_MAX_UNFINISHED unpaid orders, and at most `hold_limit` units of one variant
      across them: older ones whose payment has not started are cancelled (their stock
      released) to make room, so a shopper retrying their own checkout is not refused (unless
      a payment they started is still in progress);
    - the client (the shopper, anyone using the same e-mail, or the same address
      `client_address`) may hold no more than `hold_limit` units of one variant unpaid, and
      one address start no more than CHECKOUT_HOLDS_PER_HOUR new checkouts an hour (retries
      of a shopper's own checkout are not new): beyond, HoldLimitReached or
      TooManyCheckouts, writing nothing.
    The cancelled orders are returned with the new one.
    """
    if cart.pk is None:
        raise EmptyCart(_("Your cart is empty."))
    delivery = address.address_fields()
    signed_in = user is not None and user.is_authenticated
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        lines = list(
            CartLine.objects.filter(cart=cart)
            .select_related("variant__product", "variant__color", "variant__size")
            .order_by("id")
        )
        if not lines:
            raise EmptyCart(_("Your cart is empty."))
        digest = contents_hash(lines, email=email, address=delivery)
        holds = method == PaymentMethod.MERCADO_PAGO
        # The shopper's unpaid orders that still hold stock, whatever their payment's state (a
        # pending Pix or boleto holds stock as long as an untouched link). Locked in one
        # statement in primary-key order, so two devices of one account queue, never deadlock.
        shopper = Q(cart=cart) | Q(user=user) if signed_in else Q(cart=cart)
        unfinished = (
            list(_holding(Order.objects.select_for_update().filter(shopper))) if holds else []
        )
        duplicate = _recent_duplicate([o for o in unfinished if o.cart_id == cart.pk], digest)
        if duplicate is not None:
            return duplicate, []
        for line in lines:
            if not line.variant.product.is_active:
                raise _not_enough(line)
        # A new checkout counts against the address's hourly budget once it holds stock; a
        # shopper retrying (they already hold an unfinished order) is not a new one.
        counted = holds and bool(client_address) and not unfinished
        if counted and not ratelimit.remaining(**_checkout_budget(client_address)):
            raise TooManyCheckouts(
                _(
                    "Too many checkouts were started from your connection in the last hour. "
                    "Please pay for one you started, or try again later."
                )
            )

        totals = price_lines(lines, discount=discount, shipping=shipping)
        reserved_until = timezone.now() + timedelta(seconds=settings.CHECKOUT_RESERVATION_SECONDS)
        order = Order.objects.create(
            user=user if signed_in else None,
            email=email,
            cart=cart,
            client_address=client_address or None,
            language=get_language() or settings.LANGUAGE_CODE,
            subtotal=totals.subtotal,
            discount=totals.discount,
            shipping=totals.shipping,
            total=totals.total,
            currency=totals.currency,
            contents_hash=digest,
            payment_method=method,
            reserved_until=reserved_until,
            **delivery,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                variant=line.variant,
                product_name=line.variant.product.name,
                variant_label=line.variant.label,
                unit_price=totals.line(line.pk).unit_price,
                quantity=line.quantity,
                discount=totals.line(line.pk).discount,
                line_total=totals.line(line.pk).net,
            )
            for line in lines
        )
        units = _units(lines)
        superseded = []
        if holds:
            # Under the variants' locks, so that two checkouts of one client (two fresh carts,
            # two devices) are counted one after the other, never side by side.
            variants = variants_lock(units)
            superseded = _keep_within_hold_limit(
                order=order, lines=lines, on_hand=variants, unfinished=unfinished, email=email
            )
        try:
            stock_reserve(
                owner=order.stock_owner,
                holder=stock_holder(cart.pk),
                units=units,
                until=reserved_until,
            )
        except InsufficientStock as short:
            raise _not_enough(
                next(ln for ln in lines if ln.variant_id == short.variant_id)
            ) from None
        if holds:
            superseded += _supersede_oldest([o for o in unfinished if o not in superseded])
        if counted:
            transaction.on_commit(lambda: ratelimit.spend(**_checkout_budget(client_address)))
    return order, superseded


def _holding(orders):
    """The orders among `orders` that hold stock unpaid, oldest first."""
    return orders.filter(
        payment_status__in=RESERVING_STATUSES, reserved_until__gt=timezone.now()
    ).order_by("pk")


def _checkout_budget(client_address: str) -> dict:
    return {
        "scope": "checkout-hold",
        "client": client_address,
        "limit": settings.CHECKOUT_HOLDS_PER_HOUR,
        "window": 60 * 60,
    }


def hold_limit(on_hand: int) -> int:
    """Units of a variant with `on_hand` units that one client may hold unpaid (0: no limit):
    CHECKOUT_HOLD_SHARE percent of them rounded up (so the last unit can still be bought),
    and at most CHECKOUT_HOLD_LIMIT. With the defaults: 3 of a drop of 6 or 5, 1 of the last
    unit, and 10 of a shelf of 100."""
    share, ceiling = settings.CHECKOUT_HOLD_SHARE, settings.CHECKOUT_HOLD_LIMIT
    by_share = -(-on_hand * share // 100) if share else 0  # rounded up
    limits = [n for n in (ceiling, max(by_share, 1) if share else 0) if n > 0]
    return min(limits, default=0)


def _keep_within_hold_limit(
    *,
    order: Order,
    lines: list[CartLine],
    on_hand: dict,
    unfinished: list[Order],
    email: str,
) -> list[Order]:
    """Check the new order against `hold_limit`: units of one variant held unpaid by one
    client. Other clients' holds that share the order's e-mail or address count and are
    never touched (refused with HoldLimitReached); the shopper's own older orders
    (`unfinished`, locked) are cancelled, oldest first, until the new order fits. Call with
    the variants locked."""
    units = _units(lines)
    # The units on hand as read under the variants' locks (`on_hand`: variants_lock's answer).
    limits = {line.variant_id: hold_limit(on_hand[line.variant_id].quantity) for line in lines}
    if not any(limits.values()):
        return []
    client = Q(email__iexact=email)
    if order.client_address:
        client |= Q(client_address=order.client_address)
    others = _holding(Order.objects.filter(client)).exclude(pk=order.pk)
    others = others.exclude(pk__in=[o.pk for o in unfinished])
    owners = [Order(pk=pk).stock_owner for pk in others.values_list("pk", flat=True)]
    by_others: dict[int, int] = {}
    for held in units_held_by(owners=owners, variant_ids=units).values():
        for variant_id, quantity in held.items():
            by_others[variant_id] = by_others.get(variant_id, 0) + quantity
    for line in lines:
        elsewhere, limit = by_others.get(line.variant_id, 0), limits[line.variant_id]
        if limit and line.quantity + elsewhere > limit:
            message = (
                _(
                    "Sorry, %(item)s is limited to %(limit)d per customer "
                    "while awaiting payment: please lower its quantity in your cart."
                )
                if not elsewhere
                else _(
                    "Sorry, %(item)s is limited to %(limit)d per customer "
                    "while awaiting payment, and %(held)d already wait in another unpaid "
                    "checkout from your e-mail, account or connection. Pay for that checkout "
                    "first, or try again once its payment link expires (within an hour)."
                )
            )
            raise HoldLimitReached(
                message % {"item": _item(line), "limit": limit, "held": elsewhere}
            )

    own = units_held_by(owners=[o.stock_owner for o in unfinished], variant_ids=units)
    kept = list(unfinished)
    superseded = []

    def over() -> set[int]:
        return {
            variant_id
            for variant_id, wanted in units.items()
            if limits[variant_id]
            and wanted
            + by_others.get(variant_id, 0)
            + sum(own.get(o.stock_owner, {}).get(variant_id, 0) for o in kept)
            > limits[variant_id]
        }

    while crowded := over():
        # Only a checkout whose payment has not started is replaced: one being paid (a Pix
        # or boleto under way) keeps its units, and the new checkout waits for it.
        oldest = next(
            (
                o
                for o in kept
                if o.payment_status == PaymentStatus.AWAITING_PAYMENT
                and crowded & set(own.get(o.stock_owner, {}))
            ),
            None,
        )
        if oldest is None:
            line = next(ln for ln in lines if ln.variant_id in crowded)
            raise HoldLimitReached(
                _(
                    "Sorry, %(item)s is limited to %(limit)d per customer while awaiting "
                    "payment, and a payment you started for it is still in progress. Please "
                    "wait for it to finish before ordering more."
                )
                % {"item": _item(line), "limit": limits[line.variant_id]}
            )
        order_cancel(order=oldest, note=_("Replaced by a newer checkout."))
        kept.remove(oldest)
        superseded.append(oldest)
    return superseded


def _item(line: CartLine) -> str:
    """How a refusal names a line's item: "Linen Shirt (Navy / M)", or "Linen Shirt" alone."""
    label = line.variant.label
    return f"{line.variant.product.name} ({label})" if label else line.variant.product.name


def _not_enough(line: CartLine) -> NotEnoughStock:
    return NotEnoughStock(
        _("Sorry, %(item)s no longer has %(quantity)d in stock.")
        % {"item": _item(line), "quantity": line.quantity}
    )


def _supersede_oldest(unfinished: list[Order]) -> list[Order]:
    """With the new order, keep the newest CHECKOUT_MAX_UNFINISHED unfinished; cancel older ones."""
    keep_older = settings.CHECKOUT_MAX_UNFINISHED - 1
    newest_first = sorted(unfinished, key=lambda o: (o.created_at, o.pk), reverse=True)
    superseded = newest_first[keep_older:]
    for order in superseded:
        order_cancel(order=order, note=_("Replaced by a newer checkout."))
    return superseded


def order_cancel(*, order: Order, note: str = "") -> None:
    """Cancel an unpaid order (locked by the caller); its stock is released at once."""
    _move(
        order,
        field="payment_status",
        to=PaymentStatus.CANCELLED,
        status_note=note[:200],
        cancelled_at=timezone.now(),
    )
    stock_release(owner=order.stock_owner)


def order_reopen(*, order: Order) -> None:
    """A pending payment was rejected: the order waits for a new payment again."""
    _move(order, field="payment_status", to=PaymentStatus.AWAITING_PAYMENT)


def order_mark_pending(*, order: Order) -> None:
    """A payment is being processed (a Pix or boleto not yet paid, a card under review)."""
    _move(order, field="payment_status", to=PaymentStatus.PAYMENT_PENDING)


def order_mark_paid(*, order: Order, method: str, reference: str) -> bool:
    """The one routine that marks an order paid, whatever the payment method. Call it inside a
    transaction holding the order's row lock.

    Sells the order's stock (stock.services.stock_commit: the reservation becomes a stock
    decrement), records the payment time and the invoice, removes the bought lines from the
    cart the order came from, and queues the confirmation e-mail after commit. Returns False
    when the order was paid before (nothing happens twice, whatever its statuses are now).
    Raises LostReservation, changing nothing, when the stock went to another buyer while the
    payment was not yet approved, and IllegalTransition for an order that may not be paid
    (a cancelled one).
    """
    if order.was_paid:
        return False
    if not payment_may_become(order, PaymentStatus.PAID):
        raise IllegalTransition(
            _("Order %(number)s cannot be paid now.") % {"number": order.reference}
        )
    lines = list(order.lines.select_related("variant"))
    try:
        stock_commit(
            owner=order.stock_owner, holder=stock_holder(order.cart_id), units=_units(lines)
        )
    except InsufficientStock as short:
        product = next(line.product_name for line in lines if line.variant_id == short.variant_id)
        raise LostReservation(
            _("%(product)s sold out before the payment was approved.") % {"product": product}
        ) from None
    _move(
        order,
        field="payment_status",
        to=PaymentStatus.PAID,
        payment_method=method,
        paid_at=timezone.now(),
        status_note="",
    )
    invoice_record(order=order, lines=lines, reference=reference)
    if order.cart_id is not None:
        # What was bought leaves the cart; anything added after checkout stays in it.
        CartLine.objects.filter(
            cart_id=order.cart_id, variant_id__in=[line.variant_id for line in lines]
        ).delete()
    transaction.on_commit(functools.partial(tasks.send_order_confirmation.enqueue, order.pk))
    return True


def invoice_record(*, order: Order, lines: list[OrderLine], reference: str) -> Invoice:
    """The paid order's invoice: one detail per line (with its discount) and the shipping.
    The order's stored amounts are priced again by the pricing function and must match."""
    totals = order_pricing(order=order, lines=lines)
    if totals.total != order.total or any(
        totals.line(line.pk).net != line.line_total for line in lines
    ):
        raise AmountsDoNotAddUp(f"order {order.pk}: its lines do not add up to {order.total}")
    invoice = Invoice.objects.create(
        order=order,
        buyer=order.user,
        buyer_name=order.recipient,
        buyer_email=order.email,
        issued_at=order.paid_at,
        payment_method=order.payment_method,
        payment_reference=reference[:100],
        currency=order.currency,
        subtotal=totals.subtotal,
        discount=totals.discount,
        shipping=totals.shipping,
        total=totals.total,
    )
    InvoiceDetail.objects.bulk_create(
        InvoiceDetail(
            invoice=invoice,
            product_id=line.variant.product_id,
            variant_id=line.variant_id,
            description=f"{line.product_name} ({line.variant_label})"
            if line.variant_label
            else line.product_name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            amount=line.line_total,
        )
        for line in lines
    )
    return invoice


def order_mark_refunded(*, order: Order, note: str, notify: bool = True) -> bool:
    """Mark an order refunded: out of stock after a late approval, approved after it was
    cancelled (the buyer is e-mailed once, after commit), or its payment reversed in Mercado
    Pago (notify=False: Mercado Pago tells the buyer). Whatever stock it still held is
    released; stock it sold stays sold (the goods may have shipped: staff decide). Returns
    False when it already was refunded."""
    if order.payment_status == PaymentStatus.REFUNDED:
        return False
    _move(
        order,
        field="payment_status",
        to=PaymentStatus.REFUNDED,
        status_note=note[:200],
        refunded_at=timezone.now(),
    )
    stock_release(owner=order.stock_owner)
    if notify:
        transaction.on_commit(functools.partial(tasks.send_refund_notice.enqueue, order.pk))
    return True


def orders_expire_stale() -> int:
    """Mark unpaid orders whose reservation ran out as expired (housekeeping: their stock
    already stopped counting when the reservation expired)."""
    stale = [
        status
        for status in RESERVING_STATUSES
        if PaymentStatus.EXPIRED in PAYMENT_TRANSITIONS[status]
    ]
    now = timezone.now()
    return Order.objects.filter(payment_status__in=stale, reserved_until__lte=now).update(
        payment_status=PaymentStatus.EXPIRED, expired_at=now, updated_at=now
    )


def orders_move_to_cart(*, source: Cart, target: Cart) -> int:
    """A guest's orders follow their cart into the account's cart (at login), so the buyer
    still sees them, paying one still empties the right cart, and the stock they hold stays
    held for that cart. Call inside a transaction holding both carts' locks: the orders are
    locked next (by primary key), before their reservations change hands."""
    moving = list(
        Order.objects.select_for_update()
        .filter(cart=source)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Order.objects.filter(pk__in=moving).update(cart=target)
    stock_transfer(from_holder=stock_holder(source.pk), to_holder=stock_holder(target.pk))
    return len(moving)


@transaction.atomic
def order_advance_delivery(*, order: Order, to: str) -> None:
    """Staff move a paid order's parcel along: shipped, then delivered. Refused (with
    IllegalTransition) for an order that is not paid, or for any other move."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.payment_status != PaymentStatus.PAID:
        raise IllegalTransition(
            _("Order %(number)s is not paid, so it cannot be shipped.")
            % {"number": locked.reference}
        )
    stamp = {"shipped_at": timezone.now()} if to == DeliveryStatus.SHIPPED else {}
    if to == DeliveryStatus.DELIVERED:
        stamp = {"delivered_at": timezone.now()}
    _move(locked, field="delivery_status", to=to, **stamp)
    order.delivery_status = locked.delivery_status
