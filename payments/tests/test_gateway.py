"""The gateway module through the real `mercadopago` SDK, over HTTP, against the sandbox."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from payments.mercado_pago import gateway


def preference(**overrides):
    now = timezone.now()
    data = {
        "reference": "42",
        "items": [
            gateway.PreferenceItem(id="7", title="Shirt", quantity=2, unit_price=Decimal("129.90"))
        ],
        "payer_email": "ana@example.com",
        "payer_name": "Ana",
        "back_url": "http://shop.test/payments/finalize/",
        "notification_url": "http://shop.test/payments/webhooks/mercadopago/",
        "starts_at": now,
        "expires_at": now + timedelta(hours=1),
        "currency": "BRL",
    }
    return gateway.create_preference(**{**data, **overrides})


def test_requests_go_to_the_configured_base_url(sandbox):
    created = preference()

    assert created.id in sandbox.state.preferences
    assert created.init_point.startswith(sandbox.url + "/checkout/v1/redirect?pref_id=")


def test_decimal_amounts_cross_the_boundary_as_numbers(sandbox):
    created = preference()

    stored = sandbox.state.preferences[created.id]
    assert stored["items"][0]["unit_price"] == 129.90
    assert stored["items"][0]["quantity"] == 2
    assert stored["expiration_date_to"].count(".") == 1  # ISO 8601 with milliseconds


def test_payments_come_back_with_decimal_amounts(sandbox):
    created = preference()
    payment = sandbox.state.create_payment(created.id, "approve")

    remote = gateway.get_payment(payment_id=str(payment["id"]))

    assert remote.status == "approved" and remote.external_reference == "42"
    assert remote.amount == Decimal("259.80") and isinstance(remote.amount, Decimal)
    assert remote.currency == "BRL"
    assert [p.id for p in gateway.search_payments(reference="42")] == [remote.id]
    assert gateway.search_payments(reference="43") == []


def test_a_refund_repeated_with_the_same_key_happens_once(sandbox):
    payment = sandbox.state.create_payment(preference().id, "approve")

    first = gateway.refund_payment(payment_id=str(payment["id"]), idempotency_key="refund-1")
    again = gateway.refund_payment(payment_id=str(payment["id"]), idempotency_key="refund-1")

    assert first == again
    assert len(sandbox.state.payments[str(payment["id"])]["refunds"]) == 1


def test_an_unknown_payment_is_not_found(sandbox):
    with pytest.raises(gateway.PaymentNotFound):
        gateway.get_payment(payment_id="123")


def test_5xx_becomes_payment_unavailable(sandbox):
    sandbox.state.behaviour.fail_next = 1

    with pytest.raises(gateway.PaymentUnavailable):
        preference()


def test_a_hanging_server_times_out_as_payment_unavailable(sandbox, settings):
    settings.MERCADOPAGO_TIMEOUT = 0.3
    sandbox.state.behaviour.hang_next, sandbox.state.behaviour.hang_seconds = 1, 2

    with pytest.raises(gateway.PaymentUnavailable):
        gateway.get_payment(payment_id="1")


def test_an_unreachable_server_is_payment_unavailable(settings):
    settings.MERCADOPAGO_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.MERCADOPAGO_TIMEOUT = 1.0

    with pytest.raises(gateway.PaymentUnavailable):
        gateway.get_payment(payment_id="1")


def test_a_client_error_is_payment_refused(sandbox):
    with pytest.raises(gateway.PaymentRefused):
        preference(items=[])


def test_a_missing_token_is_refused(sandbox, settings):
    settings.MERCADOPAGO_ACCESS_TOKEN = ""

    with pytest.raises(gateway.PaymentError):
        preference()


def test_expiring_a_preference_makes_its_link_unusable(sandbox):
    import requests

    created = preference()
    assert requests.get(created.init_point, timeout=5).status_code == 200

    gateway.expire_preference(preference_id=created.id, now=timezone.now() - timedelta(seconds=1))

    assert requests.get(created.init_point, timeout=5).status_code == 410


def test_only_the_gateway_imports_the_sdk():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    importers = [
        path.relative_to(root).as_posix()
        for folder in ("project", "store", "cart", "orders", "payments", "accounts")
        for path in (root / folder).rglob("*.py")
        if "tests" not in path.parts
        and any(
            line.strip().startswith(("import mercadopago", "from mercadopago"))
            for line in path.read_text().splitlines()
        )
    ]

    assert importers == ["payments/mercado_pago/gateway.py"]


@pytest.mark.parametrize(
    ("accept_language", "lang", "approve"),
    [
        ("pt-BR,pt;q=0.9", "pt-BR", "Aprovar pagamento"),
        ("es-AR,es;q=0.9", "es", "Aprobar pago"),
        ("en-US,en;q=0.9", "en", "Approve payment"),
        ("", "pt-BR", "Aprovar pagamento"),
    ],
)
def test_the_hosted_page_speaks_the_buyers_language(sandbox, accept_language, lang, approve):
    import requests

    created = preference()
    page = requests.get(
        created.init_point, headers={"Accept-Language": accept_language}, timeout=5
    ).text
    assert f'<html lang="{lang}">' in page
    assert f'data-testid="mp-approve">{approve}<' in page
