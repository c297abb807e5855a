"""Risk effectiveness callbacks."""
from __future__ import annotations

from typing import Any

from dash import Output

from audit_app.db import get_session

from ..components import (FILTER_INPUTS, drill_href, export_hrefs, export_outputs, filters_from,
                          register_drilldown)
from ..tables import to_html
from . import queries
from .layout import GRAPHS, SLUG, TABLES
from .tables import coverage_table, models_table, rules_table, selection_table

OUTPUTS = [
    Output("risk-coverage-value", "children"), Output("risk-coverage-note", "children"),
    Output("risk-risk-value", "children"), Output("risk-random-value", "children"),
    Output("risk-drift-value", "children"), Output("risk-drift-note", "children"),
    Output("risk-computed", "children"),
    Output("risk-rules", "figure"), Output("risk-selection", "figure"),
    Output("risk-coverage", "figure"), Output("risk-drift", "figure"),
    Output("risk-rules-table", "children"), Output("risk-models-table", "children"),
]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _layout(**extra: Any) -> dict[str, Any]:
    return {"margin": {"l": 50, "r": 10, "t": 10, "b": 60}, "legend": {"orientation": "h"},
            "font": {"family": "sans-serif", "size": 12}, **extra}


def rules_figure(m: queries.Monitoring) -> dict[str, Any]:
    rules = [r for r in m.rules if r.audited]
    random = m.selection.get("random")
    data: list[dict[str, Any]] = [{
        "type": "bar", "name": "Rule", "x": [r.key for r in rules],
        "y": [round((r.hit_rate or 0) * 100, 1) for r in rules], "customdata": [r.key for r in rules],
        "marker": {"color": "#2b6cb0"}}]
    shapes = []
    if random is not None and random.hit_rate is not None:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1,
                       "y0": random.hit_rate * 100, "y1": random.hit_rate * 100,
                       "line": {"color": "#b83232", "dash": "dash"}})
    return {"data": data, "layout": _layout(yaxis={"title": "hit rate %", "rangemode": "tozero"},
                                            shapes=shapes)}


def selection_figure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"data": [{"type": "bar", "x": [r["basis"] for r in rows],
                      "y": [round((r["hit_rate"] or 0) * 100, 1) for r in rows],
                      "text": [f"{r['with_finding']}/{r['cases']}" for r in rows],
                      "customdata": [r["basis"] for r in rows], "marker": {"color": "#1f6b3a"}}],
            "layout": _layout(yaxis={"title": "hit rate %", "rangemode": "tozero"})}


def coverage_figure(data: dict[str, dict[str, int]]) -> dict[str, Any]:
    months = list(data)
    return {"data": [{"type": "bar", "x": months,
                      "y": [round(100 * v["audited"] / v["cleared"], 2) if v["cleared"] else 0
                            for v in data.values()],
                      "text": [f"{v['audited']}/{v['cleared']}" for v in data.values()],
                      "customdata": months, "marker": {"color": "#7a5d06"}}],
            "layout": _layout(yaxis={"title": "% of declarations", "rangemode": "tozero"})}


def drift_figure(m: queries.Monitoring) -> dict[str, Any]:
    return {"data": [{"type": "scatter", "mode": "lines+markers", "x": [d["run"] for d in m.drift],
                      "y": [d["psi"] for d in m.drift], "marker": {"color": "#2b6cb0"}}],
            "layout": _layout(yaxis={"title": "PSI", "rangemode": "tozero"}, shapes=[
                {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y,
                 "line": {"color": c, "dash": "dot"}} for y, c in ((0.1, "#7a5d06"), (0.25, "#b83232"))])}


def update(*values: Any) -> list[Any]:
    f = filters_from(*values)
    session = get_session()
    m = queries.monitoring(session)
    selection = queries.selection_by_basis(session, f)
    trend = queries.coverage(session, f)
    if f.window.start.day == 1:  # whole months: the window's are the trend's last months
        cover = {m: trend[m] for m in f.window.months}
    else:
        cover = queries.coverage(session, f, f.window)
    cleared = sum(v["cleared"] for v in cover.values())
    audited = sum(v["audited"] for v in cover.values())
    basis = {r["basis"]: r for r in selection}
    last = m.drift[-1] if m.drift else None
    rows = lambda t: (lambda r: drill_href(SLUG, t, r["_drill"], f))  # noqa: E731
    return [
        _pct(audited / cleared if cleared else None),
        f"{audited:,} of {cleared:,} declarations cleared in {f.window.label}",
        _pct(basis.get("risk", {}).get("hit_rate")), _pct(basis.get("random", {}).get("hit_rate")),
        "–" if last is None or last["psi"] is None else f"{last['psi']:.3f}",
        "" if last is None else f"{last['label']} ({last['run']})",
        ("Rule and model figures: whole administration, last computed "
         f"{m.computed_at:%Y-%m-%d %H:%M} UTC by pca risk monitor." if m.computed_at else
         "Rule and model figures appear after the first `pca risk monitor`."),
        rules_figure(m), selection_figure(selection), coverage_figure(trend), drift_figure(m),
        to_html(rules_table(m), rows("risk-rules")), to_html(models_table(m), rows("risk-models")),
        *export_hrefs(SLUG, TABLES, f),
    ]


def register(dash_app: Any) -> None:
    dash_app.callback(OUTPUTS + export_outputs(TABLES), FILTER_INPUTS)(update)
    register_drilldown(dash_app, SLUG, GRAPHS)


__all__ = ["register", "update", "coverage_table", "selection_table"]
