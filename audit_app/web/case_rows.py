"""The rows of the case list, written in Python instead of Jinja.

The case list shows 50 cases a page; rendered by the template, its rows were half of the page's
CPU (about 1,300 `escape` calls, 50 `url_for` and Jinja's attribute look-ups per page;
`bench/request_cpu.py --kinds case_list`). Here each row is one f-string: the text of the case
and the importer is escaped, numbers and dates are formatted. The table around the rows stays
in `cases/index.html`.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape

from . import rupees


def row_renderer(*, people: Mapping[int, Any],
                 cases_url: str) -> Callable[[Any, int, int], Markup]:
    """`render(case, n_items, n_open)`: one `<tr>` of the case list. `people`: id -> user, for
    the auditor column; `cases_url`: the list's URL (a case's page is that URL + its id)."""
    from .cases import case_status, pk_date  # web.cases imports this module
    cases_url = str(escape(cases_url))
    # A page repeats a few statuses on every row: each badge written once per page.
    badge = functools.cache(lambda status: f'<span class="badge case-{escape(status)}">'
                                           f'{escape(case_status(status))}</span>')

    def render(case: Any, n_items: int, n_open: int) -> Markup:
        auditor = people.get(case.auditor_id)
        importer = case.importer
        return Markup(
            f'<tr><td class="nowrap"><a href="{cases_url}{case.id}">{escape(case.case_number)}'
            f'</a></td><td>{escape(importer.name or "")}<div class="muted">NTN '
            f'{escape(importer.ntn)}</div></td><td>{escape(case.directorate_code or "—")}</td>'
            f'<td>{badge(case.status)}</td><td>{escape(auditor.full_name) if auditor else "—"}</td>'
            f'<td class="num">{n_items}</td>'
            f'<td class="num">{escape(rupees(case.short_levy_total_pkr))}</td>'
            f'<td class="num">{n_open}</td>'
            f'<td class="nowrap">{pk_date(case.created_at)}</td></tr>\n')
    return render
