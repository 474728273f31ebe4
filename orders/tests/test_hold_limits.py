"""What one client may hold unpaid (orders.services.hold_limit and order_place); the attacks
themselves are in project/tests/security/test_stock_hoarding.py."""

import pytest

from cart import services as cart_services
from cart.models import Cart
from checkout.tests.buyer import guest_address
from orders import services
from orders.models import Order


@pytest.mark.parametrize(
    ("on_hand", "limit"),
    [(0, 1), (1, 1), (2, 1), (3, 2), (5, 3), (6, 3), (19, 10), (20, 10), (100, 10)],
)
def test_half_the_units_on_hand_rounded_up_at_most_ten(hold_limits, on_hand, limit):
    assert services.hold_limit(on_hand) == limit


def test_either_number_can_be_switched_off(settings):
    settings.CHECKOUT_HOLD_SHARE, settings.CHECKOUT_HOLD_LIMIT = 0, 10
    assert services.hold_limit(4) == 10
    settings.CHECKOUT_HOLD_SHARE, settings.CHECKOUT_HOLD_LIMIT = 50, 0
    assert services.hold_limit(100) == 50
    settings.CHECKOUT_HOLD_SHARE, settings.CHECKOUT_HOLD_LIMIT = 0, 0
    assert services.hold_limit(4) == 0


@pytest.mark.django_db
class TestPlace:
    @pytest.fixture
    def variant(self, catalogue, hold_limits):
        return catalogue.product("Drop", stock={("Navy", "M"): 6}).variants.get()

    def place(self, variant, quantity, *, email="a@example.com", address="192.0.2.1"):
        cart = Cart.objects.create()
        cart_services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=quantity)
        return services.order_place(
            cart=cart, user=None, email=email, address=guest_address(), client_address=address
        )

    def test_one_order_over_the_limit_is_asked_to_lower_the_quantity(self, variant):
        with pytest.raises(services.HoldLimitReached, match="please lower its quantity"):
            self.place(variant, 4)
        assert not Order.objects.exists()

    def test_others_holds_are_named_in_the_refusal(self, variant):
        self.place(variant, 2)
        with pytest.raises(services.HoldLimitReached, match="2 already wait in another"):
            self.place(variant, 2, address="192.0.2.99")  # the same e-mail

    def test_a_store_credit_order_is_paid_at_once_and_not_limited(self, variant):
        cart = Cart.objects.create()
        cart_services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=6)
        order, _ = services.order_place(
            cart=cart,
            user=None,
            email="a@example.com",
            address=guest_address(),
            method="store_credit",
            client_address="192.0.2.1",
        )
        assert order.lines.get().quantity == 6

    def test_expired_orders_no_longer_count(self, variant):
        from checkout.tests.buyer import an_hour_passes

        self.place(variant, 3)
        an_hour_passes()
        order, _ = self.place(variant, 3)
        assert order.pk
