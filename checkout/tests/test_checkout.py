"""The checkout page, the confirm step and the order pages."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Address
from cart.models import CartLine
from checkout.tests.buyer import GUEST, an_hour_passes, guest_address
from orders.models import Order, PaymentStatus

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("checkout:checkout")
CONFIRM = reverse("checkout:confirm")


@pytest.fixture
def ana(client, django_user_model):
    user = django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
    client.force_login(user)
    return user


def address_for(user, **fields):
    data = {
        "recipient": "Ana Souza",
        "street": "Rua A",
        "number": "10",
        "district": "Centro",
        "city": "Rio de Janeiro",
        "state": "RJ",
        "postal_code": "20000-000",
        "phone": "(21) 99999-0000",
        "is_default": True,
    }
    return Address.objects.create(user=user, **{**data, **fields})


class TestCheckoutPage:
    def test_an_empty_cart_goes_back_to_the_cart(self, client):
        response = client.get(CHECKOUT)

        assert response.status_code == 302 and response["Location"] == reverse("cart:detail")

    def test_a_guest_sees_email_address_form_and_server_computed_summary(self, buyer, shirt):
        buyer.add(shirt, 2)

        html = buyer.client.get(CHECKOUT).content.decode()

        assert 'data-testid="guest-email"' in html and 'data-testid="guest-address"' in html
        assert 'data-testid="checkout-total">R$300.00<' in html
        assert 'data-testid="confirm-order"' in html

    def test_a_signed_in_shopper_chooses_among_their_addresses(self, buyer, shirt, ana):
        address_for(ana)
        address_for(ana, recipient="Office", is_default=False)
        buyer.add(shirt)

        html = buyer.client.get(CHECKOUT).content.decode()

        assert html.count('data-testid="address-option"') == 2
        assert 'data-testid="guest-email"' not in html

    def test_stock_that_fell_sends_the_shopper_back_to_the_cart_with_the_reason(self, buyer, shirt):
        buyer.add(shirt, 4)
        shirt.quantity = 2
        shirt.save()

        response = buyer.client.get(CHECKOUT)

        assert response.status_code == 302 and response["Location"] == reverse("cart:detail")
        html = buyer.client.get(response["Location"]).content.decode()
        assert "Only 2 of Linen Shirt (Navy / M) in stock" in html


class TestConfirm:
    def test_confirm_redirects_to_mercado_pago(self, buyer, shirt, sandbox):
        buyer.add(shirt)

        response = buyer.confirm()

        assert response.status_code == 302 and response["Location"].startswith(sandbox.url)

    def test_htmx_confirm_answers_with_hx_redirect(self, buyer, shirt, sandbox):
        buyer.add(shirt)

        response = buyer.client.post(CONFIRM, GUEST, HTTP_HX_REQUEST="true")

        assert response.status_code == 200
        assert response["HX-Redirect"].startswith(sandbox.url)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("email", ""),
            ("email", "not-an-email"),
            ("delivery-postal_code", "123"),
            ("delivery-state", "ZZ"),
        ],
    )
    def test_invalid_guest_details_are_refused_and_write_nothing(
        self, buyer, shirt, sandbox, field, value
    ):
        buyer.add(shirt)

        response = buyer.confirm(**{field: value})

        assert response.status_code == 422
        assert 'data-testid="checkout-error"' in response.content.decode()
        assert not Order.objects.exists() and not sandbox.state.preferences

    @pytest.mark.parametrize("email", ["guest@example.com\u202e", "guest@exam\u200fple.com"])
    def test_a_guest_address_no_mail_can_be_sent_to_is_refused(self, buyer, shirt, sandbox, email):
        buyer.add(shirt)

        response = buyer.confirm(email=email)

        assert response.status_code == 422
        assert "Enter a valid email address." in response.content.decode()
        assert not Order.objects.exists()

    def test_another_shoppers_address_cannot_be_used(
        self, buyer, shirt, sandbox, ana, django_user_model
    ):
        bruno = django_user_model.objects.create_user(
            email="bruno@example.com", password="x-123456!"
        )
        theirs = address_for(bruno)
        buyer.add(shirt)

        response = buyer.client.post(CONFIRM, {"address": theirs.pk})

        assert response.status_code == 422 and not Order.objects.exists()

    def test_prices_and_totals_in_the_form_are_ignored(self, buyer, shirt, sandbox):
        buyer.add(shirt, 2)

        buyer.pay_link(total="0.01", price="0.01", amount="1", subtotal="1")

        order = Order.objects.get()
        assert str(order.total) == "300.00"
        [preference] = sandbox.state.preferences.values()
        assert preference["items"][0]["unit_price"] == 150.0

    def test_stock_held_by_another_buyers_checkout_sends_the_shopper_back_to_the_cart(
        self, buyer, shirt, sandbox
    ):
        from checkout.tests.buyer import Buyer

        buyer.add(shirt, 3)
        other = Buyer(Client(), sandbox)
        other.add(shirt, 3)
        other.pay_link(email="other@example.com")  # holds 3 of the 5

        response = buyer.confirm()

        assert response.status_code == 302 and response["Location"] == reverse("cart:detail")
        html = buyer.client.get(response["Location"]).content.decode()
        assert "Only 2 of Linen Shirt (Navy / M) in stock" in html
        assert Order.objects.count() == 1

    def test_placing_refuses_lines_that_stock_no_longer_covers(self, buyer, shirt, sandbox):
        """The last check, under row locks, in case stock moved after the page was checked."""
        from cart.models import Cart
        from orders import services

        buyer.add(shirt, 3)
        shirt.quantity = 2
        shirt.save()
        address = guest_address()

        with pytest.raises(services.NotEnoughStock, match="no longer has 3 in stock"):
            services.order_place(
                cart=Cart.objects.get(), user=None, email=GUEST["email"], address=address
            )
        assert not Order.objects.exists()

    def test_get_is_refused(self, client):
        assert client.get(CONFIRM).status_code == 405

    def test_post_without_csrf_token_is_refused(self, shirt, sandbox):
        strict = Client(enforce_csrf_checks=True)

        assert strict.post(CONFIRM, GUEST).status_code == 403
        assert not Order.objects.exists()

    def test_an_empty_cart_cannot_be_confirmed(self, client, sandbox):
        response = client.post(CONFIRM, GUEST)

        assert response.status_code == 302 and not Order.objects.exists()


class TestInlineAddress:
    def test_htmx_add_returns_the_options_with_the_new_address_chosen(self, buyer, shirt, ana):
        buyer.add(shirt)
        form = buyer.client.get(
            reverse("checkout:address_add"), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert (
            form.lstrip().startswith('<div id="address-options"')
            and 'data-testid="new-address"' in form
        )

        response = buyer.client.post(
            reverse("checkout:address_add"),
            {
                "recipient": "Ana",
                "postal_code": "01310100",
                "street": "Av. Paulista",
                "number": "1000",
                "district": "Bela Vista",
                "city": "São Paulo",
                "state": "SP",
                "country": "BR",
                "phone": "(11) 91234-5678",
            },
            HTTP_HX_REQUEST="true",
        )

        html = response.content.decode()
        address = Address.objects.get(user=ana)
        assert (
            f'value="{address.pk}" form="checkout-form" class="mt-1 accent-brand-700" checked'
            in html
        )

    def test_invalid_inline_address_shows_errors(self, buyer, shirt, ana):
        buyer.add(shirt)

        html = buyer.client.post(
            reverse("checkout:address_add"), {"postal_code": "1"}, HTTP_HX_REQUEST="true"
        ).content.decode()

        assert "Enter a CEP with 8 digits" in html and not Address.objects.exists()

    def test_without_javascript_the_page_shows_the_form_and_posts_back(self, buyer, shirt, ana):
        buyer.add(shirt)

        html = buyer.client.get(CHECKOUT + "?new_address=1").content.decode()

        assert 'data-testid="new-address"' in html


class TestOrderPages:
    @pytest.fixture
    def order(self, buyer, shirt, sandbox):
        buyer.add(shirt)
        buyer.pay_link()
        return Order.objects.get()

    def test_the_guest_browser_that_ordered_sees_it_and_the_signed_link_works_anywhere(
        self, buyer, order
    ):
        assert buyer.client.get(order.get_absolute_url()).status_code == 200
        page = Client().get(order.signed_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-testid="order-status"' in html and order.reference in html

    def test_strangers_get_a_404(self, order, django_user_model):
        stranger = Client()
        assert stranger.get(order.get_absolute_url()).status_code == 404
        other = django_user_model.objects.create_user(email="x@example.com", password="x-123456!")
        stranger.force_login(other)
        assert stranger.get(order.get_absolute_url()).status_code == 404

    @pytest.mark.parametrize("token", ["garbage", "1:abc", "MQ:1tampered:sig"])
    def test_a_tampered_signed_link_is_a_404(self, order, token):
        assert Client().get(reverse("orders:signed", args=[token])).status_code == 404

    def test_the_order_list_needs_a_login_and_shows_only_ones_own(self, client, order, ana):
        assert Client().get(reverse("orders:list")).status_code == 302
        assert order.reference not in client.get(reverse("orders:list")).content.decode()

    def test_awaiting_order_offers_to_pay_now(self, buyer, order):
        html = buyer.client.get(order.get_absolute_url()).content.decode()

        assert 'data-status="awaiting_payment"' in html and 'data-testid="pay-again"' in html


def test_expire_command_marks_stale_unpaid_orders(buyer, shirt, sandbox):
    from django.core.management import call_command

    buyer.add(shirt)
    buyer.pay_link()
    an_hour_passes()

    call_command("expire_orders")

    assert Order.objects.get().payment_status == PaymentStatus.EXPIRED
    assert CartLine.objects.exists()


class TestGuestCartAdopt:
    """Logging in: the guest's cart and orders move into the account."""

    def test_a_second_merge_of_the_same_cookie_changes_nothing(self, shirt, django_user_model):
        from cart import services as cart_services
        from cart.models import Cart
        from checkout.services import guest_cart_adopt

        ana = django_user_model.objects.create_user(email="ana@example.com", password="pw-1234!")
        guest = Cart()
        cart_services.cart_add_item(cart=guest, variant_id=shirt.pk, quantity=2)

        assert guest_cart_adopt(token=guest.token, user=ana) == []
        assert guest_cart_adopt(token=guest.token, user=ana) == []
        assert CartLine.objects.get().quantity == 2
        assert list(Cart.objects.values_list("user", flat=True)) == [ana.pk]

    def test_the_guests_orders_and_their_stock_follow_the_cart(
        self, buyer, shirt, django_user_model
    ):
        from cart.models import Cart
        from checkout.services import guest_cart_adopt
        from stock.models import Reservation

        ana = django_user_model.objects.create_user(email="ana@example.com", password="pw-1234!")
        buyer.add(shirt, 2)
        buyer.pay_link()
        guest = Cart.objects.get()

        guest_cart_adopt(token=guest.token, user=ana)

        account = Cart.objects.get(user=ana)
        assert Order.objects.get().cart == account
        assert Reservation.objects.get().holder == f"cart:{account.pk}"
        assert not Cart.objects.filter(pk=guest.pk).exists()
