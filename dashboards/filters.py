"""The filters every dashboard shares: period, directorate, collectorate, fraud kind and PCT
chapter, parsed once from a callback's inputs or a URL's query string, and turned into SQL.

A case matches a collectorate, chapter or fraud kind when any of its items does (its
declaration's collectorate, the item's first two HS digits, a kind of the item's finding), as
kept per case in `case_fact_tags`.
Periods are calendar periods in Pakistan time: `2026-10`, `2026-Q3`, `2026`, or
`2026-01-01..2026-06-30`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, replace
from typing import Any, Mapping
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, select

from audit_app.errors import ValidationFailed
from audit_app.models import AuditCase, CaseFactTag
from workflows.clock import PKT

from .access import Viewer

FRAUD_KINDS = ("UNDERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION", "QUANTITY",
               "OTHER")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date  # first day
    end: dt.date  # last day (inclusive)

    @property
    def start_utc(self) -> dt.datetime:
        return _midnight_utc(self.start)

    @property
    def end_utc(self) -> dt.datetime:
        """The instant after the period (exclusive bound)."""
        return _midnight_utc(self.end + dt.timedelta(days=1))

    @property
    def months(self) -> list[str]:
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def previous(self) -> Period:
        """The period of the same kind just before (month, quarter, year, or range length)."""
        if _MONTH.match(self.label):
            return parse_period((self.start - dt.timedelta(days=1)).strftime("%Y-%m"))
        if m := _QUARTER.match(self.label):
            year, q = int(m[1]), int(m[2])
            return parse_period(f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}")
        if _YEAR.match(self.label):
            return parse_period(str(self.start.year - 1))
        length = self.end - self.start
        end = self.start - dt.timedelta(days=1)
        return parse_period(f"{end - length}..{end}")

    def trailing_months(self, count: int = 12) -> Period:
        """At least `count` whole months ending with this period's last month, for trends."""
        if len(self.months) >= count:
            return self
        year, month = self.end.year, self.end.month - (count - 1)
        while month < 1:
            year, month = year - 1, month + 12
        return Period(f"{count} months to {self.end:%Y-%m}", dt.date(year, month, 1), self.end)


def _midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=PKT).astimezone(dt.timezone.utc)


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_period(text: str) -> Period:
    text = (text or "").strip()
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return Period(text, dt.date(year, month, 1), _month_end(year, month))
    elif m := _QUARTER.match(text):
        year, q = int(m[1]), int(m[2])
        return Period(text, dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
    elif m := _YEAR.match(text):
        year = int(m[1])
        return Period(text, dt.date(year, 1, 1), dt.date(year, 12, 31))
    elif m := _RANGE.match(text):
        try:
            start, end = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        except ValueError:
            start = end = None  # type: ignore[assignment]
        if start and end and start <= end:
            return Period(text, start, end)
    raise ValidationFailed("Unknown period.", {
        "period": "a month (2026-10), a quarter (2026-Q3), a year (2026) or "
                  "a range (2026-01-01..2026-06-30)"})


def period_choices(today: dt.date, years: int = 3) -> list[dict[str, str]]:
    """Dropdown options, most recent first: this year, its quarters and months, then earlier."""
    out = []
    for year in range(today.year, today.year - years, -1):
        out.append({"label": f"{year} (year)", "value": str(year)})
        for q in range(4, 0, -1):
            if dt.date(year, 3 * q - 2, 1) <= today:
                out.append({"label": f"{year} Q{q}", "value": f"{year}-Q{q}"})
        for month in range(12, 0, -1):
            if dt.date(year, month, 1) <= today:
                out.append({"label": dt.date(year, month, 1).strftime("%B %Y"),
                            "value": f"{year}-{month:02d}"})
    return out


@dataclass(frozen=True)
class Filters:
    period: str
    directorate: str | None = None
    collectorate: str | None = None
    fraud_kind: str | None = None
    chapter: str | None = None

    @classmethod
    def build(cls, viewer: Viewer, period: str | None, directorate: str | None = None,
              collectorate: str | None = None, fraud_kind: str | None = None,
              chapter: str | None = None) -> Filters:
        """Validated filters, narrowed to what the viewer may see."""
        errors = {}
        if fraud_kind and fraud_kind not in FRAUD_KINDS:
            errors["fraud_kind"] = "one of " + ", ".join(FRAUD_KINDS)
        if chapter and not re.fullmatch(r"\d{2}", chapter):
            errors["chapter"] = "two digits, e.g. 84"
        if errors:
            raise ValidationFailed("Unknown filter value.", errors)
        parse_period(period or "")  # raises on a bad period
        if not viewer.sees_all:
            directorate = viewer.directorate  # a supervisor's own, whatever was asked
        return cls(period=str(period), directorate=_blank(directorate),
                   collectorate=_blank(collectorate), fraud_kind=_blank(fraud_kind),
                   chapter=_blank(chapter))

    @classmethod
    def from_args(cls, viewer: Viewer, args: Mapping[str, Any], default_period: str) -> Filters:
        return cls.build(viewer, args.get("period") or default_period, args.get("directorate"),
                         args.get("collectorate"), args.get("fraud_kind"), args.get("chapter"))

    @property
    def window(self) -> Period:
        return parse_period(self.period)

    def with_period(self, period: str) -> Filters:
        return replace(self, period=period)

    def query_string(self, **extra: Any) -> str:
        values = {k: v for k, v in asdict(self).items() if v}
        values.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(values)

    def case_conditions(self) -> list[ColumnElement[bool]]:
        """WHERE clauses on AuditCase for every filter but the period. Collectorate, chapter
        and fraud kind are looked up in `case_fact_tags` (one indexed lookup over the cases;
        `services.case_facts` keeps it in step with the items and findings)."""
        out: list[ColumnElement[bool]] = []
        if self.directorate:
            out.append(AuditCase.directorate_code == self.directorate)
        return out + self._tag_conditions(AuditCase.id)

    def case_id_conditions(self, case_id: Any) -> list[ColumnElement[bool]]:
        """The same filters as WHERE clauses on another table's case id (a ledger entry's, an
        event's, a task's): a tag filter is `case_id IN (the tag's cases)` straight from
        `case_fact_tags`, without going through the cases, which PostgreSQL joins as one
        small hashed set instead of a lookup per entry; the directorate goes through the
        cases (its index)."""
        out: list[ColumnElement[bool]] = []
        if self.directorate:
            out.append(case_id.in_(select(AuditCase.id)
                                   .where(AuditCase.directorate_code == self.directorate)))
        return out + self._tag_conditions(case_id)

    def _tag_conditions(self, case_id: Any) -> list[ColumnElement[bool]]:
        return [case_id.in_(select(CaseFactTag.case_id).where(
                    CaseFactTag.dimension == dimension, CaseFactTag.value == value))
                for dimension, value in (("collectorate", self.collectorate),
                                         ("chapter", self.chapter),
                                         ("fraud_kind", self.fraud_kind)) if value]


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
