import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Address

pytestmark = pytest.mark.django_db

VALID = {
    "recipient": "Ana Souza",
    "postal_code": "01310100",
    "street": "Avenida Paulista",
    "number": "1000",
    "complement": "apto 12",
    "district": "Bela Vista",
    "city": "São Paulo",
    "state": "SP",
    "country": "BR",
    "phone": "(11) 91234-5678",
}


@pytest.fixture
def ana(client, django_user_model):
    user = django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
    client.force_login(user)
    return user


def make_address(user, **fields):
    return Address.objects.create(user=user, **{**VALID, "postal_code": "01310-100", **fields})


def test_pages_need_a_login(client):
    for name in ("accounts:profile", "accounts:addresses", "accounts:address_create"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_create_an_address_the_first_becomes_default(client, ana):
    response = client.post(reverse("accounts:address_create"), VALID)

    assert response.status_code == 302
    address = Address.objects.get()
    assert address.user == ana and address.is_default and address.postal_code == "01310-100"
    html = client.get(reverse("accounts:addresses")).content.decode()
    assert "Avenida Paulista, 1000 – apto 12" in html and 'data-testid="address-default"' in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postal_code", "1234", "Enter a CEP with 8 digits"),
        ("postal_code", "abcde-fgh", "Enter a CEP with 8 digits"),
        ("phone", "12", "Enter a phone number with area code"),
        ("phone", "<script>", "Enter a phone number with area code"),
        ("state", "XX", "Select a valid choice"),
        ("country", "US", "Select a valid choice"),
        ("recipient", "", "This field is required"),
        ("street", "", "This field is required"),
        ("city", "x" * 500, "Ensure this value has at most 100 characters"),
    ],
)
def test_invalid_addresses_show_validation_messages_and_save_nothing(
    client, ana, field, value, message
):
    response = client.post(reverse("accounts:address_create"), {**VALID, field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Address.objects.exists()


def test_edit_set_default_and_delete(client, ana):
    home = make_address(ana, is_default=True)
    work = make_address(ana, recipient="Ana at work")

    client.post(
        reverse("accounts:address_edit", args=[work.pk]), {**VALID, "recipient": "Ana (office)"}
    )
    work.refresh_from_db()
    assert work.recipient == "Ana (office)" and not work.is_default

    client.post(reverse("accounts:address_set_default", args=[work.pk]))
    assert list(Address.objects.filter(is_default=True)) == [work]

    client.post(reverse("accounts:address_delete", args=[work.pk]))
    home.refresh_from_db()
    assert home.is_default and Address.objects.count() == 1


def test_editing_another_address_into_the_default_replaces_the_old_one(client, ana):
    home = make_address(ana, is_default=True)
    work = make_address(ana, recipient="Ana at work")

    response = client.post(
        reverse("accounts:address_edit", args=[work.pk]), {**VALID, "is_default": "on"}
    )

    assert response.status_code == 302
    home.refresh_from_db()
    work.refresh_from_db()
    assert work.is_default and not home.is_default and work.recipient == "Ana Souza"


def test_a_new_default_replaces_the_old_one(client, ana):
    make_address(ana, is_default=True)

    client.post(
        reverse("accounts:address_create"), {**VALID, "recipient": "New", "is_default": "on"}
    )

    assert list(Address.objects.filter(is_default=True).values_list("recipient", flat=True)) == [
        "New"
    ]


def test_another_shoppers_address_is_a_404_and_unchanged(client, ana, django_user_model):
    bruno = django_user_model.objects.create_user(email="bruno@example.com", password="pw-123456!")
    theirs = make_address(bruno, recipient="Bruno", is_default=True)

    assert client.get(reverse("accounts:address_edit", args=[theirs.pk])).status_code == 404
    for name in ("address_edit", "address_delete", "address_set_default"):
        response = client.post(
            reverse(f"accounts:{name}", args=[theirs.pk]), {**VALID, "recipient": "Hacked"}
        )
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.recipient == "Bruno" and theirs.is_default
    assert "Bruno" not in client.get(reverse("accounts:addresses")).content.decode()


@pytest.mark.parametrize("name", ["address_delete", "address_set_default"])
def test_state_changes_refuse_get(client, ana, name):
    address = make_address(ana)

    assert client.get(reverse(f"accounts:{name}", args=[address.pk])).status_code == 405
    assert Address.objects.filter(pk=address.pk).exists()


def test_post_without_csrf_token_is_refused(ana):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ana)

    assert strict.post(reverse("accounts:address_create"), VALID).status_code == 403
    assert not Address.objects.exists()


def test_profile_shows_and_saves_the_name(client, ana):
    response = client.post(reverse("accounts:profile"), {"first_name": "Ana", "last_name": "Souza"})

    assert response.status_code == 302
    ana.refresh_from_db()
    assert (ana.first_name, ana.last_name) == ("Ana", "Souza")
    assert "ana@example.com" in client.get(reverse("accounts:profile")).content.decode()


def test_address_html_is_escaped(client, ana):
    make_address(ana, recipient="<img src=x onerror=alert(1)>")

    html = client.get(reverse("accounts:addresses")).content.decode()

    assert "<img src=x onerror" not in html


class TestAllauth:
    def test_sign_up_log_in_and_log_out(self, client):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new@example.com",
                "password1": "a-Strong-pass-2026",
                "password2": "a-Strong-pass-2026",
            },
        )
        assert response.status_code == 302
        assert client.get(reverse("accounts:profile")).status_code == 200

        client.post(reverse("account_logout"))
        assert client.get(reverse("accounts:profile")).status_code == 302

        response = client.post(
            reverse("account_login"), {"login": "new@example.com", "password": "a-Strong-pass-2026"}
        )
        assert response.status_code == 302
        assert client.get(reverse("accounts:profile")).status_code == 200

    def test_password_reset_sends_an_email(self, client, django_user_model, mailoutbox):
        django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")

        response = client.post(reverse("account_reset_password"), {"email": "ana@example.com"})

        assert response.status_code == 302
        assert len(mailoutbox) == 1 and "ana@example.com" in mailoutbox[0].to
        assert "/accounts/password/reset/key/" in mailoutbox[0].body

    @pytest.mark.parametrize("mark", ["\u202e", "\u200f", "\u200e"])
    @pytest.mark.parametrize(
        ("name", "data"),
        [
            (
                "account_signup",
                {"password1": "a-Strong-pass-2026", "password2": "a-Strong-pass-2026"},
            ),
            ("account_reset_password", {}),
            ("account_email", {"action_add": ""}),
        ],
    )
    def test_an_address_no_mail_can_be_sent_to_is_refused(
        self, client, django_user_model, mailoutbox, name, data, mark
    ):
        ana = django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
        if name == "account_email":
            client.force_login(ana)

        response = client.post(reverse(name), {"email": f"new@example.com{mark}", **data})

        assert response.status_code == 200
        assert "Enter a valid email address." in response.content.decode()
        assert django_user_model.objects.count() == 1 and not mailoutbox

    def test_login_is_throttled_after_repeated_failures(self, client, django_user_model):
        django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
        login = reverse("account_login")
        for _ in range(6):
            client.post(login, {"login": "ana@example.com", "password": "wrong"})

        response = client.post(login, {"login": "ana@example.com", "password": "pw-123456!"})

        assert "Too many failed login attempts" in response.content.decode()
        assert client.get(reverse("accounts:profile")).status_code == 302  # still logged out

    def test_account_pages_use_the_store_layout(self, client):
        for name in ("account_login", "account_signup", "account_reset_password"):
            html = client.get(reverse(name)).content.decode()
            assert 'data-testid="search-input"' in html and 'class="btn-primary"' in html
