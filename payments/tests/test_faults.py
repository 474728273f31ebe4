"""Faults in the middle of a purchase: Mercado Pago down or slow, the database connection
dropped inside a payment's transaction, a worker process killed mid-request. After each fault
and its recovery, `assert_books_balance` checks what matters: every payment the sandbox holds as
approved paid exactly one order, every paid order has exactly one invoice and one confirmation
e-mail, and the stock went down by exactly what the paid orders hold (never below zero).

Already covered by other modules, so not repeated here:

- Mercado Pago down (5xx) at confirm: 409 with a clear message, the order cancelled, its stock
  released, a retry works: test_purchase.py::TestMercadoPagoDownOrSlow::
  test_down_at_confirm_refuses_clearly_and_releases_the_stock.
- Mercado Pago slow (beyond MERCADOPAGO_TIMEOUT) at confirm: 409, order cancelled:
  test_purchase.py::TestMercadoPagoDownOrSlow::test_slow_at_confirm_times_out_quickly (the
  message, the retry and the stock are added here).
- Mercado Pago down at finalize: 503 "Mercado Pago is not answering", order unchanged, the
  webhook completes it: test_purchase.py::TestMercadoPagoDownOrSlow::
  test_down_at_finalize_loses_nothing_and_the_webhook_completes_it.
- Mercado Pago slow at webhook: 503, order unchanged, Mercado Pago's retry completes it:
  test_purchase.py::TestMercadoPagoDownOrSlow::
  test_down_at_webhook_time_asks_for_a_retry_which_completes_it.
- Every notification lost and the browser closed: reconcile_payments completes the order:
  test_purchase.py::TestMercadoPagoDownOrSlow::
  test_reconcile_finds_a_payment_whose_notifications_were_all_lost.
- Mercado Pago down while a refund is sent: reconcile sends it later: test_purchase.py::
  TestLostReservation::test_a_refund_that_fails_is_sent_by_a_later_retry.
- The gateway alone (5xx, hang, unreachable server -> PaymentUnavailable): test_gateway.py.
- The same approval delivered four times at once: test_concurrency.py::
  test_two_approvals_of_the_same_order_at_once_apply_once.

Added here:

1. Mercado Pago slow at finalize (a clear 503 page with a link to the order; then
   reconcile_payments completes it once, and the late webhook and the buyer's reload change
   nothing); down (5xx) at webhook (503 so Mercado Pago retries; reconcile completes it; the
   retry changes nothing); reconcile itself while Mercado Pago is down or slow (changes
   nothing, a later run completes the order once); slow at confirm (the message, and a retry
   sells the whole stock once). Faults are switched on through the sandbox's control endpoint.
2. The database connection dropped inside the payment's transaction, from finalize and from
   the webhook: `orders.services.invoice_record` is wrapped so that, after the order was marked
   paid and the stock decremented in the transaction, the connection is lost before the invoice
   is written. On PostgreSQL a second connection terminates the request's backend
   (pg_terminate_backend). SQLite has no server process to kill; its equivalent closes the
   request's database handle under it (SQLite then discards the open transaction, as it does
   when a process loses its handle), which exercises the same path in Django and the store.
   Each variant runs only on its own database (postgres_only / sqlite_only). The request fails
   with the generic 500 page (nothing about the order, the payment or the error in it), which
   Mercado Pago treats as "try again"; everything rolled back; the retry completes it once.
3. A worker killed with SIGKILL mid-request, as a real separate process
   (payments/tests/fault_worker.py) on the test database, PostgreSQL or SQLite: during confirm
   right after the order lines were written, during confirm after the order committed but
   before Mercado Pago was asked for a link, and during payment apply right after the stock
   decrement and right after the invoice were written. No half-written order is left behind,
   and the buyer's retry or Mercado Pago's redelivery completes the purchase once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.db import utils as db_utils
from django.db.models import Sum

from cart.models import Cart, CartLine
from conftest import postgres_only
from orders import services as order_services
from orders.models import Invoice, Order, OrderLine, PaymentStatus
from payments.models import MercadoPagoPayment
from stock.selectors import held_units
from store.models import Variant

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the SQLite stand-in for a dropped connection; PostgreSQL kills a real backend",
)


# -- what must hold after every fault ----------------------------------------------------------


def assert_books_balance(sandbox, initial_stock: dict[Variant, int]) -> None:
    """No approved payment lost or applied twice, one invoice per paid order, nothing oversold."""
    approved = {
        payment_id: str(payment["external_reference"])
        for payment_id, payment in sandbox.state.payments.items()
        if payment["status"] == "approved"
    }
    paid = list(
        Order.objects.filter(payment_status=PaymentStatus.PAID).select_related("mercadopago")
    )
    assert approved == {order.mercadopago.approved_payment_id: str(order.pk) for order in paid}

    invoices = list(Invoice.objects.select_related("order"))
    assert sorted(invoice.order_id for invoice in invoices) == sorted(order.pk for order in paid)
    for invoice in invoices:
        charged = sandbox.state.payments[invoice.order.mercadopago.approved_payment_id]
        assert invoice.total == invoice.order.total == Decimal(str(charged["transaction_amount"]))
        assert invoice.details.aggregate(total=Sum("amount"))["total"] == invoice.total

    sold = dict(
        OrderLine.objects.filter(order__payment_status=PaymentStatus.PAID)
        .values("variant_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant_id", "units")
    )
    for variant, before in initial_stock.items():
        variant.refresh_from_db()
        assert variant.quantity == before - sold.get(variant.pk, 0) >= 0

    confirmations = [m for m in mail.outbox if "is confirmed" in m.subject]
    assert sorted(m.subject for m in confirmations) == sorted(
        f"Your order {order.reference} is confirmed" for order in paid
    )


def assert_untouched(order: Order, variant: Variant, stock: int) -> None:
    """The order is still waiting for its payment and nothing of the payment was written."""
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT and order.paid_at is None
    assert variant.quantity == stock
    assert not Invoice.objects.filter(order=order).exists()
    assert MercadoPagoPayment.objects.get(order=order).approved_payment_id == ""
    assert CartLine.objects.filter(cart_id=order.cart_id).exists()  # the cart is kept
    assert not [m for m in mail.outbox if "is confirmed" in m.subject]


def the_order() -> Order:
    return Order.objects.get()


def control(sandbox, **command) -> None:
    """Tell the sandbox how to misbehave, through its HTTP control endpoint."""
    answer = requests.post(f"{sandbox.url}/__sandbox__/control", json=command, timeout=5)
    assert answer.status_code == 200, answer.text


def break_mercado_pago(sandbox, settings, fault: str) -> None:
    """Make the next API call fail: "down" answers 500, "slow" answers after the timeout."""
    if fault == "down":
        control(sandbox, fail_next=1)
    else:
        settings.MERCADOPAGO_TIMEOUT = 0.3
        control(sandbox, hang_next=1, hang_seconds=1.0)


def reconcile() -> str:
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    return out.getvalue().strip()


# -- 1. Mercado Pago down or slow ------------------------------------------------------------


def test_slow_at_finalize_says_so_and_reconcile_then_completes_the_order_once(
    buyer, shirt, sandbox, settings
):
    buyer.add(shirt, 2)
    back = buyer.pay(buyer.pay_link(), "approve")
    order = the_order()
    break_mercado_pago(sandbox, settings, "slow")

    response = buyer.come_back(back)

    assert response.status_code == 503
    page = response.content.decode()
    assert "Mercado Pago is not answering right now. If you paid" in page
    assert order.signed_url() in page  # the buyer can follow the order from there
    assert_untouched(order, shirt, 5)

    assert reconcile() == "1 orders updated."  # Mercado Pago answers again
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    # The late notification, the buyer's reload and the next reconcile change nothing.
    for webhook in sandbox.state.take_held():
        assert buyer.deliver(webhook).json() == {"status": "paid"}
    assert buyer.come_back(back)["Location"] == order.signed_url()
    assert reconcile() == "0 orders updated."
    assert_books_balance(sandbox, {shirt: 5})


def test_down_at_webhook_asks_for_a_retry_and_reconcile_completes_the_order_once(
    buyer, shirt, sandbox, settings
):
    buyer.add(shirt, 2)
    buyer.pay(buyer.pay_link(), "approve")  # the browser is closed here
    [webhook] = sandbox.state.take_held()
    break_mercado_pago(sandbox, settings, "down")

    response = buyer.deliver(webhook)

    assert response.status_code == 503 and response.json() == {"error": "try again"}
    assert_untouched(the_order(), shirt, 5)

    assert reconcile() == "1 orders updated."
    assert the_order().payment_status == PaymentStatus.PAID
    retried = buyer.deliver(webhook)  # Mercado Pago's retry, minutes later
    assert retried.status_code == 200 and retried.json() == {"status": "paid"}
    assert_books_balance(sandbox, {shirt: 5})


@pytest.mark.parametrize("fault", ["down", "slow"])
def test_reconcile_while_mercado_pago_fails_changes_nothing_and_a_later_run_completes_it(
    buyer, shirt, sandbox, settings, fault
):
    buyer.add(shirt, 2)
    buyer.pay(buyer.pay_link(), "approve")
    sandbox.state.take_held()  # every notification lost
    break_mercado_pago(sandbox, settings, fault)

    assert reconcile() == "0 orders updated."
    assert_untouched(the_order(), shirt, 5)

    assert reconcile() == "1 orders updated."
    assert reconcile() == "0 orders updated."
    assert the_order().payment_status == PaymentStatus.PAID
    assert_books_balance(sandbox, {shirt: 5})


def test_slow_at_confirm_explains_and_a_retry_sells_the_whole_stock_once(
    buyer, shirt, sandbox, settings
):
    buyer.add(shirt, 5)  # every unit there is
    break_mercado_pago(sandbox, settings, "slow")

    response = buyer.confirm()

    assert response.status_code == 409
    assert "We could not reach Mercado Pago. Nothing was charged" in response.content.decode()
    assert [o.payment_status for o in Order.objects.all()] == [PaymentStatus.CANCELLED]
    assert held_units(variant_ids=[shirt.pk]) == {}  # the cancelled order holds nothing

    link = buyer.pay_link()  # all five units can be confirmed again
    back = buyer.come_back(buyer.pay(link, "approve"))

    assert back.status_code == 302
    assert sorted(o.payment_status for o in Order.objects.all()) == [
        PaymentStatus.CANCELLED,
        PaymentStatus.PAID,
    ]
    assert_books_balance(sandbox, {shirt: 5})


# -- 2. the database connection dropped in the middle of a payment ---------------------------


def terminate_backend(conn) -> dict:
    """Kill the PostgreSQL backend serving `conn`, from a second connection, and wait for it
    to be gone: the server rolls back its open transaction."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    killer = conn.copy()
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])  # waits up to 10 s
            [terminated] = cursor.fetchone()
    finally:
        killer.close()
    assert terminated
    return {"backend": pid}


def close_sqlite_handle(conn) -> dict:
    """SQLite's stand-in: the request's database handle disappears under it, and SQLite
    discards the transaction it had open."""
    conn.connection.close()
    return {}


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] > 0


def drop_connection_before_the_invoice(monkeypatch, drop) -> dict:
    """Wrap invoice_record so that its first call, inside the payment's transaction (the order
    already marked paid and the stock decremented there), loses the database connection first
    and then calls through. Returns what that transaction had written, filled in when it fires."""
    seen: dict = {}
    original = order_services.invoice_record

    def dropping(*, order, lines, reference):
        if not seen:
            [line] = lines
            seen.update(
                in_transaction=connection.in_atomic_block,
                status=Order.objects.values_list("payment_status", flat=True).get(pk=order.pk),
                stock=Variant.objects.values_list("quantity", flat=True).get(pk=line.variant_id),
            )
            seen.update(drop(connection))
        return original(order=order, lines=lines, reference=reference)

    monkeypatch.setattr(order_services, "invoice_record", dropping)
    return seen


DROPS = [
    pytest.param(terminate_backend, id="postgresql-terminate-backend", marks=postgres_only),
    pytest.param(close_sqlite_handle, id="sqlite-close-handle", marks=sqlite_only),
]


@pytest.mark.parametrize("drop", DROPS)
@pytest.mark.parametrize("channel", ["finalize", "webhook"])
def test_a_connection_dropped_mid_payment_rolls_back_and_a_retry_completes_it_once(
    buyer, shirt, sandbox, monkeypatch, caplog, drop, channel
):
    buyer.add(shirt, 2)
    back = buyer.pay(buyer.pay_link(), "approve")
    [webhook] = sandbox.state.take_held()
    order = the_order()
    seen = drop_connection_before_the_invoice(monkeypatch, drop)

    def arrive():
        if channel == "finalize":
            return buyer.come_back(back)
        return buyer.deliver(webhook, client=buyer.client)

    buyer.client.raise_request_exception = False  # answer as the server would
    response = arrive()
    buyer.client.raise_request_exception = True
    close_old_connections()  # what the server does at the end of every request

    assert seen["in_transaction"] and seen["status"] == PaymentStatus.PAID and seen["stock"] == 3
    if "backend" in seen:
        assert not backend_alive(seen["backend"])
    [failure] = [r.exc_info[1] for r in caplog.records if r.name == "django.request"]
    assert isinstance(failure, db_utils.Error), failure  # the lost connection, nothing else
    # A failure Mercado Pago retries, and a page that tells a stranger nothing.
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    for secret in ("guest@example.com", "Linen Shirt", webhook.payment_id, order.reference):
        assert secret not in page
    for detail in ("Traceback", "Error", "terminat", "SELECT", "INSERT", "database"):
        assert detail.lower() not in page.lower()
    # Everything the transaction wrote was rolled back.
    assert_untouched(order, shirt, 5)

    retried = arrive()  # the buyer reloads the page, or Mercado Pago notifies again

    assert retried.status_code in (200, 302)
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    # The other channel, arriving later, changes nothing.
    other = buyer.deliver(webhook) if channel == "finalize" else buyer.come_back(back)
    assert other.status_code in (200, 302)
    assert_books_balance(sandbox, {shirt: 5})


# -- 3. a worker killed in the middle of a request -------------------------------------------


def worker_database_url() -> str:
    """The test database, as a DATABASE_URL another process can open."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    credentials = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = settings["HOST"] or "localhost"
    port = settings["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


def run_dying_worker(sandbox, *args: str) -> dict:
    """Run payments.tests.fault_worker in a process of its own and check it was SIGKILLed
    where it meant to be; returns what its dying transaction had written."""
    unset = ("MERCADOPAGO_ACCESS_TOKEN", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "DATABASE_URL")
    env = {name: value for name, value in os.environ.items() if name not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DATABASE_URL=worker_database_url(),
        MERCADOPAGO_API_BASE_URL=sandbox.url,
        MERCADOPAGO_TIMEOUT="5",
        LANGUAGE_CODE=settings.LANGUAGE_CODE,  # the test's language: its orders' e-mails
    )
    result = subprocess.run(  # noqa: S603 (our own module, with our own interpreter)
        [sys.executable, "-m", "payments.tests.fault_worker", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if report["backend"] is not None:
        # The server notices the dead client and rolls back; wait for it before looking.
        deadline = time.monotonic() + 30
        while backend_alive(report["backend"]):
            if time.monotonic() > deadline:
                pytest.fail(f"backend {report['backend']} outlived its killed worker")
            time.sleep(0.05)
    return report


def test_a_worker_killed_after_writing_the_order_lines_leaves_no_order_and_a_retry_sells_once(
    buyer, shirt, sandbox
):
    buyer.add(shirt, 2)

    report = run_dying_worker(sandbox, "confirm", str(Cart.objects.get().pk), "lines")

    # It died inside the transaction, with the order and its line written there.
    assert report["in_transaction"] and report["orders_visible"] == 1 and report["lines"] == 1
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert held_units(variant_ids=[shirt.pk]) == {}
    assert not sandbox.state.preferences
    shirt.refresh_from_db()
    assert shirt.quantity == 5 and CartLine.objects.get().quantity == 2

    buyer.come_back(buyer.pay(buyer.pay_link(), "approve"))  # the buyer tries again

    assert (
        the_order().payment_status == PaymentStatus.PAID and the_order().lines.get().quantity == 2
    )
    assert_books_balance(sandbox, {shirt: 5})


def test_a_worker_killed_before_asking_for_the_link_leaves_a_whole_order_the_retry_reuses(
    buyer, shirt, sandbox
):
    buyer.add(shirt, 2)

    report = run_dying_worker(sandbox, "confirm", str(Cart.objects.get().pk), "gateway")

    # The order had committed: it is whole (its line is there) and holds its stock, no more.
    assert not report["in_transaction"] and report["lines"] == 1
    order = the_order()
    assert order.pk == report["order"] and order.payment_status == PaymentStatus.AWAITING_PAYMENT
    assert order.lines.get().quantity == 2 and order.total == Decimal("300.00")
    assert held_units(variant_ids=[shirt.pk]) == {shirt.pk: 2}
    assert not MercadoPagoPayment.objects.exists() and not sandbox.state.preferences

    link = buyer.pay_link()  # the buyer clicks again: the same order gets its link

    assert Order.objects.get().pk == order.pk and len(sandbox.state.preferences) == 1
    buyer.come_back(buyer.pay(link, "approve"))
    assert the_order().payment_status == PaymentStatus.PAID
    assert held_units(variant_ids=[shirt.pk]) == {}
    assert_books_balance(sandbox, {shirt: 5})


@pytest.mark.parametrize(("kill_point", "invoices_written"), [("stock", 0), ("invoice", 1)])
def test_a_worker_killed_while_applying_an_approval_rolls_back_and_a_retry_completes_it(
    buyer, shirt, sandbox, kill_point, invoices_written
):
    buyer.add(shirt, 2)
    back = buyer.pay(buyer.pay_link(), "approve")
    [webhook] = sandbox.state.take_held()
    order = the_order()

    report = run_dying_worker(sandbox, "apply", webhook.payment_id, kill_point)

    # It died inside the transaction, after the stock decrement (and the invoice) were written.
    assert report["in_transaction"] and report["order"] == order.pk
    assert report["stock"] == 3 and report["invoices"] == invoices_written
    assert_untouched(order, shirt, 5)

    delivered = buyer.deliver(webhook)  # Mercado Pago notifies again; another worker answers

    assert delivered.status_code == 200 and delivered.json() == {"status": "paid"}
    assert buyer.come_back(back)["Location"] == order.signed_url()
    assert_books_balance(sandbox, {shirt: 5})
