"""Recompute the audit log's hash chain and say where it first breaks.

Entries are read in sequence order, in batches (memory does not grow with the log). For each:
its position must follow the previous one (a gap is a deleted entry), its contents must hash to
its stored hash (else it was edited), and it must link to the previous entry's hash (else it
was moved, or the entry before it was rewritten). The head row must match the last entry (else
entries were cut off the end). Entries never chained are reported too.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..models.audit_log import GENESIS_HASH
from .audit_log import HEAD, LOG, entry_hash, entry_payload

MAX_PROBLEMS = 20


@dataclass
class Problem:
    seq: int | None
    entry_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "head"
        if self.entry_id is not None:
            where += f" (id {self.entry_id})"
        return f"{where}: {self.message}"


@dataclass
class Verification:
    checked: int = 0
    last_hash: str = GENESIS_HASH
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def _follows(conn: Connection, prev_hash: str | None) -> str:
    found = conn.execute(select(LOG.c.id, LOG.c.seq).where(LOG.c.hash == prev_hash)).first()
    return "no entry" if found is None else f"entry seq {found.seq} (id {found.id})"


def verify_chain(conn: Connection, batch: int = 2000) -> Verification:
    result = Verification()
    expected, prev = 1, GENESIS_HASH
    rows = conn.execution_options(yield_per=batch).execute(
        select(LOG).where(LOG.c.seq.is_not(None)).order_by(LOG.c.seq))
    add = result.problems.append
    for entry in rows:
        if entry.seq != expected:
            missing = (f"seq {expected}" if entry.seq == expected + 1
                       else f"seq {expected} to {entry.seq - 1}")
            add(Problem(entry.seq, entry.id,
                        f"{missing} missing before this entry: deleted from the log"))
        if entry_hash(entry_payload(entry), entry.prev_hash or "") != entry.hash:
            add(Problem(entry.seq, entry.id, "edited: its contents no longer match its hash"))
        if entry.prev_hash != prev and entry.seq == expected:
            add(Problem(entry.seq, entry.id,
                        f"out of order or rewritten: it was written after "
                        f"{_follows(conn, entry.prev_hash)}, but follows seq {expected - 1} "
                        "here (entries moved, or the one before it was rewritten)"))
        prev, expected = entry.hash, entry.seq + 1
        result.checked += 1
        if len(result.problems) >= MAX_PROBLEMS:
            break
    result.last_hash = prev
    head = conn.execute(select(HEAD.c.last_seq, HEAD.c.last_hash).where(HEAD.c.id == 1)).first()
    if head is not None and len(result.problems) < MAX_PROBLEMS and (
            head.last_seq != expected - 1 or head.last_hash != prev):
        if head.last_seq > expected - 1:
            message = (f"the log ends at seq {expected - 1} but the head records seq "
                       f"{head.last_seq}: the last entries were deleted")
        else:
            message = (f"the head (seq {head.last_seq}) does not match the last entry "
                       f"(seq {expected - 1}): the head or the last entries were rewritten")
        add(Problem(None, None, message))
    unchained = conn.execute(select(func.count()).select_from(LOG)
                             .where(LOG.c.seq.is_(None))).scalar_one()
    if unchained:
        add(Problem(None, None, f"{unchained} entries are not in the chain "
                                "(written outside a session commit, or inserted by hand)"))
    return result
