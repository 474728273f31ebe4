"""Shoppers for the load test (bench/load/run.py starts this with locust; see bench/README.md).

Each simulated shopper is a browser with its own cookies and its own loopback address (127.0.x.y,
so per-address limits such as allauth's login rate see many visitors, as in production). It
repeats journeys: land on the home page, browse (category listings with filters, searches, the
htmx results partial, pagination), open product pages and pick a colour and size through the
htmx variant picker, add to the cart, change the cart (increase, remove), and
often check out: confirm (htmx), Mercado Pago's hosted page on the offline sandbox, approve
(mostly), reject or leave pending, and follow the redirect back to the store's finalize URL and
the order page. Some shoppers log in (accounts made by run.py, some before shopping, some at
checkout, which merges their anonymous cart); the others stay anonymous with a cookie cart.
A "drop" of products with a few units is wanted by many shoppers at once.

Every request has a name, so locust reports p50/p95/max per kind of request. A refusal that is
the store's business answer (sold out, not enough stock, the cart adjusted to stock) is a
successful request counted in OUTCOMES, not an error. Anything else unexpected is a failure.

Mercado Pago decides pending payments later: a background greenlet approves (mostly) or
rejects them through the sandbox's control endpoint, which notifies the store by webhook.

Configuration comes from run.py through the environment: LOAD_CATALOGUE (the JSON written by
the setup), LOAD_SANDBOX_URL, and LOAD_RESULTS (where the final figures per request name, the
failures and the business counters are written when locust quits).
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
import uuid
from collections import Counter, deque
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import gevent
import requests
from locust import HttpUser, between, events, task
from urllib3 import PoolManager

CATALOGUE = json.loads(Path(os.environ["LOAD_CATALOGUE"]).read_text())
SANDBOX_URL = os.environ["LOAD_SANDBOX_URL"].rstrip("/")
RESULTS_PATH = Path(os.environ["LOAD_RESULTS"])

PRODUCTS = CATALOGUE["products"]
DROP = [p for p in PRODUCTS if p["contended"]]
REGULAR = [p for p in PRODUCTS if not p["contended"] and any(v["stock"] for v in p["variants"])]

THINK = (1.0, 4.0)  # seconds between two steps of a journey
OUTCOMES: Counter = Counter()
PENDING: deque = deque()  # (payment id, when it was left pending)
_numbers = itertools.count()
_members = itertools.count()

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINE_ID = re.compile(r'data-line-id="(\d+)"')
ADDRESS_ID = re.compile(r'name="address" value="(\d+)"')
PAY_AGAIN = re.compile(r'href="([^"]+)"[^>]*data-testid="pay-again"')
ORDER_STATUS = re.compile(r'data-testid="order-status" data-status="(\w+)"')
CHECKOUT_ERROR = re.compile(r'data-testid="checkout-error">(.*?)</div>', re.S)
ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"')

GUEST_ADDRESS = {
    "delivery-recipient": "Ana Souza",
    "delivery-postal_code": "01310-100",
    "delivery-street": "Avenida Paulista",
    "delivery-number": "1000",
    "delivery-complement": "",
    "delivery-district": "Bela Vista",
    "delivery-city": "São Paulo",
    "delivery-state": "SP",
    "delivery-country": "BR",
    "delivery-phone": "(11) 91234-5678",
}
SEARCHES = ["linen", "shirt", "dress", "canvas", "organic", "tee", "drop", "sneaker", "summer"]
SORTS = ["newest", "price_asc", "price_desc", "name"]


class Abandon(Exception):
    """The journey cannot go on (the failure was already reported to locust)."""


def note(outcome: str) -> None:
    OUTCOMES[outcome] += 1


class Shopper(HttpUser):
    abstract = True
    wait_time = between(2, 6)  # between two journeys

    def __init__(self, environment):
        number = next(_numbers)
        self.source = f"127.0.{1 + number // 250}.{1 + number % 250}"
        self.pool_manager = PoolManager(source_address=(self.source, 0), maxsize=2)
        super().__init__(environment)
        self.logged_in = False
        self.assets_loaded = False
        self.unpaid: list[str] = []  # pages of this shopper's orders left awaiting payment

    # -- plumbing -------------------------------------------------------------------------
    def think(self):
        gevent.sleep(random.uniform(*THINK))

    def call(self, method, url, name, *, expect=(200,), htmx=False, data=None, check=None):
        """One request; marks it failed when its status is not expected or `check(response)`
        returns a reason, and then abandons the journey."""
        headers = {}
        if htmx:
            headers["HX-Request"] = "true"
            headers["HX-Current-URL"] = self.host + "/"
        if method == "POST" and htmx:
            headers["X-CSRFToken"] = self.csrf()
        with self.client.request(
            method,
            url,
            name=name,
            data=data,
            headers=headers,
            allow_redirects=False,
            timeout=60,
            catch_response=True,
        ) as response:
            reason = None
            if not response.status_code:
                reason = f"no answer: {response.error!r}"[:300]
            elif response.status_code not in expect:
                reason = f"HTTP {response.status_code} (expected {'/'.join(map(str, expect))})"
            elif check is not None:
                reason = check(response)
            if reason:
                response.failure(reason)
                raise Abandon(reason)
            response.success()
            return response

    def csrf(self) -> str:
        token = self.client.cookies.get("csrftoken")
        if not token:
            self.call("GET", "/", "home")
            token = self.client.cookies.get("csrftoken", "")
        return token

    def location(self, response) -> str:
        return response.headers.get("Location", "")

    # -- journey --------------------------------------------------------------------------
    @task
    def journey(self):
        try:
            self.shop()
        except Abandon:
            note("journeys abandoned after a failed request")

    def shop(self):
        self.land()
        if self.unpaid and random.random() < 0.3:
            self.think()
            self.pay_unpaid_order(self.unpaid.pop(0))
        for _ in range(random.randint(1, 3)):
            self.think()
            self.browse()
        wants_drop = bool(DROP) and random.random() < 0.35
        added = 0
        for number in range(random.choice([1, 1, 1, 2, 2, 3])):
            self.think()
            pool = DROP if wants_drop and number == 0 else REGULAR
            product = random.choice(pool)
            variant = self.view_product(product)
            if variant is not None and random.random() < 0.8:
                self.think()
                added += self.add_to_cart(product, variant, wants_drop and number == 0)
        if not added:
            note("journeys: browsing only")
            return
        self.think()
        self.edit_cart()
        if random.random() < 0.75:
            self.think()
            self.checkout()
        else:
            note("journeys: left with a full cart")

    def land(self):
        page = self.call("GET", "/", "home")
        if not self.assets_loaded:  # a browser fetches the CSS and htmx once, then caches them
            for asset in sorted(set(ASSETS.findall(page.text))):
                self.call("GET", asset, "static asset")
            self.assets_loaded = True

    def browse(self):
        choice = random.random()
        if choice < 0.35:
            category = random.choice(CATALOGUE["categories"])
            query = f"size={random.choice(CATALOGUE['sizes'])}&sort={random.choice(SORTS)}"
            if random.random() < 0.5:
                query += f"&color={random.choice(CATALOGUE['colors'])}&in_stock=on"
            self.call("GET", f"/c/{category}/?{query}", "listing: category + filters")
        elif choice < 0.6:
            term = random.choice(SEARCHES)
            self.call("GET", f"/?q={term}", "listing: search")
        else:
            # Filter changes and pagination swap the results partial (htmx).
            params = random.choice(
                [
                    f"category={random.choice(CATALOGUE['categories'])}&in_stock=on",
                    f"color={random.choice(CATALOGUE['colors'])}&sort={random.choice(SORTS)}",
                    f"min_price=100&max_price={random.choice([200, 300, 500])}",
                    f"q={random.choice(SEARCHES)}&size={random.choice(CATALOGUE['sizes'])}",
                    "page=2",
                ]
            )
            self.call(
                "GET",
                f"/?{params}",
                "listing: results (htmx)",
                htmx=True,
                check=lambda r: None if 'id="product-results"' in r.text else "no results partial",
            )

    def view_product(self, product) -> dict | None:
        self.call("GET", f"/p/{product['slug']}/", "product page")
        variants = [v for v in product["variants"] if v["stock"]] or product["variants"]
        variant = random.choice(variants)
        if variant["color"]:
            self.think()
            self.call(
                "GET",
                f"/p/{product['slug']}/?color={variant['color']}",
                "product: variant picker (htmx)",
                htmx=True,
            )
        if variant["size"]:
            self.think()
            query = f"color={variant['color']}&" if variant["color"] else ""
            self.call(
                "GET",
                f"/p/{product['slug']}/?{query}size={variant['size']}",
                "product: variant picker (htmx)",
                htmx=True,
                check=lambda r: None if 'data-testid="stock-status"' in r.text else "no picker",
            )
        return variant

    def add_to_cart(self, product, variant, drop: bool) -> int:
        answer = self.call(
            "POST",
            "/cart/add/",
            "cart: add (htmx)",
            htmx=True,
            data={
                "product": product["id"],
                "color": variant["color"] or "",
                "size": variant["size"] or "",
                "quantity": random.choice([1, 1, 1, 2]),
            },
            check=lambda r: (
                None
                if 'data-testid="add-feedback"' in r.text or 'data-testid="add-error"' in r.text
                else "neither added nor refused"
            ),
        )
        if 'data-testid="add-error"' in answer.text:
            note(f"add refused (stock){' - drop' if drop else ''}")
            return 0
        note(f"add accepted{' - drop' if drop else ''}")
        return 1

    def edit_cart(self):
        page = self.call("GET", "/cart/", "cart page")
        if 'data-testid="stock-warning"' in page.text:
            note("cart page shrank lines to stock")
        lines = LINE_ID.findall(page.text)
        if not lines:
            note("cart empty when opened")
            return
        if random.random() < 0.4:
            self.think()
            answer = self.call(
                "POST",
                f"/cart/lines/{random.choice(lines)}/increase/",
                "cart: increase (htmx)",
                htmx=True,
            )
            if 'data-testid="line-error"' in answer.text:
                note("increase refused (stock)")
            else:
                note("increase accepted")
        if len(lines) > 1 and random.random() < 0.3:
            self.think()
            self.call(
                "POST",
                f"/cart/lines/{lines[-1]}/remove/",
                "cart: remove (htmx)",
                htmx=True,
            )
            note("line removed")

    # -- checkout and payment --------------------------------------------------------------
    def checkout(self):
        page = self.call("GET", "/checkout/", "checkout page", expect=(200, 302))
        if page.status_code == 302:
            note("checkout page sent back to the cart (stock changed or cart empty)")
            return
        data = {"csrfmiddlewaretoken": self.csrf()}
        if self.logged_in:
            addresses = ADDRESS_ID.findall(page.text)
            if not addresses:
                raise Abandon("a member without an address")
            data["address"] = addresses[0]
        else:
            data.update(GUEST_ADDRESS, email=f"guest-{uuid.uuid4().hex[:12]}@example.com")
        self.think()
        answer = self.call(
            "POST",
            "/checkout/confirm/",
            "checkout: confirm (htmx)",
            htmx=True,
            data=data,
            check=self.confirm_check,
        )
        redirect = answer.headers.get("HX-Redirect", "")
        if not redirect:
            note("checkout refused: not enough stock")
            return
        if not redirect.startswith(SANDBOX_URL):
            note("checkout sent back to the cart (stock changed)")
            return
        note("orders placed")
        self.think()
        self.pay(redirect)

    @staticmethod
    def confirm_check(response):
        if response.headers.get("HX-Redirect"):
            return None
        error = CHECKOUT_ERROR.search(response.text)
        if error is None:
            return "confirm neither redirected nor explained a refusal"
        if "in stock" not in error.group(1):
            return f"checkout refused: {' '.join(error.group(1).split())[:120]}"
        return None  # not enough stock, said on the page: the store's business answer

    def pay(self, link: str, approve: bool = False):
        self.call("GET", link, "sandbox: hosted checkout")
        roll = random.random()
        if approve or roll < 0.78:
            outcome = "approve"
        elif roll < 0.88:
            outcome = "reject"
        elif roll < 0.96:
            outcome = "pending"
        else:
            note("payments: left Mercado Pago without paying")
            back = (
                f"/payments/finalize/?preference_id={parse_qs(urlsplit(link).query)['pref_id'][0]}"
            )
            self.think()
            self.back_to_store(back, "finalize: left MP unpaid", "left")
            return
        self.think()
        answer = self.call(
            "POST",
            f"{SANDBOX_URL}/checkout/v1/pay",
            "sandbox: pay",
            expect=(303,),
            data={"pref_id": parse_qs(urlsplit(link).query)["pref_id"][0], "outcome": outcome},
        )
        note(f"payments: {outcome}")
        back = self.location(answer)
        if outcome == "pending":
            PENDING.append((parse_qs(urlsplit(back).query)["payment_id"][0], time.monotonic()))
        status = self.back_to_store(back, "finalize: return from MP", outcome)
        if outcome == "reject" and status == "awaiting_payment" and random.random() < 0.5:
            note("payments: retried after a rejection")
            self.think()
            self.pay(link, approve=True)

    def back_to_store(self, url: str, name: str, outcome: str) -> str:
        """Mercado Pago's redirect to finalize, then the order page it sends the buyer to."""
        answer = self.call("GET", url, name, expect=(302,))
        expected = {
            "approve": {"paid", "refunded"},
            "reject": {"awaiting_payment", "payment_pending"},
            "pending": {"payment_pending", "paid"},
            "left": {"awaiting_payment", "payment_pending", "paid", "cancelled"},
        }[outcome]

        def order_check(response):
            found = ORDER_STATUS.search(response.text)
            if found is None:
                return "no order status on the order page"
            if found.group(1) not in expected:
                return f"order {found.group(1)} after '{outcome}'"
            return None

        page = self.location(answer)
        order = self.call("GET", page, "order page", check=order_check)
        status = ORDER_STATUS.search(order.text).group(1)
        note(f"order page after {outcome}: {status}")
        if status == "awaiting_payment":
            self.unpaid = [*self.unpaid, page][-3:]
        return status

    def pay_unpaid_order(self, page: str):
        """Back to an order left unpaid, and "Pay now" (its items may have been bought since
        by a later checkout of the same cart: then the payment is refunded)."""
        order = self.call("GET", page, "order page")
        link = PAY_AGAIN.search(order.text)
        if link is None:
            note("unpaid orders no longer payable (paid, cancelled or replaced)")
            return
        note("unpaid orders paid later")
        self.think()
        self.pay(html.unescape(link.group(1)), approve=True)

    # -- accounts -------------------------------------------------------------------------
    def log_in(self, then: str = "/"):
        email = CATALOGUE["members"][next(_members) % len(CATALOGUE["members"])]
        page = self.call("GET", f"/accounts/login/?next={then}", "login page")
        found = CSRF_INPUT.search(page.text)
        if found is None:
            raise Abandon("no CSRF token on the login page")
        self.think()
        self.call(
            "POST",
            f"/accounts/login/?next={then}",
            "log in",
            expect=(302,),
            data={
                "login": email,
                "password": CATALOGUE["password"],
                "csrfmiddlewaretoken": found.group(1),
            },
            check=lambda r: None if "/login" not in self.location(r) else "login refused",
        )
        self.logged_in = True
        note("logins")


class Guest(Shopper):
    """An anonymous shopper: a cookie cart and a guest checkout."""

    weight = 3


class Member(Shopper):
    """A shopper with an account: half log in first, the others at their first checkout
    (their anonymous cart is merged into the account's)."""

    weight = 2

    def on_start(self):
        self.login_at_checkout = random.random() < 0.5
        if not self.login_at_checkout:
            try:
                self.log_in()
            except Abandon:
                note("journeys abandoned after a failed request")

    def checkout(self):
        if not self.logged_in:
            self.log_in(then="/checkout/")
            note("logins at checkout (cart merged)")
        super().checkout()
        if random.random() < 0.3:
            self.think()
            self.call("GET", "/orders/", "order history")


# -- Mercado Pago settles pending payments later -------------------------------------------
_running = {"on": False}


def _settle_pending():
    """Approve most pending payments (a few are rejected) some seconds after they were left
    pending, as Mercado Pago does; the sandbox then notifies the store by webhook."""
    while _running["on"]:
        gevent.sleep(2)
        while PENDING and time.monotonic() - PENDING[0][1] > 10:
            payment_id, _since = PENDING.popleft()
            status = "approved" if random.random() < 0.8 else "rejected"
            try:
                answer = requests.post(
                    f"{SANDBOX_URL}/__sandbox__/control",
                    json={"set_status": {"payment_id": payment_id, "status": status}},
                    timeout=30,
                )
                answer.raise_for_status()
                note(f"pending payments later {status}")
            except requests.RequestException:
                note("pending payments the sandbox could not settle")


@events.test_start.add_listener
def _start(environment, **_kwargs):
    _running["on"] = True
    gevent.spawn(_settle_pending)


@events.test_stop.add_listener
def _stop(environment, **_kwargs):
    _running["on"] = False


def _figures(entry) -> dict:
    return {
        "name": entry.name,
        "method": entry.method,
        "count": entry.num_requests,
        "failures": entry.num_failures,
        "p50_ms": entry.get_response_time_percentile(0.5) if entry.num_requests else 0,
        "p95_ms": entry.get_response_time_percentile(0.95) if entry.num_requests else 0,
        "p99_ms": entry.get_response_time_percentile(0.99) if entry.num_requests else 0,
        "max_ms": round(entry.max_response_time or 0),
        "mean_ms": round(entry.avg_response_time, 1),
        "rps": round(entry.total_rps, 2),
    }


@events.quitting.add_listener
def _write_results(environment, **_kwargs):
    """The final figures per request name (the CSV files are written periodically and may
    miss the last seconds), the failures, and the business outcomes."""
    stats = environment.stats
    entries = sorted(stats.entries.values(), key=lambda e: (e.name, e.method))
    RESULTS_PATH.write_text(
        json.dumps(
            {
                "requests": [_figures(e) for e in entries] + [_figures(stats.total)],
                "failures": [
                    {"name": e.name, "error": str(e.error), "occurrences": e.occurrences}
                    for e in stats.errors.values()
                ],
                "outcomes": dict(sorted(OUTCOMES.items())),
                "pending_left": [payment_id for payment_id, _since in PENDING],
            },
            indent=2,
        )
    )
