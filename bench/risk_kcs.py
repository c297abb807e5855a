"""KCS benchmark of the risk engine: prints the protocol's figures as JSON.

Usage: python bench/risk_kcs.py [DATA_DIR] [--seed N]
DATA_DIR defaults to $PCA_KCS_DIR, else ../shared/data/kcs next to the repository.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # runnable from a clean checkout without installing the package

from audit_app.risk.kcs import evaluate_kcs  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    data_dir = args.data_dir or os.environ.get("PCA_KCS_DIR") or REPO.parent / "shared/data/kcs"
    print(json.dumps(evaluate_kcs(data_dir, seed=args.seed), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
