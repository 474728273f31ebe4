"""An offline stand-in for Mercado Pago's Checkout Pro, as a real HTTP server.

It speaks the endpoints the store uses, with Mercado Pago's shapes (preferences, payments,
payment search, refunds), keeps its state in memory, serves a hosted checkout page where a person
or a test chooses approve / reject / pending, sends the buyer back with Mercado Pago's query
parameters and POSTs webhooks signed exactly as Mercado Pago signs them. Tests can make it
duplicate, hold, delay or reorder notifications, answer 5xx, or hang.

Only the standard library is used, so it runs without Django: `python -m payments.mercado_pago.sandbox`.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

logger = logging.getLogger("payments.mercado_pago.sandbox")

OUTCOMES = {
    "approve": ("approved", "accredited", "success"),
    "reject": ("rejected", "cc_rejected_insufficient_amount", "failure"),
    "pending": ("in_process", "pending_contingency", "pending"),
}


def now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="milliseconds")


def sign(*, secret: str, data_id: str, request_id: str, ts: str) -> str:
    """Mercado Pago's webhook signature: HMAC-SHA256 over `id:...;request-id:...;ts:...;`."""
    manifest = f"id:{data_id};request-id:{request_id};ts:{ts};"
    return hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()


@dataclass
class Webhook:
    """One notification, ready to be sent (or handed to a test)."""

    url: str
    headers: dict[str, str]
    body: bytes
    payment_id: str

    @property
    def path_and_query(self) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(("", "", parts.path, parts.query, ""))


@dataclass
class Behaviour:
    fail_next: int = 0  # the next N API calls answer 500
    hang_next: int = 0  # the next N API calls sleep `hang_seconds` before answering
    hang_seconds: float = 30.0
    fail_refunds: int = 0  # the next N refund calls answer 500
    webhooks: str = "send"  # "send", "hold" (kept for release/take) or "off"
    webhook_copies: int = 1  # >1 sends duplicates
    webhook_delay: float = 0.0
    # Whether a payment's transaction_amount includes the preference's shipments.cost (True)
    # or reports it apart, in shipping_amount only (False): MERCADOPAGO.md leaves it open.
    shipping_in_amount: bool = True


@dataclass
class State:
    secret: str
    public_url: str = ""
    preferences: dict[str, dict] = field(default_factory=dict)
    payments: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)  # idempotency key -> refund
    held: list[Webhook] = field(default_factory=list)
    delivered: list[tuple[str, int]] = field(default_factory=list)  # (payment id, HTTP status)
    behaviour: Behaviour = field(default_factory=Behaviour)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1_000_000_001))

    # -- preferences and payments -------------------------------------------------------
    def create_preference(self, data: dict) -> dict:
        with self.lock:
            pref_id = f"{44444}-{uuid.uuid4()}"
            preference = {
                **data,
                "id": pref_id,
                "init_point": f"{self.public_url}/checkout/v1/redirect?pref_id={pref_id}",
                "sandbox_init_point": f"{self.public_url}/checkout/v1/redirect?pref_id={pref_id}",
                "date_created": now_iso(),
                "collector_id": 44444,
                "client_id": "sandbox",
                "site_id": "MLB",
                "operation_type": "regular_payment",
            }
            self.preferences[pref_id] = preference
            return preference

    def preference_expired(self, preference: dict) -> bool:
        if not preference.get("expires") or not preference.get("expiration_date_to"):
            return False
        try:
            until = datetime.fromisoformat(preference["expiration_date_to"])
        except ValueError:
            return False
        return datetime.now(UTC) > until

    def amount_of(self, preference: dict) -> Decimal:
        """A payment's transaction_amount: the preference's items, plus `shipments.cost`
        unless the sandbox reports shipping apart (Behaviour.shipping_in_amount)."""
        items = sum(
            (
                Decimal(str(i.get("unit_price", 0))) * int(i.get("quantity", 1))
                for i in preference.get("items", [])
            ),
            Decimal("0"),
        )
        if not self.behaviour.shipping_in_amount:
            return items
        return items + self.shipping_of(preference)

    def shipping_of(self, preference: dict) -> Decimal:
        shipments = preference.get("shipments") or {}
        return Decimal(str(shipments.get("cost", 0) or 0))

    def create_payment(
        self,
        pref_id: str,
        outcome: str,
        *,
        amount: Decimal | None = None,
        currency: str | None = None,
        reference: str | None = None,
    ) -> dict:
        """A buyer's payment attempt on a preference (or a test's hand-made one)."""
        status, detail, _ = OUTCOMES[outcome]
        with self.lock:
            preference = self.preferences[pref_id]
            items = preference.get("items") or [{}]
            payment_id = str(next(self.ids))
            created = now_iso()
            payment = {
                "id": int(payment_id),
                "status": status,
                "status_detail": detail,
                "external_reference": preference.get("external_reference")
                if reference is None
                else reference,
                "transaction_amount": float(
                    self.amount_of(preference) if amount is None else amount
                ),
                "shipping_amount": float(self.shipping_of(preference)),
                "currency_id": currency or items[0].get("currency_id", "BRL"),
                "date_created": created,
                "date_last_updated": created,
                "date_approved": created if status == "approved" else None,
                "payer": {"email": (preference.get("payer") or {}).get("email")},
                "order": {"id": next(self.ids), "type": "mercadopago"},
                "metadata": preference.get("metadata") or {},
                "payment_type_id": "credit_card",
                "refunds": [],
                "transaction_amount_refunded": 0,
                "live_mode": False,
                "preference_id": pref_id,
            }
            self.payments[payment_id] = payment
        self.notify(payment_id, action="payment.created")
        return payment

    def update_payment(self, payment_id: str, status: str) -> dict:
        """Change a payment's status later (a pending payment approved), and notify."""
        with self.lock:
            payment = self.payments[payment_id]
            payment["status"] = status
            payment["status_detail"] = "accredited" if status == "approved" else status
            payment["date_last_updated"] = now_iso()
            if status == "approved":
                payment["date_approved"] = payment["date_last_updated"]
        self.notify(payment_id, action="payment.updated")
        return payment

    def refund(self, payment_id: str, key: str, amount: float | None) -> tuple[int, dict]:
        with self.lock:
            if self.behaviour.fail_refunds > 0:
                self.behaviour.fail_refunds -= 1
                return 500, error_body(500, "internal_error", "sandbox was told to fail refunds")
            if key and key in self.refunds:
                return 201, self.refunds[key]
            payment = self.payments.get(payment_id)
            if payment is None:
                return 404, error_body(404, "not_found", "Payment not found")
            if payment["status"] != "approved":
                return 400, error_body(400, "bad_request", "Payment not refundable")
            refunded = float(payment["transaction_amount"] if amount is None else amount)
            refund = {
                "id": next(self.ids),
                "payment_id": int(payment_id),
                "amount": refunded,
                "status": "approved",
                "date_created": now_iso(),
            }
            payment["refunds"].append(refund)
            payment["transaction_amount_refunded"] += refunded
            payment["status"] = "refunded"
            payment["status_detail"] = "refunded"
            if key:
                self.refunds[key] = refund
        return 201, refund

    # -- webhooks ------------------------------------------------------------------------
    def build_webhook(self, payment_id: str, action: str) -> Webhook | None:
        payment = self.payments[payment_id]
        preference = self.preferences.get(payment.get("preference_id", ""), {})
        target = preference.get("notification_url")
        if not target:
            return None
        parts = urlsplit(target)
        query = "&".join(
            q for q in (parts.query, urlencode({"data.id": payment_id, "type": "payment"})) if q
        )
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        request_id = str(uuid.uuid4())
        ts = str(int(time.time()))
        body = {
            "action": action,
            "api_version": "v1",
            "data": {"id": payment_id},
            "date_created": now_iso(),
            "id": next(self.ids),
            "live_mode": False,
            "type": "payment",
            "user_id": 44444,
        }
        headers = {
            "Content-Type": "application/json",
            "x-request-id": request_id,
            "x-signature": f"ts={ts},v1={sign(secret=self.secret, data_id=payment_id, request_id=request_id, ts=ts)}",
        }
        return Webhook(
            url=url, headers=headers, body=json.dumps(body).encode(), payment_id=payment_id
        )

    def notify(self, payment_id: str, action: str) -> None:
        behaviour = self.behaviour
        if behaviour.webhooks == "off":
            return
        webhooks = [
            self.build_webhook(payment_id, action) for _ in range(max(behaviour.webhook_copies, 1))
        ]
        webhooks = [w for w in webhooks if w is not None]
        if behaviour.webhooks == "hold":
            with self.lock:
                self.held.extend(webhooks)
            return
        for webhook in webhooks:
            threading.Thread(
                target=self.deliver, args=(webhook, behaviour.webhook_delay), daemon=True
            ).start()

    def deliver(self, webhook: Webhook, delay: float = 0.0) -> int:
        if delay:
            time.sleep(delay)
        request = urllib.request.Request(  # noqa: S310 (the store's own URL)
            webhook.url, data=webhook.body, headers=webhook.headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=25) as response:  # noqa: S310 (the store's own URL)
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:
            logger.warning("webhook to %s failed: %s", webhook.url, error)
            status = 0
        with self.lock:
            self.delivered.append((webhook.payment_id, status))
        return status

    def take_held(self, *, reverse: bool = False) -> list[Webhook]:
        with self.lock:
            held, self.held = self.held, []
        return list(reversed(held)) if reverse else held

    def release_held(self, *, reverse: bool = False) -> list[int]:
        return [self.deliver(webhook) for webhook in self.take_held(reverse=reverse)]

    # -- failures ------------------------------------------------------------------------
    def misbehave(self) -> int | None:
        """Apply a queued failure to an API call: returns a status to answer, or None."""
        with self.lock:
            behaviour = self.behaviour
            if behaviour.hang_next > 0:
                behaviour.hang_next -= 1
                hang = behaviour.hang_seconds
            else:
                hang = 0.0
            if behaviour.fail_next > 0:
                behaviour.fail_next -= 1
                fail = True
            else:
                fail = False
        if hang:
            time.sleep(hang)
        return 500 if fail else None


def error_body(status: int, error: str, message: str) -> dict:
    return {
        "message": message,
        "error": error,
        "status": status,
        "cause": [{"code": status, "description": message}],
    }


def back_url_for(preference: dict, payment: dict | None, outcome_key: str) -> str:
    back_urls = preference.get("back_urls") or {}
    target = back_urls.get(outcome_key) or back_urls.get("success") or "/"
    if payment is None:
        params = {"preference_id": preference["id"]}
    else:
        params = {
            "collection_id": payment["id"],
            "collection_status": payment["status"],
            "payment_id": payment["id"],
            "status": payment["status"],
            "external_reference": payment["external_reference"] or "null",
            "payment_type": payment["payment_type_id"],
            "merchant_order_id": payment["order"]["id"],
            "preference_id": preference["id"],
            "site_id": "MLB",
            "processing_mode": "aggregator",
            "merchant_account_id": "null",
        }
    separator = "&" if "?" in target else "?"
    return f"{target}{separator}{urlencode(params)}"


# The hosted page speaks the buyer's language, as Mercado Pago's does: Portuguese, Spanish or
# English, from the browser's Accept-Language. (The sandbox runs without Django, so its few
# words live here rather than in the store's catalogues.)
PAGE_TEXT = {
    "pt-BR": {
        "heading": "Pagamento",
        "note": "Sandbox offline: nenhum dinheiro é movimentado. Escolha o que acontece com o pagamento.",
        "approve": "Aprovar pagamento",
        "reject": "Recusar pagamento",
        "pending": "Deixar pagamento pendente",
        "leave": "Voltar à loja sem pagar",
        "expired": "Este link de pagamento expirou.",
    },
    "es": {
        "heading": "Pago",
        "note": "Sandbox sin conexión: no se mueve dinero. Elige qué pasa con el pago.",
        "approve": "Aprobar pago",
        "reject": "Rechazar pago",
        "pending": "Dejar el pago pendiente",
        "leave": "Volver a la tienda sin pagar",
        "expired": "Este enlace de pago venció.",
    },
    "en": {
        "heading": "Payment",
        "note": "Offline sandbox: no money moves. Choose what the payment does.",
        "approve": "Approve payment",
        "reject": "Reject payment",
        "pending": "Leave payment pending",
        "leave": "Back to the store without paying",
        "expired": "This payment link has expired.",
    },
}


def page_language(accept_language: str) -> str:
    """The first of the buyer's languages the page speaks; Portuguese otherwise."""
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith("pt"):
            return "pt-BR"
        if code.startswith("es"):
            return "es"
        if code.startswith("en"):
            return "en"
    return "pt-BR"


CHECKOUT_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mercado Pago (sandbox)</title>
<style>
body{{font-family:system-ui,sans-serif;background:#eef1f6;margin:0;color:#1f2937}}
header{{background:#ffe600;padding:14px 20px;font-weight:700}}
main{{max-width:520px;margin:24px auto;background:#fff;border-radius:10px;padding:24px;box-shadow:0 1px 4px #0002}}
table{{width:100%;border-collapse:collapse;margin:12px 0}} td{{padding:6px 0;border-bottom:1px solid #eee}}
.total{{font-size:1.4em;font-weight:700}} .note{{color:#6b7280;font-size:.9em}}
button{{display:block;width:100%;margin-top:12px;padding:14px;border:0;border-radius:6px;font-size:1em;font-weight:600;cursor:pointer}}
.approve{{background:#009ee3;color:#fff}} .reject{{background:#fde2e2;color:#991b1b}} .pending{{background:#f3f4f6}}
</style></head>
<body><header>Mercado Pago · sandbox</header><main>
<h1>{heading}</h1>
<p class="note">{note}</p>
<table>{rows}</table>
<p class="total" data-testid="mp-total">Total: {currency} {total}</p>
<form method="post" action="/checkout/v1/pay">
<input type="hidden" name="pref_id" value="{pref_id}">
<button class="approve" name="outcome" value="approve" data-testid="mp-approve">{approve}</button>
<button class="reject" name="outcome" value="reject" data-testid="mp-reject">{reject}</button>
<button class="pending" name="outcome" value="pending" data-testid="mp-pending">{pending}</button>
</form>
<p><a href="{leave_url}" data-testid="mp-leave">{leave}</a></p>
</main></body></html>"""

EXPIRED_PAGE = """<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Mercado Pago</title></head>
<body><h1 data-testid="mp-expired">{expired}</h1></body></html>"""


class Handler(BaseHTTPRequestHandler):
    server_version = "MercadoPagoSandbox/1.0"
    state: State  # set on the subclass made per server

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        logger.debug("%s %s", self.address_string(), format % args)

    # -- plumbing -------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _api_guard(self) -> bool:
        """Authorization, and any failure a test queued. True when the call may proceed."""
        if len((self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()) < 8:
            self._json(401, error_body(401, "unauthorized", "invalid access token"))
            return False
        status = self.state.misbehave()
        if status:
            self._json(status, error_body(status, "internal_error", "sandbox was told to fail"))
            return False
        return True

    # -- routes ---------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        parts = url.path.strip("/").split("/")
        if url.path == "/checkout/v1/redirect":
            return self._checkout_page(query.get("pref_id", [""])[0])
        if url.path == "/__sandbox__/state":
            with self.state.lock:
                return self._json(
                    200,
                    {
                        "preferences": list(self.state.preferences.values()),
                        "payments": list(self.state.payments.values()),
                        "held_webhooks": len(self.state.held),
                        "delivered": self.state.delivered,
                    },
                )
        if not self._api_guard():
            return None
        if url.path == "/v1/payments/search":
            reference = query.get("external_reference", [None])[0]
            with self.state.lock:
                results = [
                    p
                    for p in self.state.payments.values()
                    if reference is None or p["external_reference"] == reference
                ]
            return self._json(
                200,
                {"paging": {"total": len(results), "limit": 30, "offset": 0}, "results": results},
            )
        if parts[:2] == ["v1", "payments"] and len(parts) == 3:
            payment = self.state.payments.get(parts[2])
            if payment is None:
                return self._json(404, error_body(404, "not_found", "Payment not found"))
            return self._json(200, payment)
        if parts[:2] == ["checkout", "preferences"] and len(parts) == 3:
            preference = self.state.preferences.get(parts[2])
            if preference is None:
                return self._json(404, error_body(404, "not_found", "Preference not found"))
            return self._json(200, preference)
        return self._json(404, error_body(404, "not_found", "no such endpoint"))

    def do_PUT(self):  # noqa: N802
        parts = urlsplit(self.path).path.strip("/").split("/")
        if not self._api_guard():
            return None
        if parts[:2] == ["checkout", "preferences"] and len(parts) == 3:
            with self.state.lock:
                preference = self.state.preferences.get(parts[2])
                if preference is None:
                    return self._json(404, error_body(404, "not_found", "Preference not found"))
                preference.update(json.loads(self._body() or b"{}"))
            return self._json(200, preference)
        return self._json(404, error_body(404, "not_found", "no such endpoint"))

    def do_POST(self):  # noqa: N802
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if url.path == "/checkout/v1/pay":
            return self._pay()
        if url.path == "/__sandbox__/control":
            return self._control()
        if not self._api_guard():
            return None
        if url.path == "/checkout/preferences":
            try:
                data = json.loads(self._body() or b"{}")
            except ValueError:
                return self._json(400, error_body(400, "bad_request", "invalid JSON"))
            if not data.get("items"):
                return self._json(400, error_body(400, "invalid_items", "items needed"))
            return self._json(201, self.state.create_preference(data))
        if parts[:2] == ["v1", "payments"] and len(parts) == 4 and parts[3] == "refunds":
            body = self._body()
            amount = (json.loads(body) or {}).get("amount") if body and body != b"null" else None
            status, data = self.state.refund(
                parts[2], self.headers.get("x-idempotency-key", ""), amount
            )
            return self._json(status, data)
        return self._json(404, error_body(404, "not_found", "no such endpoint"))

    def _checkout_page(self, pref_id: str):
        preference = self.state.preferences.get(pref_id)
        if preference is None:
            return self._send(404, b"<h1>Unknown payment link</h1>", "text/html; charset=utf-8")
        if self.state.preference_expired(preference):
            return self._send(410, self._expired_page(), "text/html; charset=utf-8")
        rows = "".join(
            f"<tr><td>{html.escape(str(i.get('title', '')))} × {int(i.get('quantity', 1))}</td>"
            f"<td>{html.escape(str(i.get('unit_price', '')))}</td></tr>"
            for i in preference.get("items", [])
        )
        items = preference.get("items") or [{}]
        lang = page_language(self.headers.get("Accept-Language", ""))
        page = CHECKOUT_PAGE.format(
            rows=rows,
            total=f"{self.state.amount_of(preference):.2f}",
            currency=html.escape(str(items[0].get("currency_id", "BRL"))),
            pref_id=html.escape(pref_id),
            leave_url=html.escape(back_url_for(preference, None, "failure")),
            lang=lang,
            **PAGE_TEXT[lang],
        )
        return self._send(200, page.encode(), "text/html; charset=utf-8")

    def _expired_page(self) -> bytes:
        lang = page_language(self.headers.get("Accept-Language", ""))
        return EXPIRED_PAGE.format(lang=lang, **PAGE_TEXT[lang]).encode()

    def _pay(self):
        form = parse_qs(self._body().decode())
        pref_id = form.get("pref_id", [""])[0]
        outcome = form.get("outcome", [""])[0]
        preference = self.state.preferences.get(pref_id)
        if preference is None or outcome not in OUTCOMES:
            return self._send(400, b"<h1>Bad payment request</h1>", "text/html; charset=utf-8")
        if self.state.preference_expired(preference):
            return self._send(410, self._expired_page(), "text/html; charset=utf-8")
        payment = self.state.create_payment(pref_id, outcome)
        location = back_url_for(preference, payment, OUTCOMES[outcome][2])
        return self._send(303, b"", "text/plain", {"Location": location})

    def _control(self):
        """Test hooks: {"fail_next": 2}, {"hang_next": 1, "hang_seconds": 5}, {"webhooks": "hold"},
        {"webhook_copies": 2}, {"webhook_delay": 1.5}, {"shipping_in_amount": false},
        {"release": "fifo" | "reverse"},
        {"set_status": {"payment_id": "...", "status": "approved"}}, {"reset": true}."""
        try:
            command = json.loads(self._body() or b"{}")
        except ValueError:
            return self._json(400, {"error": "invalid JSON"})
        state = self.state
        if command.get("reset"):
            state.behaviour = Behaviour()
            state.held.clear()
        for name in (
            "fail_next",
            "fail_refunds",
            "hang_next",
            "hang_seconds",
            "webhooks",
            "webhook_copies",
            "webhook_delay",
            "shipping_in_amount",
        ):
            if name in command:
                setattr(state.behaviour, name, command[name])
        released = []
        if "release" in command:
            released = state.release_held(reverse=command["release"] == "reverse")
        if "set_status" in command:
            order = command["set_status"]
            state.update_payment(str(order["payment_id"]), order["status"])
        return self._json(200, {"ok": True, "released": released})


class SandboxServer:
    """The sandbox on a loopback port, served from a background thread."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, secret: str, public_url: str | None = None
    ):
        self.state = State(secret=secret)
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.state.public_url = (public_url or self.url).rstrip("/")
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def serve_forever(self) -> None:
        self.httpd.serve_forever()
