"""The shopper's order pages: their orders, one order (with its payment and, while it waits,
the way back to paying it) and its printable invoice. They put an order together with its
payment, which is why they live above both apps."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from orders import selectors
from orders.models import Order
from payments.selectors import MERCADOPAGO_RECORD


@login_required
@require_GET
def order_list(request):
    return render(
        request, "orders/order_list.html", {"orders": selectors.orders_for_user(user=request.user)}
    )


def _render(request, order, *, signed: bool):
    payment = getattr(order, MERCADOPAGO_RECORD, None)
    context = {
        "order": order,
        "payment": payment,
        "signed": signed,
        "payable": payment is not None and selectors.order_payable(order=order),
    }
    return render(request, "orders/order_detail.html", context)


def _own_order(request, pk) -> Order:
    """The requester's order; anyone else gets the same 404 as for a missing order."""
    order = selectors.order_for_page(pk=pk, related=(MERCADOPAGO_RECORD,))
    if order is None or not selectors.order_visible_to(
        order=order, user=request.user, cart=request.cart
    ):
        raise Http404("No such order")
    return order


def _signed_order(token) -> Order:
    order = selectors.order_from_signed_token(token=token, related=(MERCADOPAGO_RECORD,))
    if order is None:
        raise Http404("Bad order link")
    return order


@require_GET
def order_detail(request, pk):
    return _render(request, _own_order(request, pk), signed=False)


@require_GET
def order_signed(request, token):
    """An order opened from its signed link (e-mail, guest checkout): no login needed."""
    return _render(request, _signed_order(token), signed=True)


def _render_invoice(request, order, *, order_url):
    invoice = selectors.invoice_for_order(order=order)
    if invoice is None:
        raise Http404("No invoice yet")
    context = {"order": order, "invoice": invoice, "order_url": order_url}
    return render(request, "orders/invoice.html", context)


@require_GET
def invoice(request, pk):
    order = _own_order(request, pk)
    return _render_invoice(request, order, order_url=order.get_absolute_url())


@require_GET
def invoice_signed(request, token):
    order = _signed_order(token)
    return _render_invoice(request, order, order_url=order.signed_url())
