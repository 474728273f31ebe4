"""What browsers and shared caches may keep of the store's pages.

Every page is personal unless its view says otherwise: `PrivatePagesMiddleware` sends
`Cache-Control: private, no-store` on every response whose view set no Cache-Control of its
own, so a shopper's orders, invoices, addresses, cart or checkout never outlive a logout in
the browser's cache and are never stored by a proxy. Views that show only the catalogue
(which anyone may see; the header's cart count is the only personal thing on them) are
marked `@catalogue_page`: `Cache-Control: private` keeps shared caches out while the browser
may keep them for its back button. A new view is private until someone decides otherwise.

Static files are answered by WhiteNoise before this middleware and keep its long-lived
public caching.
"""

from __future__ import annotations

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
            patch_cache_control(response, **(CATALOGUE if request.catalogue_page else PERSONAL))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.catalogue_page = getattr(view_func, "catalogue_page", False)
