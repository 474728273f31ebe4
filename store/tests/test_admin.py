import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from store.models import Product, ProductImage, Variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser(
        email="boss@example.com", password="pw-123456!"
    )
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("product", "?q=shirt&is_active__exact=1"),
        ("variant", "?q=shirt"),
        ("category", "?q=shirt"),
        ("tag", "?q=linen"),
        ("color", "?q=navy"),
        ("size", "?q=M"),
    ],
)
def test_changelists_search_and_filter(staff_client, catalogue, model, query):
    catalogue.product("Linen Shirt", stock={("Navy", "M"): 2}, tags=["Linen"])

    response = staff_client.get(reverse(f"admin:store_{model}_changelist") + query)

    assert response.status_code == 200


def test_product_change_page_has_image_and_stock_inlines(staff_client, catalogue):
    product = catalogue.product("Linen Shirt", stock={("Navy", "M"): 2}, images=2)

    html = staff_client.get(
        reverse("admin:store_product_change", args=[product.pk])
    ).content.decode()

    assert "images-TOTAL_FORMS" in html and "variants-TOTAL_FORMS" in html


def _product_form(category, **overrides):
    data = {
        "name": "New Shirt",
        "slug": "new-shirt",
        "category": category.pk,
        "price": "99.90",
        "is_active": "on",
        "description": "",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-0-alt_text": "Front",
        "images-0-position": "1",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-0-quantity": "4",
    }
    data.update(overrides)
    return data


def _upload(content: bytes, name="front.jpg"):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def test_staff_add_a_product_with_a_picture_and_stock(staff_client, catalogue):
    from demo.seed import render_product_image

    category = catalogue.category()
    data = _product_form(
        category,
        **{
            "images-0-is_primary": "on",
            "images-0-image": _upload(render_product_image("x", "#000000", "#ffffff", 1)),
        },
    )

    response = staff_client.post(reverse("admin:store_product_add"), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    product = Product.objects.get(slug="new-shirt")
    assert product.images.get().is_primary and product.images.get().width == 480
    assert Variant.objects.get(product=product).quantity == 4


def test_admin_refuses_images_without_a_primary(staff_client, catalogue):
    from demo.seed import render_product_image

    category = catalogue.category()
    data = _product_form(
        category, **{"images-0-image": _upload(render_product_image("x", "#000000", "#ffffff", 1))}
    )

    response = staff_client.post(reverse("admin:store_product_add"), data)

    assert response.status_code == 200
    assert "Mark exactly one image as the primary image." in response.content.decode()
    assert not Product.objects.exists()


def test_admin_refuses_a_file_that_is_not_an_image(staff_client, catalogue):
    category = catalogue.category()
    data = _product_form(
        category,
        **{"images-0-is_primary": "on", "images-0-image": _upload(b"<?php echo 1; ?>", "evil.jpg")},
    )

    response = staff_client.post(reverse("admin:store_product_add"), data)

    assert response.status_code == 200
    assert not Product.objects.exists() and not ProductImage.objects.exists()


def test_negative_stock_is_refused(staff_client, catalogue):
    category = catalogue.category()

    response = staff_client.post(
        reverse("admin:store_product_add"), _product_form(category, **{"variants-0-quantity": "-1"})
    )

    assert response.status_code == 200
    assert not Product.objects.exists()


def test_shoppers_cannot_reach_the_admin(client, django_user_model):
    shopper = django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
    client.force_login(shopper)

    response = client.get(reverse("admin:store_product_changelist"))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
