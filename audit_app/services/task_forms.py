"""The server-side form of every user task, by BPMN element id, across all processes.

Each process's service module registers its handlers with `@form("element_id")`; the case
service looks the handler up when a task is completed. A handler validates the submitted form
(raising `ValidationFailed` with field -> message), writes the facts to the case's tables, and
returns the data the process needs (gateway inputs, dates), which the runtime stores.

Form parsing helpers shared by the handlers live here too, so every form reports bad input the
same way.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from workflows.clock import Clock

from ..errors import ValidationFailed
from ..models import AuditCase, User

Handler = Callable[[Session, AuditCase, Mapping[str, Any], Clock], dict[str, Any]]

REGISTRY: dict[str, Handler] = {}


def form(element_id: str) -> Callable[[Handler], Handler]:
    """Register `handler` as the form of the user task `element_id` (unique across processes)."""
    def register(handler: Handler) -> Handler:
        if element_id in REGISTRY and REGISTRY[element_id] is not handler:
            raise RuntimeError(f"two forms registered for user task {element_id!r}")
        REGISTRY[element_id] = handler
        return handler
    return register


_ACTOR: ContextVar[User | None] = ContextVar("task_form_actor", default=None)


@contextmanager
def acting_as(user: User) -> Iterator[None]:
    """While a task's form is handled: who completes the task (see `actor`)."""
    token = _ACTOR.set(user)
    try:
        yield
    finally:
        _ACTOR.reset(token)


def actor() -> User | None:
    """The user completing the task whose form is being handled (None outside a task), so a
    handler can name the actor of what it records (ledger entries, documents) without the
    handler signature changing for every process."""
    return _ACTOR.get()


def handler_for(element_id: str) -> Handler | None:
    _load_all()
    return REGISTRY.get(element_id)


def _load_all() -> None:
    """Import every service module that registers forms (idempotent)."""
    from . import cases  # noqa: F401  (registers the audit process's forms)
    for name in FORM_MODULES:
        __import__(f"{__package__}.{name}")


# Service modules (under audit_app.services) whose import registers task forms.
FORM_MODULES: list[str] = ["adjudication", "recovery_forms", "disputes", "dispute_decisions"]


# --- parsing helpers ----------------------------------------------------------------------

def raise_if(errors: dict[str, str], message: str) -> None:
    if errors:
        raise ValidationFailed(message, errors)


def parse_text(form: Mapping[str, Any], name: str, size: int) -> str | None:
    """A free-text field, stripped and cut to the column's size; None when blank."""
    value = str(form.get(name) or "").strip()
    return value[:size] or None


def parse_int(raw: Any, name: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed("Invalid number.", {name: "a whole number"}) from None


def parse_date(form: Mapping[str, Any], name: str, errors: dict[str, str]) -> dt.date | None:
    raw = form.get(name)
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        errors[name] = "a date (YYYY-MM-DD)"
        return None


def parse_amount(form: Mapping[str, Any], name: str, errors: dict[str, str], *,
                 default: Decimal | None) -> Decimal | None:
    """Rupees as an exact Decimal, 0 or more; floats are refused (they are not exact)."""
    raw = form.get(name)
    if raw in (None, ""):
        if default is None:
            errors[name] = "required"
        return default
    if isinstance(raw, float):
        errors[name] = "an exact amount, not a float"
        return None
    try:
        value = Decimal(str(raw).replace(",", ""))
    except InvalidOperation:
        errors[name] = "an amount in rupees"
        return None
    if not value.is_finite() or value < 0:
        errors[name] = "an amount in rupees, 0 or more"
        return None
    return value
