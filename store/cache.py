"""Cached catalogue fragments and their invalidation.

Rendered catalogue fragments (the listing's product grid, the product page's gallery and
description, the filter options, the category menu) are cached under keys that include the
catalogue's version. The version lives in the shared cache (Redis, REDIS_URL) and any change to
the catalogue or to stock bumps it, so every process stops using the old fragments at once.
Because a fragment's key never changes meaning, the fragments themselves are kept in each
process's memory (the "fragments" cache): one Redis read per request (the version, read once
and remembered for the rest of the request) replaces a dozen queries. Every key also carries the
active language, so each language has its own copy of a fragment. Without a shared cache
the store runs with CATALOGUE_CACHE_SECONDS = 0 (nothing is cached), because a per-process
version could not be bumped in every process.
"""

from __future__ import annotations

import hashlib
import threading

from django.conf import settings
from django.core.cache import cache, caches
from django.utils.translation import get_language

VERSION_KEY = "catalogue:version"
_request = threading.local()


def fragments():
    return caches["fragments"]


def catalogue_version() -> int:
    """The catalogue's version, read from the shared cache once per request."""
    version = getattr(_request, "version", None)
    if version is None:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, 1, timeout=None)
            version = cache.get(VERSION_KEY, 1)
        _request.version = version
    return version


def forget_version() -> None:
    _request.version = None


def catalogue_changed() -> None:
    """Call after any write that changes what shoppers see of the catalogue or its stock."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)
    forget_version()


class CatalogueVersionMiddleware:
    """Each request reads the catalogue version afresh (and at most once)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        forget_version()
        try:
            return self.get_response(request)
        finally:
            forget_version()


def fragment_key(*parts) -> str:
    """A short, stable cache key for a fragment of the current catalogue version in the active
    language (a fragment holds names, descriptions and words in one language)."""
    raw = "|".join(str(part) for part in (catalogue_version(), get_language(), *parts))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def enabled() -> bool:
    return settings.CATALOGUE_CACHE_SECONDS > 0
