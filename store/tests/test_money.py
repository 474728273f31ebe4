"""Money as each language writes it (store.money.format_money): golden strings, with the
no-break spaces CLDR puts between the symbol and the amount."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from store.money import format_money

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "amount", "text"),
    [
        ("pt-br", "1053.50", f"R${NBSP}1.053,50"),
        ("pt-br", "0.5", f"R${NBSP}0,50"),
        ("pt-br", "1234567.891", f"R${NBSP}1.234.567,89"),
        ("pt-br", "-5", f"-R${NBSP}5,00"),
        ("en", "1053.50", "R$1,053.50"),
        ("en", "0", "R$0.00"),
        ("en", "-5", "-R$5.00"),
        ("es", "1053.50", f"R${NBSP}1.053,50"),
        ("es", "129.9", f"R${NBSP}129,90"),
    ],
)
def test_golden_amounts(language, amount, text):
    assert format_money(Decimal(amount), language=language) == text


def test_half_centavos_round_up():
    assert format_money(Decimal("0.005"), language="en") == "R$0.01"
    assert format_money(Decimal("2.675"), language="pt-br") == f"R${NBSP}2,68"


def test_the_active_language_is_used_by_default_and_by_the_template_filter():
    template = Template("{% load store_tags %}{{ amount|money }}")
    for language, text in (("pt-br", f"R${NBSP}1.053,50"), ("en", "R$1,053.50")):
        with translation.override(language):
            assert format_money(Decimal("1053.5")) == text
            assert template.render(Context({"amount": Decimal("1053.5")})) == text


def test_nothing_is_an_empty_string_and_an_unknown_language_reads_as_brazilian():
    assert format_money(None) == ""
    assert format_money(Decimal("1"), language="xx") == f"R${NBSP}1,00"
