from functools import partial

from .selectors import cart_item_count


def cart(request):
    """`cart_item_count` for the header badge: a callable, so the count query runs only in
    templates that show the badge."""
    if not hasattr(request, "cart"):
        return {}
    return {"cart_item_count": partial(cart_item_count, cart=request.cart)}
