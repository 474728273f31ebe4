"""Threat 1, access control: nobody reaches another shopper's objects by changing an id in a URL.

The table below has an entry for every URL pattern whose path takes a parameter; it is checked
against the resolver (`test_every_url_with_a_path_parameter_is_in_the_table`), so a new
pattern fails the suite until its access rules are written down here. For each entry, every
other shopper (a signed-in one, a guest browser with a cart of its own, and a stranger with no
cookies) tries the victim's object: a signed-in attacker gets a 404, exactly as for a missing
object; an anonymous one a 404 or the redirect to the login page; none sees the victim's data
and nothing in the database changes. The owner then makes the same requests successfully,
which proves the ids were right.

Signed links (orders/view/<token>/, checkout/store-credit/done/<token>/) are capabilities by
design: whoever holds the genuine link sees the order. The attacks on them are forgeries: a
token of the attacker's own order with the victim's id put in, the victim's id signed with
another salt or key, or the bare id; they are refused to everyone, the owner included.

Payments and store-credit tokens have no URL of their own outside the admin: a payment id
reaches the store only in the buyer's return query string and a token only in a form.

Ids sent in POST bodies rather than paths are covered elsewhere:
- another shopper's address at checkout: payments/tests/test_checkout.py
  TestConfirm::test_another_shoppers_address_cannot_be_used
- another shopper's store-credit token: payments/tests/test_store_credit.py
  TestRefusals::test_another_shoppers_token
- another shopper's Mercado Pago payment id at the buyer's return:
  payments/tests/test_purchase.py TestForgeries::test_another_shoppers_payment_id_reveals_nothing
  and test_tampering.py::test_finalize_with_another_orders_payment_id_pays_nothing_of_ones_own

Staff-only pages (the admin; the store has no other staff views): every admin URL refuses
shoppers and anonymous visitors (a redirect to a login page, or 403), a shopper's POSTs to it
change nothing, and the admin's login form signs nobody in (staff use the store's rate-limited
login page, see test_accounts.py).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from checkout.views import CREDIT_DONE_SALT
from orders.models import ORDER_LINK_SALT

from .conftest import client_for
from .helpers import ADDRESS, PASSWORD, Belongings, db_state, route_key, routes

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Probe:
    method: str
    url: Callable[[Belongings, Belongings], str]  # (victim, attacker) -> URL
    data: dict | None = None
    anonymous: str = "404"  # what an anonymous attacker gets: "404" or "login"
    owner: int | None = 200  # the owner's status for the same request (None: not checked)
    attack: bool = True  # False: the genuine link, only replayed by its owner
    forgery: bool = False  # a forged link: refused to its owner too


def _with_pk(token: str, pk: int) -> str:
    """A signed token whose payload is replaced by another id, the signature kept."""
    payload = base64.urlsafe_b64encode(signing.JSONSerializer().dumps(pk)).rstrip(b"=")
    return ":".join([payload.decode(), *token.split(":")[1:]])


def order_link_forgeries(victim: Belongings, attacker: Belongings) -> list[str]:
    return [
        _with_pk(attacker.order_token, victim.order.pk),
        signing.dumps(victim.order.pk, salt=CREDIT_DONE_SALT),  # signed for another page
        signing.dumps(victim.order.pk, salt=ORDER_LINK_SALT, key="guessed-secret-key"),
        str(victim.order.pk),
    ]


def credit_done_forgeries(victim: Belongings, attacker: Belongings) -> list[str]:
    return [
        _with_pk(attacker.credit_done_token, victim.order.pk),
        victim.order_token,  # the same id signed for the order link, not for this page
        signing.dumps(victim.order.pk, salt=CREDIT_DONE_SALT, key="guessed-secret-key"),
        str(victim.order.pk),
    ]


FORGERIES = 4


def _forged(name: str, forgeries, index: int) -> Probe:
    return Probe(
        "GET", lambda v, a: reverse(name, args=[forgeries(v, a)[index]]), owner=None, forgery=True
    )


def _genuine(name: str, token: Callable[[Belongings], str]) -> Probe:
    """The genuine link: only checked for its owner (it is a capability)."""
    return Probe("GET", lambda v, a: reverse(name, args=[token(v)]), owner=200, attack=False)


def _line(action: str, data=None, owner=302) -> Probe:
    return Probe(
        "POST", lambda v, a: reverse("cart:line", args=[v.line.pk, action]), data, owner=owner
    )


def _address(name: str, method="POST", data=None, owner=302) -> Probe:
    return Probe(
        method,
        lambda v, a: reverse(name, args=[v.address.pk]),
        data,
        anonymous="login",
        owner=owner,
    )


# Every URL pattern with a path parameter -> the probes an attacker sends, in the order the
# owner can then replay them (state-changing ones last).
TABLE: dict[str, list[Probe]] = {
    "accounts:address_edit": [
        _address("accounts:address_edit", "GET", owner=200),
        _address("accounts:address_edit", data=ADDRESS),
    ],
    "accounts:address_set_default": [_address("accounts:address_set_default")],
    "accounts:address_delete": [_address("accounts:address_delete")],
    "cart:line": [
        _line("increase"),
        _line("decrease"),
        _line("quantity", {"quantity": "3"}),
        _line("no-such-action", owner=None),
        _line("remove"),
    ],
    "orders:detail": [Probe("GET", lambda v, a: reverse("orders:detail", args=[v.order.pk]))],
    "orders:invoice": [Probe("GET", lambda v, a: reverse("orders:invoice", args=[v.order.pk]))],
    "orders:signed": [
        *(_forged("orders:signed", order_link_forgeries, i) for i in range(FORGERIES)),
        _genuine("orders:signed", lambda v: v.order_token),
    ],
    "orders:signed_invoice": [
        *(_forged("orders:signed_invoice", order_link_forgeries, i) for i in range(FORGERIES)),
        _genuine("orders:signed_invoice", lambda v: v.order_token),
    ],
    "checkout:credit_done": [
        *(_forged("checkout:credit_done", credit_done_forgeries, i) for i in range(FORGERIES)),
        _genuine("checkout:credit_done", lambda v: v.credit_done_token),
    ],
}

# Patterns whose parameter names no shopper's object: public catalogue and media. Their own
# refusals (hidden products, path traversal) are tested below.
MEDIA = "^media/(?P<path>.*)$"  # present only when settings.SERVE_MEDIA is on
PUBLIC = {
    "storefront:category": "public catalogue: any visitor may list a category",
    "storefront:product_detail": "public catalogue: any visitor may see an active product",
    MEDIA: "public product pictures, served by Django in development and the demo only",
}

# allauth's own key-based URLs: the key in the path is the secret, generated and checked by
# allauth (a wrong key shows allauth's "bad token" page); they hold no store objects.
ALLAUTH_KEYS = {
    "account_confirm_email": "allauth's e-mail confirmation key",
    "account_reset_password_from_key": "allauth's password-reset key",
}


def _victims(key: str) -> tuple[str, ...]:
    """Guests' objects are found through their cart, shoppers' through their account: both
    are tried where the view tells them apart. Signed links and addresses do not."""
    return (
        ("bruno", "guest")
        if key in ("cart:line", "orders:detail", "orders:invoice")
        else ("bruno",)
    )


CASES = [(key, victim) for key in TABLE for victim in _victims(key)]


def _send(browser: Client, probe: Probe, url: str):
    if probe.method == "GET":
        return browser.get(url)
    return browser.post(url, probe.data or {})


def _attackers(victim_name: str, shoppers: dict) -> list[tuple[str, Client, bool]]:
    """(name, browser, signed in) of everyone but the victim, and a stranger with no cookie."""
    found = [
        (name, client_for(owner), owner.user is not None)
        for name, owner in shoppers.items()
        if name != victim_name
    ]
    return [*found, ("stranger", Client(), False)]


@pytest.mark.parametrize(("key", "victim_name"), CASES)
def test_another_shoppers_object_is_out_of_reach(key, victim_name, ana, bruno, guest):
    shoppers = {"ana": ana, "bruno": bruno, "guest": guest}
    victim = shoppers[victim_name]
    secrets = (victim.secret, victim.order.email)

    for probe in (p for p in TABLE[key] if p.attack):
        attackers = _attackers(victim_name, shoppers)
        if probe.forgery:  # a link needs no session: one of each kind, and the owner too
            attackers = [attackers[0], attackers[-1]]
            attackers.append(("the owner", client_for(victim), victim.user is not None))
        before = db_state()
        for attacker_name, browser, signed_in in attackers:
            url = probe.url(victim, shoppers.get(attacker_name, ana))

            response = _send(browser, probe, url)

            who = f"{attacker_name} {probe.method} {url}"
            if signed_in or probe.anonymous == "404":
                assert response.status_code == 404, who
            else:
                assert response.status_code == 302, who
                assert response["Location"].startswith(reverse("account_login")), who
            body = response.content.decode() + response.get("Location", "")
            assert not any(secret in body for secret in secrets), who
        assert db_state() == before, f"{probe.method} {url} changed the database"

    owner = client_for(victim)
    for probe in TABLE[key]:
        if probe.owner is not None:
            response = _send(owner, probe, probe.url(victim, ana))
            assert response.status_code == probe.owner, f"the owner's {probe.method} failed"


def test_every_url_with_a_path_parameter_is_in_the_table():
    """A new URL taking an id must be added to TABLE (or explained) before the suite passes."""
    covered = set(TABLE) | set(PUBLIC) | set(ALLAUTH_KEYS)
    with_params = {route_key(r) for r in routes() if r.params and not r.route.startswith("admin/")}

    assert with_params - covered == set(), "URLs with path parameters missing from TABLE"
    assert covered - with_params - {MEDIA} == set(), "TABLE names URLs that no longer exist"


def test_list_pages_show_only_ones_own_things(ana, bruno, ana_client):
    pages = {
        "accounts:profile": lambda owner: owner.secret,
        "accounts:addresses": lambda owner: owner.secret,
        "orders:list": lambda owner: owner.order.reference,
        "cart:detail": lambda owner: f'data-line-id="{owner.line.pk}"',
    }
    for name, marker in pages.items():
        html = ana_client.get(reverse(name)).content.decode()
        assert marker(ana) in html, name
        assert marker(bruno) not in html, name
        assert bruno.secret not in html and bruno.user.email not in html, name
    checkout = ana_client.get(reverse("checkout:checkout")).content.decode()
    assert f'value="{ana.address.pk}"' in checkout
    assert bruno.secret not in checkout and f'value="{bruno.address.pk}"' not in checkout


class TestPublicRoutes:
    def test_hidden_products_and_unknown_categories_are_404_for_everyone(
        self, catalogue, ana_client
    ):
        hidden = catalogue.product("Unreleased Jacket", is_active=False)
        for browser in (ana_client, Client()):
            response = browser.get(hidden.get_absolute_url())
            assert (
                response.status_code == 404 and "Unreleased Jacket" not in response.content.decode()
            )
            assert browser.get(reverse("storefront:category", args=["no-such"])).status_code == 404
            listing = browser.get(hidden.category.get_absolute_url()).content.decode()
            assert "Unreleased Jacket" not in listing

    @pytest.mark.parametrize(
        "path",
        [
            "../outside.txt",
            "..%2foutside.txt",
            "%2e%2e/outside.txt",
            "products/../../outside.txt",
            "..\\outside.txt",
        ],
    )
    def test_media_cannot_climb_out_of_its_folder(self, settings, path):
        """Whether or not Django serves media here (SERVE_MEDIA), nothing outside leaks."""
        (settings.MEDIA_ROOT.parent / "outside.txt").write_text("TOP-SECRET")
        (settings.MEDIA_ROOT / "products").mkdir(parents=True)

        response = Client().get(settings.MEDIA_URL + path)

        assert response.status_code in (400, 404)
        assert b"TOP-SECRET" not in b"".join(getattr(response, "streaming_content", [b""]))
        assert b"TOP-SECRET" not in getattr(response, "content", b"")


# -- staff-only pages -----------------------------------------------------------------------

ADMIN_KWARGS = {
    "app_label": "store",
    "object_id": "1",
    "id": "1",
    "content_type_id": "1",
    "url": "x",
}


def admin_urls() -> list[str]:
    """Every admin URL, with its parameters filled in."""
    urls = []
    for route in routes():
        if not route.route.startswith("admin/"):
            continue
        if route.name is None:  # the catch-all
            urls.append("/admin/no-such-page/")
        else:
            urls.append(reverse(route.name, kwargs={p: ADMIN_KWARGS[p] for p in route.params}))
    return urls


def test_admin_pages_refuse_shoppers_and_visitors(ana, bruno, ana_client):
    logins = (reverse("admin:login"), reverse("account_login"), reverse("admin:index"))
    assert len(admin_urls()) > 50  # the whole admin, not a sample
    for browser in (ana_client, Client()):
        for url in admin_urls():
            response = browser.get(url)
            if response.status_code == 302:  # to a login page (logout: to the index first)
                assert response["Location"].startswith(logins), url
            else:
                assert response.status_code in (403, 404, 405), url
            assert bruno.secret not in response.content.decode(), url


def test_the_admin_login_form_signs_nobody_in(ana, django_user_model):
    """Staff sign in on the store's login page (rate-limited, see test_accounts.py); the
    admin's own form only sends visitors there, and a shopper signed in gets a 403."""
    django_user_model.objects.create_superuser(email="boss@example.com", password=PASSWORD)
    for email in (ana.user.email, "boss@example.com"):
        browser = Client()
        response = browser.post(reverse("admin:login"), {"username": email, "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert "_auth_user_id" not in browser.session

    assert client_for(ana).get(reverse("admin:login")).status_code == 403


def test_shoppers_admin_posts_change_nothing(ana, bruno, ana_client, variant):
    from payments.models import StoreCreditToken

    token = StoreCreditToken.objects.filter(owner=ana.user).get()
    attempts = [
        (reverse("admin:store_variant_change", args=[variant.pk]), {"quantity": "999"}),
        (reverse("admin:orders_order_change", args=[bruno.order.pk]), {"status": "cancelled"}),
        (reverse("admin:accounts_user_change", args=[ana.user.pk]), {"is_staff": "on"}),
        (reverse("admin:payments_storecredittoken_add"), {"expires_on": "2099-01-01"}),
        (
            reverse("admin:payments_storecredittoken_change", args=[token.pk]),
            {"credit": "5000", "reason": "free money"},
        ),
    ]
    for browser in (ana_client, Client()):
        for url, data in attempts:
            before = db_state()
            response = browser.post(url, data)
            assert response.status_code == 302 and "login/" in response["Location"], url
            assert db_state() == before, url
