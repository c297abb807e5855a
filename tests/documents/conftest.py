from __future__ import annotations

import pytest

from audit_app.models import AuditCase
from tests.casedata import World, world  # noqa: F401


@pytest.fixture
def case(world: World) -> AuditCase:  # noqa: F811
    return world.open_case(2)
