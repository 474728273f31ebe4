"""Journeys in each language: buying in Brazilian Portuguese and in Spanish (browsers that ask
for those languages), and switching language on the cart page with items in it. The other
journeys run in English (the test settings' default language, root conftest.py)."""

import re

import pytest
from playwright.sync_api import expect

from demo.seed import LAST_UNIT_SLUG
from e2e.conftest import _new_page
from e2e.test_cart import add_from_product_page, badge
from e2e.test_checkout import fill_guest_details
from orders.models import Order, PaymentStatus

# R$ 1.234,50 with a no-break space: how Portuguese and Spanish pages write money.
LOCAL_MONEY = re.compile(r"^R\$\u00a0\d{1,3}(\.\d{3})*,\d{2}$")


@pytest.fixture
def brazilian_store(settings):
    settings.LANGUAGE_CODE = "pt-br"  # the production default: Portuguese at /


def browser_in(browser, live_server, locale):
    return _new_page(browser, live_server, viewport={"width": 1280, "height": 900}, locale=locale)


def buy_one(page, live_sandbox):
    add_from_product_page(page, LAST_UNIT_SLUG, "navy", "L", 1)
    page.goto("/cart/")
    page.get_by_test_id("checkout-button").click()
    fill_guest_details(page)
    page.get_by_test_id("confirm-order").click()
    expect(page.get_by_test_id("mp-approve")).to_be_visible()
    page.get_by_test_id("mp-approve").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "paid")


def test_a_brazilian_browser_buys_in_portuguese(
    browser, live_server, demo_store, brazilian_store, live_sandbox
):
    with browser_in(browser, live_server, "pt-BR") as page:
        page.goto("/")
        assert page.url == live_server.url + "/"
        expect(page.locator("html")).to_have_attribute("lang", "pt-br")
        buy_one(page, live_sandbox)

        expect(page.locator("html")).to_have_attribute("lang", "pt-br")
        expect(page.get_by_test_id("order-total")).to_have_text(LOCAL_MONEY)
        expect(badge(page)).to_have_text("0")
    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.PAID and order.language == "pt-br"


def test_a_spanish_browser_is_sent_to_es_and_buys_in_spanish(
    browser, live_server, demo_store, brazilian_store, live_sandbox
):
    with browser_in(browser, live_server, "es-AR") as page:
        page.goto("/")
        assert page.url == live_server.url + "/es/"
        expect(page.locator("html")).to_have_attribute("lang", "es")
        buy_one(page, live_sandbox)

        assert "/es/" in page.url
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_test_id("order-total")).to_have_text(LOCAL_MONEY)
    assert Order.objects.get().language == "es"


def test_switching_language_on_the_cart_keeps_the_cart(page):
    add_from_product_page(page, LAST_UNIT_SLUG, "navy", "L", 2)
    page.goto("/cart/?from=switch")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)

    switcher = page.get_by_test_id("language-switcher").first
    switcher.locator('[data-testid="language-option"][lang="es"]').click()

    expect(page).to_have_url(re.compile(r"/es/cart/\?from=switch$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect(badge(page)).to_have_text("2")

    footer = page.get_by_test_id("language-switcher").last
    footer.locator('[data-testid="language-option"][lang="en"]').click()
    expect(page).to_have_url(re.compile(r"/cart/\?from=switch$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)


def test_the_switcher_works_without_javascript(no_js_page):
    no_js_page.goto("/cart/")
    no_js_page.get_by_test_id("language-switcher").first.locator('[lang="pt-br"]').click()
    expect(no_js_page).to_have_url(re.compile(r"/pt-br/cart/$"))
    expect(no_js_page.locator("html")).to_have_attribute("lang", "pt-br")
