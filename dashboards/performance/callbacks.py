"""Performance callbacks: one updates every figure from the filters; clicks drill down."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dash import Output

from audit_app.db import get_session
from audit_app.web import rupees

from ..components import (FILTER_INPUTS, drill_href, export_hrefs, export_outputs, filters_from,
                          register_drilldown)
from ..filters import Filters
from ..tables import to_html
from . import queries
from .layout import GRAPHS, SLUG, TABLES
from .tables import (appeals_table, directorates_table, officers_table, stages_table,
                     time_limits_table)

OUTPUTS = [
    *(Output(f"perf-{k}-value", "children") for k in
      ("started", "completed", "closed", "hit", "conversion", "detected")),
    Output("perf-hit-note", "children"),
    Output("perf-intime-value", "children"), Output("perf-intime-note", "children"),
    Output("perf-timebar-value", "children"), Output("perf-timelimits", "children"),
    Output("perf-monthly", "figure"), Output("perf-directorates", "figure"),
    Output("perf-officers", "figure"), Output("perf-stages", "children"),
    Output("perf-officers-table", "children"), Output("perf-appeals", "children"),
]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def monthly_figure(data: dict[str, dict[str, int]]) -> dict[str, Any]:
    months = list(data)
    traces = []
    for measure, colour in (("started", "#2b6cb0"), ("completed", "#1f6b3a"), ("closed", "#7a5d06")):
        traces.append({"type": "bar", "name": measure.title(), "x": months,
                       "y": [data[m][measure] for m in months], "marker": {"color": colour},
                       "customdata": [f"{measure}:{m}" for m in months]})
    return {"data": traces, "layout": _layout(barmode="group")}


def directorates_figure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"data": [{"type": "bar", "x": [r["directorate"] for r in rows],
                      "y": [round((r["hit_rate"] or 0) * 100, 1) for r in rows],
                      "text": [f"{r['with_finding']}/{r['completed']}" for r in rows],
                      "customdata": [r["_drill"] or "-" for r in rows],
                      "marker": {"color": "#1f6b3a"}}],
            "layout": _layout(yaxis={"title": "hit rate %", "rangemode": "tozero"})}


def officers_figure(officers: list[queries.Officer]) -> dict[str, Any]:
    busy = [o for o in officers if o.open_tasks][:20]
    names = [o.name for o in busy]
    ids = [o.user_id for o in busy]
    return {"data": [
        {"type": "bar", "orientation": "h", "name": "On time", "y": names,
         "x": [o.open_tasks - o.overdue for o in busy], "customdata": ids,
         "marker": {"color": "#2b6cb0"}},
        {"type": "bar", "orientation": "h", "name": "Overdue", "y": names,
         "x": [o.overdue for o in busy], "customdata": ids, "marker": {"color": "#b83232"}}],
        "layout": _layout(barmode="stack", yaxis={"autorange": "reversed"})}


def _layout(**extra: Any) -> dict[str, Any]:
    return {"margin": {"l": 50, "r": 10, "t": 10, "b": 40}, "legend": {"orientation": "h"},
            "font": {"family": "sans-serif", "size": 12}, **extra}


def update(*values: Any) -> list[Any]:
    """Every figure of the page for the filters (period, directorate, collectorate, kind,
    chapter), then the export links."""
    f = filters_from(*values)
    session = get_session()
    completed = queries.completed_groups(session, f)  # one pass for the three below
    counts = queries.opened_and_closed(session, f)  # one pass for these two
    head = queries.headline(session, f, completed, counts)
    monthly = queries.monthly(session, f, counts)
    directorates = queries.by_directorate(session, f, completed)
    officers = queries.workload(session, f, dt.datetime.now(dt.timezone.utc), completed)
    stages = queries.stage_days(session, f)
    risk = queries.time_limits(session, f)
    return [
        f"{head.started:,}", f"{head.completed:,}", f"{head.closed:,}", _pct(head.hit_rate),
        _pct(head.conversion), rupees(head.detected_pkr),
        f"{head.with_finding:,} of {head.completed:,} with a short levy",
        _pct(risk.in_time_share),
        f"{risk.orders_in_time:,} of {risk.orders:,} orders in the period; "
        f"{risk.time_barred:,} time-barred",
        f"{risk.windows[0][1]:,}", to_html(time_limits_table(risk)),
        monthly_figure(monthly), directorates_figure(directorates), officers_figure(officers),
        to_html(stages_table(stages)),
        to_html(officers_table(officers), lambda r: drill_href(SLUG, "perf-officers", r["_drill"], f)),
        to_html(appeals_table(queries.appeal_outcomes(session, f))),
        *export_hrefs(SLUG, TABLES, f),
    ]


def register(dash_app: Any) -> None:
    dash_app.callback(OUTPUTS + export_outputs(TABLES), FILTER_INPUTS)(update)
    register_drilldown(dash_app, SLUG, GRAPHS)


__all__ = ["register", "update", "Filters", "Decimal"]
