"""What browsers and shared caches may keep of the store's pages.

Every page is personal unless its view says otherwise: `PrivatePagesMiddleware` sends
`Cache-Control: private, no-store` on every response whose view set no Cache-Control of its
own, so a shopper's orders, invoices, addresses, cart or checkout never outlive a logout in
the browser's cache and are never stored by a proxy. Views that show only the catalogue
(which anyone may see) are marked `@catalogue_page`: for an anonymous visitor with no
session (the header's cart count is then the only personal thing on them),
`Cache-Control: private` keeps shared caches out while the browser may keep them for its
back button; for a signed-in shopper, or with messages to show, they are personal too. A new view is private until someone decides otherwise.

Static files are answered by WhiteNoise before this middleware and keep its long-lived
public caching.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.utils.cache import patch_cache_control

PERSONAL = {"private": True, "no_store": True}
CATALOGUE = {"private": True}


def catalogue_page(view):
    """Mark a view whose pages hold no shopper's data beyond the header."""
    view.catalogue_page = True
    return view


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.catalogue_page = False
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            shared = request.catalogue_page and not _shows_the_shopper(request)
            patch_cache_control(response, **(CATALOGUE if shared else PERSONAL))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.catalogue_page = getattr(view_func, "catalogue_page", False)


def _shows_the_shopper(request) -> bool:
    """Whether a catalogue page carries something of the visitor's beyond the cart count: a
    signed-in header (name, admin link) or messages ("Signed in as ..."), which live in the
    session or the messages cookie."""
    user = getattr(request, "user", None)
    return bool(
        (user is not None and user.is_authenticated)
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or CookieStorage.cookie_name in request.COOKIES
    )
