"""Threat 2, price and amount tampering: nothing a browser sends decides a price, a total, a
status or an owner. Prices come from the catalogue, the owner from the session, "paid" only
from Mercado Pago (asked by the store) or a store-credit deduction.

threat -> test (existing tests are referenced, not repeated):

- price/total/amount/subtotal posted to checkout confirm:
  payments/tests/test_checkout.py TestConfirm::test_prices_and_totals_in_the_form_are_ignored
- amount/total/price posted to the store-credit payment:
  payments/tests/test_store_credit.py TestRefusals::test_a_tampered_total_in_the_form_changes_nothing
- extra fields on cart add and cart line (price, unit_price, total, amount, subtotal, status,
  paid, variant): test_cart_posts_with_prices_and_statuses_are_priced_from_the_catalogue
- status/paid/payment method/currency/shipping/e-mail posted to confirm and to the
  store-credit payment: test_checkout_posts_cannot_set_status_currency_shipping_or_email,
  test_store_credit_posts_cannot_set_the_balance_status_or_owner
- owner and id fields on the address forms (address book and checkout):
  test_address_forms_ignore_owner_and_id_fields
- is_staff/is_superuser/e-mail on the profile and signup forms:
  test_profile_and_signup_cannot_grant_staff_or_change_the_email
- forged finalize with a made-up payment id or status=approved:
  payments/tests/test_purchase.py TestForgeries::test_a_query_string_that_says_approved_changes_nothing
  and ::test_a_rejected_payment_id_with_status_approved_in_the_query_changes_nothing
- forged finalize with another order's payment id, by a stranger:
  payments/tests/test_purchase.py TestForgeries::test_another_shoppers_payment_id_reveals_nothing;
  by a buyer with an open order of their own (pointing preference and reference at it):
  test_finalize_with_another_orders_payment_id_pays_nothing_of_ones_own
- a payment whose amount/currency/reference does not match: test_purchase.py TestForgeries
  ::test_a_payment_whose_amount_or_currency_differs_is_not_applied and
  ::test_a_payment_for_an_unknown_reference_is_ignored
- webhooks (forged, missing, stale signatures, replays): see test_webhooks.py
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Address
from cart.models import CartLine
from checkout.tests.buyer import GUEST, Buyer
from orders.models import Order, PaymentMethod, PaymentStatus
from payments.models import StoreCreditToken

from .conftest import client_for
from .helpers import ADDRESS, PASSWORD, db_state, issue_token

pytestmark = pytest.mark.django_db

FORGED = {
    "price": "0.01",
    "unit_price": "0.01",
    "total": "0.01",
    "amount": "0.01",
    "subtotal": "0.01",
    "line_total": "0.01",
    "shipping": "-100.00",
    "discount": "100",
    "status": "paid",
    "paid": "true",
    "paid_at": "2020-01-01T00:00:00Z",
    "payment_method": "store_credit",
    "currency": "XXX",
}


@pytest.fixture
def cheap(catalogue):
    """A second product, to try to buy the shirt at its price."""
    return catalogue.product("Socks", price="5.00", stock=10).variants.get()


def test_cart_posts_with_prices_and_statuses_are_priced_from_the_catalogue(variant, cheap):
    browser = Client()
    add = {"product": variant.product.pk, "quantity": "2", "variant": cheap.pk, **FORGED}

    assert browser.post(reverse("cart:add"), add).status_code == 302
    line = CartLine.objects.get()
    assert (line.variant_id, line.quantity) == (variant.pk, 2)
    browser.post(reverse("cart:line", args=[line.pk, "quantity"]), {"quantity": "3", **FORGED})
    browser.post(reverse("cart:line", args=[line.pk, "increase"]), FORGED, HTTP_HX_REQUEST="true")

    html = browser.get(reverse("cart:detail")).content.decode()
    assert re.search(r'data-testid="cart-total"[^>]*>R\$600\.00<', html)  # 4 × 150.00
    token = issue_token("1000.00")
    browser.post(reverse("checkout:pay_with_credit"), {**GUEST, "token": str(token.token)})
    order = Order.objects.get()
    assert (order.subtotal, order.total, order.shipping) == (Decimal("600.00"),) * 2 + (0,)
    assert [(ln.unit_price, ln.quantity) for ln in order.lines.all()] == [(Decimal("150.00"), 4)]
    token.refresh_from_db()
    assert token.balance == Decimal("400.00")


def test_checkout_posts_cannot_set_status_currency_shipping_or_email(ana, bruno, sandbox):
    """A signed-in shopper's order is for their own e-mail, in reais, awaiting payment."""
    browser = client_for(ana)
    data = {"address": ana.address.pk, **FORGED, "email": bruno.user.email, "user": bruno.user.pk}

    response = browser.post(reverse("checkout:confirm"), data)

    assert response.status_code == 302 and response["Location"].startswith(sandbox.url)
    order = Order.objects.filter(user=ana.user).latest("pk")
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT and order.paid_at is None
    assert (order.email, order.currency, order.shipping) == (ana.user.email, "BRL", 0)
    assert order.total == Decimal("150.00") and order.recipient == ana.secret
    [preference] = sandbox.state.preferences.values()
    assert preference["items"][0]["unit_price"] == 150.0
    assert preference["items"][0]["currency_id"] == "BRL"


def test_store_credit_posts_cannot_set_the_balance_status_or_owner(ana, bruno):
    """Bruno pays with his own token; fields naming Ana's token, her as the owner, a balance
    or a paid status change nothing but his own, correctly priced order."""
    browser = client_for(bruno)
    theirs = StoreCreditToken.objects.get(owner=bruno.user)
    hers = StoreCreditToken.objects.get(owner=ana.user)
    before = (hers.balance, theirs.balance)
    data = {
        "address": bruno.address.pk,
        "token": str(theirs.token),
        **FORGED,
        "balance": "999999",
        "owner": ana.user.pk,
        "token_id": hers.pk,
        "order": ana.order.pk,
        "user": ana.user.pk,
    }

    response = browser.post(reverse("checkout:pay_with_credit"), data)

    assert response.status_code == 302
    assert "/done/" in response["Location"]
    order = Order.objects.filter(user=bruno.user).latest("pk")
    assert order.total == Decimal("150.00") and order.payment_method == PaymentMethod.STORE_CREDIT
    hers.refresh_from_db()
    theirs.refresh_from_db()
    assert (hers.balance, theirs.balance) == (before[0], before[1] - Decimal("150.00"))
    ana.order.refresh_from_db()
    assert ana.order.user == ana.user and ana.order.payment_status == PaymentStatus.PAID


def test_address_forms_ignore_owner_and_id_fields(ana, bruno):
    browser = client_for(ana)
    theirs = bruno.address
    snapshot = {f: getattr(theirs, f) for f in ("recipient", "street", "user_id", "is_default")}
    address = {**ADDRESS, "recipient": "Ana Home"}
    forged = {"user": bruno.user.pk, "user_id": bruno.user.pk, "id": theirs.pk, "pk": theirs.pk}

    browser.post(reverse("accounts:address_create"), {**address, **forged})
    browser.post(reverse("checkout:address_add"), {**address, **forged, "recipient": "Ana Work"})
    browser.post(
        reverse("accounts:address_edit", args=[ana.address.pk]),
        {**address, **forged, "recipient": "Ana Edited"},
    )

    mine = set(Address.objects.filter(user=ana.user).values_list("recipient", flat=True))
    assert mine == {"Ana Home", "Ana Work", "Ana Edited"}
    theirs.refresh_from_db()
    assert {f: getattr(theirs, f) for f in snapshot} == snapshot
    assert Address.objects.filter(user=bruno.user).count() == 1


def test_profile_and_signup_cannot_grant_staff_or_change_the_email(ana, django_user_model):
    browser = client_for(ana)
    privileges = {
        "is_staff": "on",
        "is_superuser": "on",
        "is_active": "on",
        "groups": "1",
        "user_permissions": "1",
        "password": "x",
    }

    browser.post(
        reverse("accounts:profile"),
        {"first_name": "Ana", "last_name": "S", "email": "boss@example.com", **privileges},
    )
    Client().post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "A-new-pass-2026",
            "password2": "A-new-pass-2026",
            **privileges,
        },
    )

    ana.user.refresh_from_db()
    assert (ana.user.first_name, ana.user.email) == ("Ana", "ana@example.com")
    assert ana.user.check_password(PASSWORD)
    new = django_user_model.objects.get(email="new@example.com")
    for user in (ana.user, new):
        assert not user.is_staff and not user.is_superuser
        assert not user.groups.exists() and not user.user_permissions.exists()


def test_finalize_with_another_orders_payment_id_pays_nothing_of_ones_own(variant, sandbox):
    """Ana has an open order; Bruno paid his. Ana sends Bruno's payment id to the buyer's
    return with her own preference and reference: her order stays unpaid, she sees nothing of
    Bruno's, and Bruno's payment is applied to Bruno's order only."""
    bruno = Buyer(Client(), sandbox)
    bruno.add(variant)
    bruno_link = bruno.pay_link(email="bruno@example.com")
    bruno_back = bruno.pay(bruno_link, "approve")
    payment_id = bruno_back.split("payment_id=")[1].split("&")[0]
    ana = Buyer(Client(), sandbox)
    ana.add(variant, 2)
    ana_link = ana.pay_link(email="ana@example.com")
    ana_order = Order.objects.get(email="ana@example.com")
    before = {
        "status": ana_order.payment_status,
        "reserved": ana_order.reserved_until,
        "stock": variant.__class__.objects.get(pk=variant.pk).quantity,
    }

    for query in (
        {"payment_id": payment_id, "status": "approved"},
        {
            "collection_id": payment_id,
            "collection_status": "approved",
            "preference_id": ana_link.split("pref_id=")[1],
            "external_reference": ana_order.pk,
            "status": "approved",
        },
    ):
        response = ana.client.get(reverse("payments:finalize"), query)
        assert response.status_code == 404
        assert "bruno@example.com" not in response.content.decode()

    ana_order.refresh_from_db()
    assert ana_order.payment_status == before["status"] and ana_order.paid_at is None
    assert ana_order.reserved_until == before["reserved"]
    assert Order.objects.get(email="bruno@example.com").payment_status == PaymentStatus.PAID
    # Only Bruno's one unit was sold; Ana's two are still just reserved.
    assert variant.__class__.objects.get(pk=variant.pk).quantity == before["stock"] - 1
    ana_state = db_state()
    for query in (
        {"payment_id": payment_id},  # the same forgery again
        {"payment_id": "null", "preference_id": bruno_link.split("pref_id=")[1]},  # his link
    ):
        response = ana.client.get(reverse("payments:finalize"), query)
        assert response.status_code == 404
        assert "bruno@example.com" not in response.content.decode()
    assert db_state() == ana_state
