"""Selection metrics for audit candidates, and the naive rankers every model must beat.

An audit unit can only examine a small share of cleared declarations, so what matters is the
quality of the top of the ranking, not a global figure such as AUC: ``precision_at`` is the hit
rate an audit team would see if it took the top ``fraction`` of the ranking, ``revenue_at`` the
share of the recoverable amount it would reach.

Ranking rule, shared by every function here so that figures are reproducible: higher score
first; ties are broken by position in the input (earlier row first); NaN scores rank last.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _as_scores(scores: ArrayLike) -> NDArray[np.float64]:
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError("scores must be one-dimensional")
    if s.size == 0:
        raise ValueError("cannot rank an empty set of rows")
    return s


def top_n(n_rows: int, fraction: float) -> int:
    """Number of rows in the top ``fraction``: rounded up, so any fraction > 0 selects a row."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    # Round away float noise first: 0.07 * 100 is 7.000000000000001 and must give 7, not 8.
    return min(n_rows, max(1, math.ceil(round(fraction * n_rows, 9))))


def ranking(scores: ArrayLike) -> NDArray[np.intp]:
    """Row indices from the best score to the worst (see the module docstring for ties)."""
    s = _as_scores(scores)
    missing = np.isnan(s)
    key = np.where(missing, 0.0, -s)
    # lexsort: the last key is the primary one; the row index makes the order total.
    return np.lexsort((np.arange(s.size), key, missing))


def top_rows(scores: ArrayLike, fraction: float) -> NDArray[np.intp]:
    """Indices of the rows selected when taking the top ``fraction`` of the ranking."""
    order = ranking(scores)
    return order[: top_n(order.size, fraction)]


def precision_at(labels: ArrayLike, scores: ArrayLike, fraction: float) -> float:
    """Share of the top ``fraction`` rows (by score) whose label is positive (non-zero)."""
    y = np.asarray(labels)
    if y.shape != np.shape(scores):
        raise ValueError("labels and scores must have the same shape")
    return float(np.mean(y[top_rows(scores, fraction)] != 0))


def revenue_at(amounts: ArrayLike, scores: ArrayLike, fraction: float) -> float:
    """Share of the total of ``amounts`` held by the top ``fraction`` rows (by score).

    Returns 0.0 when the total is zero: there is nothing to capture.
    """
    a = np.asarray(amounts, dtype=np.float64)
    if a.shape != np.shape(scores):
        raise ValueError("amounts and scores must have the same shape")
    if np.isnan(a).any() or (a < 0).any():
        raise ValueError("amounts must be non-negative numbers")
    total = a.sum()
    if total == 0:
        return 0.0
    return float(a[top_rows(scores, fraction)].sum() / total)


# --- naive rankers: the floor a model has to clear ------------------------------------------


def random_scores(n_rows: int, seed: int = 0) -> NDArray[np.float64]:
    """Random selection, the baseline for an unbiased audit sample."""
    return np.random.default_rng(seed).random(n_rows)


def highest_value_scores(values: ArrayLike) -> NDArray[np.float64]:
    """Largest declared value first: what a unit does when it audits the big consignments."""
    return np.asarray(values, dtype=np.float64).copy()


def lowest_unit_value_scores(values: ArrayLike, quantities: ArrayLike) -> NDArray[np.float64]:
    """Lowest value per unit of quantity first: the classic undervaluation screen.

    A zero quantity gives no unit value (NaN, ranked last) unless the value is positive, in which
    case the unit value is infinite and also ranks last.
    """
    v = np.asarray(values, dtype=np.float64)
    q = np.asarray(quantities, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit_value = v / q
    return -unit_value
