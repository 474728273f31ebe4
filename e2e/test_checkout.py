"""Checkout journeys through the offline Mercado Pago sandbox's hosted page."""

import re

from django.core import mail
from playwright.sync_api import expect

from demo.seed import LAST_UNIT_SLUG, SHOPPER_EMAIL, SHOPPER_PASSWORD
from e2e.test_cart import add_from_product_page, badge
from orders.models import Order, PaymentStatus
from store.models import Variant

GUEST = {
    "recipient": "Ana Souza",
    "postal_code": "01310-100",
    "street": "Avenida Paulista",
    "number": "1000",
    "district": "Bela Vista",
    "city": "São Paulo",
    "phone": "(11) 91234-5678",
}


def navy_large():
    return Variant.objects.get(product__slug=LAST_UNIT_SLUG, color__slug="navy", size__name="L")


def fill_guest_details(page, prefix="delivery"):
    page.get_by_test_id("guest-email").fill("guest@example.com")
    for field, value in GUEST.items():
        page.locator(f"[name={prefix}-{field}]").fill(value)
    page.locator(f"[name={prefix}-state]").select_option("SP")


def test_guest_checkout_approved_in_the_sandbox(page, live_sandbox):
    before = navy_large().quantity
    add_from_product_page(page, LAST_UNIT_SLUG, "navy", "L", 2)
    page.goto("/cart/")
    page.get_by_test_id("checkout-button").click()
    fill_guest_details(page)
    page.get_by_test_id("confirm-order").click()

    expect(page.get_by_test_id("mp-approve")).to_be_visible()
    assert page.url.startswith(live_sandbox.url)
    page.get_by_test_id("mp-approve").click()

    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("order-number")).to_have_text(re.compile(r"^R\d{6}$"))
    expect(badge(page)).to_have_text("0")
    assert navy_large().quantity == before - 2
    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.PAID and order.email == "guest@example.com"
    assert [m.to for m in mail.outbox if "confirmed" in m.subject] == [["guest@example.com"]]
    page.goto("/cart/")
    expect(page.get_by_test_id("empty-cart")).to_be_visible()


def test_rejected_then_retried_and_approved(page, live_sandbox):
    add_from_product_page(page, LAST_UNIT_SLUG, "navy", "L", 1)
    page.goto("/checkout/")
    fill_guest_details(page)
    page.get_by_test_id("confirm-order").click()
    page.get_by_test_id("mp-reject").click()

    expect(page.get_by_text("Your payment was not approved")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Awaiting payment")
    expect(badge(page)).to_have_text("1")

    page.goto("/cart/")
    page.get_by_test_id("checkout-button").click()
    fill_guest_details(page)
    page.get_by_test_id("confirm-order").click()
    page.get_by_test_id("mp-approve").click()

    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    assert Order.objects.count() == 1  # the retry reused the same order and link


def test_signed_in_shopper_adds_an_address_inline_pays_and_sees_the_order(page, live_sandbox):
    page.goto("/accounts/login/")
    page.locator("[name=login]").fill(SHOPPER_EMAIL)
    page.locator("[name=password]").fill(SHOPPER_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    add_from_product_page(page, LAST_UNIT_SLUG, "white", "S", 1)
    page.goto("/checkout/")
    page.evaluate("window.__noReload = 'still here'")

    page.get_by_test_id("address-new").click()
    form = page.get_by_test_id("new-address")
    for field, value in GUEST.items():
        form.locator(f"[name={field}]").fill(value)
    form.locator("[name=state]").select_option("SP")
    form.get_by_test_id("address-save").click()
    expect(page.get_by_test_id("address-option")).to_have_count(1)
    expect(page.get_by_test_id("address-option").locator("input")).to_be_checked()
    assert page.evaluate("window.__noReload") == "still here"

    page.get_by_test_id("confirm-order").click()
    page.get_by_test_id("mp-approve").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    number = page.get_by_test_id("order-number").inner_text()

    page.goto("/orders/")
    expect(page.get_by_test_id("order-row")).to_have_count(1)
    expect(page.get_by_test_id("order-number")).to_have_text(number)
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")


def test_pending_payment_is_confirmed_later_by_the_webhook(page, live_sandbox):
    add_from_product_page(page, LAST_UNIT_SLUG, "navy", "L", 1)
    page.goto("/checkout/")
    fill_guest_details(page)
    page.get_by_test_id("confirm-order").click()
    page.get_by_test_id("mp-pending").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Payment pending")

    [payment_id] = live_sandbox.state.payments
    live_sandbox.state.update_payment(payment_id, "approved")  # Mercado Pago approves later

    for _ in range(100):  # the webhook arrives on its own; wait for it (at most 10 s)
        if Order.objects.get().payment_status == PaymentStatus.PAID:
            break
        page.wait_for_timeout(100)
    page.reload()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")


def test_the_last_unit_held_by_one_shoppers_checkout_is_sold_out_for_another(
    page, other_shopper_page, live_sandbox
):
    other = other_shopper_page
    # Shopper B, on a phone, put the last Navy M in their cart first...
    add_from_product_page(other, LAST_UNIT_SLUG, "navy", "M", 1)
    expect(badge(other)).to_have_text("1")

    # ...but shopper A checks it out first and is on Mercado Pago's page, not paid yet.
    add_from_product_page(page, LAST_UNIT_SLUG, "navy", "M", 1)
    page.goto("/checkout/")
    fill_guest_details(page)
    page.get_by_test_id("confirm-order").click()
    expect(page.get_by_test_id("mp-approve")).to_be_visible()

    # B picks the same colour and size on the product page: sold out, nothing to add.
    other.goto(f"/p/{LAST_UNIT_SLUG}/")
    other.get_by_test_id("variant-color").filter(has_text="Navy").click()
    size_m = other.get_by_test_id("variant-size").filter(has_text=re.compile(r"^\s*M\b"))
    expect(size_m).to_contain_text("sold out")
    size_m.click()
    expect(other.get_by_test_id("stock-status")).to_have_attribute("data-status", "sold-out")
    expect(other.get_by_test_id("add-to-cart")).to_be_disabled()

    # B's cart says the unit is gone; A's cart still has it.
    other.goto("/cart/")
    expect(other.get_by_test_id("stock-warning")).to_contain_text("sold out")
    expect(other.get_by_test_id("empty-cart")).to_be_visible()
    expect(badge(other)).to_have_text("0")
    page.goto("/cart/")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect(page.get_by_test_id("stock-warning")).to_have_count(0)


def test_checkout_works_without_javascript(no_js_page, live_sandbox):
    page = no_js_page
    page.goto(f"/p/{LAST_UNIT_SLUG}/?color=navy&size=L")
    page.get_by_test_id("add-to-cart").click()
    page.get_by_test_id("checkout-button").click()
    fill_guest_details(page)
    page.get_by_test_id("confirm-order").click()
    page.get_by_test_id("mp-approve").click()

    expect(page.get_by_test_id("order-status")).to_have_text("Paid")


def test_pay_with_the_demo_store_credit_token_then_print_the_invoice(page):
    from decimal import Decimal

    from demo.seed import DEMO_TOKEN
    from payments.models import StoreCreditToken

    before = navy_large().quantity
    add_from_product_page(page, LAST_UNIT_SLUG, "navy", "L", 2)
    page.goto("/checkout/")
    fill_guest_details(page)
    total = page.get_by_test_id("checkout-total").inner_text()
    page.get_by_test_id("credit-token").fill(DEMO_TOKEN)
    page.get_by_test_id("pay-with-credit").click()

    expect(page.get_by_test_id("payment-success")).to_be_visible()
    expect(page.get_by_test_id("amount-paid")).to_have_text(total)
    paid = Decimal(re.sub(r"[^\d.]", "", total))
    remaining = StoreCreditToken.objects.get(token=DEMO_TOKEN).balance
    assert remaining == Decimal("5000.00") - paid
    expect(page.get_by_test_id("remaining-balance")).to_contain_text(f"{remaining:,.2f}")
    expect(badge(page)).to_have_text("0")
    assert navy_large().quantity == before - 2

    page.get_by_test_id("see-invoice").click()
    expect(page.get_by_test_id("invoice-detail")).to_have_count(1)
    expect(page.get_by_test_id("invoice-total")).to_have_text(total)
    expect(page.get_by_test_id("invoice-method")).to_have_text("Store credit")
    page.emulate_media(media="print")
    expect(page.get_by_text("Use your browser's Print command")).to_be_hidden()


def test_a_wrong_token_shows_the_error_page_with_a_way_back(page):
    add_from_product_page(page, LAST_UNIT_SLUG, "navy", "L", 1)
    page.goto("/checkout/")
    fill_guest_details(page)
    page.get_by_test_id("credit-token").fill("not-a-token")
    page.get_by_test_id("pay-with-credit").click()

    expect(page.get_by_test_id("failure-reason")).to_have_text(
        "That is not a valid store-credit token."
    )
    page.get_by_test_id("back-to-cart").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
