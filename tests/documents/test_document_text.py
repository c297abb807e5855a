"""Every kind's PDF, read back by pdftotext, shows each of its required elements, its number,
and the case number on every page."""
from __future__ import annotations

import pytest

from audit_app.models import AuditCase
from audit_app.services import documents
from reports.kinds import KINDS
from reports.samples import sample_context
from tests.casedata import World
from tests.documents.helpers import expected_strings, fold, pages


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_text_has_every_required_element_and_the_case_number_on_every_page(
        world: World, case: AuditCase, kind: str) -> None:
    context = sample_context(kind, findings=30)  # long enough to run over pages
    doc = documents.issue(world.session, case, kind, context, actor=world.supervisor,
                          clock=world.clock)
    text = pages(documents.get_document(world.session, case, doc.id).pdf)
    assert len(text) == doc.pages >= 1
    for n, page in enumerate(text, 1):
        assert f"Case No. {case.case_number}" in page, f"page {n}"
        assert f"Page {n} of {len(text)}" in page
        assert doc.number in page
    whole = " ".join(text)
    missing = [s for s in expected_strings(kind, context) if fold(s) not in whole]
    assert missing == []
    assert "6 January 2026" in whole or "5 January 2026" in whole  # the issue date (Karachi)


def test_order_in_original_carries_every_element_of_domain_section_8(
        world: World, case: AuditCase) -> None:
    context = sample_context("order_in_original")
    doc = documents.issue(world.session, case, "order_in_original", context,
                          actor=world.supervisor, clock=world.clock)
    text = " ".join(pages(documents.get_document(world.session, case, doc.id).pdf))
    for label, value in [
            ("Order No. and date", f"{doc.number} dated 5 January 2026"),
            ("Amount involved", "Rs 3,692,820.00"),
            ("Contravention report", "No. CR/PCA-S/2026/000004 dated 2 March 2026"),
            ("Show-cause notice", "No. SCN/ADJ-KHI/2026/000011 dated 9 March 2026"),
            ("Respondent No. 1 (importer)", "Indus Polymers (Pvt) Ltd (NTN 4211187-3)"),
            ("Respondent No. 2 (clearing agent)", "Crescent Clearing Services"),
            ("Case instituted by", "Bilal Ahmed Qureshi, Deputy Director (PCA)"),
            ("Dates of hearing", "30 March 2026; 21 April 2026; 12 May 2026"),
            ("Date of judgment", "30 June 2026")]:
        assert f"{label} {value}" in text, label
    assert "Mr. Kamran Siddiqui, Advocate, for Respondent No. 1" in text  # appearances
    assert "Penalty Rs 369,282.00" in text and "Fine Rs 0.00" in text
    assert "Customs duty (CD) Rs 1,240,500.00" in text
    assert "Total Rs 4,062,102.00" in text  # duty and taxes adjudged + penalty + fine
    assert "Appeal. Any person aggrieved by this order may file an appeal before the Collector" \
        in text and "section 193" in text and "within thirty days" in text


def test_a_dropped_case_adjudges_nothing(world: World, case: AuditCase) -> None:
    context = sample_context("order_in_original")
    context["decision"] = {**context["decision"], "outcome": "dropped"}
    doc = documents.issue(world.session, case, "order_in_original", context,
                          actor=world.supervisor, clock=world.clock)
    text = " ".join(pages(documents.get_document(world.session, case, doc.id).pdf))
    assert "the proceedings are dropped" in text and "Adjudged" not in text


def test_demand_notice_shows_outstanding_after_payments_and_stays(
        world: World, case: AuditCase) -> None:
    context = sample_context("demand_notice") | {"paid": "500000", "stayed": 250000}
    doc = documents.issue(world.session, case, "demand_notice", context, actor=world.supervisor,
                          clock=world.clock)
    text = " ".join(pages(documents.get_document(world.session, case, doc.id).pdf))
    # Reduced demand: duty and taxes 2,215,692 + penalty 100,000 = 2,315,692.
    assert "Total demanded Rs 2,315,692.00" in text
    assert "Outstanding and payable now Rs 1,565,692.00" in text
    assert "section 202" in text and "National Tax Number" in text
