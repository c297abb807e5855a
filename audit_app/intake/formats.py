"""The four exchange files of spec/data-formats.md, declared column by column.

Each column has a kind; a kind gives a regular expression that a valid, non-empty value matches
in full, a converter to the Python type, and `explain()` to say why a value does not match. The
reader compiles these into one regular expression per row (see `validate.py`), so the kinds must
stay strict enough that "matches" means "valid".

Decisions the spec leaves open (they follow the database columns in `audit_app/db.py`, so that a
value that passes here is stored without rounding or overflow):

* Decimals: digits, an optional `.` and decimals. No sign, no thousands separators, no decimal
  comma, no exponent, no NaN/Infinity, no leading `.`. Limits per column:

  | columns | sign | digits before `.` | decimal places |
  |---|---|---|---|
  | rupee amounts (`*_pkr`) | >= 0 | 16 | 2 (paisa) |
  | invoice_value (foreign currency) | >= 0 | 16 | 3 (BHD, KWD, OMR have 3 minor digits) |
  | quantity | > 0 | 14 | 6 |
  | gross_weight_kg | >= 0 | 14 | 6 |
  | exchange_rate (rupees per unit) | > 0 | 12 | 6 (a won or rupiah is worth < 1 rupee) |
  | rates (percent: 17 means 17 %) | >= 0 | 5 | 4 |

  Values are kept exactly as written: `12.50` reads as Decimal("12.50").
* Dates: `YYYY-MM-DD` only (not the other ISO forms Python accepts), a real calendar day, year
  1947 (Pakistan Customs' first year) to 2099: anything outside is a typo, not a declaration.
* Integers (item_no): digits only, 1 to 999,999,999; leading zeros are tolerated (`007` is 7).
* Codes and names: no control characters, no leading or trailing whitespace (a padded
  `gd_number` would silently become another key), at most the stored length. Free text
  (descriptions) may contain line breaks and tabs and keeps its spaces, but must not be blank.
* Enumerations, country (ISO 3166-1 alpha-2) and currency (ISO 4217) codes: capital letters
  exactly as listed; the code lists themselves are not checked (the user-assigned `ZZ`, "unknown",
  appears in real data).
* Outcomes: `finding` NONE requires `short_levy_pkr` 0; any other finding may have 0 or more, since
  an established irregularity need not cost revenue (an origin misdeclaration where the
  preferential and MFN rates are equal, a procedural `OTHER`, the KCS fraud labels).
* Duplicate keys: the reader detects them in the small files (tariff, preferential, outcomes).
  Declaration files can hold millions of rows, so for them the database loader finds repeated
  keys in its staging table; the reader keeps nothing in memory.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Control characters; free text may still contain tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_FREE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Text:
    max_len: int
    free: bool = False  # free text: line breaks allowed, surrounding spaces kept
    convert: Callable[[str], Any] | None = field(default=None, init=False)

    @property
    def pattern(self) -> str:
        if self.free:
            return rf"(?=[^\x1f]*?\S)[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]{{1,{self.max_len}}}"
        return rf"(?=\S)[^\x00-\x1f\x7f]{{1,{self.max_len}}}(?<=\S)"

    def explain(self, value: str) -> str:
        if len(value) > self.max_len:
            return f"too long: {len(value)} characters, at most {self.max_len}"
        if not value.strip():
            return "blank: only whitespace"
        if (_CONTROL_IN_FREE_TEXT if self.free else _CONTROL).search(value):
            return "contains a control character (line break, tab, ...), not allowed here"
        return "leading or trailing whitespace"


@dataclass(frozen=True)
class Integer:
    max_digits: int = 9
    convert: Callable[[str], Any] = field(default=int, init=False)

    @property
    def pattern(self) -> str:
        return rf"0*[1-9][0-9]{{0,{self.max_digits - 1}}}"

    def explain(self, value: str) -> str:
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            return "not a whole number: expected digits only"
        if value[0] in "+-" or int(value) < 1:
            return "must be a whole number >= 1, without sign"
        return f"too large: at most {'9' * self.max_digits}"


@dataclass(frozen=True)
class Digits:
    length: int
    what: str
    convert: Callable[[str], Any] | None = field(default=None, init=False)

    @property
    def pattern(self) -> str:
        return f"[0-9]{{{self.length}}}"

    def explain(self, value: str) -> str:
        return f"expected exactly {self.length} digits ({self.what}, no dots or spaces)"


_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class IsoDate:
    convert: Callable[[str], Any] = field(default=dt.date.fromisoformat, init=False)
    pattern: str = field(default=r"(?:194[7-9]|19[5-9][0-9]|20[0-9][0-9])-[0-9]{2}-[0-9]{2}",
                         init=False)

    def explain(self, value: str) -> str:
        if _DATE_SHAPE.fullmatch(value):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return "year out of range: expected 1947 to 2099"
        return "not a valid date, expected YYYY-MM-DD"


_NUMBER = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")


@dataclass(frozen=True)
class Number:
    int_digits: int
    places: int
    positive: bool = False  # > 0 rather than >= 0
    convert: Callable[[str], Any] = field(default=Decimal, init=False)

    @property
    def pattern(self) -> str:
        # "> 0" for a string of digits is "has a digit 1-9": checked by a look-ahead in the field.
        nonzero = r"(?=[^\x1f]*?[1-9])" if self.positive else ""
        decimals = rf"(?:\.[0-9]{{1,{self.places}}})?" if self.places else ""
        return rf"{nonzero}[0-9]{{1,{self.int_digits}}}{decimals}"

    def explain(self, value: str) -> str:
        bound = "> 0" if self.positive else ">= 0"
        m = _NUMBER.fullmatch(value)
        if m is None:
            if _THOUSANDS.fullmatch(value):
                return "thousands separators are not allowed"
            if _DECIMAL_COMMA.fullmatch(value):
                return "decimal comma: use '.' as the decimal point"
            return ("not a number: expected digits with an optional '.' and decimals "
                    "(no exponent, NaN or Infinity)")
        sign, whole, decimals = m.group(1), m.group(2), m.group(3) or ""
        if sign == "-" and Decimal(value) != 0:
            return f"negative: must be {bound}"
        if sign:
            return "a sign is not allowed"
        if len(decimals) > self.places:
            return f"too many decimal places: at most {self.places}"
        if len(whole) > self.int_digits:
            return f"too large: at most {self.int_digits} digits before the decimal point"
        return f"must be {bound}"


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]
    convert: Callable[[str], Any] | None = field(default=None, init=False)

    @property
    def pattern(self) -> str:
        return "|".join(re.escape(v) for v in sorted(self.values, key=len, reverse=True))

    def explain(self, value: str) -> str:
        hint = " (in capital letters)" if value.strip().upper() in self.values else ""
        return f"expected one of {', '.join(self.values)}{hint}"


@dataclass(frozen=True)
class Code:
    """ISO 3166-1 alpha-2 (length 2) or ISO 4217 (length 3): capital letters, list not checked."""

    length: int
    what: str
    convert: Callable[[str], Any] | None = field(default=None, init=False)

    @property
    def pattern(self) -> str:
        return f"[A-Z]{{{self.length}}}"

    def explain(self, value: str) -> str:
        return f"expected {self.what}: {self.length} capital letters"


Kind = Text | Integer | Digits | IsoDate | Number | Choice | Code

# Convenient shared kinds.
RUPEES = Number(16, 2)
PERCENT = Number(5, 4)
DATE = IsoDate()
HS_CODE = Digits(8, "PCT code")
COUNTRY = Code(2, "an ISO 3166-1 alpha-2 country code (e.g. CN)")
CURRENCY = Code(3, "an ISO 4217 currency code (e.g. USD)")
CHANNELS = ("GREEN", "YELLOW", "RED")
FINDINGS = ("NONE", "UNDERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION", "QUANTITY",
            "OTHER")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True


# A cross-field rule gets the row's values by column name and yields (column, message).
RowCheck = Callable[[dict[str, Any]], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Small files: the reader itself reports a key seen twice. Declarations: the loader does.
    reader_checks_duplicates: bool
    checks: tuple[RowCheck, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def index(self, name: str) -> int:
        return self.names.index(name)


def _c(name: str, kind: Kind, required: bool = True) -> Column:
    return Column(name, kind, required)


DECLARATIONS = FileSpec(
    name="declarations",
    columns=(
        _c("gd_number", Text(40)),
        _c("item_no", Integer()),
        _c("gd_date", DATE),
        _c("collectorate", Text(16)),
        _c("channel", Choice(CHANNELS)),
        _c("importer_ntn", Text(40)),
        _c("importer_name", Text(255), required=False),
        _c("agent_code", Text(40), required=False),
        _c("hs_code", HS_CODE),
        _c("description", Text(2000, free=True)),
        _c("origin_country", COUNTRY),
        _c("export_country", COUNTRY, required=False),
        _c("quantity", Number(14, 6, positive=True)),
        _c("unit", Text(10)),
        _c("gross_weight_kg", Number(14, 6), required=False),
        _c("currency", CURRENCY),
        _c("invoice_value", Number(16, 3)),
        _c("exchange_rate", Number(12, 6, positive=True)),
        _c("declared_value_pkr", RUPEES),
        _c("assessed_value_pkr", RUPEES),
        _c("cd_pkr", RUPEES),
        _c("rd_pkr", RUPEES),
        _c("acd_pkr", RUPEES),
        _c("st_pkr", RUPEES),
        _c("ast_pkr", RUPEES),
        _c("it_pkr", RUPEES),
        _c("sro_ref", Text(80), required=False),
        _c("fta_code", Text(16), required=False),
    ),
    key=("gd_number", "item_no"),
    reader_checks_duplicates=False,
)

TARIFF = FileSpec(
    name="tariff",
    columns=(
        _c("hs_code", HS_CODE),
        _c("description", Text(2000, free=True)),
        _c("valid_from", DATE),
        *(_c(f"{levy}_rate", PERCENT) for levy in ("cd", "rd", "acd", "st", "ast", "it")),
    ),
    key=("hs_code", "valid_from"),
    reader_checks_duplicates=True,
)

PREFERENTIAL = FileSpec(
    name="preferential",
    columns=(
        _c("fta_code", Text(16)),
        _c("origin_country", COUNTRY),
        _c("hs_code", HS_CODE),
        _c("valid_from", DATE),
        _c("cd_rate", PERCENT),
    ),
    key=("fta_code", "origin_country", "hs_code", "valid_from"),
    reader_checks_duplicates=True,
)


def _no_levy_without_finding(row: dict[str, Any]) -> Iterable[tuple[str, str]]:
    if row["finding"] == "NONE" and row["short_levy_pkr"] != 0:
        yield "short_levy_pkr", "must be 0 when finding is NONE"


OUTCOMES = FileSpec(
    name="outcomes",
    columns=(
        _c("gd_number", Text(40)),
        _c("item_no", Integer()),
        _c("audit_date", DATE),
        _c("finding", Choice(FINDINGS)),
        _c("short_levy_pkr", RUPEES),
    ),
    key=("gd_number", "item_no"),
    reader_checks_duplicates=True,
    checks=(_no_levy_without_finding,),
)

SPECS = {spec.name: spec for spec in (DECLARATIONS, TARIFF, PREFERENTIAL, OUTCOMES)}
