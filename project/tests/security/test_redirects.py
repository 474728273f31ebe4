"""Threat 4, open redirects: no `next`, `redirect_to` or Referer sends a browser off the site.

Each hostile target below is given to every view that redirects: allauth's login (posted
and, when already signed in, visited), logout, signup and password change; the admin's login
(which sends staff to the store's login page) and logout; and the store's own views (cart, addresses, profile, checkout, store credit,
the buyer's return from Mercado Pago), which read no such parameter but are checked with it
anyway, in the query string, the form data and the Referer header. Every Location must stay on
the site, read the way a browser reads it (helpers.foreign_target). The one redirect that
leaves on purpose, confirm -> Mercado Pago's checkout, must go to the gateway's own link
whatever the request says.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from checkout.tests.buyer import GUEST

from .conftest import client_for
from .helpers import PASSWORD, foreign_target

pytestmark = pytest.mark.django_db

EVIL = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "https:evil.example",
    "javascript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "///evil.example",
    "/\t/evil.example",
    "http://testserver@evil.example/",
]


def assert_stays_on_site(response, what: str):
    assert response.status_code in (301, 302, 303), (what, response.status_code)
    location = response["Location"]
    assert foreign_target(location) is None, f"{what} redirected off the site: {location!r}"
    assert "evil.example" not in location.split("?")[0].lower(), (what, location)


def signed_in(browser: Client) -> bool:
    return "_auth_user_id" in browser.session


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user(email="ana@example.com", password=PASSWORD)


@pytest.mark.parametrize("target", EVIL)
class TestAccountRedirects:
    def test_login(self, shopper, target):
        browser = Client()
        response = browser.post(
            reverse("account_login") + "?next=" + target,
            {"login": shopper.email, "password": PASSWORD, "next": target},
        )
        assert_stays_on_site(response, "login")
        assert signed_in(browser)  # it did log in

        # Visiting the login page when already signed in redirects at once.
        assert_stays_on_site(
            browser.get(reverse("account_login"), {"next": target}), "login when signed in"
        )

    def test_logout(self, shopper, target):
        browser = Client()
        browser.force_login(shopper)

        response = browser.post(reverse("account_logout"), {"next": target})

        assert_stays_on_site(response, "logout")
        assert not signed_in(browser)  # it did log out

    def test_signup(self, target, django_user_model):
        response = Client().post(
            reverse("account_signup") + "?next=" + target,
            {
                "email": "new@example.com",
                "password1": "A-new-pass-2026",
                "password2": "A-new-pass-2026",
                "next": target,
            },
        )

        assert_stays_on_site(response, "signup")
        assert django_user_model.objects.filter(email="new@example.com").exists()

    def test_password_change(self, shopper, target):
        browser = Client()
        browser.force_login(shopper)

        response = browser.post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": "A-new-pass-2026",
                "password2": "A-new-pass-2026",
                "next": target,
            },
        )

        assert_stays_on_site(response, "password change")
        shopper.refresh_from_db()
        assert shopper.check_password("A-new-pass-2026")

    def test_admin_login_and_logout(self, target, django_user_model):
        django_user_model.objects.create_superuser(email="boss@example.com", password=PASSWORD)
        browser = Client()

        response = browser.get(reverse("admin:login"), {"next": target})
        assert_stays_on_site(response, "admin login")  # to the store's login page
        response = browser.post(
            response["Location"], {"login": "boss@example.com", "password": PASSWORD}
        )
        assert_stays_on_site(response, "staff login")
        assert signed_in(browser)
        assert_stays_on_site(browser.get(reverse("admin:login"), {"next": target}), "admin")

        response = browser.post(reverse("admin:logout"), {"next": target})
        if response.status_code == 200:  # Django's "logged out" page: no redirect at all
            assert "evil.example" not in response.content.decode()
        else:
            assert_stays_on_site(response, "admin logout")
        assert not signed_in(browser)


HOSTILE_QUERY = {"next": EVIL[0], "redirect_to": EVIL[1], "return_url": EVIL[2], "url": EVIL[3]}
HOSTILE_HEADERS = {"HTTP_REFERER": EVIL[0], "HTTP_X_FORWARDED_HOST": "evil.example"}


def test_the_stores_own_redirects_ignore_next_and_referer(ana, guest, variant):
    """Every store view that answers with a redirect, asked with hostile hints everywhere."""
    shopper = client_for(ana)
    anonymous = client_for(guest)
    product = variant.product
    line = ana.line
    address = ana.address
    requests = [
        (shopper, "post", reverse("cart:add"), {"product": product.pk, "quantity": "1"}),
        (shopper, "post", reverse("cart:add"), {"product": product.pk, "quantity": "999"}),
        (shopper, "post", reverse("cart:line", args=[line.pk, "increase"]), {}),
        (shopper, "post", reverse("cart:line", args=[line.pk, "quantity"]), {"quantity": "x"}),
        (shopper, "post", reverse("accounts:profile"), {"first_name": "Ana"}),
        (shopper, "post", reverse("accounts:address_set_default", args=[address.pk]), {}),
        (shopper, "get", reverse("checkout:credit_failed"), {}),  # no failure to show
        (shopper, "post", reverse("checkout:pay_with_credit"), {"address": address.pk}),
        (anonymous, "get", reverse("accounts:profile"), {}),
        (anonymous, "get", reverse("orders:list"), {}),
        (anonymous, "post", reverse("checkout:address_add"), {}),
        (anonymous, "post", reverse("cart:line", args=[guest.line.pk, "remove"]), {}),
        (anonymous, "get", reverse("checkout:checkout"), {}),  # the cart is empty now
        (Client(), "post", reverse("checkout:pay_with_credit"), GUEST),
    ]
    redirects = 0
    for browser, method, url, data in requests:
        query = "?" + "&".join(f"{k}={v}" for k, v in HOSTILE_QUERY.items())
        send = getattr(browser, method)
        response = send(url + query, {**data, **HOSTILE_QUERY}, **HOSTILE_HEADERS)
        if response.status_code in (301, 302, 303):
            redirects += 1
            assert_stays_on_site(response, f"{method} {url}")
        assert "evil.example" not in response.get("HX-Redirect", "")
    assert redirects == len(requests)  # each of them did redirect, so each was checked


def test_the_buyer_return_redirects_only_to_the_order(buyer, variant, sandbox):
    buyer.add(variant)
    link = buyer.pay_link()
    preference = link.split("pref_id=")[1]

    response = buyer.client.get(
        reverse("payments:finalize"),
        {"preference_id": preference, "payment_id": "null", **HOSTILE_QUERY},
        **HOSTILE_HEADERS,
    )

    assert_stays_on_site(response, "finalize")
    assert response["Location"].startswith(reverse("orders:signed", args=["x"])[:-2])


@pytest.mark.parametrize("htmx", [False, True])
def test_confirm_sends_the_buyer_only_to_mercado_pagos_own_link(buyer, variant, sandbox, htmx):
    buyer.add(variant)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = buyer.client.post(
        reverse("checkout:confirm") + "?next=" + EVIL[0],
        {**GUEST, **HOSTILE_QUERY, "back_url": EVIL[0], "init_point": EVIL[0]},
        **HOSTILE_HEADERS,
        **extra,
    )

    target = response["HX-Redirect"] if htmx else response["Location"]
    assert target.startswith(sandbox.url + "/checkout/") and "evil" not in target
