"""Who may do what: the permission matrix (role x action), in one place."""
from __future__ import annotations

from ..models.user import Role

R = Role
ALL_ROLES = frozenset(Role)

PERMISSIONS: dict[str, frozenset[Role]] = {
    "declarations.view": ALL_ROLES - {R.COMMITTEE_MEMBER},
    "declarations.import": frozenset({R.ADMINISTRATOR}),
    "users.manage": frozenset({R.ADMINISTRATOR}),
    # Risk: scores, reasons, rules and monitoring are read by those who select and audit;
    # selecting audits is the supervisor's call; the rules are the administrator's to change.
    "risk.view": frozenset({R.AUDITOR, R.SUPERVISOR, R.MANAGEMENT, R.ADMINISTRATOR}),
    "risk.select": frozenset({R.SUPERVISOR}),
    "risk.rules.edit": frozenset({R.ADMINISTRATOR}),
}


def allowed(roles: frozenset[Role], action: str) -> bool:
    try:
        return bool(PERMISSIONS[action] & roles)
    except KeyError:
        raise KeyError(f"unknown action {action!r}: add it to PERMISSIONS") from None
