"""Threat 5, accounts: password guessing and finding out who has an account.

- Login throttling. accounts/tests/test_views.py TestAllauth::test_login_is_throttled_after_
  repeated_failures shows that after repeated failures the right password is refused from the
  same browser. Added here: the limit is per account, so new browsers, new IP addresses and
  another spelling of the e-mail do not get around it; it lives in the default cache (Redis
  when REDIS_URL is set, so all processes share it), which is the only thing that lifts it;
  the limits are switched on; and the admin's login form, which had no limit, no longer
  signs anyone in (staff use the store's login page).
- Enumeration. Login errors, the password-reset form (response, page and e-mails) and
  signup with a taken e-mail are compared for a known and an unknown address. With the
  project's ACCOUNT_EMAIL_VERIFICATION="optional", allauth documents that signup with a
  taken address says so on the form (enumeration prevention at signup needs "mandatory");
  what is asserted is that nothing more leaks (no account touched, no login, no e-mail), and
  that with "mandatory" the answer is indistinguishable.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from .helpers import PASSWORD, db_state, without_csrf

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
THROTTLED = "Too many failed login attempts"


@pytest.fixture
def ana(django_user_model):
    """A shopper as signup leaves them: with allauth's e-mail address row."""
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(email="ana@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def attempt(password: str, *, email="ana@example.com", ip="203.0.113.1") -> tuple[Client, str]:
    """One login from a new browser at the given address; returns it and the answer page."""
    browser = Client(REMOTE_ADDR=ip)
    response = browser.post(LOGIN, {"login": email, "password": password})
    return browser, response.content.decode()


def signed_in(browser: Client) -> bool:
    return browser.get(reverse("accounts:profile")).status_code == 200


def test_rate_limits_are_switched_on():
    from allauth.account import app_settings

    limits = app_settings.RATE_LIMITS
    for action in ("login_failed", "login", "signup", "reset_password"):
        assert limits.get(action), f"allauth's {action} rate limit is off"


def test_the_login_limit_is_per_account_whatever_the_browser_address_or_spelling(ana):
    spellings = ["ana@example.com", "ANA@example.com", "Ana@Example.com", " ana@example.com"]
    for n in range(5):
        _browser, page = attempt("wrong", email=spellings[n % 4], ip=f"198.51.100.{n}")
        assert THROTTLED not in page
    before = db_state()

    browser, page = attempt(PASSWORD, ip="192.0.2.99")  # right password, new browser and IP

    assert THROTTLED in page and not signed_in(browser)
    assert db_state() == before  # no last_login, nothing written


def test_the_limit_lives_in_the_shared_cache(ana, settings):
    for _ in range(5):
        attempt("wrong")
    assert THROTTLED in attempt(PASSWORD)[1]
    if settings.REDIS_URL:  # every store process reads the same limits
        assert "redis" in settings.CACHES["default"]["BACKEND"].lower()

    caches["default"].clear()  # what an administrator would do; no other state holds it

    browser, page = attempt(PASSWORD)
    assert THROTTLED not in page and signed_in(browser)


def test_the_admin_login_is_not_a_way_around_the_limit(ana, django_user_model):
    """Found by this suite: Django's admin login form had no limit on failed attempts, so a
    staff password could be guessed there without end. Staff now sign in on the store's
    login page (project/urls.py, allauth's secure_admin_login)."""
    django_user_model.objects.create_superuser(email="boss@example.com", password=PASSWORD)
    guesser = Client()
    for n in range(12):
        response = guesser.post(
            reverse("admin:login"), {"username": "boss@example.com", "password": f"guess-{n}"}
        )
        assert response.status_code == 302  # sent to the store's login page, nothing checked
    response = guesser.post(
        reverse("admin:login"), {"username": "boss@example.com", "password": PASSWORD}
    )
    assert "_auth_user_id" not in guesser.session

    for _ in range(5):  # guessing on the store's login page is limited, staff or not
        attempt("wrong", email="boss@example.com")
    assert THROTTLED in attempt(PASSWORD, email="boss@example.com")[1]

    caches["default"].clear()
    staff = Client()
    response = staff.post(
        reverse("account_login") + "?next=" + reverse("admin:index"),
        {"login": "boss@example.com", "password": PASSWORD},
    )
    assert response["Location"] == reverse("admin:index")
    assert staff.get(reverse("admin:index")).status_code == 200


def test_login_errors_do_not_tell_whether_the_account_exists(ana):
    known = Client().post(LOGIN, {"login": "ana@example.com", "password": "wrong"})
    unknown = Client().post(LOGIN, {"login": "nobody@example.com", "password": "wrong"})

    assert known.status_code == unknown.status_code == 200
    known_page = without_csrf(known.content.decode()).replace("ana@example.com", "EMAIL")
    unknown_page = without_csrf(unknown.content.decode()).replace("nobody@example.com", "EMAIL")
    assert known_page == unknown_page


def _reset(email: str):
    browser = Client()
    response = browser.post(reverse("account_reset_password"), {"email": email})
    page = browser.get(response["Location"]) if response.status_code == 302 else response
    return response, without_csrf(page.content.decode())


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(ana):
    before = db_state()
    before.pop("mail")

    known, known_page = _reset("ana@example.com")
    unknown, unknown_page = _reset("nobody@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert known.content == unknown.content == b""
    assert known_page == unknown_page
    assert "ana@example.com" not in known_page and "nobody@example.com" not in unknown_page
    # Each e-mail goes to the address typed, never to the person who typed it.
    assert [m.to for m in mail.outbox] == [["ana@example.com"], ["nobody@example.com"]]
    after = db_state()
    after.pop("mail")
    assert after == before  # no account created, no password changed


class TestSignupWithATakenAddress:
    def _signup(self, email: str) -> tuple[Client, object]:
        browser = Client()
        response = browser.post(
            reverse("account_signup"),
            {"email": email, "password1": "Another-pass-2026", "password2": "Another-pass-2026"},
        )
        return browser, response

    @pytest.mark.parametrize("email", ["ana@example.com", "ANA@EXAMPLE.COM"])
    def test_optional_verification_refuses_on_the_form_and_nothing_else(self, ana, email):
        """The project's setting: allauth documents that the form then says the address is
        taken. Nothing else may happen: no second account, no login, no e-mail, no change."""
        before = db_state()

        browser, response = self._signup(email)

        assert response.status_code == 200
        assert "A user is already registered with this email address." in (
            response.content.decode()
        )
        assert not signed_in(browser)
        assert db_state() == before
        ana.refresh_from_db()
        assert ana.check_password(PASSWORD)

    def test_mandatory_verification_answers_exactly_as_for_a_new_address(self, ana, settings):
        """What production gets with ACCOUNT_EMAIL_VERIFICATION=mandatory: the same answer
        for a taken and a new address; the owner is told by e-mail, the stranger learns
        nothing."""
        settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

        taken_browser, taken = self._signup("ana@example.com")
        new_browser, new = self._signup("new@example.com")

        assert taken.status_code == new.status_code == 302
        assert taken["Location"] == new["Location"]
        assert without_csrf(taken_browser.get(taken["Location"]).content.decode()).replace(
            "ana@example.com", "EMAIL"
        ) == without_csrf(new_browser.get(new["Location"]).content.decode()).replace(
            "new@example.com", "EMAIL"
        )
        assert not signed_in(taken_browser)
        assert [m.to for m in mail.outbox] == [["ana@example.com"], ["new@example.com"]]
        ana.refresh_from_db()
        assert ana.check_password(PASSWORD)
