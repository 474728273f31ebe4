"""The deterministic demo catalogue behind `manage.py seed_demo`.

The same seed always gives the same categories, products, prices, stock and pictures. Pictures
are drawn with Pillow (coloured shapes and the product's name); nothing is downloaded.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from accounts.models import User
from payments.models import StoreCreditToken
from payments.store_credit import token_issue
from store.cache import catalogue_changed
from store.models import Category, Color, Product, ProductImage, Size, Tag, Variant

IMAGE_SIZE = (480, 600)
DEMO_PRODUCT_COUNT = 40
BULK_BATCH = 2000

SHOPPER_EMAIL = "shopper@example.com"
SHOPPER_PASSWORD = "reserva-shopper-2026"  # noqa: S105 (demo credentials, printed on purpose)
STAFF_EMAIL = "staff@example.com"
STAFF_PASSWORD = "reserva-staff-2026"  # noqa: S105

# A store-credit token anyone may spend (QA and the offline demo).
DEMO_TOKEN = "5e1f0c2a-7b3d-4e9a-8c61-2d4f9a0b7c13"  # noqa: S105 (demo credit, printed on purpose)
DEMO_TOKEN_BALANCE = Decimal("5000.00")
DEMO_TOKEN_EXPIRES = date(2036, 12, 31)

# The two products QA journeys rely on (SPEC section 6).
LAST_UNIT_SLUG = "classic-linen-shirt"  # its Navy / M variant has exactly 1 unit
SOLD_OUT_SLUG = "vintage-denim-jacket"  # every variant at 0

COLORS = [
    ("Black", "#1c1917"),
    ("White", "#f5f5f4"),
    ("Navy", "#1e3a5f"),
    ("Red", "#b91c1c"),
    ("Olive", "#556b2f"),
    ("Sand", "#d6c6a5"),
    ("Sky", "#7fb3d5"),
    ("Terracotta", "#c2693e"),
]
CLOTHING_SIZES = ["XS", "S", "M", "L", "XL"]
SHOE_SIZES = ["37", "38", "39", "40", "41", "42", "43"]
TAGS = ["Linen", "Cotton", "Summer", "Essentials", "New in", "Organic", "Beachwear", "Office"]

# Category -> (nouns, sizes, price range in reais)
CATEGORIES = {
    "Shirts": (
        ["Linen Shirt", "Oxford Shirt", "Poplin Shirt", "Camp Shirt"],
        CLOTHING_SIZES,
        (149, 329),
    ),
    "T-shirts": (["Crew Tee", "Pocket Tee", "Henley", "Striped Tee"], CLOTHING_SIZES, (59, 139)),
    "Trousers": (
        ["Chino", "Drawstring Trousers", "Cargo Pants", "Tailored Trousers"],
        CLOTHING_SIZES,
        (179, 389),
    ),
    "Dresses": (
        ["Midi Dress", "Wrap Dress", "Slip Dress", "Shirt Dress"],
        CLOTHING_SIZES,
        (199, 459),
    ),
    "Shoes": (["Canvas Sneaker", "Leather Loafer", "Espadrille", "Runner"], SHOE_SIZES, (229, 599)),
    "Accessories": (["Canvas Tote", "Bucket Hat", "Leather Belt", "Silk Scarf"], [], (49, 249)),
}
MATERIALS = ["organic cotton", "linen", "recycled cotton", "leather", "canvas"]
ADJECTIVES = ["Classic", "Relaxed", "Coastal", "Everyday", "Weekend", "Urban", "Vintage", "Soft"]


@dataclass(frozen=True)
class SeedResult:
    products_created: int
    products_total: int


def render_product_image(title: str, base_hex: str, accent_hex: str, number: int) -> bytes:
    """A product picture: a coloured card with shapes and the product's name (JPEG bytes)."""
    rng = random.Random(f"{title}-{number}")  # noqa: S311 (pictures, not secrets)
    image = Image.new("RGB", IMAGE_SIZE, base_hex)
    draw = ImageDraw.Draw(image)
    width, height = IMAGE_SIZE
    for _ in range(4):
        x, y = rng.randint(-80, width - 40), rng.randint(-80, height - 160)
        r = rng.randint(60, 190)
        shape = rng.choice(["ellipse", "rectangle"])
        box = (x, y, x + r, y + r)
        getattr(draw, shape)(box, fill=accent_hex if rng.random() < 0.6 else "#ffffff")
    draw.rectangle((0, height - 150, width, height), fill="#ffffff")
    font = ImageFont.load_default(size=34)
    small = ImageFont.load_default(size=20)
    draw.text((28, height - 128), title, fill="#1c1917", font=font)
    draw.text((28, height - 72), f"RESERVA  ·  {number}", fill="#57534e", font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def _contrast(hex_code: str) -> str:
    red, green, blue = (int(hex_code[i : i + 2], 16) for i in (1, 3, 5))
    return "#1c1917" if (red * 299 + green * 587 + blue * 114) / 1000 > 150 else "#f5f5f4"


def _save_picture(path: str, content: bytes) -> str:
    if default_storage.exists(path):
        return path
    return default_storage.save(path, ContentFile(content))


def ensure_demo_token() -> None:
    if not StoreCreditToken.objects.filter(token=DEMO_TOKEN).exists():
        token_issue(
            token=DEMO_TOKEN,
            amount=DEMO_TOKEN_BALANCE,
            expires_on=DEMO_TOKEN_EXPIRES,
            actor=None,
            note="Demo store credit",
        )


def ensure_users() -> None:
    shopper, created = User.objects.get_or_create(
        email=SHOPPER_EMAIL, defaults={"first_name": "Ana", "last_name": "Souza"}
    )
    if created:
        shopper.set_password(SHOPPER_PASSWORD)
        shopper.save()
    staff, created = User.objects.get_or_create(
        email=STAFF_EMAIL,
        defaults={
            "first_name": "Bruno",
            "last_name": "Lima",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        staff.set_password(STAFF_PASSWORD)
        staff.save()


def _reference_data():
    colors = {}
    for name, hex_code in COLORS:
        colors[name], _ = Color.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "hex_code": hex_code}
        )
    sizes = {}
    for position, name in enumerate(CLOTHING_SIZES + SHOE_SIZES):
        sizes[name], _ = Size.objects.get_or_create(name=name, defaults={"position": position})
    tags = {}
    for name in TAGS:
        tags[name], _ = Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    categories = {}
    for position, name in enumerate(CATEGORIES):
        categories[name], _ = Category.objects.get_or_create(
            slug=slugify(name),
            defaults={
                "name": name,
                "position": position,
                "description": f"{name} made to last, cut for the Brazilian summer.",
            },
        )
    return colors, sizes, tags, categories


def _demo_specs(rng: random.Random):
    """The 40 demo products, in a fixed order for a given random generator."""
    reserved = {"Classic Linen Shirt", "Vintage Denim Jacket"}
    names_seen = set(reserved)
    categories = list(CATEGORIES)
    specs = []
    for index in range(DEMO_PRODUCT_COUNT):
        category = categories[index % len(categories)]
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(CATEGORIES[category][0])}"
        while name in names_seen:
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(CATEGORIES[category][0])}"
        names_seen.add(name)
        specs.append((category, name))
    # The QA fixtures have fixed names: the first shirt and the first trousers.
    specs[categories.index("Shirts")] = ("Shirts", "Classic Linen Shirt")
    specs[categories.index("Trousers")] = ("Trousers", "Vintage Denim Jacket")
    return specs


@transaction.atomic
def seed_demo(*, seed: int = 2026, products: int = DEMO_PRODUCT_COUNT) -> SeedResult:
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    colors, sizes, tags, categories = _reference_data()
    ensure_users()
    ensure_demo_token()
    created = 0
    color_names = list(colors)
    for index, (category_name, name) in enumerate(_demo_specs(rng)):
        slug = slugify(name)
        _nouns, size_names, (low, high) = CATEGORIES[category_name]
        price = Decimal(rng.randint(low, high)) - Decimal("0.10")
        product_colors = rng.sample(color_names, rng.randint(1, 3))
        product_tags = rng.sample(TAGS, rng.randint(1, 3))
        product_sizes = size_names[: rng.randint(3, len(size_names))] if size_names else []
        if slug == LAST_UNIT_SLUG:
            product_colors, product_sizes = ["Navy", "White"], CLOTHING_SIZES
        # Some products have no colour choice (shoes sold by size only) or no choice at all
        # (a tote or hat in a single version).
        variant_colors = product_colors
        if category_name in ("Shoes", "Accessories") and (index // len(CATEGORIES)) % 2 == 0:
            variant_colors = [None]
        quantities = {}
        for color in variant_colors:
            for size in product_sizes or [None]:
                # Never 1 by chance: the single last unit is a QA fixture.
                quantities[(color, size)] = rng.choice([0, 2, 3, 5, 8, 12, 20])
        if slug == LAST_UNIT_SLUG:
            quantities = dict.fromkeys(quantities, 6)
            quantities[("Navy", "M")] = 1
        if slug == SOLD_OUT_SLUG:
            quantities = dict.fromkeys(quantities, 0)

        material = rng.choice(MATERIALS)
        product, was_created = Product.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "category": categories[category_name],
                "price": price,
                "description": (
                    f"The {name.lower()}: an easy piece for warm days and cool evenings.\n\n"
                    f"Made in Brazil from {material}."
                ),
            },
        )
        if not was_created:
            continue
        created += 1
        product.tags.set([tags[t] for t in product_tags])
        Variant.objects.bulk_create(
            Variant(
                product=product,
                color=colors[color] if color else None,
                size=sizes[size] if size else None,
                quantity=quantity,
                sku=f"{index + 1:03d}-{slugify(color or 'U')}-{size or 'U'}".upper(),
            )
            for (color, size), quantity in quantities.items()
        )
        for number in (1, 2, 3):
            color = product_colors[(number - 1) % len(product_colors)]
            base = colors[color].hex_code
            path = _save_picture(
                f"products/demo/{slug}-{number}.jpg",
                render_product_image(name, base, _contrast(base), number),
            )
            ProductImage.objects.create(
                product=product,
                image=path,
                width=IMAGE_SIZE[0],
                height=IMAGE_SIZE[1],
                alt_text=f"{name} in {color.lower()}, picture {number}",
                position=number,
                is_primary=number == 1,
            )
    if products > DEMO_PRODUCT_COUNT:
        created += _bulk_products(
            rng, products - DEMO_PRODUCT_COUNT, colors, sizes, tags, categories
        )
    transaction.on_commit(catalogue_changed)  # bulk inserts send no signals
    return SeedResult(products_created=created, products_total=Product.objects.count())


def _bulk_products(rng, count, colors, sizes, tags, categories) -> int:
    """Extra products for benchmarks, inserted in batches; pictures are shared files."""
    existing = set(Product.objects.filter(slug__startswith="bulk-").values_list("slug", flat=True))
    pictures = []
    for number, (name, hex_code) in enumerate(COLORS, start=1):
        pictures.append(
            _save_picture(
                f"products/demo/bulk-{number}.jpg",
                render_product_image(f"{name} collection", hex_code, _contrast(hex_code), number),
            )
        )
    category_list = list(categories.values())
    color_list = list(colors.values())
    clothing = [sizes[name] for name in CLOTHING_SIZES]
    tag_list = list(tags.values())
    made = 0
    pending = [n for n in range(1, count + 1) if f"bulk-{n:06d}" not in existing]
    for start in range(0, len(pending), BULK_BATCH):
        batch = []
        for n in pending[start : start + BULK_BATCH]:
            adjective = rng.choice(ADJECTIVES)
            category = rng.choice(category_list)
            batch.append(
                Product(
                    slug=f"bulk-{n:06d}",
                    name=f"{adjective} {category.name} piece {n}",
                    category=category,
                    price=Decimal(rng.randint(3900, 59900)) / 100,
                    description=f"Catalogue filler number {n} for load tests.",
                )
            )
        batch = Product.objects.bulk_create(batch)
        variants, images, tagged = [], [], []
        through = Product.tags.through
        for product in batch:
            color = rng.choice(color_list)
            for size in rng.sample(clothing, 3):
                variants.append(
                    Variant(product=product, color=color, size=size, quantity=rng.choice([0, 4, 9]))
                )
            images.append(
                ProductImage(
                    product=product,
                    image=rng.choice(pictures),
                    width=IMAGE_SIZE[0],
                    height=IMAGE_SIZE[1],
                    alt_text=product.name,
                    is_primary=True,
                )
            )
            tagged.append(through(product=product, tag=rng.choice(tag_list)))
        Variant.objects.bulk_create(variants)
        ProductImage.objects.bulk_create(images)
        through.objects.bulk_create(tagged)
        made += len(batch)
    return made
