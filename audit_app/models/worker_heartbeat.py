"""Timer workers report here on every round, so /readyz can tell whether any is alive."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    last_seen_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime]
    rounds: Mapped[int] = mapped_column(default=0)
    timers_fired: Mapped[int] = mapped_column(default=0)
