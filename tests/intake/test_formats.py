"""Column kinds and the four file specs: what is valid, what is not, and what the problem says."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_app.intake.formats import DECLARATIONS, OUTCOMES, PREFERENTIAL, SPECS, TARIFF, FileSpec
from audit_app.intake.reader import open_records
from audit_app.intake.validate import RowValidator

VALID = {
    "gd_number": "KAPW-HC-104233-12032025", "item_no": "1", "gd_date": "2025-03-12",
    "collectorate": "KAPW", "channel": "GREEN", "importer_ntn": "1234567-8",
    "importer_name": "ACME TRADERS (PVT) LTD", "agent_code": "AG0042", "hs_code": "84821000",
    "description": "BALL BEARINGS", "origin_country": "CN", "export_country": "AE",
    "quantity": "100", "unit": "KG", "gross_weight_kg": "105.5", "currency": "USD",
    "invoice_value": "1000.00", "exchange_rate": "278.5", "declared_value_pkr": "278500.00",
    "assessed_value_pkr": "278500.00", "cd_pkr": "55700", "rd_pkr": "0", "acd_pkr": "5570",
    "st_pkr": "61270", "ast_pkr": "0", "it_pkr": "24000", "sro_ref": "", "fta_code": "",
}


def read_one(spec: FileSpec, row: dict[str, str]):
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(list(row))
    writer.writerow(list(row.values()))
    out.seek(0)
    (record,) = list(open_records(out, spec))
    return record


def declaration(**changes: str) -> dict[str, str]:
    return {**VALID, **changes}


def test_valid_declaration_converts_to_typed_values() -> None:
    record = read_one(DECLARATIONS, VALID)
    assert record.problems == []
    values = dict(zip(DECLARATIONS.names, record.values))
    assert values["item_no"] == 1
    assert values["gd_date"] == dt.date(2025, 3, 12)
    assert values["quantity"] == Decimal("100") and isinstance(values["quantity"], Decimal)
    assert str(values["invoice_value"]) == "1000.00"  # kept exactly as written
    assert values["sro_ref"] is None and values["fta_code"] is None


@pytest.mark.parametrize("column, value, message", [
    # dates
    ("gd_date", "2025-13-01", "not a valid date, expected YYYY-MM-DD"),
    ("gd_date", "2025-02-30", "not a valid date"),
    ("gd_date", "12/03/2025", "not a valid date"),
    ("gd_date", "20250312", "not a valid date"),  # Python accepts it; the format does not
    ("gd_date", "1900-01-01", "year out of range"),
    ("gd_date", "2205-01-01", "year out of range"),
    # negative values
    ("invoice_value", "-5.00", "negative: must be >= 0"),
    ("cd_pkr", "-1", "negative: must be >= 0"),
    ("quantity", "-3", "negative: must be > 0"),
    ("quantity", "0", "must be > 0"),
    ("quantity", "0.000", "must be > 0"),
    ("exchange_rate", "0", "must be > 0"),
    ("cd_pkr", "+5", "a sign is not allowed"),
    # non-numeric fields
    ("declared_value_pkr", "abc", "not a number"),
    ("declared_value_pkr", "1e5", "not a number"),
    ("declared_value_pkr", "NaN", "not a number"),
    ("declared_value_pkr", "Infinity", "not a number"),
    ("declared_value_pkr", ".5", "not a number"),
    ("declared_value_pkr", "1_000", "not a number"),
    ("declared_value_pkr", " 12", "not a number"),
    ("declared_value_pkr", "1,234,567.00", "thousands separators are not allowed"),
    ("declared_value_pkr", "12,50", "decimal comma"),
    ("item_no", "1.0", "not a whole number"),
    ("item_no", "0", "must be a whole number >= 1"),
    ("item_no", "-2", "must be a whole number >= 1"),
    ("item_no", "1234567890", "too large"),
    # precision limits
    ("declared_value_pkr", "10.005", "too many decimal places: at most 2"),
    ("invoice_value", "10.0005", "too many decimal places: at most 3"),
    ("quantity", "1.0000001", "too many decimal places: at most 6"),
    ("exchange_rate", "0.0000001", "too many decimal places: at most 6"),
    ("declared_value_pkr", "12345678901234567", "too large: at most 16 digits"),
    ("quantity", "123456789012345", "too large: at most 14 digits"),
    # codes
    ("hs_code", "8482.10.00", "expected exactly 8 digits"),
    ("hs_code", "848210", "expected exactly 8 digits"),
    ("channel", "green", "expected one of GREEN, YELLOW, RED (in capital letters)"),
    ("channel", "BLUE", "expected one of GREEN, YELLOW, RED"),
    ("origin_country", "CHN", "ISO 3166-1 alpha-2"),
    ("origin_country", "cn", "ISO 3166-1 alpha-2"),
    ("export_country", "C1", "ISO 3166-1 alpha-2"),
    ("currency", "usd", "ISO 4217"),
    ("currency", "US", "ISO 4217"),
    # text
    ("gd_number", "X" * 41, "too long: 41 characters, at most 40"),
    ("gd_number", " KAPW-1", "leading or trailing whitespace"),
    ("importer_ntn", "1234567-8 ", "leading or trailing whitespace"),
    ("collectorate", "KA\nPW", "control character"),
    ("description", "   ", "blank: only whitespace"),
    ("description", "A" * 2001, "too long"),
    # required values
    ("gd_number", "", "required value is missing"),
    ("hs_code", "", "required value is missing"),
    ("exchange_rate", "", "required value is missing"),
])
def test_invalid_value_is_one_problem_naming_column_and_value(column: str, value: str,
                                                               message: str) -> None:
    record = read_one(DECLARATIONS, declaration(**{column: value}))
    assert record.values is None
    (found,) = record.problems
    assert (found.line, found.column) == (2, column)
    assert found.value == value[:120] + ("..." if len(value) > 120 else "")
    assert message in found.message


@pytest.mark.parametrize("column, value, expected", [
    ("invoice_value", "0", Decimal("0")),  # >= 0 accepts zero
    ("invoice_value", "1234.567", Decimal("1234.567")),  # 3 places: KWD, BHD, OMR
    ("declared_value_pkr", "9999999999999999.99", Decimal("9999999999999999.99")),
    ("exchange_rate", "0.000001", Decimal("0.000001")),
    ("quantity", "0.000001", Decimal("0.000001")),
    ("gross_weight_kg", "0", Decimal("0")),
    ("gross_weight_kg", "", None),
    ("item_no", "007", 7),
    ("description", "  STEEL, HOT ROLLED\n(COILS)  ", "  STEEL, HOT ROLLED\n(COILS)  "),
    ("importer_name", "", None),
    ("export_country", "ZZ", "ZZ"),  # user-assigned "unknown": the list is not checked
    ("gd_date", "1947-08-14", dt.date(1947, 8, 14)),
    ("gd_date", "2024-02-29", dt.date(2024, 2, 29)),
])
def test_edge_values_accepted(column: str, value: str, expected: object) -> None:
    record = read_one(DECLARATIONS, declaration(**{column: value}))
    assert record.problems == []
    got = record.values[DECLARATIONS.index(column)]
    assert got == expected and str(got) == str(expected)


def test_several_problems_in_one_row_are_all_reported() -> None:
    record = read_one(DECLARATIONS, declaration(gd_date="2025-13-01", quantity="-1", hs_code="x"))
    assert [p.column for p in record.problems] == ["gd_date", "hs_code", "quantity"]


TARIFF_ROW = {"hs_code": "84821000", "description": "Ball bearings", "valid_from": "2024-07-01",
              "cd_rate": "20", "rd_rate": "0", "acd_rate": "2", "st_rate": "18", "ast_rate": "3",
              "it_rate": "6.5"}
PREFERENTIAL_ROW = {"fta_code": "CPFTA", "origin_country": "CN", "hs_code": "84821000",
                    "valid_from": "2024-07-01", "cd_rate": "12.5"}
OUTCOME_ROW = {"gd_number": "KAPW-HC-1", "item_no": "1", "audit_date": "2025-06-30",
               "finding": "UNDERVALUATION", "short_levy_pkr": "125000"}


@pytest.mark.parametrize("spec, row, column, value, message", [
    (TARIFF, TARIFF_ROW, "cd_rate", "-5", "negative"),
    (TARIFF, TARIFF_ROW, "st_rate", "17.00001", "too many decimal places: at most 4"),
    (TARIFF, TARIFF_ROW, "it_rate", "100000", "too large: at most 5 digits"),
    (TARIFF, TARIFF_ROW, "valid_from", "01-07-2024", "not a valid date"),
    (PREFERENTIAL, PREFERENTIAL_ROW, "origin_country", "China", "ISO 3166-1 alpha-2"),
    (PREFERENTIAL, PREFERENTIAL_ROW, "cd_rate", "twelve", "not a number"),
    (PREFERENTIAL, PREFERENTIAL_ROW, "fta_code", "", "required value is missing"),
    (OUTCOMES, OUTCOME_ROW, "finding", "FRAUD", "expected one of NONE, UNDERVALUATION"),
    (OUTCOMES, OUTCOME_ROW, "short_levy_pkr", "-1", "negative"),
    (OUTCOMES, {**OUTCOME_ROW, "finding": "NONE"}, "short_levy_pkr", "10",
     "must be 0 when finding is NONE"),
])
def test_small_formats_reject(spec: FileSpec, row: dict[str, str], column: str, value: str,
                              message: str) -> None:
    record = read_one(spec, {**row, column: value})
    (found,) = record.problems
    assert (found.line, found.column, found.value) == (2, column, value)
    assert message in found.message and record.values is None


@pytest.mark.parametrize("finding, levy", [("NONE", "0"), ("NONE", "0.00"),
                                           ("UNDERVALUATION", "0"), ("OTHER", "0"),
                                           ("MISCLASSIFICATION", "5000.50")])
def test_outcome_levy_rule_accepts(finding: str, levy: str) -> None:
    record = read_one(OUTCOMES, {**OUTCOME_ROW, "finding": finding, "short_levy_pkr": levy})
    assert record.problems == []


@pytest.mark.parametrize("spec", list(SPECS.values()), ids=list(SPECS))
def test_specs_are_consistent(spec: FileSpec) -> None:
    assert len(set(spec.names)) == len(spec.names)
    assert set(spec.key) <= set(spec.names)
    assert all(spec.columns[spec.index(k)].required for k in spec.key)
    assert spec.reader_checks_duplicates == (spec is not DECLARATIONS)


# The fast path (one regex per row) and the slow path (cell by cell) must agree on every row:
# rows drawn near a valid one, each cell either valid, tricky or random.
TRICKY = ["", "0", "1", "-1", "1.5", "00", "1.234", "1.2345678", "2025-02-30", "2025-03-12",
          "GREEN", "green", "CN", "USD", "84821000", " x", "x ", "a\nb", "\x1f", "a\x1fb", "NaN",
          "1e3", "9" * 17, "ZZ", "NONE", "\xa0", "0.0", "x" * 41]
SAMPLES = {"declarations": VALID, "tariff": TARIFF_ROW, "preferential": PREFERENTIAL_ROW,
           "outcomes": OUTCOME_ROW}


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_fast_and_slow_paths_agree(data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(list(SPECS.values())))
    sample = SAMPLES[spec.name]
    row = [data.draw(st.one_of(st.just(sample[name]), st.just(sample[name]),
                               st.sampled_from(TRICKY), st.text(max_size=12)))
           for name in spec.names]
    validator = RowValidator(spec, range(len(spec.names)), len(spec.names))
    fast, slow = validator.record(row, 2), validator._explain(row, 2)
    assert (fast.values, fast.problems) == (slow.values, slow.problems)
