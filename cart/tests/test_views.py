import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from cart.models import Cart, CartLine
from cart.selectors import CART_COOKIE, CART_COOKIE_MAX_AGE

pytestmark = pytest.mark.django_db

ADD = reverse("cart:add")
CART = reverse("cart:detail")
HTMX = {"HTTP_HX_REQUEST": "true"}


def line_url(line_id, action):
    return reverse("cart:line", args=[line_id, action])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def badge(html):
    return int(re.search(r'data-testid="cart-count"[^>]*>(\d+)<', html).group(1))


@pytest.fixture
def shirt(catalogue):
    return catalogue.product(
        "Linen Shirt",
        slug="linen-shirt",
        price="120.00",
        stock={("Navy", "M"): 2, ("Navy", "L"): 0, ("Red", "M"): 5},
    )


def add(client, product, color="navy", size="M", quantity="1", **extra):
    data = {"product": product.pk, "color": color, "size": size, "quantity": quantity}
    return client.post(ADD, data, **extra)


def only_line():
    return CartLine.objects.select_related("variant__color", "variant__size").get()


class TestAdd:
    def test_add_puts_the_variant_in_a_new_cart_and_sets_the_cookie(self, client, shirt):
        response = add(client, shirt, quantity="2")

        assert response.status_code == 302 and response["Location"] == CART
        line = only_line()
        assert (line.variant.color.slug, line.variant.size.name, line.quantity) == ("navy", "M", 2)
        cookie = response.cookies[CART_COOKIE]
        assert cookie.value == line.cart.token and len(cookie.value) >= 40
        assert cookie["httponly"] and cookie["samesite"] == "Lax"
        assert int(cookie["max-age"]) == CART_COOKIE_MAX_AGE == 40 * 24 * 3600

    def test_cookie_is_secure_outside_development(self, client, shirt, settings):
        settings.SESSION_COOKIE_SECURE = True

        response = add(client, shirt)

        assert response.cookies[CART_COOKIE]["secure"]

    def test_the_cookie_brings_the_same_cart_back(self, client, shirt):
        add(client, shirt)
        add(client, shirt)

        assert Cart.objects.count() == 1 and only_line().quantity == 2
        assert badge(client.get("/").content.decode()) == 2

    def test_htmx_add_answers_with_feedback_and_the_badge(self, client, shirt):
        response = add(client, shirt, quantity="2", **HTMX)

        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="add-feedback"' in html and "<html" not in html
        assert 'id="cart-count" class="absolute -right-0.5 -top-0.5" hx-swap-oob="true"' in html
        assert badge(html) == 2

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"color": "", "size": ""}, "Choose a colour first."),
            ({"size": ""}, "Choose a size first."),
            ({"size": "L"}, "Sorry, this one is sold out."),
            ({"quantity": "3"}, "Only 2 in stock."),
            ({"quantity": "0"}, "Choose at least one."),
            ({"quantity": "-1"}, "Choose at least one."),
            ({"quantity": "abc"}, "Enter a whole number."),
            ({"quantity": "1.5"}, "Enter a whole number."),
            ({"quantity": ""}, "Enter how many you want."),
            ({"quantity": "9" * 40}, "Ensure this value is less than or equal to 999."),
        ],
    )
    def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(
        self, client, shirt, data, message
    ):
        response = add(client, shirt, **data)

        assert response.status_code == 302
        assert response["Location"].startswith(shirt.get_absolute_url())
        assert message in messages_of(response)
        assert not CartLine.objects.exists() and not Cart.objects.exists()
        assert CART_COOKIE not in response.cookies

    def test_htmx_bad_input_shows_the_message_in_place(self, client, shirt):
        html = add(client, shirt, size="", **HTMX).content.decode()

        assert 'data-testid="add-error"' in html and "Choose a size first." in html
        assert badge(html) == 0

    def test_adding_more_than_the_stock_left_counts_what_is_in_the_cart(self, client, shirt):
        add(client, shirt, quantity="2")

        response = add(client, shirt, quantity="1")

        assert "Only 2 in stock, and 2 already in your cart." in messages_of(response)
        assert only_line().quantity == 2

    @pytest.mark.parametrize("product", ["999999", "abc", "", "-1"])
    def test_unknown_product_is_a_404(self, client, shirt, product):
        assert client.post(ADD, {"product": product, "quantity": "1"}).status_code == 404

    def test_inactive_product_is_a_404(self, client, catalogue):
        hidden = catalogue.product("Hidden", is_active=False, stock=3)

        assert client.post(ADD, {"product": hidden.pk, "quantity": "1"}).status_code == 404

    def test_get_is_refused(self, client):
        assert client.get(ADD).status_code == 405

    def test_post_without_csrf_token_is_refused(self, shirt):
        response = add(Client(enforce_csrf_checks=True), shirt)

        assert response.status_code == 403
        assert not CartLine.objects.exists()


class TestCartPage:
    def test_empty_cart_shows_the_empty_state(self, client):
        html = client.get(CART).content.decode()

        assert 'data-testid="empty-cart"' in html and 'href="/"' in html
        assert 'data-testid="checkout-button"' not in html

    def test_pages_viewed_without_adding_create_no_cart(self, client, shirt):
        client.get("/")
        client.get(shirt.get_absolute_url())
        response = client.get(CART)

        assert not Cart.objects.exists()
        assert CART_COOKIE not in response.cookies

    def test_lines_totals_and_checkout(self, client, shirt, catalogue):
        tote = catalogue.product("Canvas Tote", price="45.50", stock=9)
        add(client, shirt, quantity="2")
        add(client, tote, color="", size="", quantity="3")

        html = client.get(CART).content.decode()

        assert html.count('data-testid="cart-line"') == 2
        assert "Colour: Navy" in html and "Size: M" in html
        assert "R$240.00" in html and "R$136.50" in html
        assert re.search(r'data-testid="cart-total" >R\$376.50<', html)
        assert re.search(r'data-testid="cart-item-count" >5<', html)
        assert 'data-testid="checkout-button"' in html
        assert badge(html) == 5

    def test_plus_is_disabled_at_the_stock_limit_with_the_reason(self, client, shirt):
        add(client, shirt, quantity="2")

        html = client.get(CART).content.decode()

        assert re.search(r'data-testid="qty-increase"\s+aria-label="[^"]+" disabled', html)
        assert 'data-testid="stock-limit"' in html and "Only 2 in stock" in html
        assert re.search(r'data-testid="qty-decrease"\s+aria-label="[^"]+" >', html)

    def test_stock_drop_shrinks_the_line_and_warns(self, client, shirt):
        add(client, shirt, quantity="2")
        add(client, shirt, color="red", quantity="1")
        navy = shirt.variants.get(color__slug="navy", size__name="M")
        red = shirt.variants.get(color__slug="red")
        navy.quantity, red.quantity = 1, 0
        navy.save(), red.save()

        html = client.get(CART).content.decode()

        assert 'data-testid="stock-warning"' in html
        assert "Only 1 of Linen Shirt (Navy / M) in stock" in html
        assert "Linen Shirt (Red / M) sold out" in html
        assert list(CartLine.objects.values_list("quantity", flat=True)) == [1]
        assert 'data-testid="stock-warning"' not in client.get(CART).content.decode()

    def test_post_is_refused(self, client):
        assert client.post(CART).status_code == 405


class TestLineOperations:
    @pytest.fixture
    def line(self, client, shirt):
        add(client, shirt, color="red", quantity="2")
        return only_line()

    @pytest.mark.parametrize(
        ("action", "data", "expected"),
        [("increase", {}, 3), ("decrease", {}, 1), ("quantity", {"quantity": "5"}, 5)],
    )
    def test_without_javascript_the_form_posts_and_redirects(
        self, client, line, action, data, expected
    ):
        response = client.post(line_url(line.pk, action), data)

        assert response.status_code == 302 and response["Location"] == CART
        assert only_line().quantity == expected

    def test_remove_without_javascript(self, client, line):
        response = client.post(line_url(line.pk, "remove"))

        assert response.status_code == 302
        assert not CartLine.objects.exists()

    def test_htmx_increase_returns_the_line_totals_and_badge_in_one_response(self, client, line):
        response = client.post(line_url(line.pk, "increase"), **HTMX)

        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html
        assert html.lstrip().startswith(f'<li id="line-{line.pk}"')
        assert 'value="3"' in html
        assert re.search(
            r'id="cart-total" data-testid="cart-total" hx-swap-oob="true">R\$360.00<', html
        )
        assert re.search(
            r'id="cart-item-count" data-testid="cart-item-count" hx-swap-oob="true">3<', html
        )
        assert 'id="cart-count" class="absolute -right-0.5 -top-0.5" hx-swap-oob="true"' in html
        assert badge(html) == 3

    def test_htmx_remove_of_the_last_line_swaps_in_the_empty_state(self, client, line):
        html = client.post(line_url(line.pk, "remove"), **HTMX).content.decode()

        assert 'data-testid="cart-line"' not in html
        assert 'id="cart-contents" class="mt-6" hx-swap-oob="true"' in html
        assert 'data-testid="empty-cart"' in html and badge(html) == 0

    def test_htmx_remove_of_one_line_keeps_the_others(self, client, line, shirt):
        add(client, shirt, quantity="1")

        html = client.post(line_url(line.pk, "remove"), **HTMX).content.decode()

        assert 'data-testid="cart-line"' not in html and 'data-testid="empty-cart"' not in html
        assert 'id="cart-total" data-testid="cart-total" hx-swap-oob="true"' in html
        assert badge(html) == 1

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({}, "Enter how many you want."),
            ({"quantity": "0"}, "Choose at least one, or remove the item."),
            ({"quantity": "-4"}, "Choose at least one, or remove the item."),
            ({"quantity": "two"}, "Enter a whole number."),
            ({"quantity": "1.5"}, "Enter a whole number."),
            ({"quantity": "6"}, "Only 5 in stock."),
            ({"quantity": "1" * 50}, "That is more than we can sell at once."),
        ],
    )
    def test_bad_quantities_are_refused_with_a_clear_message(self, client, line, data, message):
        page = client.post(line_url(line.pk, "quantity"), data)
        fragment = client.post(line_url(line.pk, "quantity"), data, **HTMX).content.decode()

        assert message in messages_of(page)
        assert 'data-testid="line-error"' in fragment and message in fragment
        assert only_line().quantity == 2

    def test_increase_at_the_stock_limit_is_refused(self, client, line):
        client.post(line_url(line.pk, "quantity"), {"quantity": "5"})

        html = client.post(line_url(line.pk, "increase"), **HTMX).content.decode()

        assert "Only 5 in stock." in html and only_line().quantity == 5

    def test_decrease_at_one_is_refused(self, client, line):
        client.post(line_url(line.pk, "decrease"))

        response = client.post(line_url(line.pk, "decrease"))

        assert any("Remove" in m for m in messages_of(response))
        assert only_line().quantity == 1

    @pytest.mark.parametrize("action", ["increase", "decrease", "remove", "quantity"])
    def test_get_is_refused(self, client, line, action):
        assert client.get(line_url(line.pk, action)).status_code == 405
        assert only_line().quantity == 2

    def test_unknown_action_is_a_404(self, client, line):
        assert client.post(line_url(line.pk, "explode")).status_code == 404

    def test_post_without_csrf_token_is_refused(self, line):
        strict = Client(enforce_csrf_checks=True)
        strict.cookies[CART_COOKIE] = line.cart.token

        assert strict.post(line_url(line.pk, "increase")).status_code == 403
        assert only_line().quantity == 2


class TestIsolation:
    def test_another_shoppers_line_is_a_404_and_unchanged(self, client, shirt):
        other = Client()
        add(other, shirt, color="red", quantity="3")
        their_line = only_line()
        add(client, shirt, quantity="1")

        for action in ("increase", "decrease", "remove", "quantity"):
            response = client.post(line_url(their_line.pk, action), {"quantity": "1"})
            assert response.status_code == 404
        assert CartLine.objects.get(pk=their_line.pk).quantity == 3
        assert "Red" not in client.get(CART).content.decode()

    def test_anonymous_visitor_without_cookie_sees_nothing(self, shirt):
        add(Client(), shirt, quantity="2")

        html = Client().get(CART).content.decode()

        assert 'data-testid="empty-cart"' in html

    def test_a_forged_cookie_finds_no_cart(self, shirt):
        add(Client(), shirt)
        stranger = Client()
        stranger.cookies[CART_COOKIE] = "not-a-real-token"

        assert 'data-testid="empty-cart"' in stranger.get(CART).content.decode()

    @pytest.mark.parametrize("token", ["\x00", "abc\x00def"])
    def test_a_cookie_with_a_nul_finds_no_cart(self, shirt, token):
        stranger = Client()
        stranger.cookies[CART_COOKIE] = token  # sent quoted, as "\\000"

        response = stranger.get(CART)

        assert response.status_code == 200
        assert 'data-testid="empty-cart"' in response.content.decode()

    def test_an_accounts_cart_is_never_reachable_by_cookie(self, client, shirt, django_user_model):
        owner = django_user_model.objects.create_user(email="b@example.com", password="x-123456!")
        client.force_login(owner)
        add(client, shirt)
        token = Cart.objects.get(user=owner).token
        stranger = Client()
        stranger.cookies[CART_COOKIE] = token

        assert 'data-testid="empty-cart"' in stranger.get(CART).content.decode()


class TestLoginAndLogout:
    @pytest.fixture
    def shopper(self, django_user_model):
        return django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")

    def test_login_merges_the_anonymous_cart_and_tells_about_capped_lines(
        self, client, shirt, shopper
    ):
        client.force_login(shopper)
        add(client, shirt, quantity="1")
        client.logout()
        add(client, shirt, quantity="2")
        add(client, shirt, color="red", quantity="1")
        client.force_login(shopper)

        response = client.get(CART)

        html = response.content.decode()
        assert (
            "Only 2 of Linen Shirt (Navy / M) in stock: your cart now has 2 instead of 3." in html
        )
        assert response.cookies[CART_COOKIE].value == ""  # the anonymous cookie is dropped
        account = Cart.objects.get(user=shopper)
        assert sorted(account.lines.values_list("quantity", flat=True)) == [1, 2]
        assert Cart.objects.count() == 1

    def test_after_logout_the_browser_no_longer_shows_the_accounts_cart(
        self, client, shirt, shopper
    ):
        client.force_login(shopper)
        add(client, shirt, quantity="2")
        assert badge(client.get("/").content.decode()) == 2

        client.post(reverse("account_logout"))

        html = client.get(CART).content.decode()
        assert 'data-testid="empty-cart"' in html and badge(html) == 0
