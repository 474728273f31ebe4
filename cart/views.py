from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .forms import AddToCartForm, LineQuantityForm

LINE_ACTIONS = {
    "increase": services.cart_increment,
    "decrease": services.cart_decrement,
    "remove": services.cart_remove_line,
}


def _first_error(form) -> str:
    errors = form.non_field_errors() or [e for field in form.errors.values() for e in field]
    return str(errors[0])


@require_GET
def detail(request):
    adjustments = services.cart_fit_to_stock(cart=request.cart)
    context = {
        "summary": selectors.cart_summary(cart=request.cart),
        "stock_warnings": [adjustment.message for adjustment in adjustments],
    }
    return render(request, "cart/cart_detail.html", context)


@require_POST
def add(request):
    form = AddToCartForm(request.POST)
    error = None
    if not form.is_valid():
        if form.product is None:
            raise Http404("No such product")
        error = _first_error(form)
    else:
        try:
            services.cart_add_item(
                cart=request.cart,
                variant_id=form.choice.variant.pk,
                quantity=form.cleaned_data["quantity"],
            )
        except services.CartError as refused:
            error = refused.message

    if request.htmx:
        context = {"product": form.product, "add_error": error, "added": error is None}
        return render(request, "storefront/product_detail.html#add-feedback", context)
    if error is None:
        messages.success(request, _("Added to your cart."))
        return redirect("cart:detail")
    messages.error(request, error)
    selection = {}
    if form.choice is not None and form.choice.color:
        selection["color"] = form.choice.color.slug
    if form.choice is not None and form.choice.size:
        selection["size"] = form.choice.size.name
    query = f"?{urlencode(selection)}" if selection else ""
    return redirect(form.product.get_absolute_url() + query)


@require_POST
def line(request, line_id, action):
    """−, +, remove and "set quantity" on one line. An htmx request gets, in one response,
    the line, the totals and the header badge; any other request is redirected to the cart."""
    error = None
    try:
        if action == "quantity":
            form = LineQuantityForm(request.POST)
            if form.is_valid():
                services.cart_set_quantity(
                    cart=request.cart, line_id=line_id, quantity=form.cleaned_data["quantity"]
                )
            else:
                error = _first_error(form)
        elif action in LINE_ACTIONS:
            LINE_ACTIONS[action](cart=request.cart, line_id=line_id)
        else:
            raise Http404("No such action")
    except services.LineNotFound as missing:
        raise Http404("No such line in this cart") from missing
    except services.CartError as refused:
        error = refused.message

    if request.htmx:
        summary = selectors.cart_summary(cart=request.cart)
        context = {"summary": summary, "line": summary.line(line_id), "line_error": error}
        return render(request, "cart/cart_detail.html#line-update", context)
    if error:
        messages.error(request, error)
    return redirect("cart:detail")
