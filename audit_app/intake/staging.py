"""Staging of declaration rows: validated rows go to a temporary table, fast, per dialect.

SQLite takes them with `executemany` on the raw driver connection; PostgreSQL with COPY, which
moves the parsing work to the server process (the second core). The staging table lives only for
the import's transaction.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from .formats import DECLARATIONS

STAGE = "stage_declaration_items"
COLUMNS: tuple[str, ...] = DECLARATIONS.names
_SQLITE_TYPES = {"item_no": "INTEGER"}
_PG_TYPES = {
    "item_no": "integer", "gd_date": "date", "quantity": "numeric", "gross_weight_kg": "numeric",
    "invoice_value": "numeric", "exchange_rate": "numeric", "declared_value_pkr": "numeric",
    "assessed_value_pkr": "numeric", "cd_pkr": "numeric", "rd_pkr": "numeric",
    "acd_pkr": "numeric", "st_pkr": "numeric", "ast_pkr": "numeric", "it_pkr": "numeric",
}
_DECIMAL_POSITIONS = tuple(i for i, c in enumerate(COLUMNS) if _PG_TYPES.get(c) == "numeric")
CHUNK = 5000


def create_stage(conn: Connection) -> None:
    pg = conn.dialect.name == "postgresql"
    types = _PG_TYPES if pg else _SQLITE_TYPES
    cols = ", ".join(f"{c} {types.get(c, 'text')}" for c in COLUMNS)
    extra = ("attributes jsonb, row_hash text" if pg else "attributes text, row_hash text") \
        + ", declaration_id bigint, item_id bigint, stored_hash text, is_new_gd integer"
    # (the last four are filled by the merge)
    # Dropped explicitly (not ON COMMIT DROP): one transaction may take in several files.
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {STAGE} (line integer, {cols}, {extra})")


def index_stage(conn: Connection) -> None:
    conn.exec_driver_sql(f"CREATE INDEX ix_{STAGE}_key ON {STAGE} (gd_number, item_no)")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {STAGE}")


def drop_stage(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")


def row_hash(values: Sequence[Any], extras: dict[str, str]) -> str:
    """A fingerprint of the row's meaning: 12.50 and 12.5 are the same value, so the same hash."""
    texts = [None if v is None else str(v) for v in values]
    return _fingerprint(texts, extras, [i for i, v in enumerate(values) if isinstance(v, Decimal)])


# COPY text format: backslash, tab and line breaks inside a value must be escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TEXT_POSITIONS = tuple(i for i, c in enumerate(COLUMNS) if c not in _PG_TYPES)


def _fingerprint(texts: list[str | None], extras: dict[str, str],
                 decimal_positions: Sequence[int] = _DECIMAL_POSITIONS) -> str:
    """`row_hash` on values already turned to text; the staging hot path knows where the
    declarations file's decimals are, so it skips a type check per value."""
    parts = ["" if t is None else t for t in texts]
    for i in decimal_positions:
        text = parts[i]
        if "." in text:
            parts[i] = text.rstrip("0").rstrip(".")
    if extras:
        parts.extend(f"{k}={extras[k]}" for k in sorted(extras))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


class Stager:
    """Buffers rows and writes them to the staging table in chunks.

    Values go over as the text they were validated from (str() of the typed value): the
    database parses numbers and dates itself, and PostgreSQL gets ready-made COPY lines, so
    no per-value adaptation runs in Python.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.driver = conn.connection.driver_connection
        self.count = 0
        self._buffer: list[Any] = []
        self._copy_context: Any = None
        self._copy_stream: Any = None
        self._cursor: Any = None
        placeholders = ", ".join("?" for _ in range(len(COLUMNS) + 3))
        names = ", ".join(("line", *COLUMNS, "attributes", "row_hash"))
        self._insert = f"INSERT INTO {STAGE} ({names}) VALUES ({placeholders})"
        self._copy = f"COPY {STAGE} ({names}) FROM STDIN"

    def add(self, line: int, values: Sequence[Any], extras: dict[str, str]) -> None:
        texts = [None if v is None else str(v) for v in values]
        digest = _fingerprint(texts, extras)
        attributes = json.dumps(extras, sort_keys=True) if extras else None
        if self.pg:
            for i in _TEXT_POSITIONS:
                if texts[i] is not None:
                    texts[i] = texts[i].translate(_COPY_ESCAPES)  # type: ignore[union-attr]
            cells = [str(line), *("\\N" if t is None else t for t in texts),
                     "\\N" if attributes is None else attributes.translate(_COPY_ESCAPES),
                     digest]
            self._buffer.append("\t".join(cells))
        else:
            self._buffer.append((line, *texts, attributes, digest))
        if len(self._buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        if self.pg:
            # One COPY for the whole file: the server parses while we validate the next rows.
            if self._copy_context is None:
                self._cursor = self.driver.cursor()
                self._copy_context = self._cursor.copy(self._copy)
                self._copy_stream = self._copy_context.__enter__()
            self._copy_stream.write("\n".join(self._buffer) + "\n")
        else:
            self.driver.executemany(self._insert, self._buffer)
        self.count += len(self._buffer)
        self._buffer.clear()

    def finish(self) -> None:
        """Write what is buffered and end the COPY; the staged rows are then queryable."""
        self.flush()
        self._end_copy(None)

    def abort(self) -> None:
        self._buffer.clear()
        self._end_copy(RuntimeError("import aborted"))

    def _end_copy(self, error: BaseException | None) -> None:
        if self._copy_context is None:
            return
        context, self._copy_context = self._copy_context, None
        try:
            if error is None:
                context.__exit__(None, None, None)
            else:
                try:
                    context.__exit__(type(error), error, None)
                except Exception:  # the COPY is being abandoned: its own error says nothing new
                    pass
        finally:
            self._cursor.close()
