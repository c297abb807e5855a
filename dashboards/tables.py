"""Tables shown on the dashboards, and the same rows exported as CSV or Excel.

A table's cells hold Python values (Decimal amounts, dates, ints); the page formats them and
the exports keep them as numbers, so a spreadsheet can add them up.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from audit_app.web import rupees


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | rupees | percent | days | date


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    # key of the column whose cell links to the cases behind the row, and how to find them
    drill: str | None = None

    def column(self, key: str) -> list[Any]:
        return [r.get(key) for r in self.rows]


def cell_text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "rupees":
        return rupees(value)
    if kind == "percent":
        return f"{float(value) * 100:.1f}%"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "days":
        return f"{float(value):.0f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def to_html(table: Table, drill_href: Any = None) -> dict[str, Any]:
    """The table as Dash sends an `html.Table` to the browser; `drill_href(row)` gives the link
    of the row's drill-down cell.

    Written straight in Dash's JSON form ({"props", "type", "namespace"}, what
    `Component.to_plotly_json()` returns), not as `html.Td` objects: a callback's tables are
    about 65 components, and building then serializing them was a fifth of the callback's CPU.
    A test checks the form against Dash's own components."""
    head = _el("Thead", _el("Tr", [_el("Th", c.label, className=_align(c))
                                   for c in table.columns]))
    body = []
    for row in table.rows:
        cells = []
        for c in table.columns:
            text = cell_text(row.get(c.key), c.kind)
            if drill_href is not None and c.key == table.drill and row.get("_drill") is not None:
                cells.append(_el("Td", _el("A", text or "(none)", href=drill_href(row)),
                                 className=_align(c)))
            else:
                cells.append(_el("Td", text, className=_align(c)))
        body.append(_el("Tr", cells))
    if not body:
        body = [_el("Tr", _el("Td", "No cases match these filters.", colSpan=len(table.columns),
                              className="muted"))]
    return _el("Table", [head, _el("Tbody", body)], id=f"table-{table.name}", className="data")


def _el(kind: str, children: Any, **props: Any) -> dict[str, Any]:
    """An element of `dash.html` (`kind`: Table, Tr, Td, A...) in the JSON form Dash sends."""
    return {"props": {"children": children, **props}, "type": kind,
            "namespace": "dash_html_components"}


def _align(column: Column) -> str:
    return "num" if column.kind in ("int", "rupees", "percent", "days") else ""


def _plain(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "rupees":
        return Decimal(value).quantize(Decimal("0.01"))
    if kind == "percent":
        return round(float(value), 6)
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if (v := _plain(row.get(c.key), c.kind)) is None else v
                         for c in table.columns])
    return out.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 CSV with the BOM


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append([c.label for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = {"rupees": "#,##0", "percent": "0.0%", "int": "#,##0", "days": "0",
               "date": "yyyy-mm-dd"}
    for row in table.rows:
        sheet.append([_plain(row.get(c.key), c.kind) for c in table.columns])
    for index, column in enumerate(table.columns, start=1):
        fmt = formats.get(column.kind)
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.label) + 4))
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
