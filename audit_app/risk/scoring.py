"""Scoring runs: probability of a finding, expected short levy, ranking and reasons, stored.

    result = score_period(session, date_from, date_to, created_by="ops")

Revenue-aware: each item's expected short levy is P(finding) x duty at stake (the short levy if
its strongest suspicion is true, recomputed with the duty formula), and items are ranked by that
expected recovery, then by probability, then by item id (a total order, so runs reproduce).
P(finding) comes from the active model, or from the cold-start blend when none is active.
A run is stored as a RiskRun and one RiskScore per item, inserted in bulk (executemany on
SQLite, COPY on PostgreSQL); services flush, the caller commits.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import ValidationFailed
from ..models import RiskModel, RiskRun
from . import coldstart, explain
from .features import build_frame
from .model import Fitted, RuleHits
from .model_store import active_model, load
from .rule_hits import RuleOutcome, apply_rules, rule_features

EXPLAIN_SHAP_TOP = 2000   # items at the top of a run whose reasons come from SHAP values
CSV_COLUMNS = ("gd_number", "item_no", "score", "expected_short_levy_pkr", "reasons")


@dataclass
class Scored:
    frame: pd.DataFrame
    rules: RuleOutcome
    probability: np.ndarray
    expected: np.ndarray
    order: np.ndarray                 # row positions, best first
    model: RiskModel | None = None
    reasons: list[list[str]] = field(default_factory=list)
    run: RiskRun | None = None
    seconds: dict[str, float] = field(default_factory=dict)   # per step, for operators

    def lap(self, step: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[step] = round(now - started, 2)
        return now


def rank(expected: np.ndarray, probability: np.ndarray, item_id: np.ndarray) -> np.ndarray:
    """Best first: expected recovery, then probability, then the lower item id."""
    return np.lexsort((item_id, -probability, -expected))


def probabilities(frame: pd.DataFrame, rules: RuleHits, fitted: Fitted | None) -> np.ndarray:
    if fitted is not None:
        return fitted.predict(frame, rules)
    return coldstart.probability(coldstart.terms(frame, rules.score))


def score_frame(session: Session, frame: pd.DataFrame, on: dt.date | None,
                with_reasons: bool = True) -> Scored:
    """Score a feature frame with the active rule set and model (cold start without one)."""
    started = time.perf_counter()
    rules = apply_rules(session, frame, on)
    rules_done = time.perf_counter()
    row = active_model(session)
    fitted = load(row) if row is not None else None  # ModelCorrupt: nothing is stored
    probability = probabilities(frame, rules, fitted)
    stake = frame["duty_at_stake_pkr"].to_numpy(np.float64)
    expected = probability * stake
    order = rank(expected, probability, frame["item_id"].to_numpy())
    scored = Scored(frame, rules, probability, expected, order, row)
    scored.seconds["rules"] = round(rules_done - started, 2)
    mark = scored.lap("model", rules_done)
    if with_reasons:
        scored.reasons = reasons(session, scored, fitted)
        scored.lap("reasons", mark)
    return scored


def reasons(session: Session, scored: Scored, fitted: Fitted | None) -> list[list[str]]:
    """Rule sentences, then the topics that pushed each item's score most."""
    frame, rules = scored.frame, scored.rules
    terms = coldstart.terms(frame, rules.score)
    topics, push = explain.topic_matrix(list(terms.columns), terms.to_numpy(),
                                        explain.TERM_TOPIC.get)
    min_push = np.full(len(frame), explain.MIN_PUSH_BLEND)
    if fitted is not None and len(frame):
        top = scored.order[:EXPLAIN_SHAP_TOP]
        shap_topics, shap_push = explain.topic_matrix(
            fitted.features, fitted.contributions(frame.iloc[top], rules_subset(rules, top)),
            explain.topic_of)
        topics, push = _merge(topics, push, shap_topics, shap_push, top)
        min_push[top] = explain.MIN_PUSH_SHAP
    covered = explain.covered_topics(topics, rules.codes, rules.hits, rule_features(session))
    by_features = explain.feature_reasons(frame, topics, push, covered, min_push)
    out = list(rules.reasons)
    for i, extra in enumerate(by_features):
        if extra:
            out[i] = out[i] + extra
    return out


@dataclass
class _Subset:
    codes: list[str]
    hits: np.ndarray
    score: np.ndarray


def rules_subset(rules: RuleHits, rows: np.ndarray) -> _Subset:
    return _Subset(list(rules.codes), rules.hits[rows], np.asarray(rules.score)[rows])


def _merge(topics: list[str], push: np.ndarray, shap_topics: list[str], shap_push: np.ndarray,
           rows: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The blend's pushes for every row, replaced by SHAP's for ``rows``."""
    union = sorted(set(topics) | set(shap_topics))
    out = np.zeros((push.shape[0], len(union)))
    index = {t: i for i, t in enumerate(union)}
    out[:, np.asarray([index[t] for t in topics], dtype=np.intp)] = push
    out[rows] = 0.0
    out[np.ix_(rows, np.asarray([index[t] for t in shap_topics], dtype=np.intp))] = shap_push
    return union, out


def score_period(session: Session, date_from: dt.date | None, date_to: dt.date | None,
                 created_by: str, store: bool = True) -> Scored:
    """Score the items cleared in the period (default: everything) and store the run."""
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(f"The period starts ({date_from}) after it ends ({date_to}).")
    started, clock = utcnow(), time.perf_counter()
    frame = build_frame(session, date_from, date_to)
    features_seconds = round(time.perf_counter() - clock, 2)
    if len(frame):
        days = frame["gd_date"].to_numpy("datetime64[D]")
        date_from = date_from or days.min().astype(dt.date)
        date_to = date_to or days.max().astype(dt.date)
    scored = score_frame(session, frame, date_to)
    scored.seconds = {"features": features_seconds, **scored.seconds}
    if store:
        clock = time.perf_counter()
        scored.run = store_run(session, scored, date_from, date_to, created_by, started)
        scored.lap("store", clock)
    return scored


def store_run(session: Session, scored: Scored, date_from: dt.date | None,
              date_to: dt.date | None, created_by: str, started: dt.datetime) -> RiskRun:
    rules = scored.rules
    run = RiskRun(kind="score", rule_set_id=rules.rule_set_id,
                  model_id=scored.model.id if scored.model else None,
                  period_from=date_from, period_to=date_to, items_scored=len(scored.frame),
                  parameters={
                      "method": "model" if scored.model else "cold_start",
                      "model_version": scored.model.version if scored.model else None,
                      "rule_set_version": rules.version,
                      "rules_engine": getattr(rules, "installed", True),
                      "ranking": "expected short levy = probability x duty at stake",
                      "explained_by_shap": min(EXPLAIN_SHAP_TOP, len(scored.frame))
                      if scored.model else 0,
                  },
                  created_by=created_by, started_at=started)
    session.add(run)
    session.flush()
    insert_scores(session, run.id, scored)
    run.finished_at = utcnow()
    session.flush()
    return run


def _json_lists(lists: list[list[str]]) -> list[str]:
    """JSON arrays of strings, built with the json module's C string encoder (3x json.dumps)."""
    return ["[" + ",".join(map(encode_basestring, x)) + "]" if x else "[]" for x in lists]


def _money(values: np.ndarray) -> list[float]:
    # Rupees to the paisa; the driver hands them to NUMERIC(18, 2) columns.
    return np.round(np.nan_to_num(values, nan=0.0), 2).tolist()


def insert_scores(session: Session, run_id: int, scored: Scored) -> None:
    """One RiskScore per item, in bulk: executemany on SQLite, COPY on PostgreSQL."""
    n = len(scored.frame)
    if n == 0:
        return
    hit_codes = scored.rules.rules_hit() if scored.rules.hits.shape[1] else [[]] * n
    reasons = scored.reasons or [[]] * n
    rows = zip([run_id] * n, scored.frame["item_id"].tolist(),
               np.round(scored.probability, 8).tolist(),
               np.round(np.asarray(scored.rules.score, dtype=np.float64), 8).tolist(),
               _money(np.round(scored.expected)),
               _money(scored.frame["duty_at_stake_pkr"].to_numpy(np.float64)),
               _json_lists(hit_codes), _json_lists(reasons))
    columns = ("run_id, item_id, probability, rule_score, expected_short_levy_pkr, "
               "duty_at_stake_pkr, rules_hit, reasons")
    conn = session.connection()
    driver = conn.connection.driver_connection
    assert driver is not None
    if conn.dialect.name == "postgresql":
        # COPY text built here in blocks: psycopg's write_row formats each value in Python.
        # Text format escapes: JSON has no raw tab or line break, only backslashes to double.
        with driver.cursor() as cur, cur.copy(f"COPY risk_scores ({columns}) FROM STDIN") as copy:
            block: list[str] = []
            for r in rows:
                block.append(f"{r[0]}\t{r[1]}\t{r[2]!r}\t{r[3]!r}\t{r[4]:.2f}\t{r[5]:.2f}\t"
                             f"{r[6].replace(chr(92), chr(92) * 2)}\t"
                             f"{r[7].replace(chr(92), chr(92) * 2)}\n")
                if len(block) == 50_000:
                    copy.write("".join(block))
                    block.clear()
            if block:
                copy.write("".join(block))
    else:
        # A page cache that holds the table's indexes while a million rows go in (the
        # expected-levy index is filled in random order); the connection's default afterwards.
        default = driver.execute("PRAGMA cache_size").fetchone()[0]
        driver.execute("PRAGMA cache_size = -262144")  # 256 MB
        try:
            driver.executemany(
                f"INSERT INTO risk_scores ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        finally:
            driver.execute(f"PRAGMA cache_size = {int(default)}")


def ranked_table(scored: Scored) -> pd.DataFrame:
    """The run's ranking: CSV_COLUMNS, best first (reasons joined with ' | ')."""
    order = scored.order
    frame = scored.frame
    reasons = scored.reasons or [[]] * len(frame)
    return pd.DataFrame({
        "gd_number": frame["gd_number"].to_numpy(object)[order],
        "item_no": frame["item_no"].to_numpy()[order],
        "score": np.round(scored.probability[order], 6),
        "expected_short_levy_pkr": np.round(scored.expected[order]).astype(np.int64),
        "reasons": [" | ".join(reasons[i]) for i in order.tolist()],
    }, columns=list(CSV_COLUMNS))


def _csv_field(text: str) -> str:
    """RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(scored: Scored, path: str | Path) -> int:
    """Write the ranking CSV (CSV_COLUMNS, best first); returns the number of rows.

    Lines are built directly (a reason list is always quoted, a GD number only when it has
    to be): the csv module costs several seconds more on a million rows."""
    order = scored.order.tolist()
    frame = scored.frame
    reasons = scored.reasons or [[]] * len(frame)
    gd = [_csv_field(str(g)) for g in frame["gd_number"].to_numpy(object)[scored.order]]
    item_no = frame["item_no"].to_numpy()[scored.order].tolist()
    score = np.round(scored.probability[scored.order], 6).tolist()
    expected = np.round(scored.expected[scored.order]).astype(np.int64).tolist()
    joined = [" | ".join(reasons[i]).replace('"', '""') for i in order]
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(",".join(CSV_COLUMNS) + "\r\n")
        for start in range(0, len(order), 100_000):
            end = start + 100_000
            f.write("".join(
                f'{g},{n},{p:.6f},{e},"{r}"\r\n' if r else f"{g},{n},{p:.6f},{e},\r\n"
                for g, n, p, e, r in zip(gd[start:end], item_no[start:end], score[start:end],
                                         expected[start:end], joined[start:end])))
    return len(order)


def latest_score(session: Session, item_id: int) -> Any:
    """An item's latest score with its reasons (queries.ItemRisk), or None if never scored."""
    from .queries import latest_item_risk
    return latest_item_risk(session, [item_id]).get(item_id)


