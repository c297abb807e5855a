"""The archive of issued steering-committee reports: each issue is kept as rendered, with its
SHA-256, and never changed; issuing the same period again adds a version. Flushes, never commits.
The PDF itself is made by `reports.steering` (this service only stores and reads it)."""
from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationFailed
from ..models import SteeringReport, User


class ReportImmutable(RuntimeError):
    """Raised when code tries to change or delete an issued steering report."""


@event.listens_for(SteeringReport, "before_update")
def _refuse_update(*_args: Any) -> None:
    raise ReportImmutable("An issued steering report never changes: issue a new version.")


@event.listens_for(SteeringReport, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise ReportImmutable("An issued steering report is kept.")


def archive(session: Session, *, period: str, period_from: Any, period_to: Any, pdf: bytes,
            pages: int, figures: dict[str, Any], actor: User | None,
            issued_by_name: str | None = None) -> SteeringReport:
    if not pdf.startswith(b"%PDF"):
        raise ValidationFailed("Report not archived.", {"pdf": "not a PDF"})
    version = (session.scalar(select(func.max(SteeringReport.version))
                              .where(SteeringReport.period == period)) or 0) + 1
    name = issued_by_name or (actor.full_name if actor else "system")
    report = SteeringReport(period=period, version=version, period_from=period_from,
                            period_to=period_to, issued_by_id=actor.id if actor else None,
                            issued_by_name=name, sha256=hashlib.sha256(pdf).hexdigest(),
                            size_bytes=len(pdf), pages=pages, figures=figures, pdf=pdf)
    session.add(report)
    session.flush()
    return report


def issued(session: Session, limit: int = 50) -> list[SteeringReport]:
    return list(session.scalars(select(SteeringReport).order_by(SteeringReport.issued_at.desc(),
                                                                SteeringReport.id.desc()).limit(limit)))


def get(session: Session, report_id: int) -> SteeringReport:
    report = session.get(SteeringReport, report_id)
    if report is None:
        raise NotFound(f"No steering report {report_id}.")
    return report


def verify(report: SteeringReport) -> bool:
    return hashlib.sha256(report.pdf).hexdigest() == report.sha256
