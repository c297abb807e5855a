"""Evidence uploads: what is accepted (by content, never by name), what is refused and why, who
may upload and withdraw, and that every upload and withdrawal is on the timeline and in the
tamper-evident audit log."""
from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from audit_app.db import get_db
from audit_app.errors import Conflict, PermissionDenied, ValidationFailed
from audit_app.models import AuditLogEntry, EvidenceDocument, EvidenceImmutable, Role, User
from audit_app.services import evidence
from audit_app.services.evidence import safe_filename, upload, withdraw
from audit_app.security.audit_verify import verify_chain
from tests.casedata import World, drive_to, world  # noqa: F401
from workflows.clock import as_utc

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
TIFF_II = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 20
TIFF_MM = b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 20
CSV = "gd_number,value_pkr\nKAPE-HC-1,1500000\nکراچی,2\n".encode()
TEXT = "\ufeffSupplier's letter of 3 March 2025: the unit price was USD 42.\n".encode()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot be run"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 30 + b"[Content_Types].xml"


@pytest.fixture
def case(world: World):  # type: ignore[no-untyped-def]
    case = world.open_case(2)
    drive_to(world, case, "prepare_plan")  # the auditor is assigned
    return case


@pytest.mark.parametrize("name, data, content_type, stored_as", [
    ("invoice.pdf", PDF, "application/pdf", "invoice.pdf"),
    ("photo.PNG", PNG, "image/png", "photo.PNG"),
    ("scan.jpg", JPEG, "image/jpeg", "scan.jpg"),
    ("scan.jpeg", JPEG, "image/jpeg", "scan.jpeg"),
    ("bill.tif", TIFF_II, "image/tiff", "bill.tif"),
    ("bill.tiff", TIFF_MM, "image/tiff", "bill.tiff"),
    ("values.csv", CSV, "text/csv", "values.csv"),
    ("letter.txt", TEXT, "text/plain", "letter.txt"),
    ("no extension", PDF, "application/pdf", "no extension.pdf"),
])
def test_each_accepted_type(world: World, case, name: str, data: bytes, content_type: str,  # type: ignore[no-untyped-def]
                            stored_as: str) -> None:
    doc = upload(world.session, case, data, name, world.auditor, clock=world.clock)
    world.session.commit()
    assert (doc.content_type, doc.filename, doc.size_bytes) == (content_type, stored_as, len(data))
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.uploaded_by_id == world.auditor.id and doc.uploaded_at == world.clock.now()
    assert evidence.get(world.session, case, doc.id, with_content=True).content == data


@pytest.mark.parametrize("name, data, problem", [
    ("empty.pdf", b"", "the file is empty"),
    ("x.pdf", EXE, "the content is a Windows executable (MZ header)"),
    ("page.txt", HTML, "HTML, SVG or XML markup"),
    ("page.html", HTML, "HTML, SVG or XML markup"),
    ("logo.svg", SVG, "HTML, SVG or XML markup"),
    ("notes.txt", b"hello <svg onload=alert(1)>", "HTML, SVG or XML markup"),
    ("report.docx", DOCX, "a ZIP archive (Word .docx"),
    ("report.pdf", DOCX, "a ZIP archive"),
    ("scan.pdf", PNG, "the name says a PDF document but the content is a PNG image"),
    ("invoice.png", PDF, "the name says a PNG image but the content is a PDF document"),
    ("data.json", b'{"a": 1}', "the name says a .json file but the content is a plain text"),
    ("values.csv", b"a,b\n1,\x00\n", "binary data"),
    ("latin1.txt", "café".encode("latin-1"), "text that is not UTF-8"),
])
def test_refusals_name_the_file_and_the_problem(world: World, case, name: str, data: bytes,  # type: ignore[no-untyped-def]
                                                problem: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        upload(world.session, case, data, name, world.auditor, clock=world.clock)
    assert refused.value.message.startswith(f"{name} was not uploaded: ")
    assert problem in refused.value.message, refused.value.message
    world.session.rollback()
    assert world.session.scalar(select(EvidenceDocument.id)) is None


def test_too_big(world: World, case) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed, match=r"big\.pdf was not uploaded: it is 2\.0 MB; "
                                               r"the limit is 1 MB"):
        upload(world.session, case, PDF + b"0" * (2 * evidence.MB - len(PDF)), "big.pdf",
               world.auditor, clock=world.clock, max_bytes=evidence.MB)


@pytest.mark.parametrize("raw, safe", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\ali\\Invoice 12 (final).pdf", "Invoice 12 (final).pdf"),
    ('a"b;c<script>.pdf', "a_b_c_script.pdf"),
    ("..", "evidence"),
    ("report\r\n.pdf", "report.pdf"),
    ("بل.pdf", "بل.pdf"),
    ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
])
def test_file_names_are_sanitised(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_upload_for_an_item_names_it_on_the_timeline(world: World, case) -> None:  # type: ignore[no-untyped-def]
    item = case.items[1]
    doc = upload(world.session, case, PDF, "invoice.pdf", world.auditor, clock=world.clock,
                 case_item_id=item.id)
    world.session.commit()
    assert doc.case_item_id == item.id
    [event] = world.events(case, "evidence_uploaded")
    assert event.actor_id == world.auditor.id and as_utc(event.at) == world.clock.now()
    assert event.summary == (f"Evidence invoice.pdf uploaded for GD "
                             f"{item.item.declaration.gd_number} item {item.item.item_no} "
                             f"(PDF document, {len(PDF)} bytes)")
    assert event.data["sha256"] == doc.sha256 and event.data["evidence_id"] == doc.id
    other = world.open_case(1)
    with pytest.raises(ValidationFailed) as refused:
        upload(world.session, case, PNG, "x.png", world.auditor, clock=world.clock,
               case_item_id=other.items[0].id)
    assert "case_item_id" in refused.value.details


def test_the_same_file_twice_is_refused(world: World, case) -> None:  # type: ignore[no-untyped-def]
    upload(world.session, case, PDF, "invoice.pdf", world.auditor, clock=world.clock)
    with pytest.raises(Conflict, match="already evidence of this case, as invoice.pdf"):
        upload(world.session, case, PDF, "copy.pdf", world.supervisor, clock=world.clock)


def test_who_may_upload(world: World, case, make_user) -> None:  # type: ignore[no-untyped-def]
    upload(world.session, case, PDF, "by-auditor.pdf", world.auditor, clock=world.clock)
    upload(world.session, case, PNG, "by-supervisor.png", world.supervisor, clock=world.clock)
    world.session.commit()
    make_user(Role.SUPERVISOR, username="sup_n", directorate="PCA-N")
    make_user(Role.MANAGEMENT, username="boss", directorate=None)
    users = {u.username: u for u in world.session.scalars(select(User))}
    # Another auditor of the directorate, an auditor and a supervisor of another directorate,
    # management (reads every case, changes none).
    for name in ("aud2", "north", "sup_n", "boss"):
        with pytest.raises(PermissionDenied, match="Only the case's auditor or a supervisor"):
            upload(world.session, case, JPEG, f"{name}.jpg", users[name], clock=world.clock)


def test_nothing_is_uploaded_once_the_audit_is_over(world: World, case) -> None:  # type: ignore[no-untyped-def]
    case.status = "closed_no_change"
    with pytest.raises(Conflict, match="only while the audit is open"):
        upload(world.session, case, PDF, "late.pdf", world.auditor, clock=world.clock)


def test_withdrawal_keeps_the_upload_on_record(world: World, case) -> None:  # type: ignore[no-untyped-def]
    doc = upload(world.session, case, PDF, "wrong.pdf", world.auditor, clock=world.clock)
    world.session.commit()
    with pytest.raises(ValidationFailed):
        withdraw(world.session, case, doc.id, world.auditor, reason=" ", clock=world.clock)
    with pytest.raises(PermissionDenied):
        withdraw(world.session, case, doc.id, world.outsider, reason="x", clock=world.clock)
    withdraw(world.session, case, doc.id, world.supervisor, reason="Another importer's invoice",
             clock=world.clock)
    world.session.commit()
    assert doc.withdrawn and doc.withdrawn_by_id == world.supervisor.id
    assert doc.withdrawal_reason == "Another importer's invoice"
    [event] = world.events(case, "evidence_withdrawn")
    assert event.summary == "Evidence wrong.pdf withdrawn: Another importer's invoice"
    with pytest.raises(Conflict, match="already withdrawn"):
        withdraw(world.session, case, doc.id, world.auditor, reason="again", clock=world.clock)
    # Once withdrawn, the same file may be uploaded again (to the right case item, say).
    upload(world.session, case, PDF, "right.pdf", world.auditor, clock=world.clock)


def test_an_upload_is_never_edited_or_deleted(app: Flask, world: World, case) -> None:  # type: ignore[no-untyped-def]
    doc = upload(world.session, case, PDF, "kept.pdf", world.auditor, clock=world.clock)
    world.session.commit()
    doc.filename = "renamed.pdf"
    with pytest.raises(EvidenceImmutable, match="cannot be changed"):
        world.session.flush()
    world.session.rollback()
    world.session.delete(doc)
    with pytest.raises(EvidenceImmutable, match="withdraw it instead"):
        world.session.flush()
    world.session.rollback()
    # Around the ORM, the database refuses too.
    with app.app_context(), pytest.raises(DBAPIError):
        with get_db().engine.begin() as conn:
            conn.execute(text("UPDATE evidence_documents SET sha256 = 'x' WHERE id = :id"),
                         {"id": doc.id})


def test_uploads_and_withdrawals_are_in_the_audit_log(app: Flask, world: World, case,  # type: ignore[no-untyped-def]
                                                      runner) -> None:
    doc = upload(world.session, case, PDF, "logged.pdf", world.auditor, clock=world.clock)
    world.session.commit()
    withdraw(world.session, case, doc.id, world.auditor, reason="duplicate", clock=world.clock)
    world.session.commit()
    world.session.expire_all()
    inserted, updated = world.session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.entity == "evidence_documents")
        .order_by(AuditLogEntry.seq))
    assert inserted.action == "insert" and inserted.entity_id == str(doc.id)
    # The bytes are logged by their digest, not copied into the log.
    assert inserted.after["content"] == {"sha256": doc.sha256, "length": len(PDF)}
    assert inserted.after["filename"] == "logged.pdf"
    assert updated.action == "update" and updated.after["withdrawal_reason"] == "duplicate"
    assert set(updated.after) == {"withdrawn_at", "withdrawn_by_id", "withdrawal_reason"}
    with app.app_context(), get_db().engine.connect() as conn:
        assert verify_chain(conn).ok
    out = runner.invoke(args=["audit-log", "verify"])
    assert out.exit_code == 0, out.output
