import pytest

from cart import services
from cart.models import Cart, CartLine
from cart.selectors import cart_for, cart_item_count, cart_summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant(catalogue):
    return catalogue.product("Linen Shirt", price="100.00", stock={("Navy", "M"): 3}).variants.get()


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")


def test_a_new_cart_is_created_on_the_first_add_only():
    cart = Cart()

    assert cart_summary(cart=cart).is_empty
    assert cart_item_count(cart=cart) == 0
    assert not Cart.objects.exists()


def test_add_creates_the_cart_and_a_line(variant):
    cart = Cart()

    services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=2)

    assert cart.pk is not None
    assert cart_item_count(cart=cart) == 2
    summary = cart_summary(cart=cart)
    assert [(line.product.name, line.quantity) for line in summary.lines] == [("Linen Shirt", 2)]
    assert str(summary.subtotal) == "200.00"


def test_adding_the_same_variant_again_sums_into_one_line(variant):
    cart = Cart()
    services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=1)

    services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=2)

    assert list(CartLine.objects.values_list("quantity", flat=True)) == [3]


def test_adding_beyond_stock_is_refused_and_changes_nothing(variant):
    cart = Cart()
    services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=2)

    with pytest.raises(services.OutOfStock, match="Only 3 in stock, and 2 already in your cart"):
        services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=2)

    assert cart_item_count(cart=cart) == 2


def test_adding_a_sold_out_or_withdrawn_variant_is_refused(catalogue):
    sold_out = catalogue.product(stock=0).variants.get()
    withdrawn = catalogue.product(stock=5, is_active=False).variants.get()

    for variant in (sold_out, withdrawn):
        with pytest.raises(services.OutOfStock):
            services.cart_add_item(cart=Cart(), variant_id=variant.pk, quantity=1)
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("quantity", [0, -1, 1000])
def test_add_refuses_quantities_out_of_range(variant, quantity):
    with pytest.raises(services.CartError):
        services.cart_add_item(cart=Cart(), variant_id=variant.pk, quantity=quantity)
    assert not CartLine.objects.exists()


def test_set_quantity_increment_decrement_and_remove(variant):
    cart = Cart()
    line = services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=1)

    assert services.cart_increment(cart=cart, line_id=line.pk).quantity == 2
    assert services.cart_set_quantity(cart=cart, line_id=line.pk, quantity=3).quantity == 3
    with pytest.raises(services.OutOfStock, match="Only 3 in stock"):
        services.cart_increment(cart=cart, line_id=line.pk)
    with pytest.raises(services.OutOfStock):
        services.cart_set_quantity(cart=cart, line_id=line.pk, quantity=4)
    assert services.cart_decrement(cart=cart, line_id=line.pk).quantity == 2
    services.cart_decrement(cart=cart, line_id=line.pk)
    with pytest.raises(services.CartError, match="Remove"):
        services.cart_decrement(cart=cart, line_id=line.pk)
    assert CartLine.objects.get().quantity == 1

    services.cart_remove_line(cart=cart, line_id=line.pk)

    assert not CartLine.objects.exists()


def test_operations_on_another_carts_line_are_refused(variant):
    mine, theirs = Cart(), Cart()
    services.cart_add_item(cart=mine, variant_id=variant.pk, quantity=1)
    their_line = services.cart_add_item(cart=theirs, variant_id=variant.pk, quantity=2)

    for operation in (services.cart_increment, services.cart_decrement, services.cart_remove_line):
        with pytest.raises(services.LineNotFound):
            operation(cart=mine, line_id=their_line.pk)
    with pytest.raises(services.LineNotFound):
        services.cart_set_quantity(cart=mine, line_id=their_line.pk, quantity=1)
    with pytest.raises(services.LineNotFound):
        services.cart_increment(cart=Cart(), line_id=their_line.pk)

    assert CartLine.objects.get(pk=their_line.pk).quantity == 2


def test_fit_to_stock_shrinks_and_removes_lines(catalogue):
    shirt = catalogue.product("Shirt", stock={("Navy", "M"): 5}).variants.get()
    tote = catalogue.product("Tote", stock=4).variants.get()
    fine = catalogue.product("Hat", stock=9).variants.get()
    cart = Cart()
    for v, q in ((shirt, 4), (tote, 2), (fine, 2)):
        services.cart_add_item(cart=cart, variant_id=v.pk, quantity=q)
    shirt.quantity, tote.quantity = 2, 0
    shirt.save(), tote.save()

    adjustments = services.cart_fit_to_stock(cart=cart)

    assert [(a.product_name, a.variant_label, a.before, a.after) for a in adjustments] == [
        ("Shirt", "Navy / M", 4, 2),
        ("Tote", "", 2, 0),
    ]
    assert {line.variant.product.name: line.quantity for line in CartLine.objects.all()} == {
        "Shirt": 2,
        "Hat": 2,
    }
    assert services.cart_fit_to_stock(cart=cart) == []


def test_merge_sums_quantities_caps_at_stock_and_empties_the_anonymous_cart(catalogue, shopper):
    shirt = catalogue.product("Shirt", stock={("Navy", "M"): 3}).variants.get()
    tote = catalogue.product("Tote", stock=5).variants.get()
    gone = catalogue.product("Gone", stock=2).variants.get()
    account = Cart(user=shopper)
    services.cart_add_item(cart=account, variant_id=shirt.pk, quantity=2)
    anonymous = Cart()
    services.cart_add_item(cart=anonymous, variant_id=shirt.pk, quantity=2)
    services.cart_add_item(cart=anonymous, variant_id=tote.pk, quantity=1)
    services.cart_add_item(cart=anonymous, variant_id=gone.pk, quantity=1)
    gone.quantity = 0
    gone.save()

    target = services.cart_merge_lock(source=anonymous, user=shopper)
    adjustments = services.cart_merge_lines(source=anonymous, target=target)

    assert [(a.product_name, a.before, a.after) for a in adjustments] == [
        ("Shirt", 4, 3),
        ("Gone", 1, 0),
    ]
    account = Cart.objects.get(user=shopper)
    assert {line.variant.product.name: line.quantity for line in account.lines.all()} == {
        "Shirt": 3,
        "Tote": 1,
    }
    assert target == account and not anonymous.lines.exists()
    services.cart_delete(cart=anonymous)  # once what refers to it moved (checkout does that)
    assert Cart.objects.count() == 1


def test_merge_into_an_account_without_a_cart(variant, shopper):
    anonymous = Cart()
    services.cart_add_item(cart=anonymous, variant_id=variant.pk, quantity=2)

    target = services.cart_merge_lock(source=anonymous, user=shopper)
    assert services.cart_merge_lines(source=anonymous, target=target) == []

    assert cart_item_count(cart=cart_for(user=shopper, token=None)) == 2


def test_cart_for_finds_only_anonymous_carts_by_token(variant, shopper):
    account = Cart(user=shopper)
    services.cart_add_item(cart=account, variant_id=variant.pk, quantity=1)
    from django.contrib.auth.models import AnonymousUser

    assert cart_for(user=AnonymousUser(), token=account.token).pk is None
    assert cart_for(user=AnonymousUser(), token="x" * 5000).pk is None
    assert cart_for(user=shopper, token=None).pk == account.pk


def test_two_tabs_creating_the_accounts_cart_share_one_cart(variant, shopper):
    first, second = Cart(user=shopper), Cart(user=shopper)

    services.cart_add_item(cart=first, variant_id=variant.pk, quantity=1)
    services.cart_add_item(cart=second, variant_id=variant.pk, quantity=1)

    assert Cart.objects.count() == 1
    assert CartLine.objects.get().quantity == 2
