"""The feature frame of `schema.FEATURES` for the items cleared in a period, from the database.

    frame = build_frame(session, date_from, date_to)

One row per declaration item cleared in [date_from, date_to], by item id, with every column
of the contract, any `x_` attributes, and a few internal columns whose names start with "_"
(figures the explanations quote, e.g. how many earlier audits found something).

No look-ahead, by construction:
- reference prices, weights and description profiles: statistics of the HISTORY_MONTHS whole
  months before the item's month (`windows`), so nothing dated on or after the first of the
  item's month is used;
- importer volume and chapter shares: exact counts of items cleared before the item's date;
- trader audit history: outcomes whose audit date is before the item's date;
- the tariff: the row in force on the item's date (reference data, not history).
So an item's features depend only on data dated before it, whatever period is requested.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Declaration
from .features_duty import LEVIES, TariffTable, levies, preferential_cd
from .features_history import trader_history
from .features_load import HISTORY_MONTHS, RawData, load, parse_attributes
from .features_stake import StakeInputs, duty_at_stake
from .features_text import description_fit
from .features_valuation import valuation_features
from .schema import FEATURES

CONTRACT = tuple(FEATURES)


def date_range(session: Session) -> tuple[dt.date, dt.date] | None:
    """First and last clearance dates in the database (None when there are no declarations)."""
    first, last = session.execute(
        select(func.min(Declaration.gd_date), func.max(Declaration.gd_date))).one()
    if first is None:
        return None
    if isinstance(first, str):  # SQLite through an aggregate returns text
        first, last = dt.date.fromisoformat(first), dt.date.fromisoformat(str(last))
    return first, last


def build_frame(session: Session, date_from: dt.date | None = None,
                date_to: dt.date | None = None,
                item_ids: np.ndarray | None = None) -> pd.DataFrame:
    """The feature frame for items cleared from ``date_from`` to ``date_to`` (inclusive).

    ``item_ids`` restricts the rows to those items (e.g. the audited ones, for training); the
    history their features rest on is the same as without the restriction.
    """
    span = date_range(session)
    if span is None:
        return empty_frame()
    date_from, date_to = date_from or span[0], date_to or span[1]
    if date_from > date_to:
        raise ValueError(f"the period starts ({date_from}) after it ends ({date_to})")
    raw = load(session, date_from, date_to)
    if item_ids is not None:
        raw.target &= np.isin(raw.items["item_id"].to_numpy(), np.asarray(item_ids))
    return frame_from_raw(raw)


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object if kind == "text" else np.float64)
                         for name, (kind, _) in FEATURES.items()})


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids, uniques = pd.factorize(pd.Series(values, dtype=object))
    return ids.astype(np.int64), np.asarray(uniques, dtype=object)


def _prefixes(codes: np.ndarray, width: int) -> np.ndarray:
    return np.asarray([str(c)[:width] for c in codes], dtype=object)


def _prefix_ids(ids: np.ndarray, codes: np.ndarray,
                width: int) -> tuple[np.ndarray, np.ndarray]:
    prefix_id, prefixes = _codes(np.asarray([str(c)[:width] for c in codes], dtype=object))
    return prefix_id[ids], prefixes


def frame_from_raw(raw: RawData) -> pd.DataFrame:
    rows, target = raw.items, raw.target
    if not target.any():
        return empty_frame()
    day = rows["gd_day"].to_numpy(np.int64)
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    hs_text = rows["hs_code"].to_numpy(object)
    hs, hs_codes = _codes(hs_text)
    # Headings and chapters from the few distinct codes, not from a million strings.
    heading = _prefix_ids(hs, hs_codes, 4)[0]
    chapter, chapters = _prefix_ids(hs, hs_codes, 2)
    origin, _ = _codes(rows["origin_country"].to_numpy(object))
    unit, _ = _codes(rows["unit"].to_numpy(object))

    t = rows if target.all() else rows.loc[target].reset_index(drop=True)
    out = pd.DataFrame({
        "item_id": t["item_id"], "gd_number": t["gd_number"], "item_no": t["item_no"],
        "gd_date": (t["gd_day"].to_numpy(np.int64)).astype("datetime64[D]"),
        "collectorate": t["collectorate"],
        "directorate": _lookup(t["collectorate"].to_numpy(object), raw.directorates),
        "channel": t["channel"], "importer_id": t["importer_id"],
        "importer_ntn": t["importer_ntn"], "agent_code": t["agent_code"],
        "hs_code": t["hs_code"], "chapter": _prefixes(hs_codes, 2)[hs[target]],
        "heading": _prefixes(hs_codes, 4)[hs[target]], "description": t["description"],
        "origin_country": t["origin_country"], "export_country": t["export_country"],
        "quantity": t["quantity"], "unit": t["unit"], "gross_weight_kg": t["gross_weight_kg"],
        "currency": t["currency"],
        "declared_value_pkr": t["declared_cents"] / 100,
        "assessed_value_pkr": t["assessed_cents"] / 100,
        "duty_paid_pkr": t[[f"paid_{lv}" for lv in LEVIES]].sum(axis=1) / 100,
        "sro_ref": t["sro_ref"], "fta_code": t["fta_code"],
    })
    for name, values in valuation_features(rows, target, month, hs, heading, origin, unit,
                                           HISTORY_MONTHS).items():
        out[name] = values

    tariff = TariffTable(raw.tariff)
    fit = description_fit(rows["description"].to_numpy(object), hs, hs_codes, month, target,
                          raw.tariff["hs_code"].to_numpy(object),
                          raw.tariff["description"].to_numpy(object), HISTORY_MONTHS)
    t_day = day[target]
    declared_row = tariff.row_in_force(tariff.code_ids(hs_codes, hs[target]), t_day)
    best_row = tariff.row_in_force(tariff.code_ids(fit.codes, fit.best_id), t_day)
    mfn, best = tariff.rates_for(declared_row), tariff.rates_for(best_row)
    out["desc_best_code"] = fit.best_code
    out["desc_fit_declared"] = fit.fit_declared
    out["desc_fit_best"] = fit.fit_best
    out["desc_better_heading"] = fit.better
    gap = np.where((mfn[:, 0] >= 0) & (best[:, 0] >= 0),
                   (best[:, :3].sum(axis=1) - mfn[:, :3].sum(axis=1)) / 10_000, 0.0)
    out["duty_rate_gap"] = np.where(fit.better, np.maximum(gap, 0.0), 0.0)

    fta = t["fta_code"].to_numpy(object)
    pref = preferential_cd(raw.preferential, fta, t["origin_country"].to_numpy(object),
                           t["hs_code"].to_numpy(object), t_day)
    out["fta_claimed"] = fta != ""
    out["fta_rate_exists"] = pref >= 0
    export = t["export_country"].to_numpy(object)
    out["shipped_via_third_country"] = (export != "") & (export != t["origin_country"])
    out["sro_claimed"] = t["sro_ref"].to_numpy(object) != ""

    history = trader_history(rows, target, chapter, raw.importer_before, chapters,
                             raw.outcomes)
    out["importer_chapter_share"] = history.importer_chapter_share
    out["importer_items_before"] = history.importer_items_before
    out["importer_audits"] = history.importer_audits
    out["importer_hit_rate"] = history.importer_hit_rate
    out["agent_audits"] = history.agent_audits
    out["agent_hit_rate"] = history.agent_hit_rate

    effective = mfn.copy()
    effective[:, 0] = np.where(pref >= 0, pref, mfn[:, 0])
    assessed = t["assessed_cents"].to_numpy(np.int64)
    expected = levies(assessed, effective)
    expected_total = np.where((expected >= 0).all(axis=1), expected.sum(axis=1), np.nan)
    paid = t[[f"paid_{lv}" for lv in LEVIES]].to_numpy(np.int64)
    out["expected_duty_pkr"] = expected_total
    paid_total = paid.sum(axis=1) / 100
    out["duty_paid_ratio"] = np.where(
        expected_total > 0, paid_total / np.where(expected_total > 0, expected_total, 1.0),
        np.where(expected_total == 0, 1.0, np.nan))
    stake, kind = duty_at_stake(out, StakeInputs(assessed, paid, mfn, effective, best,
                                                 expected_total))
    out["duty_at_stake_pkr"] = stake

    # Internal figures for the explanations.
    out["_stake_kind"] = kind
    out["_importer_hits"] = history.importer_hits
    out["_agent_hits"] = history.agent_hits
    out["_declared_text"] = _texts(tariff, declared_row)
    out["_best_text"] = _texts(tariff, best_row)
    out["_declared_cd"] = np.where(mfn[:, 0] >= 0, mfn[:, 0] / 10_000, np.nan)
    out["_best_cd"] = np.where(best[:, 0] >= 0, best[:, 0] / 10_000, np.nan)
    out["_pref_cd"] = np.where(pref >= 0, pref / 10_000, np.nan)
    return _with_attributes(out, t["attributes"].tolist())


def _lookup(values: np.ndarray, mapping: dict[str, str]) -> np.ndarray:
    """mapping[value] or '' per row, looked up once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    table = np.asarray([mapping.get(u) or "" for u in uniques] + [""], dtype=object)
    return table[codes]


def _texts(tariff: TariffTable, row: np.ndarray) -> np.ndarray:
    out = np.full(len(row), "", dtype=object)
    out[row >= 0] = tariff.description[row[row >= 0]]
    return out


def _with_attributes(frame: pd.DataFrame, values: list) -> pd.DataFrame:
    """x_ attributes as columns: numeric where every given value is a number, else text."""
    present = [i for i, v in enumerate(values) if v is not None and v == v]
    if not present:
        return frame
    parsed = parse_attributes([values[i] for i in present])
    keys = sorted({k for d in parsed if d for k in d if k.startswith("x_")})
    columns = {}
    for key in keys:
        column = np.full(len(frame), None, dtype=object)
        column[present] = [d.get(key) if d else None for d in parsed]
        series = pd.Series(column, index=frame.index, dtype=object)
        numbers = pd.to_numeric(series, errors="coerce")
        given = series.notna() & (series.astype(str) != "")
        if given.any() and numbers[given].notna().all():
            columns[key] = numbers.astype(np.float64)
        else:
            columns[key] = series.where(given, "").astype(object)
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)
