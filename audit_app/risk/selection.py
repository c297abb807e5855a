"""Audit selection: the latest scores turned into audit proposals within capacity, by importer.

An audit examines one importer's declarations, so capacity N is N importers. Each importer is
represented by its top items (by expected short levy) not yet audited; importers are ranked by
the expected recovery of those items. (1 - random_share) of the capacity goes by rank, the rest
by a seeded random draw among the remaining importers with scored items: audits chosen
regardless of score are what keeps the outcomes - and so the next model - unbiased.
Importers already under a proposal that is proposed or approved are skipped.

Every proposal records why it was chosen; a supervisor approves or rejects it, by name.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from workflows.clock import Clock

from ..db import utcnow
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import (AuditOutcome, AuditProposal, AuditProposalItem, Collectorate, Declaration,
                      DeclarationItem, Directorate, RiskRun, RiskScore, User)

DEFAULT_RANDOM_SHARE = 0.1
ITEMS_PER_AUDIT = 20
MAX_CAPACITY = 1000
OPEN_STATUSES = ("proposed", "approved")
_CHUNK = 5000  # ids per IN (...): well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class SelectionRequest:
    capacity: int
    directorate: str | None = None
    random_share: float = DEFAULT_RANDOM_SHARE
    seed: int | None = None
    items_per_audit: int = ITEMS_PER_AUDIT
    run_id: int | None = None  # the scoring run; default the latest

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> SelectionRequest:
        """From a form or options; ValidationFailed's details map field -> message."""
        problems: dict[str, str] = {}

        def number(name: str, kind: type, default: Any, low: float, high: float,
                   message: str) -> Any:
            text = str(raw.get(name) if raw.get(name) is not None else "").strip()
            if not text:
                if default is None:
                    problems[name] = "required"
                return default
            try:
                value = kind(text)
            except ValueError:
                problems[name] = message
                return default
            if not low <= value <= high:
                problems[name] = message
            return value

        capacity = number("capacity", int, None, 1, MAX_CAPACITY,
                          f"a whole number of audits from 1 to {MAX_CAPACITY}")
        share = number("random_share", float, DEFAULT_RANDOM_SHARE, 0, 1,
                       "a share from 0 to 1 (0.1 = 10% of the audits chosen at random)")
        seed = number("seed", int, -1, 0, 2**31 - 1, "a whole number from 0 to 2147483647")
        per_audit = number("items_per_audit", int, ITEMS_PER_AUDIT, 1, 200,
                           "a whole number of items from 1 to 200")
        directorate = str(raw.get("directorate") or "").strip().upper() or None
        if problems:
            raise ValidationFailed("The selection was not run: correct the fields marked.",
                                   problems)
        return cls(capacity, directorate, share, None if seed == -1 else seed, per_audit)


@dataclass
class SelectionResult:
    run: RiskRun
    score_run: RiskRun
    proposals: list[AuditProposal]
    importers_ranked: int
    importers_eligible: int
    importers_skipped: int
    seed: int
    random_wanted: int
    notes: list[str] = field(default_factory=list)


def rupees(amount: Decimal) -> str:
    return f"Rs {int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)):,}"


def latest_score_run(session: Session) -> RiskRun | None:
    # A finished run first: one still writing its scores is not a basis for selection.
    return session.scalar(select(RiskRun).where(RiskRun.kind == "score")
                          .order_by(RiskRun.finished_at.is_(None), RiskRun.id.desc()).limit(1))


def random_count(capacity: int, share: float) -> int:
    """Audits drawn at random: the share of capacity, rounded half up (5 x 0.1 -> 1)."""
    exact = Decimal(capacity) * Decimal(str(share))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _check(session: Session, request: SelectionRequest) -> RiskRun:
    if request.directorate and session.get(Directorate, request.directorate) is None:
        raise ValidationFailed("The selection was not run: correct the fields marked.",
                               {"directorate": f"no directorate {request.directorate!r}"})
    score_run = (session.get(RiskRun, request.run_id) if request.run_id
                 else latest_score_run(session))
    if score_run is None or score_run.kind != "score":
        raise NotFound("No scoring run to select from: run `pca risk score` first.")
    return score_run


def _ranked_items(score_run_id: int, directorate: str | None, per_audit: int) -> Any:
    """Each eligible importer's items in the run, best first, numbered per importer."""
    busy = select(AuditProposal.importer_id).where(AuditProposal.status.in_(OPEN_STATUSES))
    audited = select(AuditOutcome.id).where(AuditOutcome.item_id == RiskScore.item_id)
    query = (
        select(RiskScore.id.label("score_id"), RiskScore.item_id,
               RiskScore.expected_short_levy_pkr.label("expected"), Declaration.importer_id,
               Declaration.collectorate,
               func.row_number().over(
                   partition_by=Declaration.importer_id,
                   order_by=(RiskScore.expected_short_levy_pkr.desc(),
                             RiskScore.probability.desc(), RiskScore.id)).label("rank"))
        .join(DeclarationItem, DeclarationItem.id == RiskScore.item_id)
        .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
        .where(RiskScore.run_id == score_run_id, ~audited.exists(),
               Declaration.importer_id.not_in(busy)))
    if directorate:
        query = query.join(Collectorate, Collectorate.code == Declaration.collectorate) \
            .where(Collectorate.directorate_code == directorate)
    ranked = query.subquery()
    return ranked, ranked.c.rank <= per_audit


def select_audits(session: Session, request: SelectionRequest, created_by: str) -> SelectionResult:
    """Propose audits from the scores (see the module docstring); flushes, never commits."""
    score_run = _check(session, request)
    seed = request.seed if request.seed is not None else random.SystemRandom().randrange(2**31)
    ranked, top = _ranked_items(score_run.id, request.directorate, request.items_per_audit)
    totals = session.execute(
        select(ranked.c.importer_id, func.sum(ranked.c.expected))
        .where(top).group_by(ranked.c.importer_id)).all()
    busy = session.scalar(select(func.count(func.distinct(AuditProposal.importer_id)))
                          .where(AuditProposal.status.in_(OPEN_STATUSES))) or 0
    by_risk = sorted(((Decimal(t or 0), i) for i, t in totals if t and t > 0),
                     key=lambda p: (-p[0], p[1]))
    wanted_random = random_count(request.capacity, request.random_share)
    risk_ids = [i for _, i in by_risk[:request.capacity - wanted_random]]
    pool = sorted(set(i for i, _ in totals) - set(risk_ids))
    random_ids = random.Random(seed).sample(pool, min(wanted_random, len(pool)))

    items = _items_of(session, ranked, top, risk_ids + random_ids)
    directorates = dict(session.execute(select(Collectorate.code, Collectorate.directorate_code)).all())
    run = RiskRun(kind="select", rule_set_id=score_run.rule_set_id, model_id=score_run.model_id,
                  period_from=score_run.period_from, period_to=score_run.period_to,
                  created_by=created_by, parameters={
                      "score_run_id": score_run.id, "capacity": request.capacity,
                      "directorate": request.directorate, "random_share": request.random_share,
                      "seed": seed, "items_per_audit": request.items_per_audit})
    session.add(run)
    session.flush()
    rank_of = {i: n for n, (_, i) in enumerate(by_risk, start=1)}
    risk_set = set(risk_ids)
    proposals = []
    for importer_id in risk_ids + random_ids:
        basis = "risk" if importer_id in risk_set else "random"
        rows = items[importer_id]
        if basis == "risk":  # a risk audit examines the items that carry the risk
            rows = [r for r in rows if r["expected"] > 0]
        proposal = _proposal(run, importer_id, basis, rows, request, directorates)
        proposal.reason = (_risk_reason(rank_of[importer_id], len(by_risk), proposal, rows)
                           if basis == "risk" else _random_reason(request.random_share, proposal))
        proposals.append(proposal)
    session.add_all(proposals)
    run.items_scored = sum(p.items_count for p in proposals)
    run.finished_at = utcnow()
    try:
        session.flush()
    except IntegrityError as exc:  # another selection proposed one of these importers meanwhile
        raise Conflict("Another selection ran at the same moment: run this one again.") from exc
    notes = []
    if len(risk_ids) < request.capacity - wanted_random:
        notes.append(f"Only {len(risk_ids)} importers have items with an expected short levy; "
                     f"{request.capacity - wanted_random} were wanted by rank.")
    if len(random_ids) < wanted_random:
        notes.append(f"Only {len(random_ids)} importers were left for the random draw of "
                     f"{wanted_random}.")
    return SelectionResult(run, score_run, proposals, len(by_risk), len(totals), busy, seed,
                           wanted_random, notes)


def _items_of(session: Session, ranked: Any, top: Any,
              importer_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    items: dict[int, list[dict[str, Any]]] = {i: [] for i in importer_ids}
    for start in range(0, len(importer_ids), _CHUNK):
        chunk = importer_ids[start:start + _CHUNK]
        rows = session.execute(
            select(ranked.c.importer_id, ranked.c.score_id, ranked.c.item_id, ranked.c.expected,
                   ranked.c.collectorate, RiskScore.reasons)
            .join(RiskScore, RiskScore.id == ranked.c.score_id)
            .where(top, ranked.c.importer_id.in_(chunk))
            .order_by(ranked.c.importer_id, ranked.c.rank)).all()
        for r in rows:
            items[r.importer_id].append({"score_id": r.score_id, "item_id": r.item_id,
                                         "expected": Decimal(r.expected or 0),
                                         "collectorate": r.collectorate,
                                         "reasons": list(r.reasons or [])})
    return items


def _proposal(run: RiskRun, importer_id: int, basis: str, rows: list[dict[str, Any]],
              request: SelectionRequest, directorates: dict[str, str | None]) -> AuditProposal:
    total = sum((r["expected"] for r in rows), Decimal(0))
    directorate = request.directorate or _main_directorate(rows, directorates)
    return AuditProposal(
        run_id=run.id, importer_id=importer_id, directorate_code=directorate, basis=basis,
        status="proposed", expected_short_levy_pkr=total, items_count=len(rows), reason="",
        created_by=run.created_by,
        items=[AuditProposalItem(item_id=r["item_id"], score_id=r["score_id"],
                                 expected_short_levy_pkr=r["expected"], reasons=r["reasons"])
               for r in rows])


def _main_directorate(rows: list[dict[str, Any]],
                      directorates: dict[str, str | None]) -> str | None:
    counts = Counter(directorates.get(r["collectorate"]) for r in rows)
    counts.pop(None, None)
    return min(counts, key=lambda d: (-counts[d], d)) if counts else None


def _risk_reason(rank: int, of: int, proposal: AuditProposal, rows: list[dict[str, Any]]) -> str:
    seen: list[str] = []
    for r in rows:  # best item first: its strongest reason leads
        for text in r["reasons"][:1]:
            if text not in seen:
                seen.append(text)
    reasons = "; ".join(seen[:2]) if seen else "the model's score (no rule hit)"
    n = proposal.items_count
    return (f"Ranked {rank:,} of {of:,} importers by expected recovery "
            f"{rupees(proposal.expected_short_levy_pkr)} over {n:,} item{'s' * (n != 1)}; "
            f"top reasons: {reasons}")


def _random_reason(share: float, proposal: AuditProposal) -> str:
    n = proposal.items_count
    return (f"Chosen at random ({share * 100:g}% random share keeps outcomes unbiased); "
            f"expected recovery {rupees(proposal.expected_short_levy_pkr)} over {n:,} "
            f"item{'s' * (n != 1)}")


# --------------------------------------------------------------------------- deciding

def decide_proposal(session: Session, proposal_id: int, approve: bool, user: User,
                    note: str = "", *, clock: Clock | None = None) -> AuditProposal:
    """A supervisor's decision, attributable: who, when (`clock`, default the system's) and
    (for a rejection) why."""
    # Lock the proposal row only (not the eager-loaded importer and user): two supervisors
    # deciding at once queue on it.
    proposal = session.scalar(select(AuditProposal).where(AuditProposal.id == proposal_id)
                              .with_for_update(of=AuditProposal)
                              .execution_options(populate_existing=True))
    if proposal is None:
        raise NotFound(f"No audit proposal {proposal_id}.")
    if proposal.status != "proposed":
        raise Conflict(f"Proposal {proposal_id} was already {proposal.status}; "
                       "a decision is not changed.")
    if user.directorate_code and proposal.directorate_code \
            and user.directorate_code != proposal.directorate_code:
        raise PermissionDenied(f"Proposal {proposal_id} belongs to directorate "
                               f"{proposal.directorate_code}, not yours ({user.directorate_code}).")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed("The proposal was not rejected: say why in the note.",
                               {"note": "required when rejecting"})
    if len(note) > 2000:
        raise ValidationFailed("The decision was not recorded.", {"note": "at most 2000 characters"})
    proposal.status = "approved" if approve else "rejected"
    proposal.decided_by = user
    proposal.decided_at = clock.now() if clock is not None else utcnow()
    proposal.decision_note = note or None
    session.flush()
    return proposal


def proposals(session: Session, directorate: str | None = None, status: str | None = None,
              limit: int = 200) -> list[AuditProposal]:
    """Newest first; with a directorate, its proposals and those not tied to one."""
    query = (select(AuditProposal).options(selectinload(AuditProposal.items))
             .order_by(AuditProposal.run_id.desc(), (AuditProposal.basis == "random"),
                       AuditProposal.expected_short_levy_pkr.desc(), AuditProposal.id)
             .limit(limit))
    if directorate:
        query = query.where((AuditProposal.directorate_code == directorate)
                            | AuditProposal.directorate_code.is_(None))
    if status:
        query = query.where(AuditProposal.status == status)
    return list(session.scalars(query))


__all__ = ["SelectionRequest", "SelectionResult", "decide_proposal", "latest_score_run",
           "proposals", "random_count", "select_audits"]
