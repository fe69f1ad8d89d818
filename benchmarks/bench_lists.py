"""Issue 15: does the service-due list (保养招揽) name the customers who come next, against
simple rules, on the simulator and on public data nobody here wrote.

A backtest with known outcomes: as of a cutoff day, the list is built from the history up to
it (the personal interval: the customer's own service gaps, else the mileage rate, else the
brand schedule; due within 4 weeks or overdue at most 90 days, not lapsed), and the outcome is
whether the customer visited within the 4 weeks plus 4 weeks' grace after the cutoff (nobody
was called: these are the visits that come on their own, which is what a due list must
predict before a call changes anything). Two rules beside it, each the same size as the list:

- **brand schedule**: last visit + 12 months (the whole fleet on one interval), the
  customers whose date is nearest to the cutoff;
- **recency**: the customers whose last visit is the most recent.

Printed per data set: the list's size, precision (share who came), recall (share of the
active customers who came that the list names), and the lift over the active customers'
base rate. Data: the embedded sample store (simulated), CDNOW and the lifetimes example
(``benchmarks/bench_public.py`` fetches them once with ``pip download``).

    python benchmarks/bench_lists.py
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from bench_public import WORK, cdnow, export, lifetimes_example

import fourS_analytics as fours
from fourS_analytics import lists
from fourS_analytics.config import ListsConfig
from fourS_analytics.customers import build as build_base
from fourS_analytics.sample import sample_data_dir
from fourS_analytics.threads import one_thread

WEEKS = 4
GRACE_DAYS = 28
ACTIVE_DAYS = 365


def backtest(dataset: fours.Dataset, cutoff: pd.Timestamp) -> dict[str, float]:
    ros = dataset.repair_orders
    before = ros[ros["open_time"] < cutoff + pd.Timedelta(days=1)]
    data = replace(dataset, tables={**dataset.tables, "repair_orders": before})
    base = build_base(data, cutoff)
    c = base.customers
    active = c[c["days_since_last"] <= ACTIVE_DAYS]
    stop = cutoff + pd.Timedelta(days=7 * WEEKS + GRACE_DAYS + 1)
    after = ros[(ros["open_time"] >= cutoff + pd.Timedelta(days=1)) & (ros["open_time"] < stop)]
    came = set(after["unit_id"]) & set(active.index)
    listed = set(
        lists.build(data, base, config=ListsConfig(weeks=WEEKS)).lists["service_due"]["unit_id"]
    )
    n = len(listed)
    # the rules, the same size as the list
    brand_due = active["last_visit"] + pd.Timedelta(days=365)
    brand = set((brand_due - cutoff).abs().sort_values(kind="stable").index[:n])
    recency = set(active["days_since_last"].sort_values(kind="stable").index[:n])
    rate = len(came) / len(active) if len(active) else float("nan")
    out = {"active": len(active), "came": len(came), "base_rate": rate, "size": n}
    for name, chosen in (("list", listed), ("brand", brand), ("recency", recency)):
        hit = len(chosen & came)
        out[f"{name}_precision"] = hit / len(chosen) if chosen else float("nan")
        out[f"{name}_recall"] = hit / len(came) if came else float("nan")
    return out


def main() -> None:
    print("threads: BLAS/OpenMP limited to 1 (threadpoolctl and the thread variables)")
    sets: list[tuple[str, fours.Dataset, list[str]]] = [
        (
            "embedded sample store (simulated)",
            fours.load(sample_data_dir()),
            ["2025-03-31", "2025-06-30", "2025-09-30"],
        ),
        (
            "CDNOW (lifetimes 0.11.3, real)",
            fours.load(export(cdnow(), WORK / "cdnow")),
            ["1997-09-30", "1997-12-31", "1998-03-31"],
        ),
        (
            "lifetimes example_transactions",
            fours.load(export(lifetimes_example(), WORK / "lifetimes")),
            ["2014-06-30", "2014-09-30"],
        ),
    ]
    print(
        "| data | cutoff | active | came | base rate | list size | list precision / recall "
        "/ lift | brand schedule precision / recall | recency precision / recall |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for title, dataset, cutoffs in sets:
        for day in cutoffs:
            with one_thread():
                r = backtest(dataset, pd.Timestamp(day))
            lift = r["list_precision"] / r["base_rate"] if r["base_rate"] else float("nan")
            print(
                f"| {title} | {day} | {r['active']:,} | {r['came']:,} | {r['base_rate']:.3f} | "
                f"{r['size']:,} | {r['list_precision']:.3f} / {r['list_recall']:.3f} / "
                f"{lift:.2f} | "
                f"{r['brand_precision']:.3f} / {r['brand_recall']:.3f} | "
                f"{r['recency_precision']:.3f} / {r['recency_recall']:.3f} |"
            )


if __name__ == "__main__":
    main()
