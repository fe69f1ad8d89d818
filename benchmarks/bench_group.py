"""Issues 7 and 16: a dealer group (default 50 stores, about 10M repair orders), `fours run`
end to end, once per ``--workers`` value, back to back: wall time, the speed-up over the
first value (issue 16's goal: >= 1.8x for 2 workers against 1), peak memory per worker
(<= 3 GB; the manifest's per-store peaks) and in all (the process tree's resident memory,
sampled every 0.2 s), and the per-store times the cluster estimate uses.

The group is written with `fours sample --stores N --vehicles V --years 5 --split` (one
folder per store, each simulated on its own) into benchmarks/_work/ and kept there.
BLAS/OpenMP: one thread (the run limits it in each store's task; Dask's nanny sets
OMP_NUM_THREADS=1 for its workers).

Usage: python benchmarks/bench_group.py [--stores 50] [--vehicles 2000000] [--years 5]
       [--workers 1,2]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(__file__).parent / "_work"


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, the peak resident memory of the process and all its children together
    (MB, sampled every 0.2 s) and the exit code of a child process."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while proc.poll() is None:
        try:
            tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            total = 0
            for p in tree:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            peak = max(peak, total / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    return seconds, peak, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--vehicles", type=int, default=2_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--workers", default="1,2", help="comma-separated, run in this order")
    args = parser.parse_args()
    py = sys.executable
    data = WORK / f"group_{args.stores}s_{args.vehicles}_{args.years}y"
    print(f"machine: {platform.platform()}, python {platform.python_version()}")
    if not (data / f"S{args.stores:02d}").exists():
        shutil.rmtree(data, ignore_errors=True)
        seconds, peak, code = timed(
            [
                py,
                "-m",
                "fourS_analytics",
                "-q",
                "sample",
                "-o",
                str(data),
                "--stores",
                str(args.stores),
                "--vehicles",
                str(args.vehicles),
                "--years",
                str(args.years),
                "--split",
                "--seed",
                "1",
                "--end",
                "2025-12-31",
            ]
        )
        assert code == 0, "fours sample failed"
        print(f"fours sample --split: {seconds:.0f} s, peak {peak:,.0f} MB")
    size = sum(p.stat().st_size for p in data.rglob("*.csv") if "ground_truth" not in p.parts)
    first = None
    for workers in [int(w) for w in args.workers.split(",")]:
        out = Path(tempfile.mkdtemp())
        seconds, peak, code = timed(
            [
                py,
                "-m",
                "fourS_analytics",
                "-q",
                "run",
                "--data",
                str(data),
                "--out",
                str(out),
                "--period",
                "2025",
                "--keep",
                "0",
                "--workers",
                str(workers),
            ]
        )
        manifest = (
            json.loads((out / "latest" / "manifest.json").read_text("utf-8"))
            if (out / "latest").exists()
            else {}
        )
        ros = sum(
            f["rows"]
            for f in manifest.get("accounting", {}).get("files", [])
            if f["table"] == "repair_orders"
        )
        runs = manifest.get("store_runs", [])
        first = first or seconds
        print(
            f"exports: {size / 1e9:.2f} GB of CSV, {ros:,} repair order rows, "
            f"{len(manifest.get('stores', []))} stores"
        )
        per_worker = max((r["peak_rss_mb"] or 0 for r in runs), default=0)
        print(
            f"fours run --workers {workers}: exit {code}, {seconds / 60:.1f} min, "
            f"speed-up {first / seconds:.2f}x, peak per worker {per_worker:,.0f} MB "
            f"(<= 3072 MB: {'met' if per_worker <= 3072 else 'MISSED'}), peak in all "
            f"{peak:,.0f} MB"
        )
        times = sorted(r["seconds"] for r in runs)
        if times:
            print(
                f"  per store: median {times[len(times) // 2]:.0f} s, "
                f"min {times[0]:.0f} s, max {times[-1]:.0f} s, sum {sum(times) / 60:.1f} min; "
                f"workers: {len({r['worker'] for r in runs})}"
            )
            cpu = sum(r.get("cpu_seconds", 0.0) for r in runs)
            if cpu:  # the same work at the same CPU time: a longer sum of walls waited
                print(
                    f"  CPU time of the stores: sum {cpu / 60:.1f} min "
                    f"({cpu / sum(times):.0%} of their wall time)"
                )
        for step in manifest.get("steps", []):
            print(f"  {step['name']}: {step['status']}, {step['seconds']:.0f} s")
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
