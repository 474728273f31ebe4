"""Shared pieces of the security tests: the database snapshot every attack is compared
against, two shoppers with one of everything, and checks on redirects and pages."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.apps import apps
from django.core import mail, signing
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Address, User
from cart.models import Cart, CartLine
from checkout import services as checkout_services
from checkout.views import CREDIT_DONE_SALT
from orders.models import Order
from payments import store_credit

# Every row these apps own is part of the snapshot ("account" is allauth's e-mail addresses).
SNAPSHOT_APPS = ("accounts", "account", "store", "cart", "orders", "payments")

PASSWORD = "Pw-for-security-tests-2026"

# A valid address-book form; attacks post it where they should not be able to.
ADDRESS = {
    "recipient": "Taken Over",
    "postal_code": "01310-100",
    "street": "Avenida Paulista",
    "number": "1",
    "district": "Bela Vista",
    "city": "São Paulo",
    "state": "SP",
    "country": "BR",
    "phone": "(11) 91234-5678",
}


# Bookkeeping left out of the snapshot: when Mercado Pago was last asked about a payment
# (every buyer's return and notification re-reads it, which is how replays stay harmless).
NOT_COMPARED = {"payments.MercadoPagoPayment": {"updated_at"}}


def db_state() -> dict:
    """Everything an attack could change: every row of the store's own tables (stock, carts,
    orders, invoices, addresses, users, payments, store credit and its ledger) and the number
    of e-mails sent. Compared before and after each attack."""
    state: dict = {"mail": len(mail.outbox)}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            skip = NOT_COMPARED.get(model._meta.label, set())
            rows = model.objects.order_by("pk").values()
            state[model._meta.label] = [
                {k: v for k, v in row.items() if k not in skip} for row in rows
            ]
    return state


# -- the resolver ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # e.g. "cart/lines/<int:line_id>/<slug:action>/"
    name: str | None  # e.g. "cart:line"
    callback: object
    params: tuple[str, ...]


def _params(pattern) -> tuple[str, ...]:
    regex = pattern.pattern.regex
    return tuple(regex.groupindex) or tuple(f"#{n}" for n in range(regex.groups))


def routes(patterns=None, prefix: str = "", namespace: str | None = None):
    """Every URL pattern the project answers, with the parameters its path takes."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            outer = _params(entry)
            for route in routes(entry.url_patterns, prefix + str(entry.pattern), inner):
                yield Route(route.route, route.name, route.callback, outer + route.params)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(prefix + str(entry.pattern), name, entry.callback, _params(entry))


def route_key(route: Route) -> str:
    return route.name or route.route


# -- two shoppers with one of everything ---------------------------------------------------


def address_of(recipient: str, **fields) -> Address:
    """An unsaved delivery address."""
    data = {
        "recipient": recipient,
        "street": "Rua Sigilosa",
        "number": "77",
        "complement": "",
        "district": "Centro",
        "city": "Recife",
        "state": "PE",
        "postal_code": "50000-000",
        "country": "BR",
        "phone": "(81) 98888-7777",
    }
    return Address(**{**data, **fields})


def address_for(user: User, recipient: str, **fields) -> Address:
    address = address_of(recipient, **fields)
    address.user, address.is_default = user, True
    address.save()
    return address


def issue_token(amount: str = "1000.00", **fields):
    defaults = {"expires_on": timezone.localdate() + timedelta(days=30), "actor": None}
    return store_credit.token_issue(amount=Decimal(amount), **{**defaults, **fields})


@dataclass
class Belongings:
    """What one shopper owns: the objects other people must never reach."""

    user: User | None
    cart: Cart
    line: CartLine
    address: Address | None
    order: Order  # paid with store credit, so it has an invoice
    secret: str  # a string found only in this shopper's data

    @property
    def order_token(self) -> str:
        return self.order.signed_url().rstrip("/").rsplit("/", 1)[-1]

    @property
    def credit_done_token(self) -> str:
        return signing.dumps(self.order.pk, salt=CREDIT_DONE_SALT)


def belongings(*, variant, user: User | None, secret: str) -> Belongings:
    """A shopper (or, with no user, a guest browser's cart) with an address, a paid order
    with its invoice, and a line still in the cart."""
    email = user.email if user else f"{secret.lower()}@example.com"
    address = address_for(user, secret) if user else None
    cart = Cart(user=user)
    from cart import services as cart_services

    cart_services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=1)
    token = issue_token(owner=user)
    order, _entry = checkout_services.checkout_pay_with_token(
        cart=cart, user=user, email=email, address=address_of(secret), code=str(token.token)
    )
    line = cart_services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=1)
    return Belongings(user, cart, line, address, order, secret)


# -- pages and redirects --------------------------------------------------------------------

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")|("X-CSRFToken": ")[^"]*(")')


def without_csrf(html: str) -> str:
    """A page with its (per-response, masked) CSRF tokens blanked, to compare two pages."""
    return CSRF_VALUE.sub(lambda m: "".join(g for g in m.groups() if g is not None), html)


HX_HEADERS = re.compile(r"<body[^>]*\shx-headers='([^']*)'")


def htmx_csrf_token(html: str) -> str:
    """The token a page gives htmx: the JSON in hx-headers on <body>."""
    match = HX_HEADERS.search(html)
    assert match, "the page's <body> carries no hx-headers for htmx"
    return json.loads(match.group(1))["X-CSRFToken"]


def foreign_target(location: str, *, site_hosts=("testserver",)) -> str | None:
    """Where a browser would go for this Location if it leaves the site, else None.

    Read the way browsers read it: surrounding blanks and control characters dropped, tabs
    and newlines inside removed, backslashes as slashes. A scheme without a host
    ("https:evil.example") counts as foreign, as does any scheme but http(s)."""
    cleaned = "".join(c for c in location.strip() if c not in "\t\r\n").replace("\\", "/")
    cleaned = cleaned.lstrip("".join(chr(n) for n in range(33)))
    parts = urlsplit(cleaned)
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return cleaned
    if parts.scheme and not parts.netloc:
        return cleaned
    if cleaned.startswith("//") or parts.netloc:
        host = (parts.hostname or "").lower()
        return None if host in site_hosts else cleaned
    return None
