"""Planning and driving the demo cases: which proposals become cases and how their stories are
dealt (`plan`), the README walkthrough's case (`live_walkthrough`), living the planned cases a
case per transaction, resumable (`grow`, behind `pca demo grow`), and the steering committee's
targets. How one case lives its story is `lifecycle.Life`."""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import String, func, select
from sqlalchemy.orm import Session

from workflows.clock import local_date

from ..models import AuditCase
from .lifecycle import WALKTHROUGH_DIRECTORATE, WORKER, D, Life, LifeResult, Truth, _at, staff

# The demo directorates' shares of the lived cases (PCA-S's collectorates clear ~3/4 of the
# goods, PCA-C's 1/6, the others a few percent: smaller shares than that would leave them
# with next to no cases, larger ones with audits of low-risk importers); the
# walkthrough's case is PCA-S's.
CASE_SHARES = (("PCA-S", 0.55), ("PCA-C", 0.2), ("PCA-N", 0.1), ("PCA-P", 0.08),
               ("PCA-Q", 0.07))
PLANNER = "demo lifecycle"  # created_by of the selection runs whose proposals are lived
STORIES = (  # for a case whose audit finds a short levy: (story, weight)
    ("voluntary", 10), ("explained", 5), ("pay", 18), ("instalments", 10),
    ("appeal_reduced", 10), ("appeal_upheld", 6), ("appeal_set_aside", 5),
    ("appeal_remanded", 5), ("adr", 6), ("stayed", 7), ("overdue", 12), ("dropped", 4))


# --- the drivers --------------------------------------------------------------------------

def plan(session: Session, *, cases: int, seed: int, end: dt.datetime,
         months: int = 11) -> list[Any]:
    """Select `cases` audits (and one more for the walkthrough) over the demo directorates by
    CASE_SHARES, to be lived over the `months` months before `end`: risk selections (15%
    random) from a scoring of the goods cleared before that period began, as they stood then.
    Returns the proposals (status `proposed` until their case is lived)."""
    from ..risk.scoring import score_period
    from ..risk.selection import SelectionRequest, select_audits
    if cases < 1:
        return []
    start = local_date(end) - dt.timedelta(days=round(months * 30.4))
    older = score_period(session, None, start - dt.timedelta(days=30), PLANNER)
    if older.run is None:
        return []
    shares = dict(CASE_SHARES)
    wanted = {code: int(cases * share) for code, share in CASE_SHARES}
    for code, _ in sorted(CASE_SHARES, key=lambda c: -(cases * c[1] % 1))[:cases - sum(
            wanted.values())]:
        wanted[code] += 1  # largest remainders
    wanted[WALKTHROUGH_DIRECTORATE] += 1
    proposals = []
    for code in shares:
        if wanted[code]:
            proposals += select_audits(session, SelectionRequest(
                capacity=wanted[code], directorate=code, random_share=0.15, seed=seed,
                run_id=older.run.id), PLANNER).proposals
    return proposals


def _planned(session: Session) -> tuple[dt.date | None, list[Any], dict[int, dt.date], Any]:
    """The lived period's first day, the planned proposals in the order their cases open
    (an audit comes after the clearances it examines: the proposals whose goods were cleared
    first open first), each one's last clearance date, and the selection run of PCA-S."""
    from ..models import AuditProposal, RiskRun
    runs = list(session.scalars(select(RiskRun).where(
        RiskRun.kind == "select", RiskRun.created_by == PLANNER).order_by(RiskRun.id)))
    if not runs:
        return None, [], {}, None
    start = runs[0].period_to + dt.timedelta(days=30)
    proposals = list(session.scalars(select(AuditProposal).where(
        AuditProposal.run_id.in_([r.id for r in runs]))))
    last_cleared = _last_cleared(session, proposals)
    ordered = sorted(proposals, key=lambda p: (last_cleared[p.id], p.id))
    home = next((r for r in runs if (r.parameters or {}).get("directorate") ==
                 WALKTHROUGH_DIRECTORATE), runs[0])
    return start, ordered, last_cleared, home


def live_walkthrough(session: Session, truth: Truth, *, seed: int, end: dt.datetime
                     ) -> LifeResult:
    """Live the walkthrough's case (a PCA-S risk proposal with a few lakh of planted short
    levy) up to its referral to adjudication ~3 months before `end`, leaving its contravention
    report to be framed. Its proposal is recorded on its selection run (parameters)."""
    result = LifeResult()
    start, ordered, last_cleared, home = _planned(session)
    if start is None:
        return result
    end_day = local_date(end)
    walk_day = end_day - dt.timedelta(days=95)
    walk = _walkthrough_proposal(session, [
        p for p in ordered if p.directorate_code == WALKTHROUGH_DIRECTORATE
        and p.status == "proposed" and last_cleared[p.id] <= walk_day - dt.timedelta(days=30)],
        truth)
    if walk is None:
        return result
    home.parameters = {**(home.parameters or {}), "walkthrough_proposal_id": walk.id}
    life = Life(session, truth, random.Random(f"{seed}:{walk.id}"), staff(session),
                _at(walk_day, 11), end, result, [])
    life.add(_at(walk_day, 11), life.case_story(walk.id, walkthrough=True))
    life.run()
    case = session.scalar(select(AuditCase).where(AuditCase.proposal_id == walk.id))
    if case is not None and life.task(case, "frame_contravention_report") is not None:
        result.walkthrough = case.case_number
    result.statuses = statuses(session)
    return result


def grow(session: Session, truth: Truth, *, seed: int, end: dt.datetime,
         commit: Any = None, progress: Any = None, should_stop: Any = None) -> LifeResult:
    """Live every planned case not lived yet, one at a time up to `end`, calling `commit()`
    after each (so each case is one transaction) and `progress(done, total, case)`; stop
    before the next case when `should_stop()` says so.

    The schedule (each case's opening day, spread over the period by its place in the plan)
    and each case's random stream do not depend on what was lived before, so a grow stopped
    half-way and run again continues with the same cases. A planned proposal someone decided
    meanwhile (a user on the selection page) is left to them."""
    from ..models import AuditProposal
    result = LifeResult()
    start, ordered, last_cleared, home = _planned(session)
    if start is None:
        return result
    walk_id = (home.parameters or {}).get("walkthrough_proposal_id")
    rest = [p for p in ordered if p.id != walk_id]
    end_day = local_date(end)
    span = (end_day - start).days - 20
    deck = _deck(random.Random(seed), len(rest))
    lived = [p.id for p in rest if p.status != "proposed"]
    # The stories go to the cases with a finding, in order: skip those already dealt.
    dealt = session.scalar(select(func.count()).select_from(AuditCase).where(
        AuditCase.proposal_id.in_(lived), AuditCase.short_levy_total_pkr > 0)) if lived else 0
    deck = deck[dealt or 0:]
    teams = staff(session)
    todo = [(n, p) for n, p in enumerate(rest) if p.status == "proposed"]
    done = len(rest) - len(todo)
    for n, proposal in todo:
        if should_stop is not None and should_stop():
            break
        day = max(start + dt.timedelta(days=int(span * n / max(len(rest), 1))),
                  last_cleared[proposal.id] + dt.timedelta(days=30))
        if day >= end_day:
            continue  # goods cleared too recently to audit yet: left as a proposal
        if session.scalar(select(AuditProposal.status).where(
                AuditProposal.id == proposal.id).execution_options(
                populate_existing=True)) != "proposed":
            continue  # decided by someone else meanwhile
        rng = random.Random(f"{seed}:{proposal.id}")
        life = Life(session, truth, rng, teams, _at(day, 9), end, result, deck)
        life.add(_at(day, rng.randint(9, 16)), life.case_story(proposal.id))
        life.run()
        if commit is not None:
            commit()
        done += 1
        if progress is not None:
            progress(done, len(rest), session.scalar(select(AuditCase).where(
                AuditCase.proposal_id == proposal.id)))
    result.statuses = statuses(session)
    return result


def statuses(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in session.scalars(select(AuditCase.status)):
        counts[status] = counts.get(status, 0) + 1
    return dict(sorted(counts.items()))


def remaining(session: Session) -> tuple[int, int]:
    """(cases planned, of them still to live), the walkthrough's not counted."""
    start, ordered, _, home = _planned(session)
    if start is None:
        return 0, 0
    walk_id = (home.parameters or {}).get("walkthrough_proposal_id")
    rest = [p for p in ordered if p.id != walk_id]
    return len(rest), sum(1 for p in rest if p.status == "proposed")


def _deck(rng: random.Random, n: int) -> list[str]:
    """`n` stories: every story once first (so even a small demo has every path), then the
    rest in the proportions of STORIES, shuffled. The cases whose audit finds a short levy
    take them in the order they reach the audit observation's reply."""
    total = sum(w for _, w in STORIES)
    first = [name for name, _ in STORIES]
    rest = [name for name, w in STORIES for _ in range(max(0, round(n * w / total) - 1))]
    rng.shuffle(first)
    rng.shuffle(rest)
    deck = first + rest
    return (deck * (n // len(deck) + 1))[:n]


def _last_cleared(session: Session, proposals: list[Any]) -> dict[int, dt.date]:
    from ..models import AuditProposalItem, Declaration, DeclarationItem
    ids = [p.id for p in proposals]
    rows = session.execute(
        select(AuditProposalItem.proposal_id, func.max(Declaration.gd_date))
        .join(DeclarationItem, DeclarationItem.id == AuditProposalItem.item_id)
        .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
        .where(AuditProposalItem.proposal_id.in_(ids))
        .group_by(AuditProposalItem.proposal_id)).all()
    return {pid: day for pid, day in rows}


def _walkthrough_proposal(session: Session, proposals: list[Any], truth: Truth) -> Any:
    """A risk proposal whose planted short levy an Assistant Collector adjudicates (Rs 200,000
    to Rs 1,000,000: `adj_ac` in the README's walkthrough), else the one with the most."""
    from ..models import Declaration, DeclarationItem
    keys = dict(session.execute(
        select(DeclarationItem.id, Declaration.gd_number + "|" +
               DeclarationItem.item_no.cast(String))
        .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
        .where(DeclarationItem.id.in_([pi.item_id for p in proposals for pi in p.items]))).all())
    best, best_short = None, D(0)
    for proposal in proposals:
        if proposal.basis != "risk":
            continue
        pairs = [keys[pi.item_id].split("|") for pi in proposal.items]
        shorts = [truth[(g, int(n))][1] for g, n in pairs if (g, int(n)) in truth]
        total = sum(shorts, D(0))
        if D(250_000) <= total <= D(900_000):
            return proposal
        if total > best_short:
            best, best_short = proposal, total
    return best


TARGET_ACCOUNTS = {"detected": "detected", "adjudged": "adjudged", "recovered": "paid"}


def set_targets(session: Session, end: dt.datetime, months: int = 12) -> int:
    """Monthly targets for the whole administration over the `months` months up to `end`'s
    (and the next three, so the current period has one): for each measure, the demo's monthly
    average over the period with a 15% stretch, rounded up to Rs 100,000."""
    from ..models import LedgerEntry
    from ..services.targets import set_target
    last = local_date(end).replace(day=1)
    first = _add_months(last, -(months - 1))
    count = 0
    for measure, account in TARGET_ACCOUNTS.items():
        total = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_pkr), 0)).where(
            LedgerEntry.account == account, LedgerEntry.entry_date >= first)) or 0
        lakh = D(100_000)
        target = max((D(total) / months * D("1.15") / lakh).to_integral_value(
            rounding="ROUND_CEILING") * lakh, lakh)
        for n in range(months + 3):
            month = _add_months(first, n)
            set_target(session, f"{month:%Y-%m}", measure, target, directorate=None,
                       set_by=WORKER)
            count += 1
    return count


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
