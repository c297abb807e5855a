"""Duty at stake: the short levy an audit would establish if the strongest suspicion is true.

For each fraud kind the corrected facts are estimated and the duty formula recomputes what was
due; the short levy is, per levy, max(0, due - paid), summed (spec section 4: an overpaid levy
never offsets another). The kinds:
- undervaluation: the value at the reference unit value (only when the item is below it);
- quantity: the value scaled by the weight ratio (the weight shows the goods really shipped);
- misclassification: the declared value at the best-fitting code's rates;
- origin: the MFN customs duty instead of the preferential one;
- concession: the tariff's rates without the concession (the SRO's own rates are not in the
  data, so the concession's effect is whatever was paid below the tariff).
For the value-based kinds on an item that claims a concession, whose rates are unknown, the
levies paid are scaled by the value ratio instead (duty is proportional to value).

The strongest suspicion is the kind with the highest strength (`signals`). With no suspicion
at all (or none that would recover anything), GENERIC_SHARE of the expected duty stands for
"some error of an unknown kind", so that an item the model fears for other reasons (trader
history) is not ranked as worth nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import signals
from .features_duty import levies, short_cents

GENERIC_SHARE = 0.25
MAX_VALUE_FACTOR = 5.0   # true value at most 5x the declared (80% undervaluation)
MAX_WEIGHT_FACTOR = 3.0
MIN_STRENGTH = 0.02
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class StakeInputs:
    assessed_cents: IntArray
    paid_cents: IntArray        # (n, 6)
    mfn_rates: IntArray         # (n, 6) tariff rates of the declared code, x10^4, -1 unknown
    effective_rates: IntArray   # the same with a valid preference applied
    best_rates: IntArray        # (n, 6) tariff rates of the best-fitting code
    expected_duty: FloatArray


def _short(inputs: StakeInputs, rows: NDArray[np.bool_], value: IntArray,
           rates: IntArray) -> FloatArray:
    """Short levy for the selected rows only (the formula is the costly part)."""
    out = np.zeros(len(rows))
    out[rows] = short_cents(levies(value[rows], rates[rows]), inputs.paid_cents[rows])
    return out


def _scaled(inputs: StakeInputs, factor: FloatArray, sro: NDArray[np.bool_]) -> FloatArray:
    """Short levy if the true value were ``factor`` times the declared one (0 where <= 1)."""
    rows = factor > 1
    value = np.rint(inputs.assessed_cents * factor).astype(np.int64)
    by_formula = _short(inputs, rows & ~sro, value, inputs.effective_rates)
    paid = inputs.paid_cents.sum(axis=1) / 100
    by_scaling = np.where(rows, paid * (factor - 1.0), 0.0)
    return np.where(sro, by_scaling, by_formula)


def duty_at_stake(frame: pd.DataFrame, inputs: StakeInputs) -> tuple[FloatArray, np.ndarray]:
    """(duty at stake in rupees, the kind it assumes) per row of ``frame``."""
    n = len(frame)
    sro = frame["sro_claimed"].to_numpy(bool)
    amounts = np.zeros((n, len(signals.KINDS)))
    # Corrections beyond these factors are more likely a unit or data error than a fraud,
    # and would let one odd row dominate a ranking by rupees.
    price_gap = np.nan_to_num(1.0 / frame["unit_value_ratio"].to_numpy(np.float64), nan=1.0,
                              posinf=1.0)
    amounts[:, 0] = _scaled(inputs, np.clip(price_gap, 1.0, MAX_VALUE_FACTOR), sro)
    weight = np.nan_to_num(frame["weight_ratio"].to_numpy(np.float64), nan=1.0, posinf=1.0)
    amounts[:, 4] = _scaled(inputs, np.clip(weight, 1.0, MAX_WEIGHT_FACTOR), sro)
    value = inputs.assessed_cents
    other_code = frame["desc_best_code"].to_numpy(object) != frame["hs_code"].to_numpy(object)
    amounts[:, 1] = _short(inputs, other_code, value, inputs.best_rates)
    amounts[:, 2] = _short(inputs, frame["fta_claimed"].to_numpy(bool), value, inputs.mfn_rates)
    amounts[:, 3] = _short(inputs, sro, value, inputs.effective_rates)
    amounts = np.nan_to_num(amounts, nan=0.0)

    strength = signals.strengths(frame)
    # Strongest first; among equally strong suspicions the larger amount.
    score = strength + 1e-12 * amounts / (1.0 + amounts.max(initial=0.0))
    kind = score.argmax(axis=1)
    stake = amounts[np.arange(n), kind]
    # No suspicion, or one that would recover nothing (a preference worth no duty): generic.
    none = (strength.max(axis=1) < MIN_STRENGTH) | (stake <= 0)
    generic = GENERIC_SHARE * np.nan_to_num(inputs.expected_duty, nan=0.0)
    stake = np.where(none, generic, stake)
    names = np.asarray(signals.KINDS, dtype=object)[kind]
    names[none] = "OTHER"
    return np.maximum(stake, 0.0), names
