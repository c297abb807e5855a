"""Data for the feature, model and scoring tests, taken in through the real intake path.

    generated(session, tmp_path)        # demo files (3,000 items, planted fraud) imported
    hand_made(session, tmp_path, rows, tariff)   # a few declarations written by hand

Hand-made items pay exactly the duty formula on the tariff row in force, like real ones.
"""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from audit_app.demo.generator import DECLARATIONS_HEADER, generate
from audit_app.intake.runner import import_file
from audit_app.services.duty import Rates, compute_duties

ITEMS = 3000
SEED = 5
_CACHE: dict[tuple[int, int], Path] = {}


def generated_files(tmp_factory: Any, items: int = ITEMS, seed: int = SEED) -> Path:
    """The demo files, generated once per test session."""
    key = (items, seed)
    if key not in _CACHE:
        out = tmp_factory.mktemp("demo") / f"demo-{items}-{seed}"
        generate(out, items=items, seed=seed)
        _CACHE[key] = out
    return _CACHE[key]


def import_generated(session: Session, files: Path, outcomes: bool = True) -> None:
    kinds = ["tariff", "preferential", "declarations"] + (["outcomes"] if outcomes else [])
    for kind in kinds:
        import_file(session, kind, files / f"{kind}.csv")
    session.commit()


def ground_truth(files: Path) -> pd.DataFrame:
    return pd.read_csv(files / "ground_truth.csv", dtype={"gd_number": str})


# --------------------------------------------------------------------------- by hand

TARIFF_HEADER = ("hs_code", "description", "valid_from", "cd_rate", "rd_rate", "acd_rate",
                 "st_rate", "ast_rate", "it_rate")
# code -> (description, cd, rd, acd, st, ast, it)
TARIFF: dict[str, tuple[str, ...]] = {
    "84151010": ("Air conditioning machines, wall or window, split-system", "20", "15", "7",
                 "18", "3", "5.5"),
    "84159000": ("Parts of air conditioning machines", "5", "0", "2", "18", "0", "5.5"),
    "85044090": ("Static converters: other", "20", "0", "7", "18", "0", "5.5"),
    "39011000": ("Polyethylene having a specific gravity of less than 0.94", "11", "0", "4",
                 "18", "0", "5.5"),
}
VALID_FROM = "2024-07-01"


def rates(code: str) -> Rates:
    _, cd, rd, acd, st, ast, it = TARIFF[code]
    return Rates.from_percentages(cd=cd, rd=rd, acd=acd, st=st, ast=ast, it=it)


def item(gd: str, day: dt.date, code: str, description: str, quantity: float, value: int,
         *, origin: str = "CN", unit: str = "U", weight: float | None = None,
         importer: str = "1234567-8", item_no: int = 1, export: str = "",
         fta: str = "", sro: str = "", collectorate: str = "KAPW") -> dict[str, Any]:
    """One declaration row paying the duty formula on ``value`` rupees at the code's rates."""
    duties = compute_duties(Decimal(value), rates(code))
    return {
        "gd_number": gd, "item_no": item_no, "gd_date": day.isoformat(),
        "collectorate": collectorate, "channel": "GREEN", "importer_ntn": importer,
        "importer_name": f"Importer {importer}", "agent_code": "KHI-001", "hs_code": code,
        "description": description, "origin_country": origin, "export_country": export,
        "quantity": f"{quantity:g}", "unit": unit,
        "gross_weight_kg": "" if weight is None else f"{weight:g}", "currency": "PKR",
        "invoice_value": str(value), "exchange_rate": "1", "declared_value_pkr": str(value),
        "assessed_value_pkr": str(value),
        **{f"{lv}_pkr": str(amount) for lv, amount in duties.as_dict().items()},
        "sro_ref": sro, "fta_code": fta,
    }


def hand_made(session: Session, tmp: Path, rows: list[dict[str, Any]],
              outcomes: list[tuple[str, int, dt.date, str, int]] = ()) -> None:
    """Import the tariff above, ``rows`` and outcomes (gd, item_no, date, finding, short)."""
    tmp.mkdir(parents=True, exist_ok=True)
    with open(tmp / "tariff.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(TARIFF_HEADER)
        for code, (text, *figures) in TARIFF.items():
            w.writerow((code, text, VALID_FROM, *figures))
    with open(tmp / "declarations.csv", "w", newline="") as f:
        extra = sorted({k for r in rows for k in r if k.startswith("x_")})
        w = csv.DictWriter(f, fieldnames=[*DECLARATIONS_HEADER, *extra])
        w.writeheader()
        w.writerows(rows)
    import_file(session, "tariff", tmp / "tariff.csv")
    import_file(session, "declarations", tmp / "declarations.csv")
    if outcomes:
        with open(tmp / "outcomes.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(("gd_number", "item_no", "audit_date", "finding", "short_levy_pkr"))
            for gd, no, day, finding, short in outcomes:
                w.writerow((gd, no, day.isoformat(), finding, short))
        import_file(session, "outcomes", tmp / "outcomes.csv")
    session.commit()

