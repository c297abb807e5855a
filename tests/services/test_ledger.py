"""The money ledger: append-only (the ORM and the database both refuse changes), corrections by
reversal, balances per account and levy, and totals for many cases in one query."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from audit_app.errors import Conflict, NotFound, ValidationFailed
from audit_app.models import AuditCase, CaseEvent, LedgerEntry, LedgerImmutable
from audit_app.services import ledger
from tests.casedata import World, world  # noqa: F401

D = Decimal
DAY = dt.date(2026, 1, 5)  # the world clock's first day


def _post(w: World, case: AuditCase, account: str, amounts: dict[str, Decimal],
          kind: str = "test_posting", on: dt.date = DAY, **kw) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    rows = ledger.post(w.session, case.id, account, amounts, on=on, kind=kind,
                       actor=w.supervisor, clock=w.clock, **kw)
    w.session.commit()
    return rows


def test_posting_writes_one_entry_per_levy_and_an_event(world: World) -> None:
    case = world.open_case()
    rows = _post(world, case, "demanded", {"cd": D("1000.50"), "st": D(180), "rd": D(0),
                                           "penalty": D(500)},
                 kind="order_in_original", reference="OIO/PCA-S/2026/000001")
    assert [(r.levy, r.amount_pkr) for r in rows] == [("cd", D("1000.50")), ("st", D(180)),
                                                      ("penalty", D(500))]
    assert {r.reference for r in rows} == {"OIO/PCA-S/2026/000001"}
    assert all(r.actor_id == world.supervisor.id and r.entry_date == DAY for r in rows)
    event = world.events(case, "ledger_posted")[-1]
    assert event.actor_id == world.supervisor.id
    assert event.summary == "Demanded Rs 1,681 (order in original, OIO/PCA-S/2026/000001)"
    assert event.data["amounts"] == {"cd": "1000.50", "st": "180.00", "penalty": "500.00"}


@pytest.mark.parametrize(("account", "amounts", "field", "message"), [
    ("owed", {"cd": D(1)}, "account", "one of detected"),
    ("paid", {"vat": D(1)}, "vat", "not a levy"),
    ("paid", {"cd": 1.5}, "cd", "an exact Decimal amount, not float"),
    ("paid", {"cd": 100}, "cd", "an exact Decimal amount, not int"),
    ("paid", {"cd": D("1.005")}, "cd", "at most 2 decimals"),
    ("paid", {"cd": D("NaN")}, "cd", "finite"),
    ("paid", {"cd": D(10) ** 16}, "cd", "under Rs 10^16"),
])
def test_bad_postings_are_refused_with_the_field(world: World, account: str, amounts: dict,  # type: ignore[type-arg]
                                                 field: str, message: str) -> None:
    case = world.open_case()
    with pytest.raises(ValidationFailed) as err:
        ledger.post(world.session, case.id, account, amounts, on=DAY, kind="payment",
                    actor=None, clock=world.clock)
    assert message in err.value.details[field]
    assert world.session.scalars(select(LedgerEntry)).all() == []


def test_posting_needs_a_case_and_a_kind(world: World) -> None:
    case = world.open_case()
    with pytest.raises(NotFound):
        ledger.post(world.session, case.id + 999, "paid", {"cd": D(1)}, on=DAY, kind="payment",
                    actor=None, clock=world.clock)
    with pytest.raises(ValidationFailed) as err:
        ledger.post(world.session, case.id, "paid", {"cd": D(1)}, on=DAY, kind="Payment now",
                    actor=None, clock=world.clock)
    assert "kind" in err.value.details


def test_orm_refuses_to_change_or_delete_an_entry(world: World) -> None:
    case = world.open_case()
    entry = _post(world, case, "paid", {"cd": D(100)})[0]
    entry.amount_pkr = D(1)
    with pytest.raises(LedgerImmutable, match="never changed"):
        world.session.flush()
    world.session.rollback()
    world.session.delete(world.session.get(LedgerEntry, entry.id))
    with pytest.raises(LedgerImmutable, match="never deleted"):
        world.session.flush()
    world.session.rollback()
    with pytest.raises(LedgerImmutable):
        world.session.execute(update(LedgerEntry).values(amount_pkr=D(1)))
    world.session.rollback()
    with pytest.raises(LedgerImmutable):
        world.session.execute(delete(LedgerEntry).where(LedgerEntry.id == entry.id))
    world.session.rollback()
    assert world.session.get(LedgerEntry, entry.id).amount_pkr == D(100)


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entries SET amount_pkr = 1",
    "UPDATE ledger_entries SET note = 'edited'",
    "DELETE FROM ledger_entries",
])
def test_database_refuses_raw_sql_changes(world: World, statement: str) -> None:
    case = world.open_case()
    _post(world, case, "paid", {"cd": D(100)})
    engine = world.session.get_bind()
    with pytest.raises(DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), sum(amount_pkr) FROM ledger_entries")).one() \
            == (1, D(100))


def test_database_refuses_truncate_on_postgresql(world: World) -> None:
    engine = world.session.get_bind()
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE ledger_entries"))


def test_reversal_cancels_an_entry_once(world: World) -> None:
    case = world.open_case()
    wrong = _post(world, case, "paid", {"st": D(5000)}, kind="payment", reference="CH-1")[0]
    world.clock.advance(days=3)
    undo = ledger.reverse(world.session, wrong.id, actor=world.supervisor,
                          reason="Challan CH-1 was dishonoured", clock=world.clock)
    world.session.commit()
    assert (undo.account, undo.levy, undo.amount_pkr, undo.reverses_id, undo.kind,
            undo.reference) == ("paid", "st", D(-5000), wrong.id, "reversal", "CH-1")
    assert undo.entry_date == dt.date(2026, 1, 8)
    assert ledger.balances(world.session, case.id)["paid"]["st"] == 0
    assert world.session.get(LedgerEntry, wrong.id).amount_pkr == D(5000)  # still there
    assert "dishonoured" in world.events(case, "ledger_reversed")[0].summary
    with pytest.raises(Conflict, match="already reversed"):
        ledger.reverse(world.session, wrong.id, actor=None, reason="again", clock=world.clock)
    with pytest.raises(Conflict, match="is a reversal"):
        ledger.reverse(world.session, undo.id, actor=None, reason="undo", clock=world.clock)
    with pytest.raises(ValidationFailed) as err:
        ledger.reverse(world.session, _post(world, case, "paid", {"cd": D(1)})[0].id,
                       actor=None, reason=" ", clock=world.clock)
    assert err.value.details == {"reason": "say why the entry is wrong"}
    with pytest.raises(NotFound):
        ledger.reverse(world.session, 10**9, actor=None, reason="x", clock=world.clock)


def test_a_second_reversal_of_the_same_entry_is_refused_by_the_database(world: World) -> None:
    case = world.open_case()
    entry = _post(world, case, "paid", {"cd": D(10)})[0]
    ledger.reverse(world.session, entry.id, actor=None, reason="typo", clock=world.clock)
    world.session.commit()
    world.session.add(LedgerEntry(case_id=case.id, account="paid", levy="cd",
                                  amount_pkr=D(-10), entry_date=DAY, kind="reversal",
                                  reverses_id=entry.id))
    with pytest.raises(DatabaseError):
        world.session.flush()
    world.session.rollback()


def test_balances_per_account_and_levy_and_outstanding(world: World) -> None:
    case = world.open_case()
    other = world.open_case()
    _post(world, case, "demanded", {"cd": D(1000), "st": D(400), "penalty": D(100)})
    _post(world, case, "paid", {"cd": D(250)}, on=dt.date(2026, 3, 10))
    _post(world, case, "stayed", {"st": D(400)}, on=dt.date(2026, 3, 20))
    _post(world, case, "demanded", {"cd": D(-200)}, kind="appeal_reduced",
          on=dt.date(2026, 4, 1))
    _post(world, other, "demanded", {"cd": D(7)})
    b = ledger.balances(world.session, case.id)
    assert b["demanded"] == {"cd": D(800), "rd": 0, "acd": 0, "st": D(400), "ast": 0, "it": 0,
                             "penalty": D(100), "fine": 0}
    assert b.total("demanded") == D(1300) and b.total("paid") == D(250)
    assert b.outstanding() == {"cd": D(550), "rd": 0, "acd": 0, "st": 0, "ast": 0, "it": 0,
                               "penalty": D(100), "fine": 0}
    assert b.outstanding_total() == D(650)
    assert b.nonzero_levies("demanded", "paid") == ["cd", "st", "penalty"]
    earlier = ledger.balances(world.session, case.id, as_of=dt.date(2026, 3, 15))
    assert earlier.total("demanded") == D(1500) and earlier.total("stayed") == 0
    history = ledger.entries(world.session, case.id)
    assert [e.entry_date for e in history] == sorted(e.entry_date for e in history)


def test_adjust_to_posts_the_difference(world: World) -> None:
    case = world.open_case()
    ledger.adjust_to(world.session, case.id, "detected", {"cd": D(100), "st": D(50)}, on=DAY,
                     kind="findings_approved", actor=None, clock=world.clock)
    rows = ledger.adjust_to(world.session, case.id, "detected", {"cd": D(120)}, on=DAY,
                            kind="findings_approved", actor=None, clock=world.clock)
    assert sorted((r.levy, r.amount_pkr) for r in rows) == [("cd", D(20)), ("st", D(-50))]
    assert ledger.adjust_to(world.session, case.id, "detected", {"cd": D(120)}, on=DAY,
                            kind="findings_approved", actor=None, clock=world.clock) == []


def test_totals_for_many_cases_in_one_query(world: World) -> None:
    first, second, third = world.open_case(), world.open_case(), world.open_case()
    _post(world, first, "demanded", {"cd": D(1000), "fine": D(50)})
    _post(world, first, "paid", {"cd": D(300)})
    _post(world, first, "stayed", {"fine": D(50)})
    _post(world, second, "detected", {"st": D(999)}, on=dt.date(2026, 5, 1))
    figures = ledger.totals(world.session)
    assert set(figures) == {first.id, second.id}
    assert figures[first.id]["demanded"] == D(1050)
    assert figures[first.id]["outstanding"] == D(700)
    assert figures[second.id]["detected"] == D(999) and figures[second.id]["outstanding"] == 0
    only = ledger.totals(world.session, select(AuditCase.id).where(AuditCase.id == second.id))
    assert list(only) == [second.id]
    assert ledger.totals(world.session, [first.id], as_of=dt.date(2026, 1, 1)) == {}
    assert ledger.case_figures(world.session, third.id)["demanded"] == 0
    rows = world.session.execute(ledger.totals_select(by_levy=True)
                                 .where(LedgerEntry.case_id == first.id)).all()
    assert sorted((r.account, r.levy, r.amount_pkr) for r in rows) == [
        ("demanded", "cd", D(1000)), ("demanded", "fine", D(50)), ("paid", "cd", D(300)),
        ("stayed", "fine", D(50))]


def test_every_posting_leaves_a_case_event(world: World) -> None:
    case = world.open_case()
    _post(world, case, "paid", {"cd": D(5)})
    kinds = world.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
    assert "ledger_posted" in list(kinds)


def test_demand_changed_on_appeal_remits_the_difference_and_releases_stays(world: World) -> None:
    case = world.open_case()
    _post(world, case, "demanded", {"cd": D(1000), "st": D(500), "penalty": D(200)})
    _post(world, case, "paid", {"cd": D(300)})
    _post(world, case, "stayed", {"cd": D(700), "st": D(500)})
    assert ledger.demand(world.session, case.id) == {
        "levies": {"cd": D(1000), "rd": 0, "acd": 0, "st": D(500), "ast": 0, "it": 0},
        "penalty": D(200), "fine": 0, "total": D(1700)}
    ledger.adjust_demand(world.session, case.id,
                         {"levies": {"cd": D(600), "st": D(500)}, "penalty": 0},
                         reason="Collector (Appeals) reduced the value", reference="OIA-17",
                         actor=world.supervisor, clock=world.clock, kind="appeal_reduced")
    world.session.commit()
    b = ledger.balances(world.session, case.id)
    assert b["demanded"]["cd"] == D(600) and b["demanded"]["penalty"] == 0
    assert b["remitted"]["cd"] == D(400) and b["remitted"]["penalty"] == D(200)
    assert b["stayed"]["cd"] == D(300) and b["stayed"]["st"] == D(500)  # 600 - 300 paid
    assert b.outstanding_total() == 0
    released = [e for e in ledger.entries(world.session, case.id)
                if e.kind == "stay_released_by_order"]
    assert [(e.levy, e.amount_pkr) for e in released] == [("cd", D(-400))]
    with pytest.raises(ValidationFailed):
        ledger.adjust_demand(world.session, case.id, {"levies": {"cd": 1.5}}, reason="x",
                             reference=None, actor=None, clock=world.clock)
