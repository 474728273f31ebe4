"""Catalogue journeys: search, filters, sorting and variant stock, with and without JavaScript."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from demo.seed import LAST_UNIT_SLUG, SOLD_OUT_SLUG


def mark_window(page):
    """A marker that only survives while the page is never reloaded."""
    page.evaluate("window.__noReload = 'still here'")


def assert_not_reloaded(page):
    assert page.evaluate("window.__noReload") == "still here"


def after_htmx(page, action, event="htmx:afterSettle"):
    """Run `action` and wait until htmx has swapped its response into the page."""
    page.evaluate(
        "(event) => { window.__htmxDone = new Promise("
        "(done) => document.body.addEventListener(event, done, {once: true})) }",
        event,
    )
    action()
    page.evaluate("window.__htmxDone")


def card_prices(page):
    texts = page.get_by_test_id("product-price").all_inner_texts()
    return [Decimal(re.sub(r"[^\d.]", "", text)) for text in texts]


def result_count(page):
    return page.get_by_test_id("result-count").inner_text()


def test_search_filter_and_sort_swap_results_without_reloading(page):
    page.goto("/")
    expect(page.get_by_test_id("product-card")).to_have_count(24)
    all_count = result_count(page)
    mark_window(page)

    page.get_by_test_id("search-input").fill("shirt")
    expect(page).to_have_url(re.compile(r"[?&]q=shirt"))
    expect(page.get_by_test_id("result-count")).to_contain_text("shirt")
    names = page.get_by_test_id("product-link").all_inner_texts()
    assert names and all("shirt" in name.lower() for name in names)
    searched_count = result_count(page)
    assert searched_count != all_count

    after_htmx(
        page, page.get_by_test_id("filter-size").filter(has_text=re.compile(r"^\s*M\s*$")).click
    )
    expect(page).to_have_url(re.compile(r"size=M"))
    expect(page).to_have_url(re.compile(r"q=shirt"))

    after_htmx(page, lambda: page.get_by_test_id("sort-select").select_option("price_asc"))
    prices = card_prices(page)
    assert prices == sorted(prices)

    after_htmx(page, lambda: page.get_by_test_id("sort-select").select_option("price_desc"))
    expect(page).to_have_url(re.compile(r"sort=price_desc"))
    prices = card_prices(page)
    assert prices == sorted(prices, reverse=True)
    assert_not_reloaded(page)

    after_htmx(page, page.go_back, "htmx:historyRestore")
    expect(page).to_have_url(re.compile(r"sort=price_asc"))
    expect(page.get_by_test_id("sort-select")).to_have_value("price_asc")
    prices = card_prices(page)
    assert prices == sorted(prices)

    after_htmx(page, page.go_back, "htmx:historyRestore")
    after_htmx(page, page.go_back, "htmx:historyRestore")
    assert "q=shirt" in page.url and "size=" not in page.url and "price_" not in page.url
    expect(page.get_by_test_id("result-count")).to_have_text(searched_count)


def test_a_shared_filtered_link_shows_the_same_results(page, browser, live_server):
    page.goto("/")
    after_htmx(page, page.get_by_test_id("filter-in-stock").check)
    expect(page).to_have_url(re.compile(r"in_stock=on"))
    after_htmx(page, lambda: page.get_by_test_id("filter-category").select_option("shoes"))
    expect(page).to_have_url(re.compile(r"category=shoes"))
    swapped = page.get_by_test_id("product-link").all_inner_texts()

    fresh = browser.new_page()
    fresh.goto(page.url)
    assert fresh.get_by_test_id("product-link").all_inner_texts() == swapped
    expect(fresh.get_by_test_id("filter-category")).to_have_value("shoes")
    fresh.close()


def test_pagination_swaps_results_and_keeps_filters(page):
    page.goto("/?sort=name")
    mark_window(page)
    first_page = page.get_by_test_id("product-link").all_inner_texts()

    after_htmx(page, page.get_by_test_id("page-next").click)
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page.get_by_test_id("page-number")).to_contain_text("2")
    assert set(page.get_by_test_id("product-link").all_inner_texts()).isdisjoint(first_page)
    assert_not_reloaded(page)


def test_product_page_shows_live_stock_for_the_chosen_variant(page):
    page.goto(f"/p/{LAST_UNIT_SLUG}/")
    mark_window(page)
    expect(page.get_by_test_id("stock-status")).to_have_attribute("data-status", "choose-color")
    expect(page.get_by_test_id("variant-size")).to_have_count(0)
    expect(page.get_by_test_id("add-to-cart")).to_be_disabled()

    page.get_by_test_id("variant-color").filter(has_text="Navy").click()
    expect(page.get_by_test_id("variant-size")).to_have_count(5)
    expect(page.get_by_test_id("stock-status")).to_have_attribute("data-status", "choose-size")

    page.get_by_test_id("variant-size").filter(has_text=re.compile(r"^\s*M\s*$")).click()
    expect(page.get_by_test_id("stock-status")).to_have_text("Only 1 left")
    expect(page.get_by_test_id("add-to-cart")).to_be_enabled()
    expect(page).to_have_url(re.compile(r"color=navy&size=M"))

    page.get_by_test_id("variant-size").filter(has_text=re.compile(r"^\s*L\s*$")).click()
    expect(page.get_by_test_id("stock-status")).to_have_text("In stock")
    assert_not_reloaded(page)


def test_sold_out_product_cannot_be_added(page):
    page.goto(f"/p/{SOLD_OUT_SLUG}/")
    page.get_by_test_id("variant-color").first.click()
    page.get_by_test_id("variant-size").first.click()

    expect(page.get_by_test_id("stock-status")).to_have_text("Sold out")
    expect(page.get_by_test_id("add-to-cart")).to_be_disabled()


def test_search_and_filters_work_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/")

    page.get_by_test_id("search-input").fill("shirt")
    page.get_by_test_id("search-input").press("Enter")
    expect(page).to_have_url(re.compile(r"\?q=shirt"))
    names = page.get_by_test_id("product-link").all_inner_texts()
    assert names and all("shirt" in name.lower() for name in names)

    page.get_by_test_id("filter-size").filter(has_text=re.compile(r"^\s*M\s*$")).click()
    page.get_by_test_id("filter-apply").click()
    expect(page).to_have_url(re.compile(r"q=shirt.*size=M"))
    expect(page.get_by_test_id("search-input")).to_have_value("shirt")


def test_variant_choice_works_without_javascript(no_js_page):
    page = no_js_page
    page.goto(f"/p/{LAST_UNIT_SLUG}/")

    page.get_by_test_id("variant-color").filter(has_text="Navy").click()
    page.get_by_role("button", name="Check availability").click()
    page.get_by_test_id("variant-size").filter(has_text=re.compile(r"^\s*M\s*$")).click()
    page.get_by_role("button", name="Check availability").click()

    expect(page.get_by_test_id("stock-status")).to_have_text("Only 1 left")
    expect(page.get_by_test_id("add-to-cart")).to_be_enabled()


def test_unknown_product_shows_the_store_404(page):
    response = page.goto("/p/no-such-product/")

    assert response.status == 404
    expect(page.get_by_test_id("not-found")).to_be_visible()
    expect(page.get_by_test_id("search-input")).to_be_visible()


def test_phone_layout_shows_search_cards_and_collapsed_filters(phone_page):
    page = phone_page
    page.goto("/")

    expect(page.get_by_test_id("search-input")).to_be_visible()
    expect(page.get_by_test_id("product-card").first).to_be_visible()
    expect(page.get_by_test_id("filter-size").first).to_be_hidden()
    page.get_by_text("Filters").click()
    expect(page.get_by_test_id("filter-size").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
