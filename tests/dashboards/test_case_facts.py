"""The per-case facts the dashboards filter and group by (`case_facts`, `case_fact_tags`) are
kept in step by each service that changes a fact, agree with a rebuild from the source tables,
and can be checked and rebuilt by an operator."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import delete, select, update

from audit_app.intake.runner import import_file
from audit_app.models import (AuditCase, AuditProposal, AuditProposalItem, CaseFact,
                              CaseFactDeclaration, CaseFactTag, Declaration, DeclarationItem,
                              LedgerEntry, LedgerMonth, RiskRun)
from audit_app.services import case_facts, cases, ledger
from audit_app.services.findings import CorrectFacts, record_finding
from tests.casedata import drive_to
from tests.dashboards.data import LAPTOP, Cases3, cases3, money, world  # noqa: F401
from tests.intake.csvdata import declaration_row, write_csv


def fact(session, case_id: int) -> CaseFact:  # type: ignore[no-untyped-def]
    session.expire_all()
    row = session.get(CaseFact, case_id)
    assert row is not None, f"no facts kept for case {case_id}"
    return row


def tags(session, case_id: int) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(d, v) for d, v in session.execute(select(CaseFactTag.dimension, CaseFactTag.value)
                                                .where(CaseFactTag.case_id == case_id))}


def test_the_services_keep_every_case_s_facts_as_a_rebuild_would_make_them(money: Cases3) -> None:  # noqa: F811
    s = money.world.session
    assert case_facts.differences(s) == []
    hit, clean, north = (fact(s, c.id) for c in (money.hit, money.clean, money.north))
    gd = money.hit.items[0].item.declaration
    assert (hit.directorate_code, hit.collectorate, hit.chapter, hit.fraud_kind) == \
        ("PCA-S", gd.collectorate, "84", "UNDERVALUATION")
    assert hit.principal_item_id == money.hit.items[0].id
    assert (hit.contravened_on, hit.adjudged_on, hit.demanded_on, hit.last_paid_on) == \
        (dt.date(2026, 2, 10), dt.date(2026, 3, 20), dt.date(2026, 3, 21), dt.date(2026, 4, 5))
    assert hit.detected_on is not None and hit.observed_on == dt.date(2026, 1, 15)
    assert (clean.chapter, clean.fraud_kind, clean.detected_on) == ("39", None, None)
    assert (north.directorate_code, north.detected_on, north.fraud_kind) == \
        ("PCA-N", dt.date(2026, 3, 3), None)
    assert ("fraud_kind", "UNDERVALUATION") in tags(s, money.hit.id)
    assert ("chapter", "84") in tags(s, money.hit.id)
    assert not any(d == "fraud_kind" for d, _ in tags(s, money.clean.id))


def declarations(session, case_id: int) -> set[int]:  # type: ignore[no-untyped-def]
    return set(session.scalars(select(CaseFactDeclaration.declaration_id)
                               .where(CaseFactDeclaration.case_id == case_id)))


def test_opening_a_case_writes_its_facts(cases3: Cases3) -> None:  # noqa: F811
    s = cases3.world.session
    assert declarations(s, cases3.north.id) == {ci.item.declaration_id for ci in cases3.north.items}
    assert declarations(s, cases3.north.id)
    north = fact(s, cases3.north.id)
    proposal = s.get(AuditProposal, cases3.north.proposal_id)
    assert north.directorate_code == "PCA-N" and north.importer_id == cases3.north.importer_id
    assert north.chapter == "39" and north.fraud_kind is None and north.detected_on is None
    assert north.selected_at is not None and \
        north.selected_at.replace(tzinfo=None) == proposal.created_at.replace(tzinfo=None)
    assert tags(s, cases3.north.id) == {("collectorate", north.collectorate), ("chapter", "39")}


def test_a_larger_finding_on_another_item_becomes_the_principal_one(world) -> None:  # noqa: F811
    from tests.casedata import tariff
    w, s = world, world.session
    tariff(s, LAPTOP)
    tariff(s, "39011000")
    s.commit()
    case = w.open_case([{"hs_code": LAPTOP, "declared_value_pkr": Decimal(100_000)},
                        {"hs_code": "39011000", "declared_value_pkr": Decimal(2_000_000)}])
    drive_to(w, case, "examine_records")
    first, second = case.items
    assert fact(s, case.id).principal_item_id == first.id  # no finding yet: the first item
    record_finding(s, first.id, w.auditor, CorrectFacts(value_pkr=Decimal(150_000)),
                   evidence="invoice", clock=w.clock)
    s.commit()
    assert (fact(s, case.id).principal_item_id, fact(s, case.id).chapter) == (first.id, "84")
    record_finding(s, second.id, w.auditor, CorrectFacts(hs_code=LAPTOP,
                                                         value_pkr=Decimal(4_000_000)),
                   evidence="lab report", clock=w.clock)
    s.commit()
    row = fact(s, case.id)
    assert (row.principal_item_id, row.chapter) == (second.id, "39")
    assert row.fraud_kind == s.get(type(second), second.id).finding.kinds[0]
    kinds = {v for d, v in tags(s, case.id) if d == "fraud_kind"}
    assert {"UNDERVALUATION", "MISCLASSIFICATION"} <= kinds
    assert case_facts.differences(s, [case.id]) == []


def test_ledger_postings_and_reversals_move_the_stage_dates(money: Cases3) -> None:  # noqa: F811
    w, s, hit = money.world, money.world.session, money.hit
    # An order posted later does not move the first day; one backdated does.
    ledger.post(s, hit.id, "adjudged", {"fine": Decimal(5000)}, on=dt.date(2026, 5, 1),
                kind="order_in_original", actor=w.supervisor, clock=w.clock)
    assert fact(s, hit.id).adjudged_on == dt.date(2026, 3, 20)
    ledger.post(s, hit.id, "adjudged", {"fine": Decimal(10)}, on=dt.date(2026, 3, 1),
                kind="order_in_original", actor=w.supervisor, clock=w.clock)
    assert fact(s, hit.id).adjudged_on == dt.date(2026, 3, 1)
    # A lowering entry is not the day the account was raised.
    ledger.post(s, hit.id, "demanded", {"fine": Decimal(-10)}, on=dt.date(2026, 1, 1),
                kind="appeal_decision", actor=w.supervisor, clock=w.clock)
    assert fact(s, hit.id).demanded_on == dt.date(2026, 3, 21)
    # Reversing a payment is a movement of `paid` on the day of the reversal.
    payment = s.scalar(select(LedgerEntry.id).where(LedgerEntry.case_id == hit.id,
                                                    LedgerEntry.account == "paid")
                       .order_by(LedgerEntry.id.desc()))
    ledger.reverse(s, payment, actor=w.supervisor, reason="challan bounced",
                   clock=w.clock, on=dt.date(2026, 6, 2))
    s.commit()
    assert fact(s, hit.id).last_paid_on == dt.date(2026, 6, 2)
    assert case_facts.differences(s) == []


def test_a_case_without_its_row_gets_one_at_its_next_posting(money: Cases3) -> None:  # noqa: F811
    w, s, north = money.world, money.world.session, money.north
    s.execute(delete(CaseFactTag).where(CaseFactTag.case_id == north.id))
    s.execute(delete(CaseFact).where(CaseFact.case_id == north.id))
    ledger.post(s, north.id, "detected", {"cd": Decimal(1)}, on=dt.date(2026, 4, 1),
                kind="findings_approved", actor=w.supervisor, clock=w.clock)
    s.commit()
    assert fact(s, north.id).detected_on == dt.date(2026, 3, 3)
    assert case_facts.differences(s) == []


def test_an_intake_amendment_of_an_item_under_audit_moves_the_case_s_chapter(world, tmp_path) -> None:  # noqa: F811
    w, s = world, world.session
    rows = [declaration_row(item_no=1), declaration_row(item_no=2, hs_code="85049000")]
    import_file(s, "declarations", write_csv(tmp_path / "a.csv", rows))
    s.commit()
    items = list(s.scalars(select(DeclarationItem).order_by(DeclarationItem.item_no)))
    run = RiskRun(kind="select", created_by="test")
    s.add(run)
    s.flush()
    proposal = AuditProposal(run_id=run.id, importer_id=items[0].declaration.importer_id,
                             directorate_code="PCA-S", basis="risk", status="approved",
                             reason="test", expected_short_levy_pkr=Decimal(1000), items_count=1,
                             created_by="test", decided_by_id=w.supervisor.id,
                             decided_at=w.clock.now())
    proposal.items = [AuditProposalItem(item_id=items[1].id, expected_short_levy_pkr=Decimal(5),
                                        reasons=["test"])]
    s.add(proposal)
    s.flush()
    case = cases.open_case(s, proposal.id, w.supervisor, clock=w.clock)
    s.commit()
    assert fact(s, case.id).chapter == "85" and fact(s, case.id).collectorate == "KAPW"
    rows[1] = declaration_row(item_no=2, hs_code="39011000")
    report = import_file(s, "declarations", write_csv(tmp_path / "b.csv", rows))
    s.commit()
    assert report.amended == 1
    assert fact(s, case.id).chapter == "39"
    assert ("chapter", "39") in tags(s, case.id) and ("chapter", "85") not in tags(s, case.id)
    assert case_facts.differences(s) == []


def test_operators_check_and_rebuild_the_facts_from_the_console(money: Cases3, app) -> None:  # noqa: F811
    s = money.world.session
    s.execute(update(CaseFact).where(CaseFact.case_id == money.hit.id).values(chapter="01"))
    s.execute(delete(CaseFactTag).where(CaseFactTag.case_id == money.north.id))
    s.execute(delete(CaseFactDeclaration).where(CaseFactDeclaration.case_id == money.clean.id))
    s.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["dashboards", "check-facts"])
    assert result.exit_code == 1
    assert "3 cases have facts out of step" in result.output
    assert str(money.hit.id) in result.output and "rebuild-facts" in result.output
    result = runner.invoke(args=["dashboards", "rebuild-facts"])
    assert result.exit_code == 0, result.output
    assert "case facts rebuilt for 3 cases" in result.output
    s.expire_all()
    assert fact(s, money.hit.id).chapter == "84"
    assert declarations(s, money.clean.id) == {ci.item.declaration_id for ci in money.clean.items}
    result = runner.invoke(args=["dashboards", "check-facts"])
    assert result.exit_code == 0 and "agree" in result.output


def test_the_facts_filter_the_dashboards_as_the_items_do(money: Cases3) -> None:  # noqa: F811
    """A case matches a chapter or collectorate when any of its items does (tags), and a
    breakdown counts it under its principal item (facts)."""
    from dashboards.access import Viewer
    from dashboards.filters import Filters
    from dashboards.revenue import queries
    s = money.world.session
    viewer = Viewer(1, "manager", None)
    gd = s.get(Declaration, money.hit.items[0].item.declaration_id)
    for key, value, expected in (("chapter", "84", {money.hit.id}),
                                 ("collectorate", gd.collectorate, None),
                                 ("fraud_kind", "UNDERVALUATION", {money.hit.id})):
        f = Filters.build(viewer, "2026", **{key: value})
        found = set(s.scalars(select(AuditCase.id).where(*f.case_conditions())))
        if expected is not None:
            assert found == expected, key
        else:
            assert money.hit.id in found
    rows = queries.breakdown(s, Filters.build(viewer, "2026"), "chapter")
    assert {r["value"]: r["cases"] for r in rows}["84"] == 1


def month_row(session, month: str, account: str, directorate: str) -> tuple[Decimal, int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    row = session.get(LedgerMonth, (month, account, directorate))
    return (Decimal(0), 0) if row is None else (row.amount_pkr, row.entries)


def test_postings_and_reversals_keep_the_monthly_ledger_sums(money: Cases3) -> None:  # noqa: F811
    w, s, hit = money.world, money.world.session, money.hit
    assert case_facts.ledger_month_differences(s) == []
    before = month_row(s, "2026-05", "adjudged", "PCA-S")
    [entry] = ledger.post(s, hit.id, "adjudged", {"fine": Decimal("5000.25")},
                          on=dt.date(2026, 5, 1), kind="order_in_original", actor=w.supervisor,
                          clock=w.clock)
    ledger.post(s, hit.id, "adjudged", {"cd": Decimal(7), "penalty": Decimal(3)},
                on=dt.date(2026, 5, 31), kind="order_in_original", actor=w.supervisor,
                clock=w.clock)
    s.commit()
    assert month_row(s, "2026-05", "adjudged", "PCA-S") == \
        (before[0] + Decimal("5010.25"), before[1] + 3)
    june = month_row(s, "2026-06", "adjudged", "PCA-S")
    ledger.reverse(s, entry.id, actor=w.supervisor, reason="wrong order", clock=w.clock,
                   on=dt.date(2026, 6, 2))
    s.commit()
    assert month_row(s, "2026-06", "adjudged", "PCA-S") == \
        (june[0] - Decimal("5000.25"), june[1] + 1)
    assert case_facts.ledger_month_differences(s) == []
    # A case of another directorate sums apart.
    north = month_row(s, "2026-06", "paid", "PCA-N")
    ledger.post(s, money.north.id, "paid", {"cd": Decimal(1)}, on=dt.date(2026, 6, 3),
                kind="payment", actor=w.supervisor, clock=w.clock)
    s.commit()
    assert month_row(s, "2026-06", "paid", "PCA-N") == (north[0] + 1, north[1] + 1)
    assert case_facts.ledger_month_differences(s) == []


def test_the_revenue_figures_read_from_the_monthly_sums_agree_with_the_entries(money: Cases3) -> None:  # noqa: F811
    from dashboards.access import Viewer
    from dashboards.filters import Filters
    from dashboards.revenue import queries
    s = money.world.session
    viewer = Viewer(1, "manager", None)
    for period, directorate in (("2026", None), ("2026-Q1", "PCA-S"), ("2026-03", None),
                                ("2026", "PCA-N")):
        f = Filters.build(viewer, period, directorate)
        assert queries.month_sums(s, f, f.window, ("paid",)) is not None
        from_entries = {st.account: st.amount for st in queries.funnel(s, f)}
        assert queries.totals_in(s, f, f.window) == from_entries, (period, directorate)
    # A filter by any item's chapter cannot be read from the sums: the entries answer.
    f = Filters.build(viewer, "2026", chapter="84")
    assert queries.month_sums(s, f, f.window, ("paid",)) is None
    assert queries.totals_in(s, f, f.window) == {st.account: st.amount
                                                 for st in queries.funnel(s, f)}


def test_check_facts_finds_monthly_sums_out_of_step_and_rebuild_repairs_them(money: Cases3, app) -> None:  # noqa: F811
    s = money.world.session
    row = s.scalars(select(LedgerMonth).order_by(LedgerMonth.month)).first()
    assert row is not None
    key = (row.month, row.account, row.directorate_code)
    s.execute(update(LedgerMonth).where(LedgerMonth.month == row.month,
                                        LedgerMonth.account == row.account,
                                        LedgerMonth.directorate_code == row.directorate_code)
              .values(amount_pkr=LedgerMonth.amount_pkr + 1))
    s.commit()
    assert case_facts.ledger_month_differences(s) == [key]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["dashboards", "check-facts"])
    assert result.exit_code == 1 and "1 monthly ledger sums differ" in result.output
    assert "/".join(key) in result.output
    result = runner.invoke(args=["dashboards", "rebuild-facts"])
    assert result.exit_code == 0, result.output
    assert case_facts.ledger_month_differences(s) == []
    result = runner.invoke(args=["dashboards", "check-facts"])
    assert result.exit_code == 0 and "agree" in result.output
