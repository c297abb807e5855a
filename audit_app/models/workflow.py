"""Workflow state beside the case: the serialized instance, its open user tasks, its timers,
and the date-effective deadline rules that give each step its due date.

`OpenTask` and `WorkflowTimer` are projections the runtime rewrites after every step, so work
queues and the timer worker read plain rows and never deserialize a workflow.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow
from .audit_log import Audited


class WorkflowInstance(Audited, Base):
    """One run of one process on a case. A case runs several in turn (audit, adjudication,
    disputes, recovery) and a process may run again (a remand starts a new adjudication)."""

    __tablename__ = "workflow_instances"
    __table_args__ = (Index("ix_workflow_instances_case_id_process_id", "case_id", "process_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id", ondelete="CASCADE"))
    process_id: Mapped[str] = mapped_column(String(80))
    # Content hash of the BPMN file the instance started on: it keeps that spec for life.
    spec_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(Text)  # JSON, spec left out (see workflows.serializer)
    state_format: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="running")  # running | completed
    # The `case_status` of the end event the instance reached (None while running).
    end_status: Mapped[str | None] = mapped_column(String(40))
    # Optimistic lock: every UPDATE says WHERE version = <the version read>; a stale writer
    # matches no row and gets `Conflict` instead of overwriting the other's step.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class OpenTask(Audited, Base):
    """A READY user task of an instance, with its lane (role), assignee and due date."""

    __tablename__ = "open_tasks"
    __table_args__ = (
        Index("ix_open_tasks_assignee_id_due_at", "assignee_id", "due_at"),
        Index("ix_open_tasks_directorate_lane_due_at", "directorate_code", "lane", "due_at"),
        # A supervisor's queue: every lane of the directorate, due first; and the escalations.
        Index("ix_open_tasks_directorate_code_due_at", "directorate_code", "due_at"),
        Index("ix_open_tasks_escalated_to_id_due_at", "escalated_to_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_instances.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("audit_cases.id", ondelete="CASCADE"),
                                         index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)  # SpiffWorkflow task uuid
    element_id: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(32))  # a Role value
    directorate_code: Mapped[str | None] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[dt.datetime | None]
    opened_at: Mapped[dt.datetime]
    due_on: Mapped[dt.date]  # the last day, in Pakistan time
    due_at: Mapped[dt.datetime]  # the instant the SLA is breached (UTC)
    escalated_at: Mapped[dt.datetime | None]
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Optimistic lock, as on the instance: a claim, reassignment, escalation or completion
    # decided on a version of the row that another writer changed or deleted meanwhile
    # matches no row and becomes a `Conflict` instead of overwriting (two claims both won).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class WorkflowTimer(Audited, Base):
    """A due instant the worker acts on: a BPMN signal (`timer`) or an SLA `escalation`.

    The unique key and the `fired_at IS NULL` claim make each one fire exactly once.
    """

    __tablename__ = "workflow_timers"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id", "kind"),
        Index("ix_workflow_timers_fired_at_due_at", "fired_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_instances.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(36))  # the user task the timer belongs to
    element_id: Mapped[str] = mapped_column(String(80))  # signal name, or the task's element
    kind: Mapped[str] = mapped_column(String(12))  # timer | escalation
    due_at: Mapped[dt.datetime]
    fired_at: Mapped[dt.datetime | None]
    fired_by: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str | None] = mapped_column(String(200))


class DeadlineRule(Audited, Base):
    """Days allowed for a step, from `valid_from` to `valid_to` (inclusive, open when None)."""

    __tablename__ = "deadline_rules"
    __table_args__ = (UniqueConstraint("key", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    days: Mapped[int]
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(Text)
