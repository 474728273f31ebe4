"""Housekeeping of anonymous carts: `delete_abandoned_carts` (cart.services.carts_delete_abandoned)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cart import services
from cart.models import Cart, CartLine
from cart.selectors import CART_COOKIE_MAX_AGE, stock_holder
from checkout.tests.buyer import guest_address
from orders import services as order_services
from orders.models import Order, PaymentMethod
from stock.models import Reservation

pytestmark = pytest.mark.django_db

# The moment the cookie of a cart made now has expired, grace included.
LATER = timedelta(seconds=CART_COOKIE_MAX_AGE) + services.ABANDONED_CART_GRACE + timedelta(hours=1)


@pytest.fixture
def variant(catalogue):
    return catalogue.product("Linen Shirt", price="150.00", stock={("Navy", "M"): 5}).variants.get()


def cart_with(variant, *, user=None) -> Cart:
    cart = Cart(user=user)
    services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=1)
    return cart


def sweep(after: timedelta = LATER) -> int:
    return services.carts_delete_abandoned(now=timezone.now() + after)


def test_a_guest_cart_is_deleted_with_its_lines_once_its_cookie_has_expired(variant):
    cart = cart_with(variant)

    assert sweep(LATER - timedelta(hours=2)) == 0  # the cookie (and the grace day) not over yet
    assert sweep() == 1
    assert not Cart.objects.filter(pk=cart.pk).exists()
    assert not CartLine.objects.filter(cart_id=cart.pk).exists()


def test_accounts_carts_and_carts_with_a_line_added_since_are_kept(variant, django_user_model):
    account = cart_with(variant, user=django_user_model.objects.create_user(email="a@x.test"))
    touched = cart_with(variant)
    CartLine.objects.filter(cart=touched).update(added_at=timezone.now() + LATER)

    assert sweep() == 0
    assert Cart.objects.filter(pk__in=[account.pk, touched.pk]).count() == 2


def test_a_cart_whose_unpaid_order_holds_stock_is_kept_until_the_reservation_is_gone(variant):
    """Paying an unpaid order reads its cart's holder name, so its cart stays while any
    reservation is held in that name; afterwards the order outlives its cart and can still be
    paid."""
    cart = cart_with(variant)
    order, _superseded = order_services.order_place(
        cart=cart, user=None, email="guest@x.test", address=guest_address()
    )
    assert Reservation.objects.filter(holder=stock_holder(cart.pk)).exists()

    assert sweep() == 0
    assert Cart.objects.filter(pk=cart.pk).exists()

    Reservation.objects.filter(holder=stock_holder(cart.pk)).delete()  # as expire_orders does
    assert sweep() == 1

    order.refresh_from_db()
    assert order.cart_id is None and order.lines.count() == 1
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        assert order_services.order_mark_paid(
            order=locked, method=PaymentMethod.MERCADO_PAGO, reference="late"
        )
    variant.refresh_from_db()
    assert variant.quantity == 4


def test_the_command_deletes_in_batches_and_says_how_many(variant, capsys):
    carts = [cart_with(variant) for _ in range(3)]
    Cart.objects.filter(pk__in=[c.pk for c in carts]).update(updated_at=timezone.now() - LATER)
    CartLine.objects.filter(cart__in=carts).update(added_at=timezone.now() - LATER)

    assert services.carts_delete_abandoned(batch_size=2) == 3
    cart_with(variant)
    call_command("delete_abandoned_carts")

    assert "0 abandoned carts deleted" in capsys.readouterr().out
    assert Cart.objects.count() == 1
