"""Query budgets: the cart page, each operation and the badge cost the same for 1 or 20 lines."""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cart.models import CartLine
from store.models import Variant

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def shopper_client(django_user_model, signed_in):
    client = Client()
    if signed_in:
        email = f"{uuid.uuid4().hex}@example.com"
        client.force_login(django_user_model.objects.create_user(email=email))
    return client


def fill(client, catalogue, lines) -> CartLine:
    """Put `lines` different products in the client's cart; returns its first line."""
    for n in range(lines):
        product = catalogue.product(f"P{n}", stock={("Navy", "M"): 9, ("Red", "L"): 9}, images=3)
        client.post(
            reverse("cart:add"),
            {"product": product.pk, "color": "navy", "size": "M", "quantity": "2"},
        )
    cart = CartLine.objects.latest("id").cart
    assert cart.lines.count() == lines
    return cart.lines.order_by("id").first()


def queries(client, method, url, data=None, **extra):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, **extra)
    assert response.status_code in (200, 302)
    return len(captured)


def measure(client, line):
    def url(action):
        return reverse("cart:line", args=[line.pk, action])

    return {
        "page": queries(client, "get", reverse("cart:detail")),
        "badge on the listing": queries(client, "get", "/"),
        "increase": queries(client, "post", url("increase"), **HTMX),
        "decrease": queries(client, "post", url("decrease"), **HTMX),
        "quantity": queries(client, "post", url("quantity"), {"quantity": "3"}, **HTMX),
        "quantity without htmx": queries(client, "post", url("quantity"), {"quantity": "2"}),
    }


@pytest.mark.parametrize("signed_in", [False, True])
def test_cart_costs_do_not_grow_with_the_number_of_lines(
    catalogue, django_user_model, django_assert_max_num_queries, signed_in
):
    one, twenty = (shopper_client(django_user_model, signed_in) for _ in range(2))

    small = measure(one, fill(one, catalogue, 1))
    big = measure(twenty, fill(twenty, catalogue, 20))

    assert small == big
    with django_assert_max_num_queries(10):
        queries(twenty, "get", reverse("cart:detail"))


@pytest.mark.parametrize("signed_in", [False, True])
def test_remove_costs_do_not_grow_with_the_number_of_lines(catalogue, django_user_model, signed_in):
    # Removing a cart's only line empties it (a cheaper answer), so compare 2 lines with 20.
    two, twenty = (shopper_client(django_user_model, signed_in) for _ in range(2))
    two_line, twenty_line = fill(two, catalogue, 2), fill(twenty, catalogue, 20)

    def remove(client, line):
        return queries(client, "post", reverse("cart:line", args=[line.pk, "remove"]), **HTMX)

    assert remove(two, two_line) == remove(twenty, twenty_line)


def test_stock_shrink_on_the_cart_page_costs_the_same_for_1_or_20_lines(catalogue):
    counts = []
    for lines in (1, 20):
        client = Client()
        fill(client, catalogue, lines)
        Variant.objects.update(quantity=1)
        counts.append(queries(client, "get", reverse("cart:detail")))
        Variant.objects.update(quantity=9)

    assert counts[0] == counts[1]
