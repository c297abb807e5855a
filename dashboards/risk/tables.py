"""Risk effectiveness tables (shown and exported)."""
from __future__ import annotations

from typing import Any

from ..tables import Column, Table
from . import queries

SUBJECT_COLUMNS = [
    Column("selected", "Selected", "int"), Column("audited", "Audited", "int"),
    Column("hits", "With a finding", "int"), Column("hit_rate", "Hit rate", "percent"),
    Column("yield", "Yield", "rupees"), Column("per_audit", "Yield per audited item", "rupees")]


def _subject_row(s: queries.Subject) -> dict[str, Any]:
    return {"key": s.key, "_drill": s.key, "name": s.name, "selected": s.selected,
            "audited": s.audited, "hits": s.hits, "hit_rate": s.hit_rate, "yield": s.yield_pkr,
            "per_audit": s.yield_per_audit, "kind": s.extra.get("fraud_kind"),
            "oos": (s.extra.get("out_of_sample") or {}).get("hit_rate"),
            "baseline": s.baseline}


def rules_table(m: queries.Monitoring) -> Table:
    return Table("rules", "Rules: hit rate and yield", [
        Column("key", "Rule"), Column("name", "Name"), Column("kind", "Fraud kind"),
        *SUBJECT_COLUMNS, Column("baseline", "All audited items", "percent")],
        [_subject_row(s) for s in m.rules], drill="key")


def models_table(m: queries.Monitoring) -> Table:
    return Table("models", "Model versions", [
        Column("key", "Version"), *SUBJECT_COLUMNS,
        Column("oos", "Hit rate after training window", "percent")],
        [_subject_row(s) for s in m.models], drill="key")


def selection_table(rows: list[dict[str, Any]]) -> Table:
    return Table("selection", "Cases opened per selection basis", [
        Column("basis", "Basis"), Column("cases", "Cases opened", "int"),
        Column("with_finding", "With a short levy", "int"), Column("hit_rate", "Hit rate", "percent"),
        Column("detected", "Detected", "rupees"), Column("per_case", "Detected per case", "rupees")],
        rows, drill="basis")


def coverage_table(data: dict[str, dict[str, int]]) -> Table:
    return Table("coverage", "Coverage of clearances", [
        Column("month", "Month (GD date)"), Column("cleared", "Declarations cleared", "int"),
        Column("audited", "With an item under audit", "int"), Column("share", "Coverage", "percent")],
        [{"month": m, "_drill": m, "cleared": v["cleared"], "audited": v["audited"],
          "share": v["audited"] / v["cleared"] if v["cleared"] else None} for m, v in data.items()],
        drill="month")


TABLES = {
    "rules": lambda s, f: rules_table(queries.monitoring(s)),
    "models": lambda s, f: models_table(queries.monitoring(s)),
    "selection": lambda s, f: selection_table(queries.selection_by_basis(s, f)),
    "coverage": lambda s, f: coverage_table(queries.coverage(s, f)),
}
