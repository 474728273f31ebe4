"""Where Mercado Pago talks to the store: the buyer's return (finalize) and the webhook."""

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from orders import selectors as order_selectors
from orders.models import RESERVING_STATUSES, Order
from project import ratelimit

from ..models import MercadoPagoPayment
from . import gateway, services, signatures

logger = logging.getLogger(__name__)


def _order_link(order: Order) -> str:
    return order.get_absolute_url() if order.user_id else order.signed_url()


def _problem(request, title, message, status, order=None):
    context = {"title": title, "message": message, "order": order}
    return render(request, "payments/problem.html", context, status=status)


@require_GET
def finalize(request):
    """Where Mercado Pago sends the buyer back. The query string is written by the browser and
    proves nothing: the payment is fetched from Mercado Pago and checked against the order.
    The buyer lands on their order, which shows its real state; a message says what this
    payment did, and nothing when it changed nothing (an old payment's return opened again)."""
    payment_id = request.GET.get("payment_id") or request.GET.get("collection_id") or ""
    preference_id = (request.GET.get("preference_id") or "")[:100]
    if payment_id in ("", "null"):
        return _returned_without_paying(request, preference_id)
    if not services.valid_payment_id(payment_id):
        return _problem(request, _("Payment not found"), _("We could not find this payment."), 400)
    if not ratelimit.allow(
        request, scope="payment-return", per_minute=settings.PAYMENT_RETURN_RATE_LIMIT
    ):
        return _problem(
            request,
            _("Too many attempts"),
            _("Please wait a minute and reload this page to see your payment."),
            429,
        )
    try:
        outcome = services.payment_apply(payment_id=payment_id)
    except (gateway.PaymentNotFound, gateway.PaymentRefused, services.UnknownPayment):
        return _problem(request, _("Payment not found"), _("We could not find this payment."), 404)
    except services.PaymentMismatch:
        return _problem(
            request,
            _("Payment not accepted"),
            _(
                "This payment does not match the order, so the order was not changed. Please contact us."
            ),
            400,
        )
    except gateway.PaymentUnavailable:
        order = _own_order_by_preference(request, preference_id)
        return _problem(
            request,
            _("Confirming your payment"),
            _(
                "Mercado Pago is not answering right now. If you paid, your order will be confirmed "
                "as soon as Mercado Pago tells us, and you will get an e-mail."
            ),
            503,
            order=order,
        )
    order = outcome.order
    if not order_selectors.order_visible_to(order=order, user=request.user, cart=request.cart):
        return _problem(request, _("Payment not found"), _("We could not find this payment."), 404)
    notes = {
        "paid": (messages.SUCCESS, _("Thank you! Your payment was approved.")),
        "pending": (
            messages.INFO,
            _("Your payment is being processed. We will e-mail you when it is approved."),
        ),
        "rejected": (messages.ERROR, _("Your payment was not approved. You can try again.")),
        "duplicate": (
            messages.INFO,
            _("This order was already paid, so this second payment was refunded in full."),
        ),
        "refunded": (
            messages.WARNING,
            _("Sorry: we could not complete this order, so your payment was refunded in full."),
        ),
    }
    if outcome.result in notes:
        messages.add_message(request, *notes[outcome.result])
    return redirect(_order_link(order))


def _own_order_by_preference(request, preference_id: str) -> Order | None:
    if "\x00" in preference_id:  # no preference has one, and PostgreSQL refuses it in a query
        return None
    record = (
        MercadoPagoPayment.objects.select_related("order")
        .filter(preference_id=preference_id)
        .first()
    )
    if record and order_selectors.order_visible_to(
        order=record.order, user=request.user, cart=request.cart
    ):
        return record.order
    return None


def _returned_without_paying(request, preference_id: str):
    order = _own_order_by_preference(request, preference_id)
    if order is None:
        return _problem(request, _("Payment not found"), _("We could not find this payment."), 404)
    if order.payment_status in RESERVING_STATUSES:
        messages.info(
            request, _("You left Mercado Pago without paying. Your order is waiting for payment.")
        )
    return redirect(_order_link(order))


@csrf_exempt
@require_POST
def webhook(request):
    """Mercado Pago's notifications. Only signed, fresh notifications are read; the payment is
    then fetched from Mercado Pago. Answers 200 for anything it handled or chose to ignore,
    and 503 when Mercado Pago could not be reached, so that Mercado Pago tries again."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
        return JsonResponse({"error": "malformed body"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "malformed body"}, status=400)
    # Only the id in the query string is covered by the signature, so only it is used.
    data_id = request.GET.get("data.id") or request.GET.get("id") or ""
    topic = request.GET.get("type") or request.GET.get("topic") or str(body.get("type") or "")
    valid = signatures.is_valid(
        header=request.headers.get("x-signature", ""),
        request_id=request.headers.get("x-request-id"),
        data_id=data_id,
        secret=settings.MERCADOPAGO_WEBHOOK_SECRET,
        tolerance=settings.MERCADOPAGO_WEBHOOK_TOLERANCE,
    )
    if not valid:
        logger.warning("webhook refused: bad or stale signature (data.id=%s)", data_id[:40])
        return JsonResponse({"error": "invalid signature"}, status=401)
    if topic != "payment" or not services.valid_payment_id(data_id):
        return JsonResponse({"status": "ignored"})
    try:
        outcome = services.payment_apply(payment_id=data_id)
    except (
        gateway.PaymentNotFound,
        services.UnknownPayment,
        services.PaymentMismatch,
        gateway.PaymentRefused,
    ):
        logger.info("webhook for payment %s ignored", data_id)
        return JsonResponse({"status": "ignored"})
    except gateway.PaymentUnavailable:
        return JsonResponse({"error": "try again"}, status=503)
    return JsonResponse({"status": outcome.result})
