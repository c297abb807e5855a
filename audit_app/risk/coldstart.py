"""Cold start: a probability of a finding without any trained model.

Before the first model is trained (no audit outcomes yet, or none activated) the unsupervised
signals still rank items sensibly. Each signal is a 0-1 strength (`signals`, plus the rule score
and earlier audits of the importer) with a weight that says how often such a signal alone
should lead to a finding; they combine as independent pieces of evidence (noisy-OR):

    p = 1 - (1 - BASE_RATE) * prod_k (1 - weight_k * strength_k)

which stays in 0..1, equals BASE_RATE for an item with no signal, and rises with every signal
without one of them being able to exceed its own weight. The weights are judgement, chosen so
that a clear signal of any fraud kind lands in the top few percent; the first trained model
replaces them with what the outcomes say. Each term's contribution weight_k * strength_k is what
the explanations quote.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import signals

BASE_RATE = 0.02
# term -> weight: the chance of a finding when this signal alone is at full strength
WEIGHTS: dict[str, float] = {
    "rules": 0.6,
    "UNDERVALUATION": 0.55,
    "MISCLASSIFICATION": 0.7,
    "ORIGIN": 0.6,
    "CONCESSION": 0.45,
    "QUANTITY": 0.55,
    "importer_history": 0.35,
}


def terms(frame: pd.DataFrame, rule_score: NDArray[np.float64]) -> pd.DataFrame:
    """Each term's contribution (weight x strength) per row, 0..weight."""
    strength = signals.strengths(frame)
    out = {"rules": WEIGHTS["rules"] * np.clip(np.asarray(rule_score, dtype=np.float64), 0, 1)}
    for j, kind in enumerate(signals.KINDS):
        out[kind] = WEIGHTS[kind] * strength[:, j]
    # Earlier audits of the importer: only the excess over the usual hit rate is a signal.
    rate = frame["importer_hit_rate"].to_numpy(np.float64, na_value=np.nan)
    audits = frame["importer_audits"].to_numpy(np.float64, na_value=0.0)
    excess = np.clip((np.nan_to_num(rate, nan=0.0) - 0.2) / 0.5, 0, 1)
    out["importer_history"] = WEIGHTS["importer_history"] * np.where(audits > 0, excess, 0.0)
    return pd.DataFrame(out, index=frame.index)


def probability(contributions: pd.DataFrame) -> NDArray[np.float64]:
    keep = np.prod(1.0 - contributions.to_numpy(np.float64), axis=1)
    return 1.0 - (1.0 - BASE_RATE) * keep
