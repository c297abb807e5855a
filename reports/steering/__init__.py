"""The steering-committee report: headline figures against targets and the previous period,
the funnel, the recovery trend, time-limit risk, the largest cases and a short narrative of
what changed, as a PDF (WeasyPrint) with SVG charts (matplotlib).

The figures are the revenue and performance dashboards' own queries over the ledger and the
cases, for the whole administration, so the report and the dashboards always agree.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from audit_app.web import rupees

from . import charts
from dashboards.performance.timelimits import TimeLimitRisk, time_limit_risk

HERE = Path(__file__).resolve().parent
ZERO = Decimal(0)


@dataclass
class Headline:
    label: str
    current: Any
    previous: Any
    target: Any = None
    kind: str = "rupees"  # rupees | int | percent

    def fmt(self, value: Any) -> str:
        if value is None:
            return "–"
        if self.kind == "rupees":
            return rupees(value)
        if self.kind == "percent":
            return f"{float(value) * 100:.1f}%"
        return f"{int(value):,}"

    @property
    def change(self) -> str:
        if self.current is None or self.previous is None:
            return "–"
        if self.kind == "percent":
            return f"{(float(self.current) - float(self.previous)) * 100:+.1f} points"
        if not self.previous:
            return "new" if self.current else "–"
        return f"{(Decimal(self.current) - Decimal(self.previous)) / abs(Decimal(self.previous)) * 100:+.0f}%"

    @property
    def of_target(self) -> str:
        if not self.target:
            return "–"
        return f"{Decimal(self.current or 0) / Decimal(self.target) * 100:.0f}%"


@dataclass
class SteeringData:
    period_label: str
    period_title: str
    previous_title: str
    start: dt.date
    end: dt.date
    headlines: list[Headline]
    funnel: list[Any]
    trend: dict[str, dict[str, Any]]
    arrears: list[Any]
    top: list[dict[str, Any]]
    time_limits: TimeLimitRisk
    narrative: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """The headline figures as printed, for the archive."""
        return {h.label: {"current": _plain(h.current), "previous": _plain(h.previous),
                          "target": _plain(h.target)} for h in self.headlines}


def _plain(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, Decimal) else value


def title_of(label: str, start: dt.date, end: dt.date) -> str:
    if len(label) == 7 and label[4] == "-" and label[5:].isdigit():
        return start.strftime("%B %Y")
    if "-Q" in label:
        return f"{label[-2:]} {label[:4]} ({start:%B} to {end:%B %Y})"
    if label.isdigit():
        return f"the year {label}"
    return f"{start:%d %B %Y} to {end:%d %B %Y}"


def build(session: Session, period: str, *, today: dt.date | None = None) -> SteeringData:
    from dashboards.access import Viewer
    from dashboards.filters import Filters
    from dashboards.performance import queries as performance
    from dashboards.revenue import queries as revenue

    f = Filters.build(Viewer(0, "steering committee", None), period)
    window, before = f.window, f.window.previous()
    previous = f.with_period(before.label)
    funnel = revenue.funnel(session, f)
    now = {s.account: s.amount for s in funnel}
    then = {s.account: s.amount for s in revenue.funnel(session, previous)}
    trend = revenue.trend(session, f)
    targets = [trend[m]["target"] for m in window.months if m in trend]
    target = sum(targets, ZERO) if targets and all(t is not None for t in targets) else None
    perf_now, perf_then = performance.headline(session, f), performance.headline(session, previous)
    arrears = revenue.arrears(session, f)
    arrears_then = revenue.arrears(session, previous)
    outstanding = sum((b.outstanding for b in arrears), ZERO)
    stayed = sum((b.stayed for b in arrears), ZERO)
    rate = (now["paid"] / now["demanded"]) if now["demanded"] else None
    rate_then = (then["paid"] / then["demanded"]) if then["demanded"] else None
    headlines = [
        Headline("Recovered", now["paid"], then["paid"], target),
        Headline("Detected", now["detected"], then["detected"]),
        Headline("Adjudged (orders-in-original)", now["adjudged"], then["adjudged"]),
        Headline("Recovery rate (recovered / demand standing)", rate, rate_then, kind="percent"),
        Headline("Audits completed", perf_now.completed, perf_then.completed, kind="int"),
        Headline("Hit rate", perf_now.hit_rate, perf_then.hit_rate, kind="percent"),
        Headline("Outstanding arrears at the end", outstanding,
                 sum((b.outstanding for b in arrears_then), ZERO)),
        Headline("Stayed by appellate forums", stayed, sum((b.stayed for b in arrears_then), ZERO)),
    ]
    data = SteeringData(
        period_label=window.label, period_title=title_of(window.label, window.start, window.end),
        previous_title=title_of(before.label, before.start, before.end), start=window.start,
        end=window.end, headlines=headlines, funnel=funnel, trend=trend,
        arrears=arrears, top=revenue.top_cases(session, f, 10),
        time_limits=time_limit_risk(session, window.end, window.start))
    data.narrative = narrative(data, perf_now, perf_then)
    return data


def _trend_word(current: Decimal, previous: Decimal) -> str:
    if not previous:
        return "with nothing in the previous period" if current else "as in the previous period"
    change = (current - previous) / abs(previous) * 100
    if abs(change) < 0.5:
        return "the same as in the previous period"
    return f"{'up' if change > 0 else 'down'} {abs(change):.0f}% on {{previous}}"


def narrative(data: SteeringData, perf_now: Any, perf_then: Any) -> list[str]:
    """A few sentences, written from the figures, on what changed."""
    h = {x.label: x for x in data.headlines}
    rec, det, adj = h["Recovered"], h["Detected"], h["Adjudged (orders-in-original)"]
    prev = data.previous_title
    out = []
    sentence = f"In {data.period_title} the directorates recovered {rupees(rec.current)}"
    if rec.target:
        sentence += f", {rec.of_target} of the target of {rupees(rec.target)}"
    sentence += f", {_trend_word(rec.current, rec.previous).format(previous=prev)}."
    out.append(sentence)
    out.append(f"Audits detected {rupees(det.current)} of short-levied duty and taxes "
               f"({_trend_word(det.current, det.previous).format(previous=prev)}), and "
               f"orders-in-original adjudged {rupees(adj.current)}.")
    if perf_now.completed:
        hit = f"{perf_now.hit_rate * 100:.0f}%"
        before = (f" against {perf_then.hit_rate * 100:.0f}% in {prev}"
                  if perf_then.completed else "")
        out.append(f"{perf_now.completed:,} audits were completed; {hit} found a short levy{before}.")
    else:
        out.append("No audit was completed in the period.")
    outstanding = h["Outstanding arrears at the end"].current
    old = sum((b.outstanding for b in data.arrears if b.label in ("1-2 years", "over 2 years")), ZERO)
    stayed = h["Stayed by appellate forums"].current
    if outstanding or stayed:
        share = f" ({old / outstanding * 100:.0f}%)" if outstanding else ""
        out.append(f"Arrears stand at {rupees(outstanding)}, of which {rupees(old)}{share} are "
                   f"more than a year old; a further {rupees(stayed)} is stayed by appellate forums.")
    risk = data.time_limits
    if risk.windows and risk.windows[0][1]:
        days, count, amount = risk.windows[0]
        out.append(f"{count} case{'s' if count != 1 else ''} involving {rupees(amount)} must be "
                   f"decided within {days} days or become time-barred.")
    if risk.orders:
        out.append(f"{risk.orders_in_time} of {risk.orders} orders-in-original "
                   "were made within the statutory limit.")
    if risk.time_barred:
        out.append(f"{risk.time_barred} case{'s' if risk.time_barred != 1 else ''} became "
                   "time-barred in the period.")
    if data.top and data.top[0]["demanded"]:
        top = data.top[0]
        out.append(f"The largest demand is {top['case_number']} ({top['importer']}): "
                   f"{rupees(top['demanded'])}, of which {rupees(top['paid'])} is recovered.")
    return out


def render_html(data: SteeringData, *, issued_by: str, issued_on: dt.date) -> str:
    env = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html"]))
    env.filters["rupees"] = rupees
    months = list(data.trend)
    svg: dict[str, str | None] = {"funnel": None, "trend": None, "arrears": None}
    # A chart of nothing but zeros says less than the table beside it: only draw real amounts.
    if any(s.amount for s in data.funnel):
        svg["funnel"] = charts.funnel([s.label for s in data.funnel],
                                      [s.amount for s in data.funnel])
    if any(v["paid"] or v["detected"] or v.get("target") for v in data.trend.values()):
        svg["trend"] = charts.trend(months, [data.trend[m]["paid"] for m in months],
                                    [data.trend[m]["detected"] for m in months],
                                    [data.trend[m].get("target") for m in months])
    if any(b.outstanding or b.stayed for b in data.arrears):
        svg["arrears"] = charts.arrears([b.label for b in data.arrears],
                                        [b.outstanding for b in data.arrears],
                                        [b.stayed for b in data.arrears])
    return env.get_template("template.html").render(
        d=data, svg={k: v and _data_uri(v) for k, v in svg.items()}, issued_by=issued_by,
        issued_on=issued_on, css=(HERE / "style.css").read_text())


def _data_uri(svg: str) -> str:
    import base64
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def render_pdf(data: SteeringData, *, issued_by: str, issued_on: dt.date) -> tuple[bytes, int]:
    """The PDF and its page count."""
    import logging

    from weasyprint import HTML
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    document = HTML(string=render_html(data, issued_by=issued_by, issued_on=issued_on),
                    base_url=str(HERE)).render()
    return document.write_pdf(), len(document.pages)


def issue(session: Session, period: str, *, actor: Any, today: dt.date) -> Any:
    """Render the period's report and archive it (flushes; the caller commits)."""
    from audit_app.services import steering
    data = build(session, period, today=today)
    name = actor.full_name if actor is not None else "system"
    pdf, pages = render_pdf(data, issued_by=name, issued_on=today)
    return steering.archive(session, period=data.period_label, period_from=data.start,
                            period_to=data.end, pdf=pdf, pages=pages, figures=data.figures(),
                            actor=actor, issued_by_name=name)
