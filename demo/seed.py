"""The deterministic demo catalogue behind `manage.py seed_demo`.

The same seed always gives the same categories, products, prices, stock and pictures. Pictures
are drawn with Pillow (coloured shapes and the product's name); nothing is downloaded.
"""

from __future__ import annotations

import functools
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


@dataclass(frozen=True)
class Text:
    """One piece of catalogue text in each of the store's languages."""

    en: str
    pt_br: str
    es: str

    def columns(self, field: str) -> dict[str, str]:
        """`{"name_pt_br": ..., "name_en": ..., "name_es": ...}` for a translated field."""
        return {f"{field}_{code}": getattr(self, code) for code in ("pt_br", "en", "es")}


@dataclass(frozen=True)
class Garment:
    """A kind of product: its name in each language, the grammatical gender of its Portuguese
    and Spanish names (adjectives agree with it) and the materials it is made from."""

    name: Text
    pt_gender: str  # "m" or "f"
    es_gender: str
    materials: tuple[str, ...]


@dataclass(frozen=True)
class Adjective:
    en: str
    pt_m: str
    pt_f: str
    es_m: str
    es_f: str


@dataclass(frozen=True)
class CategorySpec:
    name: Text
    description: Text
    garments: tuple[Garment, ...]
    sizes: list[str]
    prices: tuple[int, int]  # in reais


# Colour: (English name, which gives the slug; Portuguese; Spanish; swatch).
COLORS = [
    ("Black", "Preto", "Negro", "#1c1917"),
    ("White", "Branco", "Blanco", "#f5f5f4"),
    ("Navy", "Azul-marinho", "Azul marino", "#1e3a5f"),
    ("Red", "Vermelho", "Rojo", "#b91c1c"),
    ("Olive", "Verde-oliva", "Verde oliva", "#556b2f"),
    ("Sand", "Areia", "Arena", "#d6c6a5"),
    ("Sky", "Azul-celeste", "Celeste", "#7fb3d5"),
    ("Terracotta", "Terracota", "Terracota", "#c2693e"),
]
CLOTHING_SIZES = ["XS", "S", "M", "L", "XL"]
SHOE_SIZES = ["37", "38", "39", "40", "41", "42", "43"]

MATERIALS = {
    "linen": Text("linen", "linho", "lino"),
    "cotton": Text("cotton", "algodão", "algodón"),
    "organic cotton": Text("organic cotton", "algodão orgânico", "algodón orgánico"),
    "recycled cotton": Text("recycled cotton", "algodão reciclado", "algodón reciclado"),
    "denim": Text("denim", "jeans", "tela vaquera"),
    "canvas": Text("cotton canvas", "lona de algodão", "lona de algodón"),
    "leather": Text("leather", "couro", "piel"),
    "silk": Text("silk", "seda", "seda"),
    "corduroy": Text("corduroy", "veludo cotelê", "pana"),
    "recycled polyester": Text("recycled polyester", "poliéster reciclado", "poliéster reciclado"),
}
# The tags each material earns; the other tags are about the season and the occasion.
MATERIAL_TAGS = {
    "linen": ("Linen",),
    "cotton": ("Cotton",),
    "organic cotton": ("Cotton", "Organic"),
    "recycled cotton": ("Cotton",),
    "denim": ("Cotton",),
}
TAGS = {
    "Linen": Text("Linen", "Linho", "Lino"),
    "Cotton": Text("Cotton", "Algodão", "Algodón"),
    "Summer": Text("Summer", "Verão", "Verano"),
    "Essentials": Text("Essentials", "Essenciais", "Esenciales"),
    "New in": Text("New in", "Novidades", "Novedades"),
    "Organic": Text("Organic", "Orgânico", "Orgánico"),
    "Beachwear": Text("Beachwear", "Moda praia", "Ropa de playa"),
    "Office": Text("Office", "Escritório", "Oficina"),
}
OCCASION_TAGS = ["Summer", "Essentials", "New in", "Beachwear", "Office"]

ADJECTIVES = [
    Adjective("Classic", "Clássico", "Clássica", "Clásico", "Clásica"),
    Adjective("Relaxed", "Solto", "Solta", "Holgado", "Holgada"),
    Adjective("Coastal", "Praiano", "Praiana", "Playero", "Playera"),
    Adjective("Everyday", "Básico", "Básica", "Básico", "Básica"),
    Adjective(
        "Weekend", "de Fim de Semana", "de Fim de Semana", "de Fin de Semana", "de Fin de Semana"
    ),
    Adjective("Urban", "Urbano", "Urbana", "Urbano", "Urbana"),
    Adjective("Vintage", "Vintage", "Vintage", "Vintage", "Vintage"),
    Adjective("Soft", "Macio", "Macia", "Suave", "Suave"),
]


def _garment(en, pt, pt_gender, es, es_gender, *materials) -> Garment:
    return Garment(Text(en, pt, es), pt_gender, es_gender, materials)


# Category (its English name gives the slug) -> what it sells. Every garment belongs to the
# category a shopper would look in, and is made of what its name says.
CATEGORIES = {
    "Shirts": CategorySpec(
        Text("Shirts", "Camisas", "Camisas"),
        Text(
            "Shirts made to last, cut for the Brazilian summer.",
            "Camisas feitas para durar, com corte para o verão brasileiro.",
            "Camisas hechas para durar, con corte para el verano brasileño.",
        ),
        (
            _garment("Linen Shirt", "Camisa de Linho", "f", "Camisa de Lino", "f", "linen"),
            _garment(
                "Oxford Shirt",
                "Camisa Oxford",
                "f",
                "Camisa Oxford",
                "f",
                "cotton",
                "organic cotton",
            ),
            _garment(
                "Poplin Shirt",
                "Camisa de Tricoline",
                "f",
                "Camisa de Popelina",
                "f",
                "cotton",
                "organic cotton",
            ),
            _garment("Denim Shirt", "Camisa Jeans", "f", "Camisa Vaquera", "f", "denim"),
        ),
        CLOTHING_SIZES,
        (149, 329),
    ),
    "T-shirts": CategorySpec(
        Text("T-shirts", "Camisetas", "Camisetas"),
        Text(
            "T-shirts made to last, cut for the Brazilian summer.",
            "Camisetas feitas para durar, com corte para o verão brasileiro.",
            "Camisetas hechas para durar, con corte para el verano brasileño.",
        ),
        (
            _garment(
                "Crew Tee",
                "Camiseta Gola Careca",
                "f",
                "Camiseta de Cuello Redondo",
                "f",
                "organic cotton",
                "recycled cotton",
            ),
            _garment(
                "Pocket Tee",
                "Camiseta com Bolso",
                "f",
                "Camiseta con Bolsillo",
                "f",
                "cotton",
                "organic cotton",
            ),
            _garment("Henley", "Camiseta Henley", "f", "Camiseta Henley", "f", "cotton", "linen"),
            _garment(
                "Striped Tee",
                "Camiseta Listrada",
                "f",
                "Camiseta de Rayas",
                "f",
                "cotton",
                "recycled cotton",
            ),
        ),
        CLOTHING_SIZES,
        (59, 139),
    ),
    "Trousers": CategorySpec(
        Text("Trousers", "Calças", "Pantalones"),
        Text(
            "Trousers made to last, cut for the Brazilian summer.",
            "Calças feitas para durar, com corte para o verão brasileiro.",
            "Pantalones hechos para durar, con corte para el verano brasileño.",
        ),
        (
            _garment(
                "Chino", "Calça Chino", "f", "Pantalón Chino", "m", "cotton", "organic cotton"
            ),
            _garment(
                "Drawstring Trousers", "Calça com Cordão", "f", "Pantalón con Cordón", "m", "linen"
            ),
            _garment("Cargo Pants", "Calça Cargo", "f", "Pantalón Cargo", "m", "canvas"),
            _garment("Jeans", "Calça Jeans", "f", "Pantalón Vaquero", "m", "denim"),
        ),
        CLOTHING_SIZES,
        (179, 389),
    ),
    "Dresses": CategorySpec(
        Text("Dresses", "Vestidos", "Vestidos"),
        Text(
            "Dresses made to last, cut for the Brazilian summer.",
            "Vestidos feitos para durar, com corte para o verão brasileiro.",
            "Vestidos hechos para durar, con corte para el verano brasileño.",
        ),
        (
            _garment("Midi Dress", "Vestido Midi", "m", "Vestido Midi", "m", "linen", "cotton"),
            _garment(
                "Wrap Dress",
                "Vestido Transpassado",
                "m",
                "Vestido Cruzado",
                "m",
                "cotton",
                "silk",
            ),
            _garment("Slip Dress", "Vestido de Alcinha", "m", "Vestido Lencero", "m", "silk"),
            _garment(
                "Shirt Dress", "Vestido Chemise", "m", "Vestido Camisero", "m", "cotton", "linen"
            ),
        ),
        CLOTHING_SIZES,
        (199, 459),
    ),
    "Jackets": CategorySpec(
        Text("Jackets", "Jaquetas", "Chaquetas"),
        Text(
            "Jackets made to last, cut for the Brazilian winter.",
            "Jaquetas feitas para durar, com corte para o inverno brasileiro.",
            "Chaquetas hechas para durar, con corte para el invierno brasileño.",
        ),
        (
            _garment("Denim Jacket", "Jaqueta Jeans", "f", "Chaqueta Vaquera", "f", "denim"),
            _garment("Linen Blazer", "Blazer de Linho", "m", "Blazer de Lino", "m", "linen"),
            _garment(
                "Field Jacket", "Jaqueta Utilitária", "f", "Chaqueta Utilitaria", "f", "canvas"
            ),
            _garment(
                "Corduroy Overshirt",
                "Sobrecamisa de Veludo Cotelê",
                "f",
                "Sobrecamisa de Pana",
                "f",
                "corduroy",
            ),
        ),
        CLOTHING_SIZES,
        (249, 549),
    ),
    "Shoes": CategorySpec(
        Text("Shoes", "Sapatos", "Zapatos"),
        Text(
            "Shoes made to last, for Brazilian streets and beaches.",
            "Sapatos feitos para durar, para as ruas e praias do Brasil.",
            "Zapatos hechos para durar, para las calles y playas de Brasil.",
        ),
        (
            _garment("Canvas Sneaker", "Tênis de Lona", "m", "Zapatilla de Lona", "f", "canvas"),
            _garment("Leather Loafer", "Mocassim de Couro", "m", "Mocasín de Piel", "m", "leather"),
            _garment("Espadrille", "Alpargata", "f", "Alpargata", "f", "canvas"),
            _garment(
                "Running Shoe",
                "Tênis de Corrida",
                "m",
                "Zapatilla de Correr",
                "f",
                "recycled polyester",
            ),
        ),
        SHOE_SIZES,
        (229, 599),
    ),
    "Accessories": CategorySpec(
        Text("Accessories", "Acessórios", "Accesorios"),
        Text(
            "Accessories made to last, for the Brazilian summer.",
            "Acessórios feitos para durar, para o verão brasileiro.",
            "Accesorios hechos para durar, para el verano brasileño.",
        ),
        (
            _garment("Canvas Tote", "Bolsa de Lona", "f", "Bolso de Lona", "m", "canvas"),
            _garment(
                "Bucket Hat",
                "Chapéu Bucket",
                "m",
                "Sombrero de Pescador",
                "m",
                "cotton",
                "linen",
            ),
            _garment("Leather Belt", "Cinto de Couro", "m", "Cinturón de Piel", "m", "leather"),
            _garment("Silk Scarf", "Lenço de Seda", "m", "Pañuelo de Seda", "m", "silk"),
        ),
        [],
        (49, 249),
    ),
}
# The QA fixtures (see LAST_UNIT_SLUG and SOLD_OUT_SLUG): category, adjective, garment.
FIXTURES = {
    "Shirts": ("Classic", "Linen Shirt"),
    "Jackets": ("Vintage", "Denim Jacket"),
}


@dataclass(frozen=True)
class ProductSpec:
    category: str
    adjective: Adjective
    garment: Garment
    material: str

    @property
    def name(self) -> Text:
        garment, adjective = self.garment, self.adjective
        pt = adjective.pt_f if garment.pt_gender == "f" else adjective.pt_m
        es = adjective.es_f if garment.es_gender == "f" else adjective.es_m
        return Text(
            f"{adjective.en} {garment.name.en}",
            f"{garment.name.pt_br} {pt}",
            f"{garment.name.es} {es}",
        )

    @property
    def description(self) -> Text:
        name, material, garment = self.name, MATERIALS[self.material], self.garment
        pt_article, pt_made = ("A", "Feita") if garment.pt_gender == "f" else ("O", "Feito")
        es_article, es_made = ("La", "Hecha") if garment.es_gender == "f" else ("El", "Hecho")
        return Text(
            f"The {name.en.lower()}: an easy piece for warm days and cool evenings.\n\n"
            f"Made in Brazil from {material.en}.",
            f"{pt_article} {name.pt_br.lower()}: uma peça fácil para dias quentes e "
            f"noites frescas.\n\n{pt_made} no Brasil em {material.pt_br}.",
            f"{es_article} {name.es.lower()}: una pieza fácil para días cálidos y "
            f"noches frescas.\n\n{es_made} en Brasil con {material.es}.",
        )


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
    """Colours, sizes, tags and categories, in every language (found again by slug)."""
    colors = {}
    for en, pt_br, es, hex_code in COLORS:
        colors[en], _ = Color.objects.get_or_create(
            slug=slugify(en), defaults={**Text(en, pt_br, es).columns("name"), "hex_code": hex_code}
        )
    sizes = {}
    for position, name in enumerate(CLOTHING_SIZES + SHOE_SIZES):
        sizes[name], _ = Size.objects.get_or_create(name=name, defaults={"position": position})
    tags = {}
    for key, name in TAGS.items():
        tags[key], _ = Tag.objects.get_or_create(slug=slugify(key), defaults=name.columns("name"))
    categories = {}
    for position, (key, spec) in enumerate(CATEGORIES.items()):
        categories[key], _ = Category.objects.get_or_create(
            slug=slugify(key),
            defaults={
                **spec.name.columns("name"),
                **spec.description.columns("description"),
                "position": position,
            },
        )
    return colors, sizes, tags, categories


def _demo_specs(rng: random.Random) -> list[ProductSpec]:
    """The 40 demo products, in a fixed order for a given random generator: categories in
    turn, each product a garment of its category in one of the garment's materials."""
    adjectives = {adjective.en: adjective for adjective in ADJECTIVES}
    garments = {g.name.en: g for spec in CATEGORIES.values() for g in spec.garments}
    reserved = {f"{adjective} {garment}" for adjective, garment in FIXTURES.values()}
    names_seen = set(reserved)
    categories = list(CATEGORIES)
    specs = []
    for index in range(DEMO_PRODUCT_COUNT):
        category = categories[index % len(categories)]
        while True:
            adjective = rng.choice(ADJECTIVES)
            garment = rng.choice(CATEGORIES[category].garments)
            if f"{adjective.en} {garment.name.en}" not in names_seen:
                break
        names_seen.add(f"{adjective.en} {garment.name.en}")
        specs.append(ProductSpec(category, adjective, garment, rng.choice(garment.materials)))
    # The QA fixtures have fixed names: the first shirt and the first jacket.
    for category, (adjective, garment) in FIXTURES.items():
        specs[categories.index(category)] = ProductSpec(
            category, adjectives[adjective], garments[garment], garments[garment].materials[0]
        )
    return specs


def _product_tags(rng: random.Random, spec: ProductSpec) -> list[str]:
    """The material's tag (a linen shirt is tagged Linen) and one or two occasions."""
    return [*MATERIAL_TAGS.get(spec.material, ()), *rng.sample(OCCASION_TAGS, rng.randint(1, 2))]


@transaction.atomic
def seed_demo(*, seed: int = 2026, products: int = DEMO_PRODUCT_COUNT) -> SeedResult:
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    colors, sizes, tags, categories = _reference_data()
    ensure_users()
    ensure_demo_token()
    created = 0
    color_names = list(colors)
    for index, spec in enumerate(_demo_specs(rng)):
        name = spec.name
        slug = slugify(name.en)  # slugs stay English in every language: QA scripts use them
        category = CATEGORIES[spec.category]
        low, high = category.prices
        price = Decimal(rng.randint(low, high)) - Decimal("0.10")
        product_colors = rng.sample(color_names, rng.randint(1, 3))
        product_tags = _product_tags(rng, spec)
        size_names = category.sizes
        product_sizes = size_names[: rng.randint(3, len(size_names))] if size_names else []
        if slug == LAST_UNIT_SLUG:
            product_colors, product_sizes = ["Navy", "White"], CLOTHING_SIZES
        # Some products have no colour choice (shoes sold by size only) or no choice at all
        # (a tote or hat in a single version).
        variant_colors = product_colors
        if spec.category in ("Shoes", "Accessories") and (index // len(CATEGORIES)) % 2 == 0:
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

        product, was_created = Product.objects.get_or_create(
            slug=slug,
            defaults={
                **name.columns("name"),
                **spec.description.columns("description"),
                "category": categories[spec.category],
                "price": price,
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
                render_product_image(name.en, base, _contrast(base), number),
            )
            ProductImage.objects.create(
                product=product,
                image=path,
                width=IMAGE_SIZE[0],
                height=IMAGE_SIZE[1],
                alt_text=f"{name.pt_br}, {colors[color].name_pt_br.lower()}, foto {number}",
                position=number,
                is_primary=number == 1,
            )
    if products > DEMO_PRODUCT_COUNT:
        created += _bulk_products(
            rng, products - DEMO_PRODUCT_COUNT, colors, sizes, tags, categories
        )
    transaction.on_commit(catalogue_changed)  # bulk inserts send no signals
    return SeedResult(products_created=created, products_total=Product.objects.count())


@functools.cache
def _bulk_search_text(spec: ProductSpec) -> dict[str, str]:
    """A bulk product's search text in each language, but for its number (bulk inserts skip
    save(), which builds it; built once per kind of product, so 100 000 products stay fast)."""
    probe = Product(**spec.name.columns("name"), **spec.description.columns("description"))
    probe.fill_search_text()
    columns = [f"search_text_{code}" for code in ("pt_br", "en", "es")]
    return {column: getattr(probe, column) for column in columns}


def _bulk_products(rng, count, colors, sizes, tags, categories) -> int:
    """Extra products for benchmarks, inserted in batches; pictures are shared files. Each is
    a garment of its category in every language, with its search text built here (bulk
    inserts skip save())."""
    existing = set(Product.objects.filter(slug__startswith="bulk-").values_list("slug", flat=True))
    pictures = []
    for number, (name, _pt_br, _es, hex_code) in enumerate(COLORS, start=1):
        pictures.append(
            _save_picture(
                f"products/demo/bulk-{number}.jpg",
                render_product_image(f"{name} collection", hex_code, _contrast(hex_code), number),
            )
        )
    category_keys = list(categories)
    color_list = list(colors.values())
    made = 0
    pending = [n for n in range(1, count + 1) if f"bulk-{n:06d}" not in existing]
    for start in range(0, len(pending), BULK_BATCH):
        batch, specs = [], []
        for n in pending[start : start + BULK_BATCH]:
            key = rng.choice(category_keys)
            garment = rng.choice(CATEGORIES[key].garments)
            spec = ProductSpec(key, rng.choice(ADJECTIVES), garment, rng.choice(garment.materials))
            specs.append(spec)
            name = spec.name
            product = Product(
                slug=f"bulk-{n:06d}",
                **Text(f"{name.en} {n}", f"{name.pt_br} {n}", f"{name.es} {n}").columns("name"),
                **spec.description.columns("description"),
                category=categories[key],
                price=Decimal(rng.randint(3900, 59900)) / 100,
            )
            for column, text in _bulk_search_text(spec).items():
                setattr(product, column, f"{text}{n} ")  # the name's number, searchable too
            batch.append(product)
        batch = Product.objects.bulk_create(batch)
        variants, images, tagged = [], [], []
        through = Product.tags.through
        for product, spec in zip(batch, specs, strict=True):
            # Three variants: three sizes of the category in one colour, or (no sizes) three
            # colours.
            size_names = CATEGORIES[spec.category].sizes
            if size_names:
                color = rng.choice(color_list)
                choices = [(color, sizes[size]) for size in rng.sample(size_names, 3)]
            else:
                choices = [(color, None) for color in rng.sample(color_list, 3)]
            for color, size in choices:
                variants.append(
                    Variant(product=product, color=color, size=size, quantity=rng.choice([0, 4, 9]))
                )
            images.append(
                ProductImage(
                    product=product,
                    image=rng.choice(pictures),
                    width=IMAGE_SIZE[0],
                    height=IMAGE_SIZE[1],
                    alt_text=product.name_pt_br,
                    is_primary=True,
                )
            )
            for tag in MATERIAL_TAGS.get(spec.material) or [rng.choice(OCCASION_TAGS)]:
                tagged.append(through(product=product, tag=tags[tag]))
        Variant.objects.bulk_create(variants)
        ProductImage.objects.bulk_create(images)
        through.objects.bulk_create(tagged)
        made += len(batch)
    return made
