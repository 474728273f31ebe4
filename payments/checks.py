from django.conf import settings
from django.core.checks import Warning, register


@register("payments", deploy=True)
def sandbox_in_production(app_configs, **kwargs):
    """Outside development the store must not silently take "payments" from the sandbox."""
    if settings.MERCADOPAGO_USES_SANDBOX and not settings.DEBUG:
        return [
            Warning(
                "MERCADOPAGO_ACCESS_TOKEN is not set: payments go to the offline sandbox.",
                hint="Set MERCADOPAGO_ACCESS_TOKEN and MERCADOPAGO_WEBHOOK_SECRET for real payments.",
                id="payments.W001",
            )
        ]
    if not settings.MERCADOPAGO_WEBHOOK_SECRET and not settings.DEBUG:
        return [
            Warning(
                "MERCADOPAGO_WEBHOOK_SECRET is not set: every webhook will be refused.",
                id="payments.W002",
            )
        ]
    return []
