"""The learned model: LightGBM on the feature frame, rule hits and x_ attributes.

Pure computation (no database): `fit` trains on labelled rows, `Fitted.predict` scores rows.
Persistence and versioning are in `model_store`.

Design:
- Inputs are the contract's numeric and yes/no features, a few low-cardinality text features as
  native LightGBM categories (their category lists travel inside the model string), the rule
  score and one 0/1 column per rule code, and the `x_` attributes (numbers as numbers, text as
  categories). Identifiers and free text (GD number, NTN, description, PCT code itself) are
  left out: the history and reference features carry what they mean without memorising them.
- Validation is chronological: the last VALID_SHARE of the labelled items, by clearance date,
  choose the number of boosting rounds (early stopping on average precision, which rewards the
  top of the ranking); then the model is refitted on all labelled items with that number of
  rounds, so the most recent audits are not wasted.
- Reproducible: fixed seeds, deterministic LightGBM, one thread while training. Prediction is
  deterministic whatever the thread count, so it uses every core.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from . import metrics
from .schema import FEATURES

ALGORITHM = "lightgbm-gbdt"
CATEGORICAL = ("channel", "collectorate", "directorate", "chapter", "origin_country", "unit",
               "currency", "fta_code", "sro_ref", "ref_level")
_NOT_FEATURES = frozenset({"item_id", "item_no", "importer_id", "gd_number", "gd_date",
                           "importer_ntn", "agent_code", "hs_code", "heading", "description",
                           "export_country", "desc_best_code"})
NUMERIC = tuple(name for name, (kind, _) in FEATURES.items()
                if kind in ("number", "int", "bool") and name not in _NOT_FEATURES)
VALID_SHARE = 0.2
MAX_ROUNDS = 100
EARLY_STOPPING_ROUNDS = 20
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "metric": "average_precision",
    # Few, small, shallow trees: on the demo data (64,000 audited items) 100 rounds at 0.25
    # reach the average precision of 373 at 0.1 within 0.003, and prediction cost grows with
    # the number of trees (a million items must score at >= 200,000 items/s), SHAP's with depth.
    "learning_rate": 0.25,
    "num_leaves": 15,
    "max_depth": 6,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10.0,
    "deterministic": True,
    "force_col_wise": True,
    "num_threads": 1,
    "seed": 0,
    "verbose": -1,
}
FRACTIONS = (0.01, 0.02, 0.05, 0.10)


class RuleHits(Protocol):
    """What the model needs of a rules-engine result (rules.RuleResult, or a row subset)."""

    codes: list[str]
    hits: np.ndarray
    score: np.ndarray


def rule_feature(code: str) -> str:
    # LightGBM refuses JSON punctuation in feature names; codes are like "UV-LOW-ORIGIN".
    return "rule_" + re.sub(r"[^A-Za-z0-9_]", "_", code)


@dataclass
class Fitted:
    booster: lgb.Booster
    features: list[str]
    categorical: list[str]
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    def matrix(self, frame: pd.DataFrame, rules: RuleHits) -> np.ndarray:
        """The input as one float array: categories become the codes LightGBM was trained
        with (the lists stored in the model string), which is what its pandas path does, at a
        fraction of the cost."""
        stored = self.booster.pandas_categorical or []
        if len(stored) != len(self.categorical):
            raise ValueError("the model's category lists do not match its categorical features")
        known = dict(zip(self.categorical, stored))
        n = len(frame)
        by_rule = {rule_feature(c): j for j, c in enumerate(rules.codes)}
        out = np.empty((n, len(self.features)))
        for j, name in enumerate(self.features):
            if name in known:
                if name in frame.columns:
                    codes, uniques = pd.factorize(frame[name])
                    lookup = pd.Index(known[name]).get_indexer(
                        np.asarray(uniques, dtype=object).astype(str))
                    column = np.append(lookup, -1)[codes].astype(np.float64)
                else:
                    column = np.full(n, float(pd.Index(known[name]).get_indexer([""])[0]))
                column[column < 0] = np.nan  # a value unseen in training: missing
                out[:, j] = column
            elif name == "rule_score":
                out[:, j] = rules.score
            elif name in by_rule:
                out[:, j] = rules.hits[:, by_rule[name]]
            elif name.startswith("rule_"):
                out[:, j] = 0.0  # a rule of the training set no longer in force
            elif name in frame.columns:
                out[:, j] = frame[name].to_numpy(np.float64, na_value=np.nan)
            else:
                out[:, j] = np.nan
        return out

    def predict(self, frame: pd.DataFrame, rules: RuleHits,
                num_threads: int = 0) -> np.ndarray:
        if len(frame) == 0:
            return np.zeros(0)
        return np.asarray(self.booster.predict(self.matrix(frame, rules),
                                               num_threads=num_threads), dtype=np.float64)

    def contributions(self, frame: pd.DataFrame, rules: RuleHits) -> np.ndarray:
        """SHAP values (log-odds) per feature, shape (n, len(features)); bias dropped."""
        if len(frame) == 0:
            return np.zeros((0, len(self.features)))
        out = self.booster.predict(self.matrix(frame, rules), pred_contrib=True)
        return np.asarray(out)[:, :-1]


def feature_lists(frame: pd.DataFrame, rules: RuleHits) -> tuple[list[str], list[str]]:
    """(all features in order, the categorical ones) for a frame and a rules result."""
    x_cols = sorted(c for c in frame.columns if c.startswith("x_"))
    x_text = [c for c in x_cols if not pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in CATEGORICAL if c in frame.columns] + x_text
    features = [*NUMERIC, "rule_score", *(rule_feature(c) for c in rules.codes),
                *(c for c in x_cols if c not in x_text), *categorical]
    return features, categorical


def design_matrix(frame: pd.DataFrame, rules: RuleHits, features: Sequence[str],
                  categorical: Sequence[str]) -> pd.DataFrame:
    """The model's input columns; a feature the frame or rule set lacks is missing (NaN)."""
    n = len(frame)
    by_rule = {rule_feature(c): rules.hits[:, j] for j, c in enumerate(rules.codes)}
    cats = set(categorical)
    columns: dict[str, Any] = {}
    for name in features:
        if name in cats:
            values = frame[name] if name in frame.columns else pd.Series([""] * n)
            # LightGBM maps these onto the categories it was trained with (model string).
            columns[name] = pd.Categorical(np.asarray(values, dtype=object).astype(str))
        elif name == "rule_score":
            columns[name] = np.asarray(rules.score, dtype=np.float64)
        elif name in by_rule:
            columns[name] = by_rule[name].astype(np.float64)
        elif name.startswith("rule_"):
            columns[name] = np.zeros(n)  # a rule of the training set no longer in force
        elif name in frame.columns:
            columns[name] = frame[name].to_numpy(np.float64, na_value=np.nan)
        else:
            columns[name] = np.full(n, np.nan)
    return pd.DataFrame(columns)


def chronological_split(days: np.ndarray, share: float = VALID_SHARE) -> np.ndarray:
    """Boolean mask of the validation rows: the latest `share` by date (whole days)."""
    if len(days) < 10:
        return np.zeros(len(days), dtype=bool)
    cut = np.quantile(days, 1.0 - share, method="higher")
    valid = days >= cut
    if valid.all():  # a single day: no chronology to split on
        return np.zeros(len(days), dtype=bool)
    return valid


def ranking_metrics(labels: np.ndarray, scores: np.ndarray,
                    amounts: np.ndarray | None) -> dict[str, float]:
    out: dict[str, float] = {"rows": int(len(labels)), "positives": int(labels.sum())}
    if 0 < labels.sum() < len(labels):
        out["auc"] = round(float(roc_auc_score(labels, scores)), 4)
        out["average_precision"] = round(float(average_precision_score(labels, scores)), 4)
    for f in FRACTIONS:
        out[f"precision_at_{round(f * 100)}"] = round(metrics.precision_at(labels, scores, f), 4)
        if amounts is not None:
            out[f"revenue_at_{round(f * 100)}"] = round(metrics.revenue_at(amounts, scores, f), 4)
    return out


def fit(frame: pd.DataFrame, rules: RuleHits, labels: np.ndarray,
        amounts: np.ndarray | None = None, seed: int = 0) -> Fitted:
    """Train on the labelled rows of ``frame`` (both classes must be present)."""
    features, categorical = feature_lists(frame, rules)
    x = design_matrix(frame, rules, features, categorical)
    y = np.asarray(labels, dtype=np.float64)
    days = frame["gd_date"].to_numpy("datetime64[D]").astype(np.int64)
    valid = chronological_split(days)
    params = {**PARAMS, "seed": seed}
    rounds, valid_metrics = MAX_ROUNDS // 2, {}
    if valid.any() and 0 < y[valid].sum() < valid.sum() and 0 < y[~valid].sum() < (~valid).sum():
        train_set = lgb.Dataset(x[~valid], y[~valid], categorical_feature=categorical,
                                free_raw_data=False)
        valid_set = lgb.Dataset(x[valid], y[valid], reference=train_set)
        probe = lgb.train(params, train_set, num_boost_round=MAX_ROUNDS, valid_sets=[valid_set],
                          callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)])
        rounds = max(probe.best_iteration, 1)
        valid_scores = probe.predict(x[valid], num_iteration=rounds)
        valid_metrics = ranking_metrics(y[valid], np.asarray(valid_scores),
                                        None if amounts is None else amounts[valid])
    full = lgb.train(params, lgb.Dataset(x, y, categorical_feature=categorical),
                     num_boost_round=rounds)
    return Fitted(full, features, categorical,
                  params={**{k: v for k, v in params.items() if k != "verbose"},
                          "num_boost_round": rounds, "valid_share": VALID_SHARE,
                          "categorical": categorical},
                  metrics={"validation": valid_metrics,
                           "train": {"rows": int(len(y)), "positives": int(y.sum())}})


def from_model_string(text: str, features: Sequence[str], categorical: Sequence[str]) -> Fitted:
    """A stored model back; LightGBM raises (LightGBMError) on a damaged string."""
    booster = lgb.Booster(model_str=text)
    if booster.feature_name() != list(features):
        raise ValueError("the model's feature names differ from the stored feature list")
    return Fitted(booster, list(features), list(categorical))
