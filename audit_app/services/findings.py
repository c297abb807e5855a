"""Findings: what was declared and what is correct for one item under audit, and the duty
that follows from the corrected facts.

The duty due is recomputed with the tariff in force on the GD date (the latest `TariffRate`
with valid_from <= gd_date for the correct PCT code) and, where a preference is claimed on the
corrected facts, the FTA rate in force then for that origin; the short levy per levy is
max(0, due - paid) against what the GD actually paid. Nobody types a short levy.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.clock import Clock

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import (AuditCase, CaseEvent, CaseItem, DeclarationItem, Finding, OpenTask,
                      PreferentialRate, TariffRate, User)
from . import case_facts
from .duty import LEVIES, LevyAmounts, Rates, apply_preference, compute_duties, short_levy

_UNSET: Any = object()
EXAMINATION_ELEMENT = "examine_records"


@dataclass(frozen=True)
class CorrectFacts:
    """What the auditor established; None keeps the declared fact. `fta_code` None withdraws
    the preference; leave it `_UNSET` to keep the declared one."""

    value_pkr: Decimal | None = None
    hs_code: str | None = None
    origin: str | None = None
    fta_code: str | None = _UNSET
    sro_ref: str | None = _UNSET
    quantity: Decimal | None = None


def tariff_in_force(session: Session, hs_code: str, on: dt.date) -> TariffRate | None:
    return session.scalar(select(TariffRate).where(TariffRate.hs_code == hs_code,
                                                   TariffRate.valid_from <= on)
                          .order_by(TariffRate.valid_from.desc()).limit(1))


def preference_in_force(session: Session, fta_code: str, origin: str, hs_code: str,
                        on: dt.date) -> PreferentialRate | None:
    return session.scalar(select(PreferentialRate).where(
        PreferentialRate.fta_code == fta_code, PreferentialRate.origin_country == origin,
        PreferentialRate.hs_code == hs_code, PreferentialRate.valid_from <= on)
        .order_by(PreferentialRate.valid_from.desc()).limit(1))


def record_finding(session: Session, case_item_id: int, actor: User, facts: CorrectFacts, *,
                   evidence: str, documents: list[str] | None = None,
                   clock: Clock) -> Finding:
    """Record (or replace) the finding on one case item during examination."""
    case_item = session.get(CaseItem, case_item_id)
    if case_item is None:
        raise NotFound(f"No item {case_item_id} under audit.")
    case = case_item.case
    _check_examining(session, case, actor)
    item = case_item.item
    errors: dict[str, str] = {}
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = "say what the finding rests on"
    correct = _correct_facts(item, facts, errors)
    gd_date = item.declaration.gd_date
    tariff = tariff_in_force(session, correct["hs_code"], gd_date) if not errors else None
    if not errors and tariff is None:
        errors["hs_code"] = f"no tariff rate for PCT {correct['hs_code']} on {gd_date:%d %b %Y}"
    preference = None
    if not errors and correct["fta_code"]:
        preference = preference_in_force(session, correct["fta_code"], correct["origin"],
                                         correct["hs_code"], gd_date)
        if preference is None:
            errors["fta_code"] = (f"{correct['fta_code']} gives no preference to PCT "
                                  f"{correct['hs_code']} of origin {correct['origin']} on "
                                  f"{gd_date:%d %b %Y}")
    kinds = _kinds(item, correct)
    if not errors and not kinds:
        errors["facts"] = "the corrected facts are the declared ones: nothing to record"
    if errors:
        raise ValidationFailed("Finding not recorded.", errors)
    assert tariff is not None
    rates = apply_preference(Rates(cd=tariff.cd_rate, rd=tariff.rd_rate, acd=tariff.acd_rate,
                                   st=tariff.st_rate, ast=tariff.ast_rate, it=tariff.it_rate),
                             preference.cd_rate if preference else None)
    due = compute_duties(correct["value_pkr"], rates)
    paid = LevyAmounts(item.cd_pkr, item.rd_pkr, item.acd_pkr, item.st_pkr, item.ast_pkr,
                       item.it_pkr)
    short = short_levy(due, paid)
    finding = case_item.finding or Finding(case_item=case_item)
    _fill(finding, item, correct, kinds, evidence, documents, tariff, preference, rates, due,
          short, actor, clock)
    session.add(finding)
    session.flush()
    _refresh_case_total(session, case)
    case_facts.refresh(session, case.id)  # principal item and fraud kinds may have changed
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor.id,
                          kind="finding_recorded", element_id=EXAMINATION_ELEMENT,
                          summary=f"Finding on GD {item.declaration.gd_number} item "
                                  f"{item.item_no}: short levy Rs {short.total:,.0f}",
                          data={"case_item_id": case_item.id, "kinds": kinds,
                                "short_total_pkr": str(short.total)}))
    session.flush()
    return finding


def _check_examining(session: Session, case: AuditCase, actor: User) -> None:
    task = session.scalar(select(OpenTask).where(OpenTask.case_id == case.id,
                                                 OpenTask.element_id == EXAMINATION_ELEMENT))
    if task is None:
        raise Conflict(f"Case {case.case_number} is not under examination; findings are "
                       "recorded during examination.")
    if case.auditor_id != actor.id:
        raise PermissionDenied("Only the case's auditor records findings.")


def _correct_facts(item: DeclarationItem, facts: CorrectFacts,
                   errors: dict[str, str]) -> dict[str, Any]:
    hs_code = (facts.hs_code or item.hs_code).strip()
    if not (hs_code.isdigit() and len(hs_code) == 8):
        errors["hs_code"] = "an 8-digit PCT code"
    origin = (facts.origin or item.origin_country).strip().upper()
    if not (len(origin) == 2 and origin.isalpha()):
        errors["origin"] = "a 2-letter country code"
    quantity = facts.quantity if facts.quantity is not None else Decimal(item.quantity)
    if quantity <= 0:
        errors["quantity"] = "more than 0"
    value = facts.value_pkr
    if value is None:
        value = Decimal(item.assessed_value_pkr)
        if facts.quantity is not None and Decimal(item.quantity) > 0:
            # More goods at the declared unit price: the value follows the quantity.
            value = (value * quantity / Decimal(item.quantity)).quantize(Decimal(1),
                                                                         ROUND_HALF_UP)
    if isinstance(value, float) or value < 0:
        errors["value_pkr"] = "an exact amount in rupees, 0 or more"
    fta = item.fta_code if facts.fta_code is _UNSET else (facts.fta_code or None)
    sro = item.sro_ref if facts.sro_ref is _UNSET else (facts.sro_ref or None)
    return {"hs_code": hs_code, "origin": origin, "quantity": quantity, "value_pkr": value,
            "fta_code": fta, "sro_ref": sro}


def _kinds(item: DeclarationItem, correct: dict[str, Any]) -> list[str]:
    kinds = []
    if correct["value_pkr"] != Decimal(item.assessed_value_pkr) and \
            correct["quantity"] == Decimal(item.quantity):
        kinds.append("UNDERVALUATION" if correct["value_pkr"] > item.assessed_value_pkr
                     else "OVERVALUATION")
    if correct["hs_code"] != item.hs_code:
        kinds.append("MISCLASSIFICATION")
    if correct["origin"] != item.origin_country or correct["fta_code"] != item.fta_code:
        kinds.append("ORIGIN")
    if correct["sro_ref"] != item.sro_ref:
        kinds.append("CONCESSION")
    if correct["quantity"] != Decimal(item.quantity):
        kinds.append("QUANTITY")
    return kinds


def _fill(finding: Finding, item: DeclarationItem, correct: dict[str, Any], kinds: list[str],
          evidence: str, documents: list[str] | None, tariff: TariffRate,
          preference: PreferentialRate | None, rates: Rates, due: LevyAmounts,
          short: LevyAmounts, actor: User, clock: Clock) -> None:
    finding.kinds = kinds
    finding.declared_value_pkr = item.assessed_value_pkr
    finding.declared_hs_code, finding.declared_origin = item.hs_code, item.origin_country
    finding.declared_fta_code, finding.declared_sro_ref = item.fta_code, item.sro_ref
    finding.declared_quantity = item.quantity
    finding.correct_value_pkr, finding.correct_hs_code = correct["value_pkr"], correct["hs_code"]
    finding.correct_origin, finding.correct_fta_code = correct["origin"], correct["fta_code"]
    finding.correct_sro_ref, finding.correct_quantity = correct["sro_ref"], correct["quantity"]
    finding.evidence, finding.documents = evidence, list(documents or [])
    finding.tariff_rate_id = tariff.id
    finding.preferential_rate_id = preference.id if preference else None
    finding.rates_applied = {k: str(v) for k, v in rates.as_dict().items()}
    for levy in LEVIES:
        setattr(finding, f"due_{levy}_pkr", getattr(due, levy))
        setattr(finding, f"short_{levy}_pkr", getattr(short, levy))
    finding.short_total_pkr = short.total
    finding.recorded_by_id, finding.recorded_at = actor.id, clock.now()


def _refresh_case_total(session: Session, case: AuditCase) -> None:
    totals = session.scalars(select(Finding.short_total_pkr).join(CaseItem)
                             .where(CaseItem.case_id == case.id))
    case.short_levy_total_pkr = sum(totals, Decimal(0))
