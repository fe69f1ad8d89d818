"""Issue 12: the churn backtest on public data nobody here wrote, models beside baselines.

Three data sets that ship inside packages on PyPI (fetched once with ``pip download`` into
``benchmarks/_work/public``; the toolkit itself never touches the network):

- **CDNOW** (``lifetimes==0.11.3``, ``lifetimes/datasets/CDNOW_master.txt``): real CD
  purchases of the 23,570 customers who first bought at CDNOW in Q1 1997, to June 1998
  (Fader, Hardie & Lee 2005). Irregular buyers, the BG/NBD's home ground.
- **lifetimes example** (``lifetimes/datasets/example_transactions.csv``): 5,000 customers'
  purchase days in 2014, shipped by lifetimes for its examples (its origin is not stated).
- **retentioneering ecom** (``retentioneering==5.2.4``, ``datasets/ecom.csv.gz``): six months
  of sessions of 600 users of a web shop, *synthetic* (its module says so); a session is a
  visit here.

Each is written as a repair-order export (one row per purchase or session: ro_id,
customer_id, open_time, total_amount) and loaded with ``fours.load``; ``churn.analyse`` then
runs as ``fours churn`` would with the horizon given, and the backtest table (every model and
every baseline, ROC AUC with its bootstrap interval) is printed with the paired interval of
the best model's lead over the best rule.

    python benchmarks/bench_public.py
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

import fourS_analytics as fours
from fourS_analytics import churn
from fourS_analytics.config import ChurnConfig
from fourS_analytics.threads import one_thread

WORK = Path(__file__).parent / "_work" / "public"
WHEELS = {
    "lifetimes": "lifetimes==0.11.3",
    "retentioneering": "retentioneering==5.2.4",
}


def wheel(package: str) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)

    def found() -> list[Path]:  # lifetimes' wheel is named Lifetimes-...
        return sorted(p for p in WORK.glob("*.whl") if p.name.lower().startswith(package))

    if not found():
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(WORK)]
        subprocess.run([*pip, WHEELS[package]], check=True)
    return found()[0]


def member(package: str, name: str) -> bytes:
    with zipfile.ZipFile(wheel(package)) as z:
        return z.read(name)


def cdnow() -> pd.DataFrame:
    raw = member("lifetimes", "lifetimes/datasets/CDNOW_master.txt").decode()
    rows = [line.split() for line in raw.splitlines()[1:] if line.strip()]  # a header line
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "cds", "amount"])
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "open_time": pd.to_datetime(frame["date"], format="%Y%m%d"),
            "total_amount": frame["amount"].astype(float),
        }
    )


def lifetimes_example() -> pd.DataFrame:
    raw = member("lifetimes", "lifetimes/datasets/example_transactions.csv").decode()
    frame = pd.read_csv(pd.io.common.StringIO(raw), dtype=str)
    return pd.DataFrame(
        {
            "customer_id": "c" + frame["id"],
            "open_time": pd.to_datetime(frame["date"]),
            "total_amount": 100.0,
        }
    )


def ecom_sessions() -> pd.DataFrame:
    raw = gzip.decompress(member("retentioneering", "retentioneering/datasets/ecom.csv.gz"))
    frame = pd.read_csv(pd.io.common.BytesIO(raw), dtype=str)
    first = frame.groupby("session_id", sort=False).agg(
        customer_id=("user_id", "first"), open_time=("timestamp", "min")
    )
    return pd.DataFrame(
        {
            "customer_id": first["customer_id"].to_numpy(),
            "open_time": pd.to_datetime(first["open_time"]).to_numpy(),
            "total_amount": 100.0,
        }
    )


# title -> (the data, backtest horizons in days, history a cutoff needs before it)
DATASETS = {
    "CDNOW (lifetimes 0.11.3, real)": (cdnow, (90, 180), churn.MIN_HISTORY_DAYS),
    "lifetimes example_transactions": (lifetimes_example, (90, 180), churn.MIN_HISTORY_DAYS),
    # 177 days: the toolkit's 120 days of features + a 60-day floor leave no backtest, so
    # this benchmark alone lets a cutoff have 90 days of history before it
    "retentioneering ecom sessions (synthetic)": (ecom_sessions, (60,), 90),
}


def export(frame: pd.DataFrame, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    out = frame.sort_values(["open_time", "customer_id"], kind="mergesort").reset_index(drop=True)
    out.insert(0, "ro_id", [f"R{i:07d}" for i in range(len(out))])
    out["open_time"] = out["open_time"].dt.strftime("%Y-%m-%d %H:%M:%S")
    out.to_csv(folder / "repair_orders.csv", index=False)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    print("threads: BLAS/OpenMP limited to 1 (threadpoolctl and the thread variables)")
    for title, (make, horizons, min_history) in DATASETS.items():
        churn.MIN_HISTORY_DAYS = min_history
        frame = make()
        folder = export(frame, WORK / title.split()[0].lower())
        dataset = fours.load(folder)
        span = (frame["open_time"].max() - frame["open_time"].min()).days
        print(
            f"\n## {title}: {frame['customer_id'].nunique():,} customers, "
            f"{len(frame):,} visits, {frame['open_time'].min().date()} to "
            f"{frame['open_time'].max().date()} ({span} days); a cutoff needs "
            f"{min_history} days of history"
        )
        for horizon in horizons:
            with one_thread():
                result = churn.analyse(dataset, config=ChurnConfig(horizon_days=horizon))
            info = result.model_info
            if not info["validated"]:
                print(f"horizon {horizon}: no backtest ({[str(n) for n in result.notes]})")
                continue
            print(
                f"\nhorizon {info['horizon_days']} days after {info['backtest_cutoff']}, "
                f"{int(result.backtest['customers'].dropna().iloc[0]):,} customers, "
                f"churn rate {float(result.backtest['churn_rate'].dropna().iloc[0]):.3f}; "
                f"chosen: {result.chosen}"
            )
            print("| scorer | ROC AUC | 95% interval |")
            print("|---|---|---|")
            for name, row in result.backtest.iterrows():
                if pd.isna(row.get("roc_auc")):
                    print(f"| {name} | - ({str(row.get('error', ''))[:60]}) | |")
                    continue
                print(
                    f"| {name} | {row['roc_auc']:.3f} | "
                    f"{row['roc_auc_low']:.3f}-{row['roc_auc_high']:.3f} |"
                )
            margin = info.get("margin_over_baseline")
            if margin:
                print(
                    f"best model {margin['model']} - best rule {margin['baseline']}: "
                    f"{margin['difference']:+.3f} (paired {margin['low']:+.3f} to "
                    f"{margin['high']:+.3f})"
                )


if __name__ == "__main__":
    main()
