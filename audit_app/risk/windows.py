"""Statistics of the whole months before each row's month: the no-look-ahead machinery.

Reference figures (median unit value of a PCT code and origin, typical kg per unit, how a
description is usually classified) are computed for each *target month* t from the rows cleared
in the `window` whole months before t, i.e. from data dated strictly before the first day of t.
An item therefore never sees its own month, let alone later ones: changing any row dated on or
after the first of an item's month cannot change that item's reference figures. (Within a month
all items share one reference; a month's lag costs little for statistics over a year.)

Both functions work on integer group ids and month numbers and cost O(rows + cells x months):
counts per (group, month) are accumulated once, and a window is the difference of two cumulative
columns. Quantiles come from a histogram of the values in narrow bins (interpolated within the
bin), which merges across months exactly where a sorted sample would not; with bins of 0.025 on
a log scale, a median is exact to about 1%.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def _cumulative(cell: IntArray, month: IntArray, n_cells: int, m0: int,
                n_months: int) -> NDArray[np.int32]:
    """C[c, k] = rows of cell c in months m0 .. m0+k-1 (so C[:, 0] = 0)."""
    counts = np.bincount(cell * n_months + (month - m0), minlength=n_cells * n_months)
    table = np.zeros((n_cells, n_months + 1), dtype=np.int32)
    np.cumsum(counts.reshape(n_cells, n_months), axis=1, out=table[:, 1:])
    return table


def _bounds(target_month: IntArray, m0: int, n_months: int,
            window: int) -> tuple[IntArray, IntArray]:
    hi = np.clip(target_month - m0, 0, n_months)
    lo = np.clip(target_month - m0 - window, 0, n_months)
    return lo, hi


class MonthlyCounts:
    """Rows per group and month, accumulated once; any month's window is then two columns."""

    def __init__(self, group: IntArray, month: IntArray, n_groups: int,
                 months: IntArray) -> None:
        """``months`` must span every month asked about later (rows' and targets')."""
        known = group >= 0
        self.m0 = int(months.min())
        self.n_months = int(months.max()) - self.m0 + 1
        self.table = _cumulative(group[known], month[known], max(n_groups, 1), self.m0,
                                 self.n_months)

    def window(self, target_month: int, window: int) -> IntArray:
        """Rows of every group in the `window` months before ``target_month``."""
        lo, hi = _bounds(np.asarray([target_month]), self.m0, self.n_months, window)
        return self.table[:, hi[0]].astype(np.int64) - self.table[:, lo[0]]


def window_counts(group: IntArray, month: IntArray, n_groups: int, target_group: IntArray,
                  target_month: IntArray, window: int) -> IntArray:
    """Rows of each target's group cleared in the `window` months before its month.

    ``group`` may be -1 (row belongs to no group); a target group of -1 gets 0.
    """
    if len(target_group) == 0:
        return np.zeros(0, dtype=np.int64)
    counts = MonthlyCounts(group, month, n_groups, np.concatenate([month, target_month]))
    lo, hi = _bounds(target_month, counts.m0, counts.n_months, window)
    g = np.maximum(target_group, 0)
    out = counts.table[g, hi].astype(np.int64) - counts.table[g, lo]
    out[target_group < 0] = 0
    return out


def window_quantiles(group: IntArray, month: IntArray, value: FloatArray, n_groups: int,
                     target_group: IntArray, target_month: IntArray, window: int,
                     quantiles: Sequence[float], bin_width: float) -> tuple[IntArray, FloatArray]:
    """(count, quantile values) of ``value`` per target over its group's window.

    Rows with a NaN value or group -1 are ignored. Returns counts (n_targets,) and an array
    (n_targets, len(quantiles)), NaN where the window holds no value.
    """
    n_t = len(target_group)
    result = np.full((n_t, len(quantiles)), np.nan)
    use = (group >= 0) & np.isfinite(value)
    if n_t == 0 or not use.any():
        return np.zeros(n_t, dtype=np.int64), result
    bins = np.floor(value[use] / bin_width).astype(np.int64)
    g = group[use]
    # Cells = (group, bin) pairs, numbered in (group, bin) order so that a cumulative sum over
    # cells runs through each group's histogram from its lowest bin to its highest.
    low = int(bins.min())
    span = int(bins.max()) - low + 1
    cell_keys, cell = np.unique(g * span + (bins - low), return_inverse=True)
    cell_group, cell_bin = cell_keys // span, cell_keys % span + low
    n_cells = len(cell_keys)
    months = np.concatenate([month, target_month])
    m0, n_months = int(months.min()), int(months.max() - months.min() + 1)
    table = _cumulative(cell, month[use], n_cells, m0, n_months)
    groups = np.arange(n_groups)
    starts = np.searchsorted(cell_group, groups, side="left")
    ends = np.searchsorted(cell_group, groups, side="right")
    occupied = ends > starts
    counts = np.zeros(n_t, dtype=np.int64)
    # One pass per distinct target month, computing every group's figures at once (there are
    # far fewer groups than rows), then handing them to that month's rows.
    order = np.argsort(target_month, kind="stable")
    months_sorted = target_month[order]
    for t in np.unique(target_month):
        rows = order[np.searchsorted(months_sorted, t, "left"):
                     np.searchsorted(months_sorted, t, "right")]
        rows = rows[target_group[rows] >= 0]
        lo, hi = _bounds(np.asarray([t]), m0, n_months, window)
        if len(rows) == 0 or hi[0] == lo[0]:
            continue
        in_window = (table[:, hi[0]] - table[:, lo[0]]).astype(np.int64)
        running = np.cumsum(in_window)
        before = np.where(starts > 0, running[np.maximum(starts - 1, 0)], 0)
        total = np.where(occupied, running[np.maximum(ends - 1, 0)], before) - before
        figures = np.full((n_groups, len(quantiles)), np.nan)
        has = total > 0
        for j, q in enumerate(quantiles):
            wanted = before[has] + q * total[has]
            idx = np.searchsorted(running, wanted, side="left")
            inside = (wanted - (running[idx] - in_window[idx])) / in_window[idx]
            figures[has, j] = (cell_bin[idx] + inside) * bin_width
        tg = target_group[rows]
        counts[rows] = total[tg]
        result[rows] = figures[tg]
    return counts, result
