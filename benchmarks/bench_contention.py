"""Issue 16: how much slower one job runs when a second runs beside it on the other core.

A group's speed-up with two workers is at most 2 x (a store's time alone) / (its time with
another store beside it): the stores are independent, so what is lost is what the two cores
take from each other (shared cache, memory bandwidth, a host's sibling hyper-thread). This
script measures that slow-down for work that is not ours and for one store's `fours run`, so
the ceiling the machine puts on the group's speed-up is a measured figure, not a guess:

- ``python``: a pure-Python loop on small integers (stays in the core's own cache);
- ``numpy``: sums over a 400 MB array, again and again (memory bandwidth);
- ``pandas``: a groupby-sum of 5 million rows by 200,000 keys and a sort (the store's kind
  of work);
- ``store``: `fours -q run --workers 1` of one simulated store of about 210,000 repair
  orders (the 50-store group's size), written once by
  ``python benchmarks/bench_sample.py --vehicles 40000 --keep``.

Each job runs alone, then two copies at once, ``--repeat`` times in turn. BLAS/OpenMP: one
thread in every process (OMP_NUM_THREADS etc. set to 1; the store's run limits its own).

Usage: python benchmarks/bench_contention.py [--jobs python,numpy,pandas,store] [--repeat 3]
       [--store benchmarks/_work/store_40000_5y_1s]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fourS_analytics.threads import THREAD_VARIABLES

WORK = Path(__file__).parent / "_work"

JOBS = {
    "python": "s = 0\nfor i in range(60_000_000):\n    s += i & 7\n",
    "numpy": ("import numpy as np\na = np.ones(50_000_000)\nfor _ in range(60):\n    a.sum()\n"),
    "pandas": (
        "import numpy as np, pandas as pd\nrng = np.random.default_rng(1)\n"
        "df = pd.DataFrame({'k': rng.integers(0, 200_000, 5_000_000), "
        "'v': rng.random(5_000_000)})\n"
        "for _ in range(6):\n    df.groupby('k')['v'].sum()\n    df.sort_values('v')\n"
    ),
}

ONE_THREAD = dict.fromkeys(THREAD_VARIABLES, "1")  # what the toolkit's one_thread sets


def command(job: str, out: Path, store: Path) -> list[str]:
    if job == "store":
        return [
            sys.executable,
            "-m",
            "fourS_analytics",
            "-q",
            "run",
            "--data",
            str(store),
            "--period",
            "2025",
            "--out",
            str(out),
            "--keep",
            "0",
            "--workers",
            "1",
        ]
    return [sys.executable, "-c", JOBS[job]]


def together(job: str, copies: int, store: Path) -> list[float]:
    """Wall seconds of each of ``copies`` processes of ``job`` started at the same time."""
    env = {**os.environ, **ONE_THREAD}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                command(job, Path(tmp) / str(i), store), env=env, stdout=subprocess.DEVNULL
            )
            for i in range(copies)
        ]
        ends = []
        for proc in procs:
            if proc.wait() != 0:
                raise SystemExit(f"{job}: exit {proc.returncode}")
            ends.append(time.perf_counter() - start)
    return ends


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", default="python,numpy,pandas,store")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", type=Path, default=WORK / "store_40000_5y_1s")
    args = parser.parse_args()
    if "store" in args.jobs.split(",") and not (args.store / "repair_orders.csv").exists():
        sys.exit(f"{args.store} missing: run benchmarks/bench_sample.py --vehicles 40000 --keep")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}"
    )
    print("BLAS/OpenMP: one thread in every process")
    print(
        "| job | alone (median) | two at once (median of both) | slow-down | ceiling on 2 workers |"
    )
    print("|---|---|---|---|---|")
    for job in args.jobs.split(","):
        alone: list[float] = []
        pair: list[float] = []
        for _ in range(args.repeat):
            alone += together(job, 1, args.store)
            pair += together(job, 2, args.store)
        one, two = statistics.median(alone), statistics.median(pair)
        print(
            f"| {job} | {one:.2f} s | {two:.2f} s | {two / one - 1:+.0%} | {2 * one / two:.2f}x |",
            flush=True,
        )


if __name__ == "__main__":
    main()
