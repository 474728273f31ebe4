"""The store's own address and name, from the settings (SITE_URL, STORE_NAME), for everything
that is read outside the browser: e-mailed links and django.contrib.sites.

A link in an e-mail is never built from the request: Django's ALLOWED_HOSTS check ignores the
port, so `Host: shop.example.com:1` passes it, and a password-reset key mailed as
`http://shop.example.com:1/...` would go wherever that port leads.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.apps import apps as global_apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, router


def site_url(url: str) -> str:
    """The same page on the store's public address: `url` (a path, or an absolute URL built
    from some request) with its scheme and host replaced by SITE_URL's."""
    parts = urlsplit(url)
    return settings.SITE_URL + urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def site_domain() -> str:
    """SITE_URL's host (and port, if it has one): "shop.example.com"."""
    return urlsplit(settings.SITE_URL).netloc


def current_site():
    """The store as a django.contrib.sites Site (unsaved), read from the settings now: what
    e-mails name, whatever the database's record says."""
    from django.contrib.sites.models import Site

    return Site(pk=settings.SITE_ID, domain=site_domain(), name=_site_name())


def _site_name() -> str:
    return settings.STORE_NAME[:50]  # Site.name's length


def site_sync(*, using: str = DEFAULT_DB_ALIAS, apps=global_apps) -> None:
    """Write the store's name and domain into django.contrib.sites' record (SITE_ID), which
    otherwise says "example.com". Run after every `migrate` (accounts.apps), so a SITE_URL
    changed between two deploys is written by the next release."""
    try:
        Site = apps.get_model("sites", "Site")
    except LookupError:  # sites not installed (or not migrated yet in this state)
        return
    if not router.allow_migrate_model(using, Site):
        return
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": site_domain(), "name": _site_name()}
    )
    from django.contrib.sites.models import Site as CurrentSite

    CurrentSite.objects.clear_cache()


def site_sync_after_migrate(sender, *, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    """post_migrate receiver for site_sync."""
    site_sync(using=using, apps=apps)
