"""The buyer's e-mails, in HTML and plain text, in the language the order was placed in.
Called after the transaction that changed the order has committed, so a rolled-back change
never sends mail."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Order

logger = logging.getLogger(__name__)


def _send(*, order: Order, subject: str, template: str) -> None:
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "order_url": settings.SITE_URL + order.signed_url(),
        "STORE_NAME": settings.STORE_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()
    logger.info("sent %s for order %s", template, order.reference)


def send_order_confirmation(*, order_id: int) -> None:
    order = Order.objects.get(pk=order_id)
    with translation.override(order.language):  # a background task has no request
        _send(
            order=order,
            subject=_("Your order %(number)s is confirmed") % {"number": order.reference},
            template="order_confirmation",
        )


def send_refund_notice(*, order_id: int) -> None:
    order = Order.objects.get(pk=order_id)
    with translation.override(order.language):
        _send(
            order=order,
            subject=_("Your order %(number)s was refunded") % {"number": order.reference},
            template="order_refunded",
        )
