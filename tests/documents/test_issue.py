"""Issuing: numbers from the kind's series, every missing element named, versions on re-issue,
and a document that nothing can change afterwards."""
from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from audit_app.errors import Conflict, ValidationFailed
from audit_app.models import AuditCase, CaseEvent, DocumentImmutable, DocumentSeries, IssuedDocument
from audit_app.services import documents
from reports.kinds import required_keys
from reports.samples import sample_context
from tests.casedata import World
from tests.documents.guards import sqlite_guards

KIND = "show_cause_notice"


def _issue(w: World, case: AuditCase, kind: str = KIND, **changes: object) -> IssuedDocument:
    doc = documents.issue(w.session, case, kind, {**sample_context(kind, 2), **changes},
                          actor=w.supervisor, clock=w.clock)
    w.session.commit()
    return doc


def test_numbers_run_per_kind_formation_and_year(world: World, case: AuditCase) -> None:
    other = world.open_case(1)
    first, second = _issue(world, case), _issue(world, other)
    observation = _issue(world, case, "audit_observation")
    assert [first.number, second.number] == ["SCN/PCA-S/2026/000001", "SCN/PCA-S/2026/000002"]
    assert observation.number == "AOB/PCA-S/2026/000001"
    world.clock.set(dt.datetime(2026, 12, 31, 19, 30, tzinfo=dt.timezone.utc))  # 1 Jan in Karachi
    assert _issue(world, case).number == "SCN/PCA-S/2027/000001"
    north = _issue_as(world, case, world.outsider)
    assert north.number == "SCN/PCA-N/2027/000001"  # the issuing officer's formation


def _issue_as(w: World, case: AuditCase, actor) -> IssuedDocument:  # type: ignore[no-untyped-def]
    doc = documents.issue(w.session, case, KIND, sample_context(KIND, 2), actor=actor,
                          clock=w.clock)
    w.session.commit()
    return doc


def test_every_missing_element_is_named_and_no_number_is_taken(world: World,
                                                                case: AuditCase) -> None:
    context = sample_context("order_in_original")
    for key in ("appeal_clause", "hearing_dates", "respondents"):
        del context[key]
    context["decision"] = {**context["decision"], "penalty": 1000.5}
    del context["decision"]["fine"]
    with pytest.raises(ValidationFailed) as exc:
        documents.issue(world.session, case, "order_in_original", context,
                        actor=world.supervisor, clock=world.clock)
    assert exc.value.details == {
        "appeal_clause": "required: the appeal clause",
        "hearing_dates": "required: the hearing dates",
        "respondents": "required: the respondents (importer, clearing agent)",
        "decision.penalty": "penalty: an exact amount (Decimal), not a float",
        "decision.fine": "required: fine",
    }
    assert world.session.scalars(select(DocumentSeries)).all() == []
    assert "order_in_original" not in {d.kind for d in documents.for_case(world.session, case)}


def test_required_keys_are_published_per_kind() -> None:
    assert required_keys("order_in_original") == [
        "scn", "contravention_report", "amount_involved", "respondents", "instituted_by",
        "hearing_dates", "appearances", "judgment_date", "decision", "appeal_clause"]


def test_issue_stores_the_pdf_with_its_hash_and_records_an_event(world: World,
                                                                 case: AuditCase) -> None:
    doc = _issue(world, case)
    stored = documents.get_document(world.session, case, doc.id)
    assert stored.pdf.startswith(b"%PDF") and documents.sha256(stored.pdf) == doc.sha256
    assert doc.issued_on == dt.date(2026, 1, 5) and doc.issued_by_id == world.supervisor.id
    assert doc.context["short_levies"]["cd"] == "1240500"  # exact, as text
    [event] = world.events(case, "document_issued")
    assert event.data == {"document_id": doc.id, "kind": KIND, "number": doc.number,
                          "version": 1, "sha256": doc.sha256}
    assert event.actor_id == world.supervisor.id


def test_reissue_makes_a_new_version_that_replaces_the_old(world: World,
                                                           case: AuditCase) -> None:
    first = _issue(world, case)
    world.clock.advance(days=2)
    corrected = {**sample_context(KIND, 2), "reply_due_date": dt.date(2026, 3, 30)}
    second = documents.reissue(world.session, first, corrected, actor=world.supervisor,
                               clock=world.clock, reason="reply period was too short")
    world.session.commit()
    assert (second.number, second.version, second.replaces_id) == (first.number, 2, first.id)
    assert second.sha256 != first.sha256
    assert documents.current(world.session, case, KIND).id == second.id
    text_ = documents.text_of(world.session, second)
    assert "version 2" in text_ and "replaces version 1" in " ".join(text_.split())
    assert documents.get_document(world.session, case, first.id).pdf  # the old one stays
    with pytest.raises(Conflict):
        documents.reissue(world.session, first, corrected, actor=world.supervisor,
                          clock=world.clock, reason="again")
    with pytest.raises(ValidationFailed):
        documents.reissue(world.session, second, corrected, actor=world.supervisor,
                          clock=world.clock, reason=" ")
    assert [e.data["version"] for e in world.events(case, "document_issued")] == [1, 2]


def test_the_orm_refuses_to_change_or_delete_an_issued_document(world: World,
                                                                case: AuditCase) -> None:
    doc = _issue(world, case)
    doc.issued_by_name = "Someone else"
    with pytest.raises(DocumentImmutable):
        world.session.flush()
    world.session.rollback()
    world.session.delete(world.session.get(IssuedDocument, doc.id))
    with pytest.raises(DocumentImmutable):
        world.session.flush()
    world.session.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE issued_documents SET pdf = :junk",
    "UPDATE issued_documents SET sha256 = 'x', version = 9",
    "DELETE FROM issued_documents",
])
def test_the_database_refuses_raw_sql_edits(world: World, case: AuditCase,
                                            statement: str) -> None:
    doc = _issue(world, case)
    with pytest.raises(DBAPIError, match="immutable|cannot be deleted"):
        world.session.execute(text(statement), {"junk": b"%PDF-forged"})
    world.session.rollback()
    assert documents.get_document(world.session, case, doc.id).sha256 == doc.sha256


def test_verify_finds_tampering_that_went_around_the_triggers(world: World, case: AuditCase,
                                                              runner) -> None:  # type: ignore[no-untyped-def]
    first, second = _issue(world, case), _issue(world, case)
    result = runner.invoke(args=["documents", "verify"])
    assert result.exit_code == 0, result.output
    assert "2 document(s) checked" in result.output
    with _triggers_off(world):
        world.session.execute(text("UPDATE issued_documents SET pdf = :pdf WHERE id = :id"),
                              {"pdf": b"%PDF-1.7 forged", "id": second.id})
        world.session.execute(text("DELETE FROM issued_documents WHERE id = :id"),
                              {"id": first.id})
    result = runner.invoke(args=["documents", "verify"])
    assert result.exit_code == 1
    assert (f"MISMATCH issued_documents id={second.id} ({second.number} version 1, case id "
            f"{case.id}): SHA-256 mismatch") in result.output
    assert ("MISMATCH document_series SCN/PCA-S/2026: 1 issued number(s) missing: "
            f"{first.number}") in result.output


class _triggers_off:
    """Go around the guards as a DBA with raw access could, to prove verify notices."""

    def __init__(self, w: World) -> None:
        self.session = w.session
        self.dialect = w.session.get_bind().dialect.name

    def __enter__(self) -> None:
        if self.dialect == "postgresql":
            self.session.execute(text("ALTER TABLE issued_documents DISABLE TRIGGER USER"))
        else:
            for name in ("trg_issued_documents_no_update", "trg_issued_documents_no_delete"):
                self.session.execute(text(f"DROP TRIGGER {name}"))

    def __exit__(self, *exc: object) -> None:
        if self.dialect == "postgresql":
            self.session.execute(text("ALTER TABLE issued_documents ENABLE TRIGGER USER"))
        else:
            for statement in sqlite_guards():
                self.session.execute(text(statement))
        self.session.commit()


def test_numbers_are_unique_and_gapless_across_concurrent_issuers(world: World, app) -> None:  # type: ignore[no-untyped-def]
    """Four connections take numbers at once; every number is used once, none is skipped."""
    maker = app.extensions["pca_db"].sessionmaker
    taken: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                with maker() as session:
                    taken.append(documents._take_number(session, "SCN/PCA-S/2026"))
                    session.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(taken) == list(range(1, 41))
    world.session.execute(text("DELETE FROM document_series"))
    world.session.commit()


def test_amounts_are_exact(world: World, case: AuditCase) -> None:
    doc = _issue(world, case, short_levies={"cd": Decimal("1234567.89")})
    assert "Rs 1,234,567.89" in documents.text_of(world.session, doc)
