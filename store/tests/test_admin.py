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
        "name_pt_br": "Camisa nova",
        "name_en": "New Shirt",
        "name_es": "",
        "slug": "new-shirt",
        "category": category.pk,
        "price": "99.90",
        "is_active": "on",
        "description_pt_br": "",
        "description_en": "",
        "description_es": "",
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


def test_staff_write_a_product_in_three_languages_and_an_empty_one_falls_back(
    staff_client, catalogue
):
    from django.utils import translation

    category = catalogue.category()
    data = _product_form(
        category,
        **{"images-TOTAL_FORMS": "0", "name_es": "", "description_pt_br": "Linho leve."},
    )

    response = staff_client.post(reverse("admin:store_product_add"), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    product = Product.objects.get(slug="new-shirt")
    assert (product.name_pt_br, product.name_en, product.name_es) == (
        "Camisa nova",
        "New Shirt",
        None,  # stored as NULL, so it falls back rather than showing nothing
    )
    with translation.override("es"):
        assert product.name == "Camisa nova"
        assert product.description == "Linho leve."
    with translation.override("en"):
        assert product.name == "New Shirt"


def test_the_portuguese_name_is_required(staff_client, catalogue):
    category = catalogue.category()

    response = staff_client.post(
        reverse("admin:store_product_add"),
        _product_form(category, **{"name_pt_br": "", "images-TOTAL_FORMS": "0"}),
    )

    assert response.status_code == 200
    assert not Product.objects.exists()


@pytest.mark.parametrize("model", ["product", "category", "tag", "color"])
def test_translated_forms_show_every_language_and_load_no_outside_script(staff_client, model):
    import re

    html = staff_client.get(reverse(f"admin:store_{model}_add")).content.decode()

    for code in ("pt_br", "en", "es"):
        assert f'name="name_{code}"' in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(src.startswith("/") for src in scripts), scripts
    assert "//" not in "".join(src[1:] for src in scripts)


def test_size_names_are_not_translated(staff_client):
    html = staff_client.get(reverse("admin:store_size_add")).content.decode()

    assert 'name="name"' in html and "name_en" not in html


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
