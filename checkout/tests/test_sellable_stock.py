"""While another buyer's checkout holds the last unit, the cart and checkout of every other
shopper count it as gone, and the buyer holding it keeps it."""

import pytest
from django.test import Client

from cart.models import CartLine
from checkout.tests.buyer import GUEST, Buyer
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_unit(catalogue):
    return catalogue.product("Drop Tee", stock={("Navy", "M"): 1}).variants.get()


@pytest.fixture
def other(sandbox):
    return Buyer(Client(), sandbox)


def test_the_cart_takes_out_a_unit_another_buyer_now_holds(buyer, other, last_unit):
    other.add(last_unit, 1)  # B put it in the cart first...
    buyer.add(last_unit, 1)
    buyer.pay_link()  # ...but A checked out first

    html = other.client.get("/cart/").content.decode()

    assert 'data-testid="stock-warning"' in html and "sold out" in html
    assert 'data-testid="empty-cart"' in html
    assert list(CartLine.objects.values_list("cart__orders__email", flat=True)) == [GUEST["email"]]


def test_adding_a_unit_another_buyer_holds_is_refused(buyer, other, last_unit):
    buyer.add(last_unit, 1)
    buyer.pay_link()

    response = other.client.post(
        "/cart/add/",
        {"product": last_unit.product.pk, "color": "navy", "size": "M", "quantity": "1"},
        HTTP_HX_REQUEST="true",
    )

    assert 'data-testid="add-error"' in response.content.decode()
    assert CartLine.objects.count() == 1  # A's line only


def test_confirming_a_unit_another_buyer_holds_places_nothing(buyer, other, last_unit):
    other.add(last_unit, 1)
    buyer.add(last_unit, 1)
    buyer.pay_link()

    confirm = other.confirm(email="bruno@example.com")  # straight from a stale checkout page

    assert confirm.status_code == 302 and confirm["Location"] == "/cart/"
    assert list(Order.objects.values_list("email", flat=True)) == [GUEST["email"]]
    page = other.client.get("/cart/").content.decode()
    assert "Stock changed" in page and 'data-testid="empty-cart"' in page


def test_the_checkout_page_sends_the_other_shopper_back_to_the_cart(buyer, other, last_unit):
    other.add(last_unit, 1)
    buyer.add(last_unit, 1)
    buyer.pay_link()

    page = other.client.get("/checkout/")

    assert page.status_code == 302 and page["Location"] == "/cart/"


def test_the_buyer_holding_the_unit_keeps_it_in_their_cart_and_checkout(buyer, last_unit):
    buyer.add(last_unit, 1)
    link = buyer.pay_link()

    cart = buyer.client.get("/cart/").content.decode()
    checkout = buyer.client.get("/checkout/")

    assert 'data-testid="stock-warning"' not in cart and 'data-testid="cart-line"' in cart
    assert checkout.status_code == 200
    assert buyer.pay_link() == link  # confirming again reuses the held order
