"""Concurrent buyers on PostgreSQL, with real concurrent connections."""

import pytest
from django.test import Client

from checkout.tests.buyer import Buyer
from conftest import postgres_only, run_concurrently
from orders.models import Order, PaymentStatus

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def test_twenty_buyers_race_for_five_units(sandbox, catalogue):
    variant = catalogue.product(
        "Last Linen Shirts", price="99.90", stock={("Navy", "M"): 5}
    ).variants.get()
    buyers = [Buyer(Client(), sandbox) for _ in range(20)]
    for buyer in buyers:
        buyer.add(variant, 1)  # carts hold no stock: all 20 fit

    def purchase(index):
        buyer = buyers[index]
        response = buyer.confirm(email=f"buyer{index}@example.com")
        if response.status_code != 302 or not response["Location"].startswith(sandbox.url):
            return ("refused", response.status_code)
        back = buyer.come_back(buyer.pay(response["Location"], "approve"))
        return ("paid", back.status_code)

    results = run_concurrently(purchase, 20)

    assert not [r for r in results if isinstance(r, Exception)], results
    variant.refresh_from_db()
    assert variant.quantity == 0
    assert Order.objects.filter(payment_status=PaymentStatus.PAID).count() == 5
    assert sum(1 for r in results if r[0] == "paid") == 5
    assert all(r[1] < 500 for r in results)
    # The others were refused before any payment link was made.
    assert Order.objects.exclude(payment_status=PaymentStatus.PAID).count() == 0


def test_two_approvals_of_the_same_order_at_once_apply_once(sandbox, catalogue):
    from django.core import mail

    variant = catalogue.product("Shirt", stock={("Navy", "M"): 5}).variants.get()
    buyer = Buyer(Client(), sandbox)
    buyer.add(variant, 2)
    buyer.pay(buyer.pay_link(), "approve")
    webhooks = sandbox.state.take_held() * 4

    results = run_concurrently(lambda i: buyer.deliver(webhooks[i]).status_code, len(webhooks))

    assert set(results) == {200}
    variant.refresh_from_db()
    assert variant.quantity == 3
    assert len([m for m in mail.outbox if "confirmed" in m.subject]) == 1


def test_one_token_spent_from_several_browsers_at_once_never_goes_below_zero(sandbox, catalogue):
    from decimal import Decimal

    from checkout.tests.buyer import GUEST
    from payments import store_credit
    from payments.models import StoreCreditToken

    variant = catalogue.product("Shirt", price="100.00", stock={("Navy", "M"): 50}).variants.get()
    token = store_credit.token_issue(
        amount=Decimal("250.00"),
        expires_on=variant.product.created_at.date().replace(year=2099),
        actor=None,
    )
    buyers = [Buyer(Client(), sandbox) for _ in range(6)]
    for buyer in buyers:
        buyer.add(variant, 1)  # each order costs R$ 100.00: the token affords two

    results = run_concurrently(
        lambda i: buyers[i].client.post(
            "/checkout/store-credit/", {**GUEST, "token": str(token.token)}
        )["Location"],
        len(buyers),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum("/done/" in r for r in results) == 2
    assert sum(r.endswith("/failed/") for r in results) == 4
    token.refresh_from_db()
    assert token.balance == Decimal("50.00")
    assert Order.objects.filter(payment_status=PaymentStatus.PAID).count() == 2
    variant.refresh_from_db()
    assert variant.quantity == 48
    assert StoreCreditToken.objects.get().entries.count() == 3  # issued + two payments


def test_logging_in_while_the_payment_is_applied_never_deadlocks(
    sandbox, catalogue, django_user_model
):
    """A guest pays and logs in at the same moment: the login moves their cart, orders and
    reservations while the webhook applies the payment. Both take their locks in the same
    order (carts, orders, then stock), so neither waits for the other forever."""
    from cart.models import Cart
    from checkout.services import guest_cart_adopt
    from payments.mercado_pago.services import payment_apply
    from stock.models import Reservation

    variant = catalogue.product("Shirt", stock={("Navy", "M"): 50}).variants.get()
    for round_ in range(6):
        user = django_user_model.objects.create_user(email=f"ana{round_}@example.com")
        buyer = Buyer(Client(), sandbox)
        buyer.add(variant, 1)
        buyer.pay(buyer.pay_link(email=f"guest{round_}@example.com"), "approve")
        sandbox.state.take_held()
        payment_id = max(sandbox.state.payments, key=int)
        token = Cart.objects.get(user__isnull=True).token

        results = run_concurrently(
            lambda i, token=token, user=user, payment_id=payment_id: (
                guest_cart_adopt(token=token, user=user)
                if i == 0
                else payment_apply(payment_id=payment_id).result
            ),
            2,
        )

        assert not [r for r in results if isinstance(r, Exception)], results
        order = Order.objects.get(email=f"guest{round_}@example.com")
        assert order.payment_status == PaymentStatus.PAID
        assert order.cart == Cart.objects.get(user=user)
        assert not Reservation.objects.exists()
