"""The duty formula (spec section 4) over whole columns, and the tariff in force on a date.

`levies` is the vectorised twin of `audit_app.services.duty.levy_tuple`: the same formula in
exact integer arithmetic (values in cents, rates in 1/10,000 of a percent), so each levy is
rounded half up to whole rupees exactly as the Decimal code does (a test compares them).
Rows whose products could overflow 64-bit integers (values above about Rs 90 billion) go
through `levy_tuple` itself.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..services.duty import Rates, levy_tuple

LEVIES = ("cd", "rd", "acd", "st", "ast", "it")
_DEN = 10**8          # cents x (percent x 10^4) -> rupees: / 100 / 100 / 10^4
_SAFE = 9 * 10**18    # below int64's limit with room for the half-unit added to round
IntArray = NDArray[np.int64]


def _round(numerator: IntArray) -> IntArray:
    """numerator / 10^8 rounded half up (numerator >= 0)."""
    return (numerator + _DEN // 2) // _DEN


def levies(value_cents: IntArray, rates_e4: IntArray) -> IntArray:
    """Whole-rupee (cd, rd, acd, st, ast, it) per row: shape (n, 6).

    ``rates_e4`` has shape (n, 6); rows with a negative rate (no tariff in force) give -1.
    """
    v = np.asarray(value_cents, dtype=np.int64)
    r = np.asarray(rates_e4, dtype=np.int64)
    out = np.full((len(v), 6), -1, dtype=np.int64)
    known = (r >= 0).all(axis=1) & (v >= 0)
    # The largest product is the IT base (at most V x (1 + sum of rates)^2) times a rate;
    # bounded in float with a factor-2 margin against int64's limit.
    growth = (1.0 + r.sum(axis=1) / 1e6) ** 2 * np.maximum(r.max(axis=1), 1)
    fast = known & (v.astype(np.float64) * growth < _SAFE / 2)
    vf, rf = v[fast], r[fast]
    cd, rd, acd = (_round(vf * rf[:, i]) for i in range(3))
    base = vf + 100 * (cd + rd + acd)
    st, ast = _round(base * rf[:, 3]), _round(base * rf[:, 4])
    it = _round((base + 100 * (st + ast)) * rf[:, 5])
    out[fast] = np.stack([cd, rd, acd, st, ast, it], axis=1)
    for i in np.flatnonzero(known & ~fast):  # exact Decimal path for huge values
        rates = Rates(*(Decimal(int(x)).scaleb(-4) for x in r[i]))
        out[i] = [int(x) for x in levy_tuple(Decimal(int(v[i])).scaleb(-2), rates)]
    return out


def short_cents(due_rupees: IntArray, paid_cents: IntArray) -> NDArray[np.float64]:
    """Per-row short levy in rupees: sum over levies of max(0, due - paid); NaN if unknown."""
    gap = np.maximum(due_rupees * 100 - paid_cents, 0)
    total = gap.sum(axis=1).astype(np.float64) / 100
    total[(due_rupees < 0).any(axis=1)] = np.nan
    return total


class TariffTable:
    """Tariff rows sorted by (code, valid_from) for look-ups of the row in force on a day."""

    def __init__(self, tariff: pd.DataFrame) -> None:
        self.codes = {c: i for i, c in enumerate(pd.unique(tariff["hs_code"]))}
        code_id = tariff["hs_code"].map(self.codes).to_numpy(np.int64)
        day = tariff["valid_day"].to_numpy(np.int64)
        order = np.lexsort((day, code_id))
        self.key = code_id[order] * 1_000_000 + day[order]
        self.rates = tariff[[f"{lv}_e4" for lv in LEVIES]].to_numpy(np.int64)[order]
        self.description = tariff["description"].to_numpy(object)[order]

    def code_ids(self, codes: np.ndarray, ids: IntArray | None = None) -> IntArray:
        """Tariff code ids of ``codes`` (-1: not in the tariff); with ``ids``, of codes[ids]
        (distinct codes looked up once)."""
        table = np.asarray([self.codes.get(c, -1) for c in codes.tolist()], dtype=np.int64)
        return table if ids is None else table[ids]

    def row_in_force(self, code_id: IntArray, day: IntArray) -> IntArray:
        """Index of the latest row with valid_from <= day for the code, or -1."""
        if len(self.key) == 0:
            return np.full(len(code_id), -1, dtype=np.int64)
        pos = np.searchsorted(self.key, code_id * 1_000_000 + day, side="right") - 1
        ok = (pos >= 0) & (code_id >= 0)
        ok[ok] &= self.key[pos[ok]] // 1_000_000 == code_id[ok]
        return np.where(ok, pos, -1)

    def rates_for(self, row: IntArray) -> IntArray:
        out = np.full((len(row), 6), -1, dtype=np.int64)
        out[row >= 0] = self.rates[row[row >= 0]]
        return out


def preferential_cd(preferential: pd.DataFrame, fta: np.ndarray, origin: np.ndarray,
                    hs: np.ndarray, day: IntArray) -> IntArray:
    """The preferential cd rate (x10^4) in force for (agreement, origin, code) on day, or -1."""
    n = len(fta)
    out = np.full(n, -1, dtype=np.int64)
    claimed = fta != ""
    if not claimed.any() or preferential.empty:
        return out
    table_keys = (preferential["fta_code"] + "|" + preferential["origin_country"] + "|"
                  + preferential["hs_code"])
    ids = {k: i for i, k in enumerate(pd.unique(table_keys))}
    tid = table_keys.map(ids).to_numpy(np.int64)
    tday = preferential["valid_day"].to_numpy(np.int64)
    order = np.lexsort((tday, tid))
    keys = tid[order] * 1_000_000 + tday[order]
    rates = preferential["cd_e4"].to_numpy(np.int64)[order]
    rows = np.flatnonzero(claimed)
    row_keys = pd.Series(fta[rows] + "|" + origin[rows] + "|" + hs[rows]).map(ids)
    found = row_keys.notna().to_numpy()
    rid = row_keys.fillna(-1).to_numpy(np.int64)
    pos = np.searchsorted(keys, rid * 1_000_000 + day[rows], side="right") - 1
    ok = found & (pos >= 0)
    ok[ok] &= keys[pos[ok]] // 1_000_000 == rid[ok]
    out[rows[ok]] = rates[pos[ok]]
    return out
