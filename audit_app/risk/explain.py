"""Reasons in words an auditor understands, with the real numbers.

An item's reasons are the sentences of the rules it hit (the rules engine writes them), then up
to MAX_FEATURE_REASONS sentences for the *topics* that pushed its score up most. Features are
grouped into topics (price, weight, classification, origin, concession, trader history, ...)
so that unit value, its reference and its z-score make one sentence, not three. A topic a hit
rule already speaks about (its condition reads one of the topic's features) is not repeated.

How much each topic pushed: the sum of its features' SHAP values (LightGBM pred_contrib) for a
trained model, or the cold-start blend's terms. SHAP is exact but costs about a millisecond per
item, so a run computes it for the items at the top of the ranking (the ones an audit unit can
select) and uses the blend's terms, which read the same evidence, for the rest.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

MAX_FEATURE_REASONS = 3
# A topic is worth a sentence only above these pushes: a term of the cold-start blend (a share
# of probability) or a SHAP value (log-odds). Below them it is noise, not a reason.
MIN_PUSH_BLEND = 0.05
MIN_PUSH_SHAP = 0.1

# feature -> topic (features of no topic, e.g. rule columns, give no sentence of their own)
TOPIC_OF: dict[str, str] = {
    **dict.fromkeys(("unit_value_pkr", "ref_unit_value_pkr", "ref_count", "unit_value_ratio",
                     "unit_value_z", "ref_level"), "price"),
    **dict.fromkeys(("kg_per_unit", "ref_kg_per_unit", "weight_ratio", "gross_weight_kg",
                     "quantity"), "weight"),
    **dict.fromkeys(("desc_fit_declared", "desc_fit_best", "desc_better_heading",
                     "duty_rate_gap"), "classification"),
    **dict.fromkeys(("fta_claimed", "fta_rate_exists", "shipped_via_third_country", "fta_code"),
                    "origin"),
    # The importer's line of business: what a concession claim is judged against, and what
    # makes goods of an unusual chapter a signal.
    **dict.fromkeys(("sro_claimed", "sro_ref", "importer_chapter_share", "chapter"),
                    "concession"),
    **dict.fromkeys(("importer_audits", "importer_hit_rate"), "importer_history"),
    **dict.fromkeys(("agent_audits", "agent_hit_rate"), "agent_history"),
    **dict.fromkeys(("duty_paid_ratio", "expected_duty_pkr", "duty_paid_pkr"), "duty"),
    "importer_items_before": "importer_volume",
    **dict.fromkeys(("declared_value_pkr", "assessed_value_pkr", "duty_at_stake_pkr"), "value"),
    "channel": "channel", "collectorate": "place", "directorate": "place",
    "origin_country": "origin_country", "currency": "currency",
    "unit": "unit",
}
# cold-start blend term -> topic
TERM_TOPIC = {"UNDERVALUATION": "price", "QUANTITY": "weight",
              "MISCLASSIFICATION": "classification", "ORIGIN": "origin",
              "CONCESSION": "concession", "importer_history": "importer_history"}


def topic_of(feature: str) -> str | None:
    if feature.startswith("x_"):
        return feature
    return TOPIC_OF.get(feature)


def topic_matrix(names: Sequence[str], values: np.ndarray,
                 mapping: Callable[[str], str | None]) -> tuple[list[str], np.ndarray]:
    """Sum per-feature pushes (n, len(names)) into per-topic pushes (n, n_topics)."""
    topics = sorted({t for t in map(mapping, names) if t})
    index = {t: i for i, t in enumerate(topics)}
    out = np.zeros((values.shape[0], len(topics)))
    for j, name in enumerate(names):
        t = mapping(name)
        if t:
            out[:, index[t]] += values[:, j]
    return topics, out


def covered_topics(topics: Sequence[str], codes: Sequence[str], hits: np.ndarray,
                   rule_names: dict[str, frozenset[str]]) -> np.ndarray:
    """(n, n_topics) bool: the topics that the rules each row hit already speak about."""
    index = {t: i for i, t in enumerate(topics)}
    speaks = np.zeros((len(codes), len(topics)))
    for r, code in enumerate(codes):
        for name in rule_names.get(code, ()):
            t = topic_of(name)
            if t in index:
                speaks[r, index[t]] = 1.0
    if hits.shape[1] == 0:
        return np.zeros((hits.shape[0], len(topics)), dtype=bool)
    return (hits.astype(np.float64) @ speaks) > 0


def feature_reasons(frame: pd.DataFrame, topics: list[str], push: np.ndarray,
                    covered: np.ndarray | None = None,
                    min_push: float | np.ndarray = MIN_PUSH_BLEND) -> list[list[str]]:
    """Up to MAX_FEATURE_REASONS sentences per row, strongest push first.

    ``min_push`` is one threshold, or one per row (SHAP rows and blend rows differ in scale).
    Rows without a topic above it share one empty list (most rows of a large run).
    """
    n = len(frame)
    empty: list[str] = []
    out = [empty] * n
    if n == 0 or not topics:
        return out
    threshold = np.broadcast_to(np.asarray(min_push, dtype=np.float64), (n,))[:, None]
    usable = push >= threshold
    if covered is not None:
        usable &= ~covered
    rows = np.flatnonzero(usable.any(axis=1))
    if rows.size == 0:
        return out
    usable, push = usable[rows], push[rows]
    k = min(MAX_FEATURE_REASONS, len(topics))
    order = np.argsort(np.where(usable, -push, np.inf), axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(usable, order, axis=1)
    sub = frame.iloc[rows]
    columns = []
    for slot in range(k):
        texts = np.full(rows.size, None, dtype=object)
        for t, topic in enumerate(topics):
            at = np.flatnonzero(picked[:, slot] & (order[:, slot] == t))
            if at.size:
                texts[at] = render(topic, sub.iloc[at])
        columns.append(texts)
    for i, row_texts in zip(rows.tolist(), zip(*columns)):
        out[i] = [x for x in row_texts if x is not None]
    return out


# --------------------------------------------------------------------------- sentences

def pct(x: float) -> str:
    # 0.9991 is "99.9%", not a misleading "100%"; 0.0004 is "0.04%", not "0%".
    if 0 < x < 0.01 or 0.995 <= x < 1:
        return f"{x * 100:.2g}%" if x < 0.01 else f"{x * 100:.1f}%"
    return f"{x * 100:.0f}%"


def rupees(x: float) -> str:
    return f"Rs {int(np.floor(x + 0.5)):,}" if np.isfinite(x) else "Rs ?"


def pct_code(code: str) -> str:
    """8415.1010, the way PCT codes are written in the tariff."""
    return f"{code[:4]}.{code[4:]}" if len(code) == 8 else code


def short_text(text: str, limit: int = 48) -> str:
    head = str(text).split(":")[0].strip()
    return head if len(head) <= limit else head[:limit - 1].rstrip() + "\u2026"


def _count(n: float) -> str:
    return f"{int(n):,}"


def _price(r: dict) -> str:
    ratio = r["unit_value_ratio"]
    if not np.isfinite(ratio):
        return (f"Unit value {rupees(r['unit_value_pkr'])} per {r['unit']}: no earlier imports "
                f"of {pct_code(r['hs_code'])} to compare with")
    where = {"hs_origin": f"{r['hs_code']} from {r['origin_country']}",
             "hs": f"{r['hs_code']} from all origins",
             "heading": f"heading {r['heading']}"}.get(r["ref_level"], r["hs_code"])
    side = f"{pct(1 - ratio)} below" if ratio < 1 else f"{pct(ratio - 1)} above"
    return (f"Unit value {side} the median of {_count(r['ref_count'])} earlier imports "
            f"of {where}")


def _weight(r: dict) -> str:
    if not np.isfinite(r["kg_per_unit"]):
        return "No gross weight declared to check the quantity against"
    if not np.isfinite(r["weight_ratio"]):
        return f"Gross weight {r['kg_per_unit']:,.2f} kg per {r['unit']}: nothing to compare with"
    return (f"Gross weight {r['kg_per_unit']:,.2f} kg per {r['unit']}, {r['weight_ratio']:.1f} "
            f"times the median {r['ref_kg_per_unit']:,.2f} kg of earlier imports of "
            f"{r['hs_code']}")


def _classification(r: dict) -> str:
    if r["desc_best_code"] != r["hs_code"]:
        best_cd = "" if not np.isfinite(r["_best_cd"]) else f", CD {r['_best_cd']:g}%"
        own_cd = "" if not np.isfinite(r["_declared_cd"]) else f" (CD {r['_declared_cd']:g}%)"
        return (f"Description fits {pct_code(r['desc_best_code'])} "
                f"({short_text(r['_best_text'])}{best_cd}) better than the declared "
                f"{pct_code(r['hs_code'])}{own_cd}")
    return (f"Description fits the declared {pct_code(r['hs_code'])} only "
            f"{pct(r['desc_fit_declared'])}")


def _origin(r: dict) -> str:
    if not r["fta_claimed"]:
        return f"Origin {r['origin_country']}, no preference claimed"
    if not r["fta_rate_exists"]:
        return (f"{r['fta_code']} preference claimed, but it has no rate for "
                f"{pct_code(r['hs_code'])} from {r['origin_country']} on the clearance date")
    if r["shipped_via_third_country"]:
        return (f"{r['fta_code']} preference claimed for origin {r['origin_country']} on goods "
                f"shipped from {r['export_country']}")
    return f"{r['fta_code']} preference claimed for origin {r['origin_country']}"


def _concession(r: dict) -> str:
    share = r["importer_chapter_share"]
    if not np.isfinite(share):
        line = "the importer has no earlier imports"
    elif share < 0.5:
        line = f"only {pct(share)} of the importer's earlier items are in chapter {r['chapter']}"
    else:
        line = f"chapter {r['chapter']} is the importer's usual line ({pct(share)} of its items)"
    if r["sro_claimed"]:
        return f"Concession {r['sro_ref']} claimed; {line}"
    return f"Goods of chapter {r['chapter']}: {line}"


def _history(who: str, audits_col: str, hits_col: str) -> Callable[[dict], str]:
    def sentence(r: dict) -> str:
        audits = int(r[audits_col])
        if audits == 0:
            return f"{who} has no earlier audits"
        return f"{who}'s earlier audits found short levy in {int(r[hits_col])} of {audits}"
    return sentence


def _duty(r: dict) -> str | None:
    ratio = r["duty_paid_ratio"]
    if not np.isfinite(ratio):
        return f"No tariff rate in force for {pct_code(r['hs_code'])} on the clearance date"
    if abs(ratio - 1) < 0.005:
        return None  # paid as the tariff says: nothing an auditor needs to read
    return (f"Duty paid {rupees(r['duty_paid_pkr'])} is {pct(ratio)} of the "
            f"{rupees(r['expected_duty_pkr'])} the tariff gives on the declared facts")


SENTENCES: dict[str, Callable[[dict], str | None]] = {
    "price": _price, "weight": _weight, "classification": _classification,
    "origin": _origin, "concession": _concession,
    "importer_history": _history("Importer", "importer_audits", "_importer_hits"),
    "agent_history": _history("Clearing agent", "agent_audits", "_agent_hits"),
    "duty": _duty,
    "importer_volume": lambda r: (f"Importer has {_count(r['importer_items_before'])} earlier "
                                  "items" if r["importer_items_before"] else
                                  "Importer's first import"),
    "value": lambda r: (f"Declared value {rupees(r['declared_value_pkr'])}, duty at stake "
                        f"{rupees(r['duty_at_stake_pkr'])}"),
    "channel": lambda r: f"Cleared through the {r['channel']} channel",
    "place": lambda r: f"Cleared at {r['collectorate']}",
    "origin_country": lambda r: f"Origin {r['origin_country']}",
    "currency": lambda r: f"Invoiced in {r['currency']}",
    "unit": lambda r: f"Quantity declared in {r['unit']}",
}


_NEEDS: dict[str, tuple[str, ...]] = {
    "price": ("unit_value_ratio", "unit_value_pkr", "unit", "hs_code", "origin_country",
              "heading", "ref_level", "ref_count"),
    "weight": ("kg_per_unit", "weight_ratio", "unit", "ref_kg_per_unit", "hs_code"),
    "classification": ("desc_best_code", "hs_code", "_best_cd", "_declared_cd", "_best_text",
                       "desc_fit_declared"),
    "origin": ("fta_claimed", "fta_rate_exists", "shipped_via_third_country", "fta_code",
               "hs_code", "origin_country", "export_country"),
    "concession": ("importer_chapter_share", "chapter", "sro_claimed", "sro_ref"),
    "importer_history": ("importer_audits", "_importer_hits"),
    "agent_history": ("agent_audits", "_agent_hits"),
    "duty": ("duty_paid_ratio", "hs_code", "duty_paid_pkr", "expected_duty_pkr"),
    "importer_volume": ("importer_items_before",),
    "value": ("declared_value_pkr", "duty_at_stake_pkr"),
    "channel": ("channel",), "place": ("collectorate",),
    "origin_country": ("origin_country",), "currency": ("currency",), "unit": ("unit",),
}


def render(topic: str, rows: pd.DataFrame) -> list[str | None]:
    """The topic's sentence for each row of ``rows`` (None: nothing worth saying)."""
    if topic.startswith("x_"):
        return [f"{topic} = {v}" for v in rows[topic].tolist()]
    sentence = SENTENCES[topic]
    names = _NEEDS[topic]
    # Column lists zipped into small dicts: far cheaper than DataFrame.to_dict per row.
    columns = [rows[c].tolist() for c in names]
    return [sentence(dict(zip(names, values))) for values in zip(*columns)]
