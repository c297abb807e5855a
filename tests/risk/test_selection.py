"""Audit selection from stored scores: capacity, grouping by importer, ranking by expected
recovery, the random share, reproducible seeds, the directorate filter, skipping importers
already proposed, the reasons recorded, and the supervisor's decision."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from audit_app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from audit_app.models import AuditProposal, RiskRun, Role, User
from audit_app.risk.selection import (SelectionRequest, decide_proposal, latest_score_run,
                                      random_count, select_audits)
from tests.factories import make_declaration, make_importer
from tests.risk.riskdata import audit, make_formations, make_score_run
from tests.risk.riskdata import own_factory_serials  # noqa: F401  (autouse)

# importer -> (collectorate, expected short levy of each item)
PORTFOLIO: dict[str, tuple[str, list[int]]] = {
    "A": ("KAPW", [500_000, 300_000, 0]),
    "B": ("KAPE", [700_000]),
    "C": ("KAPW", [200_000, 100_000]),
    "D": ("LAHD", [900_000, 50_000]),
    "E": ("KAPW", [10_000]),
    "F": ("KAPW", [0]),
    "G": ("LAHD", [0, 0]),
}


@pytest.fixture
def scored(session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Seven importers' items scored in one run; returns importer and item handles by name."""
    make_formations(session)
    importers, items, scores = {}, {}, []
    for name, (collectorate, levies) in PORTFOLIO.items():
        importer = make_importer(session, ntn=f"100000{ord(name)}-1", name=f"Importer {name}")
        gd = make_declaration(session, collectorate=collectorate, importer=importer,
                              items=len(levies))
        importers[name] = importer
        for n, (item, levy) in enumerate(zip(gd.items, levies), start=1):
            items[f"{name}{n}"] = item
            reasons = [f"{name}{n}: unit value far below comparable imports"] if levy else []
            scores.append((item, 0.5 if levy else 0.01, levy, reasons, ["UV-LOW"] if levy else []))
    make_score_run(session, scores)
    return {"importer": importers, "item": items}


def names(proposals: list[AuditProposal], scored: dict[str, Any]) -> list[str]:
    by_id = {imp.id: name for name, imp in scored["importer"].items()}
    return [by_id[p.importer_id] for p in proposals]


def propose(session, capacity: int, **kwargs: Any):  # type: ignore[no-untyped-def]
    return select_audits(session, SelectionRequest(capacity, **kwargs), "supervisor")


def test_importers_ranked_by_the_expected_recovery_of_their_items(session, scored) -> None:  # type: ignore[no-untyped-def]
    result = propose(session, 3, random_share=0)
    assert names(result.proposals, scored) == ["D", "A", "B"]
    assert [p.basis for p in result.proposals] == ["risk"] * 3
    d, a, b = result.proposals
    assert (d.expected_short_levy_pkr, d.items_count) == (Decimal(950_000), 2)
    # A's item with nothing expected is not part of a risk audit.
    assert (a.expected_short_levy_pkr, a.items_count) == (Decimal(800_000), 2)
    assert [i.item_id for i in a.items] == [scored["item"]["A1"].id, scored["item"]["A2"].id]
    assert result.importers_ranked == 5 and result.importers_eligible == 7
    assert d.directorate_code == "PCA-C" and a.directorate_code == "PCA-S"


def test_every_proposal_records_why(session, scored) -> None:  # type: ignore[no-untyped-def]
    result = propose(session, 2, random_share=0)
    assert result.proposals[1].reason == (
        "Ranked 2 of 5 importers by expected recovery Rs 800,000 over 2 items; top reasons: "
        "A1: unit value far below comparable imports; A2: unit value far below comparable imports")
    item = result.proposals[0].items[0]
    assert item.reasons == ["D1: unit value far below comparable imports"]
    assert item.expected_short_levy_pkr == Decimal(900_000) and item.score_id is not None
    run = session.get(RiskRun, result.run.id)
    assert run.kind == "select" and run.items_scored == 4
    assert run.parameters["score_run_id"] == result.score_run.id
    assert run.parameters["seed"] == result.seed and run.parameters["capacity"] == 2


def test_capacity_and_the_random_share(session, scored) -> None:  # type: ignore[no-untyped-def]
    result = propose(session, 4, random_share=0.5, seed=11)
    assert len(result.proposals) == 4 and result.random_wanted == 2
    assert [p.basis for p in result.proposals] == ["risk", "risk", "random", "random"]
    assert names(result.proposals[:2], scored) == ["D", "A"]
    drawn = names(result.proposals[2:], scored)
    assert set(drawn) <= {"B", "C", "E", "F", "G"}
    assert result.proposals[2].reason.startswith(
        "Chosen at random (50% random share keeps outcomes unbiased); expected recovery Rs ")


def test_the_same_seed_draws_the_same_importers(session, scored) -> None:  # type: ignore[no-untyped-def]
    session.commit()  # each draw is rolled back to the scores alone
    draws = []
    for seed in (5, 5, 6, 7, 8):
        result = propose(session, 3, random_share=1, seed=seed)
        draws.append(names(result.proposals, scored))
        session.rollback()
    assert draws[0] == draws[1]
    assert len({tuple(d) for d in draws}) > 1  # other seeds, other draws
    assert all(len(set(d)) == 3 for d in draws)


@pytest.mark.parametrize("capacity, share, expected", [
    (10, 0.1, 1), (5, 0.1, 1), (4, 0.1, 0), (20, 0.15, 3), (3, 0, 0), (3, 1, 3), (7, 0.5, 4)])
def test_random_count_rounds_half_up(capacity: int, share: float, expected: int) -> None:
    assert random_count(capacity, share) == expected


def test_random_draw_includes_importers_with_nothing_expected(session, scored) -> None:  # type: ignore[no-untyped-def]
    result = propose(session, 7, random_share=1, seed=3)
    assert sorted(names(result.proposals, scored)) == list("ABCDEFG")
    g = next(p for p, n in zip(result.proposals, names(result.proposals, scored)) if n == "G")
    assert g.items_count == 2 and g.expected_short_levy_pkr == 0


def test_a_directorate_selects_from_its_collectorates_only(session, scored) -> None:  # type: ignore[no-untyped-def]
    result = propose(session, 5, random_share=0, directorate="PCA-S")
    assert names(result.proposals, scored) == ["A", "B", "C", "E"]
    assert {p.directorate_code for p in result.proposals} == {"PCA-S"}
    assert result.proposals[0].reason.startswith("Ranked 1 of 4 importers")
    assert any("Only 4 importers" in n for n in result.notes)


def test_importers_under_an_open_proposal_are_skipped(session, scored) -> None:  # type: ignore[no-untyped-def]
    first = propose(session, 1, random_share=0)
    assert names(first.proposals, scored) == ["D"]
    second = propose(session, 2, random_share=0)
    assert names(second.proposals, scored) == ["A", "B"]
    assert second.importers_skipped == 1 and second.proposals[0].reason.startswith("Ranked 1 of 4")
    supervisor = _user(session, "PCA-S")
    decide_proposal(session, second.proposals[1].id, False, supervisor, "Audited last year")
    third = propose(session, 5, random_share=0)  # D and A still open; B was rejected
    assert names(third.proposals, scored) == ["B", "C", "E"]


def test_items_already_audited_are_not_proposed_again(session, scored) -> None:  # type: ignore[no-untyped-def]
    audit(session, scored["item"]["D1"], "UNDERVALUATION", 400_000)
    result = propose(session, 5, random_share=0)
    assert names(result.proposals, scored) == ["A", "B", "C", "D", "E"]
    assert result.proposals[3].expected_short_levy_pkr == Decimal(50_000)


def test_items_per_audit_caps_each_proposal_and_its_rank(session, scored) -> None:  # type: ignore[no-untyped-def]
    result = propose(session, 3, random_share=0, items_per_audit=1)
    assert names(result.proposals, scored) == ["D", "B", "A"]
    assert [p.items_count for p in result.proposals] == [1, 1, 1]


def test_the_latest_finished_run_is_used(session, scored) -> None:  # type: ignore[no-untyped-def]
    newer = make_score_run(session, [(scored["item"]["E1"], 0.9, 5_000_000, ["late"], ["X"])],
                           started_at=dt.datetime(2025, 8, 1, tzinfo=dt.timezone.utc))
    assert latest_score_run(session).id == newer.id
    assert names(propose(session, 5, random_share=0).proposals, scored) == ["E"]


@pytest.mark.parametrize("raw, field, words", [
    ({}, "capacity", "required"),
    ({"capacity": "0"}, "capacity", "from 1 to 1000"),
    ({"capacity": "ten"}, "capacity", "whole number"),
    ({"capacity": "5", "random_share": "1.5"}, "random_share", "from 0 to 1"),
    ({"capacity": "5", "random_share": "a lot"}, "random_share", "from 0 to 1"),
    ({"capacity": "5", "seed": "-3"}, "seed", "whole number"),
])
def test_selection_requests_are_checked(raw: dict[str, str], field: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        SelectionRequest.parse(raw)
    assert words in caught.value.details[field]


def test_a_request_parses_with_defaults() -> None:
    assert SelectionRequest.parse({"capacity": "12", "directorate": "pca-s", "seed": "4"}) == \
        SelectionRequest(12, "PCA-S", 0.1, 4, 20)


def test_unknown_directorate_and_no_run_are_clear_errors(session) -> None:  # type: ignore[no-untyped-def]
    make_formations(session)
    with pytest.raises(ValidationFailed) as caught:
        propose(session, 3, directorate="PCA-X")
    assert caught.value.details == {"directorate": "no directorate 'PCA-X'"}
    with pytest.raises(NotFound, match="run `pca risk score` first"):
        propose(session, 3)


# --------------------------------------------------------------------------- decisions

def _user(session, directorate: str | None, username: str = "farhan") -> User:  # type: ignore[no-untyped-def]
    from audit_app.auth.service import create_user
    found = session.scalar(select(User).where(User.username == username))
    return found or create_user(session, username, "long-password-1", "Farhan Qureshi",
                                [Role.SUPERVISOR], directorate_code=directorate)


def test_approval_and_rejection_are_attributable(session, scored) -> None:  # type: ignore[no-untyped-def]
    d, a = propose(session, 2, random_share=0).proposals
    supervisor = _user(session, None)
    approved = decide_proposal(session, d.id, True, supervisor)
    assert (approved.status, approved.decided_by_id, approved.decision_note) == \
        ("approved", supervisor.id, None)
    assert approved.decided_at is not None
    with pytest.raises(ValidationFailed) as caught:
        decide_proposal(session, a.id, False, supervisor, "   ")
    assert caught.value.details == {"note": "required when rejecting"}
    rejected = decide_proposal(session, a.id, False, supervisor, "Importer under inquiry")
    assert (rejected.status, rejected.decision_note) == ("rejected", "Importer under inquiry")
    with pytest.raises(Conflict, match="already approved"):
        decide_proposal(session, d.id, False, supervisor, "changed my mind")
    with pytest.raises(NotFound):
        decide_proposal(session, 99_999, True, supervisor)


def test_a_supervisor_decides_only_for_their_directorate(session, scored) -> None:  # type: ignore[no-untyped-def]
    d, a = propose(session, 2, random_share=0).proposals  # D is PCA-C's, A is PCA-S's
    karachi = _user(session, "PCA-S", "karachi_supervisor")
    with pytest.raises(PermissionDenied, match="belongs to directorate PCA-C"):
        decide_proposal(session, d.id, True, karachi)
    assert decide_proposal(session, a.id, True, karachi).status == "approved"


def test_console_select_prints_the_proposals(runner, session, scored) -> None:  # type: ignore[no-untyped-def]
    session.commit()
    out = runner.invoke(args=["risk", "select", "--capacity", "3", "--random-share", "0.34",
                              "--seed", "9"])
    assert out.exit_code == 0, out.output
    assert "3 proposals (seed 9)" in out.output
    assert "1. [risk] Importer D" in out.output and "Ranked 1 of 5 importers" in out.output
    assert "3. [random]" in out.output
    out = runner.invoke(args=["risk", "select", "--capacity", "0"])
    assert out.exit_code == 1 and "capacity: a whole number of audits from 1 to 1000" in out.output
    assert session.scalar(select(func.count()).select_from(AuditProposal)) == 3
