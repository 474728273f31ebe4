"""Fixtures shared by every app's tests and the browser journeys."""

from __future__ import annotations

import copy
import functools
import itertools
import threading
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from django.urls import clear_url_caches

from demo.seed import render_product_image
from store.models import Category, Color, Product, ProductImage, Size, Tag, Variant

_counter = itertools.count(1)


@functools.cache
def _picture() -> bytes:
    return render_product_image("Test product", "#445566", "#ffffff", 1)


def run_concurrently(worker, count: int) -> list:
    """Run `worker(index)` in `count` threads, each with its own database connection, all
    released at the same instant. Returns each call's result or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = worker(index)
        except Exception as error:  # noqa: BLE001 (reported to the test)
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck (deadlock?)"
    return results


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent transactions need PostgreSQL (CI runs the suite on it)",
)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory):
    """On SQLite, test in a file rather than in shared memory: the live server's threads then
    get connections of their own that wait for each other's locks, as in production, instead
    of failing with "database table is locked"."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached fragments live in the cache: no test sees another's. Set up
    before the `settings` fixture, so that a test's own CACHES is undone before this clears."""
    from django.core.cache import caches

    for alias in ("default", "fragments"):
        caches[alias].clear()
    yield
    for alias in ("default", "fragments"):
        caches[alias].clear()


_url_language = {"default": None}


@receiver(setting_changed)
def _urls_follow_the_default_language(*, setting, value, **kwargs):
    """Django builds each language's URL patterns once, with that language's prefix (none for
    the default language) baked in: when a test changes the default, they are built again."""
    if setting == "LANGUAGE_CODE" and value != _url_language["default"]:
        _url_language["default"] = value
        clear_url_caches()


@pytest.fixture(autouse=True)
def _english_unless_told(_fresh_cache, settings):  # after the cache fixture: see _fresh_cache
    """The suites written before the store spoke Portuguese read English pages: they run with
    English as the default (unprefixed) language. Tests of the languages themselves use the
    `brazilian` fixture, which puts back the production default."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def brazilian(settings):
    """The production default: Brazilian Portuguese at /, English at /en/, Spanish at /es/."""
    settings.LANGUAGE_CODE = "pt-br"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated pictures go to a per-test folder, never the developer's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


# What one client may hold unpaid in production (project/settings.py): half of a variant's
# units on hand, at most 10. The tests of that defence (project/tests/security/
# test_stock_hoarding.py, orders/tests/test_hold_limits.py) use these numbers; every other test
# keeps only the ceiling, so that their tiny stocks (3 or 4 units bought in 3s by "different
# shoppers" who share one test e-mail) test what they are about.
HOLD_SHARE, HOLD_LIMIT = 50, 10


@pytest.fixture(autouse=True)
def _hold_limit_ceiling_only(settings):
    settings.CHECKOUT_HOLD_SHARE = 0
    settings.CHECKOUT_HOLD_LIMIT = HOLD_LIMIT


@pytest.fixture
def hold_limits(settings):
    """The production limits on what one client may hold unpaid."""
    settings.CHECKOUT_HOLD_SHARE = HOLD_SHARE
    settings.CHECKOUT_HOLD_LIMIT = HOLD_LIMIT


class Catalogue:
    """Small builders for catalogue rows; every name and slug is unique."""

    def category(self, name: str | None = None, **fields) -> Category:
        n = next(_counter)
        name = name or f"Category {n}"
        return Category.objects.create(
            name=name, slug=fields.pop("slug", f"category-{n}"), **fields
        )

    def tag(self, name: str) -> Tag:
        return Tag.objects.get_or_create(
            slug=name.lower().replace(" ", "-"), defaults={"name": name}
        )[0]

    def color(self, name: str, hex_code: str = "#123456") -> Color:
        return Color.objects.get_or_create(
            slug=name.lower(), defaults={"name": name, "hex_code": hex_code}
        )[0]

    def size(self, name: str, position: int = 0) -> Size:
        return Size.objects.get_or_create(name=name, defaults={"position": position})[0]

    def product(
        self,
        name: str | None = None,
        *,
        price: str | Decimal = "100.00",
        category: Category | None = None,
        stock: dict | int | None = 5,
        tags=(),
        images: int = 1,
        **fields,
    ) -> Product:
        """A product with variants. `stock` maps (colour name or None, size name or None) to
        units; an int gives a single variant with no choice."""
        n = next(_counter)
        name = name or f"Product {n}"
        product = Product.objects.create(
            name=name,
            slug=fields.pop("slug", f"product-{n}"),
            category=category or self.category(),
            price=Decimal(price),
            **fields,
        )
        if tags:
            product.tags.set([self.tag(t) for t in tags])
        if isinstance(stock, int):
            stock = {(None, None): stock}
        for (color, size), units in (stock or {}).items():
            Variant.objects.create(
                product=product,
                color=self.color(color) if color else None,
                size=self.size(size) if size else None,
                quantity=units,
            )
        for number in range(1, images + 1):
            self.image(product, number=number, primary=number == 1)
        return product

    def image(self, product: Product, *, number: int = 1, primary: bool = False) -> ProductImage:
        picture = ProductImage(
            product=product,
            alt_text=f"{product.name} {number}",
            position=number,
            is_primary=primary,
        )
        picture.image.save(f"{product.slug}-{number}.jpg", ContentFile(_picture()), save=False)
        picture.save()
        return picture


@pytest.fixture
def catalogue(db) -> Catalogue:
    return Catalogue()


WEBHOOK_SECRET = "test-webhook-secret"


@pytest.fixture
def sandbox(settings):
    """The offline Mercado Pago sandbox on a loopback port, with the store pointed at it.

    Webhooks are held by default so tests deliver them through the Django test client
    (`deliver`); journeys against a live server switch them to "send".
    """
    from payments.mercado_pago.sandbox import SandboxServer

    server = SandboxServer(secret=WEBHOOK_SECRET).start()
    settings.MERCADOPAGO_API_BASE_URL = server.url
    settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-sandbox-token"
    settings.MERCADOPAGO_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.MERCADOPAGO_TIMEOUT = 2.0
    # Forms may send the buyer on to this sandbox's checkout, as to Mercado Pago's.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", server.url]
    settings.CONTENT_SECURITY_POLICY = policy
    server.state.behaviour.webhooks = "hold"
    yield server
    server.stop()


@pytest.fixture
def buyer(client, sandbox):
    """The test client as a buyer who checks out and pays through the sandbox."""
    from checkout.tests.buyer import Buyer

    return Buyer(client, sandbox)


@pytest.fixture
def shirt(catalogue):
    """A variant with 5 units: a Navy M Linen Shirt at R$ 150.00."""
    product = catalogue.product("Linen Shirt", price="150.00", stock={("Navy", "M"): 5})
    return product.variants.get()
