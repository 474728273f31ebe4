"""Money is Decimal everywhere; this is the one place that turns it into text.

Amounts are formatted by Babel with CLDR's rules for the active language, always in reais
with the real's own symbol, R$ (CLDR writes "BRL" in most Spanish locales):

    pt-br  R$ 1.053,50   (CLDR pt_BR; the space is a no-break space)
    en     R$1,053.50    (CLDR en)
    es     R$ 1.053,50   (CLDR es_UY: Spanish as written by Brazil's River Plate neighbours,
                          the same separators a Brazilian uses, so a price reads alike in
                          both languages; no-break space)
"""

import functools
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import NumberFormatError, format_currency, get_currency_symbol, parse_decimal
from django.utils.translation import get_language

CENT = Decimal("0.01")
CURRENCY = "BRL"
SYMBOL = "R$"

# Django language code -> CLDR locale whose number rules it follows.
MONEY_LOCALES = {"pt-br": "pt_BR", "en": "en", "es": "es_UY"}
DEFAULT_LOCALE = "pt_BR"


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_locale(language: str | None = None) -> Locale:
    """The CLDR locale for a language (the active one by default)."""
    return _locale((language or get_language() or "").lower())


@functools.lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(
        MONEY_LOCALES.get(code, MONEY_LOCALES.get(code.split("-")[0], DEFAULT_LOCALE))
    )


def format_money(amount: Decimal | None, *, language: str | None = None) -> str:
    """`amount` in reais for a shopper of `language` (the active language by default)."""
    if amount is None:
        return ""
    locale = money_locale(language)
    text = format_currency(quantize(Decimal(amount)), CURRENCY, locale=locale)
    local_symbol = get_currency_symbol(CURRENCY, locale)
    return text if local_symbol == SYMBOL else text.replace(local_symbol, SYMBOL)


def parse_amount(text: str, *, language: str | None = None) -> Decimal | None:
    """An amount as a shopper types it, or None when it is not one: "100,50" or "1.234,50" in
    Portuguese, "1,234.50" in English. A single separator followed by one or two digits is
    the decimal point in every language ("100.50" from a link shared by an English-speaking
    shopper is a hundred reais in Portuguese too); otherwise the language's rules decide."""
    cleaned = "".join(text.split()).removeprefix(SYMBOL).removeprefix("-")
    if not cleaned or text.strip().startswith("-") or cleaned.strip("0123456789.,"):
        return None
    separators = [char for char in cleaned if char in ".,"]
    if len(separators) == 1 and 1 <= len(cleaned.rsplit(separators[0], 1)[1]) <= 2:
        cleaned = cleaned.replace(separators[0], ".")
        locale = Locale.parse("en")
    else:
        locale = money_locale(language)
    try:
        amount = parse_decimal(cleaned, locale=locale, strict=True)
    except NumberFormatError:
        return None
    return amount if amount.is_finite() else None
