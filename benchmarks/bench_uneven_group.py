"""Issue 16: a dealer group whose stores differ in size, on two Dask workers: one large store
(`--large` vehicles, about 200,000 ROs by default) and `--small` stores of `--small-vehicles`
each, the large store's folder sorting last (``z_large``), as a flagship store named after
its town might. `fours run --workers 2 --period 2025`, an earlier checkout (`--before`)
and this one in turns, so both see the same minutes of a shared machine: wall time, each
store's seconds (the manifest's store_runs), and whether the packs are the same bytes.

Started in the folders' order the large store starts last and runs alone while the other
worker has nothing left; started largest first it runs beside all the small ones.
BLAS/OpenMP: one thread in each worker (the run limits it; Dask's nanny sets
OMP_NUM_THREADS=1).

Usage: python benchmarks/bench_uneven_group.py --before /tmp/old-checkout [--pairs 2]
       [--large 40000] [--small 4] [--small-vehicles 4000]
(make the checkout with `git worktree add /tmp/old-checkout <commit>`)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(__file__).parent / "_work"
HERE = Path(__file__).resolve().parent.parent


def sample(folder: Path, vehicles: int, seed: int) -> None:
    if (folder / "repair_orders.csv").exists():
        return
    command = ["-q", "sample", "-o", str(folder), "--vehicles", str(vehicles), "--years", "5"]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "fourS_analytics",
            *command,
            "--seed",
            str(seed),
            "--end",
            "2025-12-31",
        ],
        check=True,
        cwd=HERE,
    )
    shutil.rmtree(folder / "ground_truth", ignore_errors=True)
    (folder / "manifest.json").unlink(missing_ok=True)


def run(checkout: Path, group: Path, out: Path) -> tuple[float, dict]:  # type: ignore[type-arg]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    command = ["-q", "run", "--data", str(group), "--out", str(out), "--period", "2025"]
    subprocess.run(
        [sys.executable, "-m", "fourS_analytics", *command, "--workers", "2"],
        check=True,
        cwd=checkout,  # `python -m` puts the working folder first on the path
        env=env,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    return seconds, json.loads((out / "latest" / "manifest.json").read_text("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the old code")
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--large", type=int, default=40_000)
    parser.add_argument("--small", type=int, default=4)
    parser.add_argument("--small-vehicles", type=int, default=4_000)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    print("threads: BLAS/OpenMP one per worker (threadpoolctl in the run, Dask's nanny)")
    group = WORK / f"uneven_{args.large}_{args.small}x{args.small_vehicles}"
    sample(group / "z_large", args.large, 1)
    for i in range(args.small):
        sample(group / f"store_{i + 1:02d}", args.small_vehicles, 10 + i)
    for store in sorted(p for p in group.iterdir() if p.is_dir()):
        with (store / "repair_orders.csv").open("rb") as fh:
            print(f"  {store.name}: {sum(1 for _ in fh) - 1:,} ROs")
    scratch = Path(tempfile.mkdtemp(prefix="uneven_"))
    times: dict[str, list[float]] = {"before": [], "after": []}
    hashes: dict[str, dict[str, str]] = {}
    for pair in range(args.pairs):
        for label, checkout in (("before", args.before.resolve()), ("after", HERE)):
            out = scratch / f"{label}_{pair}"
            seconds, manifest = run(checkout, group, out)
            times[label].append(seconds)
            hashes[label] = {o["path"]: o["sha256"] for o in manifest["outputs"]}
            runs = manifest.get("store_runs", [])
            per_store = ", ".join(f"{r['store']} {r['seconds']:.1f} s" for r in runs)
            print(f"pair {pair + 1} {label}: {seconds:.1f} s wall; {per_store}")
    differ = sorted(p for p in hashes["after"] if hashes["before"].get(p) != hashes["after"][p])
    print(f"files that differ between before and after: {', '.join(differ) or 'none'}")
    for label, values in times.items():
        print(f"{label}: {', '.join(f'{v:.1f}' for v in values)} s")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
