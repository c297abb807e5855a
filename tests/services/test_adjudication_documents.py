"""Adjudication's legal documents are issued through the documents service as the steps
complete: the contravention report as the auditor framed it, the show-cause notice and the
order-in-original, each numbered from its series, and their numbers kept on the proceeding."""
from __future__ import annotations

from audit_app.services import adjudication, documents
from tests.adjudicationdata import Court, court  # noqa: F401
from tests.casedata import world  # noqa: F401


def test_the_framed_report_notice_and_order_are_issued_with_their_numbers(court: Court) -> None:
    case = court.referred()
    issued = documents.current(court.session, case, "contravention_report")
    assert issued is not None and issued.version == 1  # issued when the audit referred it
    court.frame(case, nature="false_statement_or_collusion")
    report = documents.current(court.session, case, "contravention_report")
    adj = court.adj(case)
    assert report.version == 2 and adj.cr_number == report.number
    assert "32(2)" in documents.text_of(court.session, report) or \
        "False statement" in documents.text_of(court.session, report)

    officer = court.officers["superintendent"]
    court.do(case, "assign_officer", {"officer_id": officer.id})
    court.do(case, "draft_scn", {"facts": "Laptops undervalued against the supplier's invoice"})
    court.do(case, "approve_scn", {"decision": "approve"})
    court.do(case, "issue_scn")
    notice = documents.current(court.session, case, "show_cause_notice")
    assert notice is not None and adj.scn.number == notice.number and notice.number.startswith("SCN/")
    text = documents.text_of(court.session, notice)
    assert case.case_number in text and report.number in text

    court.do(case, "record_scn_reply", {"reply_summary": "Denied"})
    day = court.today()
    court.do(case, "schedule_hearing", {"hearing_date": day.isoformat()})
    court.do(case, "record_hearing", {"outcome": "concluded",
                                      "appearances": "Ali Raza, counsel for the importer"})
    court.do(case, "record_order", {"outcome": "adjudged", "adjudged_cd": "100000",
                                    "penalty": "20000", "reasons": "Undervaluation established"})
    order = adjudication.latest_order(court.session, case)
    issued_order = documents.current(court.session, case, "order_in_original")
    assert issued_order is not None and order.number == issued_order.number
    assert order.document_id == issued_order.id
    text = documents.text_of(court.session, issued_order)
    assert notice.number in text and "Ali Raza" in text and "section 193" in text


def test_a_time_barred_case_issues_no_order(court: Court) -> None:
    case = court.referred()
    scn = court.to_order(case)
    court.at_day(scn, 121)
    court.do(case, "record_order", {"outcome": "time_barred", "reasons": "Limit missed"})
    assert documents.current(court.session, case, "order_in_original") is None
