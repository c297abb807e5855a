"""All mapped classes, imported here so Alembic and the app see one metadata."""
from .adjudication import (AdjudicatingOfficer, Adjudication, Hearing, OrderInOriginal,
                           ShowCauseNotice)
from .audit_log import Audited, AuditLogEntry, AuditLogHead
from .case import CASE_STATUSES, AuditCase, CaseEvent, CaseItem, Finding
from .case_facts import FACT_DIMENSIONS, CaseFact, CaseFactDeclaration, CaseFactTag, LedgerMonth
from .document import DOCUMENT_KINDS, DocumentImmutable, DocumentSeries, IssuedDocument
from .evidence import EvidenceDocument, EvidenceImmutable
from .dispute import Dispute
from .declaration import (LEVY_COLUMNS, Declaration, DeclarationItem, DeclarationItemVersion,
                          ImportBatch)
from .ledger import ACCOUNTS, LEVIES, LedgerEntry, LedgerImmutable
from .recovery import Demand, EnforcementAction, Stay
from .organisation import Collectorate, Directorate
from .risk import (AuditProposal, AuditProposalItem, RiskModel, RiskMonitor, RiskRule,
                   RiskRuleSet, RiskRun, RiskScore)
from .outcome import FINDINGS, AuditOutcome, SupersededRecord
from .reporting import TARGET_MEASURES, RevenueTarget, SteeringReport
from .tariff import PreferentialRate, TariffRate
from .trader import ClearingAgent, Importer
from .user import ROLE_LABELS, ApiToken, Role, User, UserRole
from .workflow import DeadlineRule, OpenTask, WorkflowInstance, WorkflowTimer
from .worker_heartbeat import WorkerHeartbeat

__all__ = [
    "TARGET_MEASURES", "RevenueTarget", "SteeringReport",
    "AdjudicatingOfficer", "Adjudication", "Hearing", "OrderInOriginal", "ShowCauseNotice",
    "CASE_STATUSES", "AuditCase", "FACT_DIMENSIONS", "CaseFact", "CaseFactDeclaration", "CaseFactTag", "LedgerMonth", "ACCOUNTS", "LEVIES", "LedgerEntry", "LedgerImmutable",
    "Demand", "EnforcementAction", "Stay", "CaseEvent", "CaseItem", "Finding", "DeadlineRule", "OpenTask",
    "DOCUMENT_KINDS", "DocumentImmutable", "DocumentSeries", "IssuedDocument",
    "Dispute", "EvidenceDocument", "EvidenceImmutable",
    "WorkflowInstance", "WorkflowTimer",
    "LEVY_COLUMNS", "FINDINGS", "ROLE_LABELS",
    "ApiToken", "AuditOutcome", "ClearingAgent", "Collectorate", "Declaration",
    "DeclarationItem", "DeclarationItemVersion", "Directorate", "ImportBatch", "Importer",
    "PreferentialRate", "Role", "AuditProposal", "AuditProposalItem", "RiskModel",
    "RiskMonitor", "RiskRule", "RiskRuleSet", "RiskRun", "RiskScore", "SupersededRecord", "TariffRate", "User", "UserRole",
    "WorkerHeartbeat", "Audited", "AuditLogEntry", "AuditLogHead",
]
