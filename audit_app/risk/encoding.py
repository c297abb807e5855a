"""Leakage-safe encodings of declaration attributes for the risk model.

Every encoder here is *fitted on past rows* (declarations whose outcome is known) and then
*applied to later rows* (the ones to score). ``transform`` never sees a label, so a later row's
features cannot depend on its own outcome or on any other later outcome. For the fitted rows
themselves, ``fit_transform`` returns out-of-fold values: a row's target encoding is computed
without its own label, otherwise the model would learn to trust encodings that quote the answer.

A *key* is one column name or a tuple of them (a combination such as importer x HS code). A row
with a missing part in its key belongs to no group: it gets the prior (target encoding), a count
of zero (frequency) or the next coarser level (reference statistics).

The encoders are generic (pandas DataFrame in, pandas out) so that the same code serves the
KCS benchmark and the system's own declarations (PCT code x origin reference prices, importer
and clearing agent history).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

Key = str | tuple[str, ...]

_SEP = "\x1f"  # unit separator: cannot occur in codes, so joined keys never collide


def key_columns(key: Key) -> tuple[str, ...]:
    return (key,) if isinstance(key, str) else tuple(key)


def key_name(key: Key) -> str:
    """Readable feature-name stem for a key, e.g. ``Importer ID x HS6 Code``."""
    return " x ".join(key_columns(key))


def key_series(frame: pd.DataFrame, key: Key) -> pd.Series:
    """One string per row identifying its group for ``key``; NaN if any part is missing."""
    columns = key_columns(key)
    missing = frame[list(columns)].isna().any(axis=1)
    joined = frame[columns[0]].astype(str)
    for column in columns[1:]:
        joined = joined + _SEP + frame[column].astype(str)
    return joined.astype(object).where(~missing, np.nan)


@dataclass
class TargetEncoder:
    """Smoothed mean of a 0/1 (or numeric) target per group.

    The estimate is pulled towards the overall rate (``prior``) with the weight of ``smoothing``
    pseudo-rows, so an importer seen twice with one fraud gets a moderate score rather than 50%.
    """

    keys: Sequence[Key]
    smoothing: float = 20.0
    n_folds: int = 5
    seed: int = 0
    prior_: float = field(init=False, default=float("nan"))
    stats_: dict[str, pd.DataFrame] = field(init=False, default_factory=dict)

    def fit(self, past: pd.DataFrame, target: ArrayLike) -> TargetEncoder:
        y = pd.Series(np.asarray(target, dtype=np.float64), index=past.index)
        self.prior_ = float(y.mean())
        self.stats_ = {key_name(k): _group_sums(key_series(past, k), y) for k in self.keys}
        return self

    def transform(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Encodings for rows later than the fitted ones (uses no label of ``rows``)."""
        if not self.stats_:
            raise RuntimeError("TargetEncoder.transform called before fit")
        out = {
            f"te {key_name(k)}": self._smooth(
                key_series(rows, k), self.stats_[key_name(k)], self.prior_
            )
            for k in self.keys
        }
        return pd.DataFrame(out, index=rows.index)

    def fit_transform(self, past: pd.DataFrame, target: ArrayLike) -> pd.DataFrame:
        """Fit on ``past`` and return its out-of-fold encodings."""
        y = pd.Series(np.asarray(target, dtype=np.float64), index=past.index)
        self.fit(past, y)
        out = pd.DataFrame(
            np.nan, index=past.index, columns=[f"te {key_name(k)}" for k in self.keys]
        )
        fold = np.random.default_rng(self.seed).permutation(len(past)) % self.n_folds
        keys = {key_name(k): key_series(past, k) for k in self.keys}
        for f in range(self.n_folds):
            held, rest = fold == f, fold != f
            prior = float(y[rest].mean())
            for name, groups in keys.items():
                stats = _group_sums(groups[rest], y[rest])
                out.loc[held, f"te {name}"] = self._smooth(groups[held], stats, prior).values
        return out

    def _smooth(self, groups: pd.Series, stats: pd.DataFrame, prior: float) -> pd.Series:
        total = groups.map(stats["sum"]).fillna(0.0).astype(np.float64)
        count = groups.map(stats["count"]).fillna(0.0).astype(np.float64)
        return (total + self.smoothing * prior) / (count + self.smoothing)


def _group_sums(groups: pd.Series, y: pd.Series) -> pd.DataFrame:
    return y.groupby(groups, dropna=True).agg(["sum", "count"])


@dataclass
class FrequencyEncoder:
    """How many past rows share the row's group: volume of an importer, an agent, a route."""

    keys: Sequence[Key]
    counts_: dict[str, pd.Series] = field(init=False, default_factory=dict)

    def fit(self, past: pd.DataFrame) -> FrequencyEncoder:
        self.counts_ = {
            key_name(k): key_series(past, k).value_counts(dropna=True) for k in self.keys
        }
        return self

    def transform(self, rows: pd.DataFrame) -> pd.DataFrame:
        out = {
            f"n {key_name(k)}": key_series(rows, k)
            .map(self.counts_[key_name(k)])
            .fillna(0)
            .astype(np.float64)
            for k in self.keys
        }
        return pd.DataFrame(out, index=rows.index)


@dataclass
class RobustReference:
    """Median and MAD of a value per group, falling back to coarser groups when data is thin.

    ``levels`` go from the finest grouping to the coarsest, e.g. (HS6 x origin, HS6, HS4, HS2);
    a row takes the first level whose group has at least ``min_count`` past values, else the
    overall figures. Median and MAD resist the very outliers (undervalued declarations) that
    a mean and standard deviation would absorb. Pass values on the scale the comparison should
    use (log unit prices for prices). ``min_scale`` floors the spread so that a group of identical
    past values does not turn a tiny difference into an infinite z-score.
    """

    levels: Sequence[Key]
    min_count: int = 5
    min_scale: float = 1e-3
    stats_: list[pd.DataFrame] = field(init=False, default_factory=list)
    overall_: tuple[float, float] = field(init=False, default=(float("nan"), float("nan")))

    def fit(self, past: pd.DataFrame, values: ArrayLike) -> RobustReference:
        v = pd.Series(np.asarray(values, dtype=np.float64), index=past.index)
        known = v.notna()
        self.stats_ = []
        for level in self.levels:
            groups = key_series(past, level)[known]
            median = v[known].groupby(groups).median()
            deviation = (v[known] - groups.map(median)).abs()
            stats = pd.DataFrame(
                {
                    "median": median,
                    "mad": deviation.groupby(groups).median(),
                    "count": groups.value_counts(),
                }
            )
            self.stats_.append(stats[stats["count"] >= self.min_count])
        centre = float(v[known].median())
        self.overall_ = (centre, float((v[known] - centre).abs().median()))
        return self

    def transform(self, rows: pd.DataFrame, values: ArrayLike) -> pd.DataFrame:
        if not self.stats_:
            raise RuntimeError("RobustReference.transform called before fit")
        n = len(rows)
        median = np.full(n, self.overall_[0])
        mad = np.full(n, self.overall_[1])
        level_used = np.full(n, len(self.levels), dtype=np.int64)
        # Walk from the coarsest level to the finest so the finest available one wins.
        for i in reversed(range(len(self.levels))):
            groups = key_series(rows, self.levels[i])
            found = groups.isin(self.stats_[i].index).to_numpy()
            stats = self.stats_[i].reindex(groups[found])
            median[found] = stats["median"].to_numpy()
            mad[found] = stats["mad"].to_numpy()
            level_used[found] = i
        v = np.asarray(values, dtype=np.float64)
        scale = np.maximum(1.4826 * mad, self.min_scale)  # 1.4826 * MAD ~ sd for normal data
        return pd.DataFrame(
            {"ref_median": median, "ref_mad": mad, "ref_level": level_used,
             "robust_z": (v - median) / scale},
            index=rows.index,
        )
