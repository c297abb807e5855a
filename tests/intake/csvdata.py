"""Small, hand-checkable intake files for database-level intake tests."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from audit_app.intake.formats import DECLARATIONS, OUTCOMES, PREFERENTIAL, TARIFF

DECL_COLUMNS = list(DECLARATIONS.names)


def declaration_row(gd: str = "KAPW-HC-100001-12032025", item_no: int = 1, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "gd_number": gd, "item_no": item_no, "gd_date": "2025-03-12", "collectorate": "KAPW",
        "channel": "GREEN", "importer_ntn": "1234567-8", "importer_name": "Alpha Traders",
        "agent_code": "AG-001", "hs_code": "85044090", "description": "Static converters (UPS)",
        "origin_country": "CN", "export_country": "CN", "quantity": "10", "unit": "U",
        "gross_weight_kg": "50.5", "currency": "USD", "invoice_value": "1000.00",
        "exchange_rate": "280.5", "declared_value_pkr": "280500", "assessed_value_pkr": "280500",
        "cd_pkr": "56100", "rd_pkr": "0", "acd_pkr": "5610", "st_pkr": "61706", "ast_pkr": "0",
        "it_pkr": "24086", "sro_ref": "", "fta_code": "",
    }
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Path:
    columns = columns or (list(rows[0]) if rows else DECL_COLUMNS)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def tariff_row(hs: str = "85044090", valid_from: str = "2024-07-01", **over: Any) -> dict[str, Any]:
    row = {"hs_code": hs, "description": "Static converters", "valid_from": valid_from,
           "cd_rate": "20", "rd_rate": "0", "acd_rate": "2", "st_rate": "18", "ast_rate": "0",
           "it_rate": "6"}
    row.update(over)
    return row


def outcome_row(gd: str = "KAPW-HC-100001-12032025", item_no: int = 1, **over: Any) -> dict[str, Any]:
    row = {"gd_number": gd, "item_no": item_no, "audit_date": "2025-09-01",
           "finding": "UNDERVALUATION", "short_levy_pkr": "125000"}
    row.update(over)
    return row


def preferential_row(**over: Any) -> dict[str, Any]:
    row = {"fta_code": "CPFTA", "origin_country": "CN", "hs_code": "85044090",
           "valid_from": "2024-01-01", "cd_rate": "5"}
    row.update(over)
    return row


__all__ = ["declaration_row", "write_csv", "tariff_row", "outcome_row", "preferential_row",
           "TARIFF", "OUTCOMES", "PREFERENTIAL", "io"]
