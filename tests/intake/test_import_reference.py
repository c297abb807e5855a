"""Tariff, preferential rates and outcomes into the database."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from audit_app.intake.problems import IntakeError
from audit_app.intake.runner import import_file
from audit_app.models import AuditOutcome, PreferentialRate, SupersededRecord, TariffRate
from tests.intake.csvdata import (declaration_row, outcome_row, preferential_row, tariff_row,
                                  write_csv)


def test_tariff_import_is_idempotent_and_amendments_keep_the_old_rates(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [tariff_row(), tariff_row(valid_from="2025-07-01", cd_rate="15")]
    path = write_csv(tmp_path / "t.csv", rows)
    assert import_file(session, "tariff", path).new == 2
    assert import_file(session, "tariff", path).unchanged == 2
    changed = write_csv(tmp_path / "t2.csv", [tariff_row(), tariff_row(valid_from="2025-07-01",
                                                                       cd_rate="16")])
    report = import_file(session, "tariff", changed)
    session.commit()
    assert (report.new, report.amended, report.unchanged) == (0, 1, 1)
    rate = session.scalar(select(TariffRate).where(TariffRate.cd_rate == 16))
    assert rate.version == 2
    old = session.scalar(select(SupersededRecord).where(SupersededRecord.record_id == rate.id))
    assert old.table_name == "tariff_rates" and old.data["cd_rate"] == "15.0000"


def test_tariff_key_twice_is_refused(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "t.csv", [tariff_row(), tariff_row()])
    with pytest.raises(IntakeError, match="line 3"):
        import_file(session, "tariff", path)


def test_preferential_rates_import(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "p.csv", [preferential_row(), preferential_row(hs_code="85049000")])
    assert import_file(session, "preferential", path).new == 2
    assert session.scalar(select(PreferentialRate.cd_rate).limit(1)) == 5


def test_outcomes_need_the_declaration_item(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_file(session, "declarations", write_csv(tmp_path / "d.csv", [declaration_row()]))
    session.commit()
    rows = [outcome_row(), outcome_row(item_no=7)]
    with pytest.raises(IntakeError, match=r"line 3, column gd_number,item_no.*no such declaration item"):
        import_file(session, "outcomes", write_csv(tmp_path / "o.csv", rows))
    session.rollback()
    assert session.scalar(select(AuditOutcome)) is None
    report = import_file(session, "outcomes", write_csv(tmp_path / "o2.csv", rows[:1]))
    session.commit()
    outcome = session.scalar(select(AuditOutcome))
    assert report.new == 1 and outcome.short_levy_pkr == 125000 and outcome.source == "import"


def test_outcome_none_with_a_levy_is_refused(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_file(session, "declarations", write_csv(tmp_path / "d.csv", [declaration_row()]))
    path = write_csv(tmp_path / "o.csv", [outcome_row(finding="NONE", short_levy_pkr="10")])
    with pytest.raises(IntakeError, match="must be 0 when finding is NONE"):
        import_file(session, "outcomes", path)
