"""Revenue recovery dashboard page."""
from __future__ import annotations

from dash import dcc, html

from ..components import block, filter_bar, graph, kpi, layout_viewer, navigation
from .queries import DIMENSIONS

SLUG = "revenue"
TABLES = ["funnel", "trend", "breakdown", "arrears", "top"]
GRAPHS = ["rev-funnel", "rev-trend", "rev-breakdown", "rev-arrears"]


def layout() -> html.Div:
    viewer = layout_viewer()
    return html.Div([
        navigation(),
        html.H1("Revenue recovery"),
        filter_bar(viewer),
        html.Div(className="kpis", children=[
            kpi("rev-detected", "Detected"), kpi("rev-adjudged", "Adjudged"),
            kpi("rev-recovered", "Recovered"), kpi("rev-rate", "Recovery rate"),
            kpi("rev-outstanding", "Outstanding arrears"), kpi("rev-stayed", "Stayed")]),
        html.Div(className="grid2", children=[
            block("From detection to recovery", graph("rev-funnel"), table="funnel", slug=SLUG,
                  hint="Amounts that reached each stage in the period (ledger). Click a stage for its cases."),
            block("Month by month against the recovery target", graph("rev-trend"), table="trend",
                  slug=SLUG, hint="Click a bar for the cases behind it."),
        ]),
        block("Breakdown", html.Div([
            html.Div(className="filters", children=[html.Div([
                html.Label("Break down by", htmlFor="rev-dimension"),
                dcc.Dropdown(id="rev-dimension", clearable=False, value="directorate",
                             options=[{"label": v, "value": k} for k, v in DIMENSIONS.items()])])]),
            graph("rev-breakdown"), html.Div(id="rev-breakdown-table")]),
            table="breakdown", slug=SLUG,
            hint="A case spanning several collectorates, chapters or kinds counts under its largest finding."),
        html.Div(className="grid2", children=[
            block("Arrears by age of the demand", graph("rev-arrears"), table="arrears", slug=SLUG,
                  hint="At the end of the period; stayed amounts apart. Click a bar for its cases."),
            block("Largest cases", html.Div(id="rev-top-table"), table="top", slug=SLUG),
        ]),
    ])
