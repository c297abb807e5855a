"""Revenue recovery tables (shown and exported)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..tables import Column, Table
from . import queries
from .queries import DIMENSIONS


def funnel_table(stages: list[queries.Stage]) -> Table:
    return Table("funnel", "From detection to recovery", [
        Column("label", "Stage"), Column("cases", "Cases", "int"), Column("amount", "Amount", "rupees")],
        [{"label": s.label, "_drill": s.account, "cases": s.cases, "amount": s.amount}
         for s in stages], drill="label")


def trend_table(data: dict[str, dict[str, Any]]) -> Table:
    return Table("trend", "Month by month", [
        Column("month", "Month"), Column("detected", "Detected", "rupees"),
        Column("adjudged", "Adjudged", "rupees"), Column("paid", "Recovered", "rupees"),
        Column("target", "Recovery target", "rupees"), Column("achieved", "Of target", "percent")],
        [{"month": m, **v, "achieved": (v["paid"] / v["target"]) if v.get("target") else None}
         for m, v in data.items()])


def breakdown_table(rows: list[dict[str, Any]], dimension: str) -> Table:
    return Table("breakdown", f"By {DIMENSIONS.get(dimension, 'directorate').lower()}", [
        Column("value", DIMENSIONS.get(dimension, "Directorate")), Column("cases", "Cases", "int"),
        Column("detected", "Detected", "rupees"), Column("adjudged", "Adjudged", "rupees"),
        Column("demanded", "Upheld on appeal", "rupees"), Column("paid", "Recovered", "rupees")],
        rows, drill="value")


def arrears_table(buckets: list[queries.AgeBucket]) -> Table:
    return Table("arrears", "Arrears by age of the demand", [
        Column("label", "Age"), Column("cases", "Cases", "int"),
        Column("outstanding", "Outstanding (recoverable)", "rupees"),
        Column("stayed", "Stayed", "rupees")],
        [{"label": b.label, "_drill": b.label, "cases": b.cases, "outstanding": b.outstanding,
          "stayed": b.stayed} for b in buckets], drill="label")


def top_table(rows: list[dict[str, Any]]) -> Table:
    return Table("top", "Largest cases", [
        Column("case_number", "Case"), Column("importer", "Importer"),
        Column("directorate", "Directorate"), Column("detected", "Detected", "rupees"),
        Column("demanded", "Demand", "rupees"), Column("paid", "Recovered", "rupees"),
        Column("outstanding", "Outstanding", "rupees")], rows, drill="case_number")


TABLES = {
    "funnel": lambda s, f: funnel_table(queries.funnel(s, f)),
    "trend": lambda s, f: trend_table(queries.trend(s, f)),
    "breakdown": lambda s, f: breakdown_table(queries.breakdown(s, f, dimension()), dimension()),
    "arrears": lambda s, f: arrears_table(queries.arrears(s, f)),
    "top": lambda s, f: top_table(queries.top_cases(s, f, 50)),
}



def dimension() -> str:
    """The breakdown's dimension, from the export link's query string."""
    from flask import has_request_context, request
    value = request.args.get("dimension", "") if has_request_context() else ""
    return value if value in DIMENSIONS else "directorate"


__all__ = ["Decimal", "TABLES"]
