import logging

from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts import services as address_services
from accounts.forms import AddressForm
from accounts.selectors import addresses_for
from cart import selectors as cart_selectors
from cart import services as cart_services
from orders import selectors as order_selectors
from payments.selectors import payment_settings
from project import ratelimit
from project.errors import ShopError
from project.htmx import page_or_partial

from . import services
from .forms import CheckoutForm

logger = logging.getLogger(__name__)

CREDIT_DONE_SALT = "payments.store-credit-done"
TEMPLATE = "checkout/checkout.html"


def _checkout_context(request, form, *, error=None, new_address_form=None):
    return {
        "form": form,
        "methods": payment_settings(),
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
    return render(request, TEMPLATE, _checkout_context(request, form, new_address_form=new_address))


def _method_disabled(request, form):
    context = _checkout_context(
        request, form, error=_("This payment method is not available right now.")
    )
    return render(request, TEMPLATE, context, status=200 if request.htmx else 403)


@require_POST
def confirm(request):
    if (back := _cart_ready(request)) is not None:
        return HttpResponseClientRedirect(back.url) if request.htmx else back
    form = CheckoutForm(request.POST, user=request.user)
    if not payment_settings().mercadopago_enabled:
        return _method_disabled(request, form)
    error = None
    if form.is_valid():
        try:
            link = services.checkout_confirm(
                cart=request.cart,
                user=request.user,
                email=form.email_address,
                address=form.delivery_address,
                client_address=ratelimit.client_address(request),
            )
        except ShopError as refused:
            error = refused.message
        else:
            return HttpResponseClientRedirect(link) if request.htmx else redirect(link)
    # htmx swaps only 2xx answers; a plain form post gets the page with an error status.
    status = 200 if request.htmx else (409 if error else 422)
    return render(request, TEMPLATE, _checkout_context(request, form, error=error), status=status)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def address_add(request):
    """Add an address from the checkout page (inline with htmx; a page of its own without)."""
    if not request.user.is_authenticated:
        return redirect("checkout:checkout")
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = address_services.address_create(user=request.user, data=form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("Address saved."))
            return redirect("checkout:checkout")
        checkout_form = CheckoutForm(user=request.user)
        checkout_form.initial["address"] = address
        context = _checkout_context(request, checkout_form)
        return render(request, f"{TEMPLATE}#address-options", context)
    context = _checkout_context(request, CheckoutForm(user=request.user), new_address_form=form)
    return render(request, page_or_partial(request, TEMPLATE, "address-options"), context)


@require_POST
def pay_with_credit(request):
    """Pay the cart with a store-credit token: all or nothing. Success and failure both
    redirect (post/redirect/get) to their pages; the failure's reason travels in the session."""
    if (back := _cart_ready(request)) is not None:
        return HttpResponseClientRedirect(back.url) if request.htmx else back
    form = CheckoutForm(request.POST, user=request.user)
    if not payment_settings().store_credit_enabled:
        return _method_disabled(request, form)
    if not form.is_valid():
        context = _checkout_context(request, form)
        return render(request, TEMPLATE, context, status=200 if request.htmx else 422)
    try:
        order, _entry = services.checkout_pay_with_token(
            cart=request.cart,
            user=request.user,
            email=form.email_address,
            address=form.delivery_address,
            code=request.POST.get("token", "")[:100],
        )
    except ShopError as refused:
        request.session["store_credit_error"] = refused.message
        target = reverse("checkout:credit_failed")
    except Exception:
        logger.exception("store-credit payment failed")
        request.session["store_credit_error"] = _(
            "Something went wrong; nothing was charged. Please try again."
        )
        target = reverse("checkout:credit_failed")
    else:
        target = reverse(
            "checkout:credit_done", args=[signing.dumps(order.pk, salt=CREDIT_DONE_SALT)]
        )
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@require_GET
def credit_done(request, token):
    try:
        order_id = signing.loads(token, salt=CREDIT_DONE_SALT)
    except signing.BadSignature as bad:
        raise Http404("Bad link") from bad
    order = order_selectors.order_for_page(pk=order_id)
    entry = (
        order.store_credit_entries.select_related("token").order_by("-id").first()
        if order is not None
        else None
    )
    if entry is None:
        raise Http404("Not a store-credit order")
    context = {"order": order, "paid": -entry.amount, "remaining": entry.balance_after}
    return render(request, "checkout/credit_done.html", context)


@require_GET
def credit_failed(request):
    message = request.session.pop("store_credit_error", None)
    if message is None:
        return redirect("cart:detail")
    return render(request, "checkout/credit_failed.html", {"message": message}, status=400)
