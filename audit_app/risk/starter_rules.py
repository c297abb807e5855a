"""The starting rule set (version 1): one or two readable rules per fraud pattern in DOMAIN.md.

Installed by `pca risk rules install-starter` and by demo seeding when no rule set exists. The
thresholds are deliberately conservative starting points for the risk unit to tune with the
monitoring figures (hit rate and yield per rule); they are data, not code, once installed.

Weights are in 0..1 and combine as 1 - prod(1 - w): two independent signals of 0.35 give 0.58.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

OWNER = "Risk Management, Directorate General of PCA"
VALID_FROM = dt.date(2020, 1, 1)


def _rule(code: str, fraud_kind: str, name: str, description: str, condition: str, reason: str,
          weight: str) -> dict[str, Any]:
    return {"code": code, "fraud_kind": fraud_kind, "name": name, "description": description,
            "condition": condition, "reason": reason, "weight": Decimal(weight), "owner": OWNER,
            "valid_from": VALID_FROM, "valid_to": None}


STARTER_RULES: tuple[dict[str, Any], ...] = (
    _rule("UV-LOW-ORIGIN", "UNDERVALUATION", "Unit value far below the same code and origin",
          "The assessed unit value is less than half the median of earlier imports of the same "
          "8-digit PCT code from the same origin, and that median rests on at least 10 imports.",
          "unit_value_ratio < 0.5 and ref_count >= 10 and ref_level == 'hs_origin'",
          "Unit value {unit_value_ratio:pct_below} below the median of {ref_count} earlier "
          "imports of {hs_code} from {origin_country}", "0.40"),
    _rule("UV-LOW-CODE", "UNDERVALUATION", "Unit value far below the same code, any origin",
          "With too few imports from this origin to compare, the unit value is under 40% of the "
          "median of earlier imports of the same PCT code from all origins.",
          "unit_value_ratio < 0.4 and ref_count >= 10 and ref_level == 'hs'",
          "Unit value {unit_value_ratio:pct_below} below the median of {ref_count} earlier "
          "imports of {hs_code} from all origins", "0.30"),
    _rule("MC-BETTER-HEADING", "MISCLASSIFICATION", "Description fits a higher-duty heading",
          "The goods description matches the tariff text of another heading clearly better "
          "than the declared one, and that heading carries at least 5 points more CD+RD+ACD.",
          "desc_better_heading and duty_rate_gap >= 5",
          "Description fits PCT {desc_best_code} better than the declared {hs_code}, where "
          "duty is {duty_rate_gap:number} points higher", "0.35"),
    _rule("OR-NO-PREF-RATE", "ORIGIN", "Preference claimed without a preferential rate",
          "A trade agreement is claimed but it gives no preferential rate for this origin and "
          "PCT code on the clearance date (non-partner origin or goods outside the schedule).",
          "fta_claimed and not fta_rate_exists",
          "{fta_code} preference claimed, but the agreement has no rate for {hs_code} from "
          "{origin_country} on the clearance date", "0.45"),
    _rule("OR-THIRD-COUNTRY", "ORIGIN", "Preference claimed on goods shipped via a third country",
          "A trade agreement is claimed while the goods were shipped from a country other than "
          "the declared origin: the classic trace of goods re-routed through a transit hub.",
          "fta_claimed and shipped_via_third_country",
          "{fta_code} preference claimed for goods of {origin_country} origin shipped from "
          "{export_country}", "0.30"),
    _rule("CN-OUTSIDE-LINE", "CONCESSION", "Concession claimed outside the usual line of business",
          "A concession notification is claimed for goods of a chapter that makes up under 5% of "
          "the importer's earlier items (at least 20 of them).",
          "sro_claimed and importer_chapter_share < 0.05 and importer_items_before >= 20",
          "{sro_ref} claimed on chapter {chapter} goods, only {importer_chapter_share:pct} of "
          "the importer's {importer_items_before:number} earlier items", "0.35"),
    _rule("CN-NEW-IMPORTER", "CONCESSION", "Concession claimed by a new importer",
          "A concession notification is claimed by an importer with fewer than 5 earlier items, "
          "whose entitlement has not been seen in practice.",
          "sro_claimed and importer_items_before < 5",
          "{sro_ref} claimed by an importer with only {importer_items_before:number} earlier "
          "items", "0.15"),
    _rule("QT-WEIGHT-HIGH", "QUANTITY", "Weight too high for the declared quantity",
          "The gross weight per unit is over 1.6 times the median of earlier imports of the "
          "code in the same unit: the quantity may be declared short.",
          "weight_ratio > 1.6",
          "Gross weight {kg_per_unit:number} kg per {unit}, {weight_ratio:pct_above} above the "
          "usual {ref_kg_per_unit:number} kg for {hs_code}", "0.30"),
    _rule("TH-IMPORTER", "TRADER_HISTORY", "Importer with past findings",
          "Over 40% of the importer's earlier audited items had a finding (smoothed rate, at "
          "least 3 audited items).",
          "importer_hit_rate > 0.4 and importer_audits >= 3",
          "Earlier audits of this importer found irregularities in {importer_hit_rate:pct} of "
          "{importer_audits:number} audited items", "0.30"),
    _rule("TH-AGENT", "TRADER_HISTORY", "Clearing agent with past findings",
          "Over 40% of the clearing agent's earlier audited items had a finding (smoothed rate, "
          "at least 5 audited items).",
          "agent_hit_rate > 0.4 and agent_audits >= 5",
          "Earlier audits of items cleared by agent {agent_code} found irregularities in "
          "{agent_hit_rate:pct} of {agent_audits:number} audited items", "0.15"),
    _rule("DT-SHORT-PAID", "OTHER", "Less duty paid than the tariff gives",
          "Duty and taxes paid are under 80% of what the tariff in force gives on the declared "
          "facts, on an item where at least Rs 50,000 is due, and no concession is claimed to "
          "explain it (a claimed SRO lowers the duty on purpose: CN- rules judge those).",
          "duty_paid_ratio < 0.8 and expected_duty_pkr >= 50000 and not sro_claimed",
          "Duty paid {duty_paid_ratio:pct_below} below the {expected_duty_pkr:rupees} the "
          "tariff gives on the declared facts", "0.25"),
    _rule("OI-HIGH", "OVERINVOICING", "Unit value far above comparable imports",
          "The unit value is over 3 times the median of earlier imports of the same code and "
          "origin: over-invoicing moves money abroad (trade-based money laundering).",
          "unit_value_ratio > 3 and ref_count >= 20 and ref_level == 'hs_origin'",
          "Unit value {unit_value_ratio:pct_above} above the median of {ref_count} earlier "
          "imports of {hs_code} from {origin_country}: possible over-invoicing", "0.20"),
)
