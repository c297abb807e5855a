"""Demo data: the four canonical files of spec/data-formats.md, with known planted fraud.

`generate()` writes `declarations.csv`, `tariff.csv`, `preferential.csv` and `outcomes.csv`, and
also `ground_truth.csv` (gd_number, item_no, fraud_kind, true_short_levy_pkr for every planted
fraud). ground_truth.csv is NOT a canonical file and must never be imported: it exists so a risk
evaluation on demo data can measure revenue@n% against the truth.

Facts that hold in every file set (the tests check them):
- duties paid follow the spec's formula exactly (`audit_app.services.duty`) on the declared
  facts: assessed_value_pkr, the declared code's tariff row in force on gd_date, the claimed FTA
  rate where the preferential file covers (agreement, declared origin, code), and the claimed
  SRO's rates (`catalogue.CONCESSIONS`, demo semantics) where the SRO covers the code;
- declared_value_pkr = invoice_value * exchange_rate rounded half up to rupees; the assessed
  value equals it except for some RED/YELLOW items uplifted at clearance;
- a planted fraud's short levy = per-levy max(0, due on the true facts - paid), where the true
  facts are the true value/quantity, code or origin, and a claim counts only if entitled;
- outcomes.csv holds past audits of ~5-8% of items, chosen mostly by a risk-like rule on what
  is visible in the declaration plus a random share, so fraud is over-represented but most
  planted fraud stays unaudited for the risk engine to find.

Deterministic: the same seed (and Python version) gives byte-identical files. Streaming: rows
are written as generated; memory depends on the number of importers, not of items.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path

from ..services.duty import levy_tuple
from .catalogue import (COLLECTORATES, FRAUD_KINDS, GD_TYPES, NON_PARTNER_ORIGINS,
                        ORIGIN_CURRENCY, TRANSIT_HUBS, check_catalogue)
from .fx import FxTable
from .items import ItemFacts, draw_item
from .parties import Importer, Picker, make_agents, make_importers, picker
from .tariff import PREFERENTIAL_HEADER, TARIFF_HEADER, TariffBook

DECLARATIONS_HEADER = (
    "gd_number", "item_no", "gd_date", "collectorate", "channel", "importer_ntn",
    "importer_name", "agent_code", "hs_code", "description", "origin_country",
    "export_country", "quantity", "unit", "gross_weight_kg", "currency", "invoice_value",
    "exchange_rate", "declared_value_pkr", "assessed_value_pkr", "cd_pkr", "rd_pkr", "acd_pkr",
    "st_pkr", "ast_pkr", "it_pkr", "sro_ref", "fta_code")
OUTCOMES_HEADER = ("gd_number", "item_no", "audit_date", "finding", "short_levy_pkr")
GROUND_TRUTH_HEADER = ("gd_number", "item_no", "fraud_kind", "true_short_levy_pkr")
CANONICAL_FILES = ("declarations.csv", "tariff.csv", "preferential.csv", "outcomes.csv")

DEFAULT_START = dt.date(2023, 7, 1)  # fixed, not today: same seed -> same files, any day
TARGET_FRAUD_RATE = 0.08
AUDIT_RANDOM_SHARE = 0.015           # audits picked at random (unbiased labels)
AUDIT_ON_CUE = 0.4                   # chance a rule hit leads to an audit
MIN_AUDIT_LAG, MAX_AUDIT_LAG = 60, 365
GD_SIZES = Picker(range(1, 9), (38, 22, 14, 9, 7, 5, 3, 2))

_ONE = Decimal(1)
_ZERO = Decimal(0)
_CTX = Context(prec=40, rounding=ROUND_HALF_UP)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 29 Feb)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def day_quotas(rng: random.Random, start: dt.date, days: int, items: int) -> list[int]:
    """Items cleared per day: weekdays busy, Sunday quiet, trade growing; sums to `items`."""
    weekday = (1.0, 1.0, 1.0, 1.0, 1.0, 0.55, 0.12)
    weights = [weekday[(start + dt.timedelta(i)).weekday()] * (1 + 0.15 * i / days)
               * rng.lognormvariate(0, 0.1) for i in range(days)]
    total = sum(weights)
    exact = [items * w / total for w in weights]
    quotas = [int(e) for e in exact]
    by_remainder = sorted(range(days), key=lambda i: exact[i] - quotas[i], reverse=True)
    for i in by_remainder[:items - sum(quotas)]:
        quotas[i] += 1
    return quotas


def generate(out_dir: Path, items: int, seed: int, start: dt.date | None = None,
             months: int = 24) -> dict:
    """Write the demo files for `items` declaration items over `months` from `start`."""
    if items < 1 or months < 1:
        raise ValueError("items and months must be >= 1")
    check_catalogue()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = start or DEFAULT_START
    end = add_months(start, months) - dt.timedelta(days=1)
    days = (end - start).days + 1
    # One random stream per concern: the tariff for a seed is the same whatever `items` is.
    tariff = TariffBook(random.Random(f"{seed}:tariff"), start, end)
    fx = FxTable(random.Random(f"{seed}:fx"), days)
    n_importers = min(max(items // 120, 40), 12_000)
    agents = make_agents(random.Random(f"{seed}:agents"), max(15, n_importers // 6))
    importers, weights = make_importers(random.Random(f"{seed}:importers"), n_importers,
                                        agents)
    quotas = day_quotas(random.Random(f"{seed}:calendar"), start, days, items)

    summary: dict = {"out_dir": str(out_dir), "seed": seed, "start": start.isoformat(),
                     "end": end.isoformat(), "importers": n_importers,
                     "agents": sum(map(len, agents.values())), "files": {}}
    summary["files"]["tariff.csv"] = _write(out_dir / "tariff.csv", TARIFF_HEADER,
                                            tariff.tariff_rows())
    summary["files"]["preferential.csv"] = _write(out_dir / "preferential.csv",
                                                  PREFERENTIAL_HEADER,
                                                  tariff.preferential_rows())
    with (open(out_dir / "declarations.csv", "w", newline="", encoding="utf-8") as decl_f,
          open(out_dir / "outcomes.csv", "w", newline="", encoding="utf-8") as out_f,
          open(out_dir / "ground_truth.csv", "w", newline="", encoding="utf-8") as truth_f):
        run = _Run(random.Random(f"{seed}:items"), tariff, fx, importers, weights, agents,
                   end, csv.writer(decl_f), csv.writer(out_f), csv.writer(truth_f))
        for day_index, quota in enumerate(quotas):
            day = start + dt.timedelta(days=day_index)
            run.set_day(day_index, day)
            while quota:
                quota -= run.declaration(quota)
    summary["files"].update({"declarations.csv": items, "outcomes.csv": run.audited,
                             "ground_truth.csv": sum(run.planted.values())})
    summary.update(declarations=run.gds, items=items, planted=run.planted,
                   planted_items=sum(run.planted.values()),
                   planted_short_levy_pkr=run.planted_short, audited=run.audited,
                   audited_findings=run.audited_findings)
    return summary


def _write(path: Path, header: tuple[str, ...], rows) -> int:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


class _Run:
    """State of one generation run: random stream, reference data, writers, counters."""

    def __init__(self, rng: random.Random, tariff: TariffBook, fx: FxTable,
                 importers: list[Importer], weights: list[float], agents, end: dt.date,
                 declarations, outcomes, ground_truth) -> None:
        self.rng, self.rnd = rng, rng.random
        self.tariff, self.fx, self.agents = tariff, fx, agents
        self.importers = Picker(importers, weights)
        self.collectorates = picker({c: w for c, (w, _) in COLLECTORATES.items()})
        self.gd_types = picker(dict(GD_TYPES))
        self.hubs = picker(TRANSIT_HUBS)
        self.non_partners = picker(NON_PARTNER_ORIGINS)
        # GD serials run per collectorate from a random six-digit start.
        self.serials = {c: rng.randrange(100_000, 200_000) for c in COLLECTORATES}
        self.audit_cutoff = end - dt.timedelta(days=MIN_AUDIT_LAG)
        self.end = end
        # Scale propensities so the item-weighted expected fraud rate is the target.
        agent_risk = [a.risk for city in agents.values() for a in city]
        mean_agent = sum(agent_risk) / len(agent_risk)
        mean_importer = sum(w * i.risk for i, w in zip(importers, weights)) / sum(weights)
        self.base_rate = TARGET_FRAUD_RATE / (mean_importer * mean_agent)
        self.out_decl, self.out_outcomes, self.out_truth = declarations, outcomes, ground_truth
        for writer, header in ((declarations, DECLARATIONS_HEADER),
                               (outcomes, OUTCOMES_HEADER), (ground_truth, GROUND_TRUTH_HEADER)):
            writer.writerow(header)
        self.gds = self.audited = 0
        self.planted = dict.fromkeys(FRAUD_KINDS, 0)
        self.audited_findings = dict.fromkeys(("NONE", *FRAUD_KINDS), 0)
        self.planted_short = _ZERO

    def set_day(self, day_index: int, day: dt.date) -> None:
        """Per-day constants, computed once rather than per declaration."""
        self.day_index, self.day = day_index, day
        self.day_iso, self.day_gd = day.isoformat(), day.strftime("%d%m%Y")
        self.segment = self.tariff.segment(day)
        self.drift = 1 + 0.04 * day_index / 365  # prices creep up with world inflation
        self.auditable = day <= self.audit_cutoff

    def declaration(self, remaining: int) -> int:
        """Draw and write one goods declaration; returns its number of items."""
        rnd, rng = self.rnd, self.rng
        day_index, day, drift = self.day_index, self.day, self.drift
        importer = self.importers.pick(rnd)
        size = min(GD_SIZES.pick(rnd), remaining)
        coll = importer.home if rnd() < 0.75 else self.collectorates.pick(rnd)
        city = COLLECTORATES[coll][1]
        own = [a for a in importer.agents if a.city == city]
        agent = rng.choice(own or self.agents[city])
        p_fraud = min(self.base_rate * importer.risk * agent.risk, 0.7)
        origin = importer.origins.pick(rnd)
        currency, share = ORIGIN_CURRENCY.get(origin, ("USD", 0))
        if rnd() * 100 >= share:
            currency = "USD"
        facts = [draw_item(self, importer, origin, drift, rnd() < p_fraud) for _ in range(size)]

        origin_fraud = next((f for f in facts if f.kind == "ORIGIN"), None)
        if origin_fraud:  # the paper trail of a false origin claim: usually a transit hub
            x = rnd()
            export = (self.hubs.pick(rnd) if x < 0.55 else
                      origin_fraud.true_origin if x < 0.70 else origin_fraud.origin)
        else:
            x = rnd()
            export = origin if x < 0.90 else self.hubs.pick(rnd) if x < 0.97 else ""
        any_fraud = any(f.kind for f in facts)
        x = rnd()
        channel = ("RED" if x < 0.07 + 0.10 * any_fraud else
                   "YELLOW" if x < 0.25 + 0.15 * any_fraud else "GREEN")

        serial = self.serials[coll] = self.serials[coll] + 1 + (rnd() < 0.3) * rng.randrange(3)
        gd_number = f"{coll}-{self.gd_types.pick(rnd)}-{serial}-{self.day_gd}"
        head = (gd_number, None, self.day_iso, coll, channel, importer.ntn, importer.name,
                agent.code)
        xr = self.fx.pkr[day_index][currency]
        per_usd = self.fx.per_usd[day_index][currency]
        segment = self.segment
        for item_no, f in enumerate(facts, 1):
            self._value_and_write(head, item_no, f, importer, day, segment, currency, xr,
                                  per_usd, export, channel)
        self.gds += 1
        return size

    def _value_and_write(self, head, item_no: int, f: ItemFacts, importer: Importer,
                         day: dt.date, segment: int, currency: str, xr: Decimal,
                         per_usd: float, export: str, channel: str) -> None:
        rnd = self.rnd
        invoice = Decimal(f"{f.value_usd * per_usd:.2f}")
        declared = _CTX.multiply(invoice, xr).quantize(_ONE, ROUND_HALF_UP)
        true_value = declared
        if f.true_value_usd != f.value_usd:
            true_invoice = Decimal(f"{f.true_value_usd * per_usd:.2f}")
            true_value = _CTX.multiply(true_invoice, xr).quantize(_ONE, ROUND_HALF_UP)
        assessed = declared
        if channel != "GREEN":  # the appraiser sometimes raises the value at clearance
            if f.kind == "UNDERVALUATION" and rnd() < 0.35:
                gap = _CTX.subtract(true_value, declared)
                assessed = _CTX.add(declared, _CTX.multiply(
                    gap, Decimal(f"{rnd() * 0.5 + 0.2:.2f}"))).quantize(_ONE, ROUND_HALF_UP)
            elif not f.kind and rnd() < 0.03:
                assessed = _CTX.multiply(declared, Decimal(f"{1.03 + rnd() * 0.12:.2f}")
                                         ).quantize(_ONE, ROUND_HALF_UP)
        code, tariff = f.declared.code, self.tariff
        paid = levy_tuple(assessed, tariff.rates(code, day, segment, f.fta, f.origin, f.sro))
        gd_number = head[0]
        short = _ZERO
        if f.kind:
            # Due on the true facts; a claim counts only where the law would grant it.
            due_value = true_value if f.kind in ("UNDERVALUATION", "QUANTITY") else assessed
            sro = f.sro if f.sro in importer.entitled else ""
            due = levy_tuple(due_value, tariff.rates(f.goods.code, day, segment, f.fta,
                                                     f.true_origin, sro))
            short = sum((d - p for d, p in zip(due, paid) if d > p), _ZERO)
            self.planted[f.kind] += 1
            self.planted_short += short
            self.out_truth.writerow((gd_number, item_no, f.kind, short))
        self.out_decl.writerow((
            gd_number, item_no, *head[2:], code, f.description, f.origin, export,
            f.quantity, f.declared.unit, f.gross, currency, invoice, xr, declared, assessed,
            *paid, f.sro, f.fta))

        if not self.auditable:
            return
        # What a risk rule can see: low unit value, weight out of line with quantity, a
        # preference claimed on goods shipped from elsewhere, an SRO claim, a description
        # that does not fit the code.
        cue = (f.uv_ratio < 0.5
               or f.weight_ratio > 1.5
               or (f.fta and export != f.origin)
               or (f.sro and rnd() < 0.2)
               or (f.goods is not f.declared and rnd() < 0.4))
        if rnd() < AUDIT_RANDOM_SHARE + AUDIT_ON_CUE * bool(cue):
            lag = self.rng.randint(MIN_AUDIT_LAG, MAX_AUDIT_LAG)
            audit_date = min(day + dt.timedelta(days=lag), self.end)
            finding = f.kind or "NONE"
            self.out_outcomes.writerow((gd_number, item_no, audit_date.isoformat(), finding,
                                        short))
            self.audited += 1
            self.audited_findings[finding] += 1
