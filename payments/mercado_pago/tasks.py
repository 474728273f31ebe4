"""Background work for Mercado Pago payments, run by the task backend (settings.TASKS)."""

from django_tasks import task

from . import refunds


@task()
def send_refund(order_id: int) -> None:
    """The refund a late approval made due."""
    refunds.refund_send(order_id=order_id)
