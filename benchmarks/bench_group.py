"""Issue 7 benchmark: a dealer group of 50 stores and about 10M repair orders, `fours run`
end to end, store by store. Target: peak memory <= 8 GB; time and memory recorded.

The group is written with `fours sample --stores 50 --vehicles 2000000 --years 5 --split`
(one folder per store, each simulated on its own) into benchmarks/_work/ and kept there.

Usage: python benchmarks/bench_group.py [--stores 50] [--vehicles 2000000] [--years 5]
"""

from __future__ import annotations

import argparse
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
    """Wall seconds, peak MB (GNU time's %M) and exit code of a child process."""
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return seconds, int(out.stderr.strip().splitlines()[-1]) / 1024, out.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--vehicles", type=int, default=2_000_000)
    parser.add_argument("--years", type=int, default=5)
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
    print(
        f"exports: {size / 1e9:.2f} GB of CSV, {ros:,} repair order rows, "
        f"{len(manifest.get('stores', []))} stores"
    )
    print(
        f"fours run: exit {code}, {seconds / 60:.1f} min, peak {peak:,.0f} MB "
        f"(target <= 8192 MB: {'met' if peak <= 8192 else 'MISSED'})"
    )
    for step in manifest.get("steps", []):
        print(f"  {step['name']}: {step['status']}, {step['seconds']:.0f} s")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
