"""Threat 12, personal pages kept by caches: a shopper's pages must not outlive a logout in the
browser's cache, nor be stored by a shared cache.

Before, orders, an order, its invoice, the signed guest-order link, profile, addresses,
e-mail, checkout and cart answered 200 with no Cache-Control (only `Vary: Cookie`). Now every
response carries `Cache-Control: private, no-store` unless its view is a catalogue page
(project.caching). The pages are taken from the URL resolver, so a new URL is checked the day
it is added: it is private unless listed in CATALOGUE below.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.cache import get_max_age

from .conftest import client_for
from .helpers import PASSWORD, Belongings, route_key, routes

pytestmark = pytest.mark.django_db

# Pages that show only the catalogue: the header's cart count is their one personal thing, so
# shared caches are kept out ("private") but the browser may keep them.
CATALOGUE = {"storefront:product_list", "storefront:category", "storefront:product_detail"}
MEDIA = "^media/(?P<path>.*)$"  # product pictures, served by Django only in development

# How to fill a URL's path parameters with the shopper's own objects (or a well-formed key).
PATH = {
    "accounts:address_edit": lambda o: [o.address.pk if o.address else 1],
    "accounts:address_delete": lambda o: [o.address.pk if o.address else 1],
    "accounts:address_set_default": lambda o: [o.address.pk if o.address else 1],
    "cart:line": lambda o: [o.line.pk, "increase"],
    "orders:detail": lambda o: [o.order.pk],
    "orders:invoice": lambda o: [o.order.pk],
    "orders:signed": lambda o: [o.order_token],
    "orders:signed_invoice": lambda o: [o.order_token],
    "checkout:credit_done": lambda o: [o.credit_done_token],
    "account_confirm_email": lambda o: ["made-up-key"],
    "account_reset_password_from_key": lambda o: ["1", "made-up-key"],
    "storefront:category": lambda o: [o.order.lines.get().variant.product.category.slug],
    "storefront:product_detail": lambda o: [o.order.lines.get().variant.product.slug],
}


def pages():
    """(key, route) of every URL the store answers, the admin aside (tested below)."""
    for route in routes():
        if route.route.startswith("admin/") or route_key(route) == MEDIA:
            continue
        yield route_key(route), route


def url_of(key: str, owner: Belongings) -> str:
    return reverse(key, args=PATH[key](owner) if key in PATH else [])


def directives(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",") if part}


def test_every_url_with_parameters_has_a_way_to_fill_them():
    with_params = {key for key, route in pages() if route.params}
    assert with_params - set(PATH) == set(), "add the new URL's parameters to PATH"


@pytest.mark.parametrize("who", ["account", "guest"])
def test_no_personal_page_may_be_stored_by_any_cache(who, ana, guest):
    owner = ana if who == "account" else guest
    browser = client_for(owner)
    for key, _route in pages():
        url = url_of(key, owner)
        for request in (browser.get, lambda u: browser.get(u, headers={"HX-Request": "true"})):
            response = request(url)
            assert response.status_code < 500, url
            if key in CATALOGUE and who == "guest":
                assert "private" in directives(response), f"{url} may be kept by a shared cache"
                assert get_max_age(response) in (None, 0)
            else:  # the account's header (and any page not of the catalogue) is personal
                assert {"private", "no-store"} <= directives(response), (
                    f"{key} {url} answered {response.status_code} with "
                    f"Cache-Control: {response.get('Cache-Control')!r}"
                )


def test_the_pages_of_the_report_answer_200_and_are_not_stored(ana, guest):
    """The pages the report named, as their owners see them (so the check above is not only
    about error pages)."""
    account_pages = ["orders:list", "orders:detail", "orders:invoice", "accounts:profile"]
    account_pages += ["accounts:addresses", "account_email", "checkout:checkout", "cart:detail"]
    guest_pages = ["orders:signed", "orders:signed_invoice", "cart:detail", "checkout:checkout"]
    for owner, keys in ((ana, account_pages), (guest, guest_pages)):
        browser = client_for(owner)
        for key in keys:
            response = browser.get(url_of(key, owner))
            assert response.status_code == 200, key
            assert {"private", "no-store"} <= directives(response), key


def test_the_admin_is_not_stored_either(admin_client):
    """The admin sets its own header (never_cache), which forbids storing too."""
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_the_page_after_logging_in_is_not_stored(ana):
    """The redirect after login lands on the catalogue with "Successfully signed in as ..."
    and the shopper's header: it must not be kept for the Back button after a logout."""
    browser = Client()
    answer = browser.post(reverse("account_login"), {"login": ana.user.email, "password": PASSWORD})
    assert answer.status_code == 302
    page = browser.get(answer["Location"])
    assert ana.user.email in page.content.decode()
    assert {"private", "no-store"} <= directives(page)


def test_a_view_that_sets_its_own_caching_keeps_it(client, settings):
    """The middleware only fills in a missing header."""
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.views.decorators.cache import cache_control

    from project.caching import PrivatePagesMiddleware

    view = cache_control(max_age=60, public=True)(lambda request: HttpResponse("hi"))
    middleware = PrivatePagesMiddleware(view)
    response = middleware(RequestFactory().get("/"))
    assert directives(response) == {"max-age=60", "public"}
