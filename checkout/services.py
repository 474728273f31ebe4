"""Checkout coordinates; it owns no data. It takes the cart, the buyer's address and the
payment method to the services that own them: orders (place the order, reserve its stock,
mark it paid), payments (a Mercado Pago link, a store-credit charge) and carts."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from accounts.models import PostalAddress
from cart import selectors as cart_selectors
from cart import services as cart_services
from cart.models import Cart
from cart.services import StockAdjustment
from orders import services as orders
from orders.models import Order, PaymentMethod
from payments import store_credit
from payments.mercado_pago import services as mercado_pago
from payments.models import StoreCreditEntry


def checkout_confirm(
    *, cart: Cart, user, email: str, address: PostalAddress, client_address: str | None = None
) -> str:
    """Place the order from the cart (reserving its stock for an hour) and return the Mercado
    Pago payment link to send the buyer to.

    A second click with the same cart and address within a short window gets the same order
    and link. Placing an order beyond the shopper's limits of unfinished orders cancels the
    oldest and expires its link. Raises orders.NotEnoughStock / orders.EmptyCart, and, beyond
    what one client (`client_address`, e-mail, account) may hold unpaid,
    orders.HoldLimitReached / orders.TooManyCheckouts (nothing written); or
    mercado_pago.LinkUnavailable when Mercado Pago cannot be reached (the new order is
    cancelled, its stock released).
    """
    order, superseded = orders.order_place(
        cart=cart, user=user, email=email, address=address, client_address=client_address
    )
    try:
        return mercado_pago.payment_link(order=order)
    finally:  # the replaced orders are cancelled whatever happens to the new link
        for old in superseded:
            mercado_pago.payment_link_expire(order=old)


def checkout_pay_with_token(
    *, cart: Cart, user, email: str, address: PostalAddress, code: str
) -> tuple[Order, StoreCreditEntry]:
    """Pay the whole cart with store credit, all or nothing, in one transaction.

    Locks the token (and checks the shopper may spend it), then places the order, which locks
    the cart and the stock; charges the order's total to the token (with its ledger entry) and
    marks the order paid through the same routine as Mercado Pago (stock sold, invoice
    recorded, cart emptied, e-mail after commit). Any refusal raises a ShopError
    (store_credit.StoreCreditError, orders.OrderError) and leaves everything unchanged.
    """
    with transaction.atomic():
        token = store_credit.token_lock_for_payment(code=code, user=user)
        order, _superseded = orders.order_place(
            cart=cart, user=user, email=email, address=address, method=PaymentMethod.STORE_CREDIT
        )
        entry = store_credit.token_charge(token=token, order=order, actor=user)
        locked_order = Order.objects.select_for_update().get(pk=order.pk)
        orders.order_mark_paid(
            order=locked_order,
            method=PaymentMethod.STORE_CREDIT,
            reference=store_credit.token_masked(token),
        )
    return locked_order, entry


def guest_cart_adopt(*, token: str, user) -> list[StockAdjustment]:
    """On the first request after logging in: the guest's cart (named by the cart cookie)
    moves into the account's cart, and the guest's orders follow it (the buyer still sees
    them, their stock stays held for them, and paying one empties the right cart). Returns the
    lines that had to shrink to fit the stock. Safe to run twice: the second finds nothing."""
    source = cart_selectors.cart_for(user=AnonymousUser(), token=token)
    with transaction.atomic():
        # Lock order: both carts, then the guest's orders (which hands their reservations to
        # the account's cart), then the lines; as everywhere, carts before orders before stock.
        target = cart_services.cart_merge_lock(source=source, user=user)
        if target is None:
            return []
        orders.orders_move_to_cart(source=source, target=target)
        adjustments = cart_services.cart_merge_lines(source=source, target=target)
        cart_services.cart_delete(cart=source)
    return adjustments
