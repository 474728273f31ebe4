"""The order services: placing (priced and reserved), paying, refunding, cancelling, expiring,
and the two statuses with their one transition table."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

import pricing
from cart import services as cart_services
from cart.models import Cart, CartLine
from checkout.tests.buyer import guest_address
from orders import selectors, services
from orders.models import (
    DELIVERY_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    DeliveryStatus,
    Invoice,
    Order,
    PaymentMethod,
    PaymentStatus,
)
from stock.models import Reservation
from stock.selectors import sellable_units
from store.models import Variant

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def variants(catalogue):
    return [
        catalogue.product(f"Sock {n}", price="3.33", stock={("Navy", "M"): 4}).variants.get()
        for n in range(3)
    ]


def cart_with(*lines) -> Cart:
    cart = Cart()
    for variant, quantity in lines:
        cart_services.cart_add_item(cart=cart, variant_id=variant.pk, quantity=quantity)
    return cart


def place(cart, **kwargs) -> Order:
    kwargs.setdefault("email", "ana@example.com")
    order, _superseded = services.order_place(
        cart=cart, user=None, address=guest_address(), **kwargs
    )
    return order


def pay(order, method=PaymentMethod.MERCADO_PAGO) -> bool:
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        return services.order_mark_paid(order=locked, method=method, reference="ref-1")


def sellable(variant) -> int:
    return sellable_units(variants=[Variant.objects.get(pk=variant.pk)])[variant.pk]


class TestPlace:
    def test_prices_the_lines_with_the_pricing_function_and_stores_every_amount(self, variants):
        cart = cart_with(*((variant, 1) for variant in variants))

        order = place(
            cart,
            discount=pricing.Discount(amount=D("10.00")),  # more than the lines are worth
            shipping=D("19.90"),
        )

        assert (order.subtotal, order.discount, order.shipping, order.total) == (
            D("9.99"),
            D("9.99"),
            D("19.90"),
            D("19.90"),
        )
        lines = list(order.lines.order_by("id"))
        assert [(line.unit_price, line.discount, line.line_total) for line in lines] == [
            (D("3.33"), D("3.33"), D("0.00"))
        ] * 3
        assert order.address_fields() == guest_address().address_fields()
        assert order.currency == "BRL" and order.payment_status == PaymentStatus.AWAITING_PAYMENT
        assert order.delivery_status == DeliveryStatus.NOT_SHIPPED

    def test_spreads_a_discount_over_the_lines_to_the_centavo(self, variants):
        cart = cart_with(*((variant, 1) for variant in variants))

        order = place(cart, discount=pricing.Discount(amount=D("1.00")))

        discounts = [line.discount for line in order.lines.order_by("id")]
        assert discounts == [D("0.34"), D("0.33"), D("0.33")]
        assert order.total == D("8.99")

    def test_reserves_the_stock_for_the_cart_until_the_link_expires(self, variants):
        cart = cart_with((variants[0], 3))

        order = place(cart)

        reservation = Reservation.objects.get()
        assert (reservation.owner, reservation.holder) == (f"order:{order.pk}", f"cart:{cart.pk}")
        assert reservation.quantity == 3 and reservation.expires_at == order.reserved_until
        assert sellable(variants[0]) == 1

    def test_an_empty_cart_is_refused(self):
        with pytest.raises(services.EmptyCart):
            place(Cart())

    def test_stock_another_shopper_holds_is_refused_with_nothing_written(self, variants):
        place(cart_with((variants[0], 3)))
        late = cart_with((variants[0], 1))
        Variant.objects.filter(pk=variants[0].pk).update(quantity=3)  # 3 on hand, all held

        with pytest.raises(services.NotEnoughStock, match="no longer has 1 in stock"):
            place(late)

        assert Order.objects.count() == 1 and Reservation.objects.count() == 1

    def test_a_withdrawn_product_is_refused(self, variants):
        cart = cart_with((variants[0], 1))
        variants[0].product.is_active = False
        variants[0].product.save()

        with pytest.raises(services.NotEnoughStock):
            place(cart)
        assert not Order.objects.exists()

    def test_a_second_click_gets_the_same_order(self, variants):
        cart = cart_with((variants[0], 1))

        assert place(cart) == place(cart)
        assert Reservation.objects.count() == 1

    def test_a_sixth_order_holding_stock_cancels_the_oldest_even_while_its_payment_is_pending(
        self, variants, settings
    ):
        cart = cart_with((variants[0], 1))
        placed = []
        for n in range(settings.CHECKOUT_MAX_UNFINISHED):
            order = place(cart, email=f"try{n}@example.com")
            services.order_mark_pending(order=order)  # a Pix left unpaid: it still holds stock
            placed.append(order)

        sixth, superseded = services.order_place(
            cart=cart, user=None, email="sixth@example.com", address=guest_address()
        )

        assert superseded == [placed[0]]
        statuses = dict(Order.objects.values_list("email", "payment_status"))
        assert statuses["try0@example.com"] == PaymentStatus.CANCELLED
        assert list(statuses.values()).count(PaymentStatus.PAYMENT_PENDING) == 4
        assert not Reservation.objects.filter(owner=f"order:{placed[0].pk}").exists()
        assert Reservation.objects.count() == settings.CHECKOUT_MAX_UNFINISHED


class TestMarkPaid:
    def test_sells_the_stock_records_the_invoice_and_empties_the_cart(
        self, variants, django_capture_on_commit_callbacks
    ):
        cart = cart_with((variants[0], 2), (variants[1], 1))
        order = place(cart, discount=pricing.Discount(percentage=D("10")), shipping=D("5.00"))
        cart_services.cart_add_item(cart=cart, variant_id=variants[2].pk, quantity=1)

        with django_capture_on_commit_callbacks(execute=True):
            assert pay(order) is True

        order.refresh_from_db()
        assert order.payment_status == PaymentStatus.PAID and order.was_paid
        assert Variant.objects.get(pk=variants[0].pk).quantity == 2
        assert not Reservation.objects.exists()
        invoice = Invoice.objects.get(order=order)
        assert (invoice.subtotal, invoice.discount, invoice.shipping, invoice.total) == (
            order.subtotal,
            order.discount,
            order.shipping,
            order.total,
        )
        assert [(d.discount, d.amount) for d in invoice.details.order_by("id")] == [
            (line.discount, line.line_total) for line in order.lines.order_by("id")
        ]
        # added after checkout: stays in the cart
        assert list(CartLine.objects.values_list("variant", flat=True)) == [variants[2].pk]
        assert [m.to for m in mail.outbox] == [["ana@example.com"]]

    def test_happens_once(self, variants):
        order = place(cart_with((variants[0], 2)))

        assert pay(order) is True
        assert pay(order) is False
        assert Variant.objects.get(pk=variants[0].pk).quantity == 2
        assert Invoice.objects.count() == 1

    def test_an_order_paid_then_refunded_is_never_paid_again(self, variants):
        order = place(cart_with((variants[0], 1)))
        pay(order)
        services.order_mark_refunded(order=Order.objects.get(pk=order.pk), note="charged back")

        assert pay(order) is False
        assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.REFUNDED

    def test_stock_that_went_to_another_buyer_is_a_lost_reservation(self, variants):
        order = place(cart_with((variants[0], 4)))
        Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        other = place(cart_with((variants[0], 1)), email="bruno@example.com")

        with pytest.raises(services.LostReservation, match="sold out before"):
            pay(order)

        assert pay(other) is True
        assert Variant.objects.get(pk=variants[0].pk).quantity == 3

    def test_a_cancelled_order_cannot_be_paid(self, variants):
        order = place(cart_with((variants[0], 1)))
        services.order_cancel(order=order, note="replaced")

        with pytest.raises(services.IllegalTransition):
            pay(order)
        assert Variant.objects.get(pk=variants[0].pk).quantity == 4

    def test_the_invoice_refuses_lines_that_do_not_add_up(self, variants):
        order = place(cart_with((variants[0], 1)))
        order.lines.update(line_total=D("0.01"))

        with pytest.raises(services.AmountsDoNotAddUp, match="do not add up"):
            pay(order)
        assert not Invoice.objects.exists()


class TestTransitions:
    def test_every_status_has_its_row_and_only_known_targets(self):
        assert set(PAYMENT_TRANSITIONS) == set(PaymentStatus.values)
        assert set(DELIVERY_TRANSITIONS) == set(DeliveryStatus.values)
        for table, statuses in (
            (PAYMENT_TRANSITIONS, PaymentStatus.values),
            (DELIVERY_TRANSITIONS, DeliveryStatus.values),
        ):
            assert all(targets <= set(statuses) for targets in table.values())

    @pytest.mark.parametrize(
        ("paid_first", "move"),
        [
            (False, services.order_reopen),  # awaiting payment -> awaiting payment
            (True, services.order_cancel),  # paid -> cancelled
            (True, services.order_mark_pending),  # paid -> payment pending
            (True, services.order_reopen),  # paid -> awaiting payment
        ],
    )
    def test_an_illegal_move_is_refused_and_changes_nothing(self, variants, paid_first, move):
        order = place(cart_with((variants[0], 1)))
        if paid_first:
            pay(order)
        order = Order.objects.get(pk=order.pk)
        before = (order.payment_status, order.updated_at)

        with pytest.raises(services.IllegalTransition):
            move(order=order)

        order.refresh_from_db()
        assert (order.payment_status, order.updated_at) == before

    def test_a_rejected_pending_payment_reopens_the_order(self, variants):
        order = place(cart_with((variants[0], 1)))
        services.order_mark_pending(order=order)
        services.order_reopen(order=order)

        assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.AWAITING_PAYMENT

    def test_delivery_moves_along_once_paid_one_step_at_a_time(self, variants):
        order = place(cart_with((variants[0], 1)))
        with pytest.raises(services.IllegalTransition, match="not paid"):
            services.order_advance_delivery(order=order, to=DeliveryStatus.SHIPPED)
        pay(order)
        with pytest.raises(services.IllegalTransition):
            services.order_advance_delivery(order=order, to=DeliveryStatus.DELIVERED)

        services.order_advance_delivery(order=order, to=DeliveryStatus.SHIPPED)
        services.order_advance_delivery(order=order, to=DeliveryStatus.DELIVERED)

        order.refresh_from_db()
        assert order.payment_status == PaymentStatus.PAID  # the payment status stays put
        assert order.delivery_status == DeliveryStatus.DELIVERED
        assert order.shipped_at is not None and order.delivered_at is not None


class TestRefundCancelExpire:
    def test_refunding_an_unpaid_order_releases_its_stock_once(
        self, variants, django_capture_on_commit_callbacks
    ):
        order = place(cart_with((variants[0], 4)))

        with django_capture_on_commit_callbacks(execute=True):
            assert services.order_mark_refunded(order=order, note="too late") is True
            assert services.order_mark_refunded(order=order, note="again") is False
        assert sellable(variants[0]) == 4
        assert len([m for m in mail.outbox if "refunded" in m.subject]) == 1

    def test_cancelling_releases_the_stock(self, variants):
        order = place(cart_with((variants[0], 4)))

        services.order_cancel(order=order, note="replaced")

        order.refresh_from_db()
        assert order.payment_status == PaymentStatus.CANCELLED and order.cancelled_at
        assert sellable(variants[0]) == 4

    def test_expiring_marks_only_unpaid_orders_past_their_link_and_leaves_pending_ones(
        self, variants
    ):
        stale = place(cart_with((variants[0], 1)), email="stale@example.com")
        pending = place(cart_with((variants[1], 1)), email="pending@example.com")
        services.order_mark_pending(order=pending)
        fresh = place(cart_with((variants[2], 1)), email="fresh@example.com")
        Order.objects.exclude(pk=fresh.pk).update(reserved_until=timezone.now())

        assert services.orders_expire_stale() == 1

        statuses = dict(Order.objects.values_list("pk", "payment_status"))
        assert statuses == {
            stale.pk: PaymentStatus.EXPIRED,
            pending.pk: PaymentStatus.PAYMENT_PENDING,
            fresh.pk: PaymentStatus.AWAITING_PAYMENT,
        }


class TestSelectors:
    def test_order_pricing_prices_the_stored_lines_again(self, variants):
        order = place(
            cart_with((variants[0], 3)),
            discount=pricing.Discount(amount=D("1.00")),
            shipping=D("7.50"),
        )

        totals = selectors.order_pricing(order=order)

        assert totals.total == order.total == D("16.49")
        assert totals.discount == order.discount and totals.shipping == order.shipping

    def test_links_and_ids_that_are_not_ours_find_nothing(self, variants):
        order = place(cart_with((variants[0], 1)))

        assert selectors.order_for_page(pk=order.pk + 1000) is None
        assert selectors.order_from_signed_token(token="forged:abc") is None
        assert selectors.invoice_for_order(order=order) is None
        token = order.signed_url().rstrip("/").rsplit("/", 1)[-1]
        assert selectors.order_from_signed_token(token=token) == order
