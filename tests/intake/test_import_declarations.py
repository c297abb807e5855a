"""Declarations into the database: new, unchanged, amended, all or nothing, skip-invalid."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from audit_app.intake.problems import IntakeError
from audit_app.intake.runner import import_file
from audit_app.models import (ClearingAgent, Declaration, DeclarationItem,
                              DeclarationItemVersion, ImportBatch, Importer)
from audit_app.services.declarations import item_history
from tests.intake.csvdata import declaration_row, write_csv


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def three_items(tmp_path: Path, name: str = "gds.csv", **over) -> Path:  # type: ignore[no-untyped-def]
    rows = [declaration_row(item_no=1), declaration_row(item_no=2, hs_code="85049000"),
            declaration_row(gd="KAPE-HC-200002-13032025", collectorate="KAPE",
                            importer_ntn="7654321-0", importer_name="Beta Ltd", agent_code="",
                            **over)]
    return write_csv(tmp_path / name, rows)


def test_first_import_creates_declarations_items_and_traders_without_history(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = import_file(session, "declarations", three_items(tmp_path))
    session.commit()
    assert (report.rows_read, report.new, report.amended, report.unchanged) == (3, 3, 0, 0)
    assert count(session, Declaration) == 2
    assert count(session, DeclarationItem) == 3
    assert count(session, DeclarationItemVersion) == 0  # the current state lives on the item
    assert count(session, Importer) == 2 and count(session, ClearingAgent) == 1
    gd = session.scalar(select(Declaration).where(Declaration.gd_number == "KAPW-HC-100001-12032025"))
    assert gd.item_count == 2
    assert gd.declared_value_pkr == 561000
    assert gd.duty_paid_pkr == 2 * (56100 + 5610 + 61706 + 24086)
    batch = session.get(ImportBatch, report.batch_id)
    assert batch.status == "completed" and len(batch.sha256) == 64


def test_reimporting_the_same_file_changes_nothing(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = three_items(tmp_path)
    import_file(session, "declarations", path)
    session.commit()
    before = [(i.id, i.version, i.updated_at) for i in session.scalars(select(DeclarationItem))]
    report = import_file(session, "declarations", path)
    session.commit()
    assert (report.new, report.amended, report.unchanged) == (0, 0, 3)
    after = [(i.id, i.version, i.updated_at) for i in session.scalars(select(DeclarationItem))]
    assert before == after
    assert count(session, DeclarationItemVersion) == 0


def test_trailing_zeros_are_the_same_value_not_an_amendment(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_file(session, "declarations", write_csv(tmp_path / "a.csv", [declaration_row()]))
    report = import_file(session, "declarations", write_csv(
        tmp_path / "b.csv", [declaration_row(invoice_value="1000", exchange_rate="280.500")]))
    assert report.unchanged == 1


def test_a_changed_row_is_an_amendment_and_the_earlier_version_stays(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_file(session, "declarations", three_items(tmp_path))
    session.commit()
    amended = three_items(tmp_path, "amended.csv", hs_code="39011000", channel="RED")
    report = import_file(session, "declarations", amended)
    session.commit()
    assert (report.new, report.amended, report.unchanged) == (0, 1, 2)
    item = session.scalar(select(DeclarationItem).join(Declaration)
                          .where(Declaration.gd_number == "KAPE-HC-200002-13032025"))
    assert item.hs_code == "39011000" and item.version == 2
    assert item.declaration.channel == "RED" and item.declaration.amendment_count == 1
    history = item_history(item.declaration, item)
    assert [v.version for v in history] == [1, 2]
    assert [v.data["hs_code"] for v in history] == ["85044090", "39011000"]
    assert [v.data["channel"] for v in history] == ["GREEN", "RED"]
    assert history[0].data["importer_ntn"] == "7654321-0" and history[0].data["agent_code"] is None


def test_x_columns_are_kept_as_attributes_and_in_the_history(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "x.csv", [declaration_row(x_vessel="MSC ANNA", x_bl="BL-9")])
    import_file(session, "declarations", path)
    item = session.scalar(select(DeclarationItem))
    assert item.attributes == {"x_bl": "BL-9", "x_vessel": "MSC ANNA"}
    assert item_history(item.declaration, item)[-1].data["x_vessel"] == "MSC ANNA"
    amended = write_csv(tmp_path / "x2.csv", [declaration_row(x_vessel="MSC BELLA", x_bl="BL-9")])
    import_file(session, "declarations", amended)
    session.expire_all()
    item = session.scalar(select(DeclarationItem))
    assert [v.data["x_vessel"] for v in item_history(item.declaration, item)] == ["MSC ANNA", "MSC BELLA"]


def test_a_key_twice_in_one_file_fails_the_whole_file(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [declaration_row(item_no=1), declaration_row(item_no=2), declaration_row(item_no=1)]
    with pytest.raises(IntakeError) as err:
        import_file(session, "declarations", write_csv(tmp_path / "dup.csv", rows))
    session.rollback()
    message = str(err.value)
    assert "line 4" in message and "first on line 2" in message
    assert count(session, DeclarationItem) == 0 and count(session, ImportBatch) == 0


def test_rows_of_one_gd_must_agree_on_its_header(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [declaration_row(item_no=1), declaration_row(item_no=2, gd_date="2025-03-13")]
    with pytest.raises(IntakeError, match="line 3, column gd_date.*differs from line 2"):
        import_file(session, "declarations", write_csv(tmp_path / "hdr.csv", rows))


def test_one_bad_row_writes_nothing_and_every_problem_is_reported(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [declaration_row(item_no=1), declaration_row(item_no=2, gd_date="2025-02-30"),
            declaration_row(item_no=3, cd_pkr="-5"), declaration_row(item_no=4, quantity="ten")]
    with pytest.raises(IntakeError) as err:
        import_file(session, "declarations", write_csv(tmp_path / "bad.csv", rows))
    session.rollback()
    text = str(err.value)
    assert "line 3, column gd_date" in text
    assert "line 4, column cd_pkr" in text
    assert "line 5, column quantity" in text
    assert count(session, DeclarationItem) == 0


def test_skip_invalid_imports_good_rows_and_writes_rejects_with_reasons(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [declaration_row(item_no=1), declaration_row(item_no=2, gd_date="2025-02-30"),
            declaration_row(item_no=3), declaration_row(item_no=3)]
    rejects = tmp_path / "rejects.csv"
    report = import_file(session, "declarations", write_csv(tmp_path / "mixed.csv", rows),
                         skip_invalid=True, rejects_path=rejects)
    session.commit()
    assert (report.new, report.rejected) == (2, 2)
    assert count(session, DeclarationItem) == 2
    with open(rejects, newline="") as f:
        rejected = list(csv.DictReader(f))
    assert {r["line"] for r in rejected} == {"3", "5"}
    assert any("not a valid date" in r["problem"] for r in rejected)
    assert any("more than once" in r["problem"] for r in rejected)


def test_items_added_to_a_known_gd_update_its_totals_and_amendments_count(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_file(session, "declarations", write_csv(tmp_path / "a.csv", [declaration_row(item_no=1)]))
    import_file(session, "declarations", write_csv(
        tmp_path / "b.csv", [declaration_row(item_no=1, cd_pkr="56000"), declaration_row(item_no=2)]))
    import_file(session, "declarations", write_csv(
        tmp_path / "c.csv", [declaration_row(item_no=1, cd_pkr="55000")]))
    session.commit()
    gd = session.scalar(select(Declaration))
    assert gd.item_count == 2
    assert gd.amendment_count == 2
    assert gd.duty_paid_pkr == (55000 + 5610 + 61706 + 24086) + (56100 + 5610 + 61706 + 24086)
    item = gd.items[0]
    assert [v.data["cd_pkr"] for v in item_history(gd, item)] == ["56100", "56000", "55000"]


def test_text_with_backslashes_tabs_and_line_breaks_is_kept_exactly(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    description = 'Valves\\fittings "DN50"\tcast iron\nfor water, 10\\N bar'
    import_file(session, "declarations", write_csv(
        tmp_path / "t.csv", [declaration_row(description=description, x_note="a\\tb")]))
    item = session.scalar(select(DeclarationItem))
    assert item.description == description
    assert item.attributes == {"x_note": "a\\tb"}
    again = import_file(session, "declarations", write_csv(
        tmp_path / "t2.csv", [declaration_row(description=description, x_note="a\\tb")]))
    assert again.unchanged == 1
