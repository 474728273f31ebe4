"""A buyer going through checkout against the sandbox, as small helpers shared by the suites
of every app that takes part in a purchase (fixtures `buyer` and `shirt` in conftest.py)."""

from urllib.parse import urlsplit

import requests
from django.test import Client
from django.urls import reverse

GUEST = {
    "email": "guest@example.com",
    "delivery-recipient": "Ana Souza",
    "delivery-postal_code": "01310-100",
    "delivery-street": "Avenida Paulista",
    "delivery-number": "1000",
    "delivery-complement": "",
    "delivery-district": "Bela Vista",
    "delivery-city": "São Paulo",
    "delivery-state": "SP",
    "delivery-country": "BR",
    "delivery-phone": "(11) 91234-5678",
}


class Buyer:
    def __init__(self, client: Client, sandbox):
        self.client = client
        self.sandbox = sandbox

    def add(self, variant, quantity=1):
        product = variant.product
        response = self.client.post(
            reverse("cart:add"),
            {
                "product": product.pk,
                "color": variant.color.slug if variant.color else "",
                "size": variant.size.name if variant.size else "",
                "quantity": str(quantity),
            },
        )
        assert response.status_code == 302, response

    def confirm(self, **overrides):
        """Confirm the order; returns the response (a redirect to Mercado Pago when placed)."""
        return self.client.post(reverse("checkout:confirm"), {**GUEST, **overrides})

    def pay_link(self, **overrides) -> str:
        response = self.confirm(**overrides)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"].startswith(self.sandbox.url)
        return response["Location"]

    def pay(self, link: str, outcome: str) -> str:
        """Choose an outcome on the hosted page; returns where Mercado Pago sends the buyer."""
        pref_id = link.split("pref_id=")[1]
        answer = requests.post(
            f"{self.sandbox.url}/checkout/v1/pay",
            data={"pref_id": pref_id, "outcome": outcome},
            allow_redirects=False,
            timeout=5,
        )
        assert answer.status_code == 303, answer.text
        return answer.headers["Location"]

    def come_back(self, location: str):
        parts = urlsplit(location)
        return self.client.get(f"{parts.path}?{parts.query}")

    def deliver(self, webhook, client: Client | None = None):
        return (client or Client()).post(
            webhook.path_and_query,
            data=webhook.body,
            content_type="application/json",
            headers={k: v for k, v in webhook.headers.items() if k.lower() != "content-type"},
        )


def guest_address(**overrides):
    """GUEST's delivery address as an unsaved address, for calling services directly."""
    from accounts.models import Address

    fields = {k.removeprefix("delivery-"): v for k, v in GUEST.items() if k != "email"}
    return Address(**{**fields, **overrides})


def an_hour_passes() -> None:
    """Every unpaid order's payment link and stock reservation run out, as an hour later."""
    from django.utils import timezone

    from orders.models import Order
    from stock.models import Reservation

    past = timezone.now() - timezone.timedelta(seconds=1)
    Order.objects.update(reserved_until=past)
    Reservation.objects.update(expires_at=past)
