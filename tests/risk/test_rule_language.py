"""The rule language: what it accepts, what it computes (missing values included), what it
refuses and where, and how reason sentences are filled. Unit tests: no app, no database."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit_app.risk.rule_language import FrameView, RuleSyntaxError, compile_condition
from audit_app.risk.rule_reasons import compile_reason

NAN = np.nan


@pytest.fixture(scope="module")
def view() -> FrameView:
    """Five items, with missing values where real data has them (NaN numbers, empty text)."""
    return FrameView(pd.DataFrame({
        "unit_value_ratio": [0.30, 0.60, NAN, 0.10, 3.50],
        "ref_count": [25, 30, 40, 5, 22],
        "chapter": ["85", "84", "01", "", "85"],
        "hs_code": ["85044090", "84713010", "01012100", "", "85171300"],
        "origin_country": ["CN", "CN", "IN", "AE", "CN"],
        "export_country": ["CN", "AE", "", "AE", "CN"],
        "fta_claimed": [True, False, True, True, False],
        "fta_rate_exists": [False, False, True, False, True],
        "sro_claimed": [True, False, False, True, False],
        "importer_chapter_share": [0.02, 0.5, NAN, 0.01, 0.9],
        "weight_ratio": [1.7, NAN, 0.9, 2.5, 1.0],
        "importer_hit_rate": [0.5, 0.45, 0.1, 0.9, NAN],
        "importer_audits": [3, 2, 10, 5, 0],
        "gd_date": pd.to_datetime(["2025-01-10", "2025-03-01", "2025-07-01", None, "2025-08-15"]),
        "x_mode_of_transport": ["40", "10", "", "40", "40"],
        "x_containers": [2.0, 10.0, NAN, 1.0, 0.0],
    }))


@pytest.mark.parametrize("condition, expected", [
    ("unit_value_ratio < 0.5 and ref_count >= 20", [1, 0, 0, 0, 0]),
    ("fta_claimed and not fta_rate_exists", [1, 0, 0, 1, 0]),
    ("sro_claimed and importer_chapter_share < 0.05", [1, 0, 0, 1, 0]),
    ("chapter in ('85', '84')", [1, 1, 0, 0, 1]),
    ("chapter in ['85']", [1, 0, 0, 0, 1]),
    ("chapter not in ('85', '84')", [0, 0, 1, 0, 0]),  # empty chapter: unknown, not "not in"
    ("weight_ratio > 1.6", [1, 0, 0, 1, 0]),
    ("importer_hit_rate > 0.4 and importer_audits >= 3", [1, 0, 0, 1, 0]),
    ("x_mode_of_transport == '40'", [1, 0, 0, 1, 1]),
    ("x_containers >= 2", [1, 1, 0, 0, 0]),
    ("x_containers in (0, 1)", [0, 0, 0, 1, 1]),
    # Missing values: a comparison with one is unknown, and unknown never fires...
    ("unit_value_ratio < 0.5", [1, 0, 0, 1, 0]),
    ("not unit_value_ratio < 0.5", [0, 1, 0, 0, 1]),
    ("unit_value_ratio != 0.3", [0, 1, 0, 1, 1]),
    # ...unless the other side of an `or` is true, or you ask for it.
    ("unit_value_ratio < 0.5 or ref_count > 35", [1, 0, 1, 1, 0]),
    ("unit_value_ratio < 0.5 and ref_count > 35", [0, 0, 0, 0, 0]),
    ("is_missing(unit_value_ratio) or is_missing(chapter)", [0, 0, 1, 1, 0]),
    ("not is_missing(export_country) and export_country != origin_country", [0, 1, 0, 0, 0]),
    ("export_country != origin_country", [0, 1, 0, 0, 0]),
    # Arithmetic, functions, chains, dates, literals.
    ("0.2 < unit_value_ratio < 0.7", [1, 1, 0, 0, 0]),
    ("abs(unit_value_ratio - 1) > 0.6", [1, 0, 0, 1, 1]),
    ("max(unit_value_ratio, 0.5) == 0.5", [1, 0, 0, 1, 0]),
    ("min(unit_value_ratio, weight_ratio) >= 1", [0, 0, 0, 0, 1]),
    ("unit_value_ratio * ref_count > 7 and -ref_count < -20", [1, 1, 0, 0, 1]),
    ("ref_count / (importer_audits - 3) > 5", [0, 0, 1, 0, 0]),  # x / 0 is missing
    ("(ref_count + 5) / 10 >= 3", [1, 1, 1, 0, 0]),
    ("gd_date >= '2025-03-01' and gd_date < '2025-08-01'", [0, 1, 1, 0, 0]),
    ("fta_claimed == False", [0, 1, 0, 0, 1]),
    ("fta_claimed != sro_claimed", [0, 0, 1, 0, 0]),
    ("True", [1, 1, 1, 1, 1]),
    ("'a' == 'b'", [0, 0, 0, 0, 0]),
    ("x_not_in_the_data == 'Y' or ref_count == 5", [0, 0, 0, 1, 0]),
])
def test_conditions_compute_over_whole_columns(view: FrameView, condition: str,
                                               expected: list[int]) -> None:
    result = compile_condition(condition, "T-1").evaluate(view)
    assert result.dtype == bool
    assert result.astype(int).tolist() == expected


def test_a_condition_knows_the_names_it_reads() -> None:
    compiled = compile_condition("unit_value_ratio < 0.5 and x_mode == '40'", "T-1")
    assert compiled.names == {"unit_value_ratio", "x_mode"}


FORBIDDEN = [
    # (condition, column of the offending part, words in the message)
    ("().__class__.__base__.__subclasses__()", 1, "attribute access (.__subclasses__)"),
    ("__import__('os')", 1, "names starting with __"),
    ("__import__('os').system('ls') == 0", 1, "attribute access"),
    ("chapter.upper() == '85'", 1, "attribute access (.upper)"),
    ("ref_count > 1 and gd_date.year == 2025", 19, "attribute access (.year)"),
    ("lambda: 1", 1, "lambda"),
    ("(lambda x: x)(1) > 0", 2, "lambda"),
    ("hs_code[0:2] == '85'", 1, "subscripts"),
    ("[x for x in (1, 2)] == 1", 1, "comprehensions"),
    ("open('/etc/passwd') == 1", 1, "calling open() is not allowed"),
    ("eval('1') == 1", 1, "calling eval() is not allowed"),
    ("getattr(chapter, 'x') == 1", 1, "calling getattr()"),
    ("ref_count if fta_claimed else 0", 1, "if ... else"),
    ("(x := 1) == 1", 2, ":="),
    ("f'{chapter}' == '85'", 1, "f-strings"),
    ("{'a': 1} == 1", 1, "dictionaries"),
    ("ref_count ** 2 > 4", 1, "operator **"),
    ("ref_count % 2 == 0", 1, "operator %"),
    ("~fta_claimed", 1, "operator '~'"),
    ("__builtins__ == 1", 1, "names starting with __"),
    ("ref_count > __debug__", 13, "names starting with __"),
    ("foo > 1", 1, "unknown name 'foo'"),
    ("unit_value_ration < 0.5", 1, "did you mean unit_value_ratio"),
    ("chapter == 85", 12, "write the code in quotes: '85'"),
    ("unit_value_ratio", 1, "is a number, not a condition"),
    ("unit_value_ratio and fta_claimed", 1, "is a number, not a condition"),
    ("ref_count + 1", 1, "is a number, not a condition"),
    ("chapter < '85'", 11, "text can only be compared"),
    ("unit_value_ratio == None", 21, "None is not allowed"),
    ("unit_value_ratio is None", 1, "`is` is not allowed"),
    ("chapter in chapter", 12, "must be followed by a list"),
    ("chapter in ('85', 84)", 12, "may not mix numbers and text"),
    ("chapter in (hs_code,)", 13, "only numbers or quoted text"),
    ("(1, 2) == ref_count", 1, "a list outside"),
    ("gd_date > 'yesterday'", 11, "not a date"),
    ("abs(ref_count, 1) > 0", 1, "abs takes exactly one"),
    ("max(ref_count) > 0", 1, "max takes two or more"),
    ("abs(x=ref_count) > 0", 7, "keyword arguments"),
    ("is_missing(chapter, hs_code)", 1, "exactly one"),
    ("abs > 1", 1, "abs is a function"),
    ("ref_count >", 12, "not a valid expression"),
    ("import os", 1, "not a valid expression"),
    ("ref_count > 1; x = 2", 14, "not a valid expression"),
]


@pytest.mark.parametrize("condition, column, words", FORBIDDEN)
def test_forbidden_constructs_are_refused_with_the_place_and_the_reason(
        condition: str, column: int, words: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        compile_condition(condition, "UV-LOW")
    error = caught.value
    assert (error.code, error.field, error.line) == ("UV-LOW", "condition", 1)
    assert error.column == column, str(error)
    assert words in error.message
    assert str(error).startswith(f"Rule UV-LOW: condition at line 1, column {column}: ")


@pytest.mark.parametrize("condition", ["", "   ", "x_a == '1' and " * 200 + "True",
                                       "(" * 300 + "1" + ")" * 300 + " == 1"])
def test_empty_huge_and_deeply_nested_conditions_are_refused(condition: str) -> None:
    with pytest.raises(RuleSyntaxError):
        compile_condition(condition, "R")


def test_nothing_runs_while_compiling_or_evaluating(view: FrameView, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import builtins

    def trap(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec must never be called")
    monkeypatch.setattr(builtins, "eval", trap)
    monkeypatch.setattr(builtins, "exec", trap)
    monkeypatch.setattr(pd, "eval", trap)
    assert compile_condition("ref_count > 20", "R").evaluate(view).sum() == 4


def test_a_million_rows_in_well_under_a_second_per_rule() -> None:
    n = 1_000_000
    rng = np.random.default_rng(1)
    view = FrameView(pd.DataFrame({
        "unit_value_ratio": rng.lognormal(0, 0.6, n), "ref_count": rng.integers(0, 100, n),
        "chapter": pd.Series(rng.choice(["84", "85", "39"], n), dtype=object)}))
    import time
    started = time.perf_counter()
    hits = compile_condition("unit_value_ratio < 0.5 and ref_count >= 20 and chapter in "
                             "('84', '85')", "R").evaluate(view)
    assert time.perf_counter() - started < 2.0
    assert 0 < hits.sum() < n


# --------------------------------------------------------------------------- reasons

def test_reasons_are_filled_with_each_rows_numbers(view: FrameView) -> None:
    template = compile_reason(
        "Unit value {unit_value_ratio:pct_below} below the median of {ref_count} earlier "
        "imports of {hs_code} from {origin_country}", "UV-LOW")
    assert template.names == {"unit_value_ratio", "ref_count", "hs_code", "origin_country"}
    assert template.render(view, np.array([0, 2, 3])) == [
        "Unit value 70% below the median of 25 earlier imports of 85044090 from CN",
        "Unit value unknown below the median of 40 earlier imports of 01012100 from IN",
        "Unit value 90% below the median of 5 earlier imports of unknown from AE"]


@pytest.mark.parametrize("template, row, expected", [
    ("{unit_value_ratio:pct_above} above", 4, "250% above"),
    ("share {importer_chapter_share:pct}", 0, "share 2%"),
    ("share {importer_chapter_share:pct}", 3, "share 1%"),
    ("share {importer_hit_rate:pct}", 1, "share 45%"),
    ("{ref_count:rupees}", 0, "Rs 25"),
    ("{weight_ratio:number}x", 0, "1.70x"),
    ("{weight_ratio}x", 3, "2.50x"),
    ("{ref_count:text} items", 1, "30 items"),
    ("claimed: {fta_claimed}", 0, "claimed: yes"),
    ("cleared {gd_date}", 1, "cleared 2025-03-01"),
    ("cleared {gd_date}", 3, "cleared unknown"),
    ("mode {x_mode_of_transport}, {x_containers:number} boxes", 1, "mode 10, 10 boxes"),
    ("{{literal braces}} and {chapter}", 0, "{literal braces} and 85"),
    ("no fields at all", 2, "no fields at all"),
])
def test_format_kinds(view: FrameView, template: str, row: int, expected: str) -> None:
    assert compile_reason(template, "R").render(view, np.array([row])) == [expected]


def test_rupees_are_whole_and_rounded_half_up() -> None:
    view = FrameView(pd.DataFrame({"expected_duty_pkr": [4_512_300.5, 1234.49, -20.5]}))
    assert compile_reason("{expected_duty_pkr:rupees}", "R").render(view, np.arange(3)) == [
        "Rs 4,512,301", "Rs 1,234", "-Rs 21"]


@pytest.mark.parametrize("template, column, words", [
    ("{foo} is high", 1, "unknown name 'foo'"),
    ("ratio {unit_value_ratio:percent}", 7, "unknown format 'percent'"),
    ("{chapter:rupees}", 1, "chapter is text: format it as text"),
    ("{hs_code.__class__}", 1, "is not allowed"),
    ("{__class__}", 1, "names starting with __"),
    ("{chapter!r}", 1, "is not allowed"),
    ("{0}", 1, "is not allowed"),
    ("{}", 1, "is not allowed"),
    ("{chapter:{hs_code}}", 1, "is not allowed"),
    ("half } brace", 6, "a lone }"),
    ("open { brace", 6, "never closed"),
    ("", None, "empty"),
])
def test_reason_templates_are_checked_when_saved(template: str, column: int | None,
                                                 words: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        compile_reason(template, "R-1")
    assert caught.value.field == "reason"
    assert caught.value.column == column
    assert words in caught.value.message
