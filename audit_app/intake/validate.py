"""Validate and convert rows of one file, compiled once from the spec and the file's header.

Speed is the point here (the loader must take 50,000 declaration items per second, so this must
do several times that): checking 28 cells one by one through Python calls costs about as much as
everything else put together. So a row takes a fast path:

1. the cells are joined with U+001F (unit separator, a control character no valid value may
   contain) and matched against ONE regular expression built from the columns' patterns, in the
   file's column order;
2. if that matches, the same generated function converts the cells (`int`, `Decimal`,
   `date.fromisoformat`) into the values tuple in the spec's column order and builds the Record.

Only a row that fails the fast path goes through the slow path, which looks at each cell on its
own and explains what is wrong. Both paths use the same patterns, so they agree on what is valid;
a cell that happens to contain U+001F only costs the slow path, never a wrong answer.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .formats import FileSpec
from .problems import Problem, problem

SEPARATOR = "\x1f"
_ANY_CELL = "[^\x1f]*"  # an x_ column or any other cell that is carried, not checked

Values = tuple[Any, ...]



class Record:
    """One data row: where it starts, its typed values (spec order), x_ extras, and problems.

    `line` is the physical line where the row starts (header = 1); `values` is None when the
    row's own cells are invalid; `extras` maps lower-case x_ names to non-empty raw text; `raw`
    holds the cells as read when there are problems (for a rejects file), else None.
    """

    __slots__ = ("line", "values", "extras", "problems", "raw", "staged")

    def __init__(self, line: int, values: Values | None, extras: dict[str, str],
                 problems: list[Problem], raw: list[str] | None = None,
                 staged: Any = None) -> None:
        self.line = line
        self.values = values
        self.extras = extras
        self.problems = problems
        self.raw = raw
        # Set instead of `values` by a validator compiled with `stage=`: the row as the
        # staging table takes it (a COPY line on PostgreSQL, a parameter tuple on SQLite).
        self.staged = staged

    def __repr__(self) -> str:
        return (f"Record(line={self.line}, values={self.values!r}, extras={self.extras!r}, "
                f"problems={self.problems!r})")


class RowValidator:
    """Turns the raw cells of one row into a Record: `validator.record(row, line)`.

    `positions[i]` is the index in the row of the spec's column i, or None when the file lacks
    that (optional) column; `width` is the number of cells per row; `extras` lists the
    (name, index) of cells kept as extras; `labels[i]` is the column name used in problems
    (the KCS adapter puts its own source column names there).
    """

    def __init__(self, spec: FileSpec, positions: Sequence[int | None], width: int,
                 extras: Sequence[tuple[str, int]] = (),
                 labels: Sequence[str] | None = None, stage: str | None = None) -> None:
        self.spec = spec
        self._labels = tuple(labels or spec.names)
        self._extras = tuple(extras)
        self._cells = [
            (col, pos, label, re.compile(col.kind.pattern).fullmatch)
            for col, pos, label in zip(spec.columns, positions, self._labels)
        ]
        at = {pos: col for col, pos in zip(spec.columns, positions) if pos is not None}
        parts = []
        for j in range(width):
            col = at.get(j)
            if col is None:
                parts.append(_ANY_CELL)
            else:
                parts.append(f"(?:{col.kind.pattern})" + ("" if col.required else "?"))
        row_matches = re.compile(SEPARATOR.join(parts)).fullmatch
        self.record: Callable[[list[str], int], Record] = _compile_fast_path(
            spec, positions, self._extras, row_matches, self._explain, self._checked)
        if stage is not None:
            # Valid rows go straight to their staging form, never through typed values.
            from .staging import compile_row_stager
            self.record = compile_row_stager(stage, spec, positions, self._extras, row_matches,
                                             self._explain)

    def _explain(self, row: list[str], line: int) -> Record:
        """The slow path: check each cell on its own and say what is wrong."""
        problems: list[Problem] = []
        values: list[Any] = []
        for col, pos, label, matches in self._cells:
            raw = "" if pos is None else row[pos]
            value: Any = None
            if not raw:
                if col.required:
                    problems.append(problem(line, label, raw, "required value is missing"))
            elif not matches(raw):
                problems.append(problem(line, label, raw, col.kind.explain(raw)))
            elif col.kind.convert is None:
                value = raw
            else:
                try:
                    value = col.kind.convert(raw)
                except ValueError:
                    problems.append(problem(line, label, raw, col.kind.explain(raw)))
            values.append(value)
        extras = {name: row[j] for name, j in self._extras if row[j]}
        if problems:
            return Record(line, None, extras, problems, row)
        return self._checked(line, tuple(values), extras, row)

    def _checked(self, line: int, values: Values, extras: dict[str, str],
                 row: list[str]) -> Record:
        """Apply the spec's cross-field rules to converted values."""
        named = dict(zip(self.spec.names, values))
        problems = [
            problem(line, self._labels[self.spec.index(column)], str(named[column]), message)
            for check in self.spec.checks
            for column, message in check(named)
        ]
        if problems:
            return Record(line, None, extras, problems, row)
        return Record(line, values, extras, [])


_FAST_PATH = """\
def record(r, line):
    if row_matches(separator.join(r)):
        try:
            values = ({values},)
        except ValueError:  # e.g. 2025-02-30: right shape but no such day; the slow path says so
            return explain(r, line)
        extras = {{}}
{extras}
        return {result}
    return explain(r, line)
"""


def _compile_fast_path(spec: FileSpec, positions: Sequence[int | None],
                       extras: Sequence[tuple[str, int]], row_matches: Callable[[str], Any],
                       explain: Callable[[list[str], int], Record],
                       checked: Callable[[int, Values, dict[str, str], list[str]], Record],
                       ) -> Callable[[list[str], int], Record]:
    """Generate the fast path for this header, as one function:

        def record(r, line):
            if row_matches(separator.join(r)):
                values = (r[0], convert_1(r[1]), ..., (r[27] if r[27] else None),)
                extras = {}
                if r[28]: extras[extra_0] = r[28]
                return Record(line, values, extras, [])
            return explain(r, line)

    A single function with a tuple display is about twice as fast as a loop over per-column
    converters. The generated source holds only indices and names made up here, never text
    from the file (x_ column names are passed in the namespace).
    """
    namespace: dict[str, Any] = {
        "row_matches": row_matches, "separator": SEPARATOR, "explain": explain,
        "checked": checked, "Record": Record,
    }
    cells = []
    for i, (col, pos) in enumerate(zip(spec.columns, positions)):
        if pos is None:
            cells.append("None")
            continue
        expr = raw = f"r[{pos}]"
        if col.kind.convert is not None:
            namespace[f"convert_{i}"] = col.kind.convert
            expr = f"convert_{i}({raw})"
        if not col.required:  # an empty optional cell is None (the fast path let only "" through)
            expr = f"({expr} if {raw} else None)"
        cells.append(expr)
    # One `if` per x_ column: cheaper than a comprehension for the few a file has.
    extra_lines = []
    for k, (name, j) in enumerate(extras):
        namespace[f"extra_{k}"] = name
        extra_lines.append(f"        if r[{j}]: extras[extra_{k}] = r[{j}]")
    result = ("checked(line, values, extras, r)" if spec.checks
              else "Record(line, values, extras, [])")
    source = _FAST_PATH.format(values=", ".join(cells), extras="\n".join(extra_lines),
                               result=result)
    exec(compile(source, f"<intake fast path for {spec.name}>", "exec"), namespace)
    record: Callable[[list[str], int], Record] = namespace["record"]
    return record
