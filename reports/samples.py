"""A complete, realistic context for each kind: for previews, the tests and the bench.

The numbers are consistent (the order adjudges what the notice alleged; the appeal reduces it;
the demand notice follows the appeal), so a reader can follow one case across its documents.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

D = Decimal
IMPORTER = {"name": "Indus Polymers (Pvt) Ltd", "ntn": "4211187-3",
            "address": "Plot 14, Sector 23, Korangi Industrial Area, Karachi", "role": "importer"}
AGENT = {"name": "Crescent Clearing Services", "code": "CHAL-0931", "role": "clearing agent"}
AUDITOR = {"name": "Bilal Ahmed Qureshi", "designation": "Deputy Director (PCA)"}
SUPERVISOR = {"name": "Sana Javed", "designation": "Additional Director (PCA)"}
SHORT = {"cd": D("1240500"), "rd": D("310125"), "acd": D("124050"), "st": D("1339740"),
         "ast": D("223290"), "it": D("455115")}
ADJUDGED = {k: v for k, v in SHORT.items()}
REDUCED = {k: (v * D("0.6")).quantize(D(1)) for k, v in SHORT.items()}
CR = {"number": "CR/PCA-S/2026/000004", "date": dt.date(2026, 3, 2)}
SCN = {"number": "SCN/ADJ-KHI/2026/000011", "date": dt.date(2026, 3, 9)}
OIO = {"number": "OIO/ADJ-KHI/2026/000007", "date": dt.date(2026, 6, 30)}
OIA = {"number": "OIA/APL-KHI/2026/000002", "date": dt.date(2026, 10, 15)}


def finding(n: int) -> dict[str, Any]:
    return {"gd_number": f"KAPE-HC-{23110 + n}-{12 + n % 17:02d}032025", "item_no": 1 + n % 3,
            "gd_date": dt.date(2025, 3, 1 + n % 27),
            "description": "Low-density polyethylene granules, film grade",
            "kinds": ["UNDERVALUATION"] if n % 2 else ["MISCLASSIFICATION"],
            "declared": "value Rs 2,450,000.00; PCT 39011000",
            "correct": "value Rs 3,120,000.00" if n % 2 else "PCT 39019000",
            "short_levies": {k: (v / 8).quantize(D(1)) for k, v in SHORT.items()}}


def sample_context(kind: str, findings: int = 8) -> dict[str, Any]:
    """The caller's part of a context (issue() adds number, date, issuer, case number)."""
    rows = [finding(n) for n in range(findings)]
    return {
        "notice_of_audit": {
            "importer": IMPORTER, "audit_type": "field", "period_from": dt.date(2025, 1, 1),
            "period_to": dt.date(2025, 12, 31), "visit_date": dt.date(2026, 1, 26),
            "records_due_date": dt.date(2026, 1, 20),
            "records_required": ["Commercial invoices and packing lists",
                                 "Letters of credit and bank payment records",
                                 "Stock and sales registers for 2025"],
            "declarations": [r["gd_number"] for r in rows]},
        "audit_observation": {
            "importer": IMPORTER, "observation_date": dt.date(2026, 2, 2), "findings": rows,
            "short_levies": SHORT, "reply_due_date": dt.date(2026, 2, 17)},
        "contravention_report": {
            "importer": IMPORTER, "agents": [AGENT], "findings": rows, "short_levies": SHORT,
            "facts": "The importer declared film-grade polyethylene below the transaction value "
                     "shown by the supplier's export invoices and classified part of it under a "
                     "lower-duty heading.",
            "provisions": "Sections 32 and 79 of the Customs Act, 1969",
            "nature": "false_statement_or_collusion", "relevant_date": dt.date(2025, 3, 1),
            "instituted_by": AUDITOR, "approved_by": SUPERVISOR,
            "observation": {"number": "AOB/PCA-S/2026/000009", "date": dt.date(2026, 2, 2)}},
        "show_cause_notice": {
            "respondents": [IMPORTER, AGENT], "contravention_report": CR,
            "facts": "As stated in the contravention report, the respondents mis-declared the "
                     "value and classification of the goods on the declarations listed in it.",
            "provisions": "Sections 32(1), 79 and 80 of the Customs Act, 1969",
            "penal_provisions": "clauses 14 and 14A of section 156(1) of the Customs Act, 1969",
            "short_levies": SHORT,
            "limitation": {"section": "32(2)", "relevant_date": dt.date(2025, 3, 1)},
            "reply_due_date": dt.date(2026, 3, 23), "hearing_date": dt.date(2026, 3, 30)},
        "order_in_original": {
            "scn": SCN, "contravention_report": CR, "amount_involved": SHORT,
            "respondents": [IMPORTER, AGENT], "instituted_by": AUDITOR,
            "hearing_dates": [dt.date(2026, 3, 30), dt.date(2026, 4, 21), dt.date(2026, 5, 12)],
            "appearances": [{"name": "Mr. Kamran Siddiqui, Advocate", "for": "Respondent No. 1"},
                            {"name": "Bilal Ahmed Qureshi, Deputy Director", "for": "the department"}],
            "judgment_date": dt.date(2026, 6, 30),
            "decision": {"outcome": "adjudged", "duty_taxes_adjudged": ADJUDGED,
                         "penalty": D("369282"), "fine": D("0"),
                         "reasons": "The supplier's export invoices, obtained through the "
                                    "customs attaché, show the transaction value; the "
                                    "respondents offered no evidence of a discount."},
            "appeal_clause": "Any person aggrieved by this order may file an appeal before the "
                             "Collector of Customs (Appeals) under section 193 of the Customs "
                             "Act, 1969, within thirty days of the receipt of this order."},
        "order_in_appeal": {
            "forum": "Collector of Customs (Appeals), Karachi", "appeal_number": "K-1187/2026",
            "appellant": IMPORTER, "order_appealed": OIO, "filed_on": dt.date(2026, 7, 20),
            "hearing_dates": [dt.date(2026, 9, 2), dt.date(2026, 9, 30)],
            "decision_date": dt.date(2026, 10, 15), "outcome": "reduced",
            "demand_before": {"levies": ADJUDGED, "penalty": D("369282"), "fine": D(0)},
            "demand_after": {"levies": REDUCED, "penalty": D("100000"), "fine": D(0)},
            "reasons": "The misclassification is upheld; the undervaluation is upheld only for "
                       "the consignments where the export invoice is on record.",
            "further_appeal_clause": "An appeal against this order lies to the Customs Appellate "
                                     "Tribunal under section 194A within sixty days."},
        "demand_notice": {
            "order": OIA, "importer": IMPORTER,
            "demand": {"levies": REDUCED, "penalty": D("100000"), "fine": D(0)},
            "paid": D("500000"), "stayed": D(0), "pay_by": dt.date(2026, 11, 15)},
    }[kind]
