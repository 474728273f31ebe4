from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def live(request):
    """Liveness: the process answers. No database, no templates: the benchmarks' baseline."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def health(request):
    """Readiness: the process answers and reaches its database and its cache (Redis in
    production, where sessions live). A load balancer stops sending shoppers on a 503."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "error"}
        | {name: "ok" if ok else "unreachable" for name, ok in checks.items()},
        status=200 if ready else 503,
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 (any database failure means "not ready")
        return False
    return True


def _cache_ok() -> bool:
    try:
        cache.set("healthz", "ok", timeout=10)
        return cache.get("healthz") == "ok"
    except Exception:  # noqa: BLE001 (any cache failure means "not ready")
        return False
