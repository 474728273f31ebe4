"""Cart journeys: an app-like cart with htmx, and the same cart without JavaScript."""

import re

from playwright.sync_api import expect

from demo.seed import LAST_UNIT_SLUG, STAFF_EMAIL, STAFF_PASSWORD
from e2e.test_catalogue import after_htmx, assert_not_reloaded, mark_window
from store.models import Variant


def add_from_product_page(page, slug, color, size, quantity=1):
    page.goto(f"/p/{slug}/?color={color}&size={size}")
    page.get_by_test_id("add-quantity").fill(str(quantity))
    page.get_by_test_id("add-to-cart").click()
    expect(
        page.get_by_test_id("add-feedback").or_(page.get_by_test_id("add-error"))
    ).to_be_visible()


def badge(page):
    return page.get_by_test_id("cart-count")


def test_anonymous_shopper_fills_and_edits_the_cart_without_reloads(page):
    page.goto(f"/p/{LAST_UNIT_SLUG}/?color=navy&size=L")
    mark_window(page)
    expect(badge(page)).to_have_text("0")

    after_htmx(page, page.get_by_test_id("add-to-cart").click)
    expect(page.get_by_test_id("add-feedback")).to_contain_text("Added to your cart")
    expect(badge(page)).to_have_text("1")
    assert_not_reloaded(page)

    page.get_by_role("link", name="View cart").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    mark_window(page)
    price = page.get_by_test_id("cart-total").inner_text()

    after_htmx(page, page.get_by_test_id("qty-increase").click)
    expect(page.get_by_test_id("line-qty")).to_have_value("2")
    expect(badge(page)).to_have_text("2")
    expect(page.get_by_test_id("cart-item-count")).to_have_text("2")
    assert page.get_by_test_id("cart-total").inner_text() != price

    after_htmx(page, page.get_by_test_id("qty-decrease").click)
    expect(page.get_by_test_id("line-qty")).to_have_value("1")
    expect(page.get_by_test_id("cart-total")).to_have_text(price)
    expect(page.get_by_test_id("qty-decrease")).to_be_disabled()

    after_htmx(
        page,
        lambda: (
            page.get_by_test_id("line-qty").fill("6")
            or page.get_by_test_id("line-qty").dispatch_event("change")
        ),
    )
    expect(page.get_by_test_id("line-qty")).to_have_value("6")
    expect(badge(page)).to_have_text("6")
    expect(page.get_by_test_id("qty-increase")).to_be_disabled()
    expect(page.get_by_test_id("stock-limit")).to_have_text("Only 6 in stock")

    after_htmx(page, page.get_by_test_id("line-remove").click)
    expect(page.get_by_test_id("empty-cart")).to_be_visible()
    expect(badge(page)).to_have_text("0")
    assert_not_reloaded(page)


def test_the_cart_survives_a_browser_restart(browser, live_server, demo_store):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    add_from_product_page(page, LAST_UNIT_SLUG, "white", "S", 2)
    expect(badge(page)).to_have_text("2")
    cookies = context.cookies()
    cart_cookie = next(c for c in cookies if c["name"] == "cart")
    assert cart_cookie["httpOnly"] and cart_cookie["sameSite"] == "Lax"
    assert cart_cookie["expires"] > 0  # a persistent cookie, not a session one
    context.close()

    restarted = browser.new_context(base_url=live_server.url)
    restarted.add_cookies(cookies)
    page = restarted.new_page()
    page.goto("/cart/")
    expect(page.get_by_test_id("line-qty")).to_have_value("2")
    restarted.close()


def test_sign_up_add_log_out_add_log_in_merges_the_carts(page):
    page.goto("/accounts/signup/")
    page.locator("[name=email]").fill("merge@example.com")
    page.locator("[name=password1]").fill("a-Strong-pass-2026")
    page.locator("[name=password2]").fill("a-Strong-pass-2026")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_test_id("account-link")).to_be_visible()

    add_from_product_page(page, LAST_UNIT_SLUG, "white", "S", 2)
    expect(badge(page)).to_have_text("2")

    page.get_by_test_id("logout").click()
    expect(badge(page)).to_have_text("0")
    page.goto("/cart/")
    expect(page.get_by_test_id("empty-cart")).to_be_visible()

    add_from_product_page(page, LAST_UNIT_SLUG, "white", "S", 5)
    add_from_product_page(page, LAST_UNIT_SLUG, "navy", "L", 1)
    expect(badge(page)).to_have_text("6")

    page.goto("/accounts/login/?next=/cart/")
    page.locator("[name=login]").fill("merge@example.com")
    page.locator("[name=password]").fill("a-Strong-pass-2026")
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    expect(page.get_by_text("your cart now has 6 instead of 7")).to_be_visible()
    expect(badge(page)).to_have_text("7")


def test_the_cart_works_without_javascript(no_js_page):
    page = no_js_page
    page.goto(f"/p/{LAST_UNIT_SLUG}/?color=navy&size=L")
    page.get_by_test_id("add-to-cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.get_by_text("Added to your cart.")).to_be_visible()
    expect(badge(page)).to_have_text("1")

    page.get_by_test_id("qty-increase").click()
    expect(page.get_by_test_id("line-qty")).to_have_value("2")
    page.get_by_test_id("qty-decrease").click()
    expect(page.get_by_test_id("line-qty")).to_have_value("1")
    page.get_by_test_id("line-qty").fill("4")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_test_id("line-qty")).to_have_value("4")
    expect(badge(page)).to_have_text("4")

    page.get_by_test_id("line-remove").click()
    expect(page.get_by_test_id("empty-cart")).to_be_visible()


def test_a_stock_drop_made_in_the_admin_shows_a_warning_on_the_next_cart_view(
    page, browser, live_server
):
    add_from_product_page(page, LAST_UNIT_SLUG, "white", "M", 4)
    expect(badge(page)).to_have_text("4")

    staff = browser.new_context(base_url=live_server.url).new_page()
    staff.goto("/admin/")  # staff log in on the store's own (rate-limited) login page
    staff.locator("[name=login]").fill(STAFF_EMAIL)
    staff.locator("[name=password]").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Sign In").click()
    variant = Variant.objects.get(product__slug=LAST_UNIT_SLUG, color__slug="white", size__name="M")
    staff.goto(f"/admin/store/variant/{variant.pk}/change/")
    staff.locator("[name=quantity]").fill("2")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.get_by_text("was changed successfully")).to_be_visible()
    staff.context.close()

    page.goto("/cart/")
    expect(page.get_by_test_id("stock-warning")).to_contain_text("Classic Linen Shirt")
    expect(page.get_by_test_id("line-qty")).to_have_value("2")
    expect(page.get_by_test_id("qty-increase")).to_be_disabled()
    expect(page.get_by_test_id("stock-limit")).to_have_text("Only 2 in stock")
