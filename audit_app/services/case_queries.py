"""Read-side queries the case screens need beside `services.cases`: the list of cases a user
may see, the people named on a page, the officers a task can be reassigned to, and the
parsing of a finding form into `CorrectFacts`. Plain reads; nothing here writes.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ..errors import ValidationFailed
from ..models import (Adjudication, AuditCase, CaseItem, DeclarationItem, Dispute,
                      EvidenceDocument, IssuedDocument, LedgerEntry, OpenTask, Role, User, UserRole)
from workflows.clock import Clock

from .cases import TaskRow, task_page
from .findings import CorrectFacts

def sees_every_directorate(user: User) -> bool:
    """Mirrors `cases.get_case`: management and administrators read every directorate's cases."""
    return user.has_role(Role.MANAGEMENT, Role.ADMINISTRATOR)


def case_counts(session: Session, case_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Items under audit and open tasks per case: one query for a whole page (two counts
    per case, each on its case_id index)."""
    ids = list(case_ids)
    if not ids:
        return {}
    found = {i: (n_items, n_tasks) for i, n_items, n_tasks in session.execute(
        _CASE_COUNTS, {"ids": ids})}
    return {i: found.get(i, (0, 0)) for i in ids}


# Built once (every case list runs it).
_CASE_COUNTS = select(
    AuditCase.id,
    select(func.count()).select_from(CaseItem)
    .where(CaseItem.case_id == AuditCase.id).scalar_subquery(),
    select(func.count()).select_from(OpenTask)
    .where(OpenTask.case_id == AuditCase.id).scalar_subquery(),
).where(AuditCase.id.in_(bindparam("ids", expanding=True)))


def preload_items(session: Session, case: AuditCase) -> None:
    """Load the case's items with their declarations and findings in one query, so a page
    listing them does not query once per item. A finding is one row per item (unique), so
    joining it adds no rows; the declarations' importer and agent, which the item rows do not
    show, are left to load if read."""
    items = session.scalars(_ITEMS_WITH_FINDINGS, {"case_id": case.id}).all()
    set_committed_value(case, "items", list(items))


# The case page's statements, built once: neither they nor their cache keys are made again
# per page (SQLAlchemy memoises a statement's key on the object).
_ITEMS_WITH_FINDINGS = (select(CaseItem).where(CaseItem.case_id == bindparam("case_id"))
                        .order_by(CaseItem.id)
                        .options(joinedload(CaseItem.finding),
                                 joinedload(CaseItem.item)
                                 .joinedload(DeclarationItem.declaration)
                                 .lazyload("*")))


# What the case page's later sections read, and the table whose rows each needs: a case
# without any (most cases, until adjudication) shows them empty without querying each one.
CASE_SECTIONS = {"adjudication": Adjudication, "disputes": Dispute, "ledger": LedgerEntry,
                 "documents": IssuedDocument, "evidence": EvidenceDocument}


_SECTIONS_WITH_ROWS = select(*(exists().where(model.case_id == bindparam("case_id"))
                               for model in CASE_SECTIONS.values()))


def case_sections(session: Session, case_id: int) -> frozenset[str]:
    """The CASE_SECTIONS with rows for this case, in one query (an EXISTS per table, each on
    its case_id index)."""
    found = session.execute(_SECTIONS_WITH_ROWS, {"case_id": case_id}).one()
    return frozenset(name for name, there in zip(CASE_SECTIONS, found) if there)


def cases_for_proposals(session: Session, proposal_ids: Iterable[int]) -> dict[int, AuditCase]:
    """The case each converted proposal became (for links from the selection screen)."""
    ids = list(proposal_ids)
    if not ids:
        return {}
    return {c.proposal_id: c for c in session.scalars(
        select(AuditCase).where(AuditCase.proposal_id.in_(ids)))}


def directorate_conditions(user: User) -> list[Any]:
    """What puts an open task on a supervisor's team list: their directorate's, any lane."""
    return [OpenTask.directorate_code == user.directorate_code] if user.directorate_code else []


def directorate_tasks(session: Session, user: User, *, clock: Clock, limit: int = 50,
                      offset: int = 0, total: int | None = None) -> tuple[list[TaskRow], int]:
    """Every open task of the user's directorate, whatever its lane, due first, and how many
    there are (`total` when the caller counted it already): what a supervisor oversees and may
    reassign (reads the OpenTask projection)."""
    return task_page(session, directorate_conditions(user), limit=limit, offset=offset,
                     clock=clock, total=total)


# Most pages name people: built once, so neither the select with its loader option nor its
# cache key is made again per page (SQLAlchemy memoises a statement's key on the object).
_USERS_BY_ID = (select(User).where(User.id.in_(bindparam("ids", expanding=True)))
                .options(lazyload(User.roles)))


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    """The people a page names (by `full_name`): their roles are not read, so not loaded
    (the mapping's `selectin` would cost a second query on every page); `role_set` still
    works, with a query of its own."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(_USERS_BY_ID, {"ids": sorted(wanted)})}


def officers_by_lane(session: Session, directorate: str | None,
                     lanes: Iterable[str]) -> dict[str, list[User]]:
    """Active officers of `directorate` holding each lane's role: whom a task can go to."""
    roles = [Role(lane) for lane in set(lanes) if lane in Role._value2member_map_]
    if not roles:
        return {}
    # The role comes with each row; the users' own role lists are not loaded (a second query
    # on every supervisor's work queue), and load on first use should a caller want them.
    query = (select(UserRole.role, User).join(User, User.id == UserRole.user_id)
             .where(UserRole.role.in_(roles), User.is_active.is_(True))
             .order_by(User.full_name, User.id).options(lazyload(User.roles)))
    if directorate:
        query = query.where(User.directorate_code == directorate)
    found: dict[str, list[User]] = {}
    for role, user in session.execute(query):
        found.setdefault(role.value, []).append(user)
    return found


def auditors_of(session: Session, directorate: str | None) -> list[User]:
    return officers_by_lane(session, directorate, [Role.AUDITOR.value]).get(Role.AUDITOR.value, [])


_OPEN_TASKS_OF = (select(OpenTask).where(OpenTask.case_id == bindparam("case_id"))
                  .order_by(OpenTask.due_at, OpenTask.id))


def open_tasks_of(session: Session, case_id: int) -> list[OpenTask]:
    return list(session.scalars(_OPEN_TASKS_OF, {"case_id": case_id}))


def open_load(session: Session, user_ids: Iterable[int]) -> dict[int, int]:
    """Open tasks per officer: the workload shown beside each name when assigning."""
    ids = list(user_ids)
    if not ids:
        return {}
    return dict(session.execute(select(OpenTask.assignee_id, func.count())
                                .where(OpenTask.assignee_id.in_(ids))
                                .group_by(OpenTask.assignee_id)).all())


# --- the finding form ---------------------------------------------------------------------

FINDING_FIELDS = ("value_pkr", "hs_code", "origin", "fta_code", "sro_ref", "quantity",
                  "evidence", "documents")


def finding_form_defaults(case_item: CaseItem) -> dict[str, str]:
    """The form starts from the recorded finding, else from what was declared."""
    item, f = case_item.item, case_item.finding
    if f is not None:
        return {"value_pkr": _plain(f.correct_value_pkr), "hs_code": f.correct_hs_code,
                "origin": f.correct_origin, "fta_code": f.correct_fta_code or "",
                "sro_ref": f.correct_sro_ref or "", "quantity": _plain(f.correct_quantity),
                "evidence": f.evidence, "documents": "\n".join(f.documents or [])}
    return {"value_pkr": _plain(item.assessed_value_pkr), "hs_code": item.hs_code,
            "origin": item.origin_country, "fta_code": item.fta_code or "",
            "sro_ref": item.sro_ref or "", "quantity": _plain(item.quantity), "evidence": "",
            "documents": ""}


def parse_finding_form(case_item: CaseItem, form: Mapping[str, Any]
                       ) -> tuple[CorrectFacts, str, list[str]]:
    """Facts typed as on the GD mean "unchanged" (None), so a changed quantity alone scales
    the value at the declared unit price, as `findings.record_finding` does."""
    item = case_item.item
    errors: dict[str, str] = {}
    value = _amount(form, "value_pkr", errors)
    quantity = _amount(form, "quantity", errors)
    if quantity is not None and quantity <= 0:
        errors["quantity"] = "more than 0"
    if errors:
        raise ValidationFailed("Finding not recorded.", errors)
    text = lambda name: str(form.get(name) or "").strip()  # noqa: E731
    facts = CorrectFacts(
        value_pkr=None if value is None or value == Decimal(item.assessed_value_pkr) else value,
        hs_code=text("hs_code").replace(".", "") or None,
        origin=text("origin").upper() or None,
        fta_code=text("fta_code").upper() or None,
        sro_ref=text("sro_ref") or None,
        quantity=None if quantity is None or quantity == Decimal(item.quantity) else quantity)
    documents = [d.strip() for d in str(form.get("documents") or "").replace(",", "\n")
                 .splitlines() if d.strip()]
    return facts, text("evidence"), documents


def _amount(form: Mapping[str, Any], name: str, errors: dict[str, str]) -> Decimal | None:
    raw = str(form.get(name) or "").strip().replace(",", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors[name] = "a number, e.g. 1500000 or 12.5"
        return None
    if not value.is_finite() or value < 0:
        errors[name] = "a number, 0 or more"
        return None
    return value


def _plain(value: Any) -> str:
    """12.500000 -> 12.5; 1500000.00 -> 1500000."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text
