"""Rule evaluation speed: the 12 starter rules over a synthetic feature frame, as JSON.

Usage: python bench/risk_rules.py [--rows 1000000] [--seed 0] [--repeat 3]

The frame has every column the starter rules read, with realistic shapes (log-normal value
ratios, a few percent of missing values, pandas' text columns); the figure is the best of
`--repeat` runs of `evaluate_rules` (conditions, validity dates, score and reason sentences).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # runnable from a clean checkout without installing the package

from audit_app.risk.rules import compile_rules, evaluate_rules  # noqa: E402
from audit_app.risk.starter_rules import STARTER_RULES  # noqa: E402


def synthetic_frame(n: int, seed: int) -> pd.DataFrame:
    r = np.random.default_rng(seed)

    def gaps(values: np.ndarray, share: float = 0.05) -> np.ndarray:
        return np.where(r.random(n) < share, np.nan, values)

    def text(choices: list[str], size: int = n) -> pd.Series:
        return pd.Series(np.array(choices, dtype=object)[r.integers(0, len(choices), size)],
                         dtype=object)

    chapter = text([f"{c:02d}" for c in range(1, 98)])
    fta = np.where(r.random(n) < 0.08, "CPFTA", "")
    sro = np.where(r.random(n) < 0.04, "SRO 575(I)/2006", "")
    origins = ["CN", "IN", "AE", "DE", "JP", "SA", "US", "TH"]
    return pd.DataFrame({
        "gd_date": (np.datetime64("2024-01-01") + r.integers(0, 700, n)).astype("M8[D]"),
        "hs_code": chapter + "044090", "chapter": chapter, "unit": text(["KG", "U", "SET"]),
        "origin_country": text(origins), "export_country": text(origins + [""]),
        "agent_code": text(["CHAL-0042", "CHAL-1187", ""]),
        "fta_code": pd.Series(fta, dtype=object), "sro_ref": pd.Series(sro, dtype=object),
        "ref_level": text(["hs_origin", "hs_origin", "hs", "heading", "none"]),
        "unit_value_ratio": gaps(r.lognormal(0, 0.5, n)), "ref_count": r.integers(0, 500, n),
        "desc_better_heading": r.random(n) < 0.03, "desc_best_code": chapter + "049000",
        "duty_rate_gap": r.choice([0.0, 5.0, 10.0, 20.0], n, p=[0.9, 0.04, 0.03, 0.03]),
        "fta_claimed": fta != "", "fta_rate_exists": r.random(n) < 0.85,
        "shipped_via_third_country": r.random(n) < 0.08, "sro_claimed": sro != "",
        "importer_chapter_share": r.random(n), "importer_items_before": r.integers(0, 400, n),
        "weight_ratio": gaps(r.lognormal(0, 0.25, n), 0.2), "kg_per_unit": r.random(n) * 20,
        "ref_kg_per_unit": r.random(n) * 20, "importer_hit_rate": r.beta(1, 8, n),
        "importer_audits": r.integers(0, 10, n), "agent_hit_rate": r.beta(1, 8, n),
        "agent_audits": r.integers(0, 20, n), "duty_paid_ratio": gaps(r.normal(1, 0.1, n)),
        "expected_duty_pkr": r.lognormal(11, 1.5, n),
    })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    frame = synthetic_frame(args.rows, args.seed)
    rules = compile_rules([SimpleNamespace(**r) for r in STARTER_RULES])
    seconds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = evaluate_rules(rules, frame)
        seconds.append(time.perf_counter() - started)
    print(json.dumps({
        "rows": args.rows, "rules": len(rules), "seconds_best": round(min(seconds), 3),
        "seconds_all": [round(s, 3) for s in seconds],
        "rows_per_second": round(args.rows / min(seconds)),
        "rows_hit": int(result.hits.any(axis=1).sum()), "reasons": int(result.hits.sum()),
        "hits_per_rule": result.hit_counts()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
