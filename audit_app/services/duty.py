"""Duty and taxes on a customs value: the formula of data-formats.md section 4.

    CD  = V * cd_rate            RD = V * rd_rate            ACD = V * acd_rate
    ST  = (V + CD + RD + ACD) * st_rate
    AST = (V + CD + RD + ACD) * ast_rate
    IT  = (V + CD + RD + ACD + ST + AST) * it_rate

Rates are percentages (20 means 20%). Each levy is rounded to whole rupees, half up.

Rounding decision: the ST, AST and IT bases add the *rounded* earlier levies, i.e. the levies
as actually assessed and paid on the goods declaration. The spec names CD, RD, ACD, ST and AST
(the rounded amounts) in the bases, and the sales-tax value of imports is the customs value plus
the duties charged, which are whole rupees. V itself is used as given (the declared and assessed
values are whole rupees in practice; a fractional V is not rounded first). Every caller
(clearance recomputation, audit findings, the demo generator) goes through this module, so the
choice is made once.

Pure Python and `Decimal` only: no float is accepted anywhere (a float raises `TypeError`).
Arithmetic runs in a private 60-digit context, so no intermediate product or sum is rounded
before the final per-levy rounding, whatever the caller's thread context is. `levy_tuple` is the
allocation-light path for bulk work; `compute_duties` wraps it in a `LevyAmounts`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import (ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation,
                     Overflow)
from typing import Iterator

LEVIES = ("cd", "rd", "acd", "st", "ast", "it")

_ZERO = Decimal(0)
_ONE = Decimal(1)
# 60 digits: a rupee value of 10^20 times a 4-decimal percentage is still exact.
_CTX = Context(prec=60, rounding=ROUND_HALF_UP,
               traps=[InvalidOperation, DivisionByZero, Overflow])
_mul = _CTX.multiply
_add = _CTX.add


@dataclass(frozen=True, slots=True)
class Rates:
    """The six levy rates in force for one item, as percentages (Decimal, >= 0)."""

    cd: Decimal
    rd: Decimal
    acd: Decimal
    st: Decimal
    ast: Decimal
    it: Decimal
    # rate / 100 for each levy, computed once so the hot path does one multiply per levy.
    _fractions: tuple[Decimal, ...] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        for name in LEVIES:
            value = getattr(self, name)
            if type(value) is not Decimal:
                raise TypeError(f"rate {name} must be a Decimal, not {type(value).__name__}")
            if not value.is_finite() or value < _ZERO:
                raise ValueError(f"rate {name} must be a finite percentage >= 0, got {value}")
        object.__setattr__(self, "_fractions",
                           tuple(getattr(self, name).scaleb(-2, _CTX) for name in LEVIES))

    @classmethod
    def from_percentages(cls, **rates: Decimal | int | str) -> Rates:
        """Build from ints or decimal strings (e.g. a CSV row); floats are refused."""
        values = {}
        for name in LEVIES:
            raw = rates.get(name, 0)
            if isinstance(raw, float):
                raise TypeError(f"rate {name} must not be a float")
            values[name] = raw if type(raw) is Decimal else Decimal(raw)
        unknown = set(rates) - set(LEVIES)
        if unknown:
            raise TypeError(f"unknown levies: {sorted(unknown)}")
        return cls(**values)

    def as_dict(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in LEVIES}


@dataclass(frozen=True, slots=True)
class LevyAmounts:
    """Whole-rupee amounts per levy (due, paid or short)."""

    cd: Decimal = _ZERO
    rd: Decimal = _ZERO
    acd: Decimal = _ZERO
    st: Decimal = _ZERO
    ast: Decimal = _ZERO
    it: Decimal = _ZERO

    @property
    def total(self) -> Decimal:
        return _add(_add(_add(self.cd, self.rd), _add(self.acd, self.st)),
                    _add(self.ast, self.it))

    def as_tuple(self) -> tuple[Decimal, ...]:
        return (self.cd, self.rd, self.acd, self.st, self.ast, self.it)

    def as_dict(self) -> dict[str, Decimal]:
        return dict(zip(LEVIES, self.as_tuple()))

    def __iter__(self) -> Iterator[Decimal]:
        return iter(self.as_tuple())

    def __add__(self, other: object) -> LevyAmounts:
        if not isinstance(other, LevyAmounts):
            return NotImplemented
        return LevyAmounts(*(_add(a, b) for a, b in zip(self.as_tuple(), other.as_tuple())))

    def __radd__(self, other: object) -> LevyAmounts:
        # Lets sum() start from its default 0.
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented


def levy_tuple(value_pkr: Decimal, rates: Rates) -> tuple[Decimal, Decimal, Decimal,
                                                          Decimal, Decimal, Decimal]:
    """(cd, rd, acd, st, ast, it) in whole rupees: the fast path of `compute_duties`."""
    if value_pkr < _ZERO:
        raise ValueError(f"customs value must be >= 0, got {value_pkr}")
    f_cd, f_rd, f_acd, f_st, f_ast, f_it = rates._fractions
    cd = _mul(value_pkr, f_cd).quantize(_ONE, ROUND_HALF_UP, _CTX)
    rd = _mul(value_pkr, f_rd).quantize(_ONE, ROUND_HALF_UP, _CTX)
    acd = _mul(value_pkr, f_acd).quantize(_ONE, ROUND_HALF_UP, _CTX)
    # Bases use the rounded (assessed) duties: see the module docstring.
    st_base = _add(_add(value_pkr, cd), _add(rd, acd))
    st = _mul(st_base, f_st).quantize(_ONE, ROUND_HALF_UP, _CTX)
    ast = _mul(st_base, f_ast).quantize(_ONE, ROUND_HALF_UP, _CTX)
    it = _mul(_add(st_base, _add(st, ast)), f_it).quantize(_ONE, ROUND_HALF_UP, _CTX)
    return cd, rd, acd, st, ast, it


def compute_duties(value_pkr: Decimal, rates: Rates) -> LevyAmounts:
    """Duty and taxes due on customs value `value_pkr` (rupees) at `rates` (spec section 4)."""
    return LevyAmounts(*levy_tuple(value_pkr, rates))


def short_levy(due: LevyAmounts, paid: LevyAmounts) -> LevyAmounts:
    """Per levy max(0, due - paid): an overpaid levy never offsets a short-paid one."""
    return LevyAmounts(*(d - p if d > p else _ZERO
                         for d, p in zip(due.as_tuple(), paid.as_tuple())))


def apply_preference(rates: Rates, preferential_cd_rate: Decimal | None) -> Rates:
    """`rates` with cd replaced by a validly claimed FTA rate; unchanged when None.

    The spec says the preferential rate *replaces* the tariff one, so it is taken as is even
    where it would exceed the tariff rate (the tariff authority's file is the authority).
    """
    if preferential_cd_rate is None:
        return rates
    return replace(rates, cd=preferential_cd_rate)
