"""Sellable stock, reservations and their services."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from conftest import postgres_only, run_concurrently
from stock import selectors, services
from stock.models import Reservation
from store.models import Variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def shirt(catalogue):
    return catalogue.product("Shirt", stock={("Navy", "M"): 3}).variants.get()


def later(minutes=60):
    return timezone.now() + timedelta(minutes=minutes)


def reserve(variant, quantity, owner="order:1", holder="cart:1", until=None):
    with transaction.atomic():
        return services.stock_reserve(
            owner=owner, holder=holder, units={variant.pk: quantity}, until=until or later()
        )


def sellable(variant, **kwargs):
    return selectors.sellable_units(variants=[Variant.objects.get(pk=variant.pk)], **kwargs)[
        variant.pk
    ]


class TestSellable:
    def test_is_the_stock_less_what_live_reservations_hold(self, shirt):
        reserve(shirt, 2)

        assert sellable(shirt) == 1
        assert Variant.objects.get(pk=shirt.pk).quantity == 3  # nothing sold yet

    def test_a_shoppers_own_reservations_do_not_count_against_them(self, shirt):
        reserve(shirt, 2, holder="cart:1")

        assert sellable(shirt, except_holder="cart:1") == 3
        assert sellable(shirt, except_holder="cart:2") == 1

    def test_an_expired_reservation_holds_nothing(self, shirt):
        reserve(shirt, 3, until=timezone.now() - timedelta(seconds=1))

        assert sellable(shirt) == 3

    def test_never_below_zero(self, shirt):
        reserve(shirt, 3)
        Variant.objects.filter(pk=shirt.pk).update(quantity=1)  # staff corrected the stock

        assert sellable(shirt) == 0

    def test_the_annotation_and_the_filter_give_the_same_number(self, catalogue, shirt):
        other = catalogue.product("Tote", stock=2).variants.get()
        empty = catalogue.product("Gone", stock=0).variants.get()
        reserve(shirt, 3)
        reserve(other, 1, owner="order:2")

        annotated = {v.pk: v.sellable for v in selectors.variants_with_sellable()}
        computed = selectors.sellable_units(variants=Variant.objects.all())

        assert annotated == computed == {shirt.pk: 0, other.pk: 1, empty.pk: 0}
        assert list(selectors.sellable_variants().values_list("pk", flat=True)) == [other.pk]

    def test_reading_sellable_stock_costs_one_query_whatever_the_number_of_variants(
        self, catalogue, django_assert_num_queries
    ):
        variants = [catalogue.product(stock=4).variants.get() for _ in range(12)]
        for n, variant in enumerate(variants):
            reserve(variant, 1, owner=f"order:{n}")

        with django_assert_num_queries(1):
            selectors.sellable_units(variants=variants)


class TestReserve:
    def test_refuses_more_than_is_sellable_and_holds_nothing(self, shirt):
        reserve(shirt, 2, owner="order:1", holder="cart:1")

        with pytest.raises(services.InsufficientStock) as refused:
            reserve(shirt, 2, owner="order:2", holder="cart:2")

        assert (refused.value.variant_id, refused.value.available) == (shirt.pk, 1)
        assert "Only 1 in stock" in refused.value.message
        assert list(Reservation.objects.values_list("owner", flat=True)) == ["order:1"]

    def test_the_same_shopper_may_reserve_again_for_a_new_order(self, shirt):
        reserve(shirt, 3, owner="order:1", holder="cart:1")
        reserve(shirt, 3, owner="order:2", holder="cart:1")

        assert Reservation.objects.count() == 2
        assert sellable(shirt) == 0

    def test_release_frees_the_units_at_once(self, shirt):
        reserve(shirt, 3, owner="order:1")

        assert services.stock_release(owner="order:1") == 1
        assert sellable(shirt) == 3


class TestCommit:
    def test_sells_the_units_and_drops_the_reservation(self, shirt):
        reserve(shirt, 2, owner="order:1", holder="cart:1")

        with transaction.atomic():
            services.stock_commit(owner="order:1", holder="cart:1", units={shirt.pk: 2})

        assert Variant.objects.get(pk=shirt.pk).quantity == 1
        assert not Reservation.objects.exists()
        assert sellable(shirt) == 1

    def test_an_expired_reservation_still_sells_if_nobody_took_the_units(self, shirt):
        reserve(shirt, 2, until=timezone.now() - timedelta(seconds=1))

        with transaction.atomic():
            services.stock_commit(owner="order:1", holder="cart:1", units={shirt.pk: 2})

        assert Variant.objects.get(pk=shirt.pk).quantity == 1

    def test_refuses_units_another_shopper_holds_now_and_changes_nothing(self, shirt):
        reserve(shirt, 3, owner="order:1", holder="cart:1", until=timezone.now())
        reserve(shirt, 2, owner="order:2", holder="cart:2")  # took them after order 1 expired

        with pytest.raises(services.InsufficientStock), transaction.atomic():
            services.stock_commit(owner="order:1", holder="cart:1", units={shirt.pk: 3})

        assert Variant.objects.get(pk=shirt.pk).quantity == 3
        assert Reservation.objects.count() == 2


def test_transfer_hands_a_shoppers_reservations_to_another(shirt):
    reserve(shirt, 2, holder="cart:guest")

    assert services.stock_transfer(from_holder="cart:guest", to_holder="cart:account") == 1
    assert sellable(shirt, except_holder="cart:account") == 3


def test_housekeeping_deletes_only_dead_reservations(shirt):
    reserve(shirt, 1, owner="order:1", until=timezone.now() - timedelta(seconds=1))
    reserve(shirt, 1, owner="order:2")

    assert services.reservations_delete_expired() == 1
    assert list(Reservation.objects.values_list("owner", flat=True)) == ["order:2"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_shoppers_reserving_the_last_units_at_once_never_oversell(catalogue):
    """Real concurrent transactions on PostgreSQL: 8 shoppers, 3 units, 2 each."""
    variant = catalogue.product("Drop", stock=3).variants.get()

    def worker(index):
        reserve(variant, 2, owner=f"order:{index}", holder=f"cart:{index}")
        return "held"

    results = run_concurrently(worker, 8)

    assert results.count("held") == 1
    assert all(isinstance(r, services.InsufficientStock) for r in results if r != "held")
    assert sellable(variant) == 1


class TestCachedListings:
    """Cached listing fragments carry the catalogue version: only a change a listing shows
    (a variant's last units held or sold, or freed) bumps it."""

    def version(self):
        from store.cache import catalogue_version, forget_version

        forget_version()
        return catalogue_version()

    def test_a_hold_that_leaves_units_for_sale_keeps_the_cache(
        self, shirt, django_capture_on_commit_callbacks
    ):
        before = self.version()
        with django_capture_on_commit_callbacks(execute=True):
            reserve(shirt, 2)

        assert self.version() == before

    def test_holding_the_last_units_and_releasing_them_refresh_it(
        self, shirt, django_capture_on_commit_callbacks
    ):
        reserve(shirt, 1, owner="order:1", holder="cart:1")
        before = self.version()
        with django_capture_on_commit_callbacks(execute=True):
            reserve(shirt, 2, owner="order:2", holder="cart:2")
        held = self.version()
        with django_capture_on_commit_callbacks(execute=True):
            services.stock_release(owner="order:2")

        assert before < held < self.version()


def test_a_cached_listing_shows_a_held_last_unit_as_sold_out(
    catalogue, settings, buyer, django_capture_on_commit_callbacks
):
    from django.test import Client

    settings.CATALOGUE_CACHE_SECONDS = 600
    product = catalogue.product("Drop", slug="drop", stock={("Navy", "M"): 1})
    shopper = Client()
    assert 'data-testid="card-sold-out"' not in shopper.get("/").content.decode()  # cached

    buyer.add(product.variants.get(), 1)
    with django_capture_on_commit_callbacks(execute=True):
        buyer.pay_link()

    assert 'data-testid="card-sold-out"' in shopper.get("/").content.decode()
