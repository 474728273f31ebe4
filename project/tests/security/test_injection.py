"""Threat 6, HTML injection: text anyone typed is shown as text, and uploads are pictures.

Every free-text field a page or an e-mail shows gets a payload that breaks out of attributes
and opens a <script> (`'"><script>alert("label")</script>`), entered the way its author would:
staff-entered catalogue rows (product name, description and image alt text, category, colour
and tag names), a shopper's profile and address book (through the forms), a guest's delivery
details and e-mail address at checkout, the search box and the `next` parameter. Each page is
then fetched: no raw `<script>alert(` anywhere, and each field the page shows appears escaped
(so the check cannot pass by the field simply being absent). Covered: listing, category,
search, product page and its htmx picker, cart and its htmx line update, checkout (including
the re-rendered form after an error), order pages (own and signed link), invoice, store-credit
receipt, profile, address book and address form, login page, and the confirmation e-mail.

Not present in the store, so not tested: product reviews and order notes (no such features;
an order's status note is written by the store itself, never by a shopper).

Existing tests (store/tests/test_views.py: test_search_term_is_escaped,
test_product_name_is_escaped; accounts/tests/test_views.py: test_address_html_is_escaped)
check single fields on single pages; this module covers every field on every page.

Uploads: product pictures added through the admin must be JPEG, PNG or WebP whose content
matches the file name, at most 10 MB and 6000 pixels a side (24 megapixels). A non-image, an
SVG with a script (named .svg or .png), a GIF or PNG named .jpg, a decompression bomb, a
picture of huge dimensions with a tiny file, and an oversized file are each refused with a
form error, and nothing is saved.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from checkout.tests.buyer import GUEST
from demo.seed import render_product_image
from orders.models import Order
from store.models import Product, ProductImage
from store.tests.test_admin import _product_form

from .helpers import PASSWORD, issue_token

pytestmark = pytest.mark.django_db

RAW = "<script>alert("


def payload(label: str) -> str:
    return f'\'"><script>alert("{label}")</script>'


def escaped(label: str) -> str:
    return f"&#x27;&quot;&gt;&lt;script&gt;alert(&quot;{label}&quot;)&lt;/script&gt;"


# A valid e-mail address (a quoted local part may hold < > and quotes), as typed at signup or
# guest checkout, and how a page must show it.
HOSTILE_EMAIL = "\"<script>alert('email')</script>\"@example.com"
SHOWN_EMAIL = "&quot;&lt;script&gt;alert(&#x27;email&#x27;)&lt;/script&gt;&quot;@example.com"


def check(html: str, where: str, *labels: str) -> None:
    assert RAW not in html, f"unescaped payload on {where}"
    for label in labels:
        assert escaped(label) in html, f"{label} is not shown (escaped) on {where}"


@pytest.fixture
def hostile_product(catalogue):
    category = catalogue.category(payload("category"))
    product = catalogue.product(
        payload("product"),
        price="150.00",
        category=category,
        stock={(payload("col"), "M"): 20},
        tags=[payload("tag")],
        description=payload("description"),
    )
    ProductImage.objects.filter(product=product).update(alt_text=payload("alt"))
    return product


ADDRESS_FIELDS = ("recipient", "street", "complement", "district", "city")


def address_data(prefix: str = "") -> dict:
    data = {
        "recipient": payload("recipient"),
        "postal_code": "01310-100",
        "street": payload("street"),
        "number": "10",
        "complement": payload("complement"),
        "district": payload("district"),
        "city": payload("city"),
        "state": "SP",
        "country": "BR",
        "phone": "(11) 91234-5678",
    }
    return {f"{prefix}{k}": v for k, v in data.items()}


def test_catalogue_text_is_escaped_on_every_page_that_shows_it(hostile_product):
    browser = Client()
    product, category = hostile_product, hostile_product.category
    color = hostile_product.variants.get().color
    catalogue_labels = ("product", "category", "col", "tag")

    check(browser.get("/").content.decode(), "the listing", *catalogue_labels)
    check(browser.get(category.get_absolute_url()).content.decode(), "the category page")
    check(browser.get("/", {"q": payload("search")}).content.decode(), "the search page", "search")
    check(
        browser.get("/", {"q": payload("search")}, HTTP_HX_REQUEST="true").content.decode(),
        "the search results fragment",
    )
    page = browser.get(product.get_absolute_url()).content.decode()
    check(page, "the product page", "product", "category", "col", "tag", "description", "alt")
    check(
        browser.get(
            product.get_absolute_url(), {"color": color.slug}, HTTP_HX_REQUEST="true"
        ).content.decode(),
        "the variant picker",
        "col",
    )
    add = {"product": product.pk, "color": color.slug, "size": "M", "quantity": "1"}
    check(
        browser.post(reverse("cart:add"), add, HTTP_HX_REQUEST="true").content.decode(),
        "the add-to-cart feedback",
    )
    check(browser.get(reverse("cart:detail")).content.decode(), "the cart", "product", "col")


def test_shopper_text_is_escaped_on_every_page_and_in_the_email(
    hostile_product, django_user_model, django_capture_on_commit_callbacks
):
    user = django_user_model.objects.create_user(email=HOSTILE_EMAIL, password=PASSWORD)
    browser = Client()
    browser.force_login(user)
    browser.post(
        reverse("accounts:profile"),
        {"first_name": payload("first"), "last_name": payload("last")},
    )
    assert browser.post(reverse("accounts:address_create"), address_data()).status_code == 302
    address = user.addresses.get()
    variant = hostile_product.variants.get()
    add = {"product": hostile_product.pk, "color": variant.color.slug, "size": "M", "quantity": "1"}
    browser.post(reverse("cart:add"), add)
    line = hostile_product.variants.get().cart_lines.get()

    profile = browser.get(reverse("accounts:profile")).content.decode()
    check(profile, "the profile", "first", "last")
    for url in (reverse("accounts:profile"), reverse("account_email")):
        html = browser.get(url).content.decode()
        check(html, url)
        assert SHOWN_EMAIL in html, url
    check(
        browser.get(reverse("accounts:addresses")).content.decode(),
        "the address book",
        *ADDRESS_FIELDS,
    )
    check(
        browser.get(reverse("accounts:address_edit", args=[address.pk])).content.decode(),
        "the address form",
        *ADDRESS_FIELDS,
    )
    checkout = browser.get(reverse("checkout:checkout")).content.decode()
    check(checkout, "the checkout", "product", *ADDRESS_FIELDS)
    assert SHOWN_EMAIL in checkout
    check(
        browser.post(
            reverse("cart:line", args=[line.pk, "increase"]), HTTP_HX_REQUEST="true"
        ).content.decode(),
        "the cart line update",
        "product",
    )

    token = issue_token()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("checkout:pay_with_credit"), {"address": address.pk, "token": str(token.token)}
        )
    order = Order.objects.get()
    check(browser.get(response["Location"]).content.decode(), "the store-credit receipt")
    for url, where in (
        (order.get_absolute_url(), "the order page"),
        (order.signed_url(), "the signed order page"),
        (reverse("orders:invoice", args=[order.pk]), "the invoice"),
    ):
        html = browser.get(url).content.decode()
        check(html, where, "product", "col", *ADDRESS_FIELDS)
        assert SHOWN_EMAIL in html, where
    check(browser.get(reverse("orders:list")).content.decode(), "the order list")
    [email] = mail.outbox
    html_email = email.alternatives[0][0]
    check(html_email, "the confirmation e-mail", "product", "col", *ADDRESS_FIELDS)
    assert RAW not in email.subject


def test_a_guests_details_are_escaped_when_echoed_and_on_the_order(
    hostile_product, django_capture_on_commit_callbacks
):
    browser = Client()
    variant = hostile_product.variants.get()
    add = {"product": hostile_product.pk, "color": variant.color.slug, "size": "M", "quantity": "1"}
    browser.post(reverse("cart:add"), add)
    guest = {**GUEST, **address_data("delivery-"), "email": HOSTILE_EMAIL}

    # A mistake in the form: the page comes back with what was typed, escaped.
    retry = browser.post(reverse("checkout:confirm"), {**guest, "delivery-postal_code": "1"})
    assert retry.status_code == 422
    check(retry.content.decode(), "the checkout with errors", *ADDRESS_FIELDS)

    token = issue_token()
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("checkout:pay_with_credit"), {**guest, "token": str(token.token)})
    order = Order.objects.get()
    assert order.email == HOSTILE_EMAIL
    for url, where in (
        (order.signed_url(), "the guest's order page"),
        (order.signed_invoice_url(), "the guest's invoice"),
    ):
        html = browser.get(url).content.decode()
        check(html, where, "product", *ADDRESS_FIELDS)
        assert SHOWN_EMAIL in html, where
    [email] = mail.outbox
    check(email.alternatives[0][0], "the guest's e-mail", "product", *ADDRESS_FIELDS)


def test_the_next_parameter_is_escaped_on_the_login_page():
    html = Client().get(reverse("account_login"), {"next": payload("next")}).content.decode()

    check(html, "the login page", "next")


# -- uploads --------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG file whose header claims the given size (what a bomb does)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def picture(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 50), "#336699").save(buffer, fmt)
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'

INVALID = "Upload a valid image"
# kind -> (file name, content, the form error that must be shown)
UPLOADS = {
    "html": ("page.jpg", b"<html><script>alert(1)</script></html>", INVALID),
    "svg with a script": ("logo.svg", SVG, INVALID),
    "svg named .png": ("logo.png", SVG, INVALID),
    "gif named .jpg": ("photo.jpg", picture("GIF"), "(this file is GIF)"),
    "png named .jpg": ("photo.jpg", picture("PNG"), "holds a PNG picture but its name ends in"),
    "jpeg named .webp": (
        "photo.webp",
        render_product_image("x", "#000000", "#ffffff", 1),
        "holds a JPEG picture but its name ends in",
    ),
    "decompression bomb": ("bomb.png", png_claiming(50_000, 50_000), INVALID),
    "huge dimensions": ("huge.png", png_claiming(9_000, 9_000), "9000 × 9000 pixels"),
    "too wide": ("wide.png", png_claiming(12_000, 100), "12000 × 100 pixels"),
    "file too large": (
        "large.jpg",
        render_product_image("x", "#000000", "#ffffff", 1) + b"\0" * (10 * 1024 * 1024),
        "pictures may be at most 10.0\xa0MB",
    ),
}


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser(email="boss@example.com", password="x")
    client.force_login(staff)
    return client


def _add_product(staff_client, catalogue, name: str, content: bytes):
    data = _product_form(
        catalogue.category(),
        **{
            "images-0-is_primary": "on",
            "images-0-image": SimpleUploadedFile(name, content, content_type="image/jpeg"),
        },
    )
    return staff_client.post(reverse("admin:store_product_add"), data)


@pytest.mark.parametrize("kind", UPLOADS)
def test_the_admin_refuses_files_that_are_not_sound_pictures(
    staff_client, catalogue, settings, kind
):
    name, content, message = UPLOADS[kind]

    response = _add_product(staff_client, catalogue, name, content)

    assert response.status_code == 200
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())
    assert any(message in error for error in errors), f"{kind}: {errors}"
    assert not Product.objects.exists() and not ProductImage.objects.exists()
    assert not list((settings.MEDIA_ROOT / "products").glob("*"))


@pytest.mark.parametrize(
    ("name", "fmt"), [("front.jpg", "JPEG"), ("front.png", "PNG"), ("front.webp", "WEBP")]
)
def test_the_admin_accepts_sound_pictures(staff_client, catalogue, name, fmt):
    response = _add_product(staff_client, catalogue, name, picture(fmt))

    assert response.status_code == 302
    assert ProductImage.objects.get().width == 40
