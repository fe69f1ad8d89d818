"""Issue 3 benchmark: `fours sample --vehicles 200000 --years 5` writes >= 1,000,000 ROs.

Targets: <= 120 s wall time and <= 4 GB peak memory on the 2-core machine. The command runs
in a child process; its peak memory is the child's maximum resident set size.

Usage: python benchmarks/bench_sample.py [--vehicles 200000] [--years 5] [--stores 1]
"""

from __future__ import annotations

import argparse
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

WORK = Path(__file__).parent / "_work"


def count_rows(folder: Path) -> int:
    total = 0
    for path in folder.glob("repair_orders*.csv"):
        with path.open("rb") as fh:
            total += sum(1 for _ in fh) - 1
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vehicles", type=int, default=200_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--stores", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the store for later runs")
    args = parser.parse_args()
    out = WORK / f"store_{args.vehicles}_{args.years}y_{args.stores}s"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "fourS_analytics",
        "-q",
        "sample",
        "-o",
        str(out),
        "--vehicles",
        str(args.vehicles),
        "--years",
        str(args.years),
        "--stores",
        str(args.stores),
        "--seed",
        "1",
        "--end",
        "2025-12-31",
    ]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows = count_rows(out)
    print(
        f"machine: {platform.platform()}, {platform.machine()}, python {platform.python_version()}"
    )
    print(
        f"fours sample --vehicles {args.vehicles} --years {args.years} --stores "
        f"{args.stores}: {rows:,} repair orders in {seconds:.1f} s "
        f"(target <= 120 s: {'met' if seconds <= 120 else 'MISSED'}), peak {peak_mb:,.0f} MB "
        f"(target <= 4096 MB: {'met' if peak_mb <= 4096 else 'MISSED'}); "
        f">= 1,000,000 ROs: {'met' if rows >= 1_000_000 else 'MISSED'}"
    )
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
