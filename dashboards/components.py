"""Layout pieces every dashboard uses: the filter bar, figure cards, blocks with exports,
and the drill-down navigation (a click on a chart opens the list of cases behind it)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update
from sqlalchemy import select

from audit_app.db import get_session
from audit_app.models import Collectorate, Directorate
from workflows.clock import local_date

from .access import Viewer, current_viewer
from .filters import FRAUD_KINDS, Filters, period_choices

FILTER_IDS = ("f-period", "f-directorate", "f-collectorate", "f-kind", "f-chapter")
FILTER_INPUTS = [Input(i, "value") for i in FILTER_IDS]


def today() -> dt.date:
    return local_date(dt.datetime.now(dt.timezone.utc))


def default_period() -> str:
    return str(today().year)


def filters_from(*values: Any) -> Filters:
    """Callback inputs (period, directorate, collectorate, kind, chapter) -> checked Filters."""
    period, directorate, collectorate, kind, chapter = values
    return Filters.build(current_viewer(), period or default_period(), directorate,
                         collectorate, kind, chapter)


def _dropdown(id_: str, label: str, options: list[dict[str, str]], value: Any = None,
              clearable: bool = True, disabled: bool = False) -> html.Div:
    return html.Div([html.Label(label, htmlFor=id_),
                     dcc.Dropdown(id=id_, options=options, value=value, clearable=clearable,
                                  disabled=disabled, placeholder="All")])


def layout_viewer() -> Viewer | None:
    """The viewer while serving a page; None when Dash checks the layout at start-up (at import,
    or inside whichever request comes first, e.g. the login)."""
    from flask import has_request_context, request
    if not has_request_context() or not request.path.startswith("/dashboards/"):
        return None
    return current_viewer()


def filter_bar(viewer: Viewer | None) -> html.Div:
    if viewer is None:  # Dash validating the layout at start-up: same ids, no data
        return html.Div(className="filters", children=[
            _dropdown(i, i, []) for i in FILTER_IDS])
    session = get_session()
    directorates = [{"label": f"{d.code} · {d.name}", "value": d.code}
                    for d in session.scalars(select(Directorate).order_by(Directorate.code))]
    collectorates = select(Collectorate).order_by(Collectorate.code)
    if not viewer.sees_all:
        collectorates = collectorates.where(Collectorate.directorate_code == viewer.directorate)
        directorates = [d for d in directorates if d["value"] == viewer.directorate] or [
            {"label": str(viewer.directorate), "value": str(viewer.directorate)}]
    return html.Div(className="filters", children=[
        _dropdown("f-period", "Period", period_choices(today()), default_period(),
                  clearable=False),
        _dropdown("f-directorate", "Directorate", directorates,
                  None if viewer.sees_all else viewer.directorate,
                  disabled=not viewer.sees_all),
        _dropdown("f-collectorate", "Collectorate",
                  [{"label": f"{c.code} · {c.name}", "value": c.code}
                   for c in session.scalars(collectorates)]),
        _dropdown("f-kind", "Fraud kind",
                  [{"label": k.title(), "value": k} for k in FRAUD_KINDS]),
        _dropdown("f-chapter", "PCT chapter",
                  [{"label": f"Chapter {n:02d}", "value": f"{n:02d}"} for n in range(1, 98)]),
    ])


def kpi(id_: str, label: str) -> html.Div:
    return html.Div(className="kpi", children=[
        html.Div(label, className="label"), html.Div(id=f"{id_}-value", className="value"),
        html.Div(id=f"{id_}-note", className="note")])


def block(title: str, body: Any, *, table: str | None = None, slug: str = "",
          hint: str | None = None) -> html.Div:
    head: list[Any] = []
    if table:
        head.append(html.Span(className="exports", children=[
            html.A("CSV", id=f"export-{table}-csv", href=f"/dashboards/export/{slug}/{table}.csv"),
            html.A("Excel", id=f"export-{table}-xlsx",
                   href=f"/dashboards/export/{slug}/{table}.xlsx")]))
    head.append(html.H2(title))
    if hint:
        head.append(html.Div(hint, className="drill-hint"))
    return html.Div(className="block", children=[*head, body])


def graph(id_: str) -> dcc.Graph:
    return dcc.Graph(id=id_, config={"displaylogo": False, "responsive": True},
                     style={"height": "320px"})


def export_outputs(tables: list[str]) -> list[Output]:
    return [Output(f"export-{t}-{fmt}", "href") for t in tables for fmt in ("csv", "xlsx")]


def export_hrefs(slug: str, tables: list[str], f: Filters) -> list[str]:
    qs = f.query_string()
    return [f"/dashboards/export/{slug}/{t}.{fmt}?{qs}" for t in tables for fmt in ("csv", "xlsx")]


def drill_href(slug: str, source: str, key: Any, f: Filters) -> str:
    return f"/dashboards/cases?{f.query_string(dashboard=slug, source=source, key=str(key))}"


def register_drilldown(dash_app: Any, slug: str, graphs: list[str]) -> None:
    """A click on a point of one of `graphs` opens the cases behind it. The point carries its
    drill key as customdata; the graph's id names the source."""

    @dash_app.callback(Output("drill-nav", "href"),
                       [Input(g, "clickData") for g in graphs],
                       [State(i, "value") for i in FILTER_IDS], prevent_initial_call=True)
    def _drill(*args: Any) -> Any:
        clicks, values = args[:len(graphs)], args[len(graphs):]
        return drill_from_click(slug, ctx.triggered_id, dict(zip(graphs, clicks)), *values)


def drill_from_click(slug: str, source: str | None, clicks: dict[str, Any], *values: Any) -> Any:
    click = clicks.get(source or "")
    if not click or not click.get("points"):
        return no_update
    point = click["points"][0]
    key = point.get("customdata")
    if isinstance(key, list):
        key = key[0]
    if key is None:
        return no_update
    return drill_href(slug, str(source), key, filters_from(*values))


def navigation() -> dcc.Location:
    return dcc.Location(id="drill-nav", refresh=True)
