from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .cache import fragment_key
from .models import Category


def store(request):
    """The shop's name and the category menu (queried only when a template shows it and its
    cached copy is missing)."""
    return {
        "STORE_NAME": settings.STORE_NAME,
        "nav_categories": SimpleLazyObject(lambda: list(Category.objects.all())),
        "catalogue_cache_seconds": settings.CATALOGUE_CACHE_SECONDS,
        # The header's cached category menu is keyed on this: the catalogue's version and the
        # active language, so each language has its own menu.
        "category_nav_key": SimpleLazyObject(lambda: fragment_key("category-nav")),
    }
