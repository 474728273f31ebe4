"""Fixtures shared by every app's tests and the browser journeys."""

from __future__ import annotations

import functools
import itertools
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from store.demo import render_product_image
from store.models import Category, Color, Product, ProductImage, Size, Tag, Variant

_counter = itertools.count(1)


@functools.cache
def _picture() -> bytes:
    return render_product_image("Test product", "#445566", "#ffffff", 1)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated pictures go to a per-test folder, never the developer's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


class Catalogue:
    """Small builders for catalogue rows; every name and slug is unique."""

    def category(self, name: str | None = None, **fields) -> Category:
        n = next(_counter)
        name = name or f"Category {n}"
        return Category.objects.create(
            name=name, slug=fields.pop("slug", f"category-{n}"), **fields
        )

    def tag(self, name: str) -> Tag:
        return Tag.objects.get_or_create(
            slug=name.lower().replace(" ", "-"), defaults={"name": name}
        )[0]

    def color(self, name: str, hex_code: str = "#123456") -> Color:
        return Color.objects.get_or_create(
            slug=name.lower(), defaults={"name": name, "hex_code": hex_code}
        )[0]

    def size(self, name: str, position: int = 0) -> Size:
        return Size.objects.get_or_create(name=name, defaults={"position": position})[0]

    def product(
        self,
        name: str | None = None,
        *,
        price: str | Decimal = "100.00",
        category: Category | None = None,
        stock: dict | int | None = 5,
        tags=(),
        images: int = 1,
        **fields,
    ) -> Product:
        """A product with variants. `stock` maps (colour name or None, size name or None) to
        units; an int gives a single variant with no choice."""
        n = next(_counter)
        name = name or f"Product {n}"
        product = Product.objects.create(
            name=name,
            slug=fields.pop("slug", f"product-{n}"),
            category=category or self.category(),
            price=Decimal(price),
            **fields,
        )
        if tags:
            product.tags.set([self.tag(t) for t in tags])
        if isinstance(stock, int):
            stock = {(None, None): stock}
        for (color, size), units in (stock or {}).items():
            Variant.objects.create(
                product=product,
                color=self.color(color) if color else None,
                size=self.size(size) if size else None,
                quantity=units,
            )
        for number in range(1, images + 1):
            self.image(product, number=number, primary=number == 1)
        return product

    def image(self, product: Product, *, number: int = 1, primary: bool = False) -> ProductImage:
        picture = ProductImage(
            product=product,
            alt_text=f"{product.name} {number}",
            position=number,
            is_primary=primary,
        )
        picture.image.save(f"{product.slug}-{number}.jpg", ContentFile(_picture()), save=False)
        picture.save()
        return picture


@pytest.fixture
def catalogue(db) -> Catalogue:
    return Catalogue()
