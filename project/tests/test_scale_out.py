"""Two store processes on one PostgreSQL and one Redis, as on two machines behind a load
balancer: one shopper's journey alternates between them and stays consistent.

Each store is a real gunicorn with production settings (DEBUG off, WhiteNoise, cached sessions
in Redis, versioned catalogue fragments) on its own port; the shopper is one cookie jar, as a
browser behind a load balancer would be. CI runs this on PostgreSQL with REDIS_URL set."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.db import connection

from checkout.tests.buyer import GUEST
from orders.models import Invoice, Order, PaymentStatus

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "scale-out-test-secret-key-shared-by-both-stores-0123456789abcdef"  # noqa: S105

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two stores share PostgreSQL and Redis (CI runs the suite with both)",
    ),
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Store:
    """One gunicorn serving the store, as one machine of the fleet."""

    def __init__(self, name: str, port: int, env: dict, log_dir: Path):
        self.name, self.url = name, f"http://127.0.0.1:{port}"
        self.log = (log_dir / f"{name}.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn)
            [sys.executable, "-m", "gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "2", "--timeout", "60"],
            cwd=ROOT,
            env={**env, "SITE_URL": self.url},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or still loading
                pass
            time.sleep(0.2)
        raise AssertionError(f"store {self.name} did not start: {Path(self.log.name).read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def stores(tmp_path, sandbox):
    """Stores A and B with production settings, on the test database and the test Redis."""
    assert settings.REDIS_URL, "on PostgreSQL the suite needs REDIS_URL (redis://127.0.0.1:6379/0)"
    static_root = tmp_path / "static"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "False",
        "LANGUAGE_CODE": "en",  # the assertions read English pages
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MERCADOPAGO_API_BASE_URL": sandbox.url,
        "MERCADOPAGO_WEBHOOK_SECRET": settings.MERCADOPAGO_WEBHOOK_SECRET,
        "LOG_FORMAT": "json",
    }
    env.pop("MERCADOPAGO_ACCESS_TOKEN", None)
    collect = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    ports = free_port(), free_port()
    env["CSRF_TRUSTED_ORIGINS"] = ",".join(f"http://127.0.0.1:{port}" for port in ports)
    a, b = (Store(name, port, env, tmp_path) for name, port in zip("AB", ports, strict=True))
    try:
        a.wait_until_healthy()
        b.wait_until_healthy()
        yield a, b
    finally:
        a.stop()
        b.stop()


def cart_count(html: str) -> int:
    return int(re.search(r'data-testid="cart-count"[^>]*>(\d+)<', html).group(1))


def csrf(session: requests.Session) -> str:
    return session.cookies["csrftoken"]


def test_one_shoppers_journey_across_two_store_processes(stores, catalogue, sandbox):
    a, b = stores
    shirt = catalogue.product("Scale Shirt", price="120.00", stock={("Navy", "M"): 1})
    variant = shirt.variants.get()
    shopper = requests.Session()  # one browser: cookies do not depend on the port

    # Browse on A: both processes cache the product page's fragments.
    listing = shopper.get(f"{a.url}/", timeout=10)
    assert listing.status_code == 200 and "Scale Shirt" in listing.text
    product_path = shirt.get_absolute_url()
    for store in (a, b):
        page = shopper.get(store.url + product_path, timeout=10)
        assert page.status_code == 200 and "Sold out" not in page.text

    # Add on B, with the CSRF cookie A set.
    added = shopper.post(
        f"{b.url}/cart/add/",
        data={
            "csrfmiddlewaretoken": csrf(shopper),
            "product": shirt.pk,
            "color": "navy",
            "size": "M",
            "quantity": "1",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert added.status_code == 302, added.text[:500]
    assert cart_count(shopper.get(f"{a.url}/cart/", timeout=10).text) == 1

    # Check out on A: the order is placed and the buyer sent to Mercado Pago.
    assert shopper.get(f"{a.url}/checkout/", timeout=10).status_code == 200
    confirmed = shopper.post(
        f"{a.url}/checkout/confirm/",
        data={"csrfmiddlewaretoken": csrf(shopper), **GUEST},
        allow_redirects=False,
        timeout=30,
    )
    assert confirmed.status_code == 302, confirmed.text[:500]
    assert confirmed.headers["Location"].startswith(sandbox.url)

    # Pay at Mercado Pago; its notification reaches B.
    pref_id = confirmed.headers["Location"].split("pref_id=")[1]
    paid = requests.post(
        f"{sandbox.url}/checkout/v1/pay",
        data={"pref_id": pref_id, "outcome": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 303
    [webhook] = sandbox.state.take_held()
    notified = requests.post(
        b.url + webhook.path_and_query, data=webhook.body, headers=webhook.headers, timeout=30
    )
    assert notified.status_code == 200 and notified.json() == {"status": "paid"}

    # The buyer comes back to A, which sees the payment B applied.
    back = urlsplit(paid.headers["Location"])
    returned = shopper.get(f"{a.url}{back.path}?{back.query}", allow_redirects=False, timeout=30)
    assert returned.status_code == 302
    order_page = shopper.get(b.url + returned.headers["Location"], timeout=10)
    assert order_page.status_code == 200 and 'data-status="paid"' in order_page.text

    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.PAID and order.total == shirt.price
    assert Invoice.objects.filter(order=order).count() == 1
    variant.refresh_from_db()
    assert variant.quantity == 0
    # Both processes see the emptied cart and the sold-out product: the session and the
    # catalogue versions live in Redis, not in either process.
    for store in (a, b):
        assert cart_count(shopper.get(f"{store.url}/cart/", timeout=10).text) == 0
        assert "Sold out" in shopper.get(store.url + product_path, timeout=10).text


def test_a_login_on_one_store_is_a_login_on_the_other(stores, django_user_model):
    a, b = stores
    django_user_model.objects.create_user(email="ana@example.com", password="scale-out-pw-2026")
    shopper = requests.Session()
    shopper.get(f"{a.url}/accounts/login/", timeout=10)

    logged_in = shopper.post(
        f"{a.url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": csrf(shopper),
            "login": "ana@example.com",
            "password": "scale-out-pw-2026",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert logged_in.status_code == 302

    profile = shopper.get(f"{b.url}/accounts/profile/", allow_redirects=False, timeout=10)
    assert profile.status_code == 200 and "ana@example.com" in profile.text
    shopper.post(
        f"{b.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": csrf(shopper)},
        timeout=10,
    )
    assert (
        shopper.get(f"{a.url}/accounts/profile/", allow_redirects=False, timeout=10).status_code
        == 302
    )
