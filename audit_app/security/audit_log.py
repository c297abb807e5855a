"""Capture every change to `Audited` rows and append it to the hash chain.

How: an `after_flush` listener on every ORM session turns the session's new, dirty and deleted
audited objects into entries (before and after values of the changed columns, who and when)
and queues them on the session's innermost transaction. A `before_commit` listener then locks
the chain's head row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite has a single writer), links
the queued entries to the head in the order they were made, inserts them in one statement and
moves the head: three statements per transaction, however many flushes it made. Taking the
lock last, at commit, means it is the last lock a transaction asks for (no deadlock with row
locks taken earlier) and is held only for the commit itself. A rolled-back transaction or
savepoint drops the entries it queued; a released savepoint hands them to its parent.

ORM bulk `update()`/`delete()` statements on audited models are logged too, as the statement
(which rows they touch is only known to the database). Raw SQL and Core statements bypass the
ORM and are not captured: services use the ORM for audited tables.

Who: the logged-in user, the API token, an explicit `acting_as("system:<name>")`, or the `pca`
command being run ("system:pca worker").
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import bindparam, event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from ..models.audit_log import GENESIS_HASH, Audited, AuditLogEntry, AuditLogHead

PENDING = "pca_audit_pending"  # session.info: {id(SessionTransaction): [entry rows]}
RELEASED = "pca_audit_released"  # session.info: ids of savepoints released (committed)
MAX_INLINE = 4000
_explicit_actor: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "pca_audit_actor", default=None)
LOG = AuditLogEntry.__table__
HEAD = AuditLogHead.__table__


# --- who -----------------------------------------------------------------------------------

@contextlib.contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Attribute the changes made inside the block to `actor`, e.g. "system:worker"."""
    token = _explicit_actor.set(actor)
    try:
        yield
    finally:
        _explicit_actor.reset(token)


def current_actor() -> tuple[str, int | None]:
    explicit = _explicit_actor.get()
    if explicit:
        return explicit, None
    from flask import g, has_request_context
    if has_request_context():
        # Only what the request already loaded: no query in the middle of a flush.
        user = g.get("_login_user")
        token = g.get("api_token")
        via = f" via token:{token.id}" if token is not None else ""
        if user is not None and getattr(user, "is_authenticated", False):
            return f"user:{user.username}{via}", user.id
        if token is not None:
            return f"token:{token.id}:{token.name}", None
        return "anonymous", None
    import click
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        return f"system:{ctx.command_path}", None
    return "system:unknown", None


# --- what ----------------------------------------------------------------------------------

def jsonable(value: Any) -> Any:
    """A JSON value that reads back equal from JSON and JSONB columns (so hashes recompute)."""
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, str) and len(value) > MAX_INLINE:
            return {"sha256": hashlib.sha256(value.encode()).hexdigest(), "length": len(value)}
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return {"sha256": hashlib.sha256(data).hexdigest(), "length": len(data)}
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time, decimal.Decimal, uuid.UUID)):
        return str(value) if not isinstance(value, (dt.date, dt.time)) else value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


def _columns(obj: Any) -> list[tuple[str, str]]:
    """(attribute key, column name) of each mapped column."""
    mapper = inspect(obj).mapper
    return [(attr.key, attr.columns[0].name) for attr in mapper.column_attrs]


def _value(obj: Any, key: str) -> Any:
    if key in type(obj).__audit_redact__:
        return "[redacted]"
    return jsonable(inspect(obj).dict.get(key))


def snapshot(obj: Any) -> dict[str, Any]:
    loaded = inspect(obj).dict  # loaded values only: never a lazy load inside a flush
    return {name: _value(obj, key) for key, name in _columns(obj) if key in loaded}


def changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, name in _columns(obj):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        redact = key in type(obj).__audit_redact__
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new and history.deleted:
            continue
        before[name] = "[redacted]" if redact else jsonable(old)
        after[name] = "[redacted]" if redact else jsonable(new)
    return before, after


def _identity(obj: Any) -> str:
    state = inspect(obj)
    key = state.mapper.primary_key_from_instance(obj)  # set by the flush, even for new rows
    return "/".join(str(k) for k in key)[:64]


def _entries(session: Session) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for action, objects in (("insert", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            before: dict[str, Any] | None
            after: dict[str, Any] | None
            if action == "insert":
                before, after = None, snapshot(obj)
            elif action == "delete":
                before, after = snapshot(obj), None
            else:
                before, after = changes(obj)
                if not set(after) - set(type(obj).__audit_ignore__):
                    continue
            rows.append({"action": action, "entity": inspect(obj).mapper.local_table.name,
                         "entity_id": _identity(obj), "before": before, "after": after})
    return rows


def _stamp(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from .logs import current_request_id
    actor, actor_id = current_actor()
    at = dt.datetime.now(dt.timezone.utc)
    for row in rows:
        row.update(at=at, actor=actor[:160], actor_user_id=actor_id,
                   request_id=current_request_id())
    return rows


def _queue(session: Session, rows: list[dict[str, Any]]) -> None:
    """Queue entries on the innermost transaction (a savepoint's go with it if it rolls back)."""
    if session.get_transaction() is None:
        session.connection()  # an ORM statement about to run: begin its transaction now
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None
    session.info.setdefault(PENDING, {}).setdefault(id(transaction), []).extend(rows)


def _after_flush(session: Session, _flush_context: Any) -> None:
    rows = _entries(session)
    if rows:
        _queue(session, _stamp(rows))


def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    if not issubclass(state.bind_mapper.class_, Audited):
        return
    session = state.session
    try:
        sql = str(state.statement.compile(dialect=session.get_bind().dialect,
                                          compile_kwargs={"literal_binds": True}))
    except Exception:  # a type without a literal form: the SQL with its parameters
        sql = f"{state.statement} {jsonable(state.parameters)}"
    row = {"action": "bulk_update" if state.is_update else "bulk_delete",
           "entity": state.bind_mapper.local_table.name, "entity_id": None,
           "before": None, "after": {"statement": sql}}
    _queue(session, _stamp([row]))


# --- the chain -----------------------------------------------------------------------------

def entry_payload(entry: Any) -> dict[str, Any]:
    """What an entry's hash covers (everything but its id, position and hashes)."""
    return {"at": jsonable(entry.at), "actor": entry.actor,
            "actor_user_id": entry.actor_user_id, "action": entry.action,
            "entity": entry.entity, "entity_id": entry.entity_id,
            "before": entry.before, "after": entry.after, "request_id": entry.request_id}


def entry_hash(payload: dict[str, Any], prev_hash: str) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((canonical + prev_hash).encode()).hexdigest()


# The chain's statements run on every change: built once (SQLAlchemy memoises a statement's
# cache key on the object, so neither the statement nor its key is made again per commit).
_HEAD = select(HEAD.c.last_seq, HEAD.c.last_hash).where(HEAD.c.id == 1)
_HEAD_LOCKED = _HEAD.with_for_update()
_INSERT_ENTRIES = insert(LOG)
_MOVE_HEAD = (update(HEAD).where(HEAD.c.id == 1)
              .values(last_seq=bindparam("seq"), last_hash=bindparam("hash")))


def lock_head(conn: Connection) -> tuple[int, str]:
    """The chain's head, locked until the transaction ends."""
    query = _HEAD_LOCKED if conn.dialect.name == "postgresql" else _HEAD
    head = conn.execute(query).first()
    if head is None:  # the migration seeds it; a database emptied row by row (tests) lacks it
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        conn.execute(dialect_insert(HEAD).values(id=1, last_seq=0, last_hash=GENESIS_HASH)
                     .on_conflict_do_nothing(index_elements=["id"]))
        head = conn.execute(query).one()
    return int(head.last_seq), str(head.last_hash)


def append(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Link `rows` (entries not yet written) to the head, in order, and insert them; returns
    how many. The caller's transaction holds the head's lock until it ends."""
    if not rows:
        return 0
    seq, prev = lock_head(conn)
    linked = []
    for row in rows:
        seq += 1
        digest = entry_hash(entry_payload(_Row(row)), prev)
        linked.append({**row, "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    conn.execute(_INSERT_ENTRIES, linked)
    conn.execute(_MOVE_HEAD, {"seq": seq, "hash": prev})
    return len(linked)


class _Row:
    """Attribute access to a queued entry, for `entry_payload`."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)


def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit flushes after this hook; its entries must be chained too
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its entries go to the parent (`_end`)
    transaction = session.get_transaction()
    queued = session.info.get(PENDING, {}).pop(id(transaction), None) if transaction else None
    if queued:
        append(session.connection(), queued)


def _committed(session: Session) -> None:
    """Fires for the root transaction and for each released savepoint, before it closes."""
    transaction = session.get_nested_transaction()
    if transaction is not None:
        session.info.setdefault(RELEASED, set()).add(id(transaction))


def _end(session: Session, transaction: Any) -> None:
    """A transaction ended: a released savepoint hands its queue to the transaction it was
    nested in; a rolled-back one drops it (as the database dropped its rows)."""
    pending = session.info.get(PENDING, {})
    rows = pending.pop(id(transaction), None)
    released = session.info.get(RELEASED, set())
    if rows and id(transaction) in released and transaction.parent is not None:
        pending.setdefault(id(transaction.parent), []).extend(rows)
    released.discard(id(transaction))
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(RELEASED, None)


_installed = False


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _bulk_statement)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_transaction_end", _end)
    _installed = True
