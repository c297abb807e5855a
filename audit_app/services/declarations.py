"""Finding and reading declarations: the browser's search with keyset pagination."""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import Select, and_, bindparam, func, or_, select, tuple_
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..errors import NotFound, ValidationFailed
from ..intake.formats import DECLARATIONS
from ..models import Declaration, DeclarationItem, DeclarationItemVersion, Importer

SORTS = {
    "date": Declaration.gd_date,
    "value": Declaration.declared_value_pkr,
    "duty": Declaration.duty_paid_pkr,
    "gd": Declaration.gd_number,
}
PAGE_SIZE = 50


@dataclass(frozen=True)
class DeclarationFilters:
    gd_number: str = ""
    importer: str = ""  # NTN (exact) or part of the name
    hs_code: str = ""  # 2 to 8 leading digits
    origin: str = ""
    collectorate: str = ""
    channel: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_args(cls, args: Any) -> "DeclarationFilters":
        """Parse query-string filters; a wrong value is a ValidationFailed naming the field."""
        problems: list[str] = []

        def text(name: str) -> str:
            return (args.get(name) or "").strip()

        def day(name: str) -> dt.date | None:
            raw = text(name)
            if not raw:
                return None
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                problems.append(f"{name}: {raw!r} is not a date (YYYY-MM-DD)")
                return None

        hs = text("hs_code").replace(".", "")
        if hs and not (hs.isdigit() and 2 <= len(hs) <= 8):
            problems.append(f"hs_code: {hs!r} must be 2 to 8 digits of a PCT code")
        origin = text("origin").upper()
        if origin and not (len(origin) == 2 and origin.isalpha()):
            problems.append(f"origin: {origin!r} must be a two-letter country code")
        channel = text("channel").upper()
        if channel and channel not in {"GREEN", "YELLOW", "RED"}:
            problems.append(f"channel: {channel!r} must be GREEN, YELLOW or RED")
        filters = cls(gd_number=text("gd_number").upper(), importer=text("importer"),
                      hs_code=hs, origin=origin, collectorate=text("collectorate").upper(),
                      channel=channel, date_from=day("date_from"), date_to=day("date_to"))
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            problems.append("date_from is after date_to")
        if problems:
            raise ValidationFailed("Some search fields are not valid.", problems)
        return filters


@dataclass
class Page:
    rows: Sequence[Declaration]
    next_cursor: str | None
    sort: str
    descending: bool
    filters: DeclarationFilters = field(default_factory=DeclarationFilters)


def _prefix_range(column: Any, prefix: str) -> Any:
    # A range instead of LIKE so both SQLite and PostgreSQL use the b-tree index.
    return and_(column >= prefix, column < prefix + "\uffff")


def _filtered(filters: DeclarationFilters) -> Select[tuple[Declaration]]:
    query = select(Declaration)
    f = filters
    if f.gd_number:
        query = query.where(_prefix_range(Declaration.gd_number, f.gd_number))
    if f.importer:
        # autoescape: a % or _ typed in the box is a character of the name, not a wildcard.
        query = query.where(Declaration.importer_id.in_(
            select(Importer.id).where(or_(
                Importer.ntn == f.importer,
                func.lower(Importer.name).contains(f.importer.lower(), autoescape=True)))))
    if f.hs_code or f.origin:
        items = select(DeclarationItem.declaration_id)
        if f.hs_code:
            items = items.where(_prefix_range(DeclarationItem.hs_code, f.hs_code))
        if f.origin:
            items = items.where(DeclarationItem.origin_country == f.origin)
        query = query.where(Declaration.id.in_(items))
    if f.collectorate:
        query = query.where(Declaration.collectorate == f.collectorate)
    if f.channel:
        query = query.where(Declaration.channel == f.channel)
    if f.date_from:
        query = query.where(Declaration.gd_date >= f.date_from)
    if f.date_to:
        query = query.where(Declaration.gd_date <= f.date_to)
    return query


def _encode_cursor(value: Any, row_id: int) -> str:
    if isinstance(value, dt.date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([value, row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The (sort value, id) a page ended on. The cursor comes from the URL, so anything but a
    well-typed pair for this sort is refused before it reaches SQL."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id = json.loads(base64.urlsafe_b64decode(padded))
        if type(row_id) is not int or not isinstance(value, str):
            raise TypeError("a cursor is [text, id]")
        if sort == "date":
            return dt.date.fromisoformat(value), row_id
        if sort in ("value", "duty"):
            amount = Decimal(value)
            if not amount.is_finite():
                raise ValueError("not a finite amount")
            return amount, row_id
        return value, row_id
    except (ValueError, TypeError, ArithmeticError) as exc:
        # ArithmeticError: decimal.InvalidOperation for a value that is not a number.
        raise ValidationFailed(
            "The page cursor is not valid; start from the first page.",
            ["after: the page cursor is not valid (it belongs to another sort or was altered); "
             "start from the first page"]) from exc


def search_declarations(session: Session, filters: DeclarationFilters, sort: str = "date",
                        descending: bool = True, cursor: str | None = None,
                        limit: int = PAGE_SIZE) -> Page:
    """One page of declarations, ordered by `sort` then id, continuing after `cursor`."""
    if sort not in SORTS:
        raise ValidationFailed(f"sort: {sort!r} is not one of {', '.join(SORTS)}")
    column = SORTS[sort]
    query = _filtered(filters)
    if cursor:
        value, row_id = _decode_cursor(cursor, sort)
        key = tuple_(column, Declaration.id)
        query = query.where(key < tuple_(value, row_id) if descending
                            else key > tuple_(value, row_id))
    order = (column.desc(), Declaration.id.desc()) if descending else (column.asc(), Declaration.id)
    rows = session.scalars(query.order_by(*order).limit(limit + 1)).unique().all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor(getattr(last, column.key), last.id)
    return Page(rows=rows, next_cursor=next_cursor, sort=sort, descending=descending,
                filters=filters)


# Built once (every declaration page and API read runs it).
_WITH_ITEMS = (select(Declaration).where(Declaration.gd_number == bindparam("gd_number"))
               .options(joinedload(Declaration.items).lazyload(DeclarationItem.versions)))


def get_declaration(session: Session, gd_number: str) -> Declaration:
    # The items joined to their declaration (one query fewer than a selectin on every page
    # and API read of a GD), the superseded versions of amended items in one more. An item
    # still at version 1 has none (the loader stores the superseded row and raises the
    # version in the same step, intake/merge.py), so a GD never amended needs no such query.
    declaration = session.scalars(_WITH_ITEMS, {"gd_number": gd_number}).unique().first()
    if declaration is None:
        raise NotFound(f"No declaration {gd_number!r}.")
    amended = sorted(item.id for item in declaration.items if item.version > 1)
    found: dict[int, list[DeclarationItemVersion]] = {}
    if amended:
        for version in session.scalars(
                select(DeclarationItemVersion)
                .where(DeclarationItemVersion.item_id.in_(amended))
                .order_by(DeclarationItemVersion.item_id, DeclarationItemVersion.version)):
            found.setdefault(version.item_id, []).append(version)
    for item in declaration.items:
        set_committed_value(item, "versions", found.get(item.id, []))
    return declaration


def _utc(moment: dt.datetime) -> dt.datetime:
    # Pages print times as UTC: PostgreSQL hands them back in the server's zone (which may be
    # Asia/Karachi), SQLite naive but written in UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


FILE_COLUMNS: tuple[str, ...] = DECLARATIONS.names


def item_file_values(declaration: Declaration, item: DeclarationItem) -> list[Any]:
    """The item as a row of the declarations file: typed values in file order."""
    header = {"gd_number": declaration.gd_number, "gd_date": declaration.gd_date,
              "collectorate": declaration.collectorate, "channel": declaration.channel,
              "importer_ntn": declaration.importer.ntn, "importer_name": declaration.importer.name,
              "agent_code": declaration.agent.code if declaration.agent else None}
    return [header[c] if c in header else getattr(item, c) for c in FILE_COLUMNS]


def item_file_data(declaration: Declaration, item: DeclarationItem) -> dict[str, Any]:
    """The item as a version's `data` holds it: every column as text (None when empty) plus
    its x_ attributes."""
    row = {c: None if v is None else str(v)
           for c, v in zip(FILE_COLUMNS, item_file_values(declaration, item))}
    return row | (item.attributes or {})


@dataclass(frozen=True)
class VersionView:
    version: int
    received_at: Any
    batch_id: int | None
    data: dict[str, Any]


_DECIMAL_TEXT = re.compile(r"[0-9]+\.[0-9]+")


def _canonical(data: dict[str, Any]) -> dict[str, Any]:
    # The database may hand back 56100.00 where the file said 56100: the same value, shown once.
    return {k: (v.rstrip("0").rstrip(".") if isinstance(v, str) and _DECIMAL_TEXT.fullmatch(v)
                else v) for k, v in data.items()}


def item_history(declaration: Declaration, item: DeclarationItem) -> list[VersionView]:
    """Every version of the item, oldest first: the superseded ones kept by the loader, then
    the current state, which lives on the item itself."""
    past = [VersionView(v.version, v.received_at, v.batch_id, _canonical(v.data))
            for v in item.versions]
    return past + [VersionView(item.version, item.updated_at, item.batch_id,
                               _canonical(item_file_data(declaration, item)))]


def version_changes(versions: Sequence[Any]) -> list[dict[str, Any]]:
    """For each amendment, the fields that changed: [{version, received_at, changes: [(field, old, new)]}]."""
    history = []
    for earlier, later in zip(versions, versions[1:]):
        keys = sorted(set(earlier.data) | set(later.data))
        changes = [(k, earlier.data.get(k), later.data.get(k)) for k in keys
                   if earlier.data.get(k) != later.data.get(k)]
        history.append({"version": later.version, "received_at": _utc(later.received_at),
                        "batch_id": later.batch_id, "changes": changes})
    return history
