"""The declarations file read in a reader process (or here): same records, same outcome."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from audit_app.intake import staging
from audit_app.intake.formats import DECLARATIONS
from audit_app.intake.pipeline import DeclarationChunks
from audit_app.intake.problems import IntakeError
from audit_app.intake.reader import open_records
from audit_app.intake.runner import import_file
from audit_app.models import Declaration, DeclarationItem, ImportBatch
from tests.intake.csvdata import declaration_row, write_csv

BOTH = pytest.mark.parametrize("parallel", [True, False], ids=["reader-process", "in-process"])


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def many_rows(n: int, bad: dict[int, dict[str, str]] | None = None) -> list[dict[str, object]]:
    """n items over n // 4 GDs; `bad` maps a 0-based row to the cells that spoil it."""
    rows = []
    for k in range(n):
        gd = f"KAPW-HC-{100000 + k // 4}-12032025"
        rows.append(declaration_row(gd=gd, item_no=k % 4 + 1, **(bad or {}).get(k, {})))
    return rows


@BOTH
def test_bad_rows_in_a_later_chunk_are_reported_at_their_lines_and_nothing_is_written(
        session, tmp_path, parallel) -> None:  # type: ignore[no-untyped-def]
    n = staging.CHUNK + 20  # the bad rows come in the reader's second chunk
    rows = many_rows(n, {staging.CHUNK + 3: {"cd_pkr": "-5"},
                         staging.CHUNK + 7: {"gd_date": "2025-02-30"}})
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(IntakeError) as err:
        import_file(session, "declarations", path, parallel=parallel)
    session.rollback()
    problems = [str(p) for p in err.value.problems]
    # Data rows start on line 2: row k is on line k + 2.
    assert problems == [
        f'line {staging.CHUNK + 5}, column cd_pkr, value "-5": negative: must be >= 0',
        f'line {staging.CHUNK + 9}, column gd_date, value "2025-02-30": '
        "not a valid date, expected YYYY-MM-DD",
    ]
    assert count(session, DeclarationItem) == 0 and count(session, ImportBatch) == 0


@BOTH
def test_skip_invalid_gives_the_same_rejects_and_imports_the_rest(session, tmp_path,
                                                                   parallel) -> None:  # type: ignore[no-untyped-def]
    n = staging.CHUNK + 10
    rows = many_rows(n, {1: {"quantity": "ten"}, staging.CHUNK + 2: {"channel": "green"}})
    rows.append(declaration_row(gd="KAPW-HC-100000-12032025", item_no=1))  # key seen on line 2
    rejects = tmp_path / "rejects.csv"
    report = import_file(session, "declarations", write_csv(tmp_path / "mixed.csv", rows),
                         skip_invalid=True, rejects_path=rejects, parallel=parallel)
    session.commit()
    assert (report.rows_read, report.new, report.rejected) == (n + 1, n - 2, 3)
    assert count(session, DeclarationItem) == n - 2
    with open(rejects, newline="") as f:
        lines = [r["line"] for r in csv.DictReader(f)]
    assert lines == ["3", str(staging.CHUNK + 4), str(n + 2)]


@BOTH
def test_a_file_read_in_either_way_stores_the_same_and_reimports_as_unchanged(
        session, tmp_path, parallel) -> None:  # type: ignore[no-untyped-def]
    rows = many_rows(12)
    rows[5].update(quantity="007.500", invoice_value="0.50", gross_weight_kg="", item_no="02")
    path = write_csv(tmp_path / "a.csv", rows)
    first = import_file(session, "declarations", path, parallel=parallel)
    session.commit()
    assert first.new == 12
    item = session.scalars(select(DeclarationItem).join(Declaration).where(
        Declaration.gd_number == "KAPW-HC-100001-12032025", DeclarationItem.item_no == 2)).one()
    assert item.quantity == 7.5 and item.invoice_value == 0.5 and item.gross_weight_kg is None
    # The other way of reading, and numbers written differently, change nothing.
    rows[5].update(quantity="7.5", invoice_value="0.500", item_no="2")
    again = import_file(session, "declarations", write_csv(tmp_path / "b.csv", rows),
                        parallel=not parallel)
    assert (again.new, again.amended, again.unchanged) == (0, 0, 12)
    hashes = {session.get(ImportBatch, r.batch_id).sha256 for r in (first, again)}
    assert len(hashes) == 2 and all(len(h) == 64 for h in hashes)  # each file's own bytes


@BOTH
def test_a_bad_header_is_refused_before_anything_starts(session, tmp_path, parallel) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.csv"
    path.write_text("gd_number,item_no,colour\nA,1,red\n", encoding="utf-8")
    with pytest.raises(IntakeError, match="unknown column"):
        with DeclarationChunks(path, "sqlite", parallel=parallel):
            pass


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_the_staging_path_fingerprints_rows_as_row_hash_does(dialect) -> None:  # type: ignore[no-untyped-def]
    """Rows read straight into staging form must match items stored from typed values."""
    cases = [
        {}, {"quantity": "0010.500000", "gross_weight_kg": "00.0"}, {"invoice_value": "0.000"},
        {"cd_pkr": "0", "rd_pkr": "000", "exchange_rate": "0.001000"}, {"item_no": "0007"},
        {"gross_weight_kg": "", "importer_name": "", "export_country": ""},
        {"description": 'tab\there, line\nbreak, back\\slash "q"', "x_note": "a\\tb"},
        {"x_note": "", "x_batch": "7"}, {"sro_ref": "SRO 575(I)/2006", "fta_code": "CPFTA"},
    ]
    columns = list(DECLARATIONS.names) + ["x_note", "x_batch"]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for k, case in enumerate(cases):
        writer.writerow({**declaration_row(item_no=k + 1), "x_note": "", "x_batch": "", **case})
    text = out.getvalue()
    typed = list(open_records(io.StringIO(text, newline=""), DECLARATIONS))
    staged = list(open_records(io.StringIO(text, newline=""), DECLARATIONS, stage=dialect))
    assert [r.problems for r in typed] == [[]] * len(cases)
    numeric = {i for i, c in enumerate(DECLARATIONS.columns)
               if c.kind.convert is not None and c.name != "gd_date"}
    for a, b in zip(typed, staged):
        expected = staging.format_row(dialect == "postgresql", a.line, a.values, a.extras)
        got = b.staged.split("\t") if dialect == "postgresql" else list(b.staged)
        want = expected.split("\t") if dialect == "postgresql" else list(expected)
        assert got[-1] == staging.row_hash(a.values, a.extras)
        assert len(got) == len(want) and got[0] == want[0] and got[-2:] == want[-2:]
        for i, (g, w) in enumerate(zip(got[1:-2], want[1:-2])):
            if i in numeric and w not in (None, "\\N"):
                assert Decimal(g) == Decimal(w), (i, g, w)  # the database reads the same number
            else:
                assert g == w, (i, g, w)
