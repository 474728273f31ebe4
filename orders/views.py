from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors


@login_required
@require_GET
def order_list(request):
    return render(
        request, "orders/order_list.html", {"orders": selectors.orders_for_user(user=request.user)}
    )


def _render(request, order, *, signed: bool):
    payment = getattr(order, "mercadopago", None)
    return render(
        request, "orders/order_detail.html", {"order": order, "payment": payment, "signed": signed}
    )


@require_GET
def order_detail(request, pk):
    """The owner's order page; anyone else gets the same 404 as for a missing order."""
    order = selectors.order_for_page(pk=pk)
    if not selectors.order_visible_to(order=order, user=request.user, cart=request.cart):
        raise Http404("No such order")
    return _render(request, order, signed=False)


@require_GET
def order_signed(request, token):
    """An order opened from its signed link (e-mail, guest checkout): no login needed."""
    return _render(request, selectors.order_from_signed_token(token=token), signed=True)
