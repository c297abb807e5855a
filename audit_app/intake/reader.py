"""Stream the validated records of one intake file.

    with open(path, encoding="utf-8", newline="") as stream:
        reader = open_records(stream, DECLARATIONS)   # reads and checks the header now
        for record in reader:                         # one Record per data row, in file order
            if record.problems: ...                   # values may then be None
            else: ...                                 # record.values in DECLARATIONS.names order

Open files with `newline=""` as the csv module asks (a quoted line break then stays as written);
`encoding="utf-8"` or `"utf-8-sig"`, a BOM is dropped either way. The reader keeps no row in
memory: its footprint does not grow with the file, except for the key index of the small formats
(tariff, preferential, outcomes), whose duplicate keys it reports itself.

Problems of one row never stop the file: they come with that row's Record, and the caller
decides. The file as a whole fails (IntakeError) when it has no header, a wrong header, or bytes
that are not UTF-8.
"""
from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from .formats import FileSpec
from .problems import IntakeError, Problem, problem
from .validate import Record, RowValidator

__all__ = ["Record", "RecordReader", "open_records", "read_header"]


# Builds the Record of one row that has the header's number of cells.
RowToRecord = Callable[[list[str], int], Record]


class RecordReader:
    """Iterates once over a file's records. `header`: the file's column names, canonical
    (lower case, stripped) in file order; `extra_columns`: its x_ columns; `columns`: the names
    of `Record.values`, in order."""

    def __init__(self, spec: FileSpec, rows: Any, header: Sequence[str],
                 extra_columns: Sequence[str], to_record: RowToRecord,
                 source_header: Sequence[str] | None = None) -> None:
        self.spec = spec
        self.columns = spec.names
        self.header = tuple(header)
        self.extra_columns = tuple(extra_columns)
        # The columns as they are in the file, for "truncated line" problems (KCS names differ).
        self._source_header = tuple(source_header or header)
        self._rows = rows
        self._to_record = to_record

    def __iter__(self) -> Iterator[Record]:
        rows, to_record, width = self._rows, self._to_record, len(self._source_header)
        keys = _KeyIndex(self.spec) if self.spec.reader_checks_duplicates else None
        line = rows.line_num
        blank: list[int] = []  # [first, last] line of blank lines not yet known to be trailing
        while True:
            try:
                for row in rows:
                    start, line = line + 1, rows.line_num
                    record = to_record(row, start) if len(row) == width else None
                    if record is not None and not record.problems:  # the common case
                        if blank:
                            yield _blank_lines(*blank)
                            blank = []
                        if keys is not None:
                            keys.check(record, row)
                        yield record
                        continue
                    if not any(cell.strip() for cell in row):  # also ",,,," as spreadsheets save
                        blank = [blank[0] if blank else start, line]
                        continue
                    if blank:
                        yield _blank_lines(*blank)
                        blank = []
                    yield record or self._wrong_width(row, start)
                return  # trailing blank lines are ignored
            except csv.Error as exc:
                start, line = line + 1, rows.line_num
                if blank:
                    yield _blank_lines(*blank)
                    blank = []
                yield Record(start, None, {}, [problem(start, None, None, f"malformed CSV: {exc}")])
            except UnicodeDecodeError as exc:
                raise IntakeError([problem(line + 1, None, None,
                                           f"not UTF-8 text (at or after this line): {exc}")]
                                  ) from exc

    def _wrong_width(self, row: list[str], line: int) -> Record:
        width = len(self._source_header)
        if len(row) < width:
            found = problem(line, self._source_header[len(row)], ",".join(row),
                            f"truncated line: {len(row)} fields, the header has {width}")
        else:
            found = problem(line, None, ",".join(row[width:]),
                            f"too many fields: {len(row)}, the header has {width}")
        return Record(line, None, {}, [found], row)


def _blank_lines(first: int, last: int) -> Record:
    where = "blank line" if first == last else f"blank lines {first} to {last}"
    return Record(first, None, {}, [problem(first, None, "", f"{where} inside the file")])


class _KeyIndex:
    """Keys seen so far in a small file, to report the later of two rows with one key."""

    def __init__(self, spec: FileSpec) -> None:
        self._at = tuple(spec.index(name) for name in spec.key)
        self._column = "+".join(spec.key)
        self._first_line: dict[tuple[Any, ...], int] = {}

    def check(self, record: Record, row: list[str]) -> None:
        assert record.values is not None
        key = tuple(record.values[i] for i in self._at)
        first = self._first_line.setdefault(key, record.line)
        if first != record.line:
            record.problems.append(problem(record.line, self._column, "/".join(map(str, key)),
                                           f"duplicate key: first on line {first}"))
            record.raw = row


def read_header(stream: TextIO) -> tuple[Any, list[str]]:
    """The csv reader positioned after the header, and the header's names as written (BOM
    dropped). IntakeError if there is no header."""
    try:
        first = stream.readline()
    except UnicodeDecodeError as exc:
        raise IntakeError([problem(1, None, None, f"not UTF-8 text: {exc}")]) from exc
    if first.startswith("\ufeff"):
        first = first[1:]
    if not first:
        raise IntakeError([problem(None, None, None, "empty file: no header row")])
    # csv wants an iterator of lines; chain puts the BOM-less first line back in front.
    rows = csv.reader(itertools.chain([first], stream), strict=True)
    try:
        names = next(rows)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise IntakeError([problem(1, None, None, f"unreadable header: {exc}")]) from exc
    if not any(name.strip() for name in names):
        raise IntakeError([problem(1, None, first.rstrip("\r\n"),
                                   "blank first line: expected the header row")])
    return rows, names


def open_records(stream: TextIO, spec: FileSpec, stage: str | None = None) -> RecordReader:
    """Read and check the header of `stream` now; iterate the result for the records.

    With `stage` ("postgresql" or "sqlite", declarations only) valid records carry their
    staging form in `Record.staged` instead of typed values."""
    rows, written = read_header(stream)
    header = [name.strip().lower() for name in written]
    known = set(spec.names)
    problems: list[Problem] = []
    position: dict[str, int] = {}
    for j, name in enumerate(header):
        if name in position:
            problems.append(problem(1, name, written[j], f"duplicated column (positions "
                                                          f"{position[name] + 1} and {j + 1})"))
        elif name not in known and not (name.startswith("x_") and len(name) > 2):
            problems.append(problem(1, name, written[j], f"unknown column (position {j + 1}); "
                                    f"extra columns must be named x_..."))
        position.setdefault(name, j)
    for col in spec.columns:
        if col.required and col.name not in position:
            problems.append(problem(1, col.name, None, "required column is missing"))
    if problems:
        raise IntakeError(problems)

    extras = [(name, j) for j, name in enumerate(header) if name not in known]
    validator = RowValidator(spec, [position.get(name) for name in spec.names], len(header),
                             extras, stage=stage)
    return RecordReader(spec, rows, header, [name for name, _ in extras], validator.record)
