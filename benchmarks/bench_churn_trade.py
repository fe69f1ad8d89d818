"""Issue 16, for whoever decides the trade: what the gradient-boosting model's training rows
cost and buy on a large store. The churn analysis as `fours run` runs it, once per cap on the
rows the supervised model learns from (today 200,000), in one process on one thread: its
seconds, the backtest's figures for the supervised model and for the model chosen, and how
far the win-back ranking moves against today's (the overlap of the top 1,000 and of the top
decile by value at risk).

BLAS/OpenMP: one thread (``fourS_analytics.threads.one_thread``), as in the toolkit's runs.

Usage: python benchmarks/bench_churn_trade.py [--store benchmarks/_work/store_200000_5y_1s]
       [--as-of 2025-12-31] [--rows 200000,100000,50000]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import pandas as pd

WORK = Path(__file__).parent / "_work"
SHOWN = ["roc_auc", "roc_auc_low", "roc_auc_high", "pr_auc", "brier", "lift_top_decile"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=WORK / "store_200000_5y_1s")
    parser.add_argument("--as-of", default="2025-12-31")
    parser.add_argument("--rows", default="200000,100000,50000")
    args = parser.parse_args()
    import fourS_analytics as fours
    from fourS_analytics.threads import one_thread

    one_thread().__enter__()  # for the whole run, scikit-learn's OpenMP included
    from fourS_analytics import churn, customers, loyalty
    from fourS_analytics.models.churn_models import SupervisedChurn

    print(f"machine: {platform.platform()}, python {sys.version.split()[0]}, one BLAS thread")
    as_of = pd.Timestamp(args.as_of)
    data = fours.load(args.store)
    base = customers.build(data, as_of)
    clv = loyalty.score(base).customers["clv"]
    defaults = SupervisedChurn.__init__.__defaults__
    assert defaults is not None
    reference: pd.Series | None = None
    for rows in (int(r) for r in args.rows.split(",")):
        SupervisedChurn.__init__.__defaults__ = (rows, *defaults[1:])
        clock = time.perf_counter()
        result = churn.analyse(data, as_of, base=base, clv=clv)
        seconds = time.perf_counter() - clock
        risk = result.scores["value_at_risk"].sort_values(ascending=False, kind="stable")
        if reference is None:
            reference = risk
        top = len(set(risk.index[:1000]) & set(reference.index[:1000])) / 1000
        decile = len(risk) // 10
        dec = len(set(risk.index[:decile]) & set(reference.index[:decile])) / decile
        print(f"\nsupervised model learns from at most {rows:,} rows: churn {seconds:.1f} s")
        print(f"chosen: {result.chosen}; top-1,000 overlap {top:.3f}, top decile {dec:.3f}")
        shown = list(dict.fromkeys(["supervised", result.chosen]))
        print(result.backtest.loc[shown, SHOWN].round(4).to_string())
    SupervisedChurn.__init__.__defaults__ = defaults


if __name__ == "__main__":
    main()
