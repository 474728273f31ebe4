"""Staff move a paid order's parcel along from the admin; the order stays read-only."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from orders.models import DeliveryStatus, Order, PaymentStatus

pytestmark = pytest.mark.django_db(transaction=True)
CHANGELIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def paid_and_unpaid(buyer, shirt, catalogue, sandbox):
    buyer.add(shirt)
    buyer.come_back(buyer.pay(buyer.pay_link(), "approve"))
    paid = Order.objects.get()
    buyer.add(shirt)
    buyer.pay_link(email="later@example.com")
    unpaid = Order.objects.exclude(pk=paid.pk).get()
    return paid, unpaid


def staff(client, django_user_model, *permissions):
    user = django_user_model.objects.create_user(
        email="fulfil@example.com", password="pw-123456!", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="orders", codename__in=permissions)
    )
    client.force_login(user)
    return client


def act(client, action, *orders):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


def test_staff_ship_then_deliver_a_paid_order(client, django_user_model, paid_and_unpaid):
    paid, _unpaid = paid_and_unpaid
    client = staff(client, django_user_model, "view_order", "change_order")

    act(client, "mark_shipped", paid)
    act(client, "mark_delivered", paid)

    paid.refresh_from_db()
    assert paid.delivery_status == DeliveryStatus.DELIVERED
    assert paid.payment_status == PaymentStatus.PAID


def test_an_unpaid_order_is_not_shipped_and_staff_are_told_why(
    client, django_user_model, paid_and_unpaid
):
    paid, unpaid = paid_and_unpaid
    client = staff(client, django_user_model, "view_order", "change_order")

    page = act(client, "mark_shipped", paid, unpaid).content.decode()

    assert f"{unpaid.reference}: Order {unpaid.reference} is not paid" in page
    assert dict(Order.objects.values_list("pk", "delivery_status")) == {
        paid.pk: DeliveryStatus.SHIPPED,
        unpaid.pk: DeliveryStatus.NOT_SHIPPED,
    }


def test_staff_who_may_only_view_orders_cannot_ship_them(
    client, django_user_model, paid_and_unpaid
):
    paid, _unpaid = paid_and_unpaid
    client = staff(client, django_user_model, "view_order")

    assert "mark_shipped" not in client.get(CHANGELIST).content.decode()
    act(client, "mark_shipped", paid)

    assert Order.objects.get(pk=paid.pk).delivery_status == DeliveryStatus.NOT_SHIPPED
