from django.core.management.base import BaseCommand

from orders.services import orders_expire_stale
from stock.services import reservations_delete_expired


class Command(BaseCommand):
    help = (
        "Mark unpaid orders whose payment link and stock reservation ran out as expired, and "
        "delete dead reservations. Housekeeping only: expired reservations already stopped "
        "holding stock."
    )

    def handle(self, *args, **options):
        expired = orders_expire_stale()
        deleted = reservations_delete_expired()
        self.stdout.write(f"{expired} orders expired, {deleted} reservations deleted.")
