"""Trader history: what an importer usually imports, and what earlier audits of it found.

Exact cumulative counts, strictly before the item's clearance date: for an item cleared on day
t, an importer's "earlier items" are those cleared before t (same-day items excluded, their order
within a day being arbitrary), and "earlier audits" are outcomes *made final* before t (audit
date < t, not clearance date: an audit finished next year was unknown when the item cleared).
Each count is a difference of two binary searches in a sorted key array: no loop over rows.

Hit rates are smoothed towards the overall hit rate of the outcomes known at t, with the weight
of SMOOTHING pseudo-audits (the same shrinkage as encoding.TargetEncoder, made time-aware), so
one audit with a finding reads as a hint, not as a certainty.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

SMOOTHING = 5.0
_SHIFT = 1_000_000  # days fit below this: (entity, day) packs into one int64 key

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def count_before(entity: IntArray, day: IntArray, query_entity: IntArray,
                 query_day: IntArray) -> IntArray:
    """For each query, rows of the same entity with day < query day."""
    keys = np.sort(entity.astype(np.int64) * _SHIFT + day)
    q = query_entity.astype(np.int64) * _SHIFT
    return (np.searchsorted(keys, q + query_day, side="left")
            - np.searchsorted(keys, q, side="left"))


def sum_before(entity: IntArray, day: IntArray, weight: FloatArray, query_entity: IntArray,
               query_day: IntArray) -> FloatArray:
    """For each query, the sum of ``weight`` over rows of the entity with day < query day."""
    keys = entity.astype(np.int64) * _SHIFT + day
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    running = np.concatenate([[0.0], np.cumsum(weight[order])])
    q = query_entity.astype(np.int64) * _SHIFT
    return (running[np.searchsorted(keys, q + query_day, side="left")]
            - running[np.searchsorted(keys, q, side="left")])


@dataclass
class TraderHistory:
    importer_items_before: IntArray
    importer_chapter_share: FloatArray
    importer_audits: IntArray
    importer_hits: IntArray
    importer_hit_rate: FloatArray
    agent_audits: IntArray
    agent_hits: IntArray
    agent_hit_rate: FloatArray


def trader_history(rows: pd.DataFrame, target: np.ndarray, chapter_id: IntArray,
                   before: pd.DataFrame, chapters: np.ndarray,
                   outcomes: pd.DataFrame) -> TraderHistory:
    """History features of the target rows of ``rows`` (every loaded row counts as history).

    ``before`` holds per (importer, chapter) counts of items older than ``rows``;
    ``chapters`` maps chapter ids to chapter codes.
    """
    importer = rows["importer_id"].to_numpy(np.int64)
    day = rows["gd_day"].to_numpy(np.int64)
    t_imp, t_day, t_chap = importer[target], day[target], chapter_id[target]
    n_chapters = len(chapters)

    older_total = before.groupby("importer_id")["n"].sum()
    chapter_of = {c: i for i, c in enumerate(chapters)}
    b_chap = before["chapter"].map(chapter_of)
    known = b_chap.notna().to_numpy()
    older_pair = pd.Series(before["n"].to_numpy()[known],
                           index=before["importer_id"].to_numpy(np.int64)[known] * n_chapters
                           + b_chap.to_numpy()[known].astype(np.int64))
    older_pair = older_pair.groupby(level=0).sum()

    items_before = (count_before(importer, day, t_imp, t_day)
                    + pd.Series(t_imp).map(older_total).fillna(0).to_numpy(np.int64))
    pair = importer * n_chapters + chapter_id
    t_pair = t_imp * n_chapters + t_chap
    in_chapter = (count_before(pair, day, t_pair, t_day)
                  + pd.Series(t_pair).map(older_pair).fillna(0).to_numpy(np.int64))
    share = np.divide(in_chapter, items_before, out=np.full(len(t_imp), np.nan),
                      where=items_before > 0)

    o_day = outcomes["audit_day"].to_numpy(np.int64)
    o_hit = outcomes["hit"].to_numpy(np.float64)
    everyone = np.zeros(len(o_day), dtype=np.int64)
    zeros = np.zeros(len(t_day), dtype=np.int64)
    all_audits = count_before(everyone, o_day, zeros, t_day)
    all_hits = sum_before(everyone, o_day, o_hit, zeros, t_day)
    prior = np.divide(all_hits, all_audits, out=np.full(len(t_day), np.nan),
                      where=all_audits > 0)

    def party(entity: np.ndarray, query: np.ndarray) -> tuple[IntArray, IntArray, FloatArray]:
        have = ~np.isnan(entity)
        e = np.where(have, entity, -1).astype(np.int64)
        ok = ~np.isnan(query)
        q = np.where(ok, query, -2).astype(np.int64)
        audits = np.where(ok, count_before(e[have], o_day[have], q, t_day), 0)
        hits = np.where(ok, sum_before(e[have], o_day[have], o_hit[have], q, t_day), 0.0)
        rate = (hits + SMOOTHING * prior) / (audits + SMOOTHING)
        return audits, np.rint(hits).astype(np.int64), rate

    imp_audits, imp_hits, imp_rate = party(
        outcomes["importer_id"].to_numpy(np.float64), t_imp.astype(np.float64))
    ag_audits, ag_hits, ag_rate = party(
        outcomes["agent_id"].to_numpy(np.float64),
        rows["agent_id"].to_numpy(np.float64)[target])
    return TraderHistory(items_before, share, imp_audits, imp_hits, imp_rate, ag_audits,
                         ag_hits, ag_rate)
