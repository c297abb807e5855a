"""`--format kcs`: read the KCS benchmark files (shared/data/kcs) as DECLARATIONS and OUTCOMES.

The KCS synthetic Korean import declarations have 22 columns and one row per declaration. Each
row becomes one DECLARATIONS record and (from its labels) one OUTCOMES record, built as text in
the canonical columns and then validated exactly like a canonical file; a problem names the KCS
column it came from. The mapping:

canonical column          from KCS (and why)
gd_number                 Declaration ID: unique across the three files (54,000 distinct IDs;
                          a test keeps it so), so no prefix per file is needed
item_no                   1: KCS has one item per declaration
gd_date                   Date
collectorate              Office ID: the customs office that cleared it
channel                   GREEN: KCS has no channel; GREEN (released without checks) claims
                          no check was made, which is all we know
importer_ntn              Importer ID
importer_name             empty: not in KCS
agent_code                Declarant ID: the party filing for the importer
hs_code                   HS6 Code zero-padded to 6 digits, + "00" (a PCT code has 8)
description               "KCS synthetic import, HS 4408.90": KCS has none, the format needs one
origin_country            Country of Origin
export_country            Country of Departure
quantity, unit            Net Mass, KG; when Net Mass is 0 (396 rows: below the data's 0.1 kg
                          resolution) 1, U: a KG quantity stays a real mass, nothing invented
gross_weight_kg           Net Mass (a lower bound: KCS has only the net mass); empty when 0
currency                  KRW: a Korean dataset
invoice_value             Item Price rounded half-up to 2 places: the source holds float noise
                          such as 241.58000000000004
exchange_rate             0.14 rupees per won: about the 2020-21 average (USD/PKR ~160,
                          USD/KRW ~1,150); one fixed rate keeps rupee values proportional
declared_value_pkr        invoice_value x 0.14, rounded half-up to paisa
assessed_value_pkr        the same: KCS has no assessment, so it was accepted as declared
cd_pkr                    declared value x Tax Rate / 100, rounded half-up to whole rupees
                          (spec section 4); Tax Rate is the duty rate in percent
rd/acd/st/ast/it_pkr      0: KCS has only one rate
sro_ref, fta_code         empty: Tax Type (e.g. FCN1, a Korean FTA rate) is kept as x_tax_type,
                          not claimed as a Pakistani agreement

Every KCS column that is not carried verbatim into a canonical column is kept as an x_ extra
(raw text, empty cells dropped): x_office_id, x_process_type, x_import_type, x_import_use,
x_payment_type, x_mode_of_transport, x_seller_id, x_courier_id, x_tax_rate, x_tax_type,
x_origin_indicator, x_net_mass, x_item_price (the last two because the mapping rounds or
replaces them). Office ID is kept too, so the risk model finds it under the same name as the
other KCS codes.

Outcomes: gd_number and item_no as above; audit_date = Date (KCS has no audit date, and the
declaration date is the only date known; the benchmark's time split is by Date anyway); finding =
OTHER when Fraud is 1, else NONE (KCS does not say what kind of fraud); short_levy_pkr = 0 (KCS has
no revenue figure, and OTHER with 0 is allowed); extra x_critical_fraud (0, 1 or 2).
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal
from operator import itemgetter
from typing import Any, TextIO

from .formats import DECLARATIONS, OUTCOMES, FileSpec, Number
from .problems import IntakeError, Problem, problem
from .reader import Record, RecordReader, read_header
from .validate import RowValidator

KCS_COLUMNS = (
    "Declaration ID", "Date", "Office ID", "Process Type", "Import Type", "Import Use",
    "Payment Type", "Mode of Transport", "Declarant ID", "Importer ID", "Seller ID", "Courier ID",
    "HS6 Code", "Country of Departure", "Country of Origin", "Tax Rate", "Tax Type",
    "Country of Origin Indicator", "Net Mass", "Item Price", "Fraud", "Critical Fraud",
)
EXTRA_COLUMNS = {
    "Office ID": "x_office_id", "Process Type": "x_process_type",
    "Import Type": "x_import_type", "Import Use": "x_import_use",
    "Payment Type": "x_payment_type", "Mode of Transport": "x_mode_of_transport",
    "Seller ID": "x_seller_id", "Courier ID": "x_courier_id", "Tax Rate": "x_tax_rate",
    "Tax Type": "x_tax_type", "Country of Origin Indicator": "x_origin_indicator",
    "Net Mass": "x_net_mass", "Item Price": "x_item_price",
}
CHANNEL = "GREEN"
CURRENCY = "KRW"
EXCHANGE_RATE = Decimal("0.14")  # rupees per won

_CONTEXT = Context(prec=50)  # exact for any amount the source can hold
_PAISA = Decimal("0.01")
_RUPEE = Decimal(1)
_HS6 = re.compile(r"[0-9]{1,6}")
_SOURCE_NUMBER = Number(int_digits=15, places=20)  # source amounts: any reasonable precision
_is_source_number = re.compile(_SOURCE_NUMBER.pattern).fullmatch

# Where each canonical column comes from, for problems: a KCS column or the canonical name.
_DECLARATION_SOURCES = {
    "gd_number": "Declaration ID", "gd_date": "Date", "collectorate": "Office ID",
    "importer_ntn": "Importer ID", "agent_code": "Declarant ID", "hs_code": "HS6 Code",
    "origin_country": "Country of Origin", "export_country": "Country of Departure",
    "quantity": "Net Mass", "gross_weight_kg": "Net Mass", "invoice_value": "Item Price",
    "declared_value_pkr": "Item Price", "assessed_value_pkr": "Item Price", "cd_pkr": "Tax Rate",
}
_OUTCOME_SOURCES = {"gd_number": "Declaration ID", "audit_date": "Date", "finding": "Fraud"}


def open_kcs_declarations(stream: TextIO) -> RecordReader:
    """DECLARATIONS records from a KCS file (header checked now). The reader's `header` is the
    canonical columns plus the x_ extras, as if the file had been converted first."""
    rows, order, written = _open(stream)
    extras = [(EXTRA_COLUMNS[name], i) for i, name in enumerate(KCS_COLUMNS)
              if name in EXTRA_COLUMNS]
    validator = _validator(DECLARATIONS, _DECLARATION_SOURCES)

    def to_record(row: list[str], line: int) -> Record:
        kcs = order(row)
        found = _source_problems(kcs, line)
        if found:
            return Record(line, None, _extras(kcs, extras), found, row)
        record = validator.record(_declaration_cells(kcs), line)
        record.extras = _extras(kcs, extras)
        if record.problems:
            record.raw = row  # the KCS cells, not the mapped ones
            # Net Mass feeds two columns: say it once.
            record.problems = list(dict.fromkeys(record.problems))
        return record

    return RecordReader(DECLARATIONS, rows, DECLARATIONS.names + tuple(n for n, _ in extras),
                        [n for n, _ in extras], to_record, source_header=written)


def open_kcs_outcomes(stream: TextIO) -> RecordReader:
    """OUTCOMES records (the labels) from a KCS file (header checked now)."""
    rows, order, written = _open(stream)
    validator = _validator(OUTCOMES, _OUTCOME_SOURCES)
    fraud_at, critical_at = KCS_COLUMNS.index("Fraud"), KCS_COLUMNS.index("Critical Fraud")

    def to_record(row: list[str], line: int) -> Record:
        kcs = order(row)
        fraud, critical = kcs[fraud_at], kcs[critical_at]
        extras = {"x_critical_fraud": critical} if critical else {}
        found = _label_problems(fraud, critical, line)
        if found:
            return Record(line, None, extras, found, row)
        finding = "OTHER" if fraud == "1" else "NONE"
        record = validator.record([kcs[0], "1", kcs[1], finding, "0"], line)
        record.extras = extras
        if record.problems:
            record.raw = row
        return record

    return RecordReader(OUTCOMES, rows, OUTCOMES.names + ("x_critical_fraud",),
                        ["x_critical_fraud"], to_record, source_header=written)


def _open(stream: TextIO) -> tuple[Any, itemgetter[Any], list[str]]:
    """Check the header; return the rows, a getter putting a row in KCS_COLUMNS order, and the
    header as written."""
    rows, written = read_header(stream)
    wanted = {name.lower(): i for i, name in enumerate(KCS_COLUMNS)}
    position: dict[int, int] = {}
    problems: list[Problem] = []
    for j, name in enumerate(written):
        i = wanted.get(name.strip().lower())
        if i is None:
            problems.append(problem(1, name, name, "not a KCS column"))
        elif i in position:
            problems.append(problem(1, name, name, "duplicated column"))
        else:
            position[i] = j
    problems += [problem(1, name, None, "KCS column is missing")
                 for i, name in enumerate(KCS_COLUMNS) if i not in position]
    if problems:
        problems.append(problem(1, None, None, "not a KCS file: expected the columns "
                                + ", ".join(KCS_COLUMNS)))
        raise IntakeError(problems)
    order = itemgetter(*(position[i] for i in range(len(KCS_COLUMNS))))
    return rows, order, [name.strip() for name in written]


def _validator(spec: FileSpec, sources: dict[str, str]) -> RowValidator:
    names = spec.names
    return RowValidator(spec, range(len(names)), len(names),
                        labels=[sources.get(name, name) for name in names])


def _extras(kcs: tuple[str, ...], extras: list[tuple[str, int]]) -> dict[str, str]:
    return {name: kcs[i] for name, i in extras if kcs[i]}


_AT = {name: i for i, name in enumerate(KCS_COLUMNS)}
_NUMBERS = tuple((name, _AT[name]) for name in ("Tax Rate", "Net Mass", "Item Price"))


def _source_problems(kcs: tuple[str, ...], line: int) -> list[Problem]:
    """The KCS cells the mapping computes with; the others are checked once mapped."""
    found = [problem(line, name, kcs[i], _SOURCE_NUMBER.explain(kcs[i]) if kcs[i]
                     else "required value is missing")
             for name, i in _NUMBERS if not _is_source_number(kcs[i])]
    hs6 = kcs[_AT["HS6 Code"]]
    if not _HS6.fullmatch(hs6):
        found.append(problem(line, "HS6 Code", hs6, "expected a 6-digit HS code"))
    return found


def _declaration_cells(kcs: tuple[str, ...]) -> list[str]:
    (declaration_id, date, office, _process, _import_type, _use, _payment, _transport,
     declarant, importer, _seller, _courier, hs6, departure, origin, tax_rate, _tax_type,
     _indicator, net_mass, item_price, _fraud, _critical) = kcs
    hs6 = hs6.zfill(6)
    if Decimal(net_mass):
        quantity, unit, gross_weight = net_mass, "KG", net_mass
    else:
        quantity, unit, gross_weight = "1", "U", ""
    price = Decimal(item_price).quantize(_PAISA, ROUND_HALF_UP, _CONTEXT)
    value = _CONTEXT.multiply(price, EXCHANGE_RATE).quantize(_PAISA, ROUND_HALF_UP, _CONTEXT)
    duty = _CONTEXT.divide(_CONTEXT.multiply(value, Decimal(tax_rate)), 100)
    duty = duty.quantize(_RUPEE, ROUND_HALF_UP, _CONTEXT)
    return [
        declaration_id, "1", date, office, CHANNEL, importer, "", declarant, hs6 + "00",
        f"KCS synthetic import, HS {hs6[:4]}.{hs6[4:]}", origin, departure, quantity, unit,
        gross_weight, CURRENCY, str(price), str(EXCHANGE_RATE), str(value), str(value), str(duty),
        "0", "0", "0", "0", "0", "", "",
    ]


def _label_problems(fraud: str, critical: str, line: int) -> list[Problem]:
    if fraud not in ("0", "1"):
        return [problem(line, "Fraud", fraud, "expected 0 or 1")]
    if critical not in ("0", "1", "2"):
        return [problem(line, "Critical Fraud", critical, "expected 0, 1 or 2")]
    if (fraud == "1") != (critical != "0"):
        return [problem(line, "Critical Fraud", critical,
                        f"must be 0 exactly when Fraud is 0 (Fraud is {fraud})")]
    return []
