"""What a dashboard package provides to the registry."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import Select
from sqlalchemy.orm import Session

from .filters import Filters
from .tables import Table


@dataclass(frozen=True)
class Drill:
    """The cases behind one bar, point or row: a title and a SELECT of AuditCase.id."""

    title: str
    case_ids: Select[Any]


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    description: str
    layout: Callable[[], Any]
    register_callbacks: Callable[[Any], None]
    # name -> function(session, filters) -> Table, for the page and the CSV / Excel exports
    tables: dict[str, Callable[[Session, Filters], Table]]
    # function(session, filters, source, key) -> Drill
    drill: Callable[[Session, Filters, str, str], Drill]

    @property
    def path(self) -> str:
        return f"/dashboards/{self.slug}/"
