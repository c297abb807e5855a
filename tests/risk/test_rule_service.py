"""Versioned rule sets: the starter set, drafts, validation, atomic activation, files and the
console commands. A broken rule never reaches the active set."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from audit_app.errors import Conflict, NotFound, ValidationFailed
from audit_app.models import RiskRuleSet
from audit_app.risk.rule_service import (activate, current_draft, delete_rule, discard_draft,
                                         export_rule_set, get_rule_set, import_rule_set,
                                         install_starter, parse_rule_fields, save_rule,
                                         start_draft, validate_rule_set)
from audit_app.risk.rules import RuleSetInvalid, active_rule_set
from audit_app.risk.starter_rules import STARTER_RULES

GOOD = {"code": "QT-WEIGHT-LOW", "name": "Weight too low for the quantity",
        "description": "Gross weight per unit under half the usual.", "fraud_kind": "QUANTITY",
        "condition": "weight_ratio < 0.5", "reason": "Weight {weight_ratio:pct_below} below usual",
        "weight": "0.15", "owner": "Risk unit", "valid_from": "2025-01-01", "valid_to": ""}


def statuses(session) -> dict[int, str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return {s.version: s.status for s in session.scalars(select(RiskRuleSet))}


def test_the_starter_set_is_installed_once_as_active_version_1(session) -> None:  # type: ignore[no-untyped-def]
    first = install_starter(session)
    assert first is not None and first.version == 1 and first.status == "active"
    assert first.activated_at is not None and len(first.rules) == len(STARTER_RULES)
    assert install_starter(session) is None
    assert statuses(session) == {1: "active"}


def test_a_draft_is_a_copy_edited_without_touching_the_active_set(session) -> None:  # type: ignore[no-untyped-def]
    install_starter(session)
    draft = start_draft(session, None)
    assert (draft.version, draft.status, draft.note) == (2, "draft", "Copied from version 1")
    assert start_draft(session, None).id == draft.id  # one draft at a time
    added = save_rule(session, parse_rule_fields(GOOD))
    uv = next(r for r in draft.rules if r.code == "UV-LOW-ORIGIN")
    save_rule(session, parse_rule_fields(GOOD | {"code": "UV-LOW-ORIGIN", "weight": "0.5",
                                                "condition": "unit_value_ratio < 0.45"}), uv.id)
    delete_rule(session, next(r.id for r in draft.rules if r.code == "OI-HIGH"))
    session.commit()

    active = get_rule_set(session, 1)
    assert {r.code for r in active.rules} == {r["code"] for r in STARTER_RULES}
    assert next(r for r in active.rules if r.code == "UV-LOW-ORIGIN").weight == Decimal("0.4")
    draft = get_rule_set(session, 2)
    codes = {r.code for r in draft.rules}
    assert added.code in codes and "OI-HIGH" not in codes
    assert next(r for r in draft.rules if r.code == "UV-LOW-ORIGIN").condition == \
        "unit_value_ratio < 0.45"


def test_activation_retires_the_previous_set_and_can_roll_back(session) -> None:  # type: ignore[no-untyped-def]
    install_starter(session)
    start_draft(session, None)
    save_rule(session, parse_rule_fields(GOOD))
    activated = activate(session, 2)
    session.commit()
    assert activated.activated_at is not None
    assert statuses(session) == {1: "retired", 2: "active"}
    assert current_draft(session) is None

    activate(session, 1)  # back to the starter set
    session.commit()
    assert statuses(session) == {1: "active", 2: "retired"}
    with pytest.raises(Conflict, match="already the active"):
        activate(session, 1)
    with pytest.raises(NotFound):
        activate(session, 9)


def test_a_broken_rule_cannot_be_activated_and_the_active_set_stays(session) -> None:  # type: ignore[no-untyped-def]
    install_starter(session)
    document = export_rule_set(get_rule_set(session, 1))
    document["rules"][0]["condition"] = "ref_count > 1 and __import__('os')"
    draft, warnings = import_rule_set(session, document)
    session.commit()
    assert [(w["code"], w["field"]) for w in warnings] == [(document["rules"][0]["code"],
                                                            "condition")]
    with pytest.raises(RuleSetInvalid) as caught:
        activate(session, draft.version)
    session.rollback()
    assert "names starting with __" in caught.value.details[0]["message"]
    assert statuses(session) == {1: "active", 2: "draft"}
    assert active_rule_set(session).version == 1


def test_an_empty_draft_cannot_be_activated(session) -> None:  # type: ignore[no-untyped-def]
    draft = start_draft(session, None)
    assert draft.note == "New rule set" and draft.rules == []
    with pytest.raises(ValidationFailed, match="no rules"):
        activate(session, draft.version)


def test_the_database_refuses_a_second_active_set(session) -> None:  # type: ignore[no-untyped-def]
    session.add_all([RiskRuleSet(version=1, status="active"), RiskRuleSet(version=2, status="active")])
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    session.add_all([RiskRuleSet(version=1, status="retired"),
                     RiskRuleSet(version=2, status="retired"), RiskRuleSet(version=3, status="draft")])
    session.flush()  # any number of retired sets


@pytest.mark.parametrize("changes, field, words", [
    ({"code": "uv low"}, "code", "capital letters"),
    ({"name": ""}, "name", "required"),
    ({"owner": "x" * 121}, "owner", "at most 120"),
    ({"fraud_kind": "SMUGGLING"}, "fraud_kind", "one of UNDERVALUATION"),
    ({"condition": "weight_ratio < 0.5 and chapter.upper()"}, "condition",
     "column 24: attribute access (.upper)"),
    ({"condition": ""}, "condition", "required"),
    ({"reason": "Weight {weight}"}, "reason", "column 8: unknown name 'weight'"),
    ({"weight": "1.5"}, "weight", "from 0 to 1"),
    ({"weight": "0.1234"}, "weight", "at most 3 decimals"),
    ({"weight": "abc"}, "weight", "from 0 to 1"),
    ({"valid_from": "2025-13-01"}, "valid_from", "not a date"),
    ({"valid_from": ""}, "valid_from", "required"),
    ({"valid_to": "2024-12-31"}, "valid_to", "before valid from"),
])
def test_rule_fields_are_checked_field_by_field(changes: dict[str, Any], field: str,
                                               words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_rule_fields(GOOD | changes)
    assert list(caught.value.details) == [field]
    assert words in caught.value.details[field]


def test_rule_fields_parse_to_typed_values() -> None:
    fields = parse_rule_fields(GOOD | {"code": " qt-weight-low ", "valid_to": "2026-06-30",
                                       "fraud_kind": "quantity"})
    assert (fields.code, fields.fraud_kind) == ("QT-WEIGHT-LOW", "QUANTITY")
    assert fields.weight == Decimal("0.15")
    assert (fields.valid_from, fields.valid_to) == (dt.date(2025, 1, 1), dt.date(2026, 6, 30))


def test_a_code_is_unique_within_the_draft(session) -> None:  # type: ignore[no-untyped-def]
    install_starter(session)
    start_draft(session, None)
    with pytest.raises(ValidationFailed) as caught:
        save_rule(session, parse_rule_fields(GOOD | {"code": "OI-HIGH"}))
    assert caught.value.details == {"code": "OI-HIGH is already a rule of this draft"}


def test_only_a_draft_is_edited(session) -> None:  # type: ignore[no-untyped-def]
    install_starter(session)
    with pytest.raises(Conflict, match="no draft"):
        save_rule(session, parse_rule_fields(GOOD))
    start_draft(session, None)
    assert discard_draft(session) == 2
    assert statuses(session) == {1: "active"}


def test_export_and_import_round_trip_into_a_draft(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    install_starter(session)
    document = json.loads(json.dumps(export_rule_set(get_rule_set(session, 1))))
    assert document["format"] == "pca-risk-rules" and document["version"] == 1
    draft, warnings = import_rule_set(session, document)
    assert warnings == [] and draft.status == "draft" and draft.note == "Imported from version 1"
    assert export_rule_set(draft)["rules"] == document["rules"]
    with pytest.raises(Conflict, match="being edited"):
        import_rule_set(session, document)
    replaced, _ = import_rule_set(session, document, replace_draft=True)
    assert replaced.status == "draft" and current_draft(session).id == replaced.id


@pytest.mark.parametrize("document, words", [
    ([], "Not a rule set file"),
    ({"format": "other", "rules": []}, "Not a rule set file"),
    ({"format": "pca-risk-rules", "rules": [GOOD | {"weight": "2"}, GOOD | {"name": ""}]},
     "rule QT-WEIGHT-LOW: weight"),
    ({"format": "pca-risk-rules", "rules": [GOOD, GOOD]}, "appears more than once"),
    ({"format": "pca-risk-rules", "rules": ["x"]}, "rule 1: not an object"),
])
def test_a_wrong_file_is_refused_whole(session, document: Any, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as caught:
        import_rule_set(session, document)
    assert words in caught.value.message + " ".join(caught.value.details or [])
    assert current_draft(session) is None


def test_validation_reports_errors_and_a_test_run(session) -> None:  # type: ignore[no-untyped-def]
    install_starter(session)
    start_draft(session, None)
    save_rule(session, parse_rule_fields(GOOD))
    draft = current_draft(session)
    frame = pd.DataFrame({"weight_ratio": [0.3, 0.4, 1.0, 2.0], "unit_value_ratio": [1, 1, 1, 4],
                          "ref_count": [50] * 4, "ref_level": ["hs_origin"] * 4,
                          "gd_date": pd.to_datetime(["2025-06-01"] * 4)})
    report = validate_rule_set(draft, frame)
    assert report.ok and report.items_tested == 4
    assert report.hit_counts["QT-WEIGHT-LOW"] == 2 and report.hit_counts["QT-WEIGHT-HIGH"] == 1
    assert report.hit_counts["OI-HIGH"] == 1 and report.items_hit == 3  # rows 0, 1 and 3
    assert validate_rule_set(draft).note.startswith("No features")

    draft.rules[0].reason = "{oops"
    report = validate_rule_set(draft, frame)
    assert not report.ok and report.hit_counts is None
    assert report.errors[0]["field"] == "reason"


# --------------------------------------------------------------------------- console

def test_console_install_list_export_import_validate_activate(runner, session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = runner.invoke(args=["risk", "rules", "install-starter"])
    assert out.exit_code == 0 and "version 1 (12 rules)" in out.output
    assert "already exists" in runner.invoke(args=["risk", "rules", "install-starter"]).output
    listing = runner.invoke(args=["risk", "rules", "list"]).output
    assert "v1    active" in listing and "if unit_value_ratio < 0.5" in listing

    path = tmp_path / "rules.json"
    assert runner.invoke(args=["risk", "rules", "export", str(path)]).exit_code == 0
    document = json.loads(path.read_text())
    document["rules"][3]["reason"] = "{nope}"
    path.write_text(json.dumps(document))
    out = runner.invoke(args=["risk", "rules", "import", str(path)])
    assert out.exit_code == 0 and "draft version 2" in out.output and "unknown name" in out.output

    out = runner.invoke(args=["risk", "rules", "validate"])
    assert out.exit_code == 1 and "1 error(s)" in out.output
    out = runner.invoke(args=["risk", "rules", "activate", "2"])
    assert out.exit_code == 1 and "has 1 rule error(s); nothing was changed" in out.output
    assert statuses(session) == {1: "active", 2: "draft"}

    document["rules"][3]["reason"] = "fixed"
    path.write_text(json.dumps(document))
    out = runner.invoke(args=["risk", "rules", "import", "--replace-draft", str(path)])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["risk", "rules", "activate", "2"])
    assert out.exit_code == 0 and "version 2 is active" in out.output
    assert statuses(session) == {1: "retired", 2: "active"}

    path.write_text("not json")
    assert "is not a JSON file" in runner.invoke(args=["risk", "rules", "import", str(path)]).output
