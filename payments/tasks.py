"""Background work for payments, run by the task backend (settings.TASKS): the refund a
notification made due, and the reconciliation that catches lost notifications."""

from django_tasks import task


@task()
def send_refund(order_id: int) -> None:
    from . import services  # services enqueue this task

    services.refund_send(order_id=order_id)


@task()
def reconcile_payments() -> int:
    from . import services

    return services.payments_reconcile()
