"""How strongly each fraud kind is suggested by an item's features, on a 0-1 scale.

One function per kind, vectorised over the feature frame. They serve three purposes, so the
same reading of the evidence is used everywhere: choosing the "strongest suspicion" whose short
levy is the duty at stake, the cold-start blend (no labels yet), and the explanations.
The scales are set where a customs appraiser would start to look twice, not fitted to data:
- undervaluation: from 1 robust standard deviation below the reference price (0) to 4 (1);
- quantity: kg per unit from 25% above the reference (0) to double (1);
- misclassification: another tariff line fits the description better by 0.4 (1), only when it
  carries more duty;
- origin: a preference claimed on goods shipped via a third country, or with no preferential
  rate in force for that origin and code;
- concession: a concession claimed on goods outside the importer's usual chapters.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

KINDS = ("UNDERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION", "QUANTITY")
FloatArray = NDArray[np.float64]


def _col(frame: pd.DataFrame, name: str, fill: float = np.nan) -> FloatArray:
    return frame[name].to_numpy(np.float64, na_value=fill)


def _bool(frame: pd.DataFrame, name: str) -> NDArray[np.bool_]:
    return frame[name].to_numpy(bool, na_value=False)


def undervaluation(frame: pd.DataFrame) -> FloatArray:
    z = np.nan_to_num(_col(frame, "unit_value_z"), nan=0.0)
    return np.clip((-z - 1.0) / 3.0, 0.0, 1.0)


def quantity(frame: pd.DataFrame) -> FloatArray:
    ratio = np.nan_to_num(_col(frame, "weight_ratio"), nan=1.0)
    return np.clip((ratio - 1.25) / 0.75, 0.0, 1.0)


def misclassification(frame: pd.DataFrame) -> FloatArray:
    gap = _col(frame, "desc_fit_best", 0.0) - _col(frame, "desc_fit_declared", 0.0)
    dearer = _col(frame, "duty_rate_gap", 0.0) > 0
    return np.where(_bool(frame, "desc_better_heading") & dearer,
                    np.clip(gap / 0.4, 0.0, 1.0), 0.0)


def origin(frame: pd.DataFrame) -> FloatArray:
    claimed = _bool(frame, "fta_claimed")
    no_rate = claimed & ~_bool(frame, "fta_rate_exists")
    via = claimed & _bool(frame, "shipped_via_third_country")
    return np.where(no_rate, 1.0, np.where(via, 0.7, np.where(claimed, 0.05, 0.0)))


def concession(frame: pd.DataFrame) -> FloatArray:
    share = np.nan_to_num(_col(frame, "importer_chapter_share"), nan=0.0)
    return np.where(_bool(frame, "sro_claimed"), np.clip(1.0 - share / 0.3, 0.05, 1.0), 0.0)


def strengths(frame: pd.DataFrame) -> FloatArray:
    """(n_rows, len(KINDS)) strengths in KINDS order."""
    return np.stack([undervaluation(frame), misclassification(frame), origin(frame),
                     concession(frame), quantity(frame)], axis=1)
