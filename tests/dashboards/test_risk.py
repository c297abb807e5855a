"""Risk effectiveness dashboard: callback output for given filters against counts made here."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask
from sqlalchemy import func, select

from audit_app.models import Declaration, RiskMonitor, Role
from dashboards.access import Viewer
from dashboards.filters import Filters
from dashboards.risk import callbacks, drill, queries
from tests.dashboards.data import Cases3, as_user, cases3, user, world  # noqa: F401
from tests.factories import make_declaration, make_importer


def test_coverage_selection_and_rules(app: Flask, cases3: Cases3, make_user) -> None:  # noqa: F811
    s = cases3.world.session
    make_declaration(s, importer=make_importer(s), items=2, gd_date=dt.date(2025, 3, 20))
    s.add(RiskMonitor(subject_type="rule", subject_key="VAL-LOW", period_from=dt.date(2025, 1, 1),
                      period_to=dt.date(2025, 12, 31), selected=40, audited=10, hits=4,
                      yield_pkr=Decimal("500000"), details={"name": "Low unit value", "fraud_kind": "UNDERVALUATION",
                                                            "baseline_hit_rate": 0.2}))
    s.commit()
    cleared = s.scalar(select(func.count(Declaration.id)))
    make_user(Role.MANAGEMENT, username="boss")
    ctx = as_user(app, user(cases3.world, "boss"))
    try:
        out = callbacks.update("2025", None, None, None, None)
        opened = callbacks.update("2026", None, None, None, None)
    finally:
        ctx.pop()
    assert cleared == 4
    assert out[0] == "75.0%" and out[1].startswith("3 of 4 declarations")
    assert opened[2] == "33.3%"  # risk-selected cases opened in 2026: 1 of 3 with a short levy
    rules = out[7]["data"][0]
    assert rules["x"] == ["VAL-LOW"] and rules["y"] == [40.0]
    table = str(out[11])
    assert "VAL-LOW" in table and "Rs 500,000" in table and "Rs 50,000" in table


def test_drill_of_selection_basis(cases3: Cases3) -> None:  # noqa: F811
    s = cases3.world.session
    f = Filters.build(Viewer(0, "boss", None), "2026")
    ids = set(s.scalars(drill(s, f, "risk-selection", "risk").case_ids))
    assert ids == {cases3.hit.id, cases3.clean.id, cases3.north.id}
    ids = set(s.scalars(drill(s, f, "risk-coverage", "2025-03").case_ids))
    assert ids == {cases3.hit.id, cases3.clean.id, cases3.north.id}
    assert queries.selection_by_basis(s, f)[0]["detected"] == Decimal("278696")
