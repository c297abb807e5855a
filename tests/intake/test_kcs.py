"""The KCS adapter (`--format kcs`) on the real benchmark files and on doctored rows."""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from audit_app.intake.formats import DECLARATIONS, OUTCOMES
from audit_app.intake.kcs import KCS_COLUMNS, open_kcs_declarations, open_kcs_outcomes
from audit_app.intake.problems import IntakeError

KCS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "kcs"
FILES = ("df_syn_train_eng.csv", "df_syn_valid_eng.csv", "df_syn_test_eng.csv")
needs_data = pytest.mark.skipif(not KCS_DIR.exists(), reason=f"no KCS data at {KCS_DIR}")

# The first row of df_syn_train_eng.csv, in KCS_COLUMNS order.
FIRST_TRAIN = ["97061800", "2020-01-01", "30", "B", "11", "21", "11", "10", "ZZR1LT6", "QLRUBN9",
               "0VKY2BR", "", "440890", "BE", "BE", "0.0", "FEU1", "G", "108.0", "372254.4", "0",
               "0"]


def kcs_text(*rows: list[str], header: list[str] | tuple[str, ...] = KCS_COLUMNS) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def kcs_row(**changes: str) -> list[str]:
    row = dict(zip(KCS_COLUMNS, FIRST_TRAIN))
    row.update({name.replace("_", " "): value for name, value in changes.items()})
    assert list(row) == list(KCS_COLUMNS), "unknown KCS column in test"
    return list(row.values())


def declarations(text: str):
    return list(open_kcs_declarations(io.StringIO(text, newline="")))


def as_dict(record) -> dict[str, object]:
    return dict(zip(DECLARATIONS.names, record.values))


def open_kcs(name: str):
    return (KCS_DIR / name).open(encoding="utf-8", newline="")


@needs_data
def test_first_train_row_maps_as_documented() -> None:
    with open_kcs(FILES[0]) as stream:
        reader = open_kcs_declarations(stream)
        record = next(iter(reader))
    assert record.line == 2 and record.problems == []
    assert as_dict(record) == {
        "gd_number": "97061800", "item_no": 1, "gd_date": dt.date(2020, 1, 1),
        "collectorate": "30", "channel": "GREEN", "importer_ntn": "QLRUBN9",
        "importer_name": None, "agent_code": "ZZR1LT6", "hs_code": "44089000",
        "description": "KCS synthetic import, HS 4408.90", "origin_country": "BE",
        "export_country": "BE", "quantity": Decimal("108.0"), "unit": "KG",
        "gross_weight_kg": Decimal("108.0"), "currency": "KRW",
        "invoice_value": Decimal("372254.40"), "exchange_rate": Decimal("0.14"),
        "declared_value_pkr": Decimal("52115.62"), "assessed_value_pkr": Decimal("52115.62"),
        "cd_pkr": Decimal("0"), "rd_pkr": 0, "acd_pkr": 0, "st_pkr": 0, "ast_pkr": 0, "it_pkr": 0,
        "sro_ref": None, "fta_code": None,
    }
    assert record.extras == {
        "x_office_id": "30", "x_process_type": "B", "x_import_type": "11", "x_import_use": "21",
        "x_payment_type": "11", "x_mode_of_transport": "10", "x_seller_id": "0VKY2BR",
        "x_tax_rate": "0.0", "x_tax_type": "FEU1", "x_origin_indicator": "G",
        "x_net_mass": "108.0", "x_item_price": "372254.4",
    }  # Courier ID is empty in this row, so x_courier_id is dropped
    assert set(reader.extra_columns) == set(record.extras) | {"x_courier_id"}


@needs_data
@pytest.mark.parametrize("name", FILES)
def test_first_rows_of_each_file_map_consistently(name: str) -> None:
    with open_kcs(name) as stream, open_kcs(name) as again:
        source = list(itertools.islice(csv.DictReader(again), 200))
        mapped = list(itertools.islice(open_kcs_declarations(stream), 200))
    assert [r.line for r in mapped] == list(range(2, 202))
    for kcs, record in zip(source, mapped):
        assert record.problems == []
        got = as_dict(record)
        assert got["gd_number"] == kcs["Declaration ID"]
        assert got["gd_date"].isoformat() == kcs["Date"]
        assert got["hs_code"] == kcs["HS6 Code"].zfill(6) + "00"
        assert (got["origin_country"], got["export_country"]) == (
            kcs["Country of Origin"], kcs["Country of Departure"])
        price = Decimal(kcs["Item Price"])
        assert abs(got["invoice_value"] - price) <= Decimal("0.005")
        assert got["declared_value_pkr"] == (got["invoice_value"] * Decimal("0.14")).quantize(
            Decimal("0.01"), ROUND_HALF_UP)
        expected_duty = got["declared_value_pkr"] * Decimal(kcs["Tax Rate"]) / 100
        assert abs(got["cd_pkr"] - expected_duty) <= Decimal("0.5")
        assert record.extras["x_item_price"] == kcs["Item Price"]
        assert record.extras.get("x_courier_id") == (kcs["Courier ID"] or None)


@needs_data
def test_every_row_of_the_three_files_maps_and_ids_are_unique() -> None:
    ids: set[str] = set()
    rows = 0
    for name in FILES:
        with open_kcs(name) as stream:
            for record in open_kcs_declarations(stream):
                assert record.problems == [], record.problems
                ids.add(record.values[0])
                rows += 1
    # gd_number = Declaration ID is a sound key only while IDs are unique across the files.
    assert rows == len(ids) == 54_000


@needs_data
def test_zero_net_mass_becomes_one_unit() -> None:
    with open_kcs(FILES[0]) as stream:
        record = next(r for r in open_kcs_declarations(stream)
                      if r.extras["x_net_mass"] == "0.0")
    got = as_dict(record)
    assert (got["quantity"], got["unit"], got["gross_weight_kg"]) == (1, "U", None)


@needs_data
@pytest.mark.parametrize("name, frauds, rows", [
    ("df_syn_train_eng.csv", 8114, 37_385),  # 21.70 %
    ("df_syn_valid_eng.csv", 1704, 8_134),  # 20.95 %
    ("df_syn_test_eng.csv", 1835, 8_481),  # 21.64 %
])
def test_outcomes_from_labels(name: str, frauds: int, rows: int) -> None:
    with open_kcs(name) as stream:
        found = list(open_kcs_outcomes(stream))
    assert len(found) == rows and all(r.problems == [] for r in found)
    findings = [dict(zip(OUTCOMES.names, r.values)) for r in found]
    assert sum(f["finding"] == "OTHER" for f in findings) == frauds
    assert all(f["short_levy_pkr"] == 0 and f["item_no"] == 1 for f in findings)
    assert {r.extras["x_critical_fraud"] for r in found} == {"0", "1", "2"}
    assert all((f["finding"] == "OTHER") == (r.extras["x_critical_fraud"] != "0")
               for f, r in zip(findings, found))


def test_outcome_record_shape() -> None:
    text = kcs_text(kcs_row(Fraud="1", Critical_Fraud="2"), kcs_row(Declaration_ID="1"))
    first, second = list(open_kcs_outcomes(io.StringIO(text, newline="")))
    assert first.values == ("97061800", 1, dt.date(2020, 1, 1), "OTHER", Decimal(0))
    assert first.extras == {"x_critical_fraud": "2"}
    assert second.values[3] == "NONE"


@pytest.mark.parametrize("header, named", [
    (KCS_COLUMNS[:-1], "Critical Fraud"),  # a column missing
    (("Declaration No",) + KCS_COLUMNS[1:], "Declaration No"),  # a column renamed
    (DECLARATIONS.names, "gd_number"),  # a canonical file given as KCS
    (KCS_COLUMNS + ("Date",), "Date"),  # a column twice
])
def test_wrong_header_names_the_expected_columns(header: tuple[str, ...], named: str) -> None:
    with pytest.raises(IntakeError) as caught:
        open_kcs_declarations(io.StringIO(kcs_text(header=header), newline=""))
    problems = caught.value.problems
    assert any(p.column == named for p in problems)
    assert problems[-1].message == "not a KCS file: expected the columns " + ", ".join(KCS_COLUMNS)
    with pytest.raises(IntakeError):
        open_kcs_outcomes(io.StringIO(kcs_text(header=header), newline=""))


def test_bom_case_and_column_order_are_free() -> None:
    order = list(reversed(range(len(KCS_COLUMNS))))
    header = [KCS_COLUMNS[i].upper() for i in order]
    row = kcs_row()
    text = "\ufeff" + kcs_text([row[i] for i in order], header=header)
    (record,) = declarations(text)
    assert record.problems == [] and record.values == declarations(kcs_text(row))[0].values


@pytest.mark.parametrize("changes, column, message", [
    ({"Item_Price": "abc"}, "Item Price", "not a number"),
    ({"Item_Price": "-5"}, "Item Price", "negative"),
    ({"Net_Mass": ""}, "Net Mass", "required value is missing"),
    ({"Tax_Rate": "8,5"}, "Tax Rate", "decimal comma"),
    ({"HS6_Code": "44A890"}, "HS6 Code", "expected a 6-digit HS code"),
    ({"Date": "2020-02-30"}, "Date", "not a valid date, expected YYYY-MM-DD"),
    ({"Country_of_Origin": "Belgium"}, "Country of Origin", "ISO 3166-1 alpha-2"),
    ({"Importer_ID": ""}, "Importer ID", "required value is missing"),
    ({"Net_Mass": "1.1234567"}, "Net Mass", "too many decimal places: at most 6"),
])
def test_bad_kcs_values_name_the_kcs_column(changes: dict[str, str], column: str,
                                            message: str) -> None:
    (record,) = declarations(kcs_text(kcs_row(**changes)))
    (problem,) = record.problems
    assert (problem.line, problem.column) == (2, column) and message in problem.message
    assert record.values is None


def test_hs6_with_lost_leading_zero_is_padded() -> None:
    (record,) = declarations(kcs_text(kcs_row(HS6_Code="40110")))
    assert as_dict(record)["hs_code"] == "04011000"


@pytest.mark.parametrize("fraud, critical, message", [
    ("2", "0", "expected 0 or 1"), ("1", "3", "expected 0, 1 or 2"),
    ("0", "1", "must be 0 exactly when Fraud is 0"), ("1", "0", "must be 0 exactly when"),
])
def test_bad_labels(fraud: str, critical: str, message: str) -> None:
    text = kcs_text(kcs_row(Fraud=fraud, Critical_Fraud=critical))
    (record,) = list(open_kcs_outcomes(io.StringIO(text, newline="")))
    assert message in record.problems[0].message and record.values is None


def test_truncated_kcs_line_names_the_missing_kcs_column() -> None:
    text = kcs_text(kcs_row()) + ",".join(FIRST_TRAIN[:5]) + "\n"
    records = declarations(text)
    assert records[1].problems[0].column == "Import Use"  # the 6th column, the first missing
    assert records[1].line == 3


def test_duplicate_declaration_in_kcs_outcomes_is_reported() -> None:
    text = kcs_text(kcs_row(), kcs_row())
    second = list(open_kcs_outcomes(io.StringIO(text, newline="")))[1]
    assert second.problems[0].message == "duplicate key: first on line 2"
