from django.core.management.base import BaseCommand

from cart.services import carts_delete_abandoned


class Command(BaseCommand):
    help = (
        "Delete anonymous carts untouched for longer than their cookie lives (40 days, plus a "
        "day), with their lines. Accounts' carts, and carts still holding stock for an unpaid "
        "order, are kept. Housekeeping: run daily."
    )

    def handle(self, *args, **options):
        deleted = carts_delete_abandoned()
        self.stdout.write(f"{deleted} abandoned carts deleted.")
