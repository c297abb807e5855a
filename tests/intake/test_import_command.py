"""`pca declarations import` as an operator uses it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from audit_app.models import DeclarationItem
from tests.intake.csvdata import declaration_row, write_csv



def _count(app) -> int:  # type: ignore[no-untyped-def]
    from audit_app.db import get_session
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(DeclarationItem))


def test_good_file_imports_and_reports(runner, app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "ok.csv", [declaration_row(), declaration_row(item_no=2)])
    result = runner.invoke(args=["declarations", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 rows read; 2 new, 0 amended, 0 unchanged, 0 rejected" in result.output
    assert _count(app) == 2


@pytest.mark.parametrize("name, content, expected", [
    ("wrong header", "gd_number,item_no,colour\nA,1,red\n", "column colour, value \"colour\": unknown column"),
    ("empty file", "", "empty"),
    ("truncated line", None, "line 3"),
    ("negative value", None, "line 2, column cd_pkr"),
    ("bad date", None, "line 2, column gd_date"),
    ("non-numeric", None, "line 2, column invoice_value"),
])
def test_malformed_files_fail_clearly_and_write_nothing(runner, app, tmp_path, name, content,
                                                        expected) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    elif name == "truncated line":
        write_csv(path, [declaration_row(), declaration_row(item_no=2)])
        text = path.read_text().rstrip("\n")
        path.write_text(text[: text.rfind(",", 0, len(text) - 40)] + "\n")
    else:
        column, value = {"negative value": ("cd_pkr", "-1"), "bad date": ("gd_date", "12/03/2025"),
                         "non-numeric": ("invoice_value", "1,000.00")}[name]
        write_csv(path, [declaration_row(**{column: value})])
    result = runner.invoke(args=["declarations", "import", str(path)])
    assert result.exit_code != 0
    assert "nothing was written" in result.output
    assert expected in result.output
    assert _count(app) == 0


def test_skip_invalid_writes_a_rejects_file_next_to_the_input(runner, app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "mixed.csv", [declaration_row(), declaration_row(item_no=2, unit="")])
    result = runner.invoke(args=["declarations", "import", str(path), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output and "1 rejected" in result.output
    assert (tmp_path / "mixed.csv.rejects.csv").exists()
    assert _count(app) == 1
