"""What the store sends to Mercado Pago comes from the pricing function and adds up to the
order's total, discounts and shipping included; and a payment of that total is accepted
whichever way Mercado Pago reports the shipping."""

from decimal import Decimal

import pytest

import pricing
from cart import services as cart_services
from cart.models import Cart
from checkout.tests.buyer import guest_address
from orders import services as orders
from orders.models import Order, PaymentStatus
from payments.mercado_pago import services

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture
def order(catalogue, sandbox):
    """Three socks at R$ 3.33 and a tee at R$ 5.00 (×3), R$ 1.00 off, R$ 19.90 shipping."""
    cart = Cart()
    for name, price, quantity in (("Sock", "3.33", 3), ("Tee", "5.00", 3)):
        variant = catalogue.product(name, price=price, stock={("Navy", "M"): 9}).variants.get()
        cart_services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=quantity)
    placed, _ = orders.order_place(
        cart=cart,
        user=None,
        email="ana@example.com",
        address=guest_address(),
        discount=pricing.Discount(amount=D("1.00")),
        shipping=D("19.90"),
    )
    return placed


def test_the_preference_items_and_shipping_add_up_to_the_order_total(order, sandbox):
    services.payment_link(order=order)

    [preference] = sandbox.state.preferences.values()
    items = [(item["quantity"], D(str(item["unit_price"]))) for item in preference["items"]]
    shipping = D(str(preference["shipments"]["cost"]))
    assert order.total == D("43.89")  # 9.99 + 15.00 - 1.00 + 19.90
    assert pricing.total_of(items, shipping=shipping) == order.total
    assert shipping == D("19.90")
    # The socks' share of the discount (R$ 0.40 of 9.99) does not divide by 3: two items.
    assert sorted(items) == [(1, D("3.19")), (2, D("3.20")), (3, D("4.80"))]


@pytest.mark.parametrize("shipping_in_amount", [True, False])
def test_a_payment_of_the_total_is_accepted_however_the_shipping_is_reported(
    order, sandbox, shipping_in_amount
):
    sandbox.state.behaviour.shipping_in_amount = shipping_in_amount
    pref_id = services.payment_link(order=order).split("pref_id=")[1]
    payment = sandbox.state.create_payment(pref_id, "approve")

    outcome = services.payment_apply(payment_id=str(payment["id"]))

    assert outcome.result == "paid"
    assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.PAID


def test_a_payment_short_of_the_shipping_is_refused(order, sandbox):
    pref_id = services.payment_link(order=order).split("pref_id=")[1]
    payment = sandbox.state.create_payment(pref_id, "approve", amount=D("22.99"))

    with pytest.raises(services.PaymentMismatch):
        services.payment_apply(payment_id=str(payment["id"]))
    assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.AWAITING_PAYMENT
