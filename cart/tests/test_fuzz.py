"""Arbitrary form data thrown at every cart endpoint: never a 500, never a quantity outside
1..stock, never a change to another shopper's cart."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cart.models import CartLine

pytestmark = pytest.mark.django_db

NASTY = ["", "0", "-1", "1", "2", "5", "6", "1.5", "1e3", "NaN", "inf", "٣", "0x10", " 3 ", "null"]
values = st.one_of(
    st.sampled_from(NASTY), st.text(max_size=40), st.integers(-(10**20), 10**20).map(str)
)


@pytest.fixture
def setup(catalogue):
    shirt = catalogue.product("Shirt", stock={("Navy", "M"): 5, ("Navy", "L"): 0, ("Red", "M"): 2})
    tote = catalogue.product("Tote", stock=3)
    theirs = Client()
    theirs.post(reverse("cart:add"), {"product": tote.pk, "quantity": "2"})
    their_line = CartLine.objects.get()
    mine = Client()
    mine.post(
        reverse("cart:add"), {"product": shirt.pk, "color": "navy", "size": "M", "quantity": "1"}
    )
    my_line = CartLine.objects.exclude(pk=their_line.pk).get()
    return {
        "shirt": shirt,
        "tote": tote,
        "mine": mine,
        "my_line": my_line,
        "their_line": their_line,
    }


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_cart_endpoints_survive_arbitrary_input(setup, data):
    endpoint = data.draw(
        st.sampled_from(["add", "increase", "decrease", "remove", "quantity", "set"])
    )
    fields = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "product": st.one_of(
                    values, st.sampled_from([str(setup["shirt"].pk), str(setup["tote"].pk)])
                ),
                "color": st.one_of(values, st.sampled_from(["navy", "red"])),
                "size": st.one_of(values, st.sampled_from(["M", "L"])),
                "quantity": values,
            },
        )
    )
    line = data.draw(st.sampled_from([setup["my_line"].pk, setup["their_line"].pk, 987654]))
    htmx = {"HTTP_HX_REQUEST": "true"} if data.draw(st.booleans()) else {}
    url = reverse("cart:add") if endpoint == "add" else reverse("cart:line", args=[line, endpoint])

    response = setup["mine"].post(url, fields, **htmx)

    assert response.status_code < 500
    for cart_line in CartLine.objects.select_related("variant"):
        assert 1 <= cart_line.quantity <= cart_line.variant.quantity
    their_line = CartLine.objects.get(pk=setup["their_line"].pk)
    assert their_line.quantity == 2
