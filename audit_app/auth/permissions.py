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
    # Cases: read by everyone who works on or oversees them (the service limits each officer
    # to their directorate); tasks are worked by the roles that hold BPMN lanes; only a
    # supervisor gives a task to someone else.
    "cases.view": ALL_ROLES - {R.COMMITTEE_MEMBER},
    "tasks.work": frozenset({R.AUDITOR, R.SUPERVISOR, R.ADJUDICATION_OFFICER,
                             R.APPELLATE_OFFICER, R.RECOVERY_OFFICER}),
    "tasks.reassign": frozenset({R.SUPERVISOR}),
    # Evidence documents: uploaded and withdrawn by the case's auditor or a supervisor of its
    # directorate while the audit is open (services.evidence checks the case); downloaded by
    # whoever may read the case (cases.view).
    "evidence.upload": frozenset({R.AUDITOR, R.SUPERVISOR}),
    "evidence.withdraw": frozenset({R.AUDITOR, R.SUPERVISOR}),
    # Dashboards: management and the committee see every directorate, a supervisor their own
    # (dashboards.access narrows the scope); the steering report is the committee's.
    "dashboards.view": frozenset({R.SUPERVISOR, R.MANAGEMENT, R.COMMITTEE_MEMBER}),
    "reports.steering.view": frozenset({R.MANAGEMENT, R.COMMITTEE_MEMBER}),
    "reports.steering.issue": frozenset({R.MANAGEMENT}),
    # Recovery: the demands and their money are read by those who recover, adjudicate,
    # hear appeals or oversee; payments are the recovery officer's to record (and correct by
    # reversal); stays come from appellate forums, recorded by their officer or recovery's.
    "recovery.view": frozenset({R.RECOVERY_OFFICER, R.ADJUDICATION_OFFICER, R.APPELLATE_OFFICER,
                                R.SUPERVISOR, R.MANAGEMENT, R.ADMINISTRATOR}),
    "recovery.record": frozenset({R.RECOVERY_OFFICER}),
    "recovery.stays": frozenset({R.RECOVERY_OFFICER, R.APPELLATE_OFFICER}),
    # Adjudication: the docket and hearing diary are the adjudication officers' (management
    # sees every officer's); only an adjudication officer extends the order limit.
    "adjudication.view": frozenset({R.ADJUDICATION_OFFICER, R.MANAGEMENT, R.ADMINISTRATOR}),
    "adjudication.extend": frozenset({R.ADJUDICATION_OFFICER}),
    # Disputes: the appellate / ADR officer records filings, decisions and extensions and
    # keeps the docket; those who work the case before and after read its disputes.
    "disputes.view": frozenset({R.APPELLATE_OFFICER, R.SUPERVISOR, R.ADJUDICATION_OFFICER,
                                R.RECOVERY_OFFICER, R.MANAGEMENT, R.ADMINISTRATOR}),
    "disputes.docket": frozenset({R.APPELLATE_OFFICER, R.MANAGEMENT, R.ADMINISTRATOR}),
    "disputes.record": frozenset({R.APPELLATE_OFFICER}),
}


def allowed(roles: frozenset[Role], action: str) -> bool:
    try:
        return bool(PERMISSIONS[action] & roles)
    except KeyError:
        raise KeyError(f"unknown action {action!r}: add it to PERMISSIONS") from None
