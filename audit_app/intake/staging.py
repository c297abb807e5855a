"""Staging of declaration rows: validated rows go to a temporary table, fast, per dialect.

SQLite takes them with `executemany` on the raw driver connection; PostgreSQL with COPY, which
moves the parsing work to the server process (the second core). The staging table lives only for
the import's transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
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


def row_hash(values: Sequence[Any], extras: dict[str, str],
             decimal_positions: Sequence[int] | None = None) -> str:
    """A fingerprint of the row's meaning: 12.50 and 12.5 are the same value, so the same hash.
    `decimal_positions` (where the Decimals are) saves a type check per value on hot paths."""
    parts = ["" if v is None else str(v) for v in values]
    if decimal_positions is None:
        decimal_positions = [i for i, v in enumerate(values) if isinstance(v, Decimal)]
    for i in decimal_positions:
        text = parts[i]
        if "." in text:
            parts[i] = text.rstrip("0").rstrip(".")
    if extras:
        parts.extend(f"{k}={extras[k]}" for k in sorted(extras))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


class Stager:
    """Buffers rows and writes them to the staging table in chunks."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.driver = conn.connection.driver_connection
        self.count = 0
        self._buffer: list[tuple[Any, ...]] = []
        placeholders = ", ".join("?" for _ in range(len(COLUMNS) + 3))
        names = ", ".join(("line", *COLUMNS, "attributes", "row_hash"))
        self._insert = f"INSERT INTO {STAGE} ({names}) VALUES ({placeholders})"
        self._copy = f"COPY {STAGE} ({names}) FROM STDIN"

    def add(self, line: int, values: Sequence[Any], extras: dict[str, str]) -> None:
        digest = row_hash(values, extras, _DECIMAL_POSITIONS)
        attributes = json.dumps(extras, sort_keys=True) if extras else None
        if self.pg:
            row = (line, *values, attributes, digest)
        else:
            row = (line, *(_sqlite_value(v) for v in values), attributes, digest)
        self._buffer.append(row)
        if len(self._buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        if self.pg:
            with self.driver.cursor() as cur:
                with cur.copy(self._copy) as copy:
                    for row in self._buffer:
                        copy.write_row(row)
        else:
            self.driver.executemany(self._insert, self._buffer)
        self.count += len(self._buffer)
        self._buffer.clear()

    def add_many(self, rows: Iterable[tuple[int, Sequence[Any], dict[str, str]]]) -> None:
        for line, values, extras in rows:
            self.add(line, values, extras)


def _sqlite_value(v: Any) -> Any:
    # Text keeps the decimals exactly as written in the JSON history; dates as ISO text are
    # what SQLAlchemy stores for Date on SQLite.
    if v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, (Decimal, dt.date)):
        return str(v)
    return v
