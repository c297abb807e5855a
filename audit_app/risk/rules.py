"""Applying a rule set to the feature frame: which rules each item hits, its rule score, and the
reasons in words an auditor reads.

The scoring side calls `evaluate_active_rules(session, frame)`; the rule editor calls
`evaluate_rules` on a draft for its test run. Both only read: nothing here writes to the database.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Protocol, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..errors import ValidationFailed
from ..models import RiskRuleSet
from .rule_language import Condition, FrameView, RuleSyntaxError, compile_condition
from .rule_reasons import ReasonTemplate, compile_reason


class RuleLike(Protocol):
    """What a rule needs to be compiled: a RiskRule row, or the fields of an imported one."""

    code: str
    condition: str
    reason: str
    weight: object
    valid_from: dt.date
    valid_to: dt.date | None


class RuleSetInvalid(ValidationFailed):
    """Some rules of a set do not compile; `details` lists each problem (code, field, place)."""

    def __init__(self, errors: Sequence[RuleSyntaxError], version: int | None = None) -> None:
        which = f"Rule set version {version}" if version is not None else "The rule set"
        super().__init__(f"{which} has {len(errors)} rule error(s); nothing was changed.",
                         [e.as_dict() for e in errors])
        self.errors = list(errors)


@dataclass(frozen=True)
class CompiledRule:
    code: str
    weight: float
    condition: Condition
    reason: ReasonTemplate
    valid_from: dt.date
    valid_to: dt.date | None


def compile_rule(rule: RuleLike) -> CompiledRule:
    """One rule, checked; the first problem raises RuleSyntaxError."""
    weight = float(rule.weight)  # type: ignore[arg-type]
    return CompiledRule(rule.code, min(max(weight, 0.0), 1.0),
                        compile_condition(rule.condition, rule.code),
                        compile_reason(rule.reason, rule.code), rule.valid_from, rule.valid_to)


def rule_errors(rules: Iterable[RuleLike]) -> list[RuleSyntaxError]:
    """Every problem of every rule (condition and reason), so the editor can show them all."""
    errors: list[RuleSyntaxError] = []
    for rule in rules:
        for check, source in ((compile_condition, rule.condition), (compile_reason, rule.reason)):
            try:
                check(source, rule.code)
            except RuleSyntaxError as exc:
                errors.append(exc)
    return errors


def compile_rules(rules: Iterable[RuleLike], version: int | None = None) -> list[CompiledRule]:
    rules = list(rules)
    errors = rule_errors(rules)
    if errors:
        raise RuleSetInvalid(errors, version)
    return [compile_rule(r) for r in rules]


@dataclass
class RuleResult:
    """Rules applied to a frame: `hits[i, j]` is row i hitting rule `codes[j]`; `score` combines
    the weights of the rules hit as 1 - prod(1 - w); `reasons[i]` lists row i's reason
    sentences, strongest rule first."""

    rule_set_id: int | None
    codes: list[str]
    hits: np.ndarray
    score: np.ndarray
    reasons: list[list[str]]
    version: int | None = None
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def empty(cls, n_rows: int) -> RuleResult:
        return cls(None, [], np.zeros((n_rows, 0), dtype=bool), np.zeros(n_rows),
                   [[] for _ in range(n_rows)])

    def hit_counts(self) -> dict[str, int]:
        return {code: int(n) for code, n in zip(self.codes, self.hits.sum(axis=0))}

    def rules_hit(self) -> list[list[str]]:
        """Per row, the codes of the rules hit, strongest first (the order of `reasons`)."""
        order = sorted(range(len(self.codes)), key=lambda j: (-self.weights[j], self.codes[j]))
        out: list[list[str]] = [[] for _ in range(self.hits.shape[0])]
        for j in order:
            for i in np.flatnonzero(self.hits[:, j]).tolist():
                out[i].append(self.codes[j])
        return out


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """A million small lists and strings (no cycles among them) would otherwise set off hundreds
    of cyclic-GC passes over everything alive: a quarter of the evaluation time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _row_dates(view: FrameView, on: dt.date | None) -> np.ndarray:
    fallback = np.datetime64(on or dt.date.today(), "D")
    if "gd_date" not in view.frame.columns:
        return np.full(view.n, fallback)
    dates = view.column("gd_date", "date")
    return np.where(np.isnat(dates), fallback, dates)


def evaluate_rules(rules: Sequence[CompiledRule], frame: pd.DataFrame, on: dt.date | None = None,
                   rule_set_id: int | None = None, version: int | None = None) -> RuleResult:
    """Apply compiled rules to every row. A rule counts for a row only when the row's gd_date
    lies in its validity period; `on` stands in for rows without a gd_date (default today)."""
    view = FrameView(frame)
    n = view.n
    if not rules:
        result = RuleResult.empty(n)
        result.rule_set_id, result.version = rule_set_id, version
        return result
    dates = _row_dates(view, on)
    hits = np.zeros((n, len(rules)), dtype=bool, order="F")  # column writes stay contiguous
    for j, rule in enumerate(rules):
        valid = dates >= np.datetime64(rule.valid_from, "D")
        if rule.valid_to is not None:
            valid &= dates <= np.datetime64(rule.valid_to, "D")
        if valid.any():
            hits[:, j] = rule.condition.evaluate(view) & valid
    weights = np.array([r.weight for r in rules])
    score = 1.0 - np.prod(np.where(hits, 1.0 - weights, 1.0), axis=1)
    with _gc_paused():
        reasons: list[list[str]] = [[] for _ in range(n)]
        for j in sorted(range(len(rules)), key=lambda j: (-rules[j].weight, rules[j].code)):
            rows = np.flatnonzero(hits[:, j])
            if rows.size:
                for i, text in zip(rows.tolist(), rules[j].reason.render(view, rows)):
                    reasons[i].append(text)
    return RuleResult(rule_set_id, [r.code for r in rules], hits, score, reasons, version, weights)


def active_rule_set(session: Session) -> RiskRuleSet | None:
    return session.scalar(select(RiskRuleSet).where(RiskRuleSet.status == "active")
                          .options(selectinload(RiskRuleSet.rules)))


def evaluate_active_rules(session: Session, frame: pd.DataFrame,
                          on: dt.date | None = None) -> RuleResult:
    """The active rule set applied to `frame`; an empty result when no set is active.

    A stored rule that no longer compiles (a feature renamed since it was activated) raises
    RuleSetInvalid naming it, rather than scoring silently without it."""
    rule_set = active_rule_set(session)
    if rule_set is None:
        return RuleResult.empty(len(frame))
    compiled = compile_rules(sorted(rule_set.rules, key=lambda r: r.code), rule_set.version)
    return evaluate_rules(compiled, frame, on, rule_set.id, rule_set.version)
