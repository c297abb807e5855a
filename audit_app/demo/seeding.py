"""`pca demo seed`: formations, one demo user per role, and generated data taken in through the
real intake path (so the demo exercises the same validation and merge as production)."""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth.service import create_user
from ..intake.runner import import_file
from ..models import Collectorate, Directorate, ImportBatch, Role, User
from ..risk.rule_service import install_starter as install_starter_rules

DEMO_PASSWORD = "pca-demo-2026"

DIRECTORATES = [
    ("PCA-S", "Directorate of Post-Clearance Audit (South)", "Karachi"),
    ("PCA-C", "Directorate of Post-Clearance Audit (Central)", "Lahore"),
    ("PCA-N", "Directorate of Post-Clearance Audit (North)", "Islamabad"),
    ("PCA-Q", "Directorate of Post-Clearance Audit (Quetta)", "Quetta"),
    ("PCA-P", "Directorate of Post-Clearance Audit (Peshawar)", "Peshawar"),
]

COLLECTORATES = [
    ("KAPW", "Collectorate of Customs Appraisement (West), Karachi", "PCA-S"),
    ("KAPE", "Collectorate of Customs Appraisement (East), Karachi", "PCA-S"),
    ("PQIM", "Collectorate of Customs Port Muhammad Bin Qasim (Imports)", "PCA-S"),
    ("LAHD", "Collectorate of Customs (Appraisement), Lahore Dry Port", "PCA-C"),
    ("FSLD", "Collectorate of Customs, Faisalabad Dry Port", "PCA-C"),
    ("SKTD", "Collectorate of Customs, Sialkot Dry Port", "PCA-C"),
    ("ISBD", "Collectorate of Customs, Islamabad Dry Port", "PCA-N"),
    ("QTAD", "Collectorate of Customs, Quetta", "PCA-Q"),
    ("PSWD", "Collectorate of Customs (Appraisement), Peshawar", "PCA-P"),
]

# username, full name, designation, roles, directorate
DEMO_USERS: list[tuple[str, str, str, list[Role], str | None]] = [
    ("auditor", "Ayesha Siddiqui", "Auditor, PCA (South)", [Role.AUDITOR], "PCA-S"),
    ("auditor2", "Bilal Ahmed", "Auditor, PCA (South)", [Role.AUDITOR], "PCA-S"),
    ("supervisor", "Farhan Qureshi", "Deputy Director, PCA (South)", [Role.SUPERVISOR], "PCA-S"),
    ("adjudicator", "Nadia Hussain", "Additional Collector (Adjudication), Karachi",
     [Role.ADJUDICATION_OFFICER], "PCA-S"),
    # Adjudicating officers of the other ranks, so a demo case of any amount has one with
    # jurisdiction (bpmn/adjudication_jurisdiction.dmn); ranks in DEMO_ADJUDICATOR_RANKS.
    ("adj_supt", "Kamran Shah", "Superintendent (Adjudication), Karachi",
     [Role.ADJUDICATION_OFFICER], "PCA-S"),
    ("adj_ac", "Hina Baig", "Assistant Collector (Adjudication), Karachi",
     [Role.ADJUDICATION_OFFICER], "PCA-S"),
    ("adj_dc", "Zeeshan Ali", "Deputy Collector (Adjudication), Karachi",
     [Role.ADJUDICATION_OFFICER], "PCA-S"),
    ("adj_collector", "Rubina Farooq", "Collector (Adjudication), Karachi",
     [Role.ADJUDICATION_OFFICER], "PCA-S"),
    ("appellate", "Imran Malik", "Collector (Appeals), Karachi", [Role.APPELLATE_OFFICER], None),
    ("recovery", "Sana Javed", "Superintendent (Recovery), Karachi", [Role.RECOVERY_OFFICER],
     "PCA-S"),
    ("manager", "Tariq Mehmood", "Director General, PCA", [Role.MANAGEMENT], None),
    ("committee", "Saima Akhtar", "Member, PCA Steering Committee", [Role.COMMITTEE_MEMBER], None),
    ("admin", "Usman Riaz", "System Administrator", [Role.ADMINISTRATOR], None),
]

# The other directorates have the same staff as PCA-S (the roles a case needs there: directorate
# checks keep each case's tasks with its own directorate's officers), named with the
# directorate's letter: supervisor_c, auditor_c, auditor2_c, adj_ac_c, recovery_c... in PCA-C.
REGIONAL_STAFF = ("auditor", "auditor2", "supervisor", "adjudicator", "adj_supt", "adj_ac",
                  "adj_dc", "adj_collector", "recovery")
REGIONAL_NAMES = {
    "PCA-C": ("Asad Butt", "Mehwish Iqbal", "Naveed Akram", "Shazia Anwar", "Waqas Chaudhry",
              "Fatima Rana", "Adnan Sheikh", "Sadia Malik", "Omer Rasheed"),
    "PCA-N": ("Hamza Abbasi", "Aqsa Kiani", "Junaid Satti", "Maryam Raja", "Faisal Awan",
              "Sumbal Janjua", "Tahir Mughal", "Rabia Gillani", "Yasir Minhas"),
    "PCA-Q": ("Naseebullah Kakar", "Gul Bano", "Abdul Wahid Achakzai", "Samina Baloch",
              "Rahim Mengal", "Zarghuna Tareen", "Shahzaib Raisani", "Mahnoor Lehri",
              "Habib Jamali"),
    "PCA-P": ("Irfan Khattak", "Nazia Afridi", "Sajid Yousafzai", "Bushra Durrani",
              "Shahid Bangash", "Laila Orakzai", "Fawad Marwat", "Huma Gandapur", "Khalid Mohmand"),
}


def _regional_users() -> list[tuple[str, str, str, list[Role], str | None]]:
    template = {name: (designation, roles) for name, _, designation, roles, _ in DEMO_USERS}
    cities = {code: (city, name[name.index("(") + 1:name.index(")")])
              for code, name, city in DIRECTORATES}
    users = []
    for code, names in REGIONAL_NAMES.items():
        city, region = cities[code]
        suffix = code[-1].lower()
        for base, full_name in zip(REGIONAL_STAFF, names):
            designation, roles = template[base]
            designation = designation.replace("(South)", f"({region})").replace("Karachi", city)
            users.append((f"{base}_{suffix}", full_name, designation, roles, code))
    return users


DEMO_USERS += _regional_users()


@dataclass
class SeedResult:
    seeded: bool
    summary: dict[str, Any]


def is_seeded(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(ImportBatch))) or \
        session.scalar(select(User.id).where(User.username == "admin")) is not None


def seed_formations(session: Session) -> None:
    for code, name, city in DIRECTORATES:
        if session.get(Directorate, code) is None:
            session.add(Directorate(code=code, name=name, city=city))
    session.flush()
    for code, name, directorate in COLLECTORATES:
        if session.get(Collectorate, code) is None:
            session.add(Collectorate(code=code, name=name, directorate_code=directorate))
    session.flush()


DEMO_ADJUDICATOR_RANKS = {"adj_supt": "superintendent", "adj_ac": "assistant_collector",
                          "adj_dc": "deputy_collector", "adjudicator": "additional_collector",
                          "adj_collector": "collector"}
ADJUDICATOR_RANKS = dict(DEMO_ADJUDICATOR_RANKS)  # PCA-S's names: a directorate's suffix added
DEMO_ADJUDICATOR_RANKS.update({f"{name}_{code[-1].lower()}": rank for code in REGIONAL_NAMES
                               for name, rank in ADJUDICATOR_RANKS.items()})


def seed_users(session: Session, password: str = DEMO_PASSWORD) -> list[User]:
    from ..services.adjudication import rank_of, set_rank
    users = []
    password_hash = None  # Argon2 takes ~0.5 s a hash: one hash of the one demo password
    for username, full_name, designation, roles, directorate in DEMO_USERS:
        existing = session.scalar(select(User).where(User.username == username))
        if existing is None:
            existing = create_user(session, username, password, full_name, roles,
                                   designation=designation, directorate_code=directorate,
                                   password_hash=password_hash)
            password_hash = existing.password_hash
        users.append(existing)
    for user in users:
        rank = DEMO_ADJUDICATOR_RANKS.get(user.username)
        if rank and rank_of(session, user) is None:
            set_rank(session, user, rank)
    return users


# Cases lived through their processes by `pca demo seed` (or, after `pca demo seed
# --defer-lifecycle`, by `pca demo grow`). Each costs ~1 s of CPU, most of it the ~5 PDFs a case
# reaching adjudication issues through the documents service.
DEMO_CASES = 300


def seed_demo(session: Session, out_dir: Path, items: int, seed: int,
              end: dt.date | None = None, months: int = 24,
              cases: int = DEMO_CASES, now: dt.datetime | None = None,
              defer_lifecycle: bool = False, commit: Any = None,
              progress: Any = None) -> dict[str, Any]:
    """Generate `items` declaration items over the `months` months before `end`'s month into
    `out_dir` (its ground_truth.csv stays there for risk evaluation), and import them; plan
    `cases` audit cases over the directorates and live the walkthrough's, leave audit proposals
    for the supervisor, set the steering committee's targets; then (unless `defer_lifecycle`:
    `grow_lifecycle` does it later) live the planned cases up to `now` (lifecycle.py), calling
    `commit()` after each."""
    from .generator import generate

    end = end or dt.date.today()
    start = _months_before(end.replace(day=1), months)
    seed_formations(session)
    seed_users(session)
    summary = generate(out_dir, items=items, seed=seed, start=start, months=months)
    reports = {}
    for kind, name in (("tariff", "tariff.csv"), ("preferential", "preferential.csv"),
                       ("declarations", "declarations.csv"), ("outcomes", "outcomes.csv")):
        reports[kind] = import_file(session, kind, out_dir / name).as_dict()
    install_starter_rules(session)  # version 1 of the risk rules, active
    from ..risk.model_store import train
    model = train(session, None, "demo seed", activate=True)
    now = now or dt.datetime.now(dt.timezone.utc)
    life = seed_lifecycle(session, out_dir, cases=cases, seed=seed, now=now)
    risk = _score(session, model.version)
    risk["proposals"] = _propose_audits(session, seed)
    if not defer_lifecycle:
        if commit is not None:
            commit()
        grown = grow_lifecycle(session, out_dir, seed=seed, now=now, commit=commit,
                               progress=progress)
        life.update(cases=grown["cases"] + life["cases"], statuses=grown["statuses"],
                    targets=grown["targets"] or life["targets"],
                    seconds=round(grown["seconds"] + life["seconds"], 1),
                    cpu_seconds=round(grown["cpu_seconds"] + life["cpu_seconds"], 1))
    return {"generated": summary, "imported": reports, "risk": risk, "lifecycle": life}


@contextlib.contextmanager
def _quiet_spiff() -> Iterator[None]:
    # SpiffWorkflow logs every task state change at INFO: thousands of lines per case here.
    spiff = logging.getLogger("spiff")
    level = spiff.level
    spiff.setLevel(logging.WARNING)
    try:
        yield
    finally:
        spiff.setLevel(level)


def seed_lifecycle(session: Session, out_dir: Path, *, cases: int, seed: int,
                   now: dt.datetime) -> dict[str, Any]:
    """Plan the demo cases (growth.plan), live the walkthrough's, and set targets."""
    from . import growth, lifecycle
    from workflows.deadlines import seed_defaults

    started = time.perf_counter(), time.process_time()
    seed_defaults(session)
    truth = lifecycle.load_truth(out_dir / "ground_truth.csv")
    with _quiet_spiff():
        planned = growth.plan(session, cases=cases, seed=seed, end=now)
        result = growth.live_walkthrough(session, truth, seed=seed, end=now)
    targets = growth.set_targets(session, now) if cases else 0
    return {**result.as_dict(), "planned": max(len(planned) - 1, 0), "targets": targets,
            "seconds": round(time.perf_counter() - started[0], 1),
            "cpu_seconds": round(time.process_time() - started[1], 1)}


# After each case's commit on SQLite, the seeder waits this long before its next case takes the
# database's write lock: a web request waiting for the lock polls at least every 0.1 s
# (SQLite's busy handler), so it gets in. Without the pause the seeder took the lock again at
# once and a login waited ~30 s (the busy timeout) while `make run` grew the cases.
SQLITE_PAUSE_S = 0.25


def grow_lifecycle(session: Session, out_dir: Path, *, seed: int | None = None,
                   now: dt.datetime | None = None, commit: Any = None,
                   progress: Any = None, should_stop: Any = None) -> dict[str, Any]:
    """Live the planned cases not lived yet (growth.grow), then reset the targets to the
    money the cases moved. Resumable: run again after an interruption, it continues."""
    from ..models import RiskRun
    from . import growth, lifecycle

    started = time.perf_counter(), time.process_time()
    now = now or dt.datetime.now(dt.timezone.utc)
    if seed is None:
        seed = (session.scalar(select(RiskRun.parameters).where(
            RiskRun.kind == "select", RiskRun.created_by == growth.PLANNER)
            .order_by(RiskRun.id).limit(1))
            or {}).get("seed", 0)
    truth = lifecycle.load_truth(out_dir / "ground_truth.csv")
    if commit is not None and session.get_bind().dialect.name == "sqlite":
        def commit_and_pause(commit: Any = commit) -> None:
            commit()
            time.sleep(SQLITE_PAUSE_S)
        commit = commit_and_pause
    with _quiet_spiff():
        result = growth.grow(session, truth, seed=seed, end=now, commit=commit,
                                progress=progress, should_stop=should_stop)
    stopped = should_stop is not None and should_stop()
    targets = growth.set_targets(session, now) if result.cases and not stopped else 0
    return {**result.as_dict(), "targets": targets,
            "seconds": round(time.perf_counter() - started[0], 1),
            "cpu_seconds": round(time.process_time() - started[1], 1)}


def _score(session: Session, model_version: str) -> dict[str, Any]:
    """Scores on every item by the demo's first model, so the demo opens with risk reasons on
    the declarations and something for the supervisor to select from."""
    from ..risk.scoring import score_period

    scored = score_period(session, None, None, "demo seed")
    return {"model": model_version, "items_scored": len(scored.frame),
            "run_id": scored.run.id if scored.run else None}


# The demo supervisor's directorate; both demo auditors work there, so a proposal approved by
# the supervisor can be assigned and worked at once.
DEMO_DIRECTORATE = "PCA-S"
DEMO_PROPOSALS = 6


def _propose_audits(session: Session, seed: int) -> int:
    """Pending audit proposals for the demo supervisor to approve (the walkthrough's start)."""
    from ..risk.selection import SelectionRequest, select_audits

    result = select_audits(session, SelectionRequest(capacity=DEMO_PROPOSALS,
                                                     directorate=DEMO_DIRECTORATE,
                                                     random_share=0.0, seed=seed), "demo seed")
    return len(result.proposals)


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)
