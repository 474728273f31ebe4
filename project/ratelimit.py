"""A per-client request budget for public views that cost a call to someone else (the buyer's
return from Mercado Pago asks Mercado Pago about the payment). Counted in the shared cache, so
every store process draws on the same budget; logins and signups use allauth's own limits."""

import time

from allauth.account.adapter import get_adapter
from django.core.cache import cache


def allow(request, *, scope: str, per_minute: int) -> bool:
    """Count this request against the client's budget for `scope`; False once it is spent.
    A budget of 0 means no limit."""
    if per_minute <= 0:
        return True
    # The client's address as allauth sees it: ALLAUTH_TRUSTED_PROXY_COUNT says how many
    # proxies' X-Forwarded-For entries to trust.
    client = get_adapter().get_client_ip(request)
    key = f"ratelimit:{scope}:{client}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=60)
        count = 1
    return count <= per_minute
