"""Document rendering speed, as JSON: an order-in-original, and a compiled case file of 20+ pages.

Usage: python bench/documents_render.py [--repeat 5] [--database-url URL]

Builds a throwaway SQLite database (or uses --database-url, which it migrates), opens one case
and issues a realistic set of documents through the documents service (numbering, PDF, SHA-256,
event), then times:
- `order_in_original_s`: WeasyPrint rendering of an order-in-original (best and median of
  --repeat, after one warm-up render that loads fonts; `first_render_s` is that cold one);
- `case_file_s`: compiling the case file (cover with summary, index and timeline, then every
  stored PDF appended), with its page count. Targets: < 0.5 s and < 5 s for 20 pages.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # runnable from a clean checkout without installing the package

from pypdf import PdfReader  # noqa: E402

from audit_app import create_app  # noqa: E402
from audit_app.commands.database import upgrade  # noqa: E402
from audit_app.db import get_session  # noqa: E402
from audit_app.models import AuditCase, Importer, Role, User, UserRole  # noqa: E402
from audit_app.services import casefile, documents  # noqa: E402
from reports.render import render  # noqa: E402
from reports.samples import sample_context  # noqa: E402
from workflows.clock import FixedClock  # noqa: E402

START = dt.datetime(2026, 1, 5, 4, 0, tzinfo=dt.timezone.utc)
# Kinds issued into the case and how many findings their tables carry (pages grow with them).
ISSUED = [("notice_of_audit", 8), ("audit_observation", 40), ("contravention_report", 40),
          ("show_cause_notice", 8), ("order_in_original", 8), ("order_in_appeal", 8),
          ("demand_notice", 8)]


def _full_context(kind: str) -> dict[str, object]:
    return {**sample_context(kind), "number": "OIO/ADJ-KHI/2026/000001", "version": 1,
            "date": dt.date(2026, 6, 30), "case_number": "PCA-S/2026/000001",
            "issued_by": {"name": "Ayesha Khan", "designation": "Additional Collector"},
            "directorate": {"code": "ADJ-KHI", "name": "Collectorate of Adjudication, Karachi"},
            "replaces": None}


def bench_order(repeat: int) -> dict[str, float]:
    context = _full_context("order_in_original")
    t = time.perf_counter()
    render("order_in_original", context)
    first = time.perf_counter() - t
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        render("order_in_original", context)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    # CPU time beside wall time: on a shared machine the wall time includes waiting for a core.
    return {"first_render_s": round(first, 3), "order_in_original_s": round(min(times), 3),
            "order_in_original_median_s": round(statistics.median(times), 3),
            "order_in_original_cpu_s": round(min(cpu), 3)}


def bench_case_file(url: str, instance: str, repeat: int) -> dict[str, float | int]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DEMO": False,
                      "INSTANCE_PATH": instance})
    with app.app_context():
        upgrade(url)
        session = get_session()
        clock = FixedClock(START)
        officer = User(username=f"bench-{time.time_ns()}", full_name="Sana Javed",
                       designation="Additional Director (PCA)", password_hash="x",
                       directorate_code="PCA-S")
        officer.roles = [UserRole(role=Role.SUPERVISOR)]
        importer = Importer(ntn=f"B-{time.time_ns()}", name="Indus Polymers (Pvt) Ltd")
        session.add_all([officer, importer])
        session.flush()
        case = AuditCase(case_number=f"PCA-S/2026/B{time.time_ns() % 10**8}",
                         importer_id=importer.id, directorate_code="PCA-S", status="open",
                         created_at=START)
        session.add(case)
        session.flush()
        issue_times = []
        for kind, findings in ISSUED:
            t = time.perf_counter()
            documents.issue(session, case, kind, sample_context(kind, findings), actor=officer,
                            clock=clock)
            issue_times.append(time.perf_counter() - t)
            clock.advance(days=20)
        session.commit()
        times, cpu, pdf = [], [], b""
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            pdf = casefile.compile_case_file(session, case)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    app.extensions["pca_db"].engine.dispose()
    return {"case_file_pages": pages, "case_file_documents": len(ISSUED),
            "case_file_s": round(min(times), 3),
            "case_file_median_s": round(statistics.median(times), 3),
            "case_file_cpu_s": round(min(cpu), 3),
            "issue_median_s": round(statistics.median(issue_times), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        result = {**bench_order(args.repeat), **bench_case_file(url, tmp, max(args.repeat // 2, 1))}
    result["targets"] = {"order_in_original_s": 0.5, "case_file_s_for_20_pages": 5.0}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
