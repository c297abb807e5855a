"""Who may do what: the permission matrix (role x action), in one place."""
from __future__ import annotations

from ..models.user import Role

R = Role
ALL_ROLES = frozenset(Role)

PERMISSIONS: dict[str, frozenset[Role]] = {
    "declarations.view": ALL_ROLES - {R.COMMITTEE_MEMBER},
    "declarations.import": frozenset({R.ADMINISTRATOR}),
    "users.manage": frozenset({R.ADMINISTRATOR}),
}


def allowed(roles: frozenset[Role], action: str) -> bool:
    try:
        return bool(PERMISSIONS[action] & roles)
    except KeyError:
        raise KeyError(f"unknown action {action!r}: add it to PERMISSIONS") from None
