"""Performance dashboard page."""
from __future__ import annotations

from dash import html

from ..components import block, layout_viewer, filter_bar, graph, kpi, navigation

SLUG = "performance"
TABLES = ["stages", "officers", "directorates", "appeals"]
GRAPHS = ["perf-monthly", "perf-directorates", "perf-officers"]


def layout() -> html.Div:
    viewer = layout_viewer()
    return html.Div([
        navigation(),
        html.H1("Performance"),
        filter_bar(viewer),
        html.Div(className="kpis", children=[
            kpi("perf-started", "Audits started"), kpi("perf-completed", "Audits completed"),
            kpi("perf-closed", "Cases closed"), kpi("perf-hit", "Hit rate"),
            kpi("perf-conversion", "Conversion to contravention"),
            kpi("perf-detected", "Detected in completed audits"),
            kpi("perf-intime", "Orders within the statutory limit"),
            kpi("perf-timebar", "At risk of time-bar in 30 days")]),
        html.Div(className="grid2", children=[
            block("Audits per month", graph("perf-monthly"),
                  hint="Started, completed (observation issued) and closed. Click a bar for its cases."),
            block("Hit rate by directorate", graph("perf-directorates"), table="directorates",
                  slug=SLUG, hint="Completed audits with a short levy. Click a bar for its cases."),
        ]),
        html.Div(className="grid2", children=[
            block("Days between stages", html.Div(id="perf-stages"), table="stages", slug=SLUG,
                  hint="Median and 90th percentile, for the stage's end in the period."),
            block("Orders due: time-bar risk", html.Div(id="perf-timelimits"),
                  hint="Adjudications without an order whose 120-day limit (150 with the "
                       "extension) ends within 30, 60 or 90 days from today."),
        ]),
        block("Appeal outcomes by forum", html.Div(id="perf-appeals"), table="appeals", slug=SLUG,
              hint="Decisions made in the period by ADR committees and appellate forums."),
        html.Div(className="grid2", children=[
            block("Workload and results per officer", html.Div(id="perf-officers-table"),
                  table="officers", slug=SLUG),
            block("Open tasks per officer", graph("perf-officers"),
                  hint="Overdue tasks in red. Click a bar for the officer's cases."),
        ]),
    ])
