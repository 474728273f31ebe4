"""Threat 3, cross-site request forgery: no POST is accepted without the page's CSRF token.

Every URL the resolver knows is POSTed to, with data that would change something, by a
browser with no token (a signed-in shopper and a guest with a cart), plainly and as an htmx
request (HX-Request header): each answers 403 and the database is unchanged. The only
exception is Mercado Pago's webhook, which has no browser session and proves itself with a
signature instead (test_webhooks.py). The forms in the templates are read too: each form's
target must be one of the endpoints exercised below with a real payload, which are then
shown to work with the token (so the 403 is the token's doing, not a bad payload).

htmx sends the token from `hx-headers` on <body> (templates/base.html) as X-CSRFToken; that
header is checked here on every page that has an htmx form, and used for real posts.

Existing tests that post without a token for a few views (cart add and line, address create,
checkout confirm, store-credit pay) are kept; this module covers every URL.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from cart.models import CartLine
from cart.selectors import CART_COOKIE
from checkout.tests.buyer import GUEST

from .helpers import ADDRESS, PASSWORD, Belongings, db_state, htmx_csrf_token, route_key, routes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# The webhook is called by Mercado Pago, not by a browser: it is authenticated by its
# signature (test_webhooks.py), so it is exempt from CSRF on purpose.
CSRF_EXEMPT = {"payments:webhook": "Mercado Pago's signed notifications"}


def _credit_token(owner: Belongings) -> str:
    from payments.models import StoreCreditToken

    return str(StoreCreditToken.objects.filter(owner=owner.user).get().token)


def payload(name: str, owner: Belongings, variant) -> dict:
    """What a forged form would send to this endpoint: a change the owner would not want."""
    signed_in = owner.user is not None
    delivery = {"address": owner.address.pk} if signed_in else GUEST
    return {
        "cart:add": {"product": variant.product.pk, "quantity": "2"},
        "cart:line": {"quantity": "5"},
        "accounts:profile": {"first_name": "Forged", "last_name": "Name"},
        "accounts:address_create": ADDRESS,
        "accounts:address_edit": ADDRESS,
        "checkout:address_add": ADDRESS,
        "checkout:confirm": delivery,
        "checkout:pay_with_credit": {
            **delivery,
            "token": _credit_token(owner) if signed_in else "",
        },
        "account_login": {"login": "ana@example.com", "password": PASSWORD},
        "account_signup": {
            "email": "forged@example.com",
            "password1": "Forged-pass-2026",
            "password2": "Forged-pass-2026",
        },
        "account_reset_password": {"email": "ana@example.com"},
        "account_change_password": {
            "oldpassword": PASSWORD,
            "password1": "Forged-pass-2026",
            "password2": "Forged-pass-2026",
        },
        "account_set_password": {"password1": "Forged-pass-2026", "password2": "Forged-pass-2026"},
        "account_email": {"email": "forged@example.com", "action_add": ""},
        "account_reauthenticate": {"password": PASSWORD},
        "admin:login": {"username": "ana@example.com", "password": PASSWORD},
    }.get(name, {"anything": "1"})


def url_of(route, owner: Belongings, variant) -> str:
    """The route's URL, its parameters naming the owner's own objects."""
    if route.name is None:  # Django's media server, the admin's catch-all
        if route.route.startswith("admin/"):
            return "/admin/no-such-page/"
        return settings.MEDIA_URL + "x.jpg"
    values = {
        "pk": (owner.address or owner.order).pk
        if route.name.startswith("accounts:")
        else owner.order.pk,
        "line_id": owner.line.pk,
        "action": "quantity",
        "token": owner.credit_done_token
        if route.name == "checkout:credit_done"
        else owner.order_token,
        "slug": variant.product.slug,
        "category_slug": variant.product.category.slug,
        "key": "some-key",
        "uidb36": "1",
        "app_label": "store",
        "object_id": str(variant.pk),
        "id": str(owner.user.pk if owner.user else 1),
        "content_type_id": "1",
        "url": "x",
    }
    return reverse(route.name, kwargs={p: values[p] for p in route.params})


def _targets(admin: bool):
    for route in routes():
        if route_key(route) in CSRF_EXEMPT:
            continue
        if route.route.startswith("admin/") == admin:
            yield route


def strict_client_for(owner: Belongings) -> Client:
    browser = Client(enforce_csrf_checks=True)
    if owner.user is not None:
        browser.force_login(owner.user)
    else:
        browser.cookies[CART_COOKIE] = owner.cart.token
    return browser


def test_only_mercado_pagos_webhook_is_csrf_exempt():
    exempt = {route_key(r) for r in routes() if getattr(r.callback, "csrf_exempt", False)}

    assert exempt == set(CSRF_EXEMPT)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("who", ["ana", "guest"])
def test_every_url_refuses_a_post_without_a_token(request, who, htmx, variant):
    owner = request.getfixturevalue(who)
    browser = strict_client_for(owner)
    headers = HTMX if htmx else {}
    targets = list(_targets(admin=False))
    assert len(targets) > 30
    before = db_state()

    for route in targets:
        url = url_of(route, owner, variant)
        response = browser.post(url, payload(route_key(route), owner, variant), **headers)
        assert response.status_code == 403, f"{url} accepted a POST without a CSRF token"

    assert db_state() == before
    if owner.user is not None:  # still signed in: the logout was refused too
        assert browser.get(reverse("accounts:profile")).status_code == 200


def test_every_admin_url_refuses_a_post_without_a_token(ana, variant, django_user_model):
    staff = django_user_model.objects.create_superuser(email="boss@example.com", password="x")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    targets = list(_targets(admin=True))
    assert len(targets) > 50
    before = db_state()

    for route in targets:
        url = url_of(route, ana, variant)
        assert browser.post(url, payload(route_key(route), ana, variant)).status_code == 403, url

    assert db_state() == before


def test_a_token_from_another_browser_is_refused(ana, guest, variant):
    """The attacker's own, valid token does not work with the victim's cookie."""
    attacker = Client(enforce_csrf_checks=True)
    stolen = htmx_csrf_token(attacker.get(variant.product.get_absolute_url()).content.decode())
    victim = strict_client_for(ana)
    victim.get(reverse("cart:detail"))  # the victim has a CSRF cookie of their own
    before = db_state()

    for extra in ({}, {"HTTP_X_CSRFTOKEN": stolen, **HTMX}):
        data = {**payload("cart:add", ana, variant), "csrfmiddlewaretoken": stolen}
        assert victim.post(reverse("cart:add"), data, **extra).status_code == 403

    assert db_state() == before


# -- the forms in the templates ------------------------------------------------------------

TEMPLATES = Path(settings.BASE_DIR) / "templates"
POST_TAG = re.compile(
    r'<form\b[^>]*\bmethod="post"[^>]*>|\b(?:hx-post|formaction)="[^"]*"', re.IGNORECASE
)
URL_NAME = re.compile(r"{%\s*url\s+['\"]([\w:]+)['\"]")
# Forms that post back to the page that shows them (no action): template -> URL names.
SELF_POSTING = {
    "accounts/profile.html": {"accounts:profile"},
    "accounts/address_form.html": {"accounts:address_create", "accounts:address_edit"},
}
# Dynamic actions: `{{ line.increase_url }}` and the like are the cart line's URLs (cart:line).
DYNAMIC = {
    f"line.{action}_url": "cart:line" for action in ("increase", "decrease", "quantity", "remove")
}

# The endpoints posted to with a real payload and the token in test_the_token_makes_*:
WORKING = {
    "set_language",
    "cart:add",
    "cart:line",
    "accounts:profile",
    "accounts:address_create",
    "accounts:address_edit",
    "accounts:address_delete",
    "accounts:address_set_default",
    "checkout:address_add",
    "checkout:confirm",
    "checkout:pay_with_credit",
    "account_logout",
}


def template_post_targets() -> dict[str, set[str]]:
    """URL names each project template POSTs to (forms, hx-post, formaction)."""
    found: dict[str, set[str]] = {}
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        name = str(path.relative_to(TEMPLATES))
        for tag in POST_TAG.findall(text):
            names = set(URL_NAME.findall(tag))
            names |= {url for marker, url in DYNAMIC.items() if marker in tag}
            if not names and tag.lower().startswith("<form"):
                if "action=" in tag and 'action=""' not in tag:
                    names = {f"unknown action in {name}: {tag}"}
                else:
                    names = SELF_POSTING.get(name, {f"self-posting form in {name}"})
            found.setdefault(name, set()).update(names)
    return found


def test_every_form_in_the_templates_posts_to_an_endpoint_tested_with_its_token():
    targets = template_post_targets()
    posted = set().union(*targets.values())

    assert len(targets) >= 6  # the scan found the forms (base, cart, product, checkout, ...)
    assert posted - WORKING == set()


@pytest.fixture
def sandboxed(sandbox):
    return sandbox


def _token(browser: Client, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return htmx_csrf_token(response.content.decode())


@pytest.mark.parametrize("htmx", [False, True], ids=["form-field", "htmx-header"])
def test_the_token_makes_every_form_work(ana, variant, sandboxed, htmx):
    """The same forged payloads, now with the page's token: each request goes through and
    changes something, so the 403s above are the token's doing."""
    browser = strict_client_for(ana)
    address = ana.address
    token = _token(browser, variant.product.get_absolute_url())

    def post(name: str, args=(), data=None):
        data = dict(payload(name, ana, variant) if data is None else data)
        extra = {"HTTP_X_CSRFTOKEN": token, **HTMX} if htmx else {}
        if not htmx:
            data["csrfmiddlewaretoken"] = token
        before = db_state()
        response = browser.post(reverse(name, args=args), data, **extra)
        assert response.status_code in (200, 302), (name, response.status_code)
        assert db_state() != before, f"{name} changed nothing: the payload is not a real attack"
        return response

    post("cart:add")
    post("cart:line", [ana.line.pk, "quantity"])
    post("accounts:profile")
    post("accounts:address_create")
    post("accounts:address_edit", [address.pk])
    other = ana.user.addresses.exclude(pk=address.pk).get()
    post("accounts:address_set_default", [other.pk], {})
    post("accounts:address_delete", [other.pk], {})
    post("checkout:address_add")
    post("checkout:pay_with_credit")  # pays the cart: fill it again for Mercado Pago
    post("cart:add")
    post("checkout:confirm")
    post("set_language", data={"language": "es", "next": "/"})  # saved on Ana's account
    response = browser.post(
        reverse("account_logout"),
        {} if htmx else {"csrfmiddlewaretoken": token},
        **({"HTTP_X_CSRFTOKEN": token, **HTMX} if htmx else {}),
    )
    assert response.status_code == 302
    assert browser.get(reverse("accounts:profile")).status_code == 302  # logged out


def test_every_page_with_an_htmx_form_gives_htmx_the_token(ana, variant):
    browser = strict_client_for(ana)
    pages = [
        variant.product.get_absolute_url(),
        reverse("cart:detail"),
        reverse("checkout:checkout") + "?new_address=1",
    ]
    for url in pages:
        html = browser.get(url).content.decode()
        assert "hx-post=" in html, url
        token = htmx_csrf_token(html)
        assert len(token) == 64 and token.isalnum(), url
        # The header rides on <body>, so it covers every hx-post on the page.
        assert "hx-post" not in html.split("<body", 1)[0], url


def test_an_htmx_fragment_carries_tokens_that_work(ana, variant):
    """After an htmx swap the new forms (cart line buttons) still post with a valid token."""
    browser = strict_client_for(ana)
    token = _token(browser, reverse("cart:detail"))
    line_url = reverse("cart:line", args=[ana.line.pk, "increase"])

    fragment = browser.post(line_url, HTTP_X_CSRFTOKEN=token, **HTMX).content.decode()

    assert CartLine.objects.get(pk=ana.line.pk).quantity == 2
    field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', fragment)
    assert field, "the swapped-in line has no CSRF field"
    response = browser.post(line_url, {"csrfmiddlewaretoken": field.group(1)})
    assert response.status_code == 302
    assert CartLine.objects.get(pk=ana.line.pk).quantity == 3
    assert not mail.outbox
