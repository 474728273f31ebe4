from django import template

from store.money import format_money

register = template.Library()


@register.filter
def money(amount):
    return format_money(amount)


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current URL's query string with `page` replaced (other filters kept)."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.filter
def primary_image(product):
    """The primary image prefetched by the listing selector, or None."""
    images = getattr(product, "primary_images", None)
    return images[0] if images else None
