"""Threat 2 (webhooks): Mercado Pago's notifications cannot be forged, and replaying a real one
changes nothing.

threat -> test (existing tests are referenced, not repeated):

- forged signature, missing signature, stale timestamp, wrong secret (status 401 and the order
  not paid): payments/tests/test_purchase.py
  TestWebhookSecurity::test_bad_old_and_missing_signatures_are_refused; the signature rules
  themselves (malformed headers, stale and future timestamps, wrong id / request id / secret,
  Mercado Pago's published test vector): payments/tests/test_signatures.py
- a real signature moved to another payment id:
  TestWebhookSecurity::test_a_signature_for_another_payment_id_is_refused
- malformed bodies and GET: TestWebhookSecurity::test_malformed_bodies_are_refused,
  ::test_get_is_refused; crafted headers: TestReviewFindings::test_a_crafted_signature_header_
  is_a_401_not_a_500
- duplicates (several notifications of one payment, in any order) apply once:
  test_duplicate_and_out_of_order_webhooks_apply_once
Added here:
- every refused notification writes nothing at all, not just "the order is not paid":
  test_refused_notifications_write_nothing (forged, missing, stale, future, wrong secret,
  missing request id, signature of another payment, timestamp one second past the tolerance)
- the very same notification (same request id, signature and body) delivered again, as an
  attacker who captured it would: applied once, the replays change nothing:
  test_a_replayed_notification_is_applied_once
- a correctly signed notification with a forged body: only the signed id in the query string
  is read, and the payment's state comes from Mercado Pago:
  test_a_forged_body_under_a_real_signature_pays_nothing

There is no store of seen request ids: within the five-minute tolerance a captured
notification is accepted again, and is harmless because applying a payment is idempotent
and its state is always fetched from Mercado Pago.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.conf import settings
from django.core import mail

from conftest import WEBHOOK_SECRET
from orders.models import Invoice, Order, PaymentStatus
from payments.mercado_pago.sandbox import sign

from .helpers import db_state

pytestmark = pytest.mark.django_db


def signed(webhook, *, data_id=None, ts=None, secret=WEBHOOK_SECRET, request_id=None, body=None):
    """A copy of a notification, signed as told."""
    data_id = data_id or webhook.payment_id
    ts = str(ts if ts is not None else int(time.time()))
    request_id = request_id or str(uuid.uuid4())
    headers = {
        **webhook.headers,
        "x-request-id": request_id,
        "x-signature": f"ts={ts},v1="
        + sign(secret=secret, data_id=data_id, request_id=request_id, ts=ts),
    }
    url = webhook.url.replace(f"data.id={webhook.payment_id}", f"data.id={data_id}")
    return type(webhook)(
        url=url, headers=headers, body=webhook.body if body is None else body, payment_id=data_id
    )


def without(webhook, header):
    headers = {k: v for k, v in webhook.headers.items() if k.lower() != header}
    return type(webhook)(
        url=webhook.url, headers=headers, body=webhook.body, payment_id=webhook.payment_id
    )


@pytest.fixture
def approved(buyer, variant, sandbox):
    """An order paid on Mercado Pago whose notification has not arrived yet."""
    buyer.add(variant)
    buyer.pay(buyer.pay_link(), "approve")
    [webhook] = sandbox.state.take_held()
    return webhook


def test_refused_notifications_write_nothing(buyer, approved, sandbox):
    tolerance = settings.MERCADOPAGO_WEBHOOK_TOLERANCE
    now = int(time.time())
    other = sandbox.state.create_payment(
        next(iter(sandbox.state.preferences)), "pending", reference="999999"
    )
    sandbox.state.take_held()
    refused = {
        "wrong secret": signed(approved, secret="guessed"),
        "no signature": without(approved, "x-signature"),
        "no request id": without(approved, "x-request-id"),
        "stale": signed(approved, ts=now - tolerance - 1),
        "from the future": signed(approved, ts=now + tolerance + 60),
        "another payment's signature": type(approved)(
            url=approved.url.replace(approved.payment_id, str(other["id"])),
            headers=approved.headers,
            body=approved.body,
            payment_id=str(other["id"]),
        ),
    }
    before = db_state()

    for name, webhook in refused.items():
        assert buyer.deliver(webhook).status_code == 401, name

    assert db_state() == before
    assert Order.objects.get().payment_status == PaymentStatus.AWAITING_PAYMENT
    assert buyer.deliver(approved).status_code == 200  # the genuine one still works
    assert Order.objects.get().payment_status == PaymentStatus.PAID


def test_a_replayed_notification_is_applied_once(
    buyer, approved, variant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert buyer.deliver(approved).status_code == 200
    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.PAID and len(mail.outbox) == 1
    after_first = db_state()

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert buyer.deliver(approved).status_code == 200

    assert db_state() == after_first  # same paid_at, stock, invoice, ledger, one e-mail
    assert Invoice.objects.count() == 1
    variant.refresh_from_db()
    assert variant.quantity == 49


def test_a_forged_body_under_a_real_signature_pays_nothing(buyer, variant, sandbox):
    """The attacker has a real, pending payment of their own, whose notification is signed.
    They rewrite its body to say "approved", with the amount, and to name another payment."""
    buyer.add(variant)
    buyer.pay(buyer.pay_link(), "pending")
    [notification] = sandbox.state.take_held()
    body = json.loads(notification.body)
    body.update(
        action="payment.updated",
        data={"id": "1000000999"},
        status="approved",
        transaction_amount=150.0,
        external_reference=str(Order.objects.get().pk),
    )
    forged = type(notification)(
        url=notification.url,
        headers=notification.headers,
        body=json.dumps(body).encode(),
        payment_id=notification.payment_id,
    )
    before = db_state()

    response = buyer.deliver(forged)

    # Read as what Mercado Pago says of the signed id: pending, not paid.
    assert response.status_code == 200 and response.json() == {"status": "pending"}
    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.PAYMENT_PENDING and order.paid_at is None
    after = db_state()
    assert after["store.Variant"] == before["store.Variant"]
    assert after["orders.Invoice"] == before["orders.Invoice"] == []
    assert after["mail"] == before["mail"]
