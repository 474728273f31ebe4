from django.core.management.base import BaseCommand

from payments.mercado_pago.services import payments_reconcile


class Command(BaseCommand):
    help = (
        "Ask Mercado Pago about recent unpaid orders and apply any payment whose notification was "
        "lost; send refunds that could not be sent. Safe to run as often as you like."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{payments_reconcile()} orders updated.")
