"""The declarations browser, the declaration page, and who sees them (Flask test client)."""
from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest

from audit_app.auth.permissions import allowed
from audit_app.models import Role
from tests.conftest import login
from tests.factories import amend_item, make_declaration, make_importer

UTC = dt.timezone.utc
GD = "KAPW-HC-104233-12032025"


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(body))


def nav_of(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r"<nav>(.*?)</nav>", response.get_data(as_text=True), re.S)
    return found.group(1) if found else ""


@pytest.fixture
def amended(session):  # type: ignore[no-untyped-def]
    """A two-item GD whose first item was amended once (invoice value raised).

    Item 1 as first received: 35,000 USD x 278.50 = Rs 9,747,500, at CD 20, ACD 2, ST 18, AST 3,
    IT 5.5: CD 1,949,500; ACD 194,950; ST base 11,891,950 -> ST 2,140,551, AST 356,758.5 ->
    356,759; IT on 14,389,260 = 791,409.3 -> 791,409.
    Amended to 41,000 USD: Rs 11,418,500; CD 2,283,700; ACD 228,370; ST base 13,930,570 ->
    ST 2,507,502.6 -> 2,507,503; AST 417,917.1 -> 417,917; IT on 16,855,990 -> 927,079.
    """
    importer = make_importer(session, ntn="1234567-8", name="Indus Polymers (Pvt) Ltd")
    gd = make_declaration(
        session, GD, gd_date=dt.date(2025, 3, 12), channel="YELLOW", importer=importer,
        agent="CHAL-0042",
        items=[{"hs_code": "84713010", "description": "Laptop computers, Core i5",
                "origin_country": "CN", "quantity": 100, "unit": "U",
                "invoice_value": Decimal(35_000), "exchange_rate": Decimal("278.50")},
               {"hs_code": "39011000", "description": "LDPE granules, film grade",
                "origin_country": "SA", "export_country": "AE", "quantity": 20_000, "unit": "KG",
                "invoice_value": Decimal(22_400), "exchange_rate": Decimal("278.50")}])
    amend_item(session, gd, 1, invoice_value=Decimal(41_000),
               received_at=dt.datetime(2025, 4, 2, 10, 15, tzinfo=UTC))
    session.commit()
    return gd


# -- the browser ---------------------------------------------------------------------------

def test_browse_lists_declarations_with_totals(logged_in, amended, session) -> None:  # type: ignore[no-untyped-def]
    make_declaration(session, "PQIM-HC-300001", collectorate="PQIM", channel="RED",
                     gd_date=dt.date(2025, 3, 1))
    session.commit()
    response = logged_in(Role.AUDITOR).get("/declarations/")
    assert response.status_code == 200
    page = text_of(response)
    # Newest first by default.
    assert page.index(GD) < page.index("PQIM-HC-300001")
    row = page[page.index(GD):page.index("PQIM-HC-300001")]
    declared = 11_418_500 + 6_238_400  # items 1 (amended) and 2 in whole rupees
    assert "amended" in row and "2025-03-12" in row and "YELLOW" in row and "CHAL-0042" in row
    assert "Indus Polymers (Pvt) Ltd" in row and "1234567-8" in row
    assert f"Rs {declared:,}" in row
    assert f'href="/declarations/{GD}"' in response.get_data(as_text=True)


def test_browse_applies_the_filters(logged_in, amended, session) -> None:  # type: ignore[no-untyped-def]
    other = make_importer(session, ntn="7654321-0", name="Karachi Electronics Traders")
    make_declaration(session, "KAPE-HC-200001", importer=other,
                     items=[{"hs_code": "85171300", "origin_country": "VN"}])
    session.commit()
    client = logged_in(Role.SUPERVISOR)
    for query, shown, hidden in [
        ("importer=polymers", GD, "KAPE-HC-200001"),
        ("importer=7654321-0", "KAPE-HC-200001", GD),
        ("hs_code=8517", "KAPE-HC-200001", GD),
        ("origin=sa", GD, "KAPE-HC-200001"),
        ("channel=YELLOW&collectorate=KAPW", GD, "KAPE-HC-200001"),
    ]:
        page = text_of(client.get(f"/declarations/?{query}"))
        assert shown in page and hidden not in page, query
    empty = client.get("/declarations/?date_from=2030-01-01")
    assert empty.status_code == 200
    assert "No declaration matches these filters." in text_of(empty)


def test_filter_problems_are_422_with_the_messages_and_the_form_kept(logged_in, amended) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.AUDITOR).get(
        "/declarations/?hs_code=84AB&date_from=2025-02-30&importer=Indus")
    assert response.status_code == 422
    page = text_of(response)
    assert "hs_code: '84AB' must be 2 to 8 digits of a PCT code" in page
    assert "date_from: '2025-02-30' is not a date (YYYY-MM-DD)" in page
    assert GD not in page  # no results under a refused search
    body = response.get_data(as_text=True)
    assert 'value="84AB"' in body and 'value="Indus"' in body


def test_date_range_the_wrong_way_round_is_422(logged_in) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.AUDITOR).get("/declarations/?date_from=2025-03-02&date_to=2025-03-01")
    assert response.status_code == 422
    assert "date_from is after date_to" in text_of(response)


def test_an_altered_page_cursor_is_422_not_a_crash(logged_in, amended) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(Role.AUDITOR)
    for cursor in ("garbage", "WyJsb3RzIiwgNV0"):  # ["lots", 5]: not an amount
        response = client.get(f"/declarations/?sort=value&after={cursor}")
        assert response.status_code == 422, cursor
        assert "after: the page cursor is not valid" in text_of(response)


def test_next_page_and_back_to_the_first(logged_in, session) -> None:  # type: ignore[no-untyped-def]
    for n in range(55):
        make_declaration(session, f"KAPW-HC-{n:05d}", gd_date=dt.date(2025, 1, 1 + n % 28))
    session.commit()
    client = logged_in(Role.AUDITOR)
    first = client.get("/declarations/?sort=gd&dir=asc&collectorate=KAPW")
    body = first.get_data(as_text=True)
    assert body.count('href="/declarations/KAPW-HC-') == 50
    assert "First page" not in body
    next_href = html.unescape(re.search(r'<a class="button" rel="next" href="([^"]+)"', body).group(1))
    assert "collectorate=KAPW" in next_href and "sort=gd" in next_href and "dir=asc" in next_href
    second = client.get(next_href)
    body = second.get_data(as_text=True)
    assert re.findall(r'href="/declarations/(KAPW-HC-\d+)"', body) == [
        f"KAPW-HC-{n:05d}" for n in range(50, 55)]
    assert 'rel="next"' not in body
    first_href = html.unescape(re.search(r'href="([^"]+)">First page', body).group(1))
    assert "after=" not in first_href
    assert client.get(first_href).get_data(as_text=True) == first.get_data(as_text=True)


def test_sort_links_toggle_the_direction_of_the_current_sort(logged_in, amended) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(Role.AUDITOR)
    body = html.unescape(client.get("/declarations/?sort=value&dir=desc&origin=CN")
                         .get_data(as_text=True))
    value_link = re.search(r'<a href="([^"]+)">Declared value ▼</a>', body).group(1)
    assert "sort=value" in value_link and "dir=asc" in value_link and "origin=CN" in value_link
    duty_link = re.search(r'<a href="([^"]+)">Duty and taxes paid</a>', body).group(1)
    assert "sort=duty" in duty_link and "dir=desc" in duty_link
    body = client.get("/declarations/?sort=value&dir=asc").get_data(as_text=True)
    assert "Declared value ▲" in body


def test_an_unknown_sort_falls_back_to_date_and_says_so(logged_in, amended) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.AUDITOR).get("/declarations/?sort=price")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Cleared ▼" in body
    assert 'name="sort" value="date"' in body


# -- one declaration -----------------------------------------------------------------------

def test_declaration_page_shows_header_items_and_duties(logged_in, amended) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.AUDITOR).get(f"/declarations/{GD}")
    assert response.status_code == 200
    page = text_of(response)
    assert f"Goods declaration {GD}" in page
    assert "Indus Polymers (Pvt) Ltd (NTN 1234567-8)" in page and "CHAL-0042" in page
    # Item 1 as amended, in whole rupees with thousands separators.
    assert "1 v2 8471.3010 Laptop computers, Core i5 CN" in page
    item1 = page[page.index("8471.3010"):page.index("3901.1000")]
    for amount in ("Rs 11,418,500", "Rs 2,283,700", "Rs 0", "Rs 228,370", "Rs 2,507,503",
                   "Rs 417,917", "Rs 927,079"):
        assert amount in item1, amount
    item2 = page[page.index("3901.1000"):page.index("Amendment history")]
    assert "LDPE granules, film grade" in item2 and "SA via AE" in item2
    assert "20,000.000 KG" in item2 and "USD 22,400.00" in item2 and "Rs 6,238,400" in item2
    duty = sum((i.duty_paid_pkr for i in amended.items), Decimal(0))
    assert f"Duty and taxes paid Rs {int(duty):,}" in page


def test_amendment_history_shows_before_and_after(logged_in, amended) -> None:  # type: ignore[no-untyped-def]
    body = logged_in(Role.AUDITOR).get(f"/declarations/{GD}").get_data(as_text=True)
    table = re.search(r'data-testid="amendments">(.*?)</table>', body, re.S)
    assert table, "no amendment table"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:]  # after the header row

    def cells(row: str) -> list[str]:
        return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", c))).strip()
                for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]

    # One amendment: item, version and time once, then one row per changed column, named as on
    # the page, in the file's order; amounts to the paisa, other values exactly as received.
    assert cells(rows[0])[:3] == ["1", "v2", "2025-04-02 10:15 UTC"]
    changed = [cells(r)[-3:] for r in rows]
    assert [c[0] for c in changed] == ["Invoice value", "Declared value", "Assessed value", "CD",
                                       "ACD", "ST", "AST", "IT"]
    assert changed[0] == ["Invoice value", "35000", "41000"]
    assert changed[3] == ["CD", "Rs 1,949,500.00", "Rs 2,283,700.00"]
    assert changed[7] == ["IT", "Rs 791,409.00", "Rs 927,079.00"]
    assert re.findall(r'<td title="([a-z_]+)">', table.group(1))[:2] == ["invoice_value",
                                                                       "declared_value_pkr"]


def test_declaration_without_amendments_says_so(logged_in, session) -> None:  # type: ignore[no-untyped-def]
    make_declaration(session, "LAHD-HC-1", collectorate="LAHD", items=2)
    session.commit()
    page = text_of(logged_in(Role.AUDITOR).get("/declarations/LAHD-HC-1"))
    assert "No amendments: every item is as first received." in page


def test_unknown_declaration_is_a_404_page(logged_in) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.AUDITOR).get("/declarations/NOPE-HC-1")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = text_of(response)
    assert "Not found" in page and "No declaration 'NOPE-HC-1'." in page


# -- who sees what -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/declarations/", f"/declarations/{GD}"])
def test_committee_member_may_not_open_declarations(logged_in, amended, path: str) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(Role.COMMITTEE_MEMBER).get(path)
    assert response.status_code == 403
    assert "Not allowed" in text_of(response)
    assert GD not in text_of(response)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_role_has_a_home_page_and_sees_only_its_navigation(client, make_user,  # type: ignore[no-untyped-def]
                                                                  role: Role) -> None:
    login(client, make_user(role))
    response = client.get("/")
    assert response.status_code == 200
    may_browse = allowed(frozenset({role}), "declarations.view")
    assert ("Declarations" in nav_of(response)) is may_browse
    assert ('href="/declarations/"' in response.get_data(as_text=True)) is may_browse
    assert (client.get("/declarations/").status_code == 200) is may_browse
    assert role.label in text_of(response)


def test_committee_member_sees_the_dashboards_only(logged_in) -> None:  # type: ignore[no-untyped-def]
    nav = nav_of(logged_in(Role.COMMITTEE_MEMBER).get("/"))
    assert "Dashboards" in nav and "Declarations" not in nav


def test_a_second_role_adds_its_navigation(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user(Role.COMMITTEE_MEMBER, Role.MANAGEMENT))
    assert "Declarations" in nav_of(client.get("/"))
    assert client.get("/declarations/").status_code == 200
