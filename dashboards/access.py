"""Who sees which dashboards, and over which directorates.

Management and steering-committee members see every directorate; a PCA supervisor sees their
own directorate only (whatever the filter sent by the browser says); everyone else gets none.
The scope is applied in every query, so a tampered callback request cannot widen it.
"""
from __future__ import annotations

from dataclasses import dataclass

from audit_app.auth.permissions import allowed
from audit_app.errors import PermissionDenied
from audit_app.models import Role, User


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    # None: every directorate; otherwise the only directorate this viewer may see.
    directorate: str | None

    @property
    def sees_all(self) -> bool:
        return self.directorate is None


def viewer_for(user: User) -> Viewer:
    roles = user.role_set
    if not allowed(roles, "dashboards.view"):
        raise PermissionDenied("Your role does not allow the dashboards.")
    if roles & {Role.MANAGEMENT, Role.COMMITTEE_MEMBER}:
        return Viewer(user.id, user.full_name, None)
    if not user.directorate_code:
        raise PermissionDenied("A supervisor sees the dashboards of their own directorate, "
                               "and no directorate is recorded for you.")
    return Viewer(user.id, user.full_name, user.directorate_code)


def current_viewer() -> Viewer:
    """The logged-in user's viewer (callbacks and pages run inside a Flask request)."""
    from flask_login import current_user
    if not current_user.is_authenticated:
        raise PermissionDenied("Log in to see the dashboards.")
    return viewer_for(current_user)
