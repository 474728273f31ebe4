import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from demo import seed as demo
from store.models import Category, Product, ProductImage, Variant

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything a shopper could see of the catalogue, in a stable order."""
    return {
        "categories": list(Category.objects.order_by("slug").values_list("slug", "name")),
        "products": list(
            Product.objects.order_by("slug").values_list("slug", "name", "price", "category__slug")
        ),
        "variants": list(
            Variant.objects.order_by("product__slug", "color__slug", "size__name").values_list(
                "product__slug", "color__slug", "size__name", "quantity"
            )
        ),
        "tags": list(
            Product.tags.through.objects.order_by("product__slug", "tag__slug").values_list(
                "product__slug", "tag__slug"
            )
        ),
        "images": list(
            ProductImage.objects.order_by("image").values_list("image", "is_primary", "alt_text")
        ),
    }


def test_demo_catalogue_has_about_40_products_with_pictures_and_qa_fixtures():
    demo.seed_demo()

    assert Product.objects.count() == demo.DEMO_PRODUCT_COUNT
    assert Category.objects.count() >= 5
    assert ProductImage.objects.filter(is_primary=True).count() == demo.DEMO_PRODUCT_COUNT
    assert ProductImage.objects.count() == 3 * demo.DEMO_PRODUCT_COUNT
    last_unit = Variant.objects.get(quantity=1)
    assert (last_unit.product.slug, last_unit.color.name, last_unit.size.name) == (
        demo.LAST_UNIT_SLUG,
        "Navy",
        "M",
    )
    sold_out = Product.objects.get(slug=demo.SOLD_OUT_SLUG)
    assert sold_out.variants.exists() and not sold_out.variants.filter(quantity__gt=0).exists()
    assert Product.objects.filter(
        variants__color__isnull=True, variants__size__isnull=False
    ).exists()
    assert Product.objects.filter(variants__size__isnull=True).exists()
    single = Variant.objects.filter(color__isnull=True, size__isnull=True)
    assert single.exists()
    assert all(v.product.variants.count() == 1 for v in single)


def test_demo_pictures_are_real_images(settings):
    from PIL import Image

    demo.seed_demo()

    picture = ProductImage.objects.first()
    with Image.open(picture.image.path) as image:
        assert image.size == demo.IMAGE_SIZE


def test_demo_users_can_log_in(client):
    demo.seed_demo()

    staff = User.objects.get(email=demo.STAFF_EMAIL)
    assert staff.is_staff
    assert client.login(email=demo.SHOPPER_EMAIL, password=demo.SHOPPER_PASSWORD)
    assert client.login(email=demo.STAFF_EMAIL, password=demo.STAFF_PASSWORD)


def test_seeding_twice_changes_nothing():
    demo.seed_demo()
    first = snapshot()

    result = demo.seed_demo()

    assert result.products_created == 0
    assert snapshot() == first
    assert User.objects.count() == 2


def test_same_seed_gives_the_same_catalogue_and_another_seed_differs():
    demo.seed_demo(seed=7)
    first = snapshot()
    Product.objects.all().delete()
    demo.seed_demo(seed=7)
    again = snapshot()
    Product.objects.all().delete()
    demo.seed_demo(seed=8)

    assert again == first
    assert snapshot()["products"] != first["products"]


def test_bulk_products_for_benchmarks():
    demo.seed_demo(products=demo.DEMO_PRODUCT_COUNT + 250)

    assert Product.objects.count() == demo.DEMO_PRODUCT_COUNT + 250
    bulk = Product.objects.filter(slug__startswith="bulk-")
    assert bulk.count() == 250
    assert ProductImage.objects.filter(product__in=bulk, is_primary=True).count() == 250
    assert Variant.objects.filter(product__in=bulk).count() == 750

    demo.seed_demo(products=demo.DEMO_PRODUCT_COUNT + 250)
    assert Product.objects.count() == demo.DEMO_PRODUCT_COUNT + 250


def test_command_prints_the_credentials(capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert demo.SHOPPER_EMAIL in out and demo.SHOPPER_PASSWORD in out
    assert demo.STAFF_EMAIL in out and demo.STAFF_PASSWORD in out


def test_command_refuses_a_catalogue_smaller_than_the_demo(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("seed_demo", products=3)


def test_command_refuses_to_run_with_debug_off_unless_told_what_it_creates(settings):
    """With DEBUG off (a real store) the published staff password and the R$ 5000 token
    anyone may spend are created only when the flag that names them is given."""
    settings.DEBUG = False

    with pytest.raises(CommandError, match="published"):
        call_command("seed_demo")
    assert not User.objects.exists() and not Product.objects.exists()

    call_command("seed_demo", "--with-published-staff-password-and-credit-token")
    assert User.objects.filter(email=demo.STAFF_EMAIL, is_superuser=True).exists()


def test_every_demo_row_is_written_in_three_languages():
    from store.models import Color, Tag

    demo.seed_demo()

    for model, fields in (
        (Product, ("name", "description")),
        (Category, ("name", "description")),
        (Tag, ("name",)),
        (Color, ("name",)),
    ):
        for row in model.objects.all():
            for field in fields:
                values = [getattr(row, f"{field}_{code}") for code in ("pt_br", "en", "es")]
                assert all(values), (model.__name__, row.pk, field, values)
            assert row.name_pt_br != row.name_en


def test_each_demo_product_is_one_garment_of_its_category_in_one_material_in_every_language():
    import random

    demo.seed_demo()

    specs = demo._demo_specs(random.Random(2026))  # the generator seed_demo uses by default
    products = {p.slug: p for p in Product.objects.select_related("category")}
    for spec in specs:
        category = demo.CATEGORIES[spec.category]
        assert spec.garment in category.garments and spec.material in spec.garment.materials
        product = products[demo.slugify(spec.name.en)]
        assert product.category.slug == demo.slugify(spec.category)
        material = demo.MATERIALS[spec.material]
        assert product.description_en.endswith(f"from {material.en}.")
        assert product.description_pt_br.endswith(f"em {material.pt_br}.")
        assert product.description_es.endswith(f"con {material.es}.")
        assert spec.garment.name.pt_br in product.name_pt_br
        assert spec.garment.name.es in product.name_es
    linen_shirt = products[demo.LAST_UNIT_SLUG]
    assert (linen_shirt.name_pt_br, linen_shirt.name_es) == (
        "Camisa de Linho Clássica",
        "Camisa de Lino Clásica",
    )
    assert "linho" in linen_shirt.description_pt_br and "lino" in linen_shirt.description_es
    assert set(linen_shirt.tags.values_list("slug", flat=True)) >= {"linen"}
    assert products[demo.SOLD_OUT_SLUG].category.slug == "jackets"


@pytest.mark.parametrize(
    ("language", "q", "slug"),
    [
        ("pt-br", "camisas de linho", demo.LAST_UNIT_SLUG),
        ("pt-br", "jaqueta", demo.SOLD_OUT_SLUG),
        ("en", "linen shirts", demo.LAST_UNIT_SLUG),
        ("en", "jackets", demo.SOLD_OUT_SLUG),
        ("es", "camisas de lino", demo.LAST_UNIT_SLUG),
        ("es", "chaquetas vaqueras", demo.SOLD_OUT_SLUG),
        # the examples in e2e/README.md
        ("pt-br", "calca", "urban-chino"),
        ("pt-br", "calças", "urban-chino"),
        ("pt-br", "camisas", demo.LAST_UNIT_SLUG),
        ("en", "shoes", "soft-canvas-sneaker"),
        ("es", "pantalones", "urban-chino"),
    ],
)
def test_the_demo_catalogue_is_found_in_each_language(language, q, slug):
    from django.utils import translation

    from store.selectors import ProductFilters, product_search

    demo.seed_demo()

    with translation.override(language):
        found = product_search(filters=ProductFilters(q=q), sellable_variants=Variant.objects)
        assert slug in {product.slug for product in found}


def test_bulk_products_speak_three_languages_and_are_searchable_as_if_saved():
    demo.seed_demo(products=demo.DEMO_PRODUCT_COUNT + 30)

    for product in Product.objects.filter(slug__startswith="bulk-").select_related("category"):
        assert product.name_pt_br and product.name_en and product.name_es
        stored = {code: getattr(product, f"search_text_{code}") for code in ("pt_br", "en", "es")}
        product.fill_search_text()  # what save() would have stored
        for code, text in stored.items():
            assert set(text.split()) == set(getattr(product, f"search_text_{code}").split())


def test_the_names_in_the_qa_contract():
    """e2e/README.md ("Demo data in each language") lists these for QA's scripts."""
    from django.utils import translation

    demo.seed_demo()

    names = {
        "classic-linen-shirt": (
            "Camisa de Linho Clássica",
            "Classic Linen Shirt",
            "Camisa de Lino Clásica",
        ),
        "vintage-denim-jacket": (
            "Jaqueta Jeans Vintage",
            "Vintage Denim Jacket",
            "Chaqueta Vaquera Vintage",
        ),
        "relaxed-midi-dress": ("Vestido Midi Solto", "Relaxed Midi Dress", "Vestido Midi Holgado"),
        "urban-chino": ("Calça Chino Urbana", "Urban Chino", "Pantalón Chino Urbano"),
        "soft-canvas-sneaker": (
            "Tênis de Lona Macio",
            "Soft Canvas Sneaker",
            "Zapatilla de Lona Suave",
        ),
    }
    for slug, expected in names.items():
        product = Product.objects.get(slug=slug)
        assert (product.name_pt_br, product.name_en, product.name_es) == expected
    assert list(Category.objects.order_by("position").values_list("slug", "name_pt_br")) == [
        ("shirts", "Camisas"),
        ("t-shirts", "Camisetas"),
        ("trousers", "Calças"),
        ("dresses", "Vestidos"),
        ("jackets", "Jaquetas"),
        ("shoes", "Sapatos"),
        ("accessories", "Acessórios"),
    ]
    with translation.override("es"):
        assert Category.objects.get(slug="trousers").name == "Pantalones"
