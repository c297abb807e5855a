"""The KCS benchmark pipeline on a small chronological slice of the real files.

The slice keeps the first rows of each file (the earliest dates), so the protocol's time order
holds; the full benchmark is bench/risk_kcs.py.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audit_app.risk.kcs import FILES, build_features, evaluate_kcs, load_kcs

REPO = Path(__file__).resolve().parents[2]
KCS = Path(os.environ.get("PCA_KCS_DIR") or REPO.parent / "shared/data/kcs")
SLICE = {"train": 4000, "valid": 1000, "test": 1000}

pytestmark = pytest.mark.skipif(not (KCS / FILES["train"]).exists(),
                                reason=f"KCS benchmark files not found in {KCS}")


@pytest.fixture(scope="module")
def kcs_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kcs")
    for split, rows in SLICE.items():
        with open(KCS / FILES[split], encoding="utf-8") as source:
            lines = [next(source) for _ in range(rows + 1)]  # header + rows
        (directory / FILES[split]).write_text("".join(lines), encoding="utf-8")
    return directory


def test_evaluation_reports_every_figure_and_beats_random(kcs_slice: Path) -> None:
    result = evaluate_kcs(kcs_slice, seed=0)
    json.dumps(result)  # JSON-able, as the bench prints it
    figures = {"precision_at_1", "precision_at_2", "precision_at_5", "precision_at_10"}
    assert result["dataset"] == "kcs"
    assert result["rows"] == SLICE
    assert set(result["model"]) == figures
    assert set(result["baselines"]) == {"random", "highest_value", "lowest_unit_value"}
    assert all(set(b) == figures for b in result["baselines"].values())
    assert all(0.0 <= v <= 1.0 for v in result["model"].values())
    random = result["baselines"]["random"]
    assert result["model"]["precision_at_10"] > random["precision_at_10"] + 0.1


def test_evaluation_is_deterministic(kcs_slice: Path) -> None:
    first, second = evaluate_kcs(kcs_slice, seed=0), evaluate_kcs(kcs_slice, seed=0)
    first.pop("seconds"), second.pop("seconds")
    assert first == second


def _flip(frame: pd.DataFrame) -> pd.DataFrame:
    flipped = frame.copy()
    flipped["Fraud"] = 1 - flipped["Fraud"]
    flipped["Critical Fraud"] = 2 - flipped["Critical Fraud"]
    return flipped


@pytest.mark.parametrize("changed", ["valid", "test"])
def test_features_never_read_the_labels_of_later_rows(kcs_slice: Path, changed: str) -> None:
    train, valid, test = load_kcs(kcs_slice)
    x_train, x_later = build_features(train, [valid, test])
    later = {"valid": valid, "test": test}
    later[changed] = _flip(later[changed])
    y_train, y_later = build_features(train, [later["valid"], later["test"]])
    pd.testing.assert_frame_equal(x_train, y_train)
    for before, after in zip(x_later, y_later):
        pd.testing.assert_frame_equal(before, after)


def test_critical_fraud_is_not_a_feature(kcs_slice: Path) -> None:
    train, valid, test = load_kcs(kcs_slice)
    shuffled = train.copy()
    shuffled["Critical Fraud"] = np.random.default_rng(0).permutation(train["Critical Fraud"])
    x_train, x_later = build_features(train, [valid, test])
    y_train, y_later = build_features(shuffled, [valid, test])
    pd.testing.assert_frame_equal(x_train, y_train)
    for before, after in zip(x_later, y_later):
        pd.testing.assert_frame_equal(before, after)
    assert not any("critical" in c.lower() or c == "Fraud" for c in x_train.columns)


def test_console_command_prints_the_table(kcs_slice: Path) -> None:
    from click.testing import CliRunner

    from audit_app.risk.commands import evaluate_cmd

    result = CliRunner().invoke(evaluate_cmd, ["--dataset", "kcs", "--data-dir", str(kcs_slice)])
    assert result.exit_code == 0, result.output
    for ranker in ("model", "random", "highest_value", "lowest_unit_value"):
        assert ranker in result.output
    assert "p@10%" in result.output
