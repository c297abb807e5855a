"""`pca demo seed`, second part: a few hundred audit cases driven through their whole life over
simulated months, by the demo officers, through the real services and BPMN processes.

Nothing here writes a case, ledger or document row itself: every step is a task completed (or
a filing, decision, stay or payment recorded) through the service a user's screen calls, with
a fixed clock moved forward day by day, so every amount comes from the ledger and every step
has its timeline event by a demo user at a simulated time. Timers falling due in between are
fired as the workflow worker fires them.

The cases come from risk selections in every demo directorate (growth.CASE_SHARES: most in PCA-S,
the largest, each worked by its own directorate's demo staff); an item's finding is
what was really planted in it (the generator's ground_truth.csv), so the short levy is real
and audits of clean importers close with no change. Each case with a finding gets a story
(paid voluntarily, adjudged and paid, appealed with the demand reduced, set aside or
remanded, settled by ADR, stayed, overdue and enforced, dropped) drawn from the seed; cases
opened late in the period are still open at whatever step their story reached today.

One case is left for the adjudication walkthrough (README): referred to adjudication a few
days ago, its contravention report waiting to be framed by the demo auditor; it is the only
case at that step.

The work is split so a demo instance can serve before its cases are all lived: `plan` selects
the audits and `live_walkthrough` lives the walkthrough's case (seconds: `pca demo seed`), then
`grow` lives the others one case at a time, its whole life up to now in one transaction
committed before the next (`pca demo grow`, which `make run` starts beside the web server).
A case is lived whole or not at all, so an interrupted grow resumes where it stopped: the
planned proposals still `proposed` are the cases left. Each case draws from its own random
stream (seed and proposal id), so a resumed grow lives the same cases as one run straight.
"""
from __future__ import annotations

import csv
import datetime as dt
import heapq
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.clock import PKT, FixedClock, local_date
from workflows.worker import _due, fire

from ..errors import DomainError
from ..models import AuditCase, OpenTask, User
from ..models.adjudication import LEVIES

D = Decimal
ONE = D(1)
CENT = D("0.01")
WALKTHROUGH_DIRECTORATE = "PCA-S"
WORKER = "demo seed"
Step = Iterator[float]  # a story yields the days to wait before its next step


@dataclass
class People:
    supervisor: User
    auditors: list[User]
    adjudicators: dict[str, User]  # rank -> officer
    appellate: User
    recovery: User


@dataclass
class LifeResult:
    cases: int = 0
    stories: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    walkthrough: str | None = None
    timers_fired: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"cases": self.cases, "stories": self.stories, "statuses": self.statuses,
                "walkthrough": self.walkthrough, "timers_fired": self.timers_fired}


def staff(session: Session) -> dict[str, People]:
    """Each demo directorate's officers (seeding.DEMO_USERS; the appellate officer is common)."""
    from .seeding import ADJUDICATOR_RANKS, REGIONAL_NAMES
    users = {u.username: u for u in session.scalars(select(User))}
    teams = {}
    for code, suffix in [(WALKTHROUGH_DIRECTORATE, "")] + [
            (code, f"_{code[-1].lower()}") for code in REGIONAL_NAMES]:
        if f"supervisor{suffix}" not in users:
            continue
        teams[code] = People(
            users[f"supervisor{suffix}"], [users[f"auditor{suffix}"], users[f"auditor2{suffix}"]],
            {rank: users[name + suffix] for name, rank in ADJUDICATOR_RANKS.items()},
            users["appellate"], users[f"recovery{suffix}"])
    return teams


Truth = dict[tuple[str, int], tuple[str, Decimal]]


def load_truth(path: Path) -> Truth:
    """(gd_number, item_no) -> (planted fraud kind, its true short levy), from the generator's
    ground_truth.csv."""
    with open(path, newline="", encoding="utf-8") as f:
        return {(r["gd_number"], int(r["item_no"])): (r["fraud_kind"],
                                                      D(r["true_short_levy_pkr"]))
                for r in csv.DictReader(f)}


class Life:
    """The simulation of one case: its story's steps in simulated time, one fixed clock. (The
    queue orders the steps of any stories added; the drivers below add one case at a time, so
    each case is lived whole in its own transaction.)"""

    def __init__(self, session: Session, truth: Truth, rng: random.Random,
                 teams: dict[str, People], start: dt.datetime, end: dt.datetime,
                 result: LifeResult, deck: list[str]) -> None:
        self.session, self.truth, self.end = session, truth, end
        self.rng = rng
        self.clock = FixedClock(start)
        self.teams = teams
        self.who = next(iter(teams.values()))
        self.queue: list[tuple[dt.datetime, int, Step]] = []
        self.serial = 0
        self.result = result
        self.challans = 0
        self.deck = deck

    # --- the loop ------------------------------------------------------------------------

    def add(self, when: dt.datetime, story: Step) -> None:
        self.serial += 1
        heapq.heappush(self.queue, (when, self.serial, story))

    def run(self) -> None:
        while self.queue and self.queue[0][0] <= self.end:
            when, _, story = heapq.heappop(self.queue)
            self.fire_timers(when)
            self.clock.set(when)
            try:
                wait = next(story)
            except StopIteration:
                continue
            self.add(_working_hour(when + dt.timedelta(days=wait), self.rng), story)
        self.fire_timers(self.end)
        self.clock.set(self.end)

    def fire_timers(self, until: dt.datetime) -> None:
        """Fire the timers due by `until`, each at its own due time, as the worker does."""
        while True:
            timer = self.session.scalar(_due(FixedClock(until), set()).limit(1))
            if timer is None:
                return
            self.clock.set(max(timer.due_at if timer.due_at.tzinfo else
                               timer.due_at.replace(tzinfo=dt.timezone.utc), self.clock.now()))
            timer.outcome = fire(self.session, timer, self.clock)[:200]
            timer.fired_at, timer.fired_by = self.clock.now(), WORKER
            self.session.flush()
            self.result.timers_fired += 1

    # --- steps -----------------------------------------------------------------------------

    def today(self) -> dt.date:
        return local_date(self.clock.now())

    def task(self, case: AuditCase, element: str) -> OpenTask | None:
        return self.session.scalar(select(OpenTask).where(OpenTask.case_id == case.id,
                                                          OpenTask.element_id == element))

    def do(self, case: AuditCase, element: str, user: User, form: dict[str, Any] | None = None
           ) -> None:
        from ..services import cases
        task = self.task(case, element)
        if task is None:
            open_now = list(self.session.scalars(select(OpenTask.element_id).where(
                OpenTask.case_id == case.id)))
            raise RuntimeError(f"{case.case_number}: no open task {element} (open: {open_now})")
        try:
            cases.complete_task(self.session, task.task_id, user, form or {}, clock=self.clock)
        except DomainError as exc:  # a demo step the services refuse is a bug in this module
            raise RuntimeError(f"{case.case_number} {element} on {self.today()}: {exc} "
                               f"{getattr(exc, 'details', '')}") from exc

    def challan(self) -> str:
        self.challans += 1
        return f"DEMO-CH-{self.today():%Y%m}-{self.case_id:06d}-{self.challans:02d}"

    def pay(self, case: AuditCase, share: Decimal = ONE) -> None:
        """The trader pays `share` of what is recoverable, a challan per levy."""
        from ..services import recovery
        where = recovery.position(self.session, case.id)
        for levy, row in where.levies.items():
            owed = max(row["outstanding"], D(0))
            amount = (owed * share).quantize(ONE, ROUND_HALF_UP) if share < ONE else owed
            if amount > 0:
                recovery.record_payment(self.session, case.id, {
                    "levy": levy, "amount": str(amount), "challan_number": self.challan()},
                    actor=self.who.recovery, clock=self.clock)

    def recovering(self, case: AuditCase) -> bool:
        from ..services import recovery
        return recovery.running_instance(self.session, case.id) is not None

    # --- the stories -----------------------------------------------------------------------

    def case_story(self, proposal_id: int, walkthrough: bool = False) -> Step:
        from ..risk.selection import decide_proposal
        from ..services import cases
        s, rng = self.session, self.rng
        from ..models import AuditProposal
        directorate = s.get(AuditProposal, proposal_id).directorate_code
        who = self.who = self.teams[directorate]
        decide_proposal(s, proposal_id, True, who.supervisor, clock=self.clock)
        case = cases.open_case(s, proposal_id, who.supervisor, clock=self.clock)
        self.case_id = case.id
        self.result.cases += 1
        auditor = who.auditors[case.id % 2]
        yield rng.uniform(0.5, 3)
        self.do(case, "assign_auditor", who.supervisor, {"auditor_id": auditor.id})
        yield rng.uniform(1, 5)
        dates = [ci.item.declaration.gd_date for ci in case.items]
        self.do(case, "prepare_plan", auditor, {
            "audit_type": "desk" if rng.random() < 0.7 else "field",
            "planned_scope": f"Goods declarations of {min(dates):%b %Y} to {max(dates):%b %Y}: "
                             "value, classification, origin and exemptions claimed",
            "period_from": min(dates).isoformat(), "period_to": max(dates).isoformat()})
        yield rng.uniform(1, 4)
        self.do(case, "issue_notice", auditor, {
            "notice_date": self.today().isoformat(),
            "records_due_date": (self.today() + dt.timedelta(days=14)).isoformat()})
        yield rng.uniform(18, 40)
        found = self.record_findings(case, auditor)
        self.do(case, "examine_records", auditor)
        yield rng.uniform(2, 8)
        self.do(case, "review_findings", who.supervisor, {"decision": "approve"})
        yield rng.uniform(1, 5)
        self.do(case, "issue_observation", auditor,
                {"observation_date": self.today().isoformat()})
        yield rng.uniform(6, 14)
        plan = "pay" if walkthrough or not found else (self.deck.pop(0) if self.deck else "pay")
        if not found or plan == "explained":
            self.do(case, "record_reply", auditor, {
                "reply_outcome": "explanation_accepted",
                "reply_summary": "The importer's records bear out the declared facts"
                if not found else "Supplier's price list and contract explain the value"})
            self.result.stories["closed_no_change"] = \
                self.result.stories.get("closed_no_change", 0) + 1
            return
        self.result.stories[plan] = self.result.stories.get(plan, 0) + 1
        if plan == "voluntary":
            self.do(case, "record_reply", auditor, {
                "reply_outcome": "voluntary_payment", "amount_paid": str(case.short_levy_total_pkr),
                "challan_number": self.challan(),
                "reply_summary": "The importer accepts the observation and has paid"})
            return
        self.do(case, "record_reply", auditor, {
            "reply_outcome": "contravention",
            "reply_summary": "The reply does not answer the observation"})
        if walkthrough:
            return  # left at 'Frame contravention report' for the walkthrough
        yield from self.adjudicate(case, plan, auditor)

    def record_findings(self, case: AuditCase, auditor: User) -> int:
        from ..services.findings import record_finding
        found = 0
        for ci in case.items:
            item = ci.item
            planted = self.truth.get((item.declaration.gd_number, item.item_no))
            if planted is None:
                continue
            kind, short = planted
            facts = _correct_facts(item, kind, short, self.rng)
            if facts is None:
                continue
            try:  # refused before anything is written
                record_finding(self.session, ci.id, auditor, facts, evidence=EVIDENCE[kind],
                               clock=self.clock)
                found += 1
            except DomainError:
                continue  # e.g. the corrected facts give no short levy under the tariff
        return found

    def adjudicate(self, case: AuditCase, plan: str, auditor: User) -> Step:
        from ..services import adjudication
        rng = self.rng
        self.do(case, "frame_contravention_report", auditor, {
            "nature": "false_statement_or_collusion" if rng.random() < 0.3
            else "inadvertence_or_error",
            "facts": f"The audit of {case.case_number} found the duty and taxes short paid as "
                     "set out in the audit observation; the importer's reply does not answer it."})
        adj = adjudication.current(self.session, case)
        if adj is None or adj.competent_rank is None or adj.ended_on is not None:
            return  # under the minimum: not pursued
        officer = self.who.adjudicators[adj.competent_rank]
        yield rng.uniform(1, 6)
        self.do(case, "assign_officer", officer, {"officer_id": officer.id})
        yield rng.uniform(3, 12)
        self.do(case, "draft_scn", officer, {})
        yield rng.uniform(1, 4)
        self.do(case, "approve_scn", officer, {"decision": "approve"})
        yield rng.uniform(1, 4)
        self.do(case, "issue_scn", officer)
        yield rng.uniform(8, 15)
        self.do(case, "record_scn_reply", officer, {
            "reply_summary": "The importer denies the short levy and asks to be heard"})
        yield rng.uniform(1, 5)
        yield from self.hearings(case, officer)
        yield rng.uniform(5, 20)
        if plan == "dropped":
            self.do(case, "record_order", officer, {
                "outcome": "dropped", "reasons": "The importer's evidence at the hearing "
                "establishes the declared value; the show-cause notice is discharged."})
            return
        self.order(case, officer)
        yield from self.recover(case, plan)

    def hearings(self, case: AuditCase, officer: User) -> Step:
        rng = self.rng
        first = self.today() + dt.timedelta(days=rng.randint(10, 25))
        self.do(case, "schedule_hearing", officer, {"hearing_date": first.isoformat()})
        yield (first - self.today()).days
        if rng.random() < 0.3:
            later = self.today() + dt.timedelta(days=rng.randint(10, 21))
            self.do(case, "record_hearing", officer, {
                "outcome": "adjourned", "notes": "Counsel for the importer sought time",
                "next_date": later.isoformat()})
            yield (later - self.today()).days
        self.do(case, "record_hearing", officer, {
            "outcome": "concluded",
            "appearances": "Ali Raza, counsel\nImran Saleem, department"})

    def order(self, case: AuditCase, officer: User) -> None:
        from ..services import adjudication
        adj = adjudication.current(self.session, case)
        contravened = adj.contravened()
        duty = sum(contravened.values(), D(0))
        penalty = (duty * D(self.rng.choice(("0.05", "0.1", "0.2")))).quantize(ONE)
        self.do(case, "record_order", officer, {
            "outcome": "adjudged", "reasons": "The short levy is established by the records; "
            "penalty under s.156(1) clause 14",
            **{f"adjudged_{levy}": str(contravened[levy]) for levy in LEVIES},
            "penalty": str(penalty), "fine": "0"})

    def recover(self, case: AuditCase, plan: str) -> Step:
        from ..services import dispute_decisions, disputes
        rng, who = self.rng, self.who
        yield rng.uniform(1, 5)
        self.do(case, "issue_demand_notice", who.recovery)
        if plan in ("appeal_reduced", "appeal_upheld", "appeal_set_aside", "appeal_remanded",
                    "adr", "stayed"):
            yield rng.uniform(5, 25)
            forum = "adr" if plan == "adr" else "collector_appeals"
            demand = disputes.opening(self.session, case)
            assert demand is not None
            form = {"forum": forum, "filed_on": self.today().isoformat(),
                    "grounds": "The declared value is the transaction value; the comparison "
                               "used is of goods of a different quality.",
                    "appeal_number": f"{'ADR' if forum == 'adr' else 'APL'}/{case.id}"}
            before = recovery_demand(self.session, case)
            if forum == "adr":
                form["amount_agreed"] = str((before * D("0.75")).quantize(ONE))
            dispute = disputes.file(self.session, case, form, actor=who.appellate,
                                    clock=self.clock)
            if plan == "stayed" or rng.random() < 0.3:
                yield rng.uniform(2, 10)
                disputes.record_stay(self.session, dispute, {
                    "amount": str(recovery_demand(self.session, case, outstanding=True)),
                    "order_ref": f"STAY/{case.id}", "granted_on": self.today().isoformat()},
                    actor=who.appellate, clock=self.clock)
            if plan == "stayed":
                return  # the appeal is pending, recovery stayed
            yield rng.uniform(45, 100)
            outcome = {"adr": "accepted", "appeal_reduced": "reduced", "appeal_upheld": "upheld",
                       "appeal_set_aside": "set_aside", "appeal_remanded": "remanded"}[plan]
            decision = {"outcome": outcome, "decided_on": self.today().isoformat(),
                        "reasons": "Heard both sides; the record considered.",
                        "order_number": f"{'ADR' if forum == 'adr' else 'OIA'}/{case.id}"}
            if outcome == "reduced":
                now = _demand_by_levy(self.session, case)
                cut = D(rng.choice(("0.5", "0.6", "0.7")))
                decision.update({f"after_{levy}": str((amount * cut).quantize(ONE))
                                 for levy, amount in now.items() if amount > 0})
                decision["after_penalty"] = "0"
            dispute_decisions.decide(self.session, dispute, decision, actor=who.appellate,
                            clock=self.clock)
            if outcome == "remanded":
                yield from self.after_remand(case)
                return
            if outcome == "set_aside" or outcome == "accepted" and not self.recovering(case):
                return
            if outcome != "accepted":
                yield rng.uniform(2, 10)
                if disputes.waiting_for_filing(self.session, case) is not None:
                    disputes.accept(self.session, case, actor=who.appellate, clock=self.clock)
        if not self.recovering(case):
            return
        if plan == "overdue":
            yield from self.enforce(case)
            return
        if plan == "instalments":
            for share in ("0.3", "0.5"):
                yield rng.uniform(10, 25)
                self.pay(case, D(share))
        yield rng.uniform(5, 25)
        if self.recovering(case):
            self.pay(case)

    def after_remand(self, case: AuditCase) -> Step:
        """Remanded: the officer hears the case afresh and passes a fresh order."""
        from ..services import adjudication
        rng = self.rng
        adj = adjudication.current(self.session, case)
        officer = self.who.adjudicators[adj.competent_rank]
        yield rng.uniform(3, 10)
        self.do(case, "assign_officer", officer, {"officer_id": officer.id})
        yield rng.uniform(1, 5)
        yield from self.hearings(case, officer)
        yield rng.uniform(5, 15)
        self.order(case, officer)
        yield from self.recover(case, "pay")

    def enforce(self, case: AuditCase) -> Step:
        """Nothing paid by the due date: NTN blocked, bank accounts attached, part recovered."""
        from ..services import recovery
        rng, who = self.rng, self.who
        demand = recovery.current_demand(self.session, case.id)
        assert demand is not None and demand.pay_by is not None
        yield max((demand.pay_by - self.today()).days + rng.uniform(1, 6), 1)
        if self.task(case, "await_payment") is not None:  # else the worker's timer moved it on
            self.do(case, "await_payment", who.recovery)
        yield rng.uniform(2, 10)
        self.do(case, "block_ntn", who.recovery, {
            "outcome": "done", "reference": f"NTN-BLK/{case.id}",
            "remarks": "NTN blocked in WeBOC for imports and exports"})
        yield rng.uniform(10, 20)
        self.do(case, "attach_bank_accounts", who.recovery, {
            "outcome": "done", "reference": f"ATT/{case.id}",
            "remarks": "Attachment under s.202 served on the importer's bankers"})
        yield rng.uniform(5, 20)
        if rng.random() < 0.5:
            self.pay(case, D("0.4"))  # recovered from the attached account


def recovery_demand(session: Session, case: AuditCase, *, outstanding: bool = False) -> Decimal:
    from ..services import recovery
    where = recovery.position(session, case.id)
    return where.recoverable if outstanding else where.demanded


def _demand_by_levy(session: Session, case: AuditCase) -> dict[str, Decimal]:
    from ..services import ledger
    return {levy: amount for levy, amount in ledger.balances(session, case.id)["demanded"].items()
            if levy in LEVIES}


EVIDENCE = {
    "UNDERVALUATION": "Supplier's export invoice and the remittance through the bank show a "
                      "higher transaction value",
    "QUANTITY": "Gross weight and the packing list show more goods than declared",
    "MISCLASSIFICATION": "The description and the catalogue show finished goods, not parts",
    "ORIGIN": "Bill of lading and the manufacturer's certificate show a non-partner origin",
    "CONCESSION": "The importer's registration does not entitle it to the SRO claimed",
}


def _correct_facts(item: Any, kind: str, short: Decimal, rng: random.Random) -> Any:
    """The facts the auditor establishes for a planted fraud of `kind` on `item`. The generator
    keeps the true value only through its short levy; duty and taxes are proportional to the
    value, so the true value is the assessed one scaled by (paid + short) / paid."""
    from ..services.findings import CorrectFacts
    from .catalogue import NON_PARTNER_ORIGINS
    from .goods import DECOYS
    if kind in ("UNDERVALUATION", "QUANTITY"):
        paid = sum((getattr(item, f"{levy}_pkr") for levy in LEVIES), D(0))
        if paid <= 0 or short <= 0:
            return None
        factor = (paid + short) / paid
        value = (item.assessed_value_pkr * factor).quantize(ONE, ROUND_HALF_UP)
        if kind == "UNDERVALUATION":
            return CorrectFacts(value_pkr=value)
        quantity = item.quantity * factor
        quantity = quantity.quantize(ONE if item.quantity == item.quantity.to_integral_value()
                                     else D("0.001"), ROUND_HALF_UP)
        return CorrectFacts(value_pkr=value, quantity=quantity)
    if kind == "MISCLASSIFICATION":
        true_codes = sorted(code for code, decoy in DECOYS.items() if decoy == item.hs_code)
        return CorrectFacts(hs_code=true_codes[0]) if true_codes else None
    if kind == "ORIGIN":
        return CorrectFacts(origin=rng.choice(sorted(NON_PARTNER_ORIGINS)), fta_code=None)
    if kind == "CONCESSION":
        return CorrectFacts(sro_ref=None)
    return None


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PKT).astimezone(dt.timezone.utc)


def _working_hour(when: dt.datetime, rng: random.Random) -> dt.datetime:
    """The same day (in Karachi) at a working hour."""
    return _at(local_date(when), rng.randint(9, 16))
