"""Per-client request budgets, counted in the shared cache so every store process draws on the
same budget: for public views that cost a call to someone else (the buyer's return from Mercado
Pago asks Mercado Pago about the payment) and for checkouts that hold stock. Logins and signups
use allauth's own limits."""

import ipaddress
import time

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied


def client_address(request) -> str | None:
    """The client's address as allauth sees it: TRUSTED_PROXY_COUNT (ALLAUTH_TRUSTED_PROXY_COUNT)
    says how many proxies' X-Forwarded-For entries to trust, so behind a load balancer this is
    the shopper's address, and without one a forged X-Forwarded-For is ignored. A header that
    does not fit the configuration (fewer entries than trusted proxies, not an address) counts
    as the connection's own address; None when there is none. An IPv6 client is its /64
    network (written as its first address), an IPv4 address written as IPv6 is the IPv4 one."""
    try:
        found = get_adapter().get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        found = request.META.get("REMOTE_ADDR")
    try:
        address = ipaddress.ip_address(found or "")
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        # A subscriber gets a whole /64 and may pick any address in it: that is one client.
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def _key(scope: str, client: str, window: int) -> str:
    return f"ratelimit:{scope}:{client}:{int(time.time() // window)}"


def remaining(*, scope: str, client: str, limit: int, window: int) -> bool:
    """Whether `client` has budget left for `scope` in the current window, spending none."""
    return limit <= 0 or (cache.get(_key(scope, client, window)) or 0) < limit


def spend(*, scope: str, client: str, limit: int, window: int) -> bool:
    """Count one use of `scope` by `client` in the current window of `window` seconds; False
    once more than `limit` were counted. A limit of 0 means no limit."""
    if limit <= 0:
        return True
    key = _key(scope, client, window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def allow(request, *, scope: str, per_minute: int) -> bool:
    """Count this request against the client's budget for `scope`; False once it is spent."""
    client = client_address(request) or "unknown"
    return spend(scope=scope, client=client, limit=per_minute, window=60)
