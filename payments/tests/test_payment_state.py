"""What decides an order's payment state, whatever arrives late, twice or out of order: the
limit of unfinished payments counts pending ones, a payment that no longer decides the order
never overwrites the one that paid it, and a delivery state is not a payment state."""

import pytest
from django.core import mail

from orders import services as order_services
from orders.models import DeliveryStatus, Invoice, Order, PaymentStatus
from payments.models import MercadoPagoPayment, RefundStatus
from stock.selectors import held_units

pytestmark = pytest.mark.django_db(transaction=True)


def stock(variant):
    variant.refresh_from_db()
    return variant.quantity


def test_pending_payments_count_toward_the_limit_and_the_sixth_checkout_cancels_the_oldest(
    buyer, shirt, sandbox
):
    """An unpaid Pix or boleto stays pending at no cost: six of them must not hold the stock
    six times over."""
    buyer.add(shirt)
    payments = []
    for n in range(6):
        link = buyer.pay_link(**{"delivery-number": str(100 + n)})  # six different checkouts
        buyer.come_back(buyer.pay(link, "pending"))
        payments.append(max(sandbox.state.payments, key=int))
    sandbox.state.take_held()

    orders = list(Order.objects.order_by("created_at", "id"))
    assert [o.payment_status for o in orders] == [PaymentStatus.CANCELLED] + [
        PaymentStatus.PAYMENT_PENDING
    ] * 5
    assert held_units(variant_ids=[shirt.pk]) == {shirt.pk: 5}  # the oldest hold was released

    # The cancelled order's pending payment is approved later: it is not sold, it is refunded.
    sandbox.state.update_payment(payments[0], "approved")
    for webhook in sandbox.state.take_held():
        assert buyer.deliver(webhook).status_code == 200

    oldest = Order.objects.get(pk=orders[0].pk)
    assert oldest.payment_status == PaymentStatus.REFUNDED and not oldest.was_paid
    record = MercadoPagoPayment.objects.get(order=oldest)
    assert record.refund_status == RefundStatus.DONE
    assert sandbox.state.payments[payments[0]]["status"] == "refunded"
    assert stock(shirt) == 5 and not Invoice.objects.exists()
    assert [m.to for m in mail.outbox if "refunded" in m.subject] == [["guest@example.com"]]


def test_reconcile_refunds_an_approval_on_a_cancelled_order_whose_notification_was_lost(
    buyer, shirt, sandbox
):
    from django.core.management import call_command

    buyer.add(shirt)
    buyer.come_back(buyer.pay(buyer.pay_link(), "pending"))  # a boleto, not paid yet
    first = max(sandbox.state.payments, key=int)
    for n in range(5):
        buyer.pay_link(**{"delivery-number": str(200 + n)})
    oldest = Order.objects.order_by("created_at", "id").first()
    assert oldest.payment_status == PaymentStatus.CANCELLED  # cancelled by the sixth checkout
    sandbox.state.update_payment(first, "approved")
    sandbox.state.take_held()  # every notification lost

    call_command("reconcile_payments")

    oldest.refresh_from_db()
    assert oldest.payment_status == PaymentStatus.REFUNDED
    assert sandbox.state.payments[first]["status"] == "refunded"
    assert stock(shirt) == 5


def test_a_checkout_replaced_while_mercado_pago_is_down_still_has_its_link_expired(
    buyer, shirt, sandbox
):
    import requests

    buyer.add(shirt)
    links = [buyer.pay_link(**{"delivery-number": str(100 + n)}) for n in range(5)]
    sandbox.state.behaviour.fail_next = 1  # the sixth checkout's new link fails

    refused = buyer.confirm(**{"delivery-number": "999"})

    assert refused.status_code == 409 and b"could not reach Mercado Pago" in refused.content
    assert requests.get(links[0], timeout=5).status_code == 410  # the replaced order's link
    assert Order.objects.order_by("id").first().payment_status == PaymentStatus.CANCELLED


def test_a_late_rejection_never_overwrites_the_payment_that_paid_the_order(buyer, shirt, sandbox):
    buyer.add(shirt)
    link = buyer.pay_link()
    rejected = buyer.pay(link, "reject")
    seen = buyer.client.get(buyer.come_back(rejected)["Location"]).content.decode()
    assert "not approved" in seen
    approved = buyer.pay(link, "approve")  # the shopper tries again and pays
    seen = buyer.client.get(buyer.come_back(approved)["Location"]).content.decode()
    assert "Thank you! Your payment was approved." in seen
    record = MercadoPagoPayment.objects.get()
    paid_with = record.approved_payment_id
    assert Order.objects.get().payment_status == PaymentStatus.PAID

    # The rejected return opened again from the browser's history...
    back = buyer.come_back(rejected)
    page = buyer.client.get(back["Location"]).content.decode()
    # ...and the rejected payment's notifications arriving late, in any order.
    for webhook in sandbox.state.take_held(reverse=True):
        assert buyer.deliver(webhook).status_code == 200

    assert 'data-status="paid"' in page and "not approved" not in page
    record.refresh_from_db()
    assert (record.payment_id, record.status) == (paid_with, "approved")
    assert record.approved_payment_id == paid_with
    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.PAID and stock(shirt) == 4


def test_an_older_rejection_does_not_reopen_an_order_whose_newer_payment_is_pending(
    buyer, shirt, sandbox
):
    buyer.add(shirt)
    link = buyer.pay_link()
    rejected = buyer.pay(link, "reject")
    buyer.come_back(buyer.pay(link, "pending"))  # the retry, by boleto
    assert Order.objects.get().payment_status == PaymentStatus.PAYMENT_PENDING

    buyer.come_back(rejected)  # the first attempt's return, late

    assert Order.objects.get().payment_status == PaymentStatus.PAYMENT_PENDING


def test_a_shipped_order_is_unchanged_by_a_duplicate_approved_webhook(buyer, shirt, sandbox):
    buyer.add(shirt, 2)
    buyer.come_back(buyer.pay(buyer.pay_link(), "approve"))
    webhooks = sandbox.state.take_held()
    order = Order.objects.get()
    order_services.order_advance_delivery(order=order, to=DeliveryStatus.SHIPPED)
    before = Order.objects.values().get()

    answers = [buyer.deliver(webhook) for webhook in webhooks + webhooks]

    assert [answer.status_code for answer in answers] == [200] * len(answers)
    assert Order.objects.values().get() == before  # not re-paid, not even touched
    assert before["payment_status"] == PaymentStatus.PAID
    assert before["delivery_status"] == DeliveryStatus.SHIPPED
    assert Invoice.objects.count() == 1 and stock(shirt) == 3
    assert len([m for m in mail.outbox if "is confirmed" in m.subject]) == 1


def test_the_order_page_shows_the_delivery_apart_from_the_payment(buyer, shirt, sandbox):
    buyer.add(shirt)
    back = buyer.come_back(buyer.pay(buyer.pay_link(), "approve"))
    order_services.order_advance_delivery(order=Order.objects.get(), to=DeliveryStatus.SHIPPED)

    page = buyer.client.get(back["Location"]).content.decode()

    assert 'data-testid="order-status" data-status="paid"' in page
    assert 'data-testid="delivery-status" data-status="shipped"' in page
