"""The whole purchase against the sandbox over HTTP, through the real SDK."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from cart.models import CartLine
from checkout.tests.buyer import an_hour_passes
from orders.models import Order, PaymentStatus
from payments.models import MercadoPagoPayment, RefundStatus

# Real commits: e-mails are sent after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def stock(variant):
    variant.refresh_from_db()
    return variant.quantity


def the_order():
    return Order.objects.get()


def confirmation_emails():
    return [m for m in mail.outbox if "is confirmed" in m.subject]


def test_approved_purchase_marks_paid_decrements_stock_empties_cart_and_emails(
    buyer, shirt, sandbox
):
    buyer.add(shirt, 2)
    link = buyer.pay_link()
    order = the_order()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT and order.total == Decimal(
        "300.00"
    )
    assert stock(shirt) == 5  # reserved, not yet sold

    response = buyer.come_back(buyer.pay(link, "approve"))

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID and order.paid_at is not None
    assert stock(shirt) == 3
    assert not CartLine.objects.exists()
    assert response.status_code == 302 and response["Location"] == order.signed_url()
    page = buyer.client.get(response["Location"]).content.decode()
    assert 'data-status="paid"' in page and "Thank you! Your payment was approved." in page
    [email] = confirmation_emails()
    assert email.to == ["guest@example.com"] and "R$300.00" in email.body
    assert "R$300.00" in email.alternatives[0][0]


def test_the_preference_carries_server_amounts_reference_urls_and_expiry(
    buyer, shirt, sandbox, settings
):
    buyer.add(shirt, 2)
    buyer.pay_link()
    order = the_order()

    [preference] = sandbox.state.preferences.values()

    assert preference["external_reference"] == str(order.pk)
    assert preference["items"] == [
        {
            "id": str(shirt.pk),
            "title": "Linen Shirt (Navy / M)",
            "quantity": 2,
            "unit_price": 150.0,
            "currency_id": "BRL",
        }
    ]
    assert preference["back_urls"]["success"] == settings.SITE_URL + reverse("payments:finalize")
    assert preference["notification_url"] == settings.SITE_URL + reverse("payments:webhook")
    assert preference["expires"] is True
    assert preference["expiration_date_to"].startswith(
        order.reserved_until.isoformat(timespec="milliseconds")[:19]
    )
    assert (order.reserved_until - order.created_at).total_seconds() == pytest.approx(3600, abs=5)


def test_rejected_payment_keeps_the_order_open_and_a_retry_approves_it(buyer, shirt, sandbox):
    buyer.add(shirt)
    link = buyer.pay_link()

    rejected = buyer.come_back(buyer.pay(link, "reject"))
    page = buyer.client.get(rejected["Location"]).content.decode()
    assert "Your payment was not approved" in page
    assert the_order().payment_status == PaymentStatus.AWAITING_PAYMENT
    assert CartLine.objects.exists() and stock(shirt) == 5

    # Back to the cart and confirm again: the same order and link come back.
    assert buyer.pay_link() == link
    buyer.come_back(buyer.pay(link, "approve"))

    assert the_order().payment_status == PaymentStatus.PAID and stock(shirt) == 4


def test_pending_payment_is_completed_by_the_webhook(buyer, shirt, sandbox):
    buyer.add(shirt)
    link = buyer.pay_link()
    back = buyer.come_back(buyer.pay(link, "pending"))
    assert the_order().payment_status == PaymentStatus.PAYMENT_PENDING
    assert "being processed" in buyer.client.get(back["Location"]).content.decode()
    payment_id = MercadoPagoPayment.objects.get().payment_id
    sandbox.state.take_held()

    sandbox.state.update_payment(payment_id, "approved")
    [webhook] = sandbox.state.take_held()
    response = buyer.deliver(webhook)

    assert response.status_code == 200
    assert the_order().payment_status == PaymentStatus.PAID and stock(shirt) == 4
    assert len(confirmation_emails()) == 1


def test_webhook_before_the_redirect_then_the_redirect(buyer, shirt, sandbox):
    buyer.add(shirt)
    back = buyer.pay(buyer.pay_link(), "approve")
    [webhook] = sandbox.state.take_held()

    assert buyer.deliver(webhook).status_code == 200
    assert the_order().payment_status == PaymentStatus.PAID
    response = buyer.come_back(back)

    assert response.status_code == 302
    assert stock(shirt) == 4 and len(confirmation_emails()) == 1


def test_duplicate_and_out_of_order_webhooks_apply_once(buyer, shirt, sandbox):
    sandbox.state.behaviour.webhook_copies = 3
    buyer.add(shirt)
    link = buyer.pay_link()
    buyer.pay(link, "pending")
    [payment_id] = sandbox.state.payments
    sandbox.state.update_payment(payment_id, "approved")

    webhooks = sandbox.state.take_held(reverse=True)  # "approved" arrives before "created"
    statuses = [buyer.deliver(webhook).status_code for webhook in webhooks]

    assert statuses == [200] * 6
    assert the_order().payment_status == PaymentStatus.PAID
    assert stock(shirt) == 4 and len(confirmation_emails()) == 1


def test_the_webhook_alone_completes_the_order_when_the_buyer_never_returns(buyer, shirt, sandbox):
    buyer.add(shirt, 3)
    buyer.pay(buyer.pay_link(), "approve")  # the browser is closed here

    for webhook in sandbox.state.take_held():
        assert buyer.deliver(webhook).status_code == 200

    assert the_order().payment_status == PaymentStatus.PAID and stock(shirt) == 2
    assert not CartLine.objects.exists() and len(confirmation_emails()) == 1


def test_an_expired_link_cannot_be_paid_and_its_stock_is_free_again(
    buyer, shirt, sandbox, catalogue
):
    import requests

    buyer.add(shirt, 5)
    link = buyer.pay_link()
    an_hour_passes()  # an hour has passed
    for preference in sandbox.state.preferences.values():
        preference["expiration_date_to"] = "2000-01-01T00:00:00.000-03:00"

    assert requests.get(link, timeout=5).status_code == 410
    other = type(buyer)(type(buyer.client)(), sandbox)
    other.add(shirt, 5)  # the expired reservation no longer holds stock
    assert CartLine.objects.filter(quantity=5).count() == 2


def test_a_sixth_unfinished_payment_cancels_the_oldest_and_expires_its_link(buyer, shirt, sandbox):
    buyer.add(shirt)
    links = []
    for n in range(6):
        links.append(buyer.pay_link(**{"delivery-number": str(100 + n)}))  # six different checkouts

    orders = list(Order.objects.order_by("created_at", "id"))
    assert [o.payment_status for o in orders] == [PaymentStatus.CANCELLED] + [
        PaymentStatus.AWAITING_PAYMENT
    ] * 5
    import requests

    assert requests.get(links[0], timeout=5).status_code == 410  # its link was expired
    assert all(requests.get(link, timeout=5).status_code == 200 for link in links[1:])
    # The cancelled order holds no stock: only the five open ones do.
    from stock.selectors import held_units

    assert held_units(variant_ids=[shirt.pk]) == {shirt.pk: 5}


def test_two_clicks_on_confirm_make_one_order_and_one_link(buyer, shirt, sandbox):
    buyer.add(shirt)

    first, second = buyer.pay_link(), buyer.pay_link()

    assert first == second
    assert Order.objects.count() == 1 and len(sandbox.state.preferences) == 1


def test_a_signed_in_shopper_sees_the_order_in_their_orders(
    client, sandbox, shirt, django_user_model
):
    from accounts.models import Address

    ana = django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
    address = Address.objects.create(
        user=ana, recipient="Ana", street="Rua A", number="1", district="Centro", city="Rio",
        state="RJ", postal_code="20000-000", phone="(21) 99999-0000", is_default=True,
    )  # fmt: skip
    client.force_login(ana)
    buyer = type("B", (), {})  # reuse helpers through the fixture's class
    from checkout.tests.buyer import Buyer

    buyer = Buyer(client, sandbox)
    buyer.add(shirt)
    link = client.post(reverse("checkout:confirm"), {"address": address.pk})["Location"]
    back = buyer.come_back(buyer.pay(link, "approve"))

    order = the_order()
    assert back["Location"] == order.get_absolute_url()
    assert order.user == ana and order.email == "ana@example.com" and order.recipient == "Ana"
    listing = client.get(reverse("orders:list")).content.decode()
    assert order.reference in listing and 'data-status="paid"' in listing


class TestForgeries:
    def test_a_query_string_that_says_approved_changes_nothing(self, buyer, shirt, sandbox):
        buyer.add(shirt)
        buyer.pay_link()
        order = the_order()

        for query in (
            {"status": "approved", "collection_status": "approved", "external_reference": order.pk},
            {"status": "approved", "payment_id": "123456789", "external_reference": order.pk},
            {"payment_id": "null", "status": "approved"},
            {"payment_id": "abc'; drop table", "status": "approved"},
        ):
            response = buyer.client.get(reverse("payments:finalize"), query)
            assert response.status_code in (400, 404)

        order.refresh_from_db()
        assert order.payment_status == PaymentStatus.AWAITING_PAYMENT and stock(shirt) == 5

    @pytest.mark.parametrize(
        "query",
        [{"preference_id": "\x00"}, {"preference_id": "44444-a\x00b", "payment_id": "null"}],
    )
    def test_a_preference_id_with_a_nul_is_not_found(self, client, sandbox, query):
        assert client.get(reverse("payments:finalize"), query).status_code == 404

    def test_a_rejected_payment_id_with_status_approved_in_the_query_changes_nothing(
        self, buyer, shirt, sandbox
    ):
        buyer.add(shirt)
        back = buyer.pay(buyer.pay_link(), "reject")

        buyer.come_back(
            back.replace("status=rejected", "status=approved").replace(
                "collection_status=rejected", "collection_status=approved"
            )
        )

        assert the_order().payment_status == PaymentStatus.AWAITING_PAYMENT and stock(shirt) == 5

    def test_another_shoppers_payment_id_reveals_nothing(self, buyer, shirt, sandbox, client):
        from django.test import Client

        buyer.add(shirt)
        back = buyer.pay(buyer.pay_link(), "approve")
        stranger = Client()

        from urllib.parse import urlsplit

        parts = urlsplit(back)
        response = stranger.get(f"{parts.path}?{parts.query}")

        assert response.status_code == 404
        assert "Linen Shirt" not in response.content.decode()
        # The real payment was still applied: the buyer loses nothing.
        assert the_order().payment_status == PaymentStatus.PAID

    @pytest.mark.parametrize(
        ("amount", "currency"),
        [(Decimal("1.00"), "BRL"), (Decimal("150.01"), "BRL"), (Decimal("150.00"), "USD")],
    )
    def test_a_payment_whose_amount_or_currency_differs_is_not_applied(
        self, buyer, shirt, sandbox, amount, currency
    ):
        buyer.add(shirt)
        buyer.pay_link()
        [pref_id] = sandbox.state.preferences
        payment = sandbox.state.create_payment(pref_id, "approve", amount=amount, currency=currency)

        response = buyer.client.get(
            reverse("payments:finalize"), {"payment_id": payment["id"], "status": "approved"}
        )

        assert response.status_code == 400
        for webhook in sandbox.state.take_held():
            assert buyer.deliver(webhook).status_code == 200
        assert the_order().payment_status == PaymentStatus.AWAITING_PAYMENT and stock(shirt) == 5

    def test_a_payment_for_an_unknown_reference_is_ignored(self, buyer, shirt, sandbox):
        buyer.add(shirt)
        buyer.pay_link()
        [pref_id] = sandbox.state.preferences
        payment = sandbox.state.create_payment(pref_id, "approve", reference="999999")

        response = buyer.client.get(reverse("payments:finalize"), {"payment_id": payment["id"]})

        assert response.status_code == 404
        assert the_order().payment_status == PaymentStatus.AWAITING_PAYMENT


class TestWebhookSecurity:
    def test_bad_old_and_missing_signatures_are_refused(self, buyer, shirt, sandbox):
        import time

        from payments.mercado_pago.sandbox import sign

        buyer.add(shirt)
        buyer.pay(buyer.pay_link(), "approve")
        [webhook] = sandbox.state.take_held()
        payment_id = webhook.payment_id
        old_ts = str(int(time.time()) - 600)
        variants = [
            {**webhook.headers, "x-signature": "ts=1,v1=deadbeef"},
            {
                **webhook.headers,
                "x-signature": webhook.headers["x-signature"].replace("v1=", "v1=0"),
            },
            {k: v for k, v in webhook.headers.items() if k != "x-signature"},
            {
                **webhook.headers,
                "x-signature": f"ts={old_ts},v1="
                + sign(
                    secret="test-webhook-secret",
                    data_id=payment_id,
                    request_id=webhook.headers["x-request-id"],
                    ts=old_ts,
                ),
            },
            {
                **webhook.headers,
                "x-signature": "ts="
                + str(int(time.time()))
                + ",v1="
                + sign(
                    secret="wrong",
                    data_id=payment_id,
                    request_id=webhook.headers["x-request-id"],
                    ts=str(int(time.time())),
                ),
            },
        ]
        for headers in variants:
            forged = type(webhook)(
                url=webhook.url, headers=headers, body=webhook.body, payment_id=payment_id
            )
            assert buyer.deliver(forged).status_code == 401

        assert the_order().payment_status == PaymentStatus.AWAITING_PAYMENT
        assert buyer.deliver(webhook).status_code == 200  # the genuine one still works
        assert the_order().payment_status == PaymentStatus.PAID

    def test_a_signature_for_another_payment_id_is_refused(self, buyer, shirt, sandbox):
        buyer.add(shirt)
        buyer.pay(buyer.pay_link(), "approve")
        [webhook] = sandbox.state.take_held()
        swapped = type(webhook)(
            url=webhook.url.replace(f"data.id={webhook.payment_id}", "data.id=1"),
            headers=webhook.headers,
            body=webhook.body,
            payment_id="1",
        )

        assert buyer.deliver(swapped).status_code == 401

    @pytest.mark.parametrize(
        "body",
        [b"not json", b"[1, 2]", b"\xff\xfe", b"[" * 100_000, b'{"a":' * 100_000 + b"1"],
        ids=["text", "list", "bytes", "deeply-nested-list", "deeply-nested-object"],
    )
    def test_malformed_bodies_are_refused(self, client, body):
        response = client.post(
            reverse("payments:webhook") + "?data.id=1&type=payment",
            data=body,
            content_type="application/json",
        )

        assert response.status_code == 400

    def test_get_is_refused(self, client):
        assert client.get(reverse("payments:webhook")).status_code == 405

    def test_other_topics_are_acknowledged_and_ignored(self, client, settings, sandbox):
        import time
        import uuid

        from payments.mercado_pago.sandbox import sign

        ts, request_id = str(int(time.time())), str(uuid.uuid4())
        signature = sign(
            secret=settings.MERCADOPAGO_WEBHOOK_SECRET, data_id="77", request_id=request_id, ts=ts
        )
        response = client.post(
            reverse("payments:webhook") + "?data.id=77&type=merchant_order",
            data=b'{"type": "merchant_order"}',
            content_type="application/json",
            headers={"x-signature": f"ts={ts},v1={signature}", "x-request-id": request_id},
        )

        assert response.status_code == 200 and response.json() == {"status": "ignored"}


class TestMercadoPagoDownOrSlow:
    def test_down_at_confirm_refuses_clearly_and_releases_the_stock(self, buyer, shirt, sandbox):
        buyer.add(shirt, 5)
        sandbox.state.behaviour.fail_next = 1

        response = buyer.confirm()

        assert response.status_code == 409
        assert "We could not reach Mercado Pago" in response.content.decode()
        assert the_order().payment_status == PaymentStatus.CANCELLED
        assert CartLine.objects.get().quantity == 5
        # Trying again works, and the cancelled order holds nothing.
        assert buyer.pay_link().startswith(sandbox.url)

    def test_slow_at_confirm_times_out_quickly(self, buyer, shirt, sandbox, settings):
        settings.MERCADOPAGO_TIMEOUT = 0.5
        sandbox.state.behaviour.hang_next, sandbox.state.behaviour.hang_seconds = 1, 3
        buyer.add(shirt)

        response = buyer.confirm()

        assert response.status_code == 409 and the_order().payment_status == PaymentStatus.CANCELLED

    def test_down_at_finalize_loses_nothing_and_the_webhook_completes_it(
        self, buyer, shirt, sandbox
    ):
        buyer.add(shirt)
        back = buyer.pay(buyer.pay_link(), "approve")
        sandbox.state.behaviour.fail_next = 1

        response = buyer.come_back(back)

        assert response.status_code == 503
        assert "Mercado Pago is not answering" in response.content.decode()
        assert the_order().payment_status == PaymentStatus.AWAITING_PAYMENT
        [webhook] = sandbox.state.take_held()
        assert buyer.deliver(webhook).status_code == 200
        assert the_order().payment_status == PaymentStatus.PAID and stock(shirt) == 4

    def test_down_at_webhook_time_asks_for_a_retry_which_completes_it(
        self, buyer, shirt, sandbox, settings
    ):
        buyer.add(shirt)
        buyer.pay(buyer.pay_link(), "approve")
        [webhook] = sandbox.state.take_held()
        settings.MERCADOPAGO_TIMEOUT = 0.5
        sandbox.state.behaviour.hang_next, sandbox.state.behaviour.hang_seconds = 1, 2

        assert buyer.deliver(webhook).status_code == 503
        assert the_order().payment_status == PaymentStatus.AWAITING_PAYMENT

        assert buyer.deliver(webhook).status_code == 200  # Mercado Pago's retry
        assert the_order().payment_status == PaymentStatus.PAID

    def test_reconcile_finds_a_payment_whose_notifications_were_all_lost(
        self, buyer, shirt, sandbox
    ):
        from django.core.management import call_command

        buyer.add(shirt)
        buyer.pay(buyer.pay_link(), "approve")
        sandbox.state.take_held()  # every webhook lost, browser closed

        call_command("reconcile_payments")

        assert the_order().payment_status == PaymentStatus.PAID and stock(shirt) == 4


class TestLostReservation:
    def test_approval_after_the_stock_went_to_another_buyer_is_refunded(
        self, buyer, shirt, sandbox
    ):
        from django.test import Client

        from checkout.tests.buyer import Buyer

        buyer.add(shirt, 5)
        slow_link = buyer.pay_link()
        an_hour_passes()  # the reservation expired
        fast = Buyer(Client(), sandbox)
        fast.add(shirt, 5)
        fast.come_back(fast.pay(fast.pay_link(**{"email": "fast@example.com"}), "approve"))
        assert stock(shirt) == 0

        sandbox.state.preferences[slow_link.split("pref_id=")[1]]["expiration_date_to"] = (
            "2999-01-01T00:00:00.000-03:00"
        )
        back = buyer.come_back(buyer.pay(slow_link, "approve"))

        slow = Order.objects.get(email="guest@example.com")
        assert slow.payment_status == PaymentStatus.REFUNDED and "out of stock" in slow.status_note
        assert stock(shirt) == 0  # nothing oversold
        record = MercadoPagoPayment.objects.get(order=slow)
        assert record.refund_status == RefundStatus.DONE and record.refund_id
        assert sandbox.state.payments[record.approved_payment_id]["status"] == "refunded"
        assert [m.to for m in mail.outbox if "refunded" in m.subject] == [["guest@example.com"]]
        assert "refunded in full" in buyer.client.get(back["Location"]).content.decode()

        # The same notification again refunds nothing twice.
        for webhook in sandbox.state.take_held():
            buyer.deliver(webhook)
        assert len(sandbox.state.payments[record.approved_payment_id]["refunds"]) == 1
        assert len([m for m in mail.outbox if "refunded" in m.subject]) == 1

    def test_a_refund_that_fails_is_sent_by_a_later_retry(self, buyer, shirt, sandbox):
        from django.core.management import call_command
        from django.test import Client

        from checkout.tests.buyer import Buyer

        buyer.add(shirt, 5)
        slow_link = buyer.pay_link()
        an_hour_passes()
        fast = Buyer(Client(), sandbox)
        fast.add(shirt, 5)
        fast.come_back(fast.pay(fast.pay_link(**{"email": "fast@example.com"}), "approve"))
        sandbox.state.preferences[slow_link.split("pref_id=")[1]]["expiration_date_to"] = (
            "2999-01-01T00:00:00.000-03:00"
        )
        back = buyer.pay(slow_link, "approve")
        sandbox.state.behaviour.fail_next = 1
        # finalize succeeds in reading the payment only after the failure is used by... the refund
        buyer.come_back(back)

        record = MercadoPagoPayment.objects.get(order__email="guest@example.com")
        call_command("reconcile_payments")
        record.refresh_from_db()
        assert record.refund_status == RefundStatus.DONE


class TestReviewFindings:
    def test_a_crafted_signature_header_is_a_401_not_a_500(self, client):
        for header in ("ts=²,v1=" + "a" * 64, "ts=1" + "0" * 400 + ",v1=" + "a" * 64):
            response = client.post(
                reverse("payments:webhook") + "?data.id=1&type=payment",
                data=b"{}",
                content_type="application/json",
                headers={"x-signature": header, "x-request-id": "r"},
            )
            assert response.status_code == 401

    @pytest.mark.parametrize("payment_id", ["²", "١٢٣", "1" * 30])
    def test_odd_payment_ids_at_finalize_are_a_clear_400(self, client, payment_id):
        response = client.get(reverse("payments:finalize"), {"payment_id": payment_id})

        assert response.status_code == 400

    def test_a_second_approved_payment_for_a_paid_order_is_refunded(self, buyer, shirt, sandbox):
        buyer.add(shirt)
        link = buyer.pay_link()
        buyer.come_back(buyer.pay(link, "approve"))
        assert the_order().payment_status == PaymentStatus.PAID

        second = buyer.pay(link, "approve")  # the same link paid again
        buyer.come_back(second)

        [first_id, second_id] = sorted(sandbox.state.payments)
        assert sandbox.state.payments[second_id]["status"] == "refunded"
        assert sandbox.state.payments[first_id]["status"] == "approved"
        assert the_order().payment_status == PaymentStatus.PAID and stock(shirt) == 4

    def test_a_rejected_pending_payment_reopens_the_order(self, buyer, shirt, sandbox):
        buyer.add(shirt)
        buyer.come_back(buyer.pay(buyer.pay_link(), "pending"))
        assert the_order().payment_status == PaymentStatus.PAYMENT_PENDING
        [payment_id] = sandbox.state.payments
        sandbox.state.take_held()

        sandbox.state.update_payment(payment_id, "rejected")
        for webhook in sandbox.state.take_held():
            buyer.deliver(webhook)

        assert the_order().payment_status == PaymentStatus.AWAITING_PAYMENT

    def test_a_guest_order_follows_its_buyer_into_their_account(
        self, buyer, shirt, sandbox, django_user_model
    ):
        ana = django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
        buyer.add(shirt, 5)
        link = buyer.pay_link()  # the guest holds all 5 units
        buyer.client.force_login(ana)
        buyer.client.get(reverse("cart:detail"))  # the merge happens here

        assert CartLine.objects.get().quantity == 5  # their own reservation is not "sold out"
        back = buyer.come_back(buyer.pay(link, "approve"))

        assert back.status_code == 302  # not a 404: the order is still theirs
        assert the_order().payment_status == PaymentStatus.PAID
        assert not CartLine.objects.exists()  # and the cart they now use was emptied
