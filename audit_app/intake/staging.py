"""Staging of declaration rows: validated rows go to a temporary table, fast, per dialect.

SQLite takes them with `executemany` on the raw driver connection; PostgreSQL with COPY, which
moves the parsing work to the server process (the second core). The staging table lives only for
the import's transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from .formats import DECLARATIONS, FileSpec, Integer, IsoDate, Number
from .validate import Record

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
        + ", declaration_id bigint, item_id bigint, stored_hash text"
    # (the last three are filled by the merge, for rows of GDs and items stored before)
    if pg:
        _enlarge_temp_buffers(conn)
    else:
        _enlarge_sqlite_cache(conn)
    # Dropped explicitly (not ON COMMIT DROP): one transaction may take in several files.
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {STAGE} (line integer, {cols}, {extra})")


# PostgreSQL keeps a temporary table in the session's own buffers, 8 MB by default: a large
# file's staging table would go back and forth to disk on every pass of the merge. The memory is
# the server's, taken only as the table grows, and only for this transaction.
TEMP_BUFFERS = "256MB"


def _enlarge_temp_buffers(conn: Connection) -> None:
    """Allowed only before the session's first temporary table; later imports in the same
    session keep what the first one had (the failed SET is undone by its savepoint)."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(f"SET LOCAL temp_buffers = '{TEMP_BUFFERS}'")
    except DBAPIError:
        pass


# SQLite's page cache is 2 MB by default; the merge of a large file walks the staging table
# and the items' indexes many times. A larger cache for the importing connection, bounded (it
# fills only as pages are read and does not grow with the file), set back by `drop_stage`.
SQLITE_CACHE_KIB = {"main": 64 * 1024, "temp": 32 * 1024}


def _enlarge_sqlite_cache(conn: Connection) -> None:
    for schema, kib in SQLITE_CACHE_KIB.items():
        conn.exec_driver_sql(f"PRAGMA {schema}.cache_size = -{kib}")


def index_stage(conn: Connection) -> None:
    """Ready the staged rows for the checks and the merge. SQLite's joins walk one table and
    look rows up in the other, so it gets an index on the key. PostgreSQL hashes instead and
    reads the GDs at fault in one pass: it needs statistics, not an index (building one took
    about 1.7 s of a million-row import)."""
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql(f"CREATE INDEX ix_{STAGE}_key ON {STAGE} (gd_number, item_no)")
        return
    # Only the columns the merge joins and groups on: statistics on all 35 cost more.
    conn.exec_driver_sql(f"ANALYZE {STAGE} (line, gd_number, item_no, importer_ntn, agent_code,"
                         " declaration_id, item_id)")


def drop_stage(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
    if conn.dialect.name == "sqlite":
        for schema in ("main", "temp"):
            conn.exec_driver_sql(f"PRAGMA {schema}.cache_size = -2000")  # SQLite's default


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


def format_row(pg: bool, line: int, values: Sequence[Any], extras: dict[str, str]) -> Any:
    """The staging form of one row given as typed values (API batches, KCS files): a COPY line
    on PostgreSQL, a parameter tuple on SQLite. Files in the canonical format get the same
    form straight from their text (`compile_row_stager`)."""
    texts = [None if v is None else str(v) for v in values]
    digest = _fingerprint(texts, extras)
    attributes = json.dumps(extras, sort_keys=True) if extras else None
    if pg:
        for i in _TEXT_POSITIONS:
            if texts[i] is not None:
                texts[i] = texts[i].translate(_COPY_ESCAPES)  # type: ignore[union-attr]
        cells = [str(line), *("\\N" if t is None else t for t in texts),
                 "\\N" if attributes is None else attributes.translate(_COPY_ESCAPES), digest]
        return "\t".join(cells)
    return (line, *texts, attributes, digest)


# A chunk of rows on their way to the staging table: (rows read, the staged rows' payload, how
# many rows it holds, the records with problems, in file order). The payload is COPY text on
# PostgreSQL and a list of parameter tuples on SQLite; it is what a reader process sends over.
Chunk = tuple[int, Any, int, list[Any]]


def chunk_records(records: Iterable[Any], pg: bool, size: int = CHUNK) -> Iterator[Chunk]:
    """Group records into chunks of at most `size` rows (staged or with problems)."""
    staged: list[Any] = []
    bad: list[Any] = []
    read = 0
    for record in records:
        read += 1
        if record.problems:
            bad.append(record)
        elif record.staged is not None:
            staged.append(record.staged)
        else:
            staged.append(format_row(pg, record.line, record.values, record.extras))
        if len(staged) + len(bad) >= size:
            yield read, _payload(pg, staged), len(staged), bad
            staged, bad, read = [], [], 0
    if read:
        yield read, _payload(pg, staged), len(staged), bad


def _payload(pg: bool, staged: list[Any]) -> Any:
    if not pg:
        return staged
    return "\n".join(staged) + "\n" if staged else ""


def _normal_number(text: str) -> str:
    """What `_fingerprint` makes of str(Decimal(text)) for a text the Number pattern accepted:
    no leading zeros (but one before the point), no trailing decimal zeros."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text[0] == "0" and len(text) > 1 and text[1] != ".":
        text = text.lstrip("0") or "0"
        if text[0] == ".":
            text = "0" + text
    return text



_ROW_STAGER = """\
def record(r, line):
    joined = separator.join(r)
    if row_matches(joined):
        try:
{dates}
        except ValueError:  # e.g. 2025-02-30: right shape but no such day; explain() says so
            return explain(r, line)
        extras = {{}}
{extras}
        fingerprint = separator.join(({hashed},))
        if extras:
            fingerprint += "".join([separator + k + "=" + extras[k] for k in sorted(extras)])
            attributes = dumps(extras, sort_keys=True)
        else:
            attributes = None
        digest = blake2b(fingerprint.encode(), digest_size=16).hexdigest()
{staged}
        return Record(line, None, extras, [], None, staged)
    return explain(r, line)
"""
_PG_STAGED = """\
        if "\\\\" in joined or "\\t" in joined or "\\n" in joined or "\\r" in joined:
            r = [cell.translate(escapes) for cell in r]
            attributes = attributes and attributes.translate(escapes)
        staged = "\\t".join((str(line), {cells}, attributes or NULL, digest))"""
_SQLITE_STAGED = """\
        staged = (line, {cells}, attributes, digest)"""


def compile_row_stager(dialect: str, spec: FileSpec, positions: Sequence[int | None],
                       extras: Sequence[tuple[str, int]], row_matches: Callable[[str], Any],
                       explain: Callable[[list[str], int], Any]) -> Callable[[list[str], int], Any]:
    """A validator's fast path that turns a valid row of the declarations file straight into
    its staging form (`Record.staged`), without typed values: the cells are already the text
    the database parses, so only dates are converted (to reject 2025-02-30) and only numbers
    are normalised (for the fingerprint, which must equal `row_hash` of the typed values).
    Rows that fail go to `explain`, as in the typed fast path."""
    if spec.names != COLUMNS:
        raise ValueError("only the declarations file is staged straight from its text")
    pg = dialect == "postgresql"
    namespace: dict[str, Any] = {
        "row_matches": row_matches, "explain": explain, "separator": "\x1f",
        "Record": Record, "blake2b": hashlib.blake2b, "dumps": json.dumps,
        "number": _normal_number, "fromiso": dt.date.fromisoformat,
        "escapes": _COPY_ESCAPES, "NULL": "\\N",
    }
    dates, hashed, cells = [], [], []
    for col, pos in zip(spec.columns, positions):
        if pos is None:
            hashed.append('""')
            cells.append("NULL" if pg else "None")
            continue
        raw = f"r[{pos}]"
        kind = col.kind
        if isinstance(kind, IsoDate):
            dates.append(f"            fromiso({raw})")
        if isinstance(kind, Number):
            # Most amounts are whole numbers without leading zeros: no call for those.
            plain = f"({raw} if {raw}[0] != '0' and '.' not in {raw} else number({raw}))"
            hashed.append(plain if col.required else f"({raw} and {plain})")
        elif isinstance(kind, Integer):
            hashed.append(f"{raw}.lstrip('0')")
        else:
            hashed.append(raw)
        if col.required:
            cells.append(raw)
        else:
            cells.append(f"({raw} or {'NULL' if pg else 'None'})")
    extra_lines = []
    for k, (name, j) in enumerate(extras):
        namespace[f"extra_{k}"] = name
        extra_lines.append(f"        if r[{j}]: extras[extra_{k}] = r[{j}]")
    staged = (_PG_STAGED if pg else _SQLITE_STAGED).format(cells=", ".join(cells))
    source = _ROW_STAGER.format(dates="\n".join(dates) or "            pass",
                                extras="\n".join(extra_lines), hashed=", ".join(hashed),
                                staged=staged)
    exec(compile(source, f"<intake staging path for {spec.name} ({dialect})>", "exec"),
         namespace)
    stager: Callable[[list[str], int], Any] = namespace["record"]
    return stager


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
        self._buffer.append(format_row(self.pg, line, values, extras))
        if len(self._buffer) >= CHUNK:
            self.flush()

    def add_chunk(self, payload: Any, count: int) -> None:
        """Write rows already in staging form (see `chunk_records`)."""
        if not count:
            return
        self.flush()
        if self.pg:
            self._copy_write(payload)
        else:
            self.driver.executemany(self._insert, payload)
        self.count += count

    def _copy_write(self, text: str) -> None:
        # One COPY for the whole file: the server parses while we validate the next rows.
        if self._copy_context is None:
            self._cursor = self.driver.cursor()
            self._copy_context = self._cursor.copy(self._copy)
            self._copy_stream = self._copy_context.__enter__()
        self._copy_stream.write(text)

    def flush(self) -> None:
        if not self._buffer:
            return
        if self.pg:
            self._copy_write("\n".join(self._buffer) + "\n")
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
