"""The duty formula of data-formats.md section 4 (unit tests: no app, no database)."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_app.services.duty import (LEVIES, LevyAmounts, Rates, apply_preference,
                                     compute_duties, levy_tuple, short_levy)

D = Decimal


def rates(cd=0, rd=0, acd=0, st_=0, ast=0, it=0) -> Rates:
    return Rates.from_percentages(cd=cd, rd=rd, acd=acd, st=st_, ast=ast, it=it)


# (value, rates, expected cd, rd, acd, st, ast, it)
CASES = [
    # V = 1,000,000; CD 20% = 200,000; RD 10% = 100,000; ACD 7% = 70,000;
    # ST base = 1,000,000 + 200,000 + 100,000 + 70,000 = 1,370,000 -> ST 18% = 246,600,
    # AST 3% = 41,100; IT base = 1,370,000 + 246,600 + 41,100 = 1,657,700
    # -> IT 5.5% = 91,173.5 -> 91,174 (half up).
    pytest.param(D(1_000_000), rates(20, 10, 7, 18, 3, "5.5"),
                 (200_000, 100_000, 70_000, 246_600, 41_100, 91_174), id="consumer-goods"),
    # CD 11% of 2,836,450 = 312,009.5 -> 312,010 (half up, not to even);
    # ACD 4% = 113,458; ST base 3,261,918 -> 587,145.24 -> 587,145;
    # IT base 3,849,063 * 5.5% = 211,698.465 -> 211,698.
    pytest.param(D(2_836_450), rates(11, 0, 4, 18, 0, "5.5"),
                 (312_010, 0, 113_458, 587_145, 0, 211_698), id="raw-material-half-up"),
    pytest.param(D(0), rates(20, 10, 7, 18, 3, 6), (0, 0, 0, 0, 0, 0), id="zero-value"),
    pytest.param(D(987_654), rates(), (0, 0, 0, 0, 0, 0), id="zero-rates"),
    # 0.5 rounds up, 0.49 down; banker's rounding would give 0 for the first.
    pytest.param(D(50), rates(cd=1), (1, 0, 0, 0, 0, 0), id="half-rupee-up"),
    pytest.param(D(250), rates(cd=1), (3, 0, 0, 0, 0, 0), id="2.5-up-not-even"),
    pytest.param(D(49), rates(cd=1), (0, 0, 0, 0, 0, 0), id="0.49-down"),
    # The decision: bases use the rounded earlier levies. CD = 0.36 -> 0, so the ST base is
    # 36 and ST = 6.48 -> 6 (an unrounded base 36.36 would give 6.54 -> 7).
    pytest.param(D(36), rates(cd=1, st_=18), (0, 0, 0, 6, 0, 0), id="rounded-bases"),
    # Fractional rupee value is used as given: 100.50 * 16% = 16.08 -> 16.
    pytest.param(D("100.50"), rates(cd=16), (16, 0, 0, 0, 0, 0), id="fractional-value"),
    # Only IT: base is V itself when all other rates are zero; 1000 * 5.5% = 55.
    pytest.param(D(1000), rates(it="5.5"), (0, 0, 0, 0, 0, 55), id="it-only"),
    # Large value: no intermediate rounding at 28 digits.
    pytest.param(D(10) ** 20, rates(cd="0.0001"), (10 ** 14, 0, 0, 0, 0, 0), id="huge-value"),
]


@pytest.mark.parametrize(("value", "in_force", "expected"), CASES)
def test_compute_duties_hand_computed(value, in_force, expected):
    amounts = compute_duties(value, in_force)
    assert amounts.as_tuple() == tuple(D(x) for x in expected)
    assert amounts.total == sum(D(x) for x in expected)
    assert levy_tuple(value, in_force) == amounts.as_tuple()


def test_amounts_are_whole_rupee_decimals():
    amounts = compute_duties(D("123456.78"), rates(16, 5, 6, 18, 3, "5.5"))
    for name, amount in amounts.as_dict().items():
        assert type(amount) is Decimal, name
        assert amount == amount.to_integral_value(), name
        assert amount.as_tuple().exponent == 0, name  # prints as "123", never "1.23E+2"
    assert list(amounts.as_dict()) == list(LEVIES)
    assert type(amounts.total) is Decimal


@pytest.mark.parametrize("bad", [1000.0, "1000"])
def test_value_must_not_be_float_or_text(bad):
    with pytest.raises(TypeError):
        compute_duties(bad, rates(cd=20))


def test_int_value_is_exact_and_gives_decimals():
    assert compute_duties(1000, rates(cd=20)) == compute_duties(D(1000), rates(cd=20))
    assert type(compute_duties(1000, rates(cd=20)).cd) is Decimal


def test_negative_value_refused():
    with pytest.raises(ValueError):
        compute_duties(D(-1), rates(cd=20))


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"cd": 20.0}, TypeError),
    ({"cd": "-1"}, ValueError),
    ({"cd": "NaN"}, ValueError),
    ({"duty": 3}, TypeError),
])
def test_rates_validated(kwargs, error):
    with pytest.raises(error):
        Rates.from_percentages(**kwargs)


def test_rates_constructor_refuses_float():
    with pytest.raises(TypeError):
        Rates(D(20), D(0), D(7), 18.0, D(0), D(6))  # type: ignore[arg-type]


@pytest.mark.parametrize(("pref", "expected_cd"), [(D(0), D(0)), (D("7.5"), D("7.5")),
                                                   (None, D(20))])
def test_apply_preference_replaces_cd_only(pref, expected_cd):
    tariff = rates(20, 10, 7, 18, 3, 6)
    applied = apply_preference(tariff, pref)
    assert applied.cd == expected_cd
    assert (applied.rd, applied.acd, applied.st, applied.ast, applied.it) == (
        tariff.rd, tariff.acd, tariff.st, tariff.ast, tariff.it)
    # The replaced rate is the one the formula uses.
    assert compute_duties(D(1000), applied).cd == (D(1000) * expected_cd / 100).quantize(D(1))


def test_preference_lowers_every_dependent_levy():
    value, tariff = D(500_000), rates(20, 0, 7, 18, 3, 6)
    full, preferred = compute_duties(value, tariff), compute_duties(value, apply_preference(
        tariff, D(5)))
    assert preferred.cd == D(25_000) and full.cd == D(100_000)
    assert preferred.st < full.st and preferred.it < full.it and preferred.acd == full.acd


@pytest.mark.parametrize(("due", "paid", "expected"), [
    ((100, 50, 10, 0, 0, 5), (100, 50, 10, 0, 0, 5), (0, 0, 0, 0, 0, 0)),
    ((100, 50, 10, 0, 0, 5), (60, 50, 0, 0, 0, 5), (40, 0, 10, 0, 0, 0)),
    # CD overpaid by 30 must not offset ST short by 20: short levy is 20, not 0.
    ((100, 0, 0, 200, 0, 0), (130, 0, 0, 180, 0, 0), (0, 0, 0, 20, 0, 0)),
    ((0, 0, 0, 0, 0, 0), (9, 9, 9, 9, 9, 9), (0, 0, 0, 0, 0, 0)),
])
def test_short_levy_never_nets(due, paid, expected):
    result = short_levy(LevyAmounts(*map(D, due)), LevyAmounts(*map(D, paid)))
    assert result.as_tuple() == tuple(map(D, expected))
    assert all(type(x) is Decimal for x in result)


def test_levy_amounts_addition():
    a = LevyAmounts(*map(D, (1, 2, 3, 4, 5, 6)))
    b = LevyAmounts(*map(D, (10, 20, 30, 40, 50, 60)))
    assert (a + b).as_tuple() == tuple(map(D, (11, 22, 33, 44, 55, 66)))
    assert sum([a, b]) == a + b
    assert (a + b).total == D(231)
    assert LevyAmounts().total == D(0)
    with pytest.raises(TypeError):
        a + 1  # noqa: B018


# --- properties -------------------------------------------------------------------------

rupees = st.decimals(min_value=0, max_value=10 ** 12, places=2, allow_nan=False,
                     allow_infinity=False)
percent = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False,
                      allow_infinity=False)
any_rates = st.builds(Rates, percent, percent, percent, percent, percent, percent)
amounts = st.builds(LevyAmounts, *[st.integers(0, 10 ** 9).map(Decimal)] * 6)


@given(amounts, amounts)
def test_short_levy_non_negative_and_not_netted(due, paid):
    short = short_levy(due, paid)
    assert all(x >= 0 for x in short)
    assert short.total >= due.total - paid.total


@given(rupees, rupees, any_rates)
def test_total_due_monotone_in_value(v1, v2, in_force):
    low, high = sorted((v1, v2))
    due_low, due_high = compute_duties(low, in_force), compute_duties(high, in_force)
    assert due_low.total <= due_high.total
    assert all(a <= b for a, b in zip(due_low, due_high))


@given(rupees, any_rates, percent)
def test_lower_preference_never_raises_duty(value, in_force, pref):
    if pref <= in_force.cd:
        assert (compute_duties(value, apply_preference(in_force, pref)).total
                <= compute_duties(value, in_force).total)


# --- properties against an independent exact computation (issue 7: hostile input) --------

def _half_up(x: Fraction) -> int:
    """Round a non-negative exact rational to whole rupees, half up."""
    whole, rest = divmod(x.numerator, x.denominator)
    return whole + (1 if 2 * rest >= x.denominator else 0)


def _exact(value: Decimal, in_force: Rates) -> tuple[int, ...]:
    """Spec section 4 in rational arithmetic: no Decimal context, no float, nothing shared."""
    v = Fraction(value)
    r = {name: Fraction(getattr(in_force, name)) / 100 for name in LEVIES}
    cd, rd, acd = (_half_up(v * r[n]) for n in ("cd", "rd", "acd"))
    base = v + cd + rd + acd
    st_, ast = _half_up(base * r["st"]), _half_up(base * r["ast"])
    return cd, rd, acd, st_, ast, _half_up((base + st_ + ast) * r["it"])


# Values up to 10^15 rupees with up to 4 places, rates with up to 4 places: the products
# need ~25 digits, beyond a float's 15-17 and beyond Decimal's default 28 once added up.
exact_rupees = st.decimals(min_value=0, max_value=10 ** 15, places=4, allow_nan=False,
                           allow_infinity=False)
exact_percent = st.decimals(min_value=0, max_value=300, places=4, allow_nan=False,
                            allow_infinity=False)
exact_rates = st.builds(Rates, *[exact_percent] * 6)


@settings(max_examples=300, deadline=None)
@given(exact_rupees, exact_rates)
def test_every_levy_equals_the_exact_rational_computation(value, in_force):
    due = compute_duties(value, in_force)
    assert due.as_tuple() == tuple(Decimal(x) for x in _exact(value, in_force))
    assert all(type(x) is Decimal and x == x.to_integral_value() for x in due)
    assert due.total == sum(due.as_tuple())


@settings(max_examples=200, deadline=None)
@given(exact_rupees, exact_rates)
def test_the_callers_decimal_context_does_not_change_the_result(value, in_force):
    import decimal
    expected = compute_duties(value, in_force)
    with decimal.localcontext() as ctx:
        ctx.prec, ctx.rounding = 6, decimal.ROUND_FLOOR
        assert compute_duties(value, in_force) == expected


@settings(max_examples=200, deadline=None)
@given(rupees, any_rates)
def test_no_short_levy_when_declared_equals_correct(value, in_force):
    paid = compute_duties(value, in_force)  # paid at clearance on the declared facts
    assert short_levy(compute_duties(value, in_force), paid).total == 0


@settings(max_examples=200, deadline=None)
@given(rupees, rupees, any_rates)
def test_short_levy_of_an_undervaluation_is_the_duty_on_the_difference_levy_by_levy(
        declared, correct, in_force):
    paid, due = compute_duties(declared, in_force), compute_duties(correct, in_force)
    short = short_levy(due, paid)
    if correct <= declared:
        assert short.total == 0
    else:
        assert short.as_tuple() == tuple(d - p for d, p in zip(due, paid))


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_a_float_rate_is_refused(rate):
    with pytest.raises(TypeError):
        Rates.from_percentages(cd=rate)
