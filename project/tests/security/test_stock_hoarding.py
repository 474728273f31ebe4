"""Threat 7, stock hoarding: one client holding a limited drop unpaid so nobody else can buy it.

The report: from one address, six times with no cookie, add a unit to a fresh cart and confirm
with a made-up e-mail: all six units of a variant were held for an hour. The limit of five
unfinished payments was per cart, and a new cart costs one new cookie.

The defence (orders.services.order_place, numbers in docs/deploy.md): one client (an account,
an e-mail, or an address as counted behind the configured proxies) may hold unpaid no more
than CHECKOUT_HOLD_SHARE percent of a variant's units on hand (rounded up, so the last unit
can be bought), and no more than CHECKOUT_HOLD_LIMIT; one address may start no more than
CHECKOUT_HOLDS_PER_HOUR checkouts that hold stock. A hold beyond is refused with a message
and writes nothing; the shopper's own older checkouts are replaced instead, so retrying one's
own order is never refused. The count is taken under the variant's lock: concurrent attacks
count one after the other (checked on PostgreSQL).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from checkout.tests.buyer import GUEST, Buyer
from conftest import postgres_only, run_concurrently
from orders.models import Order, PaymentStatus
from stock.selectors import sellable_split

from .helpers import address_of

ATTACKER = "203.0.113.66"
SHOPPER = "198.51.100.7"
REFUSED = "limited to 3 per customer while awaiting payment"


@pytest.fixture
def drop(catalogue, hold_limits):
    """A limited drop: six units of one shirt."""
    return catalogue.product("Drop Tee", price="199.00", stock=6).variants.get()


def sellable(variant) -> int:
    variant.refresh_from_db()
    return sellable_split(variants=[variant])[variant.pk].to_everyone


def browser(address: str, **headers) -> Client:
    """A new browser (no cookie) from `address`."""
    return Client(REMOTE_ADDR=address, **headers)


def fresh_cart_checkout(sandbox, variant, *, address=ATTACKER, email=None, n=0, **headers):
    buyer = Buyer(browser(address, **headers), sandbox)
    buyer.add(variant)
    return buyer.confirm(email=email or f"bot{n}@example.net")


pytestmark = pytest.mark.django_db


def test_six_fresh_carts_from_one_address_leave_stock_for_the_next_shopper(sandbox, drop):
    answers = [fresh_cart_checkout(sandbox, drop, n=n) for n in range(6)]

    assert [a.status_code for a in answers] == [302, 302, 302, 409, 409, 409]
    assert all(REFUSED in a.content.decode() for a in answers[3:])
    assert Order.objects.count() == 3, "a refused hold writes nothing"
    assert sellable(drop) == 3

    shopper = Buyer(browser(SHOPPER), sandbox)
    shopper.add(drop, quantity=3)
    assert shopper.pay_link(email="real.shopper@example.com").startswith(sandbox.url)
    assert sellable(drop) == 0


def test_one_cart_of_the_whole_drop_is_refused(sandbox, drop):
    buyer = Buyer(browser(ATTACKER), sandbox)
    buyer.add(drop, quantity=6)

    answer = buyer.confirm(email="bot@example.net")

    assert answer.status_code == 409 and REFUSED in answer.content.decode()
    assert sellable(drop) == 6 and not Order.objects.exists()


def test_one_e_mail_from_many_addresses_is_one_client(sandbox, drop):
    answers = [
        fresh_cart_checkout(sandbox, drop, address=f"192.0.2.{n}", email="Same@Example.net")
        for n in range(1, 5)
    ]
    assert [a.status_code for a in answers] == [302, 302, 302, 409]
    assert sellable(drop) == 3


def test_one_account_from_many_devices_is_one_client(sandbox, drop, django_user_model):
    user = django_user_model.objects.create_user(email="hoarder@example.com", password="x" * 12)
    answers = []
    for n in range(4):
        device = browser(f"192.0.2.{n + 10}")
        device.force_login(user)
        if n == 0:
            Buyer(device, sandbox).add(drop)  # the account's one cart, seen from every device
        home = address_of(f"Hoarder {n}", user=user)
        home.save()
        answers.append(device.post(reverse("checkout:confirm"), {"address": home.pk}))
    # The account's own older checkouts make room (they are the same shopper): it never holds
    # more than its share, and is never refused for its own checkouts.
    assert [a.status_code for a in answers] == [302, 302, 302, 302]
    assert sellable(drop) == 3
    assert Order.objects.filter(payment_status=PaymentStatus.CANCELLED).count() == 1


def test_behind_the_proxies_the_forwarded_address_is_the_client(sandbox, drop, settings):
    """With one trusted proxy, the address it forwarded is counted: shoppers behind one
    balancer are told apart, and a forged entry in front of the proxy's changes nothing."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    balancer = "10.0.0.2"
    forged = [
        fresh_cart_checkout(
            sandbox, drop, address=balancer, n=n, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, {ATTACKER}"
        )
        for n in range(4)
    ]
    assert [a.status_code for a in forged] == [302, 302, 302, 409]

    others = fresh_cart_checkout(sandbox, drop, address=balancer, n=9, HTTP_X_FORWARDED_FOR=SHOPPER)
    assert others.status_code == 302
    assert set(Order.objects.values_list("client_address", flat=True)) == {ATTACKER, SHOPPER}


def test_a_genuine_shopper_retrying_their_own_checkout_is_never_refused(
    sandbox, drop, settings, django_capture_on_commit_callbacks
):
    """Back from Mercado Pago, change the address, confirm again, six times (more than the
    address's hourly budget): every confirm gets a payment link, and the shopper still holds
    only their share."""
    settings.CHECKOUT_HOLDS_PER_HOUR = 2
    buyer = Buyer(browser(SHOPPER), sandbox)
    buyer.add(drop, quantity=3)
    for n in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            link = buyer.pay_link(**{"delivery-number": str(100 + n)})
        assert link.startswith(sandbox.url)
    assert sellable(drop) == 3
    assert Order.objects.filter(payment_status=PaymentStatus.AWAITING_PAYMENT).count() == 1


def test_a_double_click_is_not_another_hold_and_not_counted(sandbox, drop, settings):
    settings.CHECKOUT_HOLDS_PER_HOUR = 1
    buyer = Buyer(browser(SHOPPER), sandbox)
    buyer.add(drop)
    first, second = buyer.pay_link(), buyer.pay_link()
    assert first == second and Order.objects.count() == 1


def test_an_address_may_start_only_so_many_checkouts_an_hour(
    sandbox, catalogue, settings, django_capture_on_commit_callbacks
):
    """Across many variants (each within its own limit), one address starts at most
    CHECKOUT_HOLDS_PER_HOUR checkouts that hold stock; refused attempts cost nothing."""
    settings.CHECKOUT_HOLDS_PER_HOUR = 3
    shirts = [catalogue.product(f"Tee {n}", stock=50).variants.get() for n in range(4)]

    def committed(request):  # each request's on-commit work runs as it would in production
        with django_capture_on_commit_callbacks(execute=True):
            return request()

    too_many = Buyer(browser(ATTACKER), sandbox)
    too_many.add(shirts[0], quantity=11)  # over the ceiling of 10: refused, not counted
    assert committed(lambda: too_many.confirm(email="bot@example.net")).status_code == 409
    answers = [
        committed(lambda n=n, shirt=shirt: fresh_cart_checkout(sandbox, shirt, n=n))
        for n, shirt in enumerate(shirts)
    ]
    assert [a.status_code for a in answers] == [302, 302, 302, 409]
    assert "Too many checkouts were started from your connection" in answers[3].content.decode()
    assert Order.objects.count() == 3
    assert fresh_cart_checkout(sandbox, shirts[3], address=SHOPPER).status_code == 302


def test_the_refusal_is_shown_in_place_to_htmx(sandbox, drop):
    for n in range(3):
        fresh_cart_checkout(sandbox, drop, n=n)
    buyer = Buyer(browser(ATTACKER), sandbox)
    buyer.add(drop)
    answer = buyer.client.post(
        reverse("checkout:confirm"),
        {**GUEST, "email": "bot9@x.net"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and REFUSED in answer.content.decode()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_fresh_carts_hold_no_more_than_the_limit(sandbox, catalogue, settings):
    settings.CHECKOUT_HOLD_SHARE, settings.CHECKOUT_HOLD_LIMIT = 50, 10
    drop = catalogue.product("Race Tee", stock=6).variants.get()
    buyers = []
    for _ in range(6):
        buyer = Buyer(browser(ATTACKER), sandbox)
        buyer.add(drop)
        buyers.append(buyer)

    answers = run_concurrently(
        lambda n: buyers[n].confirm(email=f"racer{n}@example.net").status_code, 6
    )

    assert sorted(answers) == [302, 302, 302, 409, 409, 409], answers
    assert sellable(drop) == 3


def test_a_retry_never_cancels_a_checkout_whose_payment_is_under_way(
    sandbox, catalogue, hold_limits
):
    """A Pix being paid keeps its units: the shopper's new checkout of the same units is
    refused with a message (not the paying one cancelled, which would refund it)."""
    from orders import services

    drop = catalogue.product("Two Left", stock=2).variants.get()
    buyer = Buyer(browser(SHOPPER), sandbox)
    buyer.add(drop)
    buyer.pay_link()
    paying = Order.objects.get()
    services.order_mark_pending(order=paying)

    answer = buyer.confirm(**{"delivery-number": "2"})

    assert answer.status_code == 409
    assert "a payment you started for it is still in progress" in answer.content.decode()
    paying.refresh_from_db()
    assert paying.payment_status == PaymentStatus.PAYMENT_PENDING
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("first", "second", "same_client"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one /64: one household
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("::ffff:203.0.113.9", "203.0.113.9", True),  # IPv4 written as IPv6
    ],
)
def test_ipv6_clients_are_counted_by_their_64_network(sandbox, drop, first, second, same_client):
    """An IPv6 subscriber holds a whole /64: changing the last 64 bits is not a new client."""
    for n, address in enumerate([first, first, first, second]):
        answer = fresh_cart_checkout(sandbox, drop, address=address, n=n)
    assert answer.status_code == (409 if same_client else 302)
