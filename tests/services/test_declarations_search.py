"""The declarations browser's search: filters, sorts, keyset pages and refused inputs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from audit_app.errors import ValidationFailed
from audit_app.models import Declaration, DeclarationItemVersion
from audit_app.services.declarations import (SORTS, DeclarationFilters, Page, get_declaration,
                                             search_declarations, version_changes)
from tests.factories import make_declaration, make_importer

D = dt.date


def gds(page: Page) -> list[str]:
    return [d.gd_number for d in page.rows]


def search(session, sort: str = "gd", descending: bool = False, **args: str) -> list[str]:  # type: ignore[no-untyped-def]
    return gds(search_declarations(session, DeclarationFilters.from_args(args), sort=sort,
                                   descending=descending, limit=500))


@pytest.fixture
def sample(session):  # type: ignore[no-untyped-def]
    """Six declarations that differ in one attribute at a time; GD numbers say which."""
    polymers = make_importer(session, ntn="1234567-8", name="Indus Polymers (Pvt) Ltd")
    electronics = make_importer(session, ntn="7654321-0", name="Karachi Electronics Traders")
    percent = make_importer(session, ntn="5555555-5", name="Hundred_Percent Foods")
    make_declaration(session, "KAPW-HC-100001", gd_date=D(2025, 1, 10), importer=polymers,
                     items=[{"hs_code": "39011000", "origin_country": "SA"}])
    make_declaration(session, "KAPW-HC-100002", gd_date=D(2025, 2, 1), importer=electronics,
                     channel="YELLOW",
                     items=[{"hs_code": "84713010", "origin_country": "CN"},
                            {"hs_code": "84713020", "origin_country": "CN"},
                            {"hs_code": "85171300", "origin_country": "VN"}])
    make_declaration(session, "KAPE-HC-200001", gd_date=D(2025, 2, 28), collectorate="KAPE",
                     importer=electronics, channel="RED",
                     items=[{"hs_code": "84714100", "origin_country": "MY"}])
    make_declaration(session, "PQIM-HC-300001", gd_date=D(2025, 3, 1), collectorate="PQIM",
                     importer=polymers, items=[{"hs_code": "39012000", "origin_country": "SA"}])
    make_declaration(session, "LAHD-HC-400001", gd_date=D(2025, 3, 31), collectorate="LAHD",
                     importer=percent, items=[{"hs_code": "04021000", "origin_country": "NZ"}])
    make_declaration(session, "KAPW-HC-1000010", gd_date=D(2025, 4, 1), importer=percent,
                     items=[{"hs_code": "84713010", "origin_country": "CN"}])
    session.flush()


ALL = ["KAPE-HC-200001", "KAPW-HC-100001", "KAPW-HC-100002", "KAPW-HC-1000010",
       "LAHD-HC-400001", "PQIM-HC-300001"]


@pytest.mark.parametrize(("args", "expected"), [
    pytest.param({}, ALL, id="no-filter"),
    # GD number: a prefix, case-insensitive; a full number also finds longer ones it prefixes.
    pytest.param({"gd_number": "KAPW-"}, ["KAPW-HC-100001", "KAPW-HC-100002", "KAPW-HC-1000010"],
                 id="gd-prefix"),
    pytest.param({"gd_number": "kapw-hc-100001"}, ["KAPW-HC-100001", "KAPW-HC-1000010"],
                 id="gd-prefix-lower-case"),
    pytest.param({"gd_number": "HC-"}, [], id="gd-infix-is-not-a-prefix"),
    # Importer: the NTN exactly, or part of the name in any case.
    pytest.param({"importer": "1234567-8"}, ["KAPW-HC-100001", "PQIM-HC-300001"], id="ntn-exact"),
    pytest.param({"importer": "1234567"}, [], id="ntn-part-matches-nothing"),
    pytest.param({"importer": "electronics"}, ["KAPE-HC-200001", "KAPW-HC-100002"],
                 id="name-part"),
    pytest.param({"importer": " POLYMERS (pvt) "}, ["KAPW-HC-100001", "PQIM-HC-300001"],
                 id="name-part-trimmed-any-case"),
    # LIKE wildcards typed by a user are plain characters.
    pytest.param({"importer": "%"}, [], id="percent-is-literal"),
    pytest.param({"importer": "d_P"}, ["LAHD-HC-400001", "KAPW-HC-1000010"], id="underscore-literal"),
    pytest.param({"importer": "s_p"}, [], id="underscore-is-not-a-wildcard"),
    # PCT code: 2 to 8 leading digits of any item; dots as printed in the tariff are ignored.
    pytest.param({"hs_code": "84"}, ["KAPE-HC-200001", "KAPW-HC-100002", "KAPW-HC-1000010"],
                 id="pct-chapter"),
    pytest.param({"hs_code": "8471"}, ["KAPE-HC-200001", "KAPW-HC-100002", "KAPW-HC-1000010"],
                 id="pct-heading"),
    pytest.param({"hs_code": "847130"}, ["KAPW-HC-100002", "KAPW-HC-1000010"], id="pct-6"),
    pytest.param({"hs_code": "8471.3020"}, ["KAPW-HC-100002"], id="pct-8-dotted"),
    pytest.param({"hs_code": "3901"}, ["KAPW-HC-100001", "PQIM-HC-300001"], id="pct-3901"),
    pytest.param({"hs_code": "85171300"}, ["KAPW-HC-100002"], id="pct-other-item"),
    pytest.param({"hs_code": "99"}, [], id="pct-none"),
    # Origin of any item, once per declaration however many items match.
    pytest.param({"origin": "cn"}, ["KAPW-HC-100002", "KAPW-HC-1000010"], id="origin"),
    pytest.param({"origin": "VN"}, ["KAPW-HC-100002"], id="origin-of-second-item"),
    pytest.param({"origin": "SA", "hs_code": "390120"}, ["PQIM-HC-300001"], id="origin-and-pct"),
    pytest.param({"collectorate": "kape"}, ["KAPE-HC-200001"], id="collectorate"),
    pytest.param({"collectorate": "KAPW"}, ["KAPW-HC-100001", "KAPW-HC-100002", "KAPW-HC-1000010"],
                 id="collectorate-kapw"),
    pytest.param({"channel": "red"}, ["KAPE-HC-200001"], id="channel"),
    pytest.param({"channel": "GREEN"},
                 ["KAPW-HC-100001", "KAPW-HC-1000010", "LAHD-HC-400001", "PQIM-HC-300001"],
                 id="channel-green"),
    # Dates: both ends included.
    pytest.param({"date_from": "2025-02-28"},
                 ["KAPE-HC-200001", "KAPW-HC-1000010", "LAHD-HC-400001", "PQIM-HC-300001"],
                 id="from-inclusive"),
    pytest.param({"date_to": "2025-02-01"}, ["KAPW-HC-100001", "KAPW-HC-100002"],
                 id="to-inclusive"),
    pytest.param({"date_from": "2025-02-01", "date_to": "2025-03-01"},
                 ["KAPE-HC-200001", "KAPW-HC-100002", "PQIM-HC-300001"], id="range"),
    pytest.param({"date_from": "2025-03-31", "date_to": "2025-03-31"}, ["LAHD-HC-400001"],
                 id="one-day"),
    pytest.param({"importer": "electronics", "hs_code": "8471", "channel": "YELLOW",
                  "collectorate": "KAPW", "date_from": "2025-02-01", "date_to": "2025-02-01",
                  "gd_number": "KAPW", "origin": "CN"}, ["KAPW-HC-100002"], id="all-together"),
    pytest.param({"importer": "", "hs_code": " ", "channel": ""}, ALL, id="blank-means-any"),
])
def test_each_filter(session, sample, args: dict[str, str], expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert search(session, **args) == sorted(expected)


@pytest.fixture
def many(session) -> list[Declaration]:  # type: ignore[no-untyped-def]
    """130 declarations with many ties on each sort value (7 dates, 5 values) and on duty."""
    importers = [make_importer(session) for _ in range(4)]
    rows = []
    for n in range(130):
        value = Decimal(100_000 * (1 + n % 5))
        rows.append(make_declaration(
            session, f"KAPW-HC-{(n * 37) % 130:05d}", gd_date=D(2025, 3, 1 + n % 7),
            importer=importers[n % 4],
            items=[{"invoice_value": value, "exchange_rate": Decimal(1)}]))
    session.flush()
    return rows


def walk(session, filters: DeclarationFilters, sort: str, descending: bool,  # type: ignore[no-untyped-def]
         limit: int) -> list[list[int]]:
    """Follow next_cursor from the first page to the last; the ids of each page."""
    pages: list[list[int]] = []
    cursor = None
    while True:
        page = search_declarations(session, filters, sort=sort, descending=descending,
                                   cursor=cursor, limit=limit)
        pages.append([d.id for d in page.rows])
        cursor = page.next_cursor
        if cursor is None:
            return pages
        assert len(pages) < 20, "the pages never end"


# One data set per sort serves both directions: building 130 declarations is the slow part.
@pytest.mark.parametrize("sort", sorted(SORTS))
def test_each_sort_both_ways_and_its_pages_visit_every_row_once(session, many, sort: str) -> None:  # type: ignore[no-untyped-def]
    column = SORTS[sort].key
    for descending in (False, True):
        expected = [d.id for d in sorted(many, key=lambda d: (getattr(d, column), d.id),
                                         reverse=descending)]
        whole = search_declarations(session, DeclarationFilters(), sort=sort,
                                    descending=descending, limit=200)
        assert [d.id for d in whole.rows] == expected, f"{sort} descending={descending}"
        assert whole.next_cursor is None
        values = [getattr(d, column) for d in whole.rows]
        assert values == sorted(values, reverse=descending)

        pages = walk(session, DeclarationFilters(), sort, descending, limit=50)
        assert [len(p) for p in pages] == [50, 50, 30], f"{sort} descending={descending}"
        assert [row for p in pages for row in p] == expected, f"{sort} descending={descending}"


def test_pages_keep_the_filters(session, many) -> None:  # type: ignore[no-untyped-def]
    filters = DeclarationFilters.from_args({"date_from": "2025-03-02", "date_to": "2025-03-06"})
    wanted = sorted((d for d in many if D(2025, 3, 2) <= d.gd_date <= D(2025, 3, 6)),
                    key=lambda d: (d.declared_value_pkr, d.id), reverse=True)
    pages = walk(session, filters, "value", True, limit=25)
    assert [row for p in pages for row in p] == [d.id for d in wanted]
    assert all(len(p) == 25 for p in pages[:-1]) and 0 < len(pages[-1]) <= 25


def test_a_full_last_page_has_no_next_page(session) -> None:  # type: ignore[no-untyped-def]
    for n in range(10):
        make_declaration(session, f"KAPW-HC-{n:03d}")
    first = search_declarations(session, DeclarationFilters(), sort="gd", descending=False, limit=5)
    assert gds(first) == [f"KAPW-HC-{n:03d}" for n in range(5)] and first.next_cursor
    second = search_declarations(session, DeclarationFilters(), sort="gd", descending=False,
                                 cursor=first.next_cursor, limit=5)
    assert gds(second) == [f"KAPW-HC-{n:03d}" for n in range(5, 10)]
    assert second.next_cursor is None


def test_values_keep_their_paisa_across_pages(session) -> None:  # type: ignore[no-untyped-def]
    """A cursor on a value with paisa continues exactly after it (no float rounding)."""
    values = ["1000.10", "1000.10", "1000.20", "1000.30", "99999999999.99", "1000.20"]
    made = [make_declaration(session, f"GD-{n}", items=[{"declared_value_pkr": Decimal(v)}])
            for n, v in enumerate(values)]
    expected = [d.id for d in sorted(made, key=lambda d: (Decimal(d.declared_value_pkr), d.id))]
    for descending in (False, True):
        pages = walk(session, DeclarationFilters(), "value", descending, limit=1)
        assert [p[0] for p in pages] == (expected[::-1] if descending else expected)


@pytest.mark.parametrize(("args", "field"), [
    ({"date_from": "2025-02-30"}, "date_from"),
    ({"date_to": "yesterday"}, "date_to"),
    ({"date_from": "12/03/2025"}, "date_from"),
    ({"hs_code": "84AB"}, "hs_code"),
    ({"hs_code": "8"}, "hs_code"),
    ({"hs_code": "847130101"}, "hs_code"),
    ({"origin": "CHN"}, "origin"),
    ({"channel": "BLUE"}, "channel"),
    ({"date_from": "2025-03-02", "date_to": "2025-03-01"}, "date_from"),
])
def test_invalid_filters_name_the_field(args: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        DeclarationFilters.from_args(args)
    assert any(p.startswith(field) for p in caught.value.details), caught.value.details


def test_every_invalid_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        DeclarationFilters.from_args({"hs_code": "x1", "date_to": "soon", "channel": "PINK"})
    assert sorted(p.split(":")[0] for p in caught.value.details) == ["channel", "date_to", "hs_code"]


def test_unknown_sort_is_refused(session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed, match="^sort: 'price'"):
        search_declarations(session, DeclarationFilters(), sort="price")


def _cursor(payload: Any) -> str:
    import base64
    import json
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(("sort", "cursor"), [
    pytest.param("date", "not-a-cursor!", id="not-base64"),
    pytest.param("date", "bm90IGpzb24", id="not-json"),
    pytest.param("date", _cursor({"a": 1}), id="not-a-pair"),
    pytest.param("date", _cursor(["2025-03-01"]), id="one-element"),
    pytest.param("date", _cursor(["2025-13-01", 5]), id="bad-date"),
    pytest.param("date", _cursor([None, 5]), id="null-date"),
    pytest.param("value", _cursor(["lots", 5]), id="bad-amount"),
    pytest.param("value", _cursor(["NaN", 5]), id="nan-amount"),
    pytest.param("duty", _cursor(["2025-03-01", 5]), id="date-cursor-on-duty"),
    pytest.param("gd", _cursor([["KAPW"], 5]), id="list-gd"),
    pytest.param("gd", _cursor([12, 5]), id="number-gd"),
    pytest.param("gd", _cursor(["KAPW", "five"]), id="bad-id"),
])
def test_bad_cursor_is_refused_naming_the_field(session, sort: str, cursor: str) -> None:  # type: ignore[no-untyped-def]
    make_declaration(session)
    with pytest.raises(ValidationFailed) as caught:
        search_declarations(session, DeclarationFilters(), sort=sort, cursor=cursor)
    assert any(p.startswith("after:") for p in caught.value.details), caught.value.details


def test_get_declaration_loads_items_in_order(session) -> None:  # type: ignore[no-untyped-def]
    made = make_declaration(session, "KAPW-HC-7", items=3)
    session.flush()
    session.expunge_all()
    found = get_declaration(session, "KAPW-HC-7")
    assert found.id == made.id
    assert [i.item_no for i in found.items] == [1, 2, 3]
    assert found.item_count == 3
    assert found.duty_paid_pkr == sum(i.duty_paid_pkr for i in found.items)


def test_version_changes_lists_changed_fields_in_utc() -> None:
    karachi = dt.timezone(dt.timedelta(hours=5))
    versions = [
        DeclarationItemVersion(version=1, data={"hs_code": "84713010", "cd_pkr": "100", "unit": "U"},
                               received_at=dt.datetime(2025, 3, 14, 9, 0)),
        # The zone PostgreSQL may answer in; shown as UTC like every other time.
        DeclarationItemVersion(version=2, data={"hs_code": "84713020", "cd_pkr": "100", "unit": "U"},
                               received_at=dt.datetime(2025, 4, 2, 15, 15, tzinfo=karachi)),
        # A column that appears (an x_ attribute) or disappears counts as a change.
        DeclarationItemVersion(version=3, data={"hs_code": "84713020", "cd_pkr": "100",
                                                "x_container": "MSKU1"},
                               received_at=dt.datetime(2025, 4, 3, 8, 0)),
    ]
    history = version_changes(versions)
    assert [h["version"] for h in history] == [2, 3]
    assert history[0]["changes"] == [("hs_code", "84713010", "84713020")]
    assert history[0]["received_at"] == dt.datetime(2025, 4, 2, 10, 15, tzinfo=dt.timezone.utc)
    assert history[0]["received_at"].utcoffset() == dt.timedelta(0)
    assert history[1]["changes"] == [("unit", "U", None), ("x_container", None, "MSKU1")]
    assert history[1]["received_at"].tzinfo is not None
    assert version_changes(versions[:1]) == []
