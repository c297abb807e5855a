"""Throughput and memory of the intake reader (audit_app.intake) on one core.

    .venv/bin/python bench/intake_reader.py                    # synthesise 1,000,000 rows in /tmp
    .venv/bin/python bench/intake_reader.py --rows 200000
    .venv/bin/python bench/intake_reader.py path/to/file.csv [--format kcs]

Prints one JSON object: rows, valid, invalid, seconds, rows_per_second, cpu_seconds,
rows_per_cpu_second (the machine may be shared), peak_rss_mb (the process's high-water mark) and
rss_before_mb / rss_after_mb around the read, which show that memory does not grow with the
file. The synthetic file is not timed; it mixes quoted descriptions (commas, quotes, line
breaks), empty optional cells and two x_ columns, like a clearance-system export.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit_app.intake import formats, kcs  # noqa: E402
from audit_app.intake.reader import open_records  # noqa: E402

COLLECTORATES = ("KAPW", "KAPE", "PQIM", "LAHD", "ISBD", "QTAD", "PSWD", "FSLD", "SKTD")
DESCRIPTIONS = (
    "POLYESTER FILAMENT YARN", "BALL BEARINGS, STEEL, 6204-2RS", 'LCD MONITOR 24" (USED)',
    "MOBILE PHONES\nMODEL X1, 128GB", "HOT ROLLED COILS OF NON-ALLOY STEEL", "PALM OLEIN RBD",
)
CURRENCIES = (("USD", "278.5"), ("CNY", "38.61"), ("EUR", "301.2"), ("AED", "75.83"))


def synthesise(path: Path, rows: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    columns = list(formats.DECLARATIONS.names) + ["x_vessel", "x_bl_number"]
    start = dt.date(2024, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for i in range(rows):
            gd, item = divmod(i, 3)
            day = start + dt.timedelta(days=gd % 700)
            coll = COLLECTORATES[gd % len(COLLECTORATES)]
            currency, rate = CURRENCIES[gd % len(CURRENCIES)]
            invoice = rnd.randrange(100, 10**9) / 100
            value = round(invoice * float(rate), 2)
            writer.writerow([
                f"{coll}-HC-{gd:06d}-{day:%d%m%Y}", item + 1, day.isoformat(), coll,
                ("GREEN", "GREEN", "YELLOW", "RED")[i % 4], f"{rnd.randrange(10**7):07d}-{i % 10}",
                "" if i % 7 == 0 else f"TRADER NO. {gd % 5000} (PVT) LTD", f"AG{gd % 800:04d}",
                f"{rnd.randrange(10**8):08d}", DESCRIPTIONS[i % len(DESCRIPTIONS)],
                ("CN", "AE", "DE", "JP")[i % 4], "" if i % 5 == 0 else "CN",
                f"{rnd.randrange(1, 10**7) / 10}", ("KG", "U", "L")[i % 3],
                "" if i % 6 == 0 else f"{rnd.randrange(1, 10**7) / 10}", currency,
                f"{invoice:.2f}", rate, f"{value:.2f}", f"{value:.2f}",
                f"{value * 0.2:.0f}", f"{value * 0.05:.0f}", "0", f"{value * 0.18:.0f}", "0",
                f"{value * 0.06:.0f}", "SRO 565(I)/2006" if i % 11 == 0 else "",
                "CPFTA" if i % 9 == 0 else "", f"MV VESSEL {gd % 90}", "" if i % 2 else f"BL{gd}",
            ])


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


OPENERS = {
    "declarations": lambda s: open_records(s, formats.DECLARATIONS),
    "tariff": lambda s: open_records(s, formats.TARIFF),
    "preferential": lambda s: open_records(s, formats.PREFERENTIAL),
    "outcomes": lambda s: open_records(s, formats.OUTCOMES),
    "kcs": kcs.open_kcs_declarations,
    "kcs-outcomes": kcs.open_kcs_outcomes,
}


def measure(path: Path, file_format: str) -> dict[str, object]:
    rss_before = rss_mb()
    rows = invalid = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8", newline="") as stream:
        for record in OPENERS[file_format](stream):
            rows += 1
            if record.problems:
                invalid += 1
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "file": str(path), "format": file_format, "rows": rows, "valid": rows - invalid,
        "invalid": invalid, "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds else None,
        # CPU time too: on a shared machine the wall clock also counts other processes' turns.
        "cpu_seconds": round(cpu_seconds, 3),
        "rows_per_cpu_second": round(rows / cpu_seconds) if cpu_seconds else None,
        "load_average": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mb": round(rss_before, 1), "rss_after_mb": round(rss_mb(), 1),
        "python": sys.version.split()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, help="file to read (default: synthesise)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to synthesise")
    parser.add_argument("--format", choices=sorted(OPENERS), default="declarations")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic file")
    args = parser.parse_args()
    path, made = args.path, args.path is None
    if made:
        handle, name = tempfile.mkstemp(prefix="intake-bench-", suffix=".csv", dir="/tmp")
        os.close(handle)
        path = Path(name)
        synthesise(path, args.rows)
    try:
        print(json.dumps(measure(path, args.format)))
    finally:
        if made and not args.keep:
            path.unlink()


if __name__ == "__main__":
    main()
