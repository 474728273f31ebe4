"""Threat 9, accounts: claiming another account's e-mail address (issue 12, attack 3).

Signed in as Ana, the attacker adds Bruno's address on allauth's e-mail page and makes it her
primary one. Before the fix the address was accepted (unverified), making it primary answered
500 with Ana half-written (the primary flag moved, her account's e-mail not), and Bruno's next
password-reset e-mail carried a key for Ana's account.

What holds now: an address used by another account can never be added (the answer is sign-up's
own "already registered" message, so nothing is revealed that sign-up does not already say);
only a verified address can become primary; every e-mail change is one transaction, so an
address left over from before (or verified by its owner by mistake) still cannot take over
another account's e-mail and leaves nothing half-written.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils.http import base36_to_int

from .conftest import client_for
from .helpers import db_state

pytestmark = pytest.mark.django_db

EMAIL_PAGE = reverse("account_email")
TAKEN = "A user is already registered with this email address."
MUST_VERIFY = "Verify this e-mail address before making it your primary one."


def email_page_of(owner):
    """The attacker's browser on the e-mail page; a server error shows as a 500 answer, as in
    production, instead of an exception in the test. The first visit writes the account's own
    address row (allauth's sync), so snapshots are taken after it."""
    browser = client_for(owner)
    browser.raise_request_exception = False
    assert browser.get(EMAIL_PAGE).status_code == 200
    return browser


def reset_link_user_pk(message) -> int:
    uidb36 = re.search(r"/password/reset/key/([0-9a-z]+)-", message.body).group(1)
    return base36_to_int(uidb36)


@pytest.mark.parametrize("spelling", ["bruno@example.com", "BRUNO@Example.COM"])
def test_another_accounts_email_can_never_be_claimed(ana, bruno, spelling):
    browser = email_page_of(ana)
    before = db_state()

    added = browser.post(EMAIL_PAGE, {"email": spelling, "action_add": ""})
    primary = browser.post(EMAIL_PAGE, {"email": spelling.lower(), "action_primary": ""})

    assert added.status_code == 200 and TAKEN in added.content.decode()
    assert primary.status_code == 302  # nothing to make primary: back to the page
    assert db_state() == before  # no address added, no confirmation e-mail sent
    ana.user.refresh_from_db()
    assert ana.user.email == "ana@example.com"
    # Bruno's password reset still reaches Bruno's account alone.
    browser.post(reverse("account_reset_password"), {"email": "bruno@example.com"})
    assert [m.to for m in mail.outbox] == [["bruno@example.com"]]
    assert reset_link_user_pk(mail.outbox[0]) == bruno.user.pk


def test_only_a_verified_address_can_become_primary(ana):
    browser = email_page_of(ana)
    assert browser.post(EMAIL_PAGE, {"email": "ana.new@example.com", "action_add": ""}).status_code
    before = db_state()

    response = browser.post(
        EMAIL_PAGE, {"email": "ana.new@example.com", "action_primary": ""}, follow=True
    )

    assert response.status_code == 200 and MUST_VERIFY in response.content.decode()
    assert db_state() == before
    ana.user.refresh_from_db()
    assert ana.user.email == "ana@example.com"


def test_an_address_of_another_account_left_from_before_cannot_become_primary(ana, bruno):
    """Rows written before this fix (or an address its owner verified for the attacker by
    clicking the link) must not take another account's e-mail nor leave anything half-done."""
    browser = email_page_of(ana)
    EmailAddress.objects.create(user=ana.user, email="bruno@example.com", verified=True)
    before = db_state()

    response = browser.post(
        EMAIL_PAGE, {"email": "bruno@example.com", "action_primary": ""}, follow=True
    )

    assert response.status_code == 200 and TAKEN in response.content.decode()
    assert db_state() == before
    ana.user.refresh_from_db()
    assert ana.user.email == "ana@example.com"
    assert not EmailAddress.objects.filter(email="bruno@example.com", primary=True).exists()


def test_an_unverified_address_of_another_account_squats_nothing(ana, bruno):
    """Bruno adds Ana's new work address (unverified) before she does: she can still add it,
    verify it and make it her primary address; his copy never becomes his."""
    from allauth.account.models import EmailAddress

    work = "ana.work@example.com"
    bruno_browser = client_for(bruno)
    assert (
        bruno_browser.post(reverse("account_email"), {"action_add": "", "email": work}).status_code
        == 302
    )

    ana_browser = client_for(ana)
    answer = ana_browser.post(reverse("account_email"), {"action_add": "", "email": work})
    assert answer.status_code == 302, "Ana may add her own address"
    hers = EmailAddress.objects.get(user=ana.user, email=work)
    hers.verified = True
    hers.save()
    ana_browser.post(reverse("account_email"), {"action_primary": "", "email": work})
    ana.user.refresh_from_db()
    assert ana.user.email == work

    bruno_browser.post(reverse("account_email"), {"action_primary": "", "email": work})
    bruno.user.refresh_from_db()
    assert bruno.user.email == "bruno@example.com"
