"""Payments that arrive wrong or change after the fact, and the budget on the buyer's return."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from orders.models import Invoice, Order, PaymentStatus

# Real commits: e-mails and refunds are queued after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def the_order() -> Order:
    return Order.objects.get()


def stock(variant) -> int:
    variant.refresh_from_db()
    return variant.quantity


def test_an_approved_payment_that_does_not_match_is_refunded_once(buyer, shirt, sandbox):
    buyer.add(shirt)
    buyer.pay_link()
    [pref_id] = sandbox.state.preferences
    payment = sandbox.state.create_payment(pref_id, "approve", amount=Decimal("1.00"))

    response = buyer.client.get(reverse("payments:finalize"), {"payment_id": payment["id"]})
    for webhook in sandbox.state.take_held():  # and Mercado Pago's notifications after it
        assert buyer.deliver(webhook).status_code == 200

    assert response.status_code == 400
    assert [refund["amount"] for refund in payment["refunds"]] == [1.0]
    assert the_order().payment_status == PaymentStatus.AWAITING_PAYMENT and stock(shirt) == 5


def test_a_mismatched_payment_is_refunded_by_a_retry_when_mercado_pago_was_down(
    buyer, shirt, sandbox
):
    buyer.add(shirt)
    buyer.pay_link()
    [pref_id] = sandbox.state.preferences
    payment = sandbox.state.create_payment(pref_id, "approve", amount=Decimal("1.00"))
    [webhook] = sandbox.state.take_held()
    sandbox.state.behaviour.fail_refunds = 1

    assert buyer.deliver(webhook).status_code == 503  # Mercado Pago will notify again
    assert payment["refunds"] == []
    assert buyer.deliver(webhook).status_code == 200
    assert len(payment["refunds"]) == 1


@pytest.mark.parametrize("reversal", ["refunded", "charged_back"])
def test_a_paid_order_whose_payment_is_reversed_stops_counting_as_paid(
    buyer, shirt, sandbox, reversal
):
    buyer.add(shirt)
    buyer.come_back(buyer.pay(buyer.pay_link(), "approve"))
    assert the_order().payment_status == PaymentStatus.PAID
    [payment_id] = sandbox.state.payments
    sandbox.state.take_held()
    mail.outbox.clear()

    sandbox.state.update_payment(payment_id, reversal)  # staff refund it, or the bank does
    for webhook in sandbox.state.take_held():
        assert buyer.deliver(webhook).status_code == 200

    order = the_order()
    assert order.payment_status == PaymentStatus.REFUNDED and order.status_note
    assert Invoice.objects.filter(order=order).count() == 1  # the invoice stays on record
    assert stock(shirt) == 4  # the goods may have shipped: staff decide about stock
    assert mail.outbox == []  # Mercado Pago tells the buyer; our e-mail is about sold-out items


def test_with_the_database_backend_work_waits_for_a_worker(buyer, shirt, sandbox, settings):
    """Production queues e-mails in the database for `db_worker` processes on any machine."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    buyer.add(shirt)
    buyer.come_back(buyer.pay(buyer.pay_link(), "approve"))

    assert the_order().payment_status == PaymentStatus.PAID
    assert mail.outbox == [] and DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert [m.to for m in mail.outbox] == [["guest@example.com"]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_reversal_of_some_other_payment_leaves_the_paid_order_alone(buyer, shirt, sandbox):
    buyer.add(shirt)
    link = buyer.pay_link()
    buyer.come_back(buyer.pay(link, "reject"))
    buyer.come_back(buyer.pay(link, "approve"))
    rejected_id = min(sandbox.state.payments)
    sandbox.state.take_held()

    sandbox.state.update_payment(rejected_id, "refunded")
    for webhook in sandbox.state.take_held():
        buyer.deliver(webhook)

    assert the_order().payment_status == PaymentStatus.PAID


def test_the_buyers_return_has_a_budget_per_client(client, sandbox, settings, monkeypatch):
    """Each return asks Mercado Pago about a payment; a client hammering the page with made-up
    ids is cut off before it costs more calls (and before Mercado Pago throttles the shop)."""
    from django.test import Client

    from payments.mercado_pago import gateway

    settings.PAYMENT_RETURN_RATE_LIMIT = 3
    asked = []
    real_get_payment = gateway.get_payment
    monkeypatch.setattr(
        gateway, "get_payment", lambda **kw: asked.append(kw) or real_get_payment(**kw)
    )

    answers = [
        client.get(reverse("payments:finalize"), {"payment_id": str(n)}).status_code
        for n in range(1000, 1005)
    ]
    elsewhere = Client(REMOTE_ADDR="192.0.2.7").get(
        reverse("payments:finalize"), {"payment_id": "2000"}
    )

    assert answers == [404, 404, 404, 429, 429]
    assert len(asked) == 4 and elsewhere.status_code == 404  # another client has its own budget


def test_reconcile_frees_the_stock_of_an_order_that_never_got_a_payment_link(buyer, shirt, sandbox):
    """A process that died between placing the order and storing its link leaves an order
    nobody can pay; the housekeeping cancels it once no confirm can still be on its way."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Address
    from cart.models import Cart
    from orders import services as orders

    buyer.add(shirt, 5)
    buyer.pay_link()
    linked = Order.objects.get()
    address = Address(**dict.fromkeys(Address.ADDRESS_FIELDS, "x"))
    dead, _ = orders.order_place(cart=Cart.objects.get(), user=None, email="x", address=address)
    call_command("reconcile_payments")
    assert (
        Order.objects.get(pk=dead.pk).payment_status == PaymentStatus.AWAITING_PAYMENT
    )  # may be in flight

    Order.objects.update(created_at=timezone.now() - timedelta(minutes=3))
    call_command("reconcile_payments")

    assert Order.objects.get(pk=dead.pk).payment_status == PaymentStatus.CANCELLED
    assert Order.objects.get(pk=linked.pk).payment_status == PaymentStatus.AWAITING_PAYMENT


def test_paying_removes_what_was_bought_and_keeps_what_was_added_after_checkout(
    buyer, shirt, sandbox, catalogue
):
    from cart.models import CartLine

    tote = catalogue.product("Tote", price="40.00", stock=3).variants.get()
    buyer.add(shirt)
    link = buyer.pay_link()
    buyer.add(tote)  # in another tab, while paying

    buyer.come_back(buyer.pay(link, "approve"))

    assert the_order().payment_status == PaymentStatus.PAID and the_order().total == Decimal(
        "150.00"
    )
    assert [(line.variant_id, line.quantity) for line in CartLine.objects.all()] == [(tote.pk, 1)]


def test_an_order_whose_units_another_order_of_the_cart_bought_offers_no_payment(
    buyer, shirt, sandbox
):
    """Two checkouts of one cart both hold its units (a shopper's own orders never take stock
    away from them). Once one is paid, paying the other would only be refunded: its page says
    so instead of offering the link."""
    buyer.add(shirt, 5)
    first_link = buyer.pay_link()
    first = Order.objects.get()
    assert 'data-testid="pay-again"' in buyer.client.get(first.signed_url()).content.decode()
    second_link = buyer.pay_link(email="other@example.com")
    assert second_link != first_link

    buyer.come_back(buyer.pay(second_link, "approve"))

    page = buyer.client.get(first.signed_url()).content.decode()
    assert 'data-testid="pay-again"' not in page and first_link not in page
    assert 'data-testid="no-longer-payable"' in page
    assert Order.objects.get(pk=first.pk).payment_status == PaymentStatus.AWAITING_PAYMENT
