"""The rules engine as the scorer sees it: rule hits, rule score and reasons for a frame.

`audit_app.risk.rules` (the rules engine) is built separately; if it is not installed the
scorer runs without rules rather than failing, and says so in the run's parameters.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session


@dataclass
class NoRules:
    """Stands in for a RuleResult when the rules engine is missing."""

    n_rows: int
    rule_set_id: int | None = None
    version: int | None = None
    codes: list[str] = field(default_factory=list)
    installed: bool = False

    def __post_init__(self) -> None:
        self.hits = np.zeros((self.n_rows, 0), dtype=bool)
        self.score = np.zeros(self.n_rows)
        self.reasons: list[list[str]] = [[] for _ in range(self.n_rows)]

    def rules_hit(self) -> list[list[str]]:
        return [[] for _ in range(self.n_rows)]


class RuleOutcome(Protocol):
    """What scoring reads of a rules result: rules.RuleResult, or NoRules."""

    rule_set_id: int | None
    version: int | None
    codes: list[str]
    hits: np.ndarray
    score: np.ndarray
    reasons: list[list[str]]

    def rules_hit(self) -> list[list[str]]: ...


def apply_rules(session: Session, frame: pd.DataFrame,
                on: dt.date | None = None) -> RuleOutcome:
    """The active rule set applied to ``frame`` (a RuleResult), or NoRules without the engine."""
    try:
        from .rules import evaluate_active_rules
    except ImportError:
        return NoRules(len(frame))
    return evaluate_active_rules(session, frame, on)


def rule_features(session: Session) -> dict[str, frozenset[str]]:
    """Rule code -> the feature names its condition reads (to avoid repeating what a rule said)."""
    try:
        from .rule_language import compile_condition
        from .rules import active_rule_set
    except ImportError:
        return {}
    rule_set = active_rule_set(session)
    if rule_set is None:
        return {}
    out = {}
    for rule in rule_set.rules:
        try:
            out[rule.code] = compile_condition(rule.condition, rule.code).names
        except Exception:  # noqa: BLE001 - evaluate_active_rules reports a broken rule
            out[rule.code] = frozenset()
    return out
