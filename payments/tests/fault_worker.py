"""A store worker that dies in the middle of a request, for test_faults.py.

Run as a separate process (`python -m payments.tests.fault_worker <step> <argument> <kill point>`)
with DJANGO_SETTINGS_MODULE=project.settings, DATABASE_URL pointing at the test database and
MERCADOPAGO_API_BASE_URL at the test's sandbox. It runs one real checkout step through the
store's services and SIGKILLs itself at the kill point, as the kernel's OOM killer or a
`kill -9` during a deploy would: no exception handler, no rollback, no `finally` runs.

Steps and kill points:
    confirm <cart id> lines    Checkout confirm, killed inside order_place's transaction right
                               after the order and its lines were written.
    confirm <cart id> gateway  Checkout confirm, killed after the order was committed, at the
                               moment the Mercado Pago preference is about to be created.
    apply <payment id> stock   Payment apply (finalize or webhook), killed inside the payment's
                               transaction right after the stock decrement was written.
    apply <payment id> invoice Payment apply, killed inside the transaction right after the
                               invoice was written (order marked paid, stock decremented).

Just before dying it prints one JSON line describing what its own transaction could see, so the
test can tell the kill really happened after rows were written and not before.
"""

from __future__ import annotations

import json
import os
import signal
import sys


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _die(report: dict) -> None:
    from django.db import connection

    report.update(in_transaction=connection.in_atomic_block, backend=_backend_pid())
    print(json.dumps(report), flush=True)  # noqa: T201 (the test reads it)
    os.kill(os.getpid(), signal.SIGKILL)


def _after(manager, method: str, report) -> None:
    """Run `report(result)` and die right after `manager.method(...)` has written its rows."""
    original = getattr(manager, method)

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        _die(report(result))
        return result

    setattr(manager, method, wrapper)


def confirm(cart_id: int, kill_point: str) -> None:
    from cart.models import Cart
    from checkout.services import checkout_confirm
    from checkout.tests.buyer import GUEST, guest_address
    from orders.models import Order, OrderLine
    from payments.mercado_pago import gateway

    if kill_point == "lines":

        def seen(lines):
            order = lines[0].order
            return {
                "order": order.pk,
                "lines": OrderLine.objects.filter(order=order).count(),
                "orders_visible": Order.objects.filter(pk=order.pk).count(),
            }

        _after(OrderLine.objects, "bulk_create", seen)
    elif kill_point == "gateway":

        def dying_create_preference(**kwargs):
            order = Order.objects.get(pk=int(kwargs["reference"]))
            _die({"order": order.pk, "lines": order.lines.count(), "status": order.payment_status})

        gateway.create_preference = dying_create_preference
    else:
        raise SystemExit(f"unknown kill point {kill_point}")
    checkout_confirm(
        cart=Cart.objects.get(pk=cart_id), user=None, email=GUEST["email"], address=guest_address()
    )
    raise SystemExit("the worker was not killed")


def apply(payment_id: str, kill_point: str) -> None:
    from orders import services as order_services
    from orders.models import Invoice, Order
    from payments.mercado_pago import services
    from store.models import Variant

    def snapshot(order_id: int) -> dict:
        order = Order.objects.get(pk=order_id)
        line = order.lines.get()
        return {
            "order": order.pk,
            "status": order.payment_status,
            "stock": Variant.objects.get(pk=line.variant_id).quantity,
            "invoices": Invoice.objects.filter(order=order).count(),
        }

    if kill_point == "stock":
        being_paid: list[int] = []
        original_mark_paid = order_services.order_mark_paid

        def remember(*, order, **kwargs):
            being_paid.append(order.pk)
            return original_mark_paid(order=order, **kwargs)

        order_services.order_mark_paid = remember
        _after(Variant.objects, "bulk_update", lambda _rows: snapshot(being_paid[0]))
    elif kill_point == "invoice":
        _after(order_services, "invoice_record", lambda invoice: snapshot(invoice.order_id))
    else:
        raise SystemExit(f"unknown kill point {kill_point}")
    services.payment_apply(payment_id=payment_id)
    raise SystemExit("the worker was not killed")


def main(argv: list[str]) -> None:
    import django

    django.setup()
    step, argument, kill_point = argv
    if step == "confirm":
        confirm(int(argument), kill_point)
    elif step == "apply":
        apply(argument, kill_point)
    else:
        raise SystemExit(f"unknown step {step}")


if __name__ == "__main__":
    main(sys.argv[1:])
