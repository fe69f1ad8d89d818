"""Issue 16: where a single large store's time goes. Loads the store, builds the customer
base and loyalty as `fours run` does, then runs `churn.analyse` under cProfile and prints
the seconds of each stage, the profile's top entries (cumulative, the toolkit's functions and
the fits) and the backtest figures, so a speed change can be checked for the same answers.

BLAS/OpenMP are limited to one thread (``fourS_analytics.threads.one_thread``: threadpoolctl
and the thread variables, for scikit-learn's OpenMP), as in the toolkit's runs.

Usage: python benchmarks/bench_profile.py [--store benchmarks/_work/store_200000_5y_1s]
       [--as-of 2025-12-31] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import sys
import time
from pathlib import Path

import pandas as pd

WORK = Path(__file__).parent / "_work"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=WORK / "store_200000_5y_1s")
    parser.add_argument("--as-of", default="2025-12-31")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    import fourS_analytics as fours
    from fourS_analytics.threads import one_thread

    one_thread().__enter__()  # for the whole run, scikit-learn's OpenMP included
    from fourS_analytics import churn, customers, loyalty

    print(f"machine: {platform.platform()}, python {sys.version.split()[0]}, one BLAS thread")
    as_of = pd.Timestamp(args.as_of)
    clock = time.perf_counter()
    data = fours.load(args.store)
    print(f"load {time.perf_counter() - clock:.1f} s")
    clock = time.perf_counter()
    base = customers.build(data, as_of)
    print(f"customer base {time.perf_counter() - clock:.1f} s")
    clock = time.perf_counter()
    scored = loyalty.score(base)
    print(f"loyalty {time.perf_counter() - clock:.1f} s")
    profile = cProfile.Profile()
    clock = time.perf_counter()
    profile.enable()
    result = churn.analyse(data, as_of, base=base, clv=scored.customers["clv"])
    profile.disable()
    print(f"churn (under cProfile) {time.perf_counter() - clock:.1f} s, chose {result.chosen}")
    shown = ["roc_auc", "pr_auc", "brier", "lift_top_decile"]
    print(result.backtest[shown].round(4).to_string())
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats("fourS_analytics|minimize|fit", args.top)


if __name__ == "__main__":
    main()
