"""Model versions in `risk_models`: train from the audit outcomes, activate, load, list.

The artifact is LightGBM's own text model (no pickle: loading it cannot run code), stored with
its sha256. Loading checks the digest and that LightGBM accepts the text; either failure raises
ModelCorrupt naming the version, and nothing changes (activation checks before it switches).
Services here flush and never commit: the command or view that calls them commits.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from ..db import utcnow
from ..errors import DomainError, NotFound
from ..models import AuditOutcome, Declaration, DeclarationItem, RiskModel
from .features import build_frame
from .model import ALGORITHM, Fitted, fit, from_model_string
from .rule_hits import RuleOutcome, apply_rules


class ModelError(DomainError):
    code = "risk_model"


class TrainingDataError(ModelError):
    """There is nothing (or nothing usable) to learn from; nothing was changed."""


class ModelCorrupt(ModelError):
    """A stored model cannot be used; the active model stays as it was."""


@dataclass
class Labels:
    item_ids: np.ndarray
    hit: np.ndarray
    short_levy: np.ndarray
    first_day: dt.date
    last_day: dt.date


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def labels_until(session: Session, until: dt.date | None,
                 cleared_before: dt.date | None = None) -> Labels:
    """Outcomes made final up to ``until`` (label: a finding other than NONE)."""
    query = (select(AuditOutcome.item_id, AuditOutcome.finding, AuditOutcome.short_levy_pkr,
                    Declaration.gd_date)
             .join(DeclarationItem, DeclarationItem.id == AuditOutcome.item_id)
             .join(Declaration, Declaration.id == DeclarationItem.declaration_id))
    if until is not None:
        query = query.where(AuditOutcome.audit_date <= until)
    if cleared_before is not None:
        query = query.where(Declaration.gd_date < cleared_before)
    rows = session.execute(query).all()
    when = f" up to {until}" if until else ""
    if not rows:
        raise TrainingDataError(f"No audit outcomes{when}: there is nothing to learn from. "
                                "Import past outcomes (pca outcomes import) or close audit "
                                "cases first; the active model was not changed.")
    hit = np.asarray([r[1] != "NONE" for r in rows])
    if hit.all() or not hit.any():
        found = "a finding" if hit.all() else "no finding"
        raise TrainingDataError(f"All {len(rows)} audit outcomes{when} have {found}: a model "
                                "needs audits with and without findings. The active model "
                                "was not changed.")
    days = [_as_date(r[3]) for r in rows]
    return Labels(np.asarray([r[0] for r in rows], dtype=np.int64), hit,
                  np.asarray([float(r[2]) for r in rows]), min(days), max(days))


def training_frame(session: Session, labels: Labels, on: dt.date | None
                   ) -> tuple[pd.DataFrame, RuleOutcome, np.ndarray, np.ndarray]:
    """Features and rule hits of the labelled items, with labels aligned to the frame's rows."""
    frame = build_frame(session, labels.first_day, labels.last_day, item_ids=labels.item_ids)
    order = pd.Series(np.arange(len(labels.item_ids)), index=labels.item_ids)
    pos = order.reindex(frame["item_id"].to_numpy()).to_numpy()
    rules = apply_rules(session, frame, on)
    return frame, rules, labels.hit[pos], labels.short_levy[pos]


def _next_version(session: Session) -> str:
    number = (session.scalar(select(func.count()).select_from(RiskModel)) or 0) + 1
    existing = set(session.scalars(select(RiskModel.version)))
    while f"v{number}" in existing:
        number += 1
    return f"v{number}"


def train(session: Session, until: dt.date | None, created_by: str, activate: bool = False,
          seed: int = 0) -> RiskModel:
    """Train a new model version on the outcomes known up to ``until`` (default: all)."""
    labels = labels_until(session, until)
    frame, rules, hit, short_levy = training_frame(session, labels, until)
    fitted = fit(frame, rules, hit, short_levy, seed=seed)
    text = fitted.booster.model_to_string()
    artifact = text.encode("utf-8")
    row = RiskModel(
        version=_next_version(session), algorithm=ALGORITHM, status="candidate",
        trained_from=labels.first_day, trained_to=labels.last_day, rows_train=len(hit),
        rows_positive=int(hit.sum()), features=fitted.features,
        params={**fitted.params, "until": until.isoformat() if until else None,
                "rule_set_id": rules.rule_set_id, "rule_set_version": rules.version},
        metrics=fitted.metrics, artifact=artifact,
        sha256=hashlib.sha256(artifact).hexdigest(), created_by=created_by)
    session.add(row)
    session.flush()
    if activate:
        activate_version(session, row.version)
    return row


def get_model(session: Session, version: str) -> RiskModel:
    row = session.scalar(select(RiskModel).where(RiskModel.version == version))
    if row is None:
        raise NotFound(f"No risk model version {version!r}.")
    return row


_LOADED: dict[str, Fitted] = {}


def load(row: RiskModel) -> Fitted:
    """The usable model of a stored version; ModelCorrupt if the artifact is damaged."""
    cached = _LOADED.get(row.sha256)
    artifact = bytes(row.artifact or b"")
    if hashlib.sha256(artifact).hexdigest() != row.sha256:
        raise ModelCorrupt(f"Risk model {row.version} is corrupt: its artifact does not match "
                           "the stored sha256. Retrain or activate another version.")
    if cached is not None:
        return cached
    try:
        fitted = from_model_string(artifact.decode("utf-8"), row.features or [],
                                   (row.params or {}).get("categorical", []))
    except Exception as exc:  # LightGBMError, UnicodeDecodeError, a feature-list mismatch
        raise ModelCorrupt(f"Risk model {row.version} cannot be loaded ({exc}). Retrain or "
                           "activate another version.") from exc
    fitted.params, fitted.metrics = dict(row.params or {}), dict(row.metrics or {})
    _LOADED[row.sha256] = fitted
    return fitted


def activate_version(session: Session, version: str) -> RiskModel:
    """Make ``version`` the active model after checking that it loads; others are retired."""
    row = get_model(session, version)
    load(row)  # raises ModelCorrupt before anything changes
    # Lock the active row (PostgreSQL) so that two activations queue rather than both win.
    for other in session.scalars(select(RiskModel).where(RiskModel.status == "active",
                                                         RiskModel.id != row.id)
                                 .with_for_update()):
        other.status = "retired"
    session.flush()
    row.status = "active"
    row.activated_at = utcnow()
    session.flush()
    return row


def active_model(session: Session) -> RiskModel | None:
    return session.scalar(select(RiskModel).where(RiskModel.status == "active"))


def list_models(session: Session) -> list[RiskModel]:
    return list(session.scalars(select(RiskModel).options(defer(RiskModel.artifact))
                                .order_by(RiskModel.id)))
