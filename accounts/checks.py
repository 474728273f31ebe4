"""Deploy checks about how the store counts its clients (rate limits, stock holds)."""

from django.conf import settings
from django.core.checks import Warning, register


@register("security", deploy=True)
def trusted_proxy_count(app_configs, **kwargs):
    """Behind a load balancer or TLS proxy with TRUSTED_PROXY_COUNT=0, every shopper is
    counted as the proxy's address: the per-client limits (logins, payment returns, what one
    client may hold unpaid, checkouts per hour) become limits on the whole store."""
    if settings.DEBUG or settings.ALLAUTH_TRUSTED_PROXY_COUNT > 0:
        return []
    return [
        Warning(
            "TRUSTED_PROXY_COUNT is 0: behind a proxy, every shopper counts as its address.",
            hint=(
                "Set TRUSTED_PROXY_COUNT to the number of proxies in front of gunicorn that "
                "append to X-Forwarded-For (docs/deploy.md). If gunicorn faces the internet "
                "directly, this warning does not apply."
            ),
            id="reserva.W001",
        )
    ]
