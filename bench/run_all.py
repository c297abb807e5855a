"""Run every benchmark in this folder and print one JSON document with all their outputs.

    .venv/bin/python bench/run_all.py [--only NAME ...]

Each script prints JSON on its own; this collects them so `make bench` gives one record.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=None, help="script names without .py")
    args = parser.parse_args()
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != "run_all.py")
    results: dict[str, object] = {}
    for script in scripts:
        if args.only and script.stem not in args.only:
            continue
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        try:
            results[script.stem] = json.loads(done.stdout)
        except json.JSONDecodeError:
            results[script.stem] = {"error": done.stderr.strip()[-2000:] or done.stdout[-2000:],
                                    "exit_code": done.returncode}
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
