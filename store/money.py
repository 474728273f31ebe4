"""Money is Decimal everywhere; this is the one place that turns it into text."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import gettext as _

CENT = Decimal("0.01")


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    number = formats.number_format(quantize(Decimal(amount)), 2, use_l10n=True, force_grouping=True)
    # Translators: a price in Brazilian reais, for example "R$ 129.90".
    return _("R$ %(amount)s") % {"amount": number}
