"""Catalogue edits (the admin, imports) make cached catalogue fragments stale."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .cache import catalogue_changed
from .models import Category, Color, Product, ProductImage, Size, Tag, Variant

CATALOGUE_MODELS = (Category, Color, Product, ProductImage, Size, Tag, Variant)


@receiver(post_save)
@receiver(post_delete)
def _catalogue_row_changed(sender, **kwargs):
    if sender in CATALOGUE_MODELS:
        catalogue_changed()


@receiver(m2m_changed, sender=Product.tags.through)
def _product_tags_changed(sender, **kwargs):
    catalogue_changed()
