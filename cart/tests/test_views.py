"""The product page's add-to-cart form. Until the cart lands (issue 3) the view validates the
choice and sends the shopper back to the product page with a message."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

pytestmark = pytest.mark.django_db

ADD = reverse("cart:add")


@pytest.fixture
def shirt(catalogue):
    return catalogue.product(
        "Linen Shirt",
        slug="linen-shirt",
        stock={("Navy", "M"): 2, ("Navy", "L"): 0, ("Red", "M"): 5},
    )


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a colour first."),
        ({"color": "navy"}, "Choose a size first."),
        ({"color": "navy", "size": "L"}, "Sorry, this one is sold out."),
        ({"color": "navy", "size": "M", "quantity": "3"}, "Only 2 left in stock."),
        ({"color": "navy", "size": "M", "quantity": "0"}, "Choose at least one."),
        ({"color": "navy", "size": "M", "quantity": "-1"}, "Choose at least one."),
        ({"color": "navy", "size": "M", "quantity": "abc"}, "Enter a whole number."),
        ({"color": "navy", "size": "M", "quantity": "1.5"}, "Enter a whole number."),
        ({"color": "navy", "size": "M", "quantity": ""}, "Enter how many you want."),
    ],
)
def test_bad_choices_go_back_to_the_product_page_with_a_clear_message(client, shirt, data, message):
    response = client.post(ADD, {"product": shirt.pk, "quantity": "1", **data})

    assert response.status_code == 302
    assert response["Location"].startswith(shirt.get_absolute_url())
    assert message in messages_of(response)


def test_the_selection_is_kept_when_sent_back(client, shirt):
    response = client.post(ADD, {"product": shirt.pk, "color": "navy", "quantity": "1"})

    assert response["Location"] == shirt.get_absolute_url() + "?color=navy"


def test_a_valid_choice_is_confirmed(client, shirt):
    response = client.post(
        ADD, {"product": shirt.pk, "color": "navy", "size": "M", "quantity": "2"}
    )

    assert response.status_code == 302
    assert any("is in stock" in m for m in messages_of(response))


@pytest.mark.parametrize("product", ["999999", "abc", "", "-1"])
def test_unknown_product_is_a_404(client, shirt, product):
    assert client.post(ADD, {"product": product, "quantity": "1"}).status_code == 404


def test_inactive_product_is_a_404(client, catalogue):
    hidden = catalogue.product("Hidden", is_active=False, stock=3)

    assert client.post(ADD, {"product": hidden.pk, "quantity": "1"}).status_code == 404


def test_get_is_refused(client):
    assert client.get(ADD).status_code == 405


def test_post_without_csrf_token_is_refused(shirt):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        ADD, {"product": shirt.pk, "color": "navy", "size": "M", "quantity": "1"}
    )

    assert response.status_code == 403
