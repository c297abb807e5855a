"""The risk engine's feature frame: every column a rule condition or the model may use.

`audit_app.risk.features` builds a pandas DataFrame with one row per declaration item and these
columns; `audit_app.risk.rules` checks rule conditions against these names (plus any `x_`
attribute the data carries). Changing a name here is a change to the rule language: keep old
names working or migrate the stored rules.

Every history-based feature at date t uses only data dated before t (no look-ahead).
"""
from __future__ import annotations

# name -> (kind, meaning shown to the rule author)
FEATURES: dict[str, tuple[str, str]] = {
    # As declared (from the database)
    "item_id": ("int", "internal id of the declaration item"),
    "gd_number": ("text", "goods declaration number"),
    "item_no": ("int", "item number within the GD"),
    "gd_date": ("date", "clearance date"),
    "collectorate": ("text", "collectorate / port code"),
    "directorate": ("text", "PCA directorate that audits the collectorate (may be empty)"),
    "channel": ("text", "GREEN, YELLOW or RED"),
    "importer_id": ("int", "internal id of the importer"),
    "importer_ntn": ("text", "importer's NTN"),
    "agent_code": ("text", "clearing agent's licence code (may be empty)"),
    "hs_code": ("text", "declared 8-digit PCT code"),
    "chapter": ("text", "first 2 digits of the PCT code"),
    "heading": ("text", "first 4 digits of the PCT code"),
    "description": ("text", "goods description as declared"),
    "origin_country": ("text", "declared origin"),
    "export_country": ("text", "country shipped from (may be empty)"),
    "quantity": ("number", "declared quantity"),
    "unit": ("text", "unit of quantity"),
    "gross_weight_kg": ("number", "gross weight (NaN when not declared)"),
    "currency": ("text", "invoice currency"),
    "declared_value_pkr": ("number", "declared customs value, rupees"),
    "assessed_value_pkr": ("number", "customs value accepted at clearance, rupees"),
    "duty_paid_pkr": ("number", "all duty and taxes paid on the item, rupees"),
    "sro_ref": ("text", "concession notification claimed (empty if none)"),
    "fta_code": ("text", "trade agreement claimed (empty if none)"),
    # Derived: valuation
    "unit_value_pkr": ("number", "assessed value per unit of quantity"),
    "ref_unit_value_pkr": ("number", "median unit value of earlier imports of the same PCT code "
                                     "and origin (falling back to the PCT code, then heading)"),
    "ref_count": ("int", "how many earlier imports the reference value rests on"),
    "ref_level": ("text", "what the reference compares with: hs_origin, hs, heading or none"),
    "unit_value_ratio": ("number", "unit value / reference unit value (1 = typical)"),
    "unit_value_z": ("number", "robust z-score of log unit value against the reference "
                               "(negative = cheaper than usual)"),
    # Derived: quantity and weight
    "kg_per_unit": ("number", "gross weight per unit of quantity"),
    "ref_kg_per_unit": ("number", "median kg per unit of earlier imports of the PCT code and unit"),
    "weight_ratio": ("number", "kg per unit / reference kg per unit (1 = typical)"),
    # Derived: classification
    "desc_best_code": ("text", "the PCT code whose tariff text best fits the description"),
    "desc_fit_declared": ("number", "0-1 fit of the description to the declared code's text"),
    "desc_fit_best": ("number", "0-1 fit of the description to the best-fitting code's text"),
    "desc_better_heading": ("bool", "another heading fits the description clearly better"),
    "duty_rate_gap": ("number", "percentage points of CD+RD+ACD by which the best-fitting code "
                                "exceeds the declared one (0 when it does not)"),
    # Derived: preference and concession
    "fta_claimed": ("bool", "a trade agreement is claimed"),
    "fta_rate_exists": ("bool", "the agreement has a preferential rate for this origin and code "
                                "on the clearance date"),
    "shipped_via_third_country": ("bool", "export country differs from origin"),
    "sro_claimed": ("bool", "a concession notification is claimed"),
    "importer_chapter_share": ("number", "share of the importer's earlier items in this chapter "
                                         "(0-1; low = outside its usual line)"),
    "importer_items_before": ("int", "how many items the importer cleared before this one"),
    # Derived: trader history (smoothed towards the overall rate)
    "importer_audits": ("int", "earlier audited items of the importer"),
    "importer_hit_rate": ("number", "smoothed share of the importer's earlier audits with a finding"),
    "agent_audits": ("int", "earlier audited items of the clearing agent"),
    "agent_hit_rate": ("number", "smoothed share of the agent's earlier audits with a finding"),
    # Derived: duty
    "expected_duty_pkr": ("number", "duty and taxes recomputed on the declared facts with the "
                                    "tariff in force (spec section 4)"),
    "duty_paid_ratio": ("number", "duty paid / expected duty (1 = as the tariff says)"),
    "duty_at_stake_pkr": ("number", "estimated short levy if the strongest suspicion is true"),
}


def is_known(name: str) -> bool:
    return name in FEATURES or (name.startswith("x_") and len(name) > 2)
