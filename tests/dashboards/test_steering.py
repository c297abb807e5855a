"""The steering-committee report: its text (pdftotext) against the ledger, the archive with
SHA-256, the command and the button."""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from audit_app.models import Role, SteeringReport
from audit_app.services import steering as archive
from reports.steering import build, issue, render_pdf
from tests.conftest import login
from tests.dashboards.data import Cases3, cases3, money, world  # noqa: F401

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
pytestmark = pytest.mark.skipif(not Path(PDFTOTEXT).exists(), reason="pdftotext is missing")


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], check=True, capture_output=True)
    return " ".join(out.stdout.decode().split())


def test_march_report_states_the_figures_and_what_changed(money: Cases3, tmp_path: Path) -> None:
    s = money.world.session
    data = build(s, "2026-03")
    pdf, pages = render_pdf(data, issued_by="Director General", issued_on=dt.date(2026, 4, 2))
    text = text_of(pdf, tmp_path)
    assert pages >= 2 and pdf.startswith(b"%PDF")
    assert "Steering-committee report" in text and "March 2026" in text
    # Recovered in March: the 60,000 CD payment; target 50,000 (120%); nothing in February.
    assert ("In March 2026 the directorates recovered Rs 60,000, 120% of the target of Rs 50,000, "
            "with nothing in the previous period.") in text
    assert "adjudged Rs 229,800" in text
    assert "Recovered Rs 60,000 Rs 50,000 120% Rs 0 new" in text
    # Funnel stages in the period and the largest case with its ledger figures.
    assert "Detected 1 Rs 5,001" in text  # the north case's detection in March (5,000.50)
    assert "Adjudged 1 Rs 229,800" in text
    assert money.hit.case_number in text
    assert "The largest demand is " + money.hit.case_number in text
    assert "page 1 of" in text  # running footer on every page


def test_quarterly_report_compares_with_the_previous_quarter(money: Cases3, tmp_path: Path) -> None:
    data = build(money.world.session, "2026-Q2")
    assert data.previous_title.startswith("Q1 2026")
    text = text_of(render_pdf(data, issued_by="x", issued_on=dt.date(2026, 7, 1))[0], tmp_path)
    assert "Q2 2026 (April to June 2026)" in text
    # Recovered in Q2: 9,800 against 60,000 in Q1.
    assert "recovered Rs 9,800, down 84% on Q1 2026" in text
    assert "Arrears stand at Rs 120,000" in text and "Rs 40,000 is stayed" in text


def test_issue_archives_the_pdf_with_its_hash_and_never_changes_it(money: Cases3) -> None:
    s = money.world.session
    first = issue(s, "2026-03", actor=money.world.supervisor, today=dt.date(2026, 4, 2))
    second = issue(s, "2026-03", actor=None, today=dt.date(2026, 4, 3))
    s.commit()
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 == hashlib.sha256(first.pdf).hexdigest() and archive.verify(first)
    assert first.figures["Recovered"] == {"current": "60000.00", "previous": "0.00", "target": "50000.00"}
    first.pages = 99
    with pytest.raises(archive.ReportImmutable):
        s.flush()
    s.rollback()


def test_command_issues_the_report(money: Cases3, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "q.pdf"
    result = runner.invoke(args=["report", "steering", "--period", "2026-Q1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "issued as report" in result.output and out.read_bytes().startswith(b"%PDF")
    stored = money.world.session.scalar(select(SteeringReport))
    assert stored.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    bad = runner.invoke(args=["report", "steering", "--period", "2026-13"])
    assert bad.exit_code != 0 and "Unknown period" in bad.output


def test_targets_command(runner, session) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["report", "targets", "set", "--month", "2026-10",
                                 "--measure", "recovered", "--amount", "5,000,000"])
    assert result.exit_code == 0 and "Rs 5,000,000" in result.output
    assert "2026-10  recovered all" in runner.invoke(args=["report", "targets", "list"]).output


def test_button_issues_and_downloads(money: Cases3, client, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.MANAGEMENT, username="boss")
    make_user(Role.COMMITTEE_MEMBER, username="member")
    login(client, "member")
    assert client.get("/dashboards/steering").status_code == 200
    assert client.post("/dashboards/steering", data={"period": "2026-03"}).status_code == 403
    draft = client.get("/dashboards/steering/draft.pdf?period=2026-03")
    assert draft.status_code == 200 and "Rs 60,000" in text_of(draft.data, tmp_path)
    client.post("/logout")
    login(client, "boss")
    assert client.post("/dashboards/steering", data={"period": "2026-03"}).status_code == 302
    page = client.get("/dashboards/steering").get_data(as_text=True)
    report = money.world.session.scalar(select(SteeringReport))
    assert f"/dashboards/steering/{report.id}.pdf" in page and report.sha256[:16] in page
    download = client.get(f"/dashboards/steering/{report.id}.pdf")
    assert download.data == report.pdf and download.headers["X-Content-SHA256"] == report.sha256
    assert report.issued_by_name == "Boss"


def test_supervisor_has_no_steering_report(money: Cases3, client) -> None:  # type: ignore[no-untyped-def]
    login(client, money.world.supervisor.username)
    assert client.get("/dashboards/steering").status_code == 403
