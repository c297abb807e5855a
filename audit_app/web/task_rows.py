"""The rows of the work queue's tables, written in Python instead of Jinja.

A supervisor's queue shows up to 150 rows, each with a claim or a reassign form: rendered by
the template, the rows cost about 5 ms of CPU per page (some 2,000 `escape` calls and as many
attribute look-ups through Jinja's environment), a tenth of all the CPU of the load mix
(`bench/request_cpu.py --who supervisor --kinds work_queue_page`). Here each row is one
f-string: only the text a person or a trader typed (task, case number, importer, officer's name)
is escaped; dates, lanes and the section are formatted once per page. The table around the rows
stays in `tasks/_rows.html`.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from typing import Any

from markupsafe import Markup, escape


def row_renderer(*, people: Mapping[int, Any], options: Callable[[str, int | None], Markup],
                 candidates: Mapping[str, list[Any]], lane_values: Collection[str], csrf: str,
                 tasks_url: str, cases_url: str) -> Callable[[Any, str, bool], Markup]:
    """`render(row, section, show_assignee)`: one `<tr>` of a queue table (a `TaskRow`).

    `people`: id -> user, for the assignee column; `options(lane, assignee_id)`: the reassign
    list's `<option>`s; `candidates`: lane -> officers a supervisor may reassign to (empty for
    others: no reassign form); `lane_values`: the lanes the viewer may claim tasks of."""
    from .cases import lane_label, pk_date  # web.cases imports web.tasks, which imports us
    csrf_input = f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
    tasks_url, cases_url = str(escape(tasks_url)), str(escape(cases_url))
    # A page repeats a few dates and lanes on every row: each formatted once per page.
    date = functools.cache(lambda value: str(escape(pk_date(value))))
    lane_text = functools.cache(lambda lane: str(escape(lane_label(lane))))

    def render(row: Any, section: str, show_assignee: bool) -> Markup:
        t = row.task
        task_id = escape(t.task_id)
        escalated = (f'<div class="muted">escalated {date(t.escalated_at)}</div>'
                     if t.escalated_at else "")
        assignee = ""
        if show_assignee:
            person = people.get(t.assignee_id)
            assignee = f"<td>{escape(person.full_name) if person else 'unassigned'}</td>"
        claim = reassign = ""
        if t.assignee_id is None and t.lane in lane_values:
            claim = (f'<form method="post" action="{tasks_url}{task_id}/claim" '
                     f'class="inline-form">{csrf_input}<button type="submit">Claim</button></form>')
        if candidates and candidates.get(t.lane):
            select_id = f"reassign-{escape(section)}-{task_id}"
            reassign = (
                f'<form method="post" action="{tasks_url}{task_id}/reassign" class="inline-form">'
                f'{csrf_input}<label class="visually-hidden" for="{select_id}">Reassign to</label>'
                f'<select id="{select_id}" name="assignee_id">{options(t.lane, t.assignee_id)}'
                f'</select><button type="submit" class="secondary">Reassign</button></form>')
        overdue = ' <span class="badge overdue">Overdue</span>' if row.overdue else ""
        return Markup(
            f'<tr class="{"overdue" if row.overdue else ""}" data-testid="task-row" '
            f'data-element="{escape(t.element_id)}">'
            f'<td class="nowrap">{date(t.due_on)}{overdue}{escalated}</td>'
            f'<td><a href="{tasks_url}{task_id}">{escape(t.name)}</a></td>'
            f'<td class="nowrap"><a href="{cases_url}{t.case_id}">{escape(row.case_number)}</a>'
            f'</td><td data-testid="task-importer">{escape(row.importer)}</td>'
            f'<td>{lane_text(t.lane)}</td>{assignee}<td>{claim}{reassign}</td></tr>\n')
    return render
