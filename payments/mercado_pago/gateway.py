"""The store's only door to Mercado Pago: the one module that imports the `mercadopago` SDK.

Money crosses this boundary as Decimal on our side and as a number on the SDK's side. Every SDK
or network failure becomes one of the store's own payment exceptions, so callers never see
`requests` or SDK errors. With MERCADOPAGO_API_BASE_URL set (the offline sandbox, or any other
stand-in), the SDK's requests are rewritten to that server; without it the same code talks to
Mercado Pago itself.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import mercadopago
import requests
from django.conf import settings
from mercadopago.config import RequestOptions
from mercadopago.http import HttpClient

logger = logging.getLogger(__name__)

MERCADOPAGO_API = "https://api.mercadopago.com"


class PaymentError(Exception):
    """Anything that went wrong talking to the payment provider."""


class PaymentUnavailable(PaymentError):
    """The provider could not be reached, timed out or answered 5xx: try again later."""


class PaymentRefused(PaymentError):
    """The provider answered with a client error (4xx) other than "not found"."""


class PaymentNotFound(PaymentError):
    """The provider does not know this payment or preference."""


@dataclass(frozen=True)
class Preference:
    id: str
    init_point: str


@dataclass(frozen=True)
class RemotePayment:
    """A payment as Mercado Pago reports it: the only truth about a payment."""

    id: str
    status: str
    status_detail: str
    external_reference: str
    amount: Decimal  # transaction_amount
    currency: str
    date_approved: str | None
    shipping_amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class PreferenceItem:
    id: str
    title: str
    quantity: int
    unit_price: Decimal


class RewritingHttpClient(HttpClient):
    """Sends the SDK's requests to another server (the sandbox) instead of Mercado Pago."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, maxretries=None, retry_on=None, backoff_factor=None, **kwargs):
        if url.startswith(MERCADOPAGO_API):
            url = self.base_url + url[len(MERCADOPAGO_API) :]
        return super().request(
            method,
            url,
            maxretries=maxretries,
            retry_on=retry_on,
            backoff_factor=backoff_factor,
            **kwargs,
        )


def _options(**extra) -> RequestOptions:
    return RequestOptions(
        access_token=settings.MERCADOPAGO_ACCESS_TOKEN,
        connection_timeout=float(settings.MERCADOPAGO_TIMEOUT),
        max_retries=0,
        **extra,
    )


def _sdk() -> mercadopago.SDK:
    base_url = settings.MERCADOPAGO_API_BASE_URL
    http_client = RewritingHttpClient(base_url) if base_url else None
    return mercadopago.SDK(
        settings.MERCADOPAGO_ACCESS_TOKEN, http_client=http_client, request_options=_options()
    )


def _call(what: str, operation) -> dict:
    """Run one SDK call and turn every failure into a PaymentError."""
    try:
        result = operation()
    except (requests.RequestException, OSError) as error:
        logger.warning("mercadopago %s failed: %s", what, error)
        raise PaymentUnavailable(str(error)) from error
    except Exception as error:  # the SDK's own errors (invalid JSON, ...)
        logger.warning("mercadopago %s failed: %r", what, error)
        raise PaymentUnavailable(repr(error)) from error
    status = result.get("status", 0)
    body = result.get("response")
    if 200 <= status < 300 and isinstance(body, dict):
        return body
    logger.warning("mercadopago %s answered %s: %s", what, status, body)
    if status == 404:
        raise PaymentNotFound(f"{what}: not found")
    if 400 <= status < 500:
        raise PaymentRefused(f"{what}: {status} {body}")
    raise PaymentUnavailable(f"{what}: {status}")


def _number(amount: Decimal) -> float:
    """Decimal leaves the store here: the SDK's JSON encoder only takes numbers."""
    return float(amount.quantize(Decimal("0.01")))


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return Decimal("-1")


def _iso(moment: datetime) -> str:
    """ISO 8601 with milliseconds and offset, as Mercado Pago wants it."""
    return moment.isoformat(timespec="milliseconds")


def create_preference(
    *,
    reference: str,
    items: list[PreferenceItem],
    payer_email: str,
    payer_name: str,
    back_url: str,
    notification_url: str,
    expires_at: datetime,
    starts_at: datetime,
    currency: str,
    shipping_cost: Decimal = Decimal("0.00"),
) -> Preference:
    """A Checkout Pro preference (payment link). The buyer pays the items plus
    `shipping_cost` (Mercado Pago's `shipments.cost`, sent only when there is one)."""
    data = {
        "items": [
            {
                "id": item.id,
                "title": item.title,
                "quantity": int(item.quantity),
                "unit_price": _number(item.unit_price),
                "currency_id": currency,
            }
            for item in items
        ],
        "payer": {"email": payer_email, "name": payer_name},
        "back_urls": {"success": back_url, "failure": back_url, "pending": back_url},
        "auto_return": "approved",
        "external_reference": reference,
        "notification_url": notification_url,
        "statement_descriptor": settings.MERCADOPAGO_STATEMENT_DESCRIPTOR,
        "expires": True,
        "expiration_date_from": _iso(starts_at),
        "expiration_date_to": _iso(expires_at),
    }
    if shipping_cost:
        data["shipments"] = {"mode": "not_specified", "cost": _number(shipping_cost)}
    with warnings.catch_warnings():
        # The SDK flags notification_url as deprecated in favour of account-level webhooks;
        # per-preference URLs still work and keep the store self-contained.
        warnings.filterwarnings("ignore", "notification_url is deprecated", DeprecationWarning)
        body = _call("create preference", lambda: _sdk().preference().create(data))
    if not body.get("id") or not body.get("init_point"):
        raise PaymentUnavailable("create preference: answer without id or init_point")
    return Preference(id=str(body["id"]), init_point=str(body["init_point"]))


def expire_preference(*, preference_id: str, now: datetime) -> None:
    """Make a payment link unusable (its order was replaced or cancelled)."""
    data = {"expires": True, "expiration_date_to": _iso(now)}
    _call("expire preference", lambda: _sdk().preference().update(preference_id, data))


def _remote_payment(body: dict) -> RemotePayment:
    return RemotePayment(
        id=str(body.get("id", "")),
        status=str(body.get("status", "")),
        status_detail=str(body.get("status_detail", "")),
        external_reference=str(body.get("external_reference") or ""),
        amount=_decimal(body.get("transaction_amount")),
        currency=str(body.get("currency_id", "")),
        date_approved=body.get("date_approved"),
        shipping_amount=_decimal(body.get("shipping_amount") or 0),
    )


def get_payment(*, payment_id: str) -> RemotePayment:
    return _remote_payment(_call("get payment", lambda: _sdk().payment().get(payment_id)))


def search_payments(*, reference: str) -> list[RemotePayment]:
    body = _call(
        "search payments",
        lambda: _sdk().payment().search({"external_reference": reference, "sort": "date_created"}),
    )
    return [
        _remote_payment(result) for result in body.get("results", []) if isinstance(result, dict)
    ]


def refund_payment(*, payment_id: str, idempotency_key: str) -> str:
    """Refund a payment in full. Repeating the call with the same key refunds once."""
    options = _options(custom_headers={"x-idempotency-key": idempotency_key})
    body = _call(
        "refund payment", lambda: _sdk().refund().create(payment_id, None, request_options=options)
    )
    return str(body.get("id", ""))
