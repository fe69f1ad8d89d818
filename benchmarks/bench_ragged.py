"""Issue 14 benchmark: what one ragged row costs when loading a large repair-order export.

Takes the benchmark store's repair orders (``bench_sample.py --keep``: about 1M rows), writes
a copy with one row given three cells more than the header (in the middle of the file), and
loads each with ``fourS_analytics.load`` in a fresh process: wall time and peak RSS.
Target: the ragged file costs at most 1.5x the clean file's peak memory.

Usage: python benchmarks/bench_ragged.py [--src DIR] [--copies N]
  --src DIR: another checkout to measure (the one before the change, say)
  --copies N: the store's rows N times over (2: about 2M rows, as the issue's file)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

WORK = Path(__file__).parent / "_work"
STORE = WORK / "store_200000_5y_1s" / "repair_orders.csv"

CHILD = """
import json, resource, sys, time
from threadpoolctl import threadpool_limits
import fourS_analytics as fours
with threadpool_limits(1):
    t = time.perf_counter()
    data = fours.load(sys.argv[1])
    seconds = time.perf_counter() - t
f = data.files[0]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": f.rows, "rejected": f.rejected}))
"""


def run(path: Path, src: Path | None) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", type=Path, default=None, help="checkout to import instead")
    parser.add_argument("--copies", type=int, default=1, help="the rows this many times over")
    args = parser.parse_args()
    if not STORE.exists():
        sys.exit(f"{STORE} missing: run python benchmarks/bench_sample.py --keep first")
    clean_path = STORE
    lines = STORE.read_bytes().rstrip(b"\n").split(b"\n")
    if args.copies > 1:
        lines = lines + lines[1:] * (args.copies - 1)
        clean_path = WORK / f"repair_orders_x{args.copies}.csv"
        clean_path.write_bytes(b"\n".join(lines) + b"\n")
    ragged = WORK / f"repair_orders_x{args.copies}_one_ragged.csv"
    middle = len(lines) // 2
    lines[middle] = lines[middle] + b",x,y,z"
    ragged.write_bytes(b"\n".join(lines) + b"\n")
    print(
        f"machine: {platform.platform()}, {platform.machine()}, python {platform.python_version()}"
    )
    print("threads: BLAS/OpenMP 1 (threadpoolctl and *_NUM_THREADS)")
    clean = run(clean_path, args.src)
    bad = run(ragged, args.src)
    for name, r in (("clean", clean), ("one ragged row", bad)):
        print(
            f"{name:15s} {r['rows']:>9,} rows, {r['rejected']} rejected: "
            f"{r['seconds']:6.1f} s, peak {r['peak_mb']:,.0f} MB"
        )
    ratio = bad["peak_mb"] / clean["peak_mb"]
    verdict = "met" if ratio <= 1.5 else "not met"
    print(
        f"peak memory ragged / clean: {ratio:.2f}x (target <= 1.5x: {verdict}); "
        f"time {bad['seconds'] / clean['seconds']:.2f}x"
    )


if __name__ == "__main__":
    main()
