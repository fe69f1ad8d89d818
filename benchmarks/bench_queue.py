"""Issue 5 benchmark: our workshop simulation against ciw 3.x on the same model.

One simulated year (52 weeks after a warm-up week) of a 30-technician workshop open 8:00-18:00
every day, about 50,000 ROs a year with weekday-morning and Saturday peaks, gamma service
(mean 1.36 h, CV 0.73), nobody on shift outside opening hours (work in hand is finished),
30 replications. Target: >= 20x faster than ciw with agreeing results (mean wait and share
waiting over 30 minutes within the two simulations' 95 % intervals). ciw runs only in its own
environment (never a dependency of the project):

    python3 -m venv benchmarks/_work/ciw_env
    benchmarks/_work/ciw_env/bin/pip install "ciw==3.2.7"

Usage: python benchmarks/bench_queue.py [--replications 30] [--ciw-replications 30]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np

from fourS_analytics.models.queueing import simulate

WORK = Path(__file__).parent / "_work"
CIW_PY = WORK / "ciw_env" / "bin" / "python"
WEEK = 168
SERVICE_MEAN, SERVICE_CV, TARGET = 1.36, 0.73, 0.5

CIW_SCRIPT = """
import json, sys, time
import numpy as np
import ciw
spec = json.loads(sys.argv[1])
rates, servers = spec["rates"], spec["servers"]
weeks, warmup, reps = spec["weeks"], spec["warmup"], spec["reps"]
shape = 1 / spec["cv"] ** 2
scale = spec["mean"] / shape
horizon = (weeks + warmup) * 168
ends, numbers = [], []
for h in range(168):  # merge equal neighbouring hours into shifts
    if numbers and numbers[-1] == servers[h]:
        ends[-1] = h + 1
    else:
        numbers.append(servers[h]); ends.append(h + 1)
waits, overs = [], []
start = time.perf_counter()
for rep in range(reps):
    ciw.seed(rep)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.PoissonIntervals(
            rates=rates, endpoints=list(range(1, 169)), max_sample_date=horizon)],
        service_distributions=[ciw.dists.Gamma(shape=shape, scale=scale)],
        number_of_servers=[ciw.Schedule(numbers_of_servers=numbers, shift_end_dates=ends)])
    q = ciw.Simulation(network)
    q.simulate_until_max_time(horizon + 48)
    w = np.array([r.waiting_time for r in q.get_all_records() if r.arrival_date >= warmup * 168])
    waits.append(float(w.mean())); overs.append(float((w > spec["target"]).mean()))
print(json.dumps({"seconds": time.perf_counter() - start, "waits": waits, "overs": overs}))
"""


def profile() -> tuple[np.ndarray, np.ndarray]:
    """Arrivals per hour of the week (~960 a week) and servers on shift."""
    weekday = [0.7, 1.8, 2.0, 1.5, 0.6, 0.5, 0.8, 0.9, 0.7, 0.4]
    saturday = [0.9, 2.6, 2.8, 1.9, 0.8, 0.6, 0.6, 0.5, 0.4, 0.3]
    sunday = [0.5, 1.2, 1.4, 1.2, 0.6, 0.6, 0.7, 0.6, 0.4, 0.2]
    rates = np.zeros(WEEK)
    servers = np.zeros(WEEK, dtype=int)
    for day in range(7):
        w = saturday if day == 5 else sunday if day == 6 else weekday
        rates[day * 24 + 8 : day * 24 + 18] = w
        servers[day * 24 + 8 : day * 24 + 18] = 30
    rates *= 960 / rates.sum()
    return rates, servers


def ci(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values)
    return float(a.mean()), float(1.96 * a.std(ddof=1) / np.sqrt(len(a)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--ciw-replications", type=int, default=30)
    args = parser.parse_args()
    rates, servers = profile()
    start = time.perf_counter()
    ours = simulate(
        rates,
        servers,
        SERVICE_MEAN,
        SERVICE_CV,
        target_wait=TARGET,
        cycles=52,
        warmup=1,
        replications=args.replications,
        seed=0,
    )
    mine = time.perf_counter() - start
    per_rep_ours = mine / args.replications
    print(f"model: {rates.sum() * 52:,.0f} ROs a year, 30 technicians, 52 weeks + 1 warm-up")
    print(
        f"ours: {args.replications} replications in {mine:.2f} s "
        f"({per_rep_ours:.3f} s each); mean wait {ours.overall_mean_wait * 60:.2f} "
        f"+- {ours.overall_mean_wait_ci * 60:.2f} min, over 30 min "
        f"{100 * ours.overall_share_over:.2f} +- {100 * ours.overall_share_over_ci:.2f} %"
    )
    if not CIW_PY.exists():
        print("ciw environment missing: see this script's docstring")
        return
    spec = {
        "rates": rates.tolist(),
        "servers": servers.tolist(),
        "weeks": 52,
        "warmup": 1,
        "reps": args.ciw_replications,
        "mean": SERVICE_MEAN,
        "cv": SERVICE_CV,
        "target": TARGET,
    }
    out = subprocess.run(
        [str(CIW_PY), "-c", CIW_SCRIPT, json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    per_rep_ciw = theirs["seconds"] / args.ciw_replications
    w, w_ci = ci(theirs["waits"])
    o, o_ci = ci(theirs["overs"])
    print(
        f"ciw 3.2.7: {args.ciw_replications} replications in {theirs['seconds']:.1f} s "
        f"({per_rep_ciw:.2f} s each); mean wait {w * 60:.2f} +- {w_ci * 60:.2f} min, over "
        f"30 min {100 * o:.2f} +- {100 * o_ci:.2f} %"
    )
    speedup = per_rep_ciw / per_rep_ours
    agree_w = abs(ours.overall_mean_wait - w) <= ours.overall_mean_wait_ci + w_ci
    agree_o = abs(ours.overall_share_over - o) <= ours.overall_share_over_ci + o_ci
    print(
        f"speed-up per replication {speedup:.1f}x (target >= 20x: "
        f"{'met' if speedup >= 20 else 'MISSED'}); results agree within the intervals: "
        f"mean wait {'yes' if agree_w else 'NO'}, share over 30 min "
        f"{'yes' if agree_o else 'NO'}"
    )


if __name__ == "__main__":
    main()
