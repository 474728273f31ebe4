import json
import logging

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts import services as address_services
from accounts.forms import AddressForm
from accounts.selectors import addresses_for
from cart import selectors as cart_selectors
from cart import services as cart_services
from orders import selectors as order_selectors
from orders import services as order_services
from orders.models import Order, OrderStatus
from project import ratelimit
from project.htmx import page_or_partial

from . import gateway, selectors, services, signatures
from .forms import CheckoutForm
from .models import MercadoPagoPayment

logger = logging.getLogger(__name__)


def _checkout_context(request, form, *, error=None, new_address_form=None):
    return {
        "form": form,
        "methods": selectors.payment_settings(),
        "summary": cart_selectors.cart_summary(cart=request.cart),
        "addresses": addresses_for(user=request.user) if request.user.is_authenticated else [],
        "checkout_error": error,
        "new_address_form": new_address_form,
    }


def _cart_ready(request):
    """None when the cart can go to checkout, else a redirect back to the cart (with the
    reasons as messages): an empty cart, or lines that stock no longer covers."""
    adjustments = cart_services.cart_fit_to_stock(cart=request.cart)
    for adjustment in adjustments:
        messages.warning(request, adjustment.message)
    if adjustments:
        messages.error(request, _("Stock changed: please review your cart before checking out."))
        return redirect("cart:detail")
    if cart_selectors.cart_item_count(cart=request.cart) == 0:
        messages.info(request, _("Your cart is empty."))
        return redirect("cart:detail")
    return None


@require_GET
def checkout(request):
    if (back := _cart_ready(request)) is not None:
        return back
    new_address = (
        AddressForm() if request.GET.get("new_address") and request.user.is_authenticated else None
    )
    form = CheckoutForm(user=request.user)
    return render(
        request,
        "payments/checkout.html",
        _checkout_context(request, form, new_address_form=new_address),
    )


def _method_disabled(request, form):
    context = _checkout_context(
        request, form, error=_("This payment method is not available right now.")
    )
    return render(request, "payments/checkout.html", context, status=200 if request.htmx else 403)


@require_POST
def confirm(request):
    if (back := _cart_ready(request)) is not None:
        return HttpResponseClientRedirect(back.url) if request.htmx else back
    form = CheckoutForm(request.POST, user=request.user)
    if not selectors.payment_settings().mercadopago_enabled:
        return _method_disabled(request, form)
    error = None
    if form.is_valid():
        try:
            link = services.checkout_confirm(
                cart=request.cart, user=request.user, details=form.details()
            )
        except (order_services.OrderError, services.CheckoutError) as refused:
            error = refused.message
        else:
            return HttpResponseClientRedirect(link) if request.htmx else redirect(link)
    # htmx swaps only 2xx answers; a plain form post gets the page with an error status.
    status = 200 if request.htmx else (409 if error else 422)
    return render(
        request,
        "payments/checkout.html",
        _checkout_context(request, form, error=error),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def address_add(request):
    """Add an address from the checkout page (inline with htmx; a page of its own without)."""
    if not request.user.is_authenticated:
        return redirect("payments:checkout")
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = address_services.address_create(user=request.user, data=form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("Address saved."))
            return redirect("payments:checkout")
        checkout_form = CheckoutForm(user=request.user)
        checkout_form.initial["address"] = address
        context = _checkout_context(request, checkout_form)
        return render(request, "payments/checkout.html#address-options", context)
    context = _checkout_context(request, CheckoutForm(user=request.user), new_address_form=form)
    return render(
        request, page_or_partial(request, "payments/checkout.html", "address-options"), context
    )


def _order_link(order: Order) -> str:
    return order.get_absolute_url() if order.user_id else order.signed_url()


def _problem(request, title, message, status, order=None):
    context = {"title": title, "message": message, "order": order}
    return render(request, "payments/problem.html", context, status=status)


@require_GET
def finalize(request):
    """Where Mercado Pago sends the buyer back. The query string is written by the browser and
    proves nothing: the payment is fetched from Mercado Pago and checked against the order."""
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
        "refunded": (
            messages.WARNING,
            _(
                "Sorry: the items sold out before your payment was approved, so it was refunded in full."
            ),
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
    if order.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAYMENT_PENDING):
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


CREDIT_DONE_SALT = "payments.store-credit-done"


@require_POST
def pay_with_credit(request):
    """Pay the cart with a store-credit token: all or nothing. Success and failure both
    redirect (post/redirect/get) to their pages; the failure's reason travels in the session."""
    if (back := _cart_ready(request)) is not None:
        return HttpResponseClientRedirect(back.url) if request.htmx else back
    form = CheckoutForm(request.POST, user=request.user)
    if not selectors.payment_settings().store_credit_enabled:
        return _method_disabled(request, form)
    if not form.is_valid():
        context = _checkout_context(request, form)
        return render(
            request, "payments/checkout.html", context, status=200 if request.htmx else 422
        )
    try:
        order, _entry = services.checkout_pay_with_token(
            cart=request.cart,
            user=request.user,
            details=form.details(),
            code=request.POST.get("token", "")[:100],
        )
    except (order_services.OrderError, services.CheckoutError) as refused:
        request.session["store_credit_error"] = refused.message
        target = reverse("payments:credit_failed")
    except Exception:
        logger.exception("store-credit payment failed")
        request.session["store_credit_error"] = _(
            "Something went wrong; nothing was charged. Please try again."
        )
        target = reverse("payments:credit_failed")
    else:
        target = reverse(
            "payments:credit_done", args=[signing.dumps(order.pk, salt=CREDIT_DONE_SALT)]
        )
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@require_GET
def credit_done(request, token):
    try:
        order_id = signing.loads(token, salt=CREDIT_DONE_SALT)
    except signing.BadSignature as bad:
        raise Http404("Bad link") from bad
    order = order_selectors.order_for_page(pk=order_id)
    entry = order.store_credit_entries.select_related("token").order_by("-id").first()
    if entry is None:
        raise Http404("Not a store-credit order")
    context = {"order": order, "paid": -entry.amount, "remaining": entry.balance_after}
    return render(request, "payments/credit_done.html", context)


@require_GET
def credit_failed(request):
    message = request.session.pop("store_credit_error", None)
    if message is None:
        return redirect("cart:detail")
    return render(request, "payments/credit_failed.html", {"message": message}, status=400)
