"""Threat 11, e-mails (issue 12, attacks 5 and 6): links and names an attacker could put into the store's
own messages.

- Host header poisoning (attack 5). ALLOWED_HOSTS ignores the port, so a request to an
  allowed host with `Host: 127.0.0.1:1` reaches the views; every link the store e-mails
  (allauth's password reset, sign-up confirmation, "unknown account" and "account already
  exists" messages, a re-sent confirmation, and the store's own order confirmation) must come
  from settings.SITE_URL, never from the request, or the victim's reset key goes to a server
  the attacker names: test_every_emailed_link_starts_with_site_url_whatever_the_host_header.
- The store's name (attack 6). django.contrib.sites' default record says "example.com", and
  allauth put it into every subject ("[example.com] ...") and greeting ("Hello from
  example.com!"): a phishing look-alike by the store itself. Account e-mails name STORE_NAME
  and SITE_URL, read when the message is sent:
  test_account_emails_name_the_store_and_its_address_not_example_com; and the sites record
  (for anything else that reads it) is rewritten from the settings by every `migrate`:
  test_every_migrate_writes_the_store_into_the_sites_record.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sites.models import Site
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from .helpers import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER_HOST = "127.0.0.1:1"
SITE_URL = "https://loja.reserva.test"
STORE_NAME = "Reserva Loja"
LINK = re.compile(r"https?://[^\s\"'<>]+")
# Recipients on a domain of their own, so that "example.com" in a message can only be the store's.
KNOWN, UNKNOWN = "ana@correio.test", "ninguem@correio.test"


@pytest.fixture(autouse=True)
def _store(settings):
    settings.SITE_URL = SITE_URL
    settings.STORE_NAME = STORE_NAME
    # The port is not part of the check: 127.0.0.1:1 passes as 127.0.0.1.
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def ana(django_user_model):
    user = django_user_model.objects.create_user(email=KNOWN, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=KNOWN, primary=True, verified=True)
    return user


def attacker(user=None) -> Client:
    browser = Client(HTTP_HOST=ATTACKER_HOST)
    if user is not None:
        browser.force_login(user)
    return browser


def reset_known(ana, **_):
    attacker().post(reverse("account_reset_password"), {"email": KNOWN})


def reset_unknown(ana, **_):
    attacker().post(reverse("account_reset_password"), {"email": UNKNOWN})


def signup(ana, **_):
    data = {"email": UNKNOWN, "password1": PASSWORD, "password2": PASSWORD}
    attacker().post(reverse("account_signup"), data)


def signup_taken(ana, settings, **_):
    # With "mandatory" verification allauth answers a taken address with an e-mail to it.
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    data = {"email": KNOWN, "password1": PASSWORD, "password2": PASSWORD}
    attacker().post(reverse("account_signup"), data)


def confirmation_resent(ana, **_):
    EmailAddress.objects.filter(user=ana).update(verified=False)
    attacker(ana).post(reverse("account_email"), {"action_send": "", "email": KNOWN})


ACCOUNT_MAILS = [reset_known, reset_unknown, signup, signup_taken, confirmation_resent]


def order_confirmation(ana, settings, buyer, shirt, capture, **_):
    buyer.client = attacker()
    buyer.add(shirt)
    with capture(execute=True):  # the e-mail is queued after the payment's commit
        buyer.come_back(buyer.pay(buyer.pay_link(email=UNKNOWN), "approve"))


def texts(message) -> list[str]:
    """The subject, the plain body and every alternative (HTML) body of a message."""
    return [message.subject, message.body, *(body for body, _type in message.alternatives)]


def sent_by(flow, request, ana, settings) -> list:
    fixtures = {}
    if flow is order_confirmation:
        fixtures = {name: request.getfixturevalue(name) for name in ("buyer", "shirt")}
        fixtures["capture"] = request.getfixturevalue("django_capture_on_commit_callbacks")
    mail.outbox.clear()
    flow(ana, settings=settings, **fixtures)
    assert mail.outbox, f"{flow.__name__} sent no e-mail"
    return list(mail.outbox)


@pytest.mark.parametrize("flow", [*ACCOUNT_MAILS, order_confirmation], ids=lambda f: f.__name__)
def test_every_emailed_link_starts_with_site_url_whatever_the_host_header(
    flow, request, ana, settings
):
    """A request naming another host (only its port differs from an allowed one) must not put
    that host into the links the store e-mails: a password-reset key would go to the
    attacker's server when the victim clicks."""
    for message in sent_by(flow, request, ana, settings):
        links = [link for text in texts(message) for link in LINK.findall(text)]
        assert links, f"no link in {message.subject!r}"
        for link in links:
            assert link.startswith(SITE_URL + "/"), f"{message.subject!r} links to {link}"
        for text in texts(message):
            assert ATTACKER_HOST not in text


@pytest.mark.parametrize("flow", ACCOUNT_MAILS, ids=lambda f: f.__name__)
def test_account_emails_name_the_store_and_its_address_not_example_com(
    flow, request, ana, settings
):
    """allauth's messages took the name and domain of django.contrib.sites' record, which
    nobody set: "[example.com] ... Hello from example.com!". They name the store (STORE_NAME)
    and its address (SITE_URL), as the settings say when the message is sent."""
    for message in sent_by(flow, request, ana, settings):
        assert message.subject.startswith(f"[{STORE_NAME}] "), message.subject
        assert STORE_NAME in message.body
        assert urlsplit(SITE_URL).netloc in message.body
        for text in texts(message):
            assert "example.com" not in text.lower(), text


def test_every_migrate_writes_the_store_into_the_sites_record(settings):
    """Whatever else reads django.contrib.sites (the admin, a third-party app, a message sent
    outside a request) gets the store's name and domain, also after SITE_URL changes between
    two deploys: each release's `migrate` rewrites the record."""
    Site.objects.filter(pk=settings.SITE_ID).update(domain="example.com", name="example.com")
    Site.objects.clear_cache()

    call_command("migrate", verbosity=0, interactive=False)

    site = Site.objects.get_current()
    assert (site.pk, site.domain, site.name) == (settings.SITE_ID, "loja.reserva.test", STORE_NAME)
