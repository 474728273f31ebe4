"""Fixtures of the security tests: two shoppers (Ana the attacker, Bruno the victim) and a
guest browser, each owning an address, a paid order with its invoice and a cart line."""

import pytest
from django.test import Client

from cart.selectors import CART_COOKIE
from checkout.tests.buyer import Buyer

from .helpers import PASSWORD, belongings


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Real logins happen in these tests; a fast hasher keeps them quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def variant(catalogue):
    return catalogue.product("Linen Shirt", price="150.00", stock=50).variants.get()


@pytest.fixture
def ana(django_user_model, variant):
    user = django_user_model.objects.create_user(email="ana@example.com", password=PASSWORD)
    return belongings(variant=variant, user=user, secret="AnaAttacker")


@pytest.fixture
def bruno(django_user_model, variant):
    user = django_user_model.objects.create_user(email="bruno@example.com", password=PASSWORD)
    return belongings(variant=variant, user=user, secret="BrunoVictim")


@pytest.fixture
def guest(variant):
    return belongings(variant=variant, user=None, secret="GabrielaGuest")


def client_for(owner) -> Client:
    """A browser of this shopper: logged in, or holding the guest cart's cookie."""
    browser = Client()
    if owner.user is not None:
        browser.force_login(owner.user)
    else:
        browser.cookies[CART_COOKIE] = owner.cart.token
    return browser


@pytest.fixture
def ana_client(ana):
    return client_for(ana)


@pytest.fixture
def buyer(client, sandbox):
    """A guest buyer going through checkout against the sandbox (payments' helper)."""
    return Buyer(client, sandbox)
