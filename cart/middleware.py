from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

from . import selectors


class CartMiddleware:
    """Attaches the shopper's cart to the request as `request.cart`, looked up at most once
    and only when something uses it (bots viewing pages create no rows).

    A signed-in shopper's cart is their account's; a guest's cart is named by a cookie, set
    here when the guest's first add created it. (On the first request after logging in,
    `checkout.middleware.GuestCartMergeMiddleware` moves the guest's cart into the account's
    and drops the cookie.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request.COOKIES.get(selectors.CART_COOKIE)
        request.cart = SimpleLazyObject(lambda: selectors.cart_for(user=request.user, token=token))
        response = self.get_response(request)

        if request.cart._wrapped is not empty:
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
