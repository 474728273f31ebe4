from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import Category


def store(request):
    """The shop's name and the category menu (queried only when a template shows it)."""
    return {
        "STORE_NAME": settings.STORE_NAME,
        "nav_categories": SimpleLazyObject(lambda: list(Category.objects.all())),
    }
