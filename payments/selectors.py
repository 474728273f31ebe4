from .models import PaymentSettings


def payment_settings() -> PaymentSettings:
    """The one settings row (made with both methods enabled the first time it is read)."""
    return PaymentSettings.objects.get_or_create(pk=1)[0]
