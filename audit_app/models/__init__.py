"""All mapped classes, imported here so Alembic and the app see one metadata."""
from .declaration import (LEVY_COLUMNS, Declaration, DeclarationItem, DeclarationItemVersion,
                          ImportBatch)
from .organisation import Collectorate, Directorate
from .risk import (AuditProposal, AuditProposalItem, RiskModel, RiskMonitor, RiskRule,
                   RiskRuleSet, RiskRun, RiskScore)
from .outcome import FINDINGS, AuditOutcome, SupersededRecord
from .tariff import PreferentialRate, TariffRate
from .trader import ClearingAgent, Importer
from .user import ROLE_LABELS, ApiToken, Role, User, UserRole

__all__ = [
    "LEVY_COLUMNS", "FINDINGS", "ROLE_LABELS",
    "ApiToken", "AuditOutcome", "ClearingAgent", "Collectorate", "Declaration",
    "DeclarationItem", "DeclarationItemVersion", "Directorate", "ImportBatch", "Importer",
    "PreferentialRate", "Role", "AuditProposal", "AuditProposalItem", "RiskModel",
    "RiskMonitor", "RiskRule", "RiskRuleSet", "RiskRun", "RiskScore", "SupersededRecord", "TariffRate", "User", "UserRole",
]
