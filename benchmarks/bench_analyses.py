"""Issues 4 and 5 benchmark: `fours loyalty`, `fours churn` and `fours workload` on the 1M-RO
store.

Targets: loyalty <= 10x, churn (with its backtest) <= 80x, workload <= 30x and (issue 6)
kpi <= 5x and report (html, pptx, md) <= 40x, (issue 7) `fours run` <= 150x and (issue 15)
`fours lists` <= 8x a bare
pandas.read_csv of the same RO file, measured in the same run; peak memory <= 4 GB. Each
command runs end to end (loading included) as a child process. Needs the store of
`bench_sample.py --keep`.

Usage: python benchmarks/bench_analyses.py [--store ...]
       [--commands loyalty,churn,workload,kpi,report,run,lists,lists-bgnbd] [--cache]

`lists-bgnbd` is `fours lists --model bgnbd`: the weekly lists without churn's backtest.
With --cache each command runs without the cache of loaded exports, then with `--cache-dir`
twice: from an empty folder (cold: parsed, the entry written) and again (warm: the entry
read), all three shown.
The toolkit's numeric libraries run one thread each (threads.py); Arrow's own reader threads
are left as Arrow starts them.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(__file__).parent / "_work"
BARE = "import pandas as pd, sys; pd.read_csv(sys.argv[1])"


def times(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, float]:
    """Wall seconds, then user and system CPU seconds (GNU time's %U, %S) and peak MB (%M)
    of a child process."""
    start = time.perf_counter()
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S %M", *cmd],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    user, system, peak = out.stderr.strip().splitlines()[-1].split()
    return seconds, float(user), float(system), int(peak) / 1024


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MB of a child process (GNU time's %M)."""
    seconds, _, _, peak = times(cmd)
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=WORK / "store_200000_5y_1s")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--commands", default="loyalty,churn,workload,kpi,report,run")
    parser.add_argument("--cache", action="store_true", help="cold and warm --cache-dir runs")
    args = parser.parse_args()
    ro = args.store / "repair_orders.csv"
    if not ro.exists():
        sys.exit(f"{ro} missing: run benchmarks/bench_sample.py --keep first")
    out = Path(tempfile.mkdtemp())
    py = sys.executable
    bare = min(run([py, "-c", BARE, str(ro)])[0] for _ in range(args.repeat))
    print(f"machine: {platform.platform()}, python {platform.python_version()}")
    print(f"bare pandas.read_csv of {ro.name}: {bare:.2f} s")
    wanted = args.commands.split(",")
    for key, target, extra in (
        ("loyalty", 10, []),
        ("churn", 80, ["--as-of", "2025-12-31"]),
        ("workload", 30, []),
        ("kpi", 5, ["--year", "2025", "--format", "csv"]),
        ("report", 40, ["--year", "2025"]),
        ("run", 150, ["--period", "2025", "--keep", "0"]),
        ("lists", 8, ["--as-of", "2025-12-31"]),  # issue 15
        ("lists-bgnbd", 8, ["--as-of", "2025-12-31", "--model", "bgnbd"]),
    ):
        if key not in wanted:
            continue
        name = key.split("-")[0]  # the command
        if name == "run":  # fours run --data STORE --out DIR: the whole pack
            cmd = [
                py,
                "-m",
                "fourS_analytics",
                "-q",
                "run",
                "--data",
                str(args.store),
                "--out",
                str(out / name),
                *extra,
            ]
        else:
            where = [] if name == "kpi" else ["-o", str(out / key)]
            cmd = [py, "-m", "fourS_analytics", "-q", name, str(args.store), *where, *extra]
        shown = " ".join([name, *extra[2:]] if key != name else [name])
        cache = out / f"cache-{key}"
        cached = ["--cache-dir", str(cache)]
        for label, more in (
            [("no cache", []), ("cold cache", cached), ("warm cache", cached)]
            if args.cache
            else [("", [])]
        ):
            times_ = args.repeat if name in ("loyalty", "kpi") and label != "cold cache" else 1
            runs = [run([*cmd, *more]) for _ in range(times_)]
            seconds = min(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            ratio = seconds / bare
            print(
                f"fours {shown}{f' ({label})' if label else ''}: {seconds:.1f} s = {ratio:.1f}x "
                f"the bare read (target <= {target}x: {'met' if ratio <= target else 'MISSED'}), "
                f"peak {peak:,.0f} MB (target <= 4096 MB: {'met' if peak <= 4096 else 'MISSED'})"
            )
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
