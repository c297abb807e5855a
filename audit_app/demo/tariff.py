"""The demo tariff: base rates per PCT code, moved by each July budget, plus FTA preferences.

The schedule is re-issued in full on each 1 July inside the period (Pakistan's fiscal year and
Finance Act), so every code has at least two validity rows; a period with no July in it gets a
mid-period "mini-budget" instead. Budget moves keep every misclassification pair ordered (the
true heading always carries more duty than its decoy), so a planted misclassification always
has a short levy.
"""
from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from dataclasses import replace
from decimal import Decimal
from typing import Iterator

from ..services.duty import Rates, apply_preference
from .catalogue import AGREEMENTS, CONCESSION_BY_REF, Agreement
from .goods import DECOYS, GOODS

CD_SLABS = (0, 3, 5, 11, 16, 20)
# ACD follows the CD slab (2% on raw materials up to 7% on finished goods).
ACD_BY_CD = {0: 2, 3: 2, 5: 2, 11: 4, 16: 6, 20: 7}
RD_MAX = 30
IT_RATES = (Decimal("5.5"), Decimal("6"))  # withholding income tax: standard, commercial

TARIFF_HEADER = ("hs_code", "description", "valid_from", "cd_rate", "rd_rate", "acd_rate",
                 "st_rate", "ast_rate", "it_rate")
PREFERENTIAL_HEADER = ("fta_code", "origin_country", "hs_code", "valid_from", "cd_rate")

_TRUE_CODES = frozenset(DECOYS)
_DECOY_CODES = frozenset(DECOYS.values())


def budget_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """valid_from of each tariff issue: the July budget in force at `start`, then each July."""
    first = dt.date(start.year if start.month >= 7 else start.year - 1, 7, 1)
    dates = [first]
    while (nxt := dt.date(dates[-1].year + 1, 7, 1)) <= end:
        dates.append(nxt)
    if len(dates) == 1:  # no July inside: a mid-period amendment, as in a mini-budget
        mid = start + (end - start) / 2
        dates.append(max(dt.date(mid.year, mid.month, 1), start + dt.timedelta(days=1)))
    return dates


class TariffBook:
    """Tariff and preferential schedules for the demo period, and rates in force on a date."""

    def __init__(self, rng: random.Random, start: dt.date, end: dt.date) -> None:
        self.issues = budget_dates(start, end)
        # code -> one (cd, rd, acd, st, ast, it) tuple per issue
        self.schedule: dict[str, list[tuple[int, int, int, int, int, Decimal]]] = {}
        for goods in GOODS:
            self.schedule[goods.code] = self._evolve(rng, goods)
        # (fta, partner, code) -> [(valid_from, cd_rate)], ascending
        self.preferences: dict[tuple[str, str, str], list[tuple[dt.date, Decimal]]] = {}
        self.covered: dict[str, list[Agreement]] = {}  # code -> agreements covering it
        for agreement in AGREEMENTS:
            self._negotiate(rng, agreement, start, end)
        # Rates change only on these dates: one cache segment per interval between them.
        self.segments = sorted({*self.issues, *(d for rows in self.preferences.values()
                                                for d, _ in rows)})
        self._cache: dict[tuple, Rates] = {}

    def _evolve(self, rng: random.Random, goods) -> list[tuple]:
        cd, rd = goods.cd, goods.rd
        # A true heading never gets cheaper and a decoy never dearer: the pair stays ordered.
        up_only, down_only = goods.code in _TRUE_CODES, goods.code in _DECOY_CODES
        rows = []
        for issue_no in range(len(self.issues)):
            if issue_no:
                if rng.random() < 0.18:
                    step = 1 if up_only else -1 if down_only else rng.choice((-1, 1))
                    slab = min(max(CD_SLABS.index(cd) + step, 0), len(CD_SLABS) - 1)
                    cd = CD_SLABS[slab]
                if (rd or goods.ast) and rng.random() < 0.15:
                    step = 5 if up_only else -5 if down_only else rng.choice((-5, 5))
                    rd = min(max(rd + step, 0), RD_MAX)
            # Consumer goods (AST-liable) pay the higher IT rate from the second budget on.
            it = IT_RATES[1] if issue_no and goods.ast else IT_RATES[0]
            rows.append((cd, rd, ACD_BY_CD[cd], goods.st, goods.ast, it))
        return rows

    def _negotiate(self, rng: random.Random, agreement: Agreement, start: dt.date,
                   end: dt.date) -> None:
        # The second tranche of tariff cuts applies from the first 1 January in the period.
        tranche = dt.date(start.year + 1, 1, 1)
        for goods in GOODS:
            min_cd = min(row[0] for row in self.schedule[goods.code])
            in_scope = not agreement.sectors or agreement.sectors & set(goods.sectors)
            forced = goods.code in agreement.forced
            chosen = rng.random() < agreement.share  # drawn for every code: stable stream
            if min_cd < 3 or not (forced or (in_scope and chosen)):
                continue
            # Below every tariff rate of the period, so a valid claim always saves duty.
            rate = int(min_cd * rng.choice((0, 0.35, 0.5, 0.65)))
            rows = [(self.issues[0], Decimal(rate))]
            if agreement.code == "CPFTA" and rate and tranche <= end and rng.random() < 0.5:
                rows.append((tranche, Decimal(int(rate * 0.6))))
            self.preferences[(agreement.code, agreement.partner, goods.code)] = rows
            self.covered.setdefault(goods.code, []).append(agreement)

    # --- files ------------------------------------------------------------------------

    def tariff_rows(self) -> Iterator[tuple[str, ...]]:
        for goods in GOODS:
            for valid_from, row in zip(self.issues, self.schedule[goods.code]):
                yield (goods.code, goods.heading, valid_from.isoformat(),
                       *(str(x) for x in row))

    def preferential_rows(self) -> Iterator[tuple[str, ...]]:
        for (fta, partner, code), rows in self.preferences.items():
            for valid_from, rate in rows:
                yield fta, partner, code, valid_from.isoformat(), str(rate)

    # --- look-ups -----------------------------------------------------------------------

    def segment(self, day: dt.date) -> int:
        """Index of the interval of constant rates containing `day` (cache key part)."""
        return bisect_right(self.segments, day) - 1

    def preference(self, fta: str, origin: str, code: str, day: dt.date) -> Decimal | None:
        rate = None
        for valid_from, cd in self.preferences.get((fta, origin, code), ()):
            if valid_from <= day:
                rate = cd
        return rate

    def rates(self, code: str, day: dt.date, segment: int, fta: str = "", origin: str = "",
              sro: str = "") -> Rates:
        """Rates applied to `code` on `day` with the claims given, as the clearance system
        applies them: a preference if the agreement covers that origin and code, an SRO's
        rates if the SRO covers the code. Whether the claim was *entitled* is the caller's
        question (a wrong claim is exactly what the fraud kinds plant).
        """
        if not fta:
            origin = ""  # origin matters only to a preference: keep the cache small
        key = (code, segment, fta, origin, sro)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        issue = bisect_right(self.issues, day) - 1
        cd, rd, acd, st, ast, it = self.schedule[code][issue]
        rates = Rates(Decimal(cd), Decimal(rd), Decimal(acd), Decimal(st), Decimal(ast), it)
        if fta:
            rates = apply_preference(rates, self.preference(fta, origin, code, day))
        if sro:
            concession = CONCESSION_BY_REF[sro]
            if code in concession.codes:
                rates = replace(rates, **{k: Decimal(v) for k, v in concession.rates.items()})
        self._cache[key] = rates
        return rates
