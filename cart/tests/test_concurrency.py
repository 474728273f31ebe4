"""Two tabs of the same shopper acting at the same instant, on PostgreSQL with real
concurrent connections."""

import pytest

from cart import services
from cart.models import Cart, CartLine
from conftest import postgres_only, run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


@pytest.fixture
def variant(catalogue):
    return catalogue.product("Linen Shirt", stock={("Navy", "M"): 5}).variants.get()


def test_concurrent_increments_never_pass_the_stock(variant):
    cart = Cart()
    line = services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=1)

    results = run_concurrently(
        lambda _i: services.cart_increment(cart=Cart.objects.get(pk=cart.pk), line_id=line.pk), 10
    )

    succeeded = [r for r in results if isinstance(r, CartLine)]
    refused = [r for r in results if isinstance(r, services.OutOfStock)]
    assert len(succeeded) == 4 and len(refused) == 6, results
    assert CartLine.objects.get().quantity == 5


def test_concurrent_adds_to_one_cart_make_one_line_within_stock(variant):
    cart = Cart()
    services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=1)

    results = run_concurrently(
        lambda _i: services.cart_add_item(
            cart=Cart.objects.get(pk=cart.pk), variant_id=variant.pk, quantity=1
        ),
        8,
    )

    assert sum(isinstance(r, CartLine) for r in results) == 4, results
    assert all(isinstance(r, CartLine | services.OutOfStock) for r in results), results
    assert list(CartLine.objects.values_list("quantity", flat=True)) == [5]


def test_two_tabs_of_a_new_account_create_one_cart(variant, django_user_model):
    shopper = django_user_model.objects.create_user(email="ana@example.com", password="x-123456!")

    results = run_concurrently(
        lambda _i: services.cart_add_item(
            cart=Cart(user=shopper), variant_id=variant.pk, quantity=1
        ),
        6,
    )

    assert sum(isinstance(r, CartLine) for r in results) == 5, results
    assert Cart.objects.count() == 1
    assert CartLine.objects.get().quantity == 5


def test_concurrent_remove_and_increment_leave_a_consistent_cart(variant):
    cart = Cart()
    line = services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=2)
    operations = [services.cart_remove_line, services.cart_increment] * 3

    results = run_concurrently(
        lambda i: operations[i](cart=Cart.objects.get(pk=cart.pk), line_id=line.pk), len(operations)
    )

    assert sum(r is None for r in results) == 1, results  # exactly one removal happened
    assert all(r is None or isinstance(r, CartLine | services.LineNotFound) for r in results)
    assert not CartLine.objects.exists()
