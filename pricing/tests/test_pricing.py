"""The pricing function, with the awkward values: thirds, 100% off, discounts larger than what
they apply to, shipping, and a property check that the parts always add up."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing import Discount, Line, calculate, cents

D = Decimal


def lines(*prices, quantity=1):
    return [Line(key=n, unit_price=D(p), quantity=quantity) for n, p in enumerate(prices)]


def test_lines_without_adjustments_add_up_to_the_subtotal():
    result = calculate([Line(key="a", unit_price=D("129.90"), quantity=2), *lines("10.05")])

    assert [line.gross for line in result.lines] == [D("259.80"), D("10.05")]
    assert result.subtotal == result.total == D("269.85")
    assert result.discount == result.shipping == D("0.00")
    assert result.currency == "BRL"
    assert result.line("a").net == D("259.80")


def test_ten_reais_off_three_lines_of_3_33_takes_them_to_zero_and_no_further():
    result = calculate(lines("3.33", "3.33", "3.33"), discount=Discount(amount=D("10.00")))

    assert result.discount == D("9.99")
    assert [line.net for line in result.lines] == [D("0.00")] * 3
    assert result.total == D("0.00")


def test_one_real_off_three_equal_lines_puts_the_odd_centavo_on_the_first():
    result = calculate(lines("3.33", "3.33", "3.33"), discount=Discount(amount=D("1.00")))

    assert [line.discount for line in result.lines] == [D("0.34"), D("0.33"), D("0.33")]
    assert [line.net for line in result.lines] == [D("2.99"), D("3.00"), D("3.00")]
    assert result.total == D("8.99")


def test_the_leftover_centavos_go_to_the_largest_remainders():
    # 1.00 over 1.00, 2.00 and 4.00: exact shares 0.142857, 0.285714, 0.571428.
    result = calculate(lines("1.00", "2.00", "4.00"), discount=Discount(amount=D("1.00")))

    assert [line.discount for line in result.lines] == [D("0.14"), D("0.29"), D("0.57")]
    assert sum(line.discount for line in result.lines) == D("1.00")


def test_a_hundred_percent_off_leaves_only_the_shipping():
    result = calculate(
        lines("59.90", "0.01"), discount=Discount(percentage=D("100")), shipping=D("19.90")
    )

    assert result.discount == D("59.91")
    assert [line.net for line in result.lines] == [D("0.00"), D("0.00")]
    assert result.total == result.shipping == D("19.90")


def test_a_discount_larger_than_its_eligible_lines_is_capped_at_them():
    result = calculate(
        lines("50.00", "80.00"),
        discount=Discount(amount=D("70.00"), applies_to=frozenset({0})),
        shipping=D("12.00"),
    )

    first, second = result.lines
    assert (first.discount, first.net) == (D("50.00"), D("0.00"))
    assert (second.discount, second.net) == (D("0.00"), D("80.00"))
    assert result.total == D("92.00")


def test_a_percentage_applies_only_to_the_chosen_lines_and_rounds_half_up():
    result = calculate(
        lines("10.05", "99.99"), discount=Discount(percentage=D("10"), applies_to=frozenset({0}))
    )

    assert result.line(0).discount == D("1.01")  # 1.005 rounds up
    assert result.line(1).discount == D("0.00")
    assert result.total == D("109.03")


def test_a_discount_on_no_eligible_line_gives_nothing():
    result = calculate(lines("10.00"), discount=Discount(amount=D("5.00"), applies_to=frozenset()))

    assert result.discount == D("0.00") and result.total == D("10.00")


def test_shipping_is_added_once_to_the_total():
    result = calculate(lines("40.00", quantity=3), shipping=D("23.45"))

    assert result.subtotal == D("120.00")
    assert result.total == D("143.45")


def test_stored_line_discounts_are_kept_and_summed():
    stored = [
        Line(key=1, unit_price=D("10.00"), quantity=3, discount=D("2.50")),
        Line(key=2, unit_price=D("5.00"), quantity=1),
    ]
    result = calculate(stored, shipping=D("1.00"))

    assert result.discount == D("2.50")
    assert result.line(1).net == D("27.50")
    assert result.total == D("33.50")


def test_unit_prices_split_a_net_that_does_not_divide_evenly():
    result = calculate(lines("5.00", quantity=3), discount=Discount(amount=D("5.00")))

    line = result.lines[0]
    assert line.net == D("10.00")
    assert line.unit_prices == ((2, D("3.33")), (1, D("3.34")))
    assert sum(units * price for units, price in line.unit_prices) == line.net


def test_unit_prices_of_an_even_line_are_one_part():
    assert calculate(lines("7.50", quantity=4)).lines[0].unit_prices == ((4, D("7.50")),)


@pytest.mark.parametrize(
    "bad",
    [
        lambda: calculate([Line(unit_price=D("1.005"), quantity=1)]),
        lambda: calculate([Line(unit_price=D("-1.00"), quantity=1)]),
        lambda: calculate([Line(unit_price=D("1.00"), quantity=0)]),
        lambda: calculate([Line(unit_price=1.5, quantity=1)]),
        lambda: calculate([Line(unit_price=D("NaN"), quantity=1)]),
        lambda: calculate([Line(unit_price=D("1.00"), quantity=1, discount=D("2.00"))]),
        lambda: calculate(lines("1.00"), shipping=D("-0.01")),
        lambda: Discount(amount=D("1.00"), percentage=D("5")),
        lambda: Discount(),
        lambda: Discount(percentage=D("101")),
        lambda: Discount(amount=D("0.001")),
        lambda: Discount(percentage=10.0),
        lambda: Discount(percentage=D("NaN")),
        lambda: calculate([Line(unit_price=D("1.00"), quantity=True)]),
        lambda: calculate([Line(unit_price=D("1.00"), quantity=1.0)]),
    ],
)
def test_malformed_input_is_refused(bad):
    with pytest.raises(ValueError):
        bad()


money = st.decimals(min_value=D("0.00"), max_value=D("9999.99"), places=2)


@given(
    prices=st.lists(st.tuples(money, st.integers(1, 20)), min_size=1, max_size=8),
    amount=money,
    percentage=st.decimals(min_value=0, max_value=100, places=2),
    use_percentage=st.booleans(),
    eligible=st.sets(st.integers(0, 7)),
    shipping=money,
)
def test_the_parts_always_add_up_to_the_total(
    prices, amount, percentage, use_percentage, eligible, shipping
):
    priced = calculate(
        [Line(key=n, unit_price=p, quantity=q) for n, (p, q) in enumerate(prices)],
        discount=Discount(
            amount=None if use_percentage else amount,
            percentage=percentage if use_percentage else None,
            applies_to=frozenset(eligible),
        ),
        shipping=shipping,
    )

    assert sum(line.net for line in priced.lines) + priced.shipping == priced.total
    assert priced.subtotal - priced.discount + priced.shipping == priced.total
    for line in priced.lines:
        assert D("0.00") <= line.discount <= line.gross
        if line.key not in eligible:
            assert line.discount == 0
        assert sum(units * price for units, price in line.unit_prices) == line.net
    worth = sum((line.gross for line in priced.lines if line.key in eligible), D("0.00"))
    wanted = amount if not use_percentage else cents(worth * percentage / 100)
    assert priced.discount == min(wanted, worth)
    # Largest remainder: each line's share is its proportional share rounded down or up by
    # less than a centavo, and the centavos rounded up went to the largest remainders.
    if worth:
        exact = {line.key: priced.discount * line.gross / worth for line in priced.lines}
        for line in priced.lines:
            if line.key in eligible:
                assert abs(line.discount - exact[line.key]) < D("0.01")
        rounded_up = [line for line in priced.lines if line.discount > exact.get(line.key, 0)]
        kept_down = [
            line for line in priced.lines if line.key in eligible and line not in rounded_up
        ]
        if rounded_up and kept_down:
            remainder = {k: (v * 100) % 1 for k, v in exact.items()}
            assert min(remainder[line.key] for line in rounded_up) >= max(
                remainder[line.key] for line in kept_down
            )
