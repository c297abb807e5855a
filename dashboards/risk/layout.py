"""Risk effectiveness dashboard page."""
from __future__ import annotations

from dash import html

from ..components import block, layout_viewer, filter_bar, graph, kpi, navigation

SLUG = "risk"
TABLES = ["rules", "models", "selection", "coverage"]
GRAPHS = ["risk-rules", "risk-selection", "risk-coverage"]


def layout() -> html.Div:
    viewer = layout_viewer()
    return html.Div([
        navigation(),
        html.H1("Risk effectiveness"),
        filter_bar(viewer),
        html.Div(className="kpis", children=[
            kpi("risk-coverage", "Coverage of clearances"), kpi("risk-risk", "Hit rate, risk-selected"),
            kpi("risk-random", "Hit rate, random share"), kpi("risk-drift", "Score drift (PSI)")]),
        html.Div(id="risk-computed", className="muted"),
        html.Div(className="grid2", children=[
            block("Hit rate per rule against the random share", graph("risk-rules"),
                  hint="Audited items the rule flagged that had a finding. Click a bar for the cases."),
            block("Cases opened per selection basis", graph("risk-selection"), table="selection",
                  slug=SLUG, hint="Hit rate of cases opened in the period. Click a bar for the cases."),
        ]),
        block("Rules: hit rate and yield", html.Div(id="risk-rules-table"), table="rules", slug=SLUG),
        block("Model versions", html.Div(id="risk-models-table"), table="models", slug=SLUG),
        html.Div(className="grid2", children=[
            block("Coverage of clearances per month", graph("risk-coverage"), table="coverage",
                  slug=SLUG, hint="Declarations with an item under audit. Click a bar for the cases."),
            block("Score drift between scoring runs", graph("risk-drift"),
                  hint="Population stability index: under 0.1 stable, 0.1-0.25 moderate, over 0.25 major."),
        ]),
    ])
