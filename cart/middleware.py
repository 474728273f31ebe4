from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject, empty

from . import selectors, services


class CartMiddleware:
    """Attaches the shopper's cart to the request as `request.cart`, looked up at most once
    and only when something uses it (bots viewing pages create no rows).

    Anonymous carts live in a cookie. On the first request after logging in, the anonymous
    cart is merged into the account's cart and the cookie is dropped, so after logging out the
    browser shows an empty cart, never the account's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request.COOKIES.get(selectors.CART_COOKIE)
        merged = False
        if token and request.user.is_authenticated:
            source = selectors.cart_for(user=AnonymousUser(), token=token)
            for adjustment in services.cart_merge(source=source, user=request.user):
                messages.warning(request, adjustment.message)
            merged, token = True, None

        request.cart = SimpleLazyObject(lambda: selectors.cart_for(user=request.user, token=token))
        response = self.get_response(request)

        if merged:
            response.delete_cookie(selectors.CART_COOKIE, samesite="Lax")
        elif request.cart._wrapped is not empty:
            cart = request.cart._wrapped
            if cart.pk is not None and cart.user_id is None and cart.token != token:
                response.set_cookie(
                    selectors.CART_COOKIE,
                    cart.token,
                    max_age=selectors.CART_COOKIE_MAX_AGE,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
        return response
