"""Cached catalogue fragments and their invalidation.

Rendered catalogue fragments (the listing's product grid, the product page's gallery and
description, the filter options) are cached under a key that includes the catalogue's version.
Any change to the catalogue or to stock bumps the version, so every process sharing the cache
(Redis, REDIS_URL) stops using the old fragments at once. Without a shared cache the store runs
with CATALOGUE_CACHE_SECONDS = 0 (nothing is cached), because a per-process cache could not be
invalidated across processes.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "catalogue:version"


def catalogue_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def catalogue_changed() -> None:
    """Call after any write that changes what shoppers see of the catalogue or its stock."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def fragment_key(*parts) -> str:
    """A short, stable cache key for a fragment of the current catalogue version."""
    raw = "|".join(str(part) for part in (catalogue_version(), *parts))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def enabled() -> bool:
    return settings.CATALOGUE_CACHE_SECONDS > 0
