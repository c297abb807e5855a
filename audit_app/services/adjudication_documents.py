"""The legal documents of adjudication, issued through the documents service as their steps
complete: the contravention report (re-issued when the auditor's framing changes its nature or
relevant date), the show-cause notice and the order-in-original. Each takes its number from the
document's series, and the proceeding keeps it (`cr_number`, `ShowCauseNotice.number`,
`OrderInOriginal.number`) so screens never open a PDF."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from workflows.clock import Clock

from . import documents
from ..models import Adjudication, AuditCase, OrderInOriginal, ShowCauseNotice, User


def _respondents(session: Session, case: AuditCase) -> list[dict[str, Any]]:
    return [documents.party_importer(case), *documents.party_agents(session, case)]


def _cr_ref(session: Session, case: AuditCase, adj: Adjudication) -> dict[str, Any]:
    doc = documents.current(session, case, "contravention_report")
    return documents.ref(doc) if doc else {"number": adj.cr_number, "date": adj.cr_date}


def contravention_report(session: Session, case: AuditCase, adj: Adjudication, *,
                         actor: User | None, clock: Clock) -> None:
    """The report as the auditor framed it: issued, or re-issued when the audit's hand-off
    issued it with another nature, relevant date or facts."""
    context = documents.contravention_report_context(session, case)
    context.update({"nature": adj.nature, "relevant_date": adj.relevant_date,
                    "facts": adj.facts or context["facts"],
                    "provisions": adj.provisions or context["provisions"]})
    if actor is not None:
        context["instituted_by"] = documents.officer(actor)
    current = documents.current(session, case, "contravention_report")
    if current is None:
        supervisor = session.get(User, case.supervisor_id) if case.supervisor_id else actor
        doc = documents.issue(session, case, "contravention_report", context,
                              actor=supervisor or actor, clock=clock)
    else:
        doc = documents.reissue(session, current, context, actor=actor, clock=clock,
                                reason="framed by the auditor: nature and relevant date stated")
    adj.cr_number = doc.number


def show_cause_notice(session: Session, case: AuditCase, adj: Adjudication,
                      scn: ShowCauseNotice, *, actor: User | None, clock: Clock) -> None:
    context = {"respondents": _respondents(session, case),
               "contravention_report": _cr_ref(session, case, adj),
               "facts": scn.facts, "provisions": scn.provisions,
               "penal_provisions": scn.penal_provisions, "short_levies": adj.contravened(),
               "limitation": {"section": adj.limitation_section,
                              "relevant_date": adj.relevant_date},
               "reply_due_date": scn.reply_due_date}
    doc = documents.issue(session, case, "show_cause_notice", context, actor=actor, clock=clock)
    scn.number, scn.document_id = doc.number, doc.id


def order_in_original(session: Session, case: AuditCase, adj: Adjudication,
                      scn: ShowCauseNotice, order: OrderInOriginal, *, actor: User | None,
                      clock: Clock) -> None:
    framer = session.get(User, adj.framed_by_id) if adj.framed_by_id else None
    held = [h for h in adj.hearings if h.status == "held"]
    contravened = adj.contravened()
    outcome = order.outcome
    if outcome == "adjudged" and order.levies != contravened:
        outcome = "partly_adjudged"
    scn_doc_ref = ({"number": scn.number, "date": scn.issued_on})
    context = {"scn": scn_doc_ref, "contravention_report": _cr_ref(session, case, adj),
               "amount_involved": contravened, "respondents": _respondents(session, case),
               "instituted_by": documents.officer(framer) if framer else None,
               "hearing_dates": [h.held_on for h in held] or
               [h.scheduled_for for h in adj.hearings],
               "appearances": [a for h in held for a in (h.appearances or [])],
               "judgment_date": order.order_date,
               "decision": {"outcome": outcome, "duty_taxes_adjudged": order.levies,
                            "penalty": order.penalty_pkr, "fine": order.fine_pkr,
                            "reasons": order.reasons},
               "appeal_clause": documents.appeal_clause("order_in_original")}
    doc = documents.issue(session, case, "order_in_original", context, actor=actor, clock=clock)
    order.number, order.document_id = doc.number, doc.id
