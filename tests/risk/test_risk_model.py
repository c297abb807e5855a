"""Model versions: training, activation, clear errors that change nothing, reproducibility."""
from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pytest
from sqlalchemy import select, update

from audit_app.models import AuditOutcome, RiskModel
from audit_app.risk import model_store
from audit_app.risk.model_store import (ModelCorrupt, TrainingDataError, activate_version,
                                        active_model, list_models, train)
from audit_app.risk.scoring import score_period

from .scoringdata import generated_files, import_generated


@pytest.fixture
def demo(session, tmp_path_factory):  # type: ignore[no-untyped-def]
    import_generated(session, generated_files(tmp_path_factory))
    return session


def statuses(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {m.version: m.status for m in session.scalars(select(RiskModel))}


def test_training_stores_a_versioned_model_and_activation_switches(demo) -> None:  # type: ignore[no-untyped-def]
    first = train(demo, dt.date(2025, 3, 31), "analyst")
    demo.commit()
    assert first.version == "v1" and first.status == "candidate"
    assert first.trained_to is not None and first.trained_to <= dt.date(2025, 3, 31)
    assert 0 < first.rows_positive < first.rows_train
    assert first.sha256 == hashlib.sha256(first.artifact).hexdigest()
    assert first.artifact.startswith(b"tree")  # LightGBM's text format, not a pickle
    assert "unit_value_z" in first.features and first.created_by == "analyst"
    assert first.metrics["train"]["rows"] == first.rows_train
    assert first.params["seed"] == 0 and first.params["num_boost_round"] >= 1
    assert active_model(demo) is None

    activate_version(demo, "v1")
    second = train(demo, None, "analyst", activate=True)
    demo.commit()
    assert second.version == "v2" and second.rows_train > first.rows_train
    assert statuses(demo) == {"v1": "retired", "v2": "active"}
    assert [m.version for m in list_models(demo)] == ["v1", "v2"]


def test_training_without_usable_outcomes_changes_nothing(session, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    import_generated(session, generated_files(tmp_path_factory))
    train(session, None, "analyst", activate=True)
    session.commit()
    with pytest.raises(TrainingDataError, match="No audit outcomes up to 2020-01-01"):
        train(session, dt.date(2020, 1, 1), "analyst", activate=True)
    session.rollback()
    session.execute(update(AuditOutcome).values(finding="NONE"))
    session.commit()
    with pytest.raises(TrainingDataError, match="have no finding"):
        train(session, None, "analyst", activate=True)
    session.rollback()
    assert statuses(session) == {"v1": "active"}


def test_a_corrupt_artifact_names_the_version_and_the_active_model_stays(demo) -> None:  # type: ignore[no-untyped-def]
    good = train(demo, None, "analyst", activate=True)
    bad = train(demo, None, "analyst")
    demo.commit()
    model_store._LOADED.clear()
    demo.execute(update(RiskModel).where(RiskModel.id == bad.id).values(
        artifact=bad.artifact[:-50] + b"garbage"))
    demo.commit()
    with pytest.raises(ModelCorrupt, match="v2 is corrupt.*sha256"):
        activate_version(demo, "v2")
    demo.rollback()
    # A digest that matches text LightGBM refuses is caught too.
    junk = b"tree\nthis is not a model"
    demo.execute(update(RiskModel).where(RiskModel.id == bad.id).values(
        artifact=junk, sha256=hashlib.sha256(junk).hexdigest()))
    demo.commit()
    with pytest.raises(ModelCorrupt, match="v2 cannot be loaded"):
        activate_version(demo, "v2")
    demo.rollback()
    assert statuses(demo) == {good.version: "active", "v2": "candidate"}
    # Scoring with a damaged active model stops with the same clear error.
    demo.execute(update(RiskModel).where(RiskModel.id == good.id).values(artifact=b"x"))
    demo.commit()
    with pytest.raises(ModelCorrupt, match="v1"):
        score_period(demo, None, None, "analyst")


def test_scores_are_reproducible_from_a_model_version(demo) -> None:  # type: ignore[no-untyped-def]
    first = train(demo, dt.date(2025, 1, 31), "analyst", activate=True)
    again = train(demo, dt.date(2025, 1, 31), "analyst")
    demo.commit()
    assert again.sha256 == first.sha256  # same data and seed: the same model, byte for byte
    model_store._LOADED.clear()
    one = score_period(demo, dt.date(2025, 2, 1), None, "analyst")
    model_store._LOADED.clear()
    two = score_period(demo, dt.date(2025, 2, 1), None, "analyst")
    assert one.run.model_id == two.run.model_id == first.id
    assert np.array_equal(one.probability, two.probability)
    assert np.array_equal(one.order, two.order) and one.reasons == two.reasons
