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
