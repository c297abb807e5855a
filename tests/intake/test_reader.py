"""Reading intake files: header rules, CSV structure, line numbers, duplicates, round trips."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_app.intake.formats import DECLARATIONS, OUTCOMES, PREFERENTIAL, TARIFF, FileSpec
from audit_app.intake.problems import IntakeError, Problem
from audit_app.intake.reader import Record, open_records

from .test_formats import OUTCOME_ROW, PREFERENTIAL_ROW, TARIFF_ROW, VALID

HEADER = ",".join(VALID)
ROW = ",".join(VALID.values())


def records(text: str, spec: FileSpec = DECLARATIONS) -> list[Record]:
    return list(open_records(io.StringIO(text, newline=""), spec))


def header_error(text: str, spec: FileSpec = DECLARATIONS) -> list[Problem]:
    with pytest.raises(IntakeError) as caught:
        open_records(io.StringIO(text, newline=""), spec)
    return caught.value.problems


def line_of(**changes: str) -> str:
    out = io.StringIO(newline="")
    csv.writer(out).writerow({**VALID, **changes}.values())
    return out.getvalue()


# --- header ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, column, message", [
    ("", None, "empty file: no header row"),
    ("\ufeff", None, "empty file: no header row"),
    ("\n" + HEADER + "\n", None, "blank first line: expected the header row"),
    (HEADER.replace("hs_code,", "") + "\n", "hs_code", "required column is missing"),
    (HEADER + ",remarks\n", "remarks", "unknown column (position 29); extra columns must be"),
    (HEADER + ",x_\n", "x_", "unknown column"),
    (HEADER + ",\n", "", "unknown column (position 29)"),
    (HEADER + ",GD_DATE\n", "gd_date", "duplicated column (positions 3 and 29)"),
])
def test_wrong_header_is_an_intake_error(text: str, column: str | None, message: str) -> None:
    problems = header_error(text)
    assert any(p.column == column and message in p.message for p in problems), problems


def test_header_error_lists_every_problem() -> None:
    problems = header_error("gd_number,foo,bar\n")
    assert {p.column for p in problems} >= {"foo", "bar", "hs_code", "item_no"}
    assert all(p.line == 1 for p in problems)


def test_optional_column_may_be_absent() -> None:
    header = HEADER.replace(",sro_ref,fta_code", "")
    row = ROW[: -len(",,")]
    (record,) = records(f"{header}\n{row}\n")
    assert record.problems == []
    assert record.values[DECLARATIONS.index("sro_ref")] is None


@pytest.mark.parametrize("prefix", ["\ufeff", ""])
@pytest.mark.parametrize("transform", [str, str.upper, lambda h: " , ".join(h.split(","))],
                         ids=["as-is", "upper", "padded"])
def test_bom_and_case_insensitive_stripped_names(prefix: str, transform) -> None:
    (record,) = records(f"{prefix}{transform(HEADER)}\n{ROW}\n")
    assert record.problems == []
    assert record.values[0] == VALID["gd_number"]


def test_bom_through_utf8_decoding() -> None:
    raw = ("\ufeff" + HEADER + "\n" + ROW + "\n").encode("utf-8")
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline="")
    reader = open_records(stream, DECLARATIONS)
    assert reader.header[0] == "gd_number"
    assert [r.problems for r in reader] == [[]]


def test_free_column_order() -> None:
    names = list(reversed(VALID))
    text = ",".join(names) + "\n" + ",".join(VALID[n] for n in names) + "\n"
    reader = open_records(io.StringIO(text, newline=""), DECLARATIONS)
    (record,) = list(reader)
    assert reader.header == tuple(names)
    assert record.values == records(f"{HEADER}\n{ROW}\n")[0].values


def test_x_columns_are_kept_lower_case_and_empty_ones_dropped() -> None:
    text = (f"X_Vessel,{HEADER},x_bl\n"
            f"MV SEA\x1fSTAR,{ROW},\n"  # even the fast path's separator is fine in an extra
            f",{ROW},BL-9\n")
    reader = open_records(io.StringIO(text, newline=""), DECLARATIONS)
    assert reader.extra_columns == ("x_vessel", "x_bl")
    first, second = list(reader)
    assert first.extras == {"x_vessel": "MV SEA\x1fSTAR"} and first.problems == []
    assert second.extras == {"x_bl": "BL-9"}
    assert first.values == second.values


# --- structure and line numbers -------------------------------------------------------------

def test_quoted_commas_and_line_breaks_keep_physical_line_numbers() -> None:
    text = (HEADER + "\n"
            + line_of(description="STEEL, HOT ROLLED")  # line 2
            + line_of(description="LINE ONE\nLINE TWO\nLINE THREE", item_no="2")  # lines 3-5
            + line_of(description='LCD 24" MONITOR', item_no="3")  # line 6
            + line_of(gd_date="2025-13-01", item_no="4"))  # line 7
    found = records(text)
    assert [r.line for r in found] == [2, 3, 6, 7]
    assert found[1].values[DECLARATIONS.index("description")] == "LINE ONE\nLINE TWO\nLINE THREE"
    assert found[2].values[DECLARATIONS.index("description")] == 'LCD 24" MONITOR'
    assert str(found[3].problems[0]) == (
        'line 7, column gd_date, value "2025-13-01": not a valid date, expected YYYY-MM-DD')


def test_crlf_line_endings() -> None:
    text = HEADER + "\r\n" + ROW + "\r\n" + line_of(description="A\r\nB").replace("\n", "\r\n")
    found = records(text)
    assert [(r.line, r.problems) for r in found] == [(2, []), (3, [])]


@pytest.mark.parametrize("bad, column, message", [
    (",".join(list(VALID.values())[:5]), "importer_ntn", "truncated line: 5 fields, the header"),
    (ROW + ",surplus,more", None, "too many fields: 30, the header has 28"),
    (ROW.replace("BALL BEARINGS", '"BALL" BEARINGS'), None, "malformed CSV"),
])
def test_bad_line_is_a_problem_of_that_line_and_reading_goes_on(bad: str, column: str | None,
                                                                message: str) -> None:
    found = records(f"{HEADER}\n{ROW}\n{bad}\n{line_of(item_no='2')}")
    assert [r.line for r in found] == [2, 3, 4]
    assert found[0].problems == [] and found[2].problems == []
    (problem,) = found[1].problems
    assert (problem.line, problem.column) == (3, column) and message in problem.message
    assert found[1].values is None


def test_rejected_rows_keep_their_cells_for_a_rejects_file() -> None:
    bad_date = line_of(gd_date="2025-13-01", item_no="2")
    good, invalid, short = records(f"{HEADER}\n{ROW}\n{bad_date}a,b\n")
    assert good.raw is None
    assert invalid.raw == next(csv.reader([bad_date]))
    assert short.raw == ["a", "b"]


def test_unterminated_quote_at_end_of_file() -> None:
    found = records(f'{HEADER}\n{ROW}\n{ROW[:30]},"never closed\n')
    assert found[0].problems == []
    assert found[1].line == 3 and found[1].problems


@pytest.mark.parametrize("tail", ["\n", "\n\n\n", ",,,,\n", "   \n", "\r\n"])
def test_blank_lines_at_the_end_are_ignored(tail: str) -> None:
    assert [r.problems for r in records(f"{HEADER}\n{ROW}\n{tail}")] == [[]]


def test_blank_lines_inside_the_file_are_reported_once() -> None:
    found = records(f"{HEADER}\n{ROW}\n\n\n{line_of(item_no='2')}")
    assert [r.line for r in found] == [2, 3, 5]
    assert found[1].problems[0].message == "blank lines 3 to 4 inside the file"


def test_header_only_file_has_no_records() -> None:
    assert records(HEADER + "\n") == []


def test_not_utf8_is_an_intake_error() -> None:
    raw = (HEADER + "\n" + ROW + "\n").encode() + b"\xff\xfe\n"
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline="")
    with pytest.raises(IntakeError, match="not UTF-8"):
        list(open_records(stream, DECLARATIONS))


# --- duplicate keys -------------------------------------------------------------------------

def _csv(row: dict[str, str], *variants: dict[str, str]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(row)
    for changes in variants:
        writer.writerow({**row, **changes}.values())
    return out.getvalue()


@pytest.mark.parametrize("spec, row, same_key, other_key, column", [
    (TARIFF, TARIFF_ROW, {"cd_rate": "25"}, {"valid_from": "2025-07-01"}, "hs_code+valid_from"),
    (PREFERENTIAL, PREFERENTIAL_ROW, {"cd_rate": "0"}, {"origin_country": "MY"},
     "fta_code+origin_country+hs_code+valid_from"),
    (OUTCOMES, OUTCOME_ROW, {"item_no": "01"}, {"item_no": "2"}, "gd_number+item_no"),
])
def test_duplicate_key_in_small_file_names_the_first_line(spec, row, same_key, other_key,
                                                           column) -> None:
    found = records(_csv(row, {}, other_key, same_key), spec)
    assert [r.problems for r in found[:2]] == [[], []]
    (problem,) = found[2].problems
    assert (problem.line, problem.column) == (4, column)
    assert problem.message == "duplicate key: first on line 2"
    assert found[2].raw == list({**row, **same_key}.values())


def test_declaration_duplicates_are_left_to_the_loader() -> None:
    # Declaration files can have millions of rows: the reader keeps no keys (see formats.py).
    found = records(f"{HEADER}\n{ROW}\n{ROW}\n")
    assert [r.problems for r in found] == [[], []]


# --- problems -------------------------------------------------------------------------------

def test_problem_and_intake_error_text() -> None:
    assert str(Problem(7, "gd_date", "2025-13-01", "not a valid date, expected YYYY-MM-DD")) == (
        'line 7, column gd_date, value "2025-13-01": not a valid date, expected YYYY-MM-DD')
    assert str(Problem(None, None, None, "empty file")) == "empty file"
    error = IntakeError(Problem(i, "c", "v", "bad") for i in range(25))
    lines = str(error).splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 5 more"


# --- round trip -----------------------------------------------------------------------------

def _decimals(int_digits: int, places: int, positive: bool = False) -> st.SearchStrategy[Decimal]:
    low = Decimal(1).scaleb(-places) if positive else Decimal(0)
    high = Decimal(10 ** int_digits) - Decimal(1).scaleb(-places)
    return st.decimals(min_value=low, max_value=high, places=places)


# Codes: no control characters, no surrounding whitespace (NBSP and NEL count as whitespace).
_code = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF,
                              blacklist_characters="\x7f"), min_size=1, max_size=40
                ).filter(lambda s: s == s.strip())
_free = st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n\t"),
                min_size=1, max_size=60).filter(lambda s: s.strip())
_letters = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=2, max_size=2)
_rupees = _decimals(16, 2)

DECLARATION_ROWS = st.fixed_dictionaries({
    "gd_number": _code, "item_no": st.integers(1, 999_999_999),
    "gd_date": st.dates(dt.date(1947, 1, 1), dt.date(2099, 12, 31)),
    "collectorate": st.sampled_from(["KAPW", "KAPE", "PQIM", "LAHD"]),
    "channel": st.sampled_from(["GREEN", "YELLOW", "RED"]), "importer_ntn": _code,
    "importer_name": st.none() | st.just("AL-FAJR, \"PVT\" LTD"), "agent_code": st.none() | _code,
    "hs_code": st.from_regex(r"[0-9]{8}", fullmatch=True), "description": _free,
    "origin_country": _letters, "export_country": st.none() | _letters,
    "quantity": _decimals(14, 6, positive=True), "unit": st.sampled_from(["KG", "U", "M2"]),
    "gross_weight_kg": st.none() | _decimals(14, 6), "currency": st.sampled_from(["USD", "CNY"]),
    "invoice_value": _decimals(16, 3), "exchange_rate": _decimals(12, 6, positive=True),
    "declared_value_pkr": _rupees, "assessed_value_pkr": _rupees, "cd_pkr": _rupees,
    "rd_pkr": _rupees, "acd_pkr": _rupees, "st_pkr": _rupees, "ast_pkr": _rupees,
    "it_pkr": _rupees, "sro_ref": st.none() | st.just("SRO 565(I)/2006"),
    "fta_code": st.none() | st.just("CPFTA"),
})


@settings(max_examples=200, deadline=None)
@given(st.lists(DECLARATION_ROWS, min_size=1, max_size=4))
def test_valid_declarations_round_trip_through_csv(rows: list[dict[str, object]]) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(DECLARATIONS.names)
    rows = [tuple(row[name] for name in DECLARATIONS.names) for row in rows]
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    out.seek(0)
    found = list(open_records(out, DECLARATIONS))
    assert [r.problems for r in found] == [[]] * len(rows)
    for record, row in zip(found, rows):
        assert record.values == row
        # Decimals keep their written scale: 1.50 stays 1.50.
        assert [str(v) for v in record.values] == [str(v) for v in row]
