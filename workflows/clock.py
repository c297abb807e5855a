"""Time as a dependency, so tests and the demo advance a clock instead of sleeping.

SpiffWorkflow's own timer events read the wall clock; this system keeps SLA and statutory
timers in its own table (`WorkflowTimer`) and fires them with whatever clock it is given.
Deadlines count calendar days in Pakistan time; instants are stored in UTC.
"""
from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

PKT = ZoneInfo("Asia/Karachi")


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = _aware(at)

    def now(self) -> dt.datetime:
        return self._at

    def set(self, at: dt.datetime) -> None:
        self._at = _aware(at)

    def advance(self, **delta: float) -> dt.datetime:
        self._at += dt.timedelta(**delta)
        return self._at


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("clock instants must carry a time zone")
    return at.astimezone(dt.timezone.utc)


def local_date(at: dt.datetime) -> dt.date:
    """The calendar day in Pakistan at instant `at`."""
    return at.astimezone(PKT).date()


def end_of_day_utc(day: dt.date) -> dt.datetime:
    """The instant a deadline on `day` is breached: midnight at the end of that day, Pakistan time."""
    start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=PKT)
    return start_next.astimezone(dt.timezone.utc)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value
