"""Issues 15/16: Arrow's memory pool. The toolkit allocates Arrow's buffers from jemalloc
(``fourS_analytics.threads.arrow_pool``); pyarrow's Linux wheels default to mimalloc. Runs
each command on the 1M-RO store as a child process with the toolkit's pool, with
``ARROW_DEFAULT_MEMORY_POOL=mimalloc`` (which the toolkit keeps: the code before the change)
and with ``=system`` (the C heap), in turns, and prints wall, user and system seconds and
peak memory (GNU time), beside a bare ``pandas.read_csv`` of the RO file measured in the
same run.

BLAS/OpenMP: one thread (the toolkit's own limit in every command).

Usage: python benchmarks/bench_pool.py [--store ...] [--repeat 2]
       [--commands validate,lists-bgnbd,run] [--pools "jemalloc (toolkit),mimalloc (before)"]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_analyses import BARE, WORK, times

POOLS = {"jemalloc (toolkit)": None, "mimalloc (before)": "mimalloc", "c heap": "system"}


def timed(cmd: list[str], pool: str | None) -> tuple[float, float, float, float]:
    """Wall, user, system seconds and peak MB of a child process with ``pool`` named."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if pool:
        env["ARROW_DEFAULT_MEMORY_POOL"] = pool
    return times(cmd, env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=WORK / "store_200000_5y_1s")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--commands", default="validate,lists-bgnbd,run")
    parser.add_argument("--pools", default="jemalloc (toolkit),mimalloc (before),c heap")
    args = parser.parse_args()
    ro = args.store / "repair_orders.csv"
    if not ro.exists():
        sys.exit(f"{ro} missing: run benchmarks/bench_sample.py --keep first")
    fours = [sys.executable, "-m", "fourS_analytics", "-q"]
    bgnbd = ["--model", "bgnbd"]
    out = Path(tempfile.mkdtemp())
    commands = {
        "validate": [*fours, "validate", str(args.store)],
        "lists-bgnbd": [*fours, "lists", str(args.store), *bgnbd, "--as-of", "2025-12-31", "-o"],
        "run": [
            *fours,
            "run",
            "--data",
            str(args.store),
            "--period",
            "2025",
            "--keep",
            "0",
            "--out",
        ],
    }
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, python {sys.version.split()[0]}"
    )
    bare = min(timed([sys.executable, "-c", BARE, str(ro)], None)[0] for _ in range(args.repeat))
    print(f"bare pandas.read_csv of {ro.name}: {bare:.2f} s")
    for key in args.commands.split(","):
        pools = {p: POOLS[p] for p in args.pools.split(",")}
        seen: dict[str, list[tuple[float, float, float, float]]] = {p: [] for p in pools}
        for _ in range(args.repeat):
            for label, pool in pools.items():
                target = out / key
                shutil.rmtree(target, ignore_errors=True)
                extra = [] if key == "validate" else [str(target)]
                seen[label].append(timed([*commands[key], *extra], pool))
        for label, runs in seen.items():
            walls = ", ".join(f"{r[0]:.1f}" for r in runs)
            best = min(runs)
            print(
                f"fours {key} [{label}]: wall {walls} s (best {best[0] / bare:.1f}x the bare "
                f"read), user {best[1]:.1f} s, system {best[2]:.1f} s, "
                f"peak {max(r[3] for r in runs):,.0f} MB"
            )
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
