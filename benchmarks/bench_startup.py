"""How long a terminal user waits for the command line itself: `python -m fourS_analytics
--help`, `fours validate` and `fours lists --model bgnbd` of the embedded sample store (the
lists' time there is mostly imports), each a fresh child process,
this checkout and (with --before) an earlier one in turns, so both see the same minutes of a
shared machine; medians. No BLAS/OpenMP work happens in these commands.

Usage: python benchmarks/bench_startup.py [--before /tmp/old-checkout] [--repeat 5]
(make the checkout with `git worktree add /tmp/old-checkout <commit>`)
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

HERE = Path(__file__).resolve().parent.parent
COMMANDS = {
    "--help": ["--help"],
    "validate sample_data": ["-q", "validate", str(HERE / "sample_data")],
    "lists sample --model bgnbd": [
        "-q",
        "lists",
        str(HERE / "sample_data"),
        "--model",
        "bgnbd",
        "-o",
        str(Path(tempfile.mkdtemp(prefix="bench_startup_")) / "lists"),
    ],
}


def seconds(checkout: Path, args: list[str]) -> float:
    # run from the checkout: `python -m` puts the working folder first on the path
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "fourS_analytics", *args],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, help="a checkout of the old code")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    checkouts = {"after": HERE, **({"before": args.before.resolve()} if args.before else {})}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeat):
        for label, checkout in checkouts.items():
            for name, command in COMMANDS.items():
                times.setdefault((label, name), []).append(seconds(checkout, command))
    for (label, name), values in sorted(times.items()):
        print(
            f"{label:6} fours {name:27} median {statistics.median(values):.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"
        )


if __name__ == "__main__":
    main()
