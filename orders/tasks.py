"""Background work for orders, run by the task backend (settings.TASKS): e-mails after a
change commits, and the housekeeping that expires unpaid orders."""

from django_tasks import task

from . import emails


@task()
def send_order_confirmation(order_id: int) -> None:
    emails.send_order_confirmation(order_id=order_id)


@task()
def send_refund_notice(order_id: int) -> None:
    emails.send_refund_notice(order_id=order_id)


@task()
def expire_stale_orders() -> int:
    from .services import orders_expire_stale  # the services enqueue this module's tasks

    return orders_expire_stale()
