"""Reads of payment settings and payment records."""

from .models import MERCADOPAGO_RECORD, PaymentSettings

__all__ = ["MERCADOPAGO_RECORD", "payment_settings"]


def payment_settings() -> PaymentSettings:
    """Which payment methods checkout offers: the settings row staff edit in the admin, or
    the defaults (both methods on) until there is one. Reads only."""
    return PaymentSettings.objects.filter(pk=1).first() or PaymentSettings(pk=1)
