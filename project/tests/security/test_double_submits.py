"""Threat 10, double submits (issue 12, attack 4): every account and address form sent twice (or
more) at the same instant, from tabs of one browser, on PostgreSQL with real concurrent
connections (one django.test.Client per thread, released together by a barrier).

Before the fix, four sign-ups with one e-mail answered [500, 302, 500, 200] (the unique e-mail
raised IntegrityError in the losers) and three tabs making different addresses default at once
answered 500 (the one_default_address_per_user constraint). What holds now: no answer is ever
a 500; each form answers as it does for a single submit (sign-up's losers get the normal
"already registered" form); every address-book and e-mail change takes the shopper's row lock,
so the book and the e-mail addresses are left consistent (one default, one primary).
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from accounts.models import Address, User
from conftest import postgres_only, run_concurrently

from .helpers import ADDRESS, PASSWORD, address_for, address_of

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]

TAKEN = "A user is already registered with this email address."
NEW_PASSWORD = "Fresh-pass-for-tabs-2026"


@pytest.fixture
def shopper(django_user_model):
    """A shopper as sign-up leaves them, with a verified primary address row."""
    user = django_user_model.objects.create_user(email="ana@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def tabs(count: int, user=None) -> list[Client]:
    """Browser tabs of one shopper (or of visitors): a server error is an answer, not an
    exception, as in production."""
    browsers = []
    for _ in range(count):
        browser = Client(raise_request_exception=False)
        if user is not None:
            browser.force_login(user)
        browsers.append(browser)
    return browsers


def at_once(posts: list[tuple[Client, str, dict]]) -> list:
    """The answer to each POST, all sent at the same instant."""
    results = run_concurrently(lambda i: posts[i][0].post(posts[i][1], posts[i][2]), len(posts))
    assert all(isinstance(response, HttpResponseBase) for response in results), results
    return results


def codes(responses) -> list[int]:
    return [response.status_code for response in responses]


def statuses_at_once(posts: list[tuple[Client, str, dict]]) -> list[int]:
    return codes(at_once(posts))


@pytest.mark.parametrize("verification", ["optional", "mandatory"])
def test_sign_ups_with_one_email_at_once(settings, verification):
    """With the project's optional verification the losers get the form saying the address
    is taken; with mandatory verification every answer is the one a new address gets."""
    settings.ACCOUNT_EMAIL_VERIFICATION = verification
    signup = {"email": "new@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}

    responses = at_once([(b, reverse("account_signup"), signup) for b in tabs(4)])

    if verification == "optional":
        assert sorted(codes(responses)) == [200, 200, 200, 302], codes(responses)
        for response in responses:
            assert response.status_code == 302 or TAKEN in response.content.decode()
    else:
        assert codes(responses) == [302] * 4, codes(responses)
        assert len({response["Location"] for response in responses}) == 1
    assert User.objects.filter(email="new@example.com").count() == 1
    assert EmailAddress.objects.filter(email="new@example.com").count() == 1


def test_adding_one_email_twice_at_once(shopper):
    add = {"email": "ana.new@example.com", "action_add": ""}

    statuses = statuses_at_once([(b, reverse("account_email"), add) for b in tabs(2, shopper)])

    assert set(statuses) <= {200, 302} and 302 in statuses, statuses
    assert EmailAddress.objects.filter(email="ana.new@example.com").count() == 1


@pytest.mark.parametrize("same", [True, False], ids=["same-address", "different-addresses"])
def test_making_addresses_primary_at_once(shopper, same):
    others = ["ana.home@example.com", "ana.work@example.com"]
    for email in others:
        EmailAddress.objects.create(user=shopper, email=email, verified=True)
    targets = [others[0], others[0]] if same else others

    statuses = statuses_at_once(
        [
            (browser, reverse("account_email"), {"email": email, "action_primary": ""})
            for browser, email in zip(tabs(2, shopper), targets, strict=True)
        ]
    )

    assert statuses == [302, 302], statuses
    primary = EmailAddress.objects.get(user=shopper, primary=True)
    shopper.refresh_from_db()
    assert primary.email in targets and shopper.email == primary.email


def test_creating_addresses_at_once(shopper):
    new = {**ADDRESS, "is_default": "on"}

    statuses = statuses_at_once(
        [(b, reverse("accounts:address_create"), new) for b in tabs(3, shopper)]
    )

    assert statuses == [302, 302, 302], statuses
    assert Address.objects.filter(user=shopper).count() == 3
    assert Address.objects.filter(user=shopper, is_default=True).count() == 1


def test_editing_addresses_into_the_default_at_once(shopper):
    address_for(shopper, "Home")
    others = [address_for_plain(shopper, name) for name in ("Work", "Gym")]
    posts = [
        (
            browser,
            reverse("accounts:address_edit", args=[address.pk]),
            {**ADDRESS, "is_default": "on"},
        )
        for browser, address in zip(tabs(2, shopper), others, strict=True)
    ]

    statuses = statuses_at_once(posts + [(tabs(1, shopper)[0], *posts[0][1:])])

    assert statuses == [302, 302, 302], statuses
    assert Address.objects.filter(user=shopper, is_default=True).count() == 1


def test_making_different_addresses_default_at_once(shopper):
    home = address_for(shopper, "Home")
    book = [home] + [address_for_plain(shopper, name) for name in ("Work", "Gym", "Beach")]

    statuses = statuses_at_once(
        [
            (browser, reverse("accounts:address_set_default", args=[address.pk]), {})
            for browser, address in zip(tabs(3, shopper), book[1:], strict=True)
        ]
    )

    assert statuses == [302, 302, 302], statuses
    assert Address.objects.filter(user=shopper, is_default=True).count() == 1


def test_deleting_an_address_twice_at_once(shopper):
    home = address_for(shopper, "Home")
    work = address_for_plain(shopper, "Work")

    statuses = statuses_at_once(
        [(b, reverse("accounts:address_delete", args=[home.pk]), {}) for b in tabs(2, shopper)]
    )

    assert sorted(statuses) == [302, 404], statuses
    assert list(Address.objects.filter(user=shopper)) == [Address.objects.get(pk=work.pk)]
    assert Address.objects.get(pk=work.pk).is_default  # promoted once the default was gone


def test_deleting_the_default_while_another_tab_picks_a_default(shopper):
    home = address_for(shopper, "Home")
    work, gym = (address_for_plain(shopper, name) for name in ("Work", "Gym"))
    first, second = tabs(2, shopper)

    statuses = statuses_at_once(
        [
            (first, reverse("accounts:address_delete", args=[home.pk]), {}),
            (second, reverse("accounts:address_set_default", args=[gym.pk]), {}),
        ]
    )

    assert statuses == [302, 302], statuses
    assert set(Address.objects.filter(user=shopper)) == {work, gym}
    assert Address.objects.filter(user=shopper, is_default=True).count() == 1


def test_saving_the_profile_twice_at_once(shopper):
    names = [
        {"first_name": "Ana", "last_name": "Souza"},
        {"first_name": "Ana", "last_name": "Lima"},
    ]

    statuses = statuses_at_once(
        [
            (b, reverse("accounts:profile"), data)
            for b, data in zip(tabs(2, shopper), names, strict=True)
        ]
    )

    assert statuses == [302, 302], statuses
    shopper.refresh_from_db()
    assert shopper.last_name in ("Souza", "Lima")


def test_changing_the_password_twice_at_once(shopper):
    change = {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}

    statuses = statuses_at_once(
        [(b, reverse("account_change_password"), change) for b in tabs(2, shopper)]
    )

    assert set(statuses) <= {200, 302} and 302 in statuses, statuses
    shopper.refresh_from_db()
    assert shopper.check_password(NEW_PASSWORD)


def address_for_plain(user, recipient: str) -> Address:
    """A saved address that is not the default."""
    address = address_of(recipient)
    address.user = user
    address.save()
    return address
