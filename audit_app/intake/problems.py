"""What is wrong with an intake file: a `Problem` per fault, `IntakeError` for a whole file."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

# Long free text in a problem helps nobody and a bad file can produce many problems.
_VALUE_SHOWN = 120
_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """One fault, located so that a clerk can find and fix it in the file.

    `line` is the physical line where the row starts (the header is line 1), `column` the column
    name as the format spells it, `value` the text as found (cut to 120 characters).
    """

    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.value is not None:
            # JSON quoting shows line breaks and quotes inside the value unambiguously.
            where.append(f"value {json.dumps(self.value, ensure_ascii=False)}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def problem(line: int | None, column: str | None, value: str | None, message: str) -> Problem:
    """A Problem with the value cut to a readable length."""
    if value is not None and len(value) > _VALUE_SHOWN:
        value = value[:_VALUE_SHOWN] + "..."
    return Problem(line, column, value, message)


class IntakeError(Exception):
    """The file as a whole cannot be read (no header, wrong columns, not UTF-8, ...)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        shown = [str(p) for p in self.problems[:_PROBLEMS_SHOWN]]
        hidden = len(self.problems) - len(shown)
        if hidden > 0:
            shown.append(f"... and {hidden} more")
        return "\n".join(shown)
