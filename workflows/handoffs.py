"""Hand-offs between processes: what starts when a case's process reaches an end status.

The audit process ends in `referred_to_adjudication`, which must start adjudication; an
order-in-original that stands starts recovery; and so on. Each service that owns the next
process registers a handler for the status it takes over from::

    @handoffs.on("referred_to_adjudication")
    def _start_adjudication(session, case, clock, *, process_id): ...

The runtime calls `process_ended` inside the same flush as the step that ended the process, so
a hand-off either happens with that step or not at all (the caller's rollback undoes both).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from .clock import Clock

Handler = Callable[..., Any]

_HANDLERS: dict[str, list[Handler]] = {}

# Service modules whose import registers hand-off handlers (imported before the first hand-off).
# documents first: the contravention report exists before adjudication starts.
HANDOFF_MODULES: list[str] = ["audit_app.services.documents", "audit_app.services.adjudication",
                              "audit_app.services.recovery", "audit_app.services.feedback",
                              "audit_app.services.disputes"]


def on(status: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if handler not in _HANDLERS.setdefault(status, []):
            _HANDLERS[status].append(handler)
        return handler
    return register


def process_ended(session: Session, case: Any, *, process_id: str, status: str,
                  clock: Clock) -> None:
    load_modules()
    for handler in _HANDLERS.get(status, []):
        handler(session, case, clock, process_id=process_id)


def load_modules() -> None:
    """Import the modules that register hand-offs and lane guards (idempotent, cheap)."""
    for module in HANDOFF_MODULES:
        __import__(module)
