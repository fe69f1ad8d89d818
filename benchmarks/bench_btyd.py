"""Issue 4 benchmark: our BG/NBD fit against lifetimes 0.11.3's BetaGeoFitter.

Target: >= 10x faster on the same (frequency, recency, T) summary, with the same maximised
log-likelihood to 1e-6 relative. lifetimes is unmaintained and breaks with current pandas, so
it runs only in its own environment (never a dependency of the project):

    python3 -m venv benchmarks/_work/lifetimes_env
    benchmarks/_work/lifetimes_env/bin/pip install "lifetimes==0.11.3" "pandas<2" \\
        "numpy<1.25" "scipy<1.12"

Both fits are scored with one formula (``BetaGeo.log_likelihood``), so the comparison does
not depend on how each library reports its likelihood. Summaries: the 1M-RO store of
``bench_sample.py --keep`` (days) and a CDNOW-like store simulated from the model (weeks).

Usage: python benchmarks/bench_btyd.py [--store benchmarks/_work/store_200000_5y_1s]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from fourS_analytics.models.btyd import BetaGeo, simulate_bgnbd

WORK = Path(__file__).parent / "_work"
LIFETIMES_PY = WORK / "lifetimes_env" / "bin" / "python"
LIFETIMES_SCRIPT = """
import json, sys, time, warnings
import pandas as pd
from lifetimes import BetaGeoFitter
warnings.simplefilter("ignore")
s = pd.read_csv(sys.argv[1])
best = None
for _ in range(int(sys.argv[2])):
    m = BetaGeoFitter(penalizer_coef=0.0)
    t = time.perf_counter()
    try:
        m.fit(s["frequency"], s["recency"], s["T"])
        ok, params = True, {k: float(v) for k, v in m.params_.items()}
    except Exception as exc:
        ok, params = False, {"error": f"{type(exc).__name__}: {exc}"[:200]}
    dt = time.perf_counter() - t
    best = dt if best is None else min(best, dt)
print(json.dumps({"seconds": best, "converged": ok, "params": params}))
"""


def cdnow_like(n: int = 20000, seed: int = 1) -> pd.DataFrame:
    """The CDNOW estimates of Fader, Hardie & Lee (2005), in weeks, simulated."""
    x, t_x, age = simulate_bgnbd(n, 0.243, 4.414, 0.793, 2.426, 39.0, np.random.default_rng(seed))
    return pd.DataFrame({"frequency": x, "recency": np.round(t_x, 2), "T": age})


def store_summary(store: Path) -> pd.DataFrame:
    import fourS_analytics as fours
    from fourS_analytics import customers

    base = customers.build(fours.load(store)).customers
    return pd.DataFrame(
        {"frequency": base["frequency"], "recency": base["recency"], "T": base["age"]}
    ).reset_index(drop=True)


def total_ll(params: dict[str, float], s: pd.DataFrame) -> float:
    p = np.array([params["r"], params["alpha"], params["a"], params["b"]])
    return float(
        BetaGeo.log_likelihood(
            p, s["frequency"].to_numpy(float), s["recency"].to_numpy(float), s["T"].to_numpy(float)
        ).sum()
    )


def compare(name: str, s: pd.DataFrame, repeat: int) -> None:
    path = WORK / f"btyd_summary_{name}.csv"
    s.to_csv(path, index=False)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        ours = BetaGeo().fit(s["frequency"], s["recency"], s["T"])
        times.append(time.perf_counter() - t)
    mine = min(times)
    ll_ours = total_ll(ours.summary_.params, s)
    print(
        f"[{name}] {len(s):,} customers; ours: {mine:.3f} s, LL {ll_ours:.6f}, params "
        + ", ".join(f"{k}={v:.5g}" for k, v in ours.summary_.params.items())
    )
    if not LIFETIMES_PY.exists():
        print("  lifetimes environment missing: see this script's docstring")
        return
    out = subprocess.run(
        [str(LIFETIMES_PY), "-c", LIFETIMES_SCRIPT, str(path), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    if not theirs["converged"]:
        print(
            f"  lifetimes 0.11.3: failed after {theirs['seconds']:.2f} s: "
            f"{theirs['params']['error']}"
        )
        return
    ll_theirs = total_ll(theirs["params"], s)
    rel = abs(ll_ours - ll_theirs) / abs(ll_theirs)
    speedup = theirs["seconds"] / mine
    print(
        f"  lifetimes 0.11.3: {theirs['seconds']:.3f} s, LL {ll_theirs:.6f}, params "
        + ", ".join(f"{k}={v:.5g}" for k, v in theirs["params"].items())
    )
    print(
        f"  speed-up {speedup:.1f}x (target >= 10x: {'met' if speedup >= 10 else 'MISSED'}); "
        f"LL relative difference {rel:.2e} (target <= 1e-6: "
        f"{'met' if rel <= 1e-6 else 'MISSED'}; ours higher by {ll_ours - ll_theirs:.4f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=WORK / "store_200000_5y_1s")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    compare("cdnow_like", cdnow_like(), args.repeat)
    if args.store.exists():
        compare("store_1M", store_summary(args.store), args.repeat)
    else:
        print(f"{args.store} missing: run benchmarks/bench_sample.py --keep first")


if __name__ == "__main__":
    sys.exit(main())
