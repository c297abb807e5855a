"""The dashboards' tables: written in Dash's JSON form directly (not as `html.*` components),
they must be exactly what Dash's own components would send, so the browser renders the same."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from dash import html
from plotly.io.json import to_json_plotly

from dashboards.tables import Column, Table, cell_text, to_html

COLUMNS = [Column("officer", "Officer"), Column("cases", "Cases", "int"),
           Column("amount", "Short levy", "rupees"), Column("share", "Share", "percent"),
           Column("since", "Since", "date")]


def _with_components(table: Table, drill_href=None) -> html.Table:  # type: ignore[no-untyped-def]
    """The same table built from Dash's components, as the dashboards first did."""
    def align(c: Column) -> str:
        return "num" if c.kind in ("int", "rupees", "percent", "days") else ""
    head = html.Thead(html.Tr([html.Th(c.label, className=align(c)) for c in table.columns]))
    body = []
    for row in table.rows:
        cells = []
        for c in table.columns:
            text = cell_text(row.get(c.key), c.kind)
            if drill_href is not None and c.key == table.drill and row.get("_drill") is not None:
                cells.append(html.Td(html.A(text or "(none)", href=drill_href(row)),
                                     className=align(c)))
            else:
                cells.append(html.Td(text, className=align(c)))
        body.append(html.Tr(cells))
    if not body:
        body = [html.Tr(html.Td("No cases match these filters.", colSpan=len(table.columns),
                                className="muted"))]
    return html.Table([head, html.Tbody(body)], className="data", id=f"table-{table.name}")


def _sent(value: object) -> object:
    return json.loads(to_json_plotly(value))


def test_a_table_with_drill_links_is_what_dashs_components_send() -> None:
    rows = [{"officer": "Aud <One>", "cases": 1200, "amount": Decimal("278696.40"),
             "share": 0.5, "since": dt.date(2026, 1, 5), "_drill": 7},
            {"officer": None, "cases": 0, "amount": None, "share": None, "since": None,
             "_drill": 8},
            {"officer": "Aud2", "cases": 3, "amount": Decimal("-12.5"), "share": 1,
             "since": dt.date(2026, 2, 1), "_drill": None}]
    table = Table("officers", "Officers", COLUMNS, rows, drill="officer")

    def href(row):  # type: ignore[no-untyped-def]
        return f"/cases/?officer={row['_drill']}"
    assert _sent(to_html(table, href)) == _sent(_with_components(table, href))
    assert _sent(to_html(table)) == _sent(_with_components(table))
    sent = to_json_plotly(to_html(table, href))
    assert "Aud <One>" not in sent  # "<" goes out as \u003c: text, never markup
    assert '"Rs 278,696"' in sent and '"1,200"' in sent and '"(none)"' in sent


def test_an_empty_table_says_no_cases_match() -> None:
    table = Table("stages", "Stages", COLUMNS)
    assert _sent(to_html(table)) == _sent(_with_components(table))
    assert "No cases match these filters." in to_json_plotly(to_html(table))
