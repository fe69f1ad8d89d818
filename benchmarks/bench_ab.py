"""Issue 16: `fours run` on the 1M-RO store, an earlier checkout against this one, in turns
(before, after, before, after, ...) so that both see the same hour of a shared machine; with
a bare `pandas.read_csv` of the RO file before each pair, the run's ratio to it, and the
per-step seconds the manifest records. Each command is a child process under GNU time.

BLAS/OpenMP: the run holds them to one thread itself (threadpoolctl).

Usage: python benchmarks/bench_ab.py --before /tmp/old-checkout [--pairs 2]
       [--store benchmarks/_work/store_200000_5y_1s]
(make the checkout with `git worktree add /tmp/old-checkout <commit>`)

Or this checkout against itself with other `--workers`: a single store with `--workers 2`
writes its files in a forked child while it computes (run/background.py):
       python benchmarks/bench_ab.py --workers-before 1 --workers-after 2
The peak memory "in all" is the largest sum, sampled every 0.2 s, of the proportional set
size (PSS: a page shared by parent and child counted half in each) of the run's process and
its children; GNU time's figure is the run's own process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(__file__).parent / "_work"
HERE = Path(__file__).resolve().parent.parent
BARE = "import pandas as pd, sys; pd.read_csv(sys.argv[1])"


def _pss_mb(pid: int) -> float:
    """The proportional set size of a process and its descendants (Linux), in MB."""
    try:
        import psutil
    except ImportError:
        return float("nan")
    gone = (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError)
    total = 0.0
    with contextlib.suppress(*gone):
        root = psutil.Process(pid)
        for proc in [root, *root.children(recursive=True)]:
            with contextlib.suppress(*gone):
                total += proc.memory_full_info().pss
    return total / 2**20


def timed(cmd: list[str], pythonpath: Path | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak MB of the child (GNU time's %M) and peak MB of its process tree
    (the sampled PSS sum) of a child process."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    start = time.perf_counter()
    # run from the checkout: `python -m` puts the working folder first on the path, before
    # PYTHONPATH, so a run from this folder would import this checkout's code either way
    proc = subprocess.Popen(
        ["/usr/bin/time", "-f", "%M", *cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=pythonpath,
    )
    tree = 0.0
    while proc.poll() is None:
        tree = max(tree, _pss_mb(proc.pid))
        time.sleep(0.2)
    stdout, stderr = proc.communicate()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd, stdout, stderr)
    peak = int(stderr.strip().splitlines()[-1]) / 1024
    return time.perf_counter() - start, peak, tree


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, default=HERE, help="a checkout of the old code")
    parser.add_argument("--workers-before", type=int, default=1)
    parser.add_argument("--workers-after", type=int, default=1)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--store", type=Path, default=WORK / "store_200000_5y_1s")
    args = parser.parse_args()
    ro = args.store / "repair_orders.csv"
    if not ro.exists():
        sys.exit(f"{ro} missing: run benchmarks/bench_sample.py --keep first")
    py, out = sys.executable, Path(tempfile.mkdtemp())
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    workers = {"before": args.workers_before, "after": args.workers_after}
    print(f"workers: {workers}")
    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for pair in range(args.pairs):
        bare = timed([py, "-c", BARE, str(ro)])[0]
        for label, code in (("before", args.before.resolve()), ("after", HERE)):
            pack = out / f"{label}_{pair}"
            cmd = [py, "-m", "fourS_analytics", "-q", "run", "--data", str(args.store)]
            cmd += ["--out", str(pack), "--period", "2025", "--workers", str(workers[label])]
            cmd += ["--keep", "0"]
            if pair == 0:  # which code the child imports, to be sure of the comparison
                where = [py, "-c", "import fourS_analytics as f; print(f.__file__)"]
                found = subprocess.run(
                    where,
                    capture_output=True,
                    text=True,
                    cwd=code,
                    env={**os.environ, "PYTHONPATH": str(code)},
                )
                print(f"{label}: {found.stdout.strip()}")
            seconds, peak, tree = timed(cmd, code)
            manifest = json.loads((pack / "latest" / "manifest.json").read_text("utf-8"))
            steps = manifest["store_runs"][0]["steps"]
            apart = {
                f"{s['name']} apart": s.get("background_seconds", 0.0)
                for s in manifest["steps"]
                if s.get("background_seconds")
            }
            results[label].append(
                {"wall": seconds, "bare": bare, "peak": peak, "tree": tree, **steps, **apart}
            )
            shown = ", ".join(f"{k} {v:.1f}" for k, v in {**steps, **apart}.items())
            print(
                f"pair {pair + 1} {label}: {seconds:.1f} s = {seconds / bare:.1f}x the bare read "
                f"({bare:.2f} s), peak {peak:,.0f} MB (process tree, PSS: {tree:,.0f} MB); "
                f"steps: {shown}",
                flush=True,
            )
    hashes = {
        label: {
            o["path"]: o["sha256"]
            for o in json.loads((out / f"{label}_0" / "latest" / "manifest.json").read_text())[
                "outputs"
            ]
        }
        for label in ("before", "after")
    }
    differ = sorted(
        p
        for p in hashes["before"].keys() | hashes["after"].keys()
        if hashes["before"].get(p) != hashes["after"].get(p)
    )
    print(f"packs in {out}; files that differ between before and after: {differ or 'none'}")
    for label, runs in results.items():
        median = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in runs[0]}
        ratio = statistics.median(r["wall"] / r["bare"] for r in runs)
        steps = ", ".join(
            f"{k} {v:.1f}" for k, v in median.items() if k not in ("bare", "peak", "tree")
        )
        steps += f"; peak {median['peak']:,.0f} MB, process tree {median['tree']:,.0f} MB"
        print(f"{label}, median of {len(runs)}: {steps}; {ratio:.1f}x the bare read")


if __name__ == "__main__":
    main()
