"""Catalogue edits (the admin, imports) make cached catalogue fragments stale.

The receivers are connected to the catalogue's models only: a receiver listening to every
model's post_delete would stop Django from deleting any other rows (cart lines, reservations)
with a single DELETE."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from .cache import catalogue_changed
from .models import Category, Color, Product, ProductImage, Size, Tag, Variant

CATALOGUE_MODELS = (Category, Color, Product, ProductImage, Size, Tag, Variant)


def _catalogue_row_changed(sender, **kwargs):
    catalogue_changed()


def _product_tags_changed(sender, **kwargs):
    catalogue_changed()


for model in CATALOGUE_MODELS:
    post_save.connect(_catalogue_row_changed, sender=model, dispatch_uid=f"catalogue-save-{model}")
    post_delete.connect(
        _catalogue_row_changed, sender=model, dispatch_uid=f"catalogue-delete-{model}"
    )
m2m_changed.connect(_product_tags_changed, sender=Product.tags.through)
