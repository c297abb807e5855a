"""Revenue recovery callbacks."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from dash import Input, Output, State, ctx

from audit_app.db import get_session
from audit_app.web import rupees

from ..components import (FILTER_IDS, FILTER_INPUTS, drill_from_click, drill_href, export_hrefs,
                          export_outputs, filters_from)
from ..tables import to_html
from . import queries
from .layout import GRAPHS, SLUG, TABLES
from .tables import arrears_table, breakdown_table, top_table

OUTPUTS = [
    *(Output(f"rev-{k}-value", "children") for k in
      ("detected", "adjudged", "recovered", "rate", "outstanding", "stayed")),
    *(Output(f"rev-{k}-note", "children") for k in ("detected", "adjudged", "recovered")),
    Output("rev-funnel", "figure"), Output("rev-trend", "figure"),
    Output("rev-breakdown", "figure"), Output("rev-breakdown-table", "children"),
    Output("rev-arrears", "figure"), Output("rev-top-table", "children"),
]


def _layout(**extra: Any) -> dict[str, Any]:
    return {"margin": {"l": 70, "r": 10, "t": 10, "b": 40}, "legend": {"orientation": "h"},
            "font": {"family": "sans-serif", "size": 12}, "separators": ".,", **extra}


def _num(value: Decimal | None) -> float:
    return float(value or 0)


def funnel_figure(stages: list[queries.Stage]) -> dict[str, Any]:
    return {"data": [{"type": "funnel", "y": [s.label for s in stages],
                      "x": [_num(s.amount) for s in stages],
                      "text": [f"{rupees(s.amount)} · {s.cases} cases" for s in stages],
                      "textinfo": "text", "customdata": [s.account for s in stages],
                      "marker": {"color": "#1f6b3a"}}], "layout": _layout()}


def trend_figure(data: dict[str, dict[str, Any]]) -> dict[str, Any]:
    months = list(data)
    traces: list[dict[str, Any]] = [
        {"type": "bar", "name": label, "x": months, "y": [_num(data[m][account]) for m in months],
         "customdata": [f"{account}:{m}" for m in months], "marker": {"color": colour}}
        for (account, label), colour in zip(queries.TREND, ("#9db4d3", "#2b6cb0", "#1f6b3a"))]
    if any(data[m].get("target") is not None for m in months):
        traces.append({"type": "scatter", "mode": "lines+markers", "name": "Recovery target",
                       "x": months, "y": [None if data[m].get("target") is None
                                          else _num(data[m]["target"]) for m in months],
                       "line": {"color": "#b83232", "dash": "dash"}})
    return {"data": traces, "layout": _layout(barmode="group", yaxis={"title": "Rs"})}


def breakdown_figure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    rows = rows[:20]
    return {"data": [
        {"type": "bar", "name": name, "x": [r["value"] for r in rows],
         "y": [_num(r[key]) for r in rows], "customdata": [r["_drill"] for r in rows],
         "marker": {"color": colour}}
        for key, name, colour in (("detected", "Detected", "#9db4d3"),
                                  ("demanded", "Upheld on appeal", "#2b6cb0"),
                                  ("paid", "Recovered", "#1f6b3a"))],
        "layout": _layout(barmode="group", yaxis={"title": "Rs"})}


def arrears_figure(buckets: list[queries.AgeBucket]) -> dict[str, Any]:
    labels = [b.label for b in buckets]
    return {"data": [
        {"type": "bar", "name": "Outstanding", "x": labels, "y": [_num(b.outstanding) for b in buckets],
         "customdata": labels, "marker": {"color": "#b83232"}},
        {"type": "bar", "name": "Stayed", "x": labels, "y": [_num(b.stayed) for b in buckets],
         "customdata": labels, "marker": {"color": "#7a5d06"}}],
        "layout": _layout(barmode="stack", yaxis={"title": "Rs"})}


def _versus(current: Decimal, previous: Decimal, target: Decimal | None = None) -> str:
    parts = []
    if target:
        parts.append(f"{current / target * 100:.0f}% of target {rupees(target)}")
    if previous:
        change = (current - previous) / abs(previous) * 100
        parts.append(f"{change:+.0f}% on the previous period")
    elif current:
        parts.append("nothing in the previous period")
    return "; ".join(parts)


def update(period: Any, directorate: Any, collectorate: Any, kind: Any, chapter: Any,
           dimension: Any = "directorate") -> list[Any]:
    """Every figure of the page for the filters and the breakdown's dimension."""
    f = filters_from(period, directorate, collectorate, kind, chapter)
    session = get_session()
    dimension = dimension or "directorate"
    if dimension == "directorate":  # the default view: one pass for both
        stages, rows = queries.funnel_and_directorates(session, f)
    else:
        stages, rows = queries.funnel(session, f), queries.breakdown(session, f, dimension)
    now = {s.account: s.amount for s in stages}
    before = queries.totals_in(session, f, f.window.previous())
    trend = queries.trend(session, f)
    targets = [trend[m]["target"] for m in f.window.months if m in trend]
    target = sum(targets, Decimal(0)) if targets and all(t is not None for t in targets) else None
    buckets, top = queries.arrears_and_top(session, f)
    demand = now["demanded"]
    exports = export_hrefs(SLUG, TABLES, f)
    exports = [h + f"&dimension={dimension}" if "/breakdown." in h else h for h in exports]
    return [
        rupees(now["detected"]), rupees(now["adjudged"]), rupees(now["paid"]),
        "–" if not demand else f"{now['paid'] / demand * 100:.1f}%",
        rupees(sum((b.outstanding for b in buckets), Decimal(0))),
        rupees(sum((b.stayed for b in buckets), Decimal(0))),
        _versus(now["detected"], before["detected"]), _versus(now["adjudged"], before["adjudged"]),
        _versus(now["paid"], before["paid"], target),
        funnel_figure(stages), trend_figure(trend), breakdown_figure(rows),
        to_html(breakdown_table(rows, dimension or "directorate"),
                lambda r: drill_href(SLUG, "rev-breakdown", r["_drill"], f)),
        arrears_figure(buckets),
        to_html(top_table(top), lambda r: f"/cases/{r['id']}"),
        *exports,
    ]


def register(dash_app: Any) -> None:
    dash_app.callback(OUTPUTS + export_outputs(TABLES),
                      [*FILTER_INPUTS, Input("rev-dimension", "value")])(update)

    @dash_app.callback(Output("drill-nav", "href"), [Input(g, "clickData") for g in GRAPHS],
                       [*(State(i, "value") for i in FILTER_IDS)], prevent_initial_call=True)
    def _drill(*args: Any) -> Any:
        clicks, values = args[:len(GRAPHS)], args[len(GRAPHS):]
        return drill_from_click(SLUG, ctx.triggered_id, dict(zip(GRAPHS, clicks)), *values)
