"""How the catalogue's words are folded for search, in each language.

A search must find "Calça" when a shopper types `calca`, and "Camisas" when they type `camisa`.
Both sides go through the same folding: the catalogue's words when a row is saved (each
translated `search_text` column) and the shopper's words when they search. Folding is
`normalize_query` (compatibility forms, case, invisible characters), then accents stripped,
then each word's singular by a few plain rules per language. The stored text keeps each word
and its singular, so a search matches with a plain substring test (`contains`) on the active
language's column, which SQLite and PostgreSQL both run.
"""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_QUERY_LENGTH = 100  # characters of a search, once normalized

# A word; hyphenated and apostrophised words are one ("t-shirt" is "tshirt", "d'água" "dagua").
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_JOINERS = str.maketrans("", "", "-'’")


def normalize_query(text: str) -> str:
    """A search as one canonical string: Unicode compatibility forms folded (NFKC: the Kelvin
    sign K is a K, full-width letters are letters, "ﬁ" is "fi"), case folded, invisible format
    and control characters dropped, and any run of blanks made one space.

    The listing's cache key, the search and the search box all use this one value, so two
    spellings that search alike share one cache entry, and a spelling that searches differently
    can never be stored under another's key."""
    return _fold(text)[:MAX_QUERY_LENGTH].strip()


def _fold(text: str) -> str:
    if text.isascii() and text.isprintable():
        return " ".join(text.lower().split())  # the same result, without the slow path
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Case folding can produce characters NFKC would write differently; fold until stable.
    folded = unicodedata.normalize("NFKC", folded)
    visible = "".join(
        " " if char.isspace() else char
        for char in folded
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join(visible.split())


def strip_accents(text: str) -> str:
    """ "Calça" → "Calca", "pantalón" → "pantalon" (combining marks dropped)."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if not unicodedata.combining(char))
    )


# (ending, replacement), first match wins; applied to accent-free, case-folded words.
_PORTUGUESE = (
    ("oes", "ao"),  # calções → calção (both spelled without accents here)
    ("aes", "ao"),  # alemães → alemão
    ("ais", "al"),  # casuais → casual
    ("eis", "el"),  # anéis → anel
    ("ns", "m"),  # bons → bom
    ("res", "r"),  # colares → colar
    ("zes", "z"),  # luzes → luz
    ("is", "il"),  # funis → funil
    ("s", ""),  # camisas → camisa
)
_SPANISH = (
    ("ces", "z"),  # luces → luz
    ("nes", "n"),  # pantalones → pantalon
    ("res", "r"),  # collares → collar
    ("les", "l"),  # sandales → sandal
    ("s", ""),  # camisas → camisa, vestidos → vestido
)
_ENGLISH = (
    ("ies", "y"),  # accessories → accessory
    ("sses", "ss"),  # dresses → dress
    ("shes", "sh"),
    ("ches", "ch"),
    ("xes", "x"),
    ("ss", "ss"),  # dress stays dress
    ("us", "us"),
    ("s", ""),  # shirts → shirt, shoes → shoe
)
_RULES = {"pt": _PORTUGUESE, "es": _SPANISH, "en": _ENGLISH}
_MIN_STEM = 3  # never shorten a word below this many letters


def singular(word: str, language: str) -> str:
    """The singular of one folded word, by simple rules for `language` (e.g. "pt-br")."""
    rules = _RULES.get(language.split("-")[0].lower(), ())
    for ending, replacement in rules:
        if word.endswith(ending):
            stem = word[: len(word) - len(ending)]
            if len(stem) + len(replacement) < _MIN_STEM:
                return word
            return stem + replacement
    return word


def search_terms(query: str, language: str) -> list[str]:
    """A shopper's search as the words to look for: folded and made singular."""
    words = _WORD.findall(strip_accents(normalize_query(query)))
    return [singular(word.translate(_JOINERS), language) for word in words]


def search_text(*texts: str | None, language: str) -> str:
    """Catalogue text as stored for search: each folded word and its singular, space-separated
    (with a space at each end, so a later change may match whole words)."""
    words: dict[str, None] = {}
    for text in texts:
        for token in _fold_cached(text or "").split():
            words.update(dict.fromkeys(_token_words(token, language)))
    return f" {' '.join(words)} " if words else ""


# Catalogue texts and words repeat (a description across languages' fallbacks, the demo's
# bulk products): remembering them keeps `seed_demo --products 100000` fast.
_fold_cached = functools.lru_cache(maxsize=4096)(_fold)


@functools.lru_cache(maxsize=65536)
def _token_words(token: str, language: str) -> tuple[str, ...]:
    words: dict[str, None] = {}
    for word in _WORD.findall(strip_accents(token)):
        word = word.translate(_JOINERS)
        words.setdefault(word)
        words.setdefault(singular(word, language))
    return tuple(words)
