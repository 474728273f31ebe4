"""Threat 8, search-cache poisoning: a search spelled with look-alike characters must not
store its answer under the cache key of another search.

The listing caches its product grid under a key made from the filters. Before, the key used
`q.lower()` while the search used the raw text: `wee\u212aend` (with the Kelvin sign, which
lowers to "k") found nothing and cached "0 products" as the answer to `weekend` for everyone
until the next catalogue change. Now the query is normalized once (store.selectors.
normalize_query: NFKC, case fold, invisible characters dropped, blanks collapsed) and the
same value is the key, the search and what the search box shows.
"""

from __future__ import annotations

import re

import pytest

from store.selectors import ProductFilters, normalize_query

pytestmark = pytest.mark.django_db

CARD = 'data-testid="product-card"'


@pytest.fixture(autouse=True)
def _cached(settings):
    settings.CATALOGUE_CACHE_SECONDS = 600


@pytest.fixture
def weekend(catalogue):
    catalogue.product("Weekend Linen Shirt")
    catalogue.product("Office Trousers")


def cards(client, q: str) -> int:
    response = client.get("/", {"q": q})
    assert response.status_code == 200
    return response.content.decode().count(CARD)


# Spellings a browser can send that mean "weekend" to a reader (or to Unicode's compatibility
# rules): each must find the shirt, and none may change what "weekend" finds afterwards.
CONFUSABLES = {
    "kelvin sign": "wee\u212aend",
    "upper case": "WEEKEND",
    "full-width letters": "\uff57\uff45\uff45\uff4b\uff45\uff4e\uff44",
    "mathematical bold": "\U0001d430\U0001d41e\U0001d41e\U0001d424\U0001d41e\U0001d427\U0001d41d",
    "zero-width space inside": "week\u200bend",
    "soft hyphen inside": "week\u00adend",
    "no-break spaces around": "\u00a0weekend\u2003",
}


@pytest.mark.parametrize("spelling", CONFUSABLES.values(), ids=CONFUSABLES.keys())
def test_a_look_alike_search_cannot_poison_another_searchs_cache(client, weekend, spelling):
    poisoned = cards(client, spelling)
    assert poisoned == 1, "the look-alike spelling finds what it looks like"
    assert cards(client, "weekend") == 1, "the genuine search still finds the shirt"
    assert cards(client, "Weekend") == 1


def test_the_kelvin_sign_attack_of_the_report(client, weekend):
    """The reported request, first in an empty cache, then the victims' searches."""
    assert cards(client, "wee\u212aend") == 1
    for victim_spelling in ("weekend", "WEEKEND", "  weekend  "):
        assert cards(client, victim_spelling) == 1


def test_a_search_that_differs_keeps_its_own_entry(client, weekend):
    """Normalization only merges spellings that search alike: a different word still finds
    nothing, and does not disturb the real one."""
    assert cards(client, "weekday") == 0
    assert cards(client, "weekend") == 1
    assert cards(client, "office weekend") == 0
    assert cards(client, "weekend") == 1


def test_the_search_box_shows_the_value_that_was_searched(client, weekend):
    html = client.get("/", {"q": "  WEE\u212aEND\u200b  "}).content.decode()
    box = re.search(r'<input type="search" name="q"[^>]*value="([^"]*)"', html)
    assert box and box.group(1) == "weekend"


def test_key_search_and_display_share_one_value():
    filters = ProductFilters(q=" Wee\u212aend\u00a0 SHIRT ")
    assert filters.q == "weekend shirt"
    assert filters.cache_key()[0] == filters.q
    assert ProductFilters(q="weekend shirt").cache_key() == filters.cache_key()


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("Straße", "strasse"),  # case folding, not just lowering
        ("\ufb01ne", "fine"),  # the "fi" ligature
        ("a\u0000b\u0007c", "abc"),  # control characters
        ("x" * 500, "x" * 100),  # cut to the limit after folding
        ("\u3300", "\u30a2\u30d1\u30fc\u30c8"),  # one square sign, four letters under NFKC
    ],
)
def test_normalize_query(raw, normal):
    assert normalize_query(raw) == normal
    assert normalize_query(normal) == normal, "normalizing twice changes nothing"
