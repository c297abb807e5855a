"""The demo generator: canonical formats, exact duties, planted fraud and its ground truth.

Unit tests (no app, no database). The duties are recomputed here from the written tariff and
preferential files, independently of the generator's own tariff object.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
import subprocess
import sys
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from flask import Flask

from audit_app.demo import catalogue
from audit_app.demo.commands import demo_cli
from audit_app.demo.generator import CANONICAL_FILES, DEFAULT_START, add_months, generate
from audit_app.demo.goods import BY_CODE, DECOYS
from audit_app.demo.parties import ntn_check_digit
from audit_app.services.duty import (LevyAmounts, Rates, apply_preference, compute_duties,
                                     short_levy)

ITEMS, SEED = 3_000, 20240701
KINDS = {"UNDERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION", "QUANTITY"}
LEVY_COLUMNS = ("cd_pkr", "rd_pkr", "acd_pkr", "st_pkr", "ast_pkr", "it_pkr")

# Column lists as in spec/data-formats.md, in the spec's order.
SPEC_HEADERS = {
    "declarations.csv": [
        "gd_number", "item_no", "gd_date", "collectorate", "channel", "importer_ntn",
        "importer_name", "agent_code", "hs_code", "description", "origin_country",
        "export_country", "quantity", "unit", "gross_weight_kg", "currency", "invoice_value",
        "exchange_rate", "declared_value_pkr", "assessed_value_pkr", "cd_pkr", "rd_pkr",
        "acd_pkr", "st_pkr", "ast_pkr", "it_pkr", "sro_ref", "fta_code"],
    "tariff.csv": ["hs_code", "description", "valid_from", "cd_rate", "rd_rate", "acd_rate",
                   "st_rate", "ast_rate", "it_rate"],
    "preferential.csv": ["fta_code", "origin_country", "hs_code", "valid_from", "cd_rate"],
    "outcomes.csv": ["gd_number", "item_no", "audit_date", "finding", "short_levy_pkr"],
}
SPEC_FILE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "data-formats.md"


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate(out, ITEMS, SEED)


@pytest.fixture(scope="module")
def files(demo) -> dict[str, list[dict[str, str]]]:
    out, _ = demo
    return {name: read(out / name) for name in (*CANONICAL_FILES, "ground_truth.csv")}


class Tariff:
    """The written tariff and preferential files, looked up as the spec says."""

    def __init__(self, tariff_rows, preferential_rows) -> None:
        self.rows: dict[str, list[tuple[dt.date, Rates]]] = defaultdict(list)
        for r in tariff_rows:
            self.rows[r["hs_code"]].append((dt.date.fromisoformat(r["valid_from"]), Rates(
                *(Decimal(r[f"{x}_rate"]) for x in ("cd", "rd", "acd", "st", "ast", "it")))))
        self.prefs: dict[tuple, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for r in preferential_rows:
            self.prefs[(r["fta_code"], r["origin_country"], r["hs_code"])].append(
                (dt.date.fromisoformat(r["valid_from"]), Decimal(r["cd_rate"])))
        for rows in (*self.rows.values(), *self.prefs.values()):
            rows.sort(key=lambda x: x[0])

    @staticmethod
    def _in_force(rows, day):
        i = bisect_right([d for d, _ in rows], day) - 1
        assert i >= 0, f"nothing in force on {day}"
        return rows[i][1]

    def rates(self, code: str, day: dt.date, fta: str = "", origin: str = "",
              sro: str = "") -> Rates:
        rates = self._in_force(self.rows[code], day)
        if fta and (fta, origin, code) in self.prefs:
            rates = apply_preference(rates, self._in_force(self.prefs[(fta, origin, code)], day))
        if sro and code in catalogue.CONCESSION_BY_REF[sro].codes:
            rates = replace(rates, **{k: Decimal(v) for k, v in
                                      catalogue.CONCESSION_BY_REF[sro].rates.items()})
        return rates


@pytest.fixture(scope="module")
def tariff(files) -> Tariff:
    return Tariff(files["tariff.csv"], files["preferential.csv"])


def paid(row) -> tuple[Decimal, ...]:
    return tuple(Decimal(row[c]) for c in LEVY_COLUMNS)


# --- determinism and format -------------------------------------------------------------

def test_same_seed_gives_identical_bytes(demo, tmp_path):
    out, summary = demo
    again = generate(tmp_path / "again", ITEMS, SEED)
    for name in (*CANONICAL_FILES, "ground_truth.csv"):
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    assert {k: v for k, v in again.items() if k != "out_dir"} == {
        k: v for k, v in summary.items() if k != "out_dir"}


def test_identical_across_processes_with_other_hash_seeds(tmp_path):
    """String hashing is randomised per process: no output may depend on set order."""
    script = ("import sys; from pathlib import Path; from audit_app.demo.generator import "
              "generate; generate(Path(sys.argv[1]), 500, 3)")
    for hash_seed in ("1", "2"):
        subprocess.run([sys.executable, "-c", script, str(tmp_path / hash_seed)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": hash_seed},
                       cwd=Path(__file__).resolve().parents[2])
    for name in (*CANONICAL_FILES, "ground_truth.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_other_seed_gives_other_data(demo, tmp_path):
    out, _ = demo
    generate(tmp_path / "other", ITEMS, SEED + 1)
    assert ((out / "declarations.csv").read_bytes()
            != (tmp_path / "other" / "declarations.csv").read_bytes())


@pytest.mark.parametrize("name", CANONICAL_FILES)
def test_headers_exactly_as_spec(demo, name):
    out, _ = demo
    with open(out / name, newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == SPEC_HEADERS[name]
    assert (out / name).read_bytes()[:3] != b"\xef\xbb\xbf"  # no BOM written


@pytest.mark.skipif(not SPEC_FILE.exists(), reason="shared spec not beside the repository")
@pytest.mark.parametrize(("name", "section"), [("declarations.csv", "## 1."),
                                               ("tariff.csv", "## 2."),
                                               ("preferential.csv", "## 3."),
                                               ("outcomes.csv", "## 5.")])
def test_spec_tables_match_the_headers_used_here(name, section):
    """Guards SPEC_HEADERS against a spec change: compare with the spec's own table."""
    body = SPEC_FILE.read_text(encoding="utf-8").split(section, 1)[1].split("\n## ", 1)[0]
    columns = []
    for line in body.splitlines():
        cell = line.split("|")[1].strip() if line.startswith("|") else ""
        if cell and cell != "column" and not cell.startswith("---"):
            columns += [c.strip() for c in cell.split(",")]  # "cd_rate, rd_rate, ..." rows
    assert columns == SPEC_HEADERS[name]


def test_row_counts_match_summary(demo, files):
    _, summary = demo
    for name, count in summary["files"].items():
        assert len(files[name]) == count, name
    assert len(files["declarations.csv"]) == ITEMS


def test_keys_unique_and_items_numbered_from_one(files):
    keys = [(r["gd_number"], int(r["item_no"])) for r in files["declarations.csv"]]
    assert len(set(keys)) == len(keys)
    by_gd = defaultdict(list)
    for gd, item in keys:
        by_gd[gd].append(item)
    assert all(sorted(items) == list(range(1, len(items) + 1)) for items in by_gd.values())
    assert max(len(items) for items in by_gd.values()) <= 8


def test_codes_are_eight_digits_and_in_the_tariff(files):
    tariff_codes = {r["hs_code"] for r in files["tariff.csv"]}
    assert 150 <= len(tariff_codes) <= 300
    assert len({c[:2] for c in tariff_codes}) >= 30  # many chapters
    for name in ("declarations.csv", "tariff.csv", "preferential.csv"):
        assert all(re.fullmatch(r"\d{8}", r["hs_code"]) for r in files[name]), name
    assert {r["hs_code"] for r in files["declarations.csv"]} <= tariff_codes


def test_identifiers_look_real(files):
    gd_re = re.compile(r"(KAPW|KAPE|PQIM|LAHD|ISBD|QTAD|PSWD|FSLD|SKTD)-(HC|EB|TI)-(\d{6,})-"
                       r"(\d{2})(\d{2})(\d{4})")
    for r in files["declarations.csv"]:
        m = gd_re.fullmatch(r["gd_number"])
        assert m and m.group(1) == r["collectorate"], r["gd_number"]
        assert f"{m.group(6)}-{m.group(5)}-{m.group(4)}" == r["gd_date"]
        ntn = re.fullmatch(r"(\d{7})-(\d)", r["importer_ntn"])
        assert ntn and int(ntn.group(2)) == ntn_check_digit(ntn.group(1))
        assert re.fullmatch(r"CHAL-[A-Z]{3}-\d{4}", r["agent_code"])
        assert re.fullmatch(r"[A-Z]{2}", r["origin_country"])
        assert re.fullmatch(r"([A-Z]{2})?", r["export_country"])
        assert r["channel"] in ("GREEN", "YELLOW", "RED")
        assert r["currency"] in catalogue.CURRENCIES_PER_USD
        assert r["unit"] == BY_CODE[r["hs_code"]].unit


def test_mix_looks_like_pakistan_trade(files):
    rows = files["declarations.csv"]
    colls = Counter(r["collectorate"] for r in rows)
    assert colls["KAPW"] + colls["KAPE"] + colls["PQIM"] > 0.6 * len(rows)
    origins = Counter(r["origin_country"] for r in rows)
    assert origins.most_common(1)[0][0] == "CN"
    assert Counter(r["currency"] for r in rows).most_common(1)[0][0] == "USD"
    sizes = Counter(r["importer_ntn"] for r in rows).most_common()
    assert sizes[0][1] > 10 * sizes[-1][1]  # a few large importers, a long tail
    assert any(r["fta_code"] for r in rows) and any(r["sro_ref"] for r in rows)
    assert any(r["export_country"] not in ("", r["origin_country"]) for r in rows)


def test_dates_in_range(demo, files):
    _, summary = demo
    start, end = (dt.date.fromisoformat(summary[k]) for k in ("start", "end"))
    assert start == DEFAULT_START and end == dt.date(2025, 6, 30)
    gd_dates = {}
    for r in files["declarations.csv"]:
        day = dt.date.fromisoformat(r["gd_date"])
        assert start <= day <= end
        gd_dates[(r["gd_number"], r["item_no"])] = day
    for r in files["outcomes.csv"]:
        audit, cleared = dt.date.fromisoformat(r["audit_date"]), gd_dates[(r["gd_number"],
                                                                           r["item_no"])]
        assert cleared + dt.timedelta(days=60) <= audit <= end


# --- money --------------------------------------------------------------------------------

def test_declared_value_is_invoice_times_rate_rounded(files):
    for r in files["declarations.csv"]:
        expected = (Decimal(r["invoice_value"]) * Decimal(r["exchange_rate"])).quantize(
            Decimal(1), ROUND_HALF_UP)
        assert Decimal(r["declared_value_pkr"]) == expected
        assert Decimal(r["assessed_value_pkr"]) >= Decimal(r["declared_value_pkr"])
        if r["channel"] == "GREEN":
            assert r["assessed_value_pkr"] == r["declared_value_pkr"]


def test_duties_paid_follow_the_formula_on_declared_facts(files, tariff):
    for r in files["declarations.csv"]:
        rates = tariff.rates(r["hs_code"], dt.date.fromisoformat(r["gd_date"]), r["fta_code"],
                             r["origin_country"], r["sro_ref"])
        assert compute_duties(Decimal(r["assessed_value_pkr"]), rates).as_tuple() == paid(r), (
            r["gd_number"], r["item_no"])


def test_claims_are_backed_by_the_reference_files(files, tariff):
    for r in files["declarations.csv"]:
        if r["fta_code"]:
            assert (r["fta_code"], r["origin_country"], r["hs_code"]) in tariff.prefs
        if r["sro_ref"]:
            assert r["hs_code"] in catalogue.CONCESSION_BY_REF[r["sro_ref"]].codes
        assert not (r["fta_code"] and r["sro_ref"])


def test_tariff_has_budget_periods_and_preferences_save_duty(files, tariff):
    assert all(len(rows) >= 2 for rows in tariff.rows.values())
    assert {k[0] for k in tariff.prefs} >= {"CPFTA", "PMFTA", "PSFTA"}
    partners = {a.code: a.partner for a in catalogue.AGREEMENTS}
    for (fta, origin, code), rows in tariff.prefs.items():
        assert partners[fta] == origin
        for valid_from, cd in rows:
            assert all(cd < rates.cd for _, rates in tariff.rows[code])


def test_decoys_always_carry_less_duty(tariff):
    for true_code, decoy in DECOYS.items():
        for day, _ in tariff.rows[true_code] + tariff.rows[decoy]:
            value = Decimal(1_000_000)
            assert (compute_duties(value, tariff.rates(true_code, day)).total
                    > compute_duties(value, tariff.rates(decoy, day)).total), (true_code, day)


# --- planted fraud, outcomes, ground truth ------------------------------------------------

def test_every_fraud_kind_is_planted_at_a_plausible_rate(demo, files):
    _, summary = demo
    truth = files["ground_truth.csv"]
    assert {r["fraud_kind"] for r in truth} == KINDS
    assert 0.05 <= len(truth) / ITEMS <= 0.11
    assert all(Decimal(r["true_short_levy_pkr"]) > 0 for r in truth)
    assert Counter(r["fraud_kind"] for r in truth) == Counter(summary["planted"])
    assert sum(Decimal(r["true_short_levy_pkr"]) for r in truth) == summary[
        "planted_short_levy_pkr"]


def test_fraud_is_concentrated_but_not_exclusive(files):
    frauds = {(r["gd_number"], r["item_no"]) for r in files["ground_truth.csv"]}
    per_importer: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in files["declarations.csv"]:
        counts = per_importer[r["importer_ntn"]]
        counts[0] += 1
        counts[1] += (r["gd_number"], r["item_no"]) in frauds
    rates = sorted((f / n for n, f in per_importer.values()), reverse=True)
    assert rates[0] > 3 * len(frauds) / ITEMS  # some importers are far worse than average
    assert sum(1 for n, f in per_importer.values() if f) > len(per_importer) / 3


def test_planted_traces_are_visible(files):
    """Each kind leaves the trace the risk engine is meant to find."""
    decl = {(r["gd_number"], r["item_no"]): r for r in files["declarations.csv"]}
    for t in files["ground_truth.csv"]:
        r, kind = decl[(t["gd_number"], t["item_no"])], t["fraud_kind"]
        goods = BY_CODE[r["hs_code"]]
        if kind == "MISCLASSIFICATION":
            true_code = {v: k for k, v in DECOYS.items()}[r["hs_code"]]
            assert r["description"].startswith(BY_CODE[true_code].trade)
            assert not r["fta_code"] and not r["sro_ref"]
        else:
            assert r["description"].startswith(goods.trade)
        if kind == "ORIGIN":
            assert r["fta_code"] and r["origin_country"] in {a.partner
                                                             for a in catalogue.AGREEMENTS}
        if kind == "CONCESSION":
            assert r["sro_ref"]
        if kind == "QUANTITY":
            assert r["gross_weight_kg"]  # the weight is what gives it away


def weight_per_declared_kg(r) -> float:
    return float(r["gross_weight_kg"]) / (float(r["quantity"]) * BY_CODE[r["hs_code"]].kg)


def test_quantity_fraud_shows_in_weight_and_undervaluation_in_price(files):
    kinds = {(r["gd_number"], r["item_no"]): r["fraud_kind"] for r in files["ground_truth.csv"]}
    weights, prices = defaultdict(list), defaultdict(list)
    for r in files["declarations.csv"]:
        kind = kinds.get((r["gd_number"], r["item_no"]), "")
        if r["gross_weight_kg"]:
            weights[kind].append(weight_per_declared_kg(r))
        usd = float(r["declared_value_pkr"]) / float(r["exchange_rate"]) if r[
            "currency"] == "USD" else None
        if usd is not None:
            prices[kind].append(usd / float(r["quantity"]) / BY_CODE[r["hs_code"]].usd)

    def median(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2]
    assert median(weights["QUANTITY"]) > 1.5 > 1.25 > median(weights[""])
    assert median(prices["UNDERVALUATION"]) < 0.6 < 0.85 < median(prices[""])


def test_short_levy_recomputed_for_code_origin_and_concession_frauds(files, tariff):
    """For these kinds the true value is the assessed one: recompute independently."""
    decl = {(r["gd_number"], r["item_no"]): r for r in files["declarations.csv"]}
    true_code_of = {v: k for k, v in DECOYS.items()}
    checked = Counter()
    for t in files["ground_truth.csv"]:
        if t["fraud_kind"] not in ("MISCLASSIFICATION", "ORIGIN", "CONCESSION"):
            continue
        r = decl[(t["gd_number"], t["item_no"])]
        code = (true_code_of[r["hs_code"]] if t["fraud_kind"] == "MISCLASSIFICATION"
                else r["hs_code"])
        due = compute_duties(Decimal(r["assessed_value_pkr"]),
                             tariff.rates(code, dt.date.fromisoformat(r["gd_date"])))
        short = short_levy(due, LevyAmounts(*paid(r)))
        assert short.total == Decimal(t["true_short_levy_pkr"]), t
        checked[t["fraud_kind"]] += 1
    assert len(checked) == 3


def test_outcomes_agree_with_ground_truth(files):
    truth = {(r["gd_number"], r["item_no"]): r for r in files["ground_truth.csv"]}
    keys = {(r["gd_number"], r["item_no"]) for r in files["declarations.csv"]}
    outcomes = files["outcomes.csv"]
    assert 0.03 <= len(outcomes) / ITEMS <= 0.10
    audited = set()
    for r in outcomes:
        key = (r["gd_number"], r["item_no"])
        assert key in keys and key not in audited
        audited.add(key)
        if key in truth:
            assert r["finding"] == truth[key]["fraud_kind"]
            assert r["short_levy_pkr"] == truth[key]["true_short_levy_pkr"]
        else:
            assert (r["finding"], r["short_levy_pkr"]) == ("NONE", "0")
    hit_rate = sum(r["finding"] != "NONE" for r in outcomes) / len(outcomes)
    assert hit_rate > 2 * len(truth) / ITEMS  # audits were risk-selected
    assert len(audited & truth.keys()) < len(truth) / 2  # most fraud is left to find


def test_short_period_gets_a_mid_period_rate_change(tmp_path):
    summary = generate(tmp_path, 400, 5, start=dt.date(2024, 1, 15), months=3)
    assert (summary["start"], summary["end"]) == ("2024-01-15", "2024-04-14")
    valid_from = {r["valid_from"] for r in read(tmp_path / "tariff.csv")}
    assert len(valid_from) == 2 and max(valid_from) > "2024-01-15"
    days = {r["gd_date"] for r in read(tmp_path / "declarations.csv")}
    assert min(days) >= "2024-01-15" and max(days) <= "2024-04-14"


@pytest.mark.parametrize(("start", "months", "end"), [
    (dt.date(2023, 7, 1), 24, dt.date(2025, 6, 30)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 28)),  # 31 Jan + 1 month = 29 Feb, exclusive
    (dt.date(2023, 11, 15), 3, dt.date(2024, 2, 14)),
])
def test_period_end(start, months, end):
    assert add_months(start, months) - dt.timedelta(days=1) == end


@pytest.mark.parametrize(("items", "months"), [(0, 24), (10, 0)])
def test_rejects_empty_requests(tmp_path, items, months):
    with pytest.raises(ValueError):
        generate(tmp_path, items, 1, months=months)


def test_catalogue_is_consistent():
    catalogue.check_catalogue()
    assert len(set(DECOYS.values())) == len(DECOYS)  # decoy -> true heading is unambiguous
    for true_code, decoy in DECOYS.items():
        assert BY_CODE[decoy].unit in (BY_CODE[true_code].unit, "KG")


def test_cli_generate_prints_summary(tmp_path):
    app = Flask("demo-test")
    app.cli.add_command(demo_cli)
    result = app.test_cli_runner().invoke(args=[
        "demo", "generate", "--items", "300", "--seed", "9", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "declarations.csv" in result.output and "Planted fraud" in result.output
    assert len(read(tmp_path / "declarations.csv")) == 300
