"""Evidence documents: upload a file to a case (optionally to one item under audit), list a
case's uploads, read one back, withdraw a wrong one.

What a file is comes from its first bytes, never from its name or the browser's content type:
PDF, PNG, JPEG and TIFF by their signatures, plain text and CSV as UTF-8 without NUL bytes or
markup. Everything else is refused, naming the file and what it is: executables, archives and
Office files (a .docx is a ZIP that may carry macros or links; ask for a PDF of it), HTML, SVG
and XML (a browser may run their scripts). A name whose extension says another type than the
content is refused too, so a file never reaches a reader's disk under a misleading name.
Hand-written checks: five signatures do not justify a libmagic dependency, and libmagic would
also name types we refuse anyway.

Who: the case's auditor, or a supervisor of the case's directorate, while the audit is open
(`evidence.upload` / `evidence.withdraw` in the permission matrix; the web layer checks the
role, this module the case). Reading: whoever may read the case (`cases.get_case`).
Flushes, never commits.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from workflows.clock import Clock

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import AuditCase, CaseEvent, CaseItem, EvidenceDocument, Role, User

DEFAULT_MAX_UPLOAD_MB = 20
MB = 1024 * 1024
ELEMENT = "evidence"


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str
    extensions: tuple[str, ...]  # the first is added to a name without an extension


KINDS = {
    "pdf": Kind("application/pdf", "a PDF document", (".pdf",)),
    "png": Kind("image/png", "a PNG image", (".png",)),
    "jpeg": Kind("image/jpeg", "a JPEG image", (".jpg", ".jpeg", ".jpe")),
    "tiff": Kind("image/tiff", "a TIFF image", (".tif", ".tiff")),
    "csv": Kind("text/csv", "a CSV text file", (".csv",)),
    "text": Kind("text/plain", "a plain text file", (".txt", ".text", ".log")),
}
_BY_EXTENSION = {ext: name for name, kind in KINDS.items() for ext in kind.extensions}
ACCEPTED = "PDF, PNG, JPEG, TIFF, plain text (.txt) or CSV"

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
# Refused types worth naming, so the uploader knows what they sent.
_REFUSED: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "an ELF executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O or Java executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"PK\x03\x04", "a ZIP archive (Word .docx and Excel .xlsx files are ZIP archives: upload "
                    "a PDF of the document)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc/.xls): upload a PDF"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"{\\rtf", "an RTF document: upload a PDF"),
)
# Markup a browser may render and run script from, wherever it starts in a "text" file.
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|"
                     rb"meta|style|img|a\s|link|form)", re.IGNORECASE)


def max_upload_bytes(megabytes: int | None) -> int:
    return (megabytes or DEFAULT_MAX_UPLOAD_MB) * MB


def sniff(data: bytes) -> tuple[str | None, str]:
    """(kind name, what the bytes are): kind None when the content is refused."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind, KINDS[kind].label
    if data.startswith(b"MZ") and b"\x00" in data[:64]:  # text may start "MZ Traders"
        return None, "a Windows executable (MZ header)"
    for signature, what in _REFUSED:
        if data.startswith(signature):
            return None, what
    if b"\x00" in data:
        return None, "binary data, not a document type accepted"
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return None, "text that is not UTF-8 (save it as UTF-8, or upload a PDF)"
    if _MARKUP.search(text):
        return None, "HTML, SVG or XML markup (a browser could run script from it)"
    return "text", KINDS["text"].label


_UNSAFE = re.compile(r"[^\w.()\- ]+")


def safe_filename(name: str) -> str:
    """The last path segment, NFC, without control or shell-special characters, at most 120
    characters (keeping the extension); never empty, never a hidden file."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" ._")
    name = re.sub(r"_{2,}", "_", re.sub(r" {2,}", " ", name))
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        name = stem[:120 - len(ext) - 1].rstrip(" ._") + "." + ext
    else:
        name = name[:120]
    return name if name and not name.startswith(".") else "evidence"


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem else ""


def check_file(data: bytes, filename: str, *, max_bytes: int) -> tuple[str, Kind]:
    """The name to store and the kind of a file fit to keep, or ValidationFailed naming the
    file and what is wrong with it."""
    shown = safe_filename(filename)

    def refuse(problem: str) -> ValidationFailed:
        return ValidationFailed(f"{shown} was not uploaded: {problem}.", {"file": problem})

    if not data:
        raise refuse("the file is empty")
    if len(data) > max_bytes:
        raise refuse(f"it is {len(data) / MB:,.1f} MB; the limit is {max_bytes // MB} MB")
    kind_name, what = sniff(data)
    if kind_name is None:
        raise refuse(f"the content is {what}; accepted: {ACCEPTED}")
    ext = _extension(shown)
    if not ext:
        shown += KINDS[kind_name].extensions[0]
    elif kind_name == "text" and ext == ".csv":
        kind_name = "csv"
    elif _BY_EXTENSION.get(ext) != kind_name:
        named = KINDS[_BY_EXTENSION[ext]].label if ext in _BY_EXTENSION else f"a {ext} file"
        raise refuse(f"the name says {named} but the content is {what}; rename it to "
                     f"{KINDS[kind_name].extensions[0]} if that is what it is")
    return shown, KINDS[kind_name]


def may_change(case: AuditCase, actor: User) -> bool:
    """The case's auditor, or a supervisor of its directorate, while the audit is open."""
    if case.status != "open":
        return False
    if actor.id == case.auditor_id and actor.has_role(Role.AUDITOR):
        return True
    return actor.has_role(Role.SUPERVISOR) and (
        actor.id == case.supervisor_id or (case.directorate_code is not None
                                           and actor.directorate_code == case.directorate_code))


def _check_may_change(case: AuditCase, actor: User, verb: str) -> None:
    if case.status != "open":
        raise Conflict(f"Case {case.case_number} is no longer under audit ({case.status}); "
                       "evidence is uploaded or withdrawn only while the audit is open.")
    if not may_change(case, actor):
        raise PermissionDenied(f"Only the case's auditor or a supervisor of directorate "
                               f"{case.directorate_code} {verb}s evidence of case "
                               f"{case.case_number}.")


def upload(session: Session, case: AuditCase, data: bytes, filename: str, actor: User, *,
           clock: Clock, case_item_id: int | None = None,
           max_bytes: int = DEFAULT_MAX_UPLOAD_MB * MB) -> EvidenceDocument:
    """Keep one file as evidence of `case` (of one of its items if `case_item_id`)."""
    _check_may_change(case, actor, "upload")
    item = None
    if case_item_id is not None:
        item = session.get(CaseItem, case_item_id)
        if item is None or item.case_id != case.id:
            raise ValidationFailed("Evidence not uploaded.",
                                   {"case_item_id": f"no item {case_item_id} in case "
                                                    f"{case.case_number}"})
    name, kind = check_file(data, filename, max_bytes=max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    same = session.scalar(select(EvidenceDocument).where(
        EvidenceDocument.case_id == case.id, EvidenceDocument.sha256 == digest,
        EvidenceDocument.withdrawn_at.is_(None)))
    if same is not None:
        raise Conflict(f"{name} was not uploaded: the same file is already evidence of this "
                       f"case, as {same.filename} (uploaded {same.uploaded_at:%d %b %Y}).")
    doc = EvidenceDocument(case_id=case.id, case_item_id=case_item_id, filename=name,
                           content_type=kind.content_type, size_bytes=len(data), sha256=digest,
                           content=data, uploaded_by_id=actor.id, uploaded_at=clock.now())
    session.add(doc)
    session.flush()
    where = (f" for GD {item.item.declaration.gd_number} item {item.item.item_no}"
             if item is not None else "")
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor.id,
                          kind="evidence_uploaded", element_id=ELEMENT,
                          summary=f"Evidence {name} uploaded{where} ({kind.label[2:]}, "
                                  f"{human_size(len(data))})",
                          data={"evidence_id": doc.id, "sha256": digest,
                                "size_bytes": len(data), "content_type": kind.content_type,
                                "case_item_id": case_item_id}))
    session.flush()
    return doc


def withdraw(session: Session, case: AuditCase, evidence_id: int, actor: User, *,
             reason: str, clock: Clock) -> EvidenceDocument:
    """Mark a wrong upload withdrawn; it stays on record (and downloadable) with the reason."""
    _check_may_change(case, actor, "withdraw")
    doc = get(session, case, evidence_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Evidence not withdrawn.", {"reason": "say why it is withdrawn"})
    if doc.withdrawn:
        raise Conflict(f"{doc.filename} was already withdrawn on {doc.withdrawn_at:%d %b %Y}.")
    doc.withdrawn_at, doc.withdrawn_by_id, doc.withdrawal_reason = clock.now(), actor.id, reason
    session.add(CaseEvent(case_id=case.id, at=clock.now(), actor_id=actor.id,
                          kind="evidence_withdrawn", element_id=ELEMENT,
                          summary=f"Evidence {doc.filename} withdrawn: {reason}",
                          data={"evidence_id": doc.id, "sha256": doc.sha256}))
    session.flush()
    return doc


def get(session: Session, case: AuditCase, evidence_id: int, *,
        with_content: bool = False) -> EvidenceDocument:
    """One upload of `case` (the caller has checked the reader may read the case)."""
    query = select(EvidenceDocument).where(EvidenceDocument.id == evidence_id,
                                           EvidenceDocument.case_id == case.id)
    if with_content:
        query = query.options(undefer(EvidenceDocument.content))
    doc = session.scalar(query)
    if doc is None:
        raise NotFound(f"No evidence document {evidence_id} in case {case.case_number}.")
    return doc


def for_case(session: Session, case: AuditCase) -> list[EvidenceDocument]:
    """The case's uploads, oldest first, without their bytes."""
    return list(session.scalars(select(EvidenceDocument)
                                .where(EvidenceDocument.case_id == case.id)
                                .order_by(EvidenceDocument.uploaded_at, EvidenceDocument.id)))


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < MB:
        return f"{size / 1024:,.0f} KB"
    return f"{size / MB:,.1f} MB"
