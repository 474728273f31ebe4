"""Finalizing a payment costs the same number of queries for 1 or 12 lines."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from checkout.tests.buyer import Buyer
from orders.models import Order, PaymentStatus

pytestmark = pytest.mark.django_db


def finalize_queries(sandbox, catalogue, lines):
    buyer = Buyer(Client(), sandbox)
    for n in range(lines):
        variant = catalogue.product(f"P{n}", stock={("Navy", "M"): 9}).variants.get()
        buyer.add(variant, 2)
    back = buyer.pay(buyer.pay_link(email=f"{lines}@example.com"), "approve")
    with CaptureQueriesContext(connection) as queries:
        response = buyer.come_back(back)
    assert response.status_code == 302
    assert Order.objects.get(email=f"{lines}@example.com").payment_status == PaymentStatus.PAID
    return len(queries)


def test_finalize_does_not_grow_with_the_number_of_lines(
    sandbox, catalogue, django_assert_max_num_queries
):
    one = finalize_queries(sandbox, catalogue, 1)
    twelve = finalize_queries(sandbox, catalogue, 12)

    assert one == twelve
    assert twelve <= 20
