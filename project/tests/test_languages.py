"""The store's languages (project/i18n.py, project/urls.py): Brazilian Portuguese at `/`,
English at `/en/`, Spanish at `/es/`; which one a visitor gets, the switcher, and money,
dates and amounts typed as each language writes them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("brazilian")]

NBSP = "\u00a0"


@pytest.fixture
def shirt(catalogue):
    return catalogue.product("Linen Shirt", price="1053.50", stock=5)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


class TestWhichLanguage:
    def test_portuguese_is_the_unprefixed_default(self, client, shirt):
        response = client.get("/")
        assert response.status_code == 200 and html_lang(response) == "pt-br"

    @pytest.mark.parametrize(("header", "prefix"), [("en-US,en;q=0.9", "/en/"), ("es", "/es/")])
    def test_a_first_visit_follows_the_browser(self, client, shirt, header, prefix):
        response = client.get("/?q=linen", headers={"Accept-Language": header})
        assert response.status_code == 302 and response["Location"] == f"{prefix}?q=linen"
        assert html_lang(client.get(response["Location"])) == prefix.strip("/")

    def test_a_brazilian_browser_stays_at_the_root(self, client, shirt):
        response = client.get("/", headers={"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"})
        assert response.status_code == 200 and html_lang(response) == "pt-br"

    def test_the_shoppers_choice_sticks_over_the_browser(self, client, shirt):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        response = client.get(shirt.get_absolute_url(), headers={"Accept-Language": "en"})
        assert response.status_code == 302 and response["Location"].startswith("/es/p/")

    def test_an_explicit_prefix_is_never_overridden(self, client, shirt):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        response = client.get("/en/", headers={"Accept-Language": "pt-BR"})
        assert response.status_code == 200 and html_lang(response) == "en"

    def test_htmx_requests_and_posts_are_never_redirected(self, client, shirt):
        headers = {"Accept-Language": "en", "HX-Request": "true"}
        assert client.get("/", headers=headers).status_code == 200
        posted = client.post(
            reverse("cart:add"), {"product": shirt.pk}, headers={"Accept-Language": "en"}
        )
        assert not posted.get("Location", "").startswith("/en/cart/add")

    def test_the_admin_health_and_mercado_pagos_urls_have_no_language(self, client):
        assert client.get("/healthz").status_code == 200
        assert client.get("/es/healthz").status_code == 404
        assert reverse("admin:index") == "/admin/"
        assert reverse("payments:webhook") == "/payments/webhooks/mercadopago/"
        assert reverse("payments:finalize").startswith("/payments/finalize")
        response = client.get("/payments/finalize/", headers={"Accept-Language": "es"})
        assert response.status_code != 302 or not response["Location"].startswith("/es/")


class TestSwitcher:
    def test_the_switcher_is_in_the_header_and_footer_with_stable_hooks(self, client, shirt):
        for prefix in ("/", "/en/", "/es/"):
            html = client.get(prefix).content.decode()
            assert html.count('data-testid="language-switcher"') == 2
            options = re.findall(r'data-testid="language-option"[^>]*', html)
            langs = re.findall(
                r'<button[^>]*lang="([^"]+)"[^>]*data-testid="language-option"', html
            )
            assert len(options) == 6 and langs[:3] == ["pt-br", "en", "es"]

    def test_switching_keeps_the_page_and_the_query(self, client, shirt):
        response = client.post(
            reverse("set_language"), {"language": "es", "next": "/en/?q=linen&page=1"}
        )
        assert response.status_code == 302 and response["Location"] == "/es/?q=linen&page=1"
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
        back = client.post(reverse("set_language"), {"language": "pt-br", "next": "/es/cart/"})
        assert back["Location"] == "/cart/"
        assert client.get("/cart/").status_code == 200  # the cookie now says Portuguese

    def test_switching_keeps_the_cart(self, client, shirt):
        variant = shirt.variants.get()
        client.post(reverse("cart:add"), {"product": shirt.pk, "quantity": "2"})
        client.post(reverse("set_language"), {"language": "en", "next": "/cart/"})
        html = client.get("/en/cart/").content.decode()
        assert html.count('data-testid="cart-line"') == 1 and variant.product.name in html

    @pytest.mark.parametrize(
        "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
    )
    def test_a_foreign_next_is_ignored(self, client, next_url):
        response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
        assert response.status_code == 302
        assert "evil" not in response["Location"] and "javascript" not in response["Location"]

    def test_an_unknown_language_changes_nothing(self, client):
        response = client.post(reverse("set_language"), {"language": "xx", "next": "/"})
        assert response.status_code == 302
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies

    def test_the_choice_is_saved_on_the_account_and_restored_at_login(
        self, client, django_user_model
    ):
        user = django_user_model.objects.create_user(
            email="ana@example.com", password="pw-12345678"
        )
        client.force_login(user)
        client.post(reverse("set_language"), {"language": "es", "next": "/"})
        user.refresh_from_db()
        assert user.language == "es"

        elsewhere = Client()  # another device, no language cookie
        response = elsewhere.post(
            reverse("account_login"), {"login": "ana@example.com", "password": "pw-12345678"}
        )
        assert response.status_code == 302
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
        assert elsewhere.get("/").status_code == 302  # and the next page is in Spanish


class TestPageHead:
    def test_alternates_and_canonical(self, client, shirt):
        path = f"/p/{shirt.slug}/"
        html = client.get(f"/en{path}").content.decode()
        site = settings.SITE_URL
        assert f'<link rel="canonical" href="{site}/en{path}">' in html
        assert f'hreflang="pt-br" href="{site}{path}"' in html
        assert f'hreflang="es" href="{site}/es{path}"' in html
        assert f'hreflang="x-default" href="{site}{path}"' in html


class TestMoneyDatesAndInput:
    @pytest.mark.parametrize(
        ("prefix", "price"),
        [("/", f"R${NBSP}1.053,50"), ("/en/", "R$1,053.50"), ("/es/", f"R${NBSP}1.053,50")],
    )
    def test_prices_as_each_language_writes_them(self, client, shirt, prefix, price):
        html = client.get(prefix).content.decode()
        assert price in html

    @pytest.mark.parametrize(
        ("prefix", "typed"), [("/", "1.000,00"), ("/", "1000,5"), ("/en/", "1,000.00")]
    )
    def test_the_price_filter_takes_local_input(self, client, shirt, catalogue, prefix, typed):
        catalogue.product("Cheap Socks", price="10.00")
        html = client.get(prefix, {"min_price": typed}).content.decode()
        assert 'data-testid="filter-warning"' not in html
        assert "Linen Shirt" in html and "Cheap Socks" not in html

    def test_dates_in_the_stores_time_zone_and_the_languages_format(self):
        from django.template import Context, Template
        from django.utils import translation

        moment = datetime(2026, 11, 27, 9, 29, tzinfo=UTC)
        template = Template('{{ when|date:"DATETIME_FORMAT" }}')
        expected = {
            "pt-br": "27/11/2026 06:29",
            "es": "27/11/2026 06:29",
            "en": "Nov 27, 2026, 06:29",
        }
        for language, text in expected.items():
            with translation.override(language), timezone.override(settings.TIME_ZONE):
                assert template.render(Context({"when": moment})) == text

    def test_number_inputs_ids_and_data_values_are_never_localized(self, client, shirt):
        html = client.get(shirt.get_absolute_url()).content.decode()
        for value in re.findall(r'(?:data-[\w-]+|hx-vals|value)="([^"]*)"', html):
            assert not re.fullmatch(r"\d+,\d+", value), value


class TestOrdersRememberTheirLanguage:
    def test_the_confirmation_goes_out_in_the_language_of_the_order(self, shirt, mailoutbox):
        from django.utils import translation

        from cart import services as cart_services
        from cart.models import Cart
        from checkout.tests.buyer import guest_address
        from orders import emails, services

        cart = Cart.objects.create()
        cart_services.cart_add_item(cart=cart, variant_id=shirt.variants.get().pk, quantity=1)
        with translation.override("es"):
            order, _ = services.order_place(
                cart=cart, user=None, email="ana@example.com", address=guest_address()
            )
        assert order.language == "es"

        emails.send_order_confirmation(order_id=order.pk)  # as the background task: no request

        body = mailoutbox[-1].body
        assert "/es/orders/view/" in body
        assert f"R${NBSP}1.053,50" in body and "R$1,053.50" not in body
        assert order.lines.get().product_name == shirt.name
