"""What each legal document must contain: its required elements, checked before anything renders.

The element lists follow DOMAIN.md (s.26A/26B notice of audit, s.180 show-cause notice, the
order-in-original's elements in section 8). `check(kind, context)` returns the context with
dates and amounts normalised (ISO strings -> dates, ints and strings -> Decimal) and raises
`IncompleteContext` naming every missing or malformed element at once, so a caller fixes all of
them in one go.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

LEVIES = ("cd", "rd", "acd", "st", "ast", "it")
LEVY_LABELS = {
    "cd": "Customs duty (CD)", "rd": "Regulatory duty (RD)",
    "acd": "Additional customs duty (ACD)", "st": "Sales tax (ST)",
    "ast": "Additional sales tax (AST)", "it": "Income tax (IT)",
}


class IncompleteContext(ValueError):
    def __init__(self, kind: str, errors: dict[str, str]) -> None:
        super().__init__(f"{kind}: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.kind = kind
        self.errors = errors


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    type: str = "text"  # text | date | amount | levies | sum | party | officer | ref | choice
    many: bool = False  # a list of `type`
    min_items: int = 1  # for lists: 0 = the key must be there but may be empty
    optional: bool = False
    choices: tuple[str, ...] = ()
    children: tuple[Element, ...] = ()  # for type "record"


@dataclass(frozen=True)
class Kind:
    kind: str
    title: str
    template: str
    elements: tuple[Element, ...] = field(default_factory=tuple)


E = Element
PARTY = (E("name", "name"),)
OFFICER = (E("name", "name"), E("designation", "designation"))
REF = (E("number", "number"), E("date", "date", "date"))

_IMPORTER = E("importer", "the importer (name, NTN)", "party")
_SUM_CHILDREN = (E("levies", "duty and taxes per levy", "levies"),
                 E("penalty", "penalty", "amount"), E("fine", "fine", "amount"))

KINDS: dict[str, Kind] = {k.kind: k for k in (
    Kind("notice_of_audit", "Notice of Audit", "notice_of_audit.html", (
        _IMPORTER,
        E("audit_type", "the type of audit", "choice", choices=("desk", "field")),
        E("period_from", "the start of the period under audit", "date"),
        E("period_to", "the end of the period under audit", "date"),
        E("visit_date", "the date of the visit / examination of records", "date"),
        E("records_due_date", "the date by which records must be produced", "date"),
        E("records_required", "the records required", many=True),
        E("declarations", "the goods declarations under audit", many=True),
    )),
    Kind("audit_observation", "Audit Observation", "audit_observation.html", (
        _IMPORTER,
        E("observation_date", "the date of the observation", "date"),
        E("findings", "the findings per declaration item", "finding", many=True, min_items=0),
        E("short_levies", "the short levy per levy", "levies"),
        E("reply_due_date", "the date by which the importer may reply or pay", "date"),
    )),
    Kind("contravention_report", "Contravention Report", "contravention_report.html", (
        _IMPORTER,
        E("agents", "the clearing agents", "party", many=True, min_items=0),
        E("findings", "the findings per declaration item", "finding", many=True),
        E("short_levies", "the short levy per levy", "levies"),
        E("facts", "the facts of the contravention"),
        E("provisions", "the provisions contravened"),
        E("nature", "the nature of the contravention", "choice",
          choices=("inadvertence_or_error", "false_statement_or_collusion")),
        E("relevant_date", "the relevant date for limitation (s.32)", "date"),
        E("instituted_by", "the officer who instituted the case", "officer"),
        E("approved_by", "the officer who approved the report", "officer"),
        E("observation", "the audit observation", "ref", optional=True),
    )),
    Kind("show_cause_notice", "Show-Cause Notice", "show_cause_notice.html", (
        E("respondents", "the respondents (importer, clearing agent)", "party", many=True),
        E("contravention_report", "the contravention report (number, date)", "ref"),
        E("facts", "the facts alleged"),
        E("provisions", "the provisions contravened"),
        E("penal_provisions", "the penal provisions invoked"),
        E("short_levies", "the duty and taxes involved per levy", "levies"),
        E("limitation", "the limitation (section, relevant date)", "record", children=(
            E("section", "section", "choice", choices=("32(2)", "32(3)")),
            E("relevant_date", "relevant date", "date"))),
        E("reply_due_date", "the date by which the reply is due", "date"),
        E("hearing_date", "the date of personal hearing", "date", optional=True),
    )),
    Kind("order_in_original", "Order-in-Original", "order_in_original.html", (
        E("scn", "the show-cause notice (number, date)", "ref"),
        E("contravention_report", "the contravention report (number, date)", "ref"),
        E("amount_involved", "the amount of duty and taxes involved", "levies"),
        E("respondents", "the respondents (importer, clearing agent)", "party", many=True),
        E("instituted_by", "who instituted the case", "officer"),
        E("hearing_dates", "the hearing dates", "date", many=True),
        E("appearances", "the appearances", "appearance", many=True, min_items=0),
        E("judgment_date", "the date of judgment", "date"),
        E("decision", "the decision", "record", children=(
            E("outcome", "outcome", "choice", choices=("adjudged", "partly_adjudged", "dropped")),
            E("duty_taxes_adjudged", "duty and taxes adjudged", "levies"),
            E("penalty", "penalty", "amount"), E("fine", "fine", "amount"),
            E("reasons", "reasons"))),
        E("appeal_clause", "the appeal clause"),
    )),
    Kind("order_in_appeal", "Order-in-Appeal", "order_in_appeal.html", (
        E("forum", "the appellate forum"),
        E("appeal_number", "the appeal number"),
        E("appellant", "the appellant", "party"),
        E("order_appealed", "the order appealed against (number, date)", "ref"),
        E("filed_on", "the date the appeal was filed", "date"),
        E("hearing_dates", "the hearing dates", "date", many=True, min_items=0),
        E("decision_date", "the date of decision", "date"),
        E("outcome", "the outcome", "choice",
          choices=("upheld", "reduced", "set_aside", "remanded")),
        E("demand_before", "the demand before the appeal", "record", children=_SUM_CHILDREN),
        E("demand_after", "the demand after the appeal", "record", children=_SUM_CHILDREN),
        E("reasons", "the reasons"),
        E("further_appeal_clause", "the further appeal clause"),
    )),
    Kind("demand_notice", "Demand Notice", "demand_notice.html", (
        E("order", "the order the demand rests on (number, date)", "ref"),
        _IMPORTER,
        E("demand", "the amount demanded", "record", children=_SUM_CHILDREN),
        E("paid", "the amount paid so far", "amount"),
        E("stayed", "the amount stayed by an appeal forum", "amount"),
        E("pay_by", "the date by which payment is due", "date"),
    )),
)}

_CHILDREN = {"party": PARTY, "officer": OFFICER, "ref": REF,
             "appearance": (E("name", "name"), E("for", "appearing for")),
             "finding": (E("gd_number", "GD number"), E("item_no", "item number"),
                         E("short_levies", "short levy per levy", "levies"))}


def required_keys(kind: str) -> list[str]:
    return [e.key for e in KINDS[kind].elements if not e.optional]


def check(kind: str, context: dict[str, Any]) -> dict[str, Any]:
    """The context with its values normalised, or IncompleteContext naming every problem."""
    if kind not in KINDS:
        raise IncompleteContext(kind, {"kind": f"unknown document kind {kind!r}"})
    errors: dict[str, str] = {}
    out = dict(context)
    for element in KINDS[kind].elements:
        out[element.key] = _value(element, context.get(element.key), element.key, errors)
    if errors:
        raise IncompleteContext(kind, errors)
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _value(el: Element, raw: Any, path: str, errors: dict[str, str]) -> Any:
    if el.many:
        if raw is None or (el.optional and raw == []):
            if not el.optional:
                errors[path] = f"required: {el.label}"
            return raw
        if not isinstance(raw, (list, tuple)):
            errors[path] = f"{el.label}: a list"
            return raw
        if len(raw) < el.min_items:
            errors[path] = f"required: {el.label} (at least {el.min_items})"
            return raw
        one = Element(el.key, el.label, el.type, choices=el.choices, children=el.children)
        return [_value(one, v, f"{path}[{n}]", errors) for n, v in enumerate(raw)]
    if _missing(raw):
        if not el.optional:
            errors[path] = f"required: {el.label}"
        return raw
    if el.type == "text":
        return raw if isinstance(raw, str) else str(raw)
    if el.type == "date":
        return _date(raw, path, el, errors)
    if el.type == "amount":
        return _amount(raw, path, el, errors)
    if el.type == "choice":
        if raw not in el.choices:
            errors[path] = f"{el.label}: one of {', '.join(el.choices)}"
        return raw
    if el.type == "levies":
        return _levies(raw, path, el, errors)
    children = el.children or _CHILDREN.get(el.type, ())
    if not isinstance(raw, dict):
        errors[path] = f"{el.label}: a record with {', '.join(c.key for c in children)}"
        return raw
    out = dict(raw)
    for child in children:
        out[child.key] = _value(child, raw.get(child.key), f"{path}.{child.key}", errors)
    return out


def _date(raw: Any, path: str, el: Element, errors: dict[str, str]) -> Any:
    if isinstance(raw, dt.datetime):
        errors[path] = f"{el.label}: a date, not a date and time"
        return raw
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        errors[path] = f"{el.label}: a date (YYYY-MM-DD)"
        return raw


def _amount(raw: Any, path: str, el: Element, errors: dict[str, str]) -> Any:
    if isinstance(raw, float) or isinstance(raw, bool):
        errors[path] = f"{el.label}: an exact amount (Decimal), not a float"
        return raw
    try:
        value = Decimal(str(raw).replace(",", ""))
    except InvalidOperation:
        errors[path] = f"{el.label}: an amount in rupees"
        return raw
    if not value.is_finite():
        errors[path] = f"{el.label}: an amount in rupees"
    return value


def _levies(raw: Any, path: str, el: Element, errors: dict[str, str]) -> Any:
    if not isinstance(raw, dict):
        errors[path] = f"{el.label}: amounts by levy ({', '.join(LEVIES)})"
        return raw
    unknown = sorted(set(raw) - set(LEVIES))
    if unknown:
        errors[path] = f"{el.label}: unknown levies {', '.join(unknown)}"
        return raw
    amount = Element(el.key, el.label, "amount")
    return {levy: _amount(raw.get(levy) if raw.get(levy) not in (None, "") else 0,
                          f"{path}.{levy}", amount, errors) for levy in LEVIES}
