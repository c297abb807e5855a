"""The audit process issues its documents as its tasks complete: the notice of audit with
issue_notice, the audit observation with issue_observation, and the contravention report when
the case is referred to adjudication."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from audit_app.errors import ValidationFailed
from audit_app.models import AuditCase, IssuedDocument
from audit_app.services import documents
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import NOTICE, World, drive_to, tariff
from tests.documents.helpers import fold, pages


def _texts(w: World, case: AuditCase) -> dict[str, str]:
    return {d.kind: " ".join(pages(documents.get_document(w.session, case, d.id).pdf))
            for d in documents.for_case(w.session, case)}


def test_the_notice_of_audit_is_issued_when_the_notice_task_completes(world: World) -> None:
    case = world.open_case(2)
    drive_to(world, case, "issue_notice")
    assert documents.for_case(world.session, case) == []
    world.do(case, "issue_notice", {**NOTICE, "visit_date": "2026-01-22",
                                    "records_required": "Sales register\nBank statements"})
    [notice] = documents.for_case(world.session, case)
    assert (notice.kind, notice.number, notice.issued_by_id) == (
        "notice_of_audit", "NOA/PCA-S/2026/000001", world.auditor.id)
    text = _texts(world, case)["notice_of_audit"]
    gds = sorted({ci.item.declaration.gd_number for ci in case.items})
    for expected in [case.case_number, case.importer.ntn, "Desk audit", "1 January 2025",
                     "31 December 2025", "22 January 2026", "20 January 2026", "Sales register",
                     "Bank statements", "sections 26 and 26A", *gds]:
        assert expected in text, expected
    assert world.events(case, "document_issued")[0].data["number"] == notice.number


def test_a_notice_without_a_visit_date_uses_the_records_due_date_and_default_records(
        world: World) -> None:
    case = world.open_case(1)
    drive_to(world, case, "examine_records")
    text = _texts(world, case)["notice_of_audit"]
    assert "Date of examination of records 20 January 2026" in text
    assert fold(documents.DEFAULT_RECORDS[0]) in text


def test_a_bad_visit_date_blocks_the_task_and_issues_nothing(world: World) -> None:
    case = world.open_case(1)
    drive_to(world, case, "issue_notice")
    with pytest.raises(ValidationFailed) as exc:
        world.do(case, "issue_notice", {**NOTICE, "visit_date": "someday"})
    world.session.rollback()
    assert exc.value.details == {"visit_date": "the date of the visit / examination of records: "
                                               "a date (YYYY-MM-DD)"}
    assert world.task(case).element_id == "issue_notice"
    assert world.session.scalars(select(IssuedDocument)).all() == []


def test_observation_then_contravention_report_on_referral(world: World) -> None:
    tariff(world.session, "84713010")
    case = world.open_case([{"hs_code": "84713010", "declared_value_pkr": Decimal(1_000_000)}])
    drive_to(world, case, "examine_records")
    record_finding(world.session, case.items[0].id, world.auditor,
                   CorrectFacts(value_pkr=Decimal(1_500_000)), evidence="Supplier invoice",
                   clock=world.clock)
    world.session.commit()
    world.do(case, "examine_records")
    world.do(case, "review_findings", {"decision": "approve"})
    world.do(case, "issue_observation", {"observation_date": "2026-02-02"})
    texts = _texts(world, case)
    observation = texts["audit_observation"]
    assert "Rs 278,696.00" in observation and "UNDERVALUATION" in observation
    assert "Date of observation 2 February 2026" in observation
    assert "value Rs 1,000,000.00" in observation and "value Rs 1,500,000.00" in observation
    world.do(case, "record_reply", {"reply_outcome": "contravention"})
    assert case.status == "referred_to_adjudication"
    report = documents.current(world.session, case, "contravention_report")
    assert report is not None and report.number == "CR/PCA-S/2026/000001"
    text = _texts(world, case)["contravention_report"]
    observation_doc = documents.current(world.session, case, "audit_observation")
    for expected in [case.case_number, "Rs 278,696.00", observation_doc.number,
                     "Framed by Aud", "Approved by Sup", "section 32(3)", "Relevant date 12 March 2025"]:
        assert expected in text, expected
    assert [d.kind for d in documents.for_case(world.session, case)] == [
        "notice_of_audit", "audit_observation", "contravention_report"]


def test_an_observation_without_findings_says_so(world: World) -> None:
    case = world.open_case(1)
    drive_to(world, case, "record_reply")
    text = _texts(world, case)["audit_observation"]
    assert "found no short levy" in text and "Total Rs 0.00" in text
