from django.contrib import messages

from cart.selectors import CART_COOKIE

from . import services


class GuestCartMergeMiddleware:
    """On the first request after logging in, a guest's cart (named by the cart cookie) and
    their orders move into the account (checkout.services.guest_cart_adopt), the shopper is
    told about any line that had to shrink, and the cookie is dropped: after logging out the
    browser shows an empty cart, never the account's. Runs after authentication and messages,
    before cart.middleware.CartMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request.COOKIES.get(CART_COOKIE)
        if not (token and request.user.is_authenticated):
            return self.get_response(request)
        for adjustment in services.guest_cart_adopt(token=token, user=request.user):
            messages.warning(request, adjustment.message)
        response = self.get_response(request)
        response.delete_cookie(CART_COOKIE, samesite="Lax")
        return response
