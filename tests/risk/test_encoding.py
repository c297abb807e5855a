"""Encoders: hand-computed values, fallbacks, and no label ever reaching its own row."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit_app.risk.encoding import FrequencyEncoder, RobustReference, TargetEncoder

PAST = pd.DataFrame({
    "importer": ["a", "a", "a", "b", None],
    "hs": ["1", "1", "2", "2", "2"],
})
Y = [1, 0, 1, 0, 1]  # prior 0.6
LATER = pd.DataFrame({"importer": ["a", "b", "c", None], "hs": ["1", "2", "1", "2"]})


def test_target_encoding_is_the_smoothed_past_rate() -> None:
    encoder = TargetEncoder(["importer", ("importer", "hs")], smoothing=2.0).fit(PAST, Y)
    out = encoder.transform(LATER)
    prior = 0.6
    assert out["te importer"].tolist() == pytest.approx([
        (2 + 2 * prior) / (3 + 2),   # a: 2 frauds in 3
        (0 + 2 * prior) / (1 + 2),   # b: 0 in 1
        prior,                       # c: never seen
        prior,                       # missing importer: no group, no evidence
    ])
    assert out["te importer x hs"].tolist() == pytest.approx([
        (1 + 2 * prior) / (2 + 2), (0 + 2 * prior) / (1 + 2), prior, prior,
    ])


def test_out_of_fold_encoding_never_uses_the_rows_own_label() -> None:
    rng = np.random.default_rng(0)
    past = pd.DataFrame({"importer": rng.choice(list("abcde"), 200)})
    y = rng.integers(0, 2, 200)
    base = TargetEncoder(["importer"], n_folds=5, seed=1).fit_transform(past, y)
    for row in (0, 17, 199):
        flipped = y.copy()
        flipped[row] = 1 - flipped[row]
        out = TargetEncoder(["importer"], n_folds=5, seed=1).fit_transform(past, flipped)
        assert out.iloc[row, 0] == base.iloc[row, 0]
        assert not out.equals(base)  # the label does reach the other folds


def test_frequency_counts_past_rows_per_group() -> None:
    out = FrequencyEncoder(["importer", ("importer", "hs")]).fit(PAST).transform(LATER)
    assert out["n importer"].tolist() == [3, 1, 0, 0]
    assert out["n importer x hs"].tolist() == [2, 1, 0, 0]


def test_reference_falls_back_to_coarser_groups_then_overall() -> None:
    past = pd.DataFrame({
        "hs6": ["111111"] * 5 + ["111122"] * 2 + ["999999"] * 3,
        "hs4": ["1111"] * 7 + ["9999"] * 3,
    })
    values = [1.0, 2.0, 3.0, 4.0, 100.0, 10.0, 10.0, 7.0, 7.0, 7.0]
    reference = RobustReference(["hs6", "hs4"], min_count=5, min_scale=0.1).fit(past, values)
    later = pd.DataFrame({"hs6": ["111111", "111122", "999999"], "hs4": ["1111", "1111", "9999"]})
    out = reference.transform(later, [5.0, 3.0, 7.0])
    # 111111 has 5 values: its own median 3, MAD median(|1-3|,..,|100-3|) = 1.
    # 111122 has 2: falls back to heading 1111 (7 values, median 4, MAD 3).
    # 999999 and 9999 have 3: overall median 7, MAD 3; a zero spread would be floored.
    assert out["ref_level"].tolist() == [0, 1, 2]
    assert out["ref_median"].tolist() == [3.0, 4.0, 7.0]
    assert out["ref_mad"].tolist() == [1.0, 3.0, 3.0]
    assert out["robust_z"].tolist() == pytest.approx([2 / 1.4826, -1 / (3 * 1.4826), 0.0])


def test_reference_floors_a_zero_spread() -> None:
    past = pd.DataFrame({"hs6": ["1"] * 5})
    reference = RobustReference(["hs6"], min_count=5, min_scale=0.5).fit(past, [2.0] * 5)
    out = reference.transform(pd.DataFrame({"hs6": ["1"]}), [3.0])
    assert out["robust_z"].tolist() == [2.0]
