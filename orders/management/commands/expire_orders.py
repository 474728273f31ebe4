from django.core.management.base import BaseCommand

from orders.services import orders_expire_stale


class Command(BaseCommand):
    help = (
        "Mark unpaid orders whose payment link and stock reservation ran out as expired. "
        "Housekeeping only: expired reservations already stopped holding stock."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{orders_expire_stale()} orders expired.")
