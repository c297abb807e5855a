"""What a reader of a PDF sees: its text per page, whitespace folded, and the strings each
required element must show."""
from __future__ import annotations

import re
from typing import Any

from reports.kinds import KINDS, Element
from reports.render import levy_total, long_date, rupees
from audit_app.services.documents import pdf_text


def pages(pdf: bytes) -> list[str]:
    """pdftotext's text of each page, whitespace folded to single spaces."""
    chunks = pdf_text(pdf).split("\f")
    return [fold(c) for c in chunks if c.strip()]


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def expected_strings(kind: str, context: dict[str, Any]) -> list[str]:
    """For every required element of `kind`, a string its value must show as in the PDF."""
    out: list[str] = []
    for element in KINDS[kind].elements:
        _walk(element, context.get(element.key), out)
    return out


def _walk(el: Element, value: Any, out: list[str]) -> None:
    if value is None:
        return
    if el.many:
        for v in value:
            _walk(Element(el.key, el.label, el.type, children=el.children), v, out)
        return
    if el.type == "text":
        out.append(" ".join(str(value).split()[:6]))
    elif el.type == "date":
        out.append(long_date(value))
    elif el.type == "amount":
        out.append(rupees(value))
    elif el.type == "levies":
        out.append(rupees(levy_total(value)))
    elif el.type in ("party", "officer", "appearance"):
        out.append(value["name"])
    elif el.type == "ref":
        out += [value["number"], long_date(value["date"])]
    elif el.type == "finding":
        out += [value["gd_number"], rupees(levy_total(value["short_levies"]))]
    elif el.type == "record":
        for child in el.children:
            _walk(child, value.get(child.key), out)
