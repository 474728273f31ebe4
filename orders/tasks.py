"""Background work for orders, run by the task backend (settings.TASKS): the buyer's e-mails,
sent after the change that calls for them has committed."""

from django_tasks import task

from . import emails


@task()
def send_order_confirmation(order_id: int) -> None:
    emails.send_order_confirmation(order_id=order_id)


@task()
def send_refund_notice(order_id: int) -> None:
    emails.send_refund_notice(order_id=order_id)
