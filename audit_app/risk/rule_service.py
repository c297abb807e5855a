"""Versioned rule sets: the administrator edits a draft copy, validates it and activates it.

Life of a version: draft -> active -> retired. At most one draft and one active set exist (a
partial unique index holds it even against two administrators at once). Only a draft changes;
an active or retired version is history, referenced by every score it produced. Activation
compiles every rule first: one broken rule and nothing changes.

Services flush, never commit; the view or command commits once.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..db import utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Declaration, DeclarationItem, RiskRule, RiskRuleSet
from .rule_language import RuleSyntaxError, compile_condition
from .rule_reasons import compile_reason
from .rules import RuleSetInvalid, active_rule_set, compile_rules, evaluate_rules, rule_errors

FRAUD_KINDS = ("UNDERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION", "QUANTITY",
               "TRADER_HISTORY", "OVERINVOICING", "OTHER")
EXPORT_FORMAT = "pca-risk-rules"
TEST_RUN_ITEMS = 10_000
log = logging.getLogger(__name__)
_CODE = re.compile(r"[A-Z][A-Z0-9-]{1,39}\Z")
_TEXT_LIMITS = {"name": 200, "description": 2000, "owner": 120}


@dataclass(frozen=True)
class RuleFields:
    """A rule's editable fields, checked."""

    code: str
    name: str
    description: str
    fraud_kind: str
    condition: str
    reason: str
    weight: Decimal
    owner: str
    valid_from: dt.date
    valid_to: dt.date | None


def _date(raw: Any, field: str, problems: dict[str, str], required: bool) -> dt.date | None:
    if isinstance(raw, dt.date):
        return raw
    text = str(raw or "").strip()
    if not text:
        if required:
            problems[field] = "required (YYYY-MM-DD)"
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems[field] = f"{text!r} is not a date (YYYY-MM-DD)"
        return None


def parse_rule_fields(raw: Mapping[str, Any], check_language: bool = True) -> RuleFields:
    """Fields from a form or an imported file; ValidationFailed's details map field -> message.

    `check_language=False` (imports) leaves condition and reason to the activation check."""
    problems: dict[str, str] = {}

    def text(name: str) -> str:
        value = raw.get(name)
        return "" if value is None else str(value).strip()

    code = text("code").upper()
    if not _CODE.match(code):
        problems["code"] = ("2 to 40 capital letters, digits or hyphens, starting with a letter "
                            "(e.g. UV-LOW-ORIGIN)")
    for name, limit in _TEXT_LIMITS.items():
        if not text(name):
            problems[name] = "required"
        elif len(text(name)) > limit:
            problems[name] = f"at most {limit} characters"
    fraud_kind = text("fraud_kind").upper()
    if fraud_kind not in FRAUD_KINDS:
        problems["fraud_kind"] = f"one of {', '.join(FRAUD_KINDS)}"
    condition, reason = text("condition"), text("reason")
    for field, check, source in (("condition", compile_condition, condition),
                                 ("reason", compile_reason, reason)):
        if not source:
            problems[field] = "required"
        elif check_language:
            try:
                check(source, code or "?")
            except RuleSyntaxError as exc:
                where = f"column {exc.column}: " if exc.column else ""
                problems[field] = f"{where}{exc.message}"
    weight = Decimal(0)
    try:
        weight = Decimal(text("weight"))
        if not (weight.is_finite() and 0 <= weight <= 1) \
                or weight != weight.quantize(Decimal("0.001")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems["weight"] = "a number from 0 to 1 with at most 3 decimals (e.g. 0.35)"
    valid_from = _date(raw.get("valid_from"), "valid_from", problems, required=True)
    valid_to = _date(raw.get("valid_to"), "valid_to", problems, required=False)
    if valid_from and valid_to and valid_to < valid_from:
        problems["valid_to"] = "before valid from"
    if problems:
        raise ValidationFailed("The rule was not saved: correct the fields marked.", problems)
    assert valid_from is not None
    return RuleFields(code, text("name"), text("description"), fraud_kind, condition, reason,
                      weight, text("owner"), valid_from, valid_to)


# --------------------------------------------------------------------------- reading

def rule_sets(session: Session) -> list[RiskRuleSet]:
    return list(session.scalars(select(RiskRuleSet).order_by(RiskRuleSet.version.desc())))


def get_rule_set(session: Session, version: int) -> RiskRuleSet:
    found = session.scalar(select(RiskRuleSet).where(RiskRuleSet.version == version)
                           .options(selectinload(RiskRuleSet.rules)))
    if found is None:
        raise NotFound(f"No rule set version {version}.")
    return found


def current_draft(session: Session) -> RiskRuleSet | None:
    return session.scalar(select(RiskRuleSet).where(RiskRuleSet.status == "draft")
                          .options(selectinload(RiskRuleSet.rules)))


def _require_draft(session: Session) -> RiskRuleSet:
    draft = current_draft(session)
    if draft is None:
        raise Conflict("There is no draft: start one from the active set first.")
    return draft


def _next_version(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(RiskRuleSet.version), 0)))) + 1


# --------------------------------------------------------------------------- editing

def _new_set(session: Session, status: str, user_id: int | None, note: str | None,
             rules: list[RuleFields]) -> RiskRuleSet:
    rule_set = RiskRuleSet(version=_next_version(session), status=status, note=note,
                           created_by_id=user_id)
    rule_set.rules = [RiskRule(**asdict(r)) for r in rules]
    session.add(rule_set)
    session.flush()
    return rule_set


def _fields_of(rule: RiskRule) -> RuleFields:
    return RuleFields(rule.code, rule.name, rule.description, rule.fraud_kind, rule.condition,
                      rule.reason, rule.weight, rule.owner, rule.valid_from, rule.valid_to)


def start_draft(session: Session, user_id: int | None) -> RiskRuleSet:
    """The draft to edit: the existing one, or a new version copied from the active set."""
    draft = current_draft(session)
    if draft is not None:
        return draft
    active = active_rule_set(session)
    note = f"Copied from version {active.version}" if active else "New rule set"
    return _new_set(session, "draft", user_id, note,
                    [_fields_of(r) for r in active.rules] if active else [])


def _rule_in(draft: RiskRuleSet, rule_id: int) -> RiskRule:
    rule = next((r for r in draft.rules if r.id == rule_id), None)
    if rule is None:
        raise NotFound(f"No rule {rule_id} in the draft (version {draft.version}).")
    return rule


def save_rule(session: Session, fields: RuleFields, rule_id: int | None = None) -> RiskRule:
    """Add a rule to the draft, or replace the fields of one of its rules."""
    draft = _require_draft(session)
    if any(r.code == fields.code and r.id != rule_id for r in draft.rules):
        raise ValidationFailed("The rule was not saved: correct the fields marked.",
                               {"code": f"{fields.code} is already a rule of this draft"})
    rule = _rule_in(draft, rule_id) if rule_id is not None else RiskRule()
    for name, value in asdict(fields).items():
        setattr(rule, name, value)
    if rule_id is None:
        draft.rules.append(rule)
    session.flush()
    return rule


def delete_rule(session: Session, rule_id: int) -> str:
    draft = _require_draft(session)
    rule = _rule_in(draft, rule_id)
    draft.rules.remove(rule)
    session.flush()
    return rule.code


def discard_draft(session: Session) -> int:
    draft = _require_draft(session)
    session.delete(draft)
    session.flush()
    return draft.version


# --------------------------------------------------------------------------- validating

@dataclass
class ValidationReport:
    version: int
    rules: int
    errors: list[dict[str, Any]]
    items_tested: int = 0
    hit_counts: dict[str, int] | None = None
    items_hit: int = 0
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_rule_set(rule_set: RiskRuleSet, frame: pd.DataFrame | None = None,
                      note: str = "") -> ValidationReport:
    """Every condition and reason compiles; with a feature frame, a test run counting hits."""
    report = ValidationReport(rule_set.version, len(rule_set.rules),
                              [e.as_dict() for e in rule_errors(rule_set.rules)])
    if report.errors:
        report.note = "Correct the errors before the test run."
    elif frame is None:
        report.note = note or "No features are available yet: hit counts were not computed."
    else:
        result = evaluate_rules(compile_rules(sorted(rule_set.rules, key=lambda r: r.code)), frame)
        report.items_tested = len(frame)
        report.hit_counts = result.hit_counts()
        report.items_hit = int(result.hits.any(axis=1).sum()) if result.codes else 0
    return report


def latest_feature_frame(session: Session,
                         limit: int = TEST_RUN_ITEMS) -> tuple[pd.DataFrame | None, str]:
    """The features of the latest `limit` items cleared, for a draft's test run, or None and
    why not. The test run is advice, so a failing feature build is reported, not raised."""
    try:
        from . import features
    except ImportError:
        return None, "The feature builder is not installed: hit counts were not computed."
    span = features.date_range(session)
    if span is None:
        return None, "No declarations yet: hit counts were not computed."
    start = session.scalar(
        select(Declaration.gd_date).join(DeclarationItem)
        .order_by(Declaration.gd_date.desc()).offset(limit - 1).limit(1))
    try:
        frame = features.build_frame(session, start or span[0], span[1])
    except Exception as exc:  # noqa: BLE001 - reported on the page, never hidden
        log.exception("features for the rule test run failed")
        return None, f"Features could not be built ({exc}): hit counts were not computed."
    return frame.tail(limit).reset_index(drop=True), ""


# --------------------------------------------------------------------------- activating

def activate(session: Session, version: int, user_id: int | None = None) -> RiskRuleSet:
    """Make `version` (a draft, or a retired set to roll back to) the active set; the one
    active before is retired. All or nothing: a rule that does not compile raises
    RuleSetInvalid and leaves every set as it was."""
    target = get_rule_set(session, version)
    if target.status == "active":
        raise Conflict(f"Version {version} is already the active rule set.")
    if not target.rules:
        raise ValidationFailed(f"Version {version} has no rules: add at least one.")
    compile_rules(target.rules, version)  # raises before anything changes
    # Lock the active row (PostgreSQL) so two activations queue; the unique index catches
    # what slips through on SQLite.
    previous = session.scalar(select(RiskRuleSet).where(RiskRuleSet.status == "active")
                              .with_for_update())
    if previous is not None:
        previous.status = "retired"
        session.flush()  # before the new one: the index allows one active row at a time
    target.status = "active"
    target.activated_at = utcnow()
    if user_id is not None and target.created_by_id is None:
        target.created_by_id = user_id
    session.flush()
    return target


def install_starter(session: Session, user_id: int | None = None) -> RiskRuleSet | None:
    """Version 1 from the starter rules, active; None when any rule set already exists."""
    from .starter_rules import STARTER_RULES

    if session.scalar(select(func.count()).select_from(RiskRuleSet)):
        return None
    fields = [RuleFields(**r) for r in STARTER_RULES]
    compile_rules(fields)
    rule_set = _new_set(session, "active", user_id, "Starter rule set", fields)
    rule_set.activated_at = utcnow()
    session.flush()
    return rule_set


# --------------------------------------------------------------------------- files

def export_rule_set(rule_set: RiskRuleSet) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT, "format_version": 1, "version": rule_set.version,
        "status": rule_set.status, "note": rule_set.note,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "rules": [{**asdict(_fields_of(r)), "weight": str(r.weight),
                   "valid_from": r.valid_from.isoformat(),
                   "valid_to": r.valid_to.isoformat() if r.valid_to else None}
                  for r in rule_set.rules],
    }


def import_rule_set(session: Session, document: Any, user_id: int | None = None,
                    replace_draft: bool = False) -> tuple[RiskRuleSet, list[dict[str, Any]]]:
    """A new draft from an exported document. Wrong fields refuse the whole file; conditions
    and reasons that do not compile are kept (so they can be corrected in the editor) and
    returned as warnings: activation refuses them."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT \
            or not isinstance(document.get("rules"), list):
        raise ValidationFailed(f"Not a rule set file: expected a JSON object with "
                               f'"format": "{EXPORT_FORMAT}" and a list of "rules".')
    problems: list[str] = []
    fields: list[RuleFields] = []
    for n, raw in enumerate(document["rules"], start=1):
        if not isinstance(raw, dict):
            problems.append(f"rule {n}: not an object")
            continue
        try:
            fields.append(parse_rule_fields(raw, check_language=False))
        except ValidationFailed as exc:
            label = raw.get("code") or f"#{n}"
            problems += [f"rule {label}: {k}: {v}" for k, v in exc.details.items()]
    codes = [f.code for f in fields]
    problems += [f"rule {c}: the code appears more than once" for c in sorted(set(codes))
                 if codes.count(c) > 1]
    if problems:
        raise ValidationFailed("The file was not imported.", problems)
    existing = current_draft(session)
    if existing is not None:
        if not replace_draft:
            raise Conflict(f"A draft (version {existing.version}) is being edited: activate or "
                           "discard it first, or import with --replace-draft.")
        session.delete(existing)
        session.flush()
    note = f"Imported from version {document.get('version', '?')}"
    draft = _new_set(session, "draft", user_id, note, fields)
    return draft, [e.as_dict() for e in rule_errors(draft.rules)]


__all__ = ["FRAUD_KINDS", "RuleFields", "RuleSetInvalid", "ValidationReport", "activate",
           "current_draft", "delete_rule", "discard_draft", "export_rule_set", "get_rule_set",
           "import_rule_set", "install_starter", "latest_feature_frame", "parse_rule_fields",
           "rule_sets", "save_rule", "start_draft", "validate_rule_set"]
