from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .cache import catalogue_version
from .models import Category


def store(request):
    """The shop's name and the category menu (queried only when a template shows it and its
    cached copy is missing)."""
    return {
        "STORE_NAME": settings.STORE_NAME,
        "nav_categories": SimpleLazyObject(lambda: list(Category.objects.all())),
        "catalogue_cache_seconds": settings.CATALOGUE_CACHE_SECONDS,
        "catalogue_version": SimpleLazyObject(catalogue_version),
    }
