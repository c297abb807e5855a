"""`pca risk train | models | activate | evaluate` from the console."""
from __future__ import annotations

import json

from .scoringdata import generated_files, import_generated


def load_demo(app, tmp_path_factory, outcomes: bool = True) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        from audit_app.db import get_session
        import_generated(get_session(), generated_files(tmp_path_factory), outcomes=outcomes)


def test_train_list_and_activate(app, runner, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    load_demo(app, tmp_path_factory)
    result = runner.invoke(args=["risk", "models"])
    assert "No model trained yet" in result.output
    result = runner.invoke(args=["risk", "train", "--until", "2025-02-28"])
    assert result.exit_code == 0, result.output
    assert "Model v1 trained on" in result.output and "status candidate" in result.output
    result = runner.invoke(args=["risk", "train", "--activate", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "active"
    assert runner.invoke(args=["risk", "activate", "v1"]).exit_code == 0
    listing = json.loads(runner.invoke(args=["risk", "models", "--json"]).output)
    assert [(m["version"], m["status"]) for m in listing] == [("v1", "active"), ("v2", "retired")]
    table = runner.invoke(args=["risk", "models"]).output
    assert "v1" in table and "active" in table and "p@5%" in table
    missing = runner.invoke(args=["risk", "activate", "v9"])
    assert missing.exit_code == 1 and "No risk model version 'v9'" in missing.output


def test_training_without_outcomes_says_so(app, runner, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    load_demo(app, tmp_path_factory, outcomes=False)
    result = runner.invoke(args=["risk", "train", "--activate"])
    assert result.exit_code == 1
    assert "No audit outcomes" in result.output and "not changed" in result.output


def test_evaluate_prints_the_model_and_the_baselines(app, runner, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    load_demo(app, tmp_path_factory)
    result = runner.invoke(args=["risk", "evaluate"])
    assert result.exit_code == 0, result.output
    for ranker in ("model", "cold_start", "random", "highest_value", "lowest_unit_value"):
        assert f"\n{ranker} " in result.output
    assert "p@1%" in result.output and "rev@10%" in result.output
    figures = json.loads(runner.invoke(args=["risk", "evaluate", "--json"]).output)
    assert figures["dataset"] == "own" and figures["rows"]["test"] > 0
    model, rand = figures["rankers"]["model"], figures["rankers"]["random"]
    assert set(model) == {f"{k}_at_{n}" for k in ("precision", "revenue") for n in (1, 2, 5, 10)}
    assert model["precision_at_10"] > rand["precision_at_10"]
