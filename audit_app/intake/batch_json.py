"""Declarations pushed as JSON by the clearance system: the same validation as files.

The items are laid out as CSV cells and read by the same reader, so a value the file intake
refuses is refused here too, with the same words. Problems name the item (1-based) instead of
the line.
"""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from .formats import DECLARATIONS
from .problems import IntakeError, Problem
from .reader import RecordReader, open_records

MAX_ITEMS = 10_000


class BatchRejected(Exception):
    def __init__(self, status: int, message: str, problems: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status, self.message, self.problems = status, message, problems or []


def parse_items(body: bytes) -> list[dict[str, Any]]:
    """The list of item objects in `{"items": [...]}` (or a bare list); numbers kept exact."""
    try:
        data = json.loads(body, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BatchRejected(400, f"The body is not valid JSON: {exc}") from None
    except RecursionError:  # "[[[[...]]]]" nested deeper than the parser's stack
        raise BatchRejected(400, "The body is not valid JSON: nested too deeply.") from None
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BatchRejected(400, 'Expected {"items": [ {column: value, ...}, ... ]}.')
    if not items:
        raise BatchRejected(422, "The batch has no items.")
    if len(items) > MAX_ITEMS:
        raise BatchRejected(413, f"A batch holds at most {MAX_ITEMS:,} items; "
                                 f"this one has {len(items):,}. Split it.")
    return items


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, Decimal)):
        return str(value)
    # A list or object in a cell (no column takes one: the reader refuses it by name); its
    # numbers are Decimals, which json.dumps cannot write on its own.
    return json.dumps(value, default=str)


def open_batch(items: list[dict[str, Any]]) -> RecordReader:
    columns = sorted({str(k) for item in items for k in item})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for item in items:
        writer.writerow([_cell(item.get(c)) for c in columns])
    buffer.seek(0)
    try:
        return open_records(buffer, DECLARATIONS)
    except IntakeError as exc:
        raise BatchRejected(422, "The items' fields do not match the declarations format.",
                            [problem_json(p, header=True) for p in exc.problems]) from None


def problem_json(p: Problem, header: bool = False) -> dict[str, Any]:
    item = None if header or p.line is None else p.line - 1
    return {"item": item, "field": p.column, "value": p.value, "message": p.message}
