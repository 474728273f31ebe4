"""The one place where money is added up: `calculate()` turns lines (unit price, quantity) and
the order-level adjustments (a discount, a shipping cost) into a frozen breakdown. Cart, checkout,
orders, invoices and payment providers all read their totals from it; nothing else sums money.

Pure: no queries, no settings, no rounding surprises. Every amount is a Decimal with two places.
A discount is spread over the lines it applies to, in proportion to their amounts and to the
centavo (largest remainder), so the lines' nets plus shipping always equal the total exactly and
no line goes below zero.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")

__all__ = [
    "CENT",
    "ZERO",
    "Breakdown",
    "Discount",
    "Line",
    "PricedLine",
    "calculate",
    "cents",
    "total_of",
]


def cents(amount: Decimal) -> Decimal:
    """An amount rounded to the centavo (half up, as a receipt would)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _exact_cents(amount: Decimal, what: str) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"{what} must be a finite Decimal, not {amount!r}")
    if amount != cents(amount):
        raise ValueError(f"{what} has fractions of a centavo: {amount}")
    if amount < 0:
        raise ValueError(f"{what} is negative: {amount}")
    return cents(amount)


@dataclass(frozen=True)
class Line:
    """One line to price. `key` is the caller's name for it (a cart line or variant id), used
    to say which lines a discount applies to. `discount` is a discount already allocated to the
    line (an order's stored lines, priced again to check them)."""

    unit_price: Decimal
    quantity: int
    key: Hashable = None
    discount: Decimal = ZERO


@dataclass(frozen=True)
class Discount:
    """An order-level discount: a fixed `amount` or a `percentage` (10 for 10%), on the lines
    whose keys are in `applies_to`, or on every line when it is None. It never takes more than
    the lines it applies to are worth."""

    amount: Decimal | None = None
    percentage: Decimal | None = None
    applies_to: frozenset | None = None

    def __post_init__(self):
        if (self.amount is None) == (self.percentage is None):
            raise ValueError("a discount is either an amount or a percentage")
        if self.amount is not None:
            _exact_cents(self.amount, "discount amount")
        if self.percentage is not None and (
            not isinstance(self.percentage, Decimal)
            or not self.percentage.is_finite()
            or not 0 <= self.percentage <= HUNDRED
        ):
            raise ValueError(
                f"discount percentage must be a Decimal from 0 to 100: {self.percentage!r}"
            )


@dataclass(frozen=True)
class PricedLine:
    key: Hashable
    unit_price: Decimal
    quantity: int
    gross: Decimal  # unit price × quantity
    discount: Decimal  # this line's share of every discount
    net: Decimal  # gross - discount: what the buyer pays for the line

    @property
    def unit_prices(self) -> tuple[tuple[int, Decimal], ...]:
        """The net as (quantity, unit price) parts in whole centavos that add up to it exactly:
        3 units for R$ 10.00 are 2 × R$ 3.33 and 1 × R$ 3.34 (a payment provider wants unit
        prices, and a discounted line does not always divide evenly)."""
        net_cents = int(self.net / CENT)
        unit, remainder = divmod(net_cents, self.quantity)
        parts = ((self.quantity - remainder, unit), (remainder, unit + 1))
        return tuple((units, Decimal(price) * CENT) for units, price in parts if units)


@dataclass(frozen=True)
class Breakdown:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal  # the lines' gross amounts
    discount: Decimal  # every discount given
    shipping: Decimal
    total: Decimal  # subtotal - discount + shipping; also the lines' nets + shipping
    currency: str
    _by_key: dict = field(default_factory=dict, repr=False, compare=False)

    def line(self, key: Hashable) -> PricedLine | None:
        return self._by_key.get(key)


def _allocate(amount: Decimal, bases: list[Decimal]) -> list[Decimal]:
    """Split `amount` over lines worth `bases`, in proportion, to the centavo: each line gets
    its share rounded down, and the centavos left over go to the largest remainders (the
    earlier line on a tie). `amount` never exceeds the sum of `bases`, so no share exceeds its
    line."""
    total = sum(bases, ZERO)
    if amount == 0 or total == 0:
        return [ZERO for _ in bases]
    amount_cents, total_cents = int(amount / CENT), int(total / CENT)
    shares, remainders = [], []
    for index, base in enumerate(bases):
        share, remainder = divmod(amount_cents * int(base / CENT), total_cents)
        shares.append(share)
        remainders.append((-remainder, index))
    for _, index in sorted(remainders)[: amount_cents - sum(shares)]:
        shares[index] += 1
    return [Decimal(share) * CENT for share in shares]


def calculate(
    lines: Iterable[Line],
    *,
    discount: Discount | None = None,
    shipping: Decimal = ZERO,
    currency: str = "BRL",
) -> Breakdown:
    """Price the lines: per line gross, discount and net; subtotal, discount, shipping, total."""
    lines = list(lines)
    shipping = _exact_cents(shipping, "shipping")
    gross, allocated = [], []
    for line in lines:
        if type(line.quantity) is not int or line.quantity < 1:  # a bool is an int, not a count
            raise ValueError(f"quantity must be a whole number of at least 1: {line.quantity!r}")
        amount = _exact_cents(line.unit_price, "unit price") * line.quantity
        if _exact_cents(line.discount, "line discount") > amount:
            raise ValueError(f"line discount {line.discount} exceeds the line's {amount}")
        gross.append(amount)
        allocated.append(line.discount)

    if discount is not None:
        eligible = [
            index
            for index, line in enumerate(lines)
            if discount.applies_to is None or line.key in discount.applies_to
        ]
        bases = [gross[index] - allocated[index] for index in eligible]
        worth = sum(bases, ZERO)
        if discount.amount is not None:
            amount = min(discount.amount, worth)
        else:
            amount = min(cents(worth * discount.percentage / HUNDRED), worth)
        for index, share in zip(eligible, _allocate(amount, bases), strict=True):
            allocated[index] += share

    priced = tuple(
        PricedLine(
            key=line.key,
            unit_price=cents(line.unit_price),
            quantity=line.quantity,
            gross=line_gross,
            discount=line_discount,
            net=line_gross - line_discount,
        )
        for line, line_gross, line_discount in zip(lines, gross, allocated, strict=True)
    )
    subtotal = sum(gross, ZERO)
    discount_total = sum(allocated, ZERO)
    total = subtotal - discount_total + shipping
    assert total == sum((line.net for line in priced), ZERO) + shipping
    return Breakdown(
        lines=priced,
        subtotal=subtotal,
        discount=discount_total,
        shipping=shipping,
        total=total,
        currency=currency,
        _by_key={line.key: line for line in priced if line.key is not None},
    )


def total_of(items: Iterable[tuple[int, Decimal]], *, shipping: Decimal = ZERO) -> Decimal:
    """What (quantity, unit price) items plus shipping come to: to check what is about to be
    sent to a payment provider against the order's total."""
    return sum((quantity * unit_price for quantity, unit_price in items), ZERO) + shipping
