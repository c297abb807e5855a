"""Reference unit values and weights: how an item's price and weight compare with earlier ones.

The reference for an item is the median over the HISTORY window before its month (see
`windows`) of comparable earlier imports, from the finest comparison that has at least
MIN_REFERENCE of them: the same PCT code, unit and origin; else the same code and unit; else the
same heading (4 digits) and unit. The unit is part of every comparison because a price per kg
and a price per piece cannot be compared. Values are compared on a log scale, where a robust
spread (interquartile range / 1.349, about one standard deviation for normal data) makes a
z-score that the very undervalued declarations being looked for cannot inflate.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .windows import window_quantiles

MIN_REFERENCE = 5
BIN_WIDTH = 0.025       # log scale: medians exact to about 1%
MIN_LOG_SPREAD = 0.05   # a group of near-identical prices must not make every cent a z of 10
LEVEL_NAMES = ("hs_origin", "hs", "heading")

FloatArray = NDArray[np.float64]


def group_ids(*codes: NDArray[np.int64]) -> tuple[NDArray[np.int64], int]:
    """One dense id per distinct combination of the given integer code arrays."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        key = key * (int(c.max(initial=0)) + 1) + c
    ids, uniques = pd.factorize(key)
    return ids.astype(np.int64), len(uniques)


@dataclass
class Reference:
    median: FloatArray     # on the value's own scale (not log)
    count: NDArray[np.int64]
    level: NDArray[np.int64]   # index into the levels given, len(levels) = none
    z: FloatArray


def reference(levels: Sequence[tuple[NDArray[np.int64], int]], month: NDArray[np.int64],
              value: FloatArray, target: np.ndarray, window: int) -> Reference:
    """Median, count and robust z of ``value`` against the finest level with enough data."""
    n_t = int(target.sum())
    log_value = np.log(np.where(value > 0, value, np.nan))
    t_month, t_log = month[target], log_value[target]
    median = np.full(n_t, np.nan)
    spread = np.full(n_t, np.nan)
    count = np.zeros(n_t, dtype=np.int64)
    level = np.full(n_t, len(levels), dtype=np.int64)
    # Coarsest first, so that a finer level with enough data overwrites it.
    for i in reversed(range(len(levels))):
        group, n_groups = levels[i]
        n, q = window_quantiles(group, month, log_value, n_groups, group[target], t_month,
                                window, (0.25, 0.5, 0.75), BIN_WIDTH)
        enough = n >= MIN_REFERENCE
        median[enough] = q[enough, 1]
        spread[enough] = (q[enough, 2] - q[enough, 0]) / 1.349
        count[enough] = n[enough]
        level[enough] = i
    z = (t_log - median) / np.maximum(spread, MIN_LOG_SPREAD)
    return Reference(np.exp(median), count, level, z)


def valuation_features(rows: pd.DataFrame, target: np.ndarray, month: NDArray[np.int64],
                       hs: NDArray[np.int64], heading: NDArray[np.int64],
                       origin: NDArray[np.int64], unit: NDArray[np.int64],
                       window: int) -> dict[str, np.ndarray]:
    quantity = rows["quantity"].to_numpy(np.float64)
    value = rows["assessed_cents"].to_numpy(np.float64) / 100
    unit_value = np.divide(value, quantity, out=np.full(len(value), np.nan),
                           where=quantity > 0)
    price = reference([group_ids(hs, unit, origin), group_ids(hs, unit),
                       group_ids(heading, unit)], month, unit_value, target, window)
    gross = rows["gross_weight_kg"].to_numpy(np.float64)
    kg = np.divide(gross, quantity, out=np.full(len(value), np.nan),
                   where=(quantity > 0) & (gross > 0))
    weight = reference([group_ids(hs, unit), group_ids(heading, unit)], month, kg, target,
                       window)
    uv = unit_value[target]
    names = np.asarray([*LEVEL_NAMES, "none"], dtype=object)
    return {
        "unit_value_pkr": uv,
        "ref_unit_value_pkr": price.median,
        "ref_count": price.count,
        "ref_level": names[price.level],
        "unit_value_ratio": uv / price.median,
        "unit_value_z": price.z,
        "kg_per_unit": kg[target],
        "ref_kg_per_unit": weight.median,
        "weight_ratio": kg[target] / weight.median,
        "_ref_kg_count": weight.count,
    }
