"""The e-mail page and verification: addresses of other accounts, primary, removal."""

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

EMAIL_PAGE = reverse("account_email")


@pytest.fixture
def ana(client, django_user_model):
    user = django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    client.force_login(user)
    return user


@pytest.fixture
def bruno(django_user_model):
    return django_user_model.objects.create_user(email="bruno@example.com", password="pw-123456!")


def page_messages(client) -> list[str]:
    return [str(m) for m in client.get(EMAIL_PAGE).context["messages"]]


def test_with_mandatory_verification_a_taken_address_answers_as_a_new_one(
    client, ana, bruno, settings
):
    """Where sign-up hides that an address is taken, so does the e-mail page."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    taken = client.post(EMAIL_PAGE, {"email": "bruno@example.com", "action_add": ""})
    taken_messages = page_messages(client)
    new = client.post(EMAIL_PAGE, {"email": "ana.new@example.com", "action_add": ""})
    new_messages = page_messages(client)

    assert taken.status_code == new.status_code == 302
    assert taken["Location"] == new["Location"]
    assert [m.replace("bruno@example.com", "EMAIL") for m in taken_messages] == [
        m.replace("ana.new@example.com", "EMAIL") for m in new_messages
    ]
    assert not EmailAddress.objects.filter(email="bruno@example.com").exists()
    assert [m.to for m in mail.outbox] == [["ana.new@example.com"]]


def test_adding_an_address_of_ones_own_account_is_still_allauths_answer(client, ana):
    response = client.post(EMAIL_PAGE, {"email": "ANA@example.com", "action_add": ""})

    assert response.status_code == 200
    assert "This email address is already associated with this account." in (
        response.content.decode()
    )


def test_verifying_an_address_another_account_uses_is_refused(client, ana, bruno):
    """A row from before the fix: Bruno clicking the link sent to him must not hand his
    address to Ana's account."""
    claimed = EmailAddress.objects.create(user=ana, email="bruno@example.com")
    key = EmailConfirmationHMAC(claimed).key

    response = client.post(reverse("account_confirm_email", args=[key]))

    assert response.status_code in (200, 302)
    claimed.refresh_from_db()
    ana.refresh_from_db()
    assert not claimed.verified and ana.email == "ana@example.com"


def test_a_free_address_is_verified_as_before(client, ana):
    mine = EmailAddress.objects.create(user=ana, email="ana.new@example.com")

    client.post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(mine).key]))

    mine.refresh_from_db()
    assert mine.verified and not mine.primary


def test_a_verified_address_becomes_primary_and_the_accounts_email(client, ana):
    EmailAddress.objects.create(user=ana, email="ana.new@example.com", verified=True)

    response = client.post(EMAIL_PAGE, {"email": "ana.new@example.com", "action_primary": ""})

    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.email == "ana.new@example.com"
    assert EmailAddress.objects.get(user=ana, primary=True).email == "ana.new@example.com"


def test_the_accounts_own_address_cannot_be_removed_even_without_a_primary_row(
    client, django_user_model
):
    """Accounts made before allauth (or by the admin) have no primary row; removing the
    address they sign in with would move their e-mail to another, unverified, address."""
    carla = django_user_model.objects.create_user(email="carla@example.com", password="pw-1234!")
    client.force_login(carla)
    client.get(EMAIL_PAGE)  # allauth writes the (non-primary) row of the account's e-mail
    client.post(EMAIL_PAGE, {"email": "carla.new@example.com", "action_add": ""})

    response = client.post(EMAIL_PAGE, {"email": "carla@example.com", "action_remove": ""})

    assert response.status_code == 302
    carla.refresh_from_db()
    assert carla.email == "carla@example.com"
    assert EmailAddress.objects.filter(user=carla, email="carla@example.com").exists()
