"""Feedback to risk management (WTO TFA 7.5): when a case closes, its final outcome becomes an
audit outcome per declaration item, the label the risk model learns from
(`risk.model_store.labels_until` reads `AuditOutcome`).

A case is closed when one of its processes ends in a final status and no other process of the
case is still running (e.g. recovery may end while an appeal is pending; the appeal's end then
closes the case). What the audit established for each item depends on how the case ended:

| status | finding / short levy per item |
|---|---|
| closed_no_change, dropped, set_aside_on_appeal, demand_cancelled | NONE, 0 (no short levy stood) |
| closed_voluntary_payment, time_barred, not_pursued | the audit's finding and short levy (it stands, even where the law bars or skips recovery) |
| recovered, adr_settled, appeal_concluded | the finding, its short levy scaled by the duty and taxes finally demanded / detected |

Penalty and fine never count: the label is duty and taxes short-levied. A case closed again
later (after a remand) rewrites its items' outcomes; the replaced row is kept in
`SupersededRecord`, as for re-imported outcomes. Flushes, never commits.
"""
from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import handoffs, runtime
from workflows.clock import Clock, local_date

from . import ledger
from ..models import FINDINGS, AuditCase, AuditOutcome, CaseEvent, SupersededRecord

NOT_ESTABLISHED = ("closed_no_change", "dropped", "set_aside_on_appeal", "demand_cancelled")
AS_AUDITED = ("closed_voluntary_payment", "time_barred", "not_pursued")
AS_DEMANDED = ("recovered", "adr_settled", "appeal_concluded")
FINAL_STATUSES = NOT_ESTABLISHED + AS_AUDITED + AS_DEMANDED
CENT = Decimal("0.01")


def _on_end(session: Session, case: AuditCase, clock: Clock, *, process_id: str) -> None:
    if runtime.instances(session, case.id, running=True):
        return  # another process of the case (an appeal, recovery) still runs
    write_outcomes(session, case, clock=clock)


for _status in FINAL_STATUSES:
    handoffs.on(_status)(_on_end)


def write_outcomes(session: Session, case: AuditCase, *, clock: Clock) -> list[AuditOutcome]:
    """One `AuditOutcome` per item of the case (source "case"), from its final status."""
    status = case.status
    if status not in FINAL_STATUSES:
        raise ValueError(f"case status {status!r} is not final")
    b = ledger.balances(session, case.id)
    detected = sum((i.finding.short_total_pkr for i in case.items if i.finding), Decimal(0))
    demanded = sum((b["demanded"][levy] for levy in ledger.DUTY_LEVIES), Decimal(0))
    if status in NOT_ESTABLISHED:
        factor = Decimal(0)
    elif status in AS_AUDITED:
        factor = Decimal(1)
    else:
        factor = demanded / detected if detected else Decimal(0)
    today = local_date(clock.now())
    case_facts = {"case_number": case.case_number, "case_status": status,
                  "detected_pkr": str(detected), "demanded_pkr": str(demanded),
                  "paid_pkr": str(b.total("paid"))}
    existing = {o.item_id: o for o in session.scalars(select(AuditOutcome).where(
        AuditOutcome.item_id.in_([i.item_id for i in case.items])))}
    written = []
    for item in case.items:
        finding = item.finding
        short = ((finding.short_total_pkr * factor).quantize(CENT, rounding=ROUND_HALF_UP)
                 if finding else Decimal(0))
        label = _label(finding.kinds if finding else []) if short > 0 else "NONE"
        if label == "NONE":
            short = Decimal(0)
        values = {"audit_date": today, "finding": label, "short_levy_pkr": short,
                  "source": "case", "attributes": case_facts,
                  "row_hash": _hash(item.item_id, today.isoformat(), label, str(short)),
                  "updated_at": clock.now(), "batch_id": None}
        row = existing.get(item.item_id)
        if row is None:
            row = AuditOutcome(item_id=item.item_id, version=1, **values)
            session.add(row)
        elif row.row_hash != values["row_hash"] or row.source != "case":
            session.add(SupersededRecord(
                table_name="audit_outcomes", record_id=row.id, version=row.version,
                data={"audit_date": row.audit_date.isoformat(), "finding": row.finding,
                      "short_levy_pkr": str(row.short_levy_pkr), "source": row.source,
                      "row_hash": row.row_hash, **(row.attributes or {})},
                replaced_at=clock.now()))
            for name, value in values.items():
                setattr(row, name, value)
            row.version += 1
        written.append(row)
    session.flush()
    hits = sum(1 for r in written if r.finding != "NONE")
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=None,
                          kind="outcomes_recorded",
                          summary=f"Outcome fed back to risk management: {hits} of "
                                  f"{len(written)} items with a short levy",
                          data={"status": status, "items": len(written), "hits": hits}))
    session.flush()
    return written


def _label(kinds: list[str]) -> str:
    for kind in kinds:
        if kind in FINDINGS and kind != "NONE":
            return kind
    return "OTHER"


def _hash(*parts: str | int) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()
