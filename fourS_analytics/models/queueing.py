"""The workshop as a queue: stationary formulas, a discrete-event simulation, and staffing
that is checked hour by hour in the simulation.

- :func:`erlang_c`: M/M/c, exact, through the Erlang B recursion (stable for hundreds of
  servers); an overloaded system has P(wait) = 1 and an explicit infinite mean wait.
- :func:`allen_cunneen`: the M/G/c (G/G/c) approximation, Erlang C's wait scaled by
  (cv_arrival^2 + cv_service^2) / 2.
- :func:`servers_needed`: the fewest servers whose stationary mean wait meets a target.
- :func:`simulate`: time-varying arrivals per hour, gamma service times, servers that change
  by hour (a server taken off duty finishes its job but starts no new one, so a shift change
  never adds capacity), appointments at their slot times with no-shows; replications with
  95 % confidence intervals after a warm-up.
- :func:`staff_by_simulation`: start from the stationary answer per hour (SIPP) and add
  servers where the simulation misses the target: congestion lags arrivals by about one
  service time, so hours just after a peak need more than their own arrivals say.

Times are in hours, rates per hour. All functions are pure and vectorised where it matters.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import stdtrit  # Student's t quantile, as scipy.stats.t.ppf computes it

from ..errors import UsageError


@dataclass(frozen=True)
class QueueMetrics:
    p_wait: np.ndarray
    mean_wait: np.ndarray  # hours; inf when overloaded
    utilisation: np.ndarray  # offered load per server; above 1 means overloaded


def _erlang_b(load: np.ndarray, servers: np.ndarray) -> np.ndarray:
    """Erlang B by the recursion B(k) = a B(k-1) / (k + a B(k-1)), elementwise."""
    b = np.ones_like(load, dtype=float)
    top = int(np.max(servers)) if servers.size else 0
    out = np.ones_like(load, dtype=float)
    for k in range(1, top + 1):
        b = load * b / (k + load * b)
        out = np.where(servers == k, b, out)
    return out


def erlang_c(
    arrival_rate: np.ndarray | float, service_rate: np.ndarray | float, servers: np.ndarray | int
) -> QueueMetrics:
    """M/M/c: probability of waiting, mean wait in queue (hours), utilisation."""
    lam, mu, c = np.broadcast_arrays(
        np.asarray(arrival_rate, dtype=float),
        np.asarray(service_rate, dtype=float),
        np.asarray(servers, dtype=int),
    )
    if np.any(mu <= 0) or np.any(c < 0) or np.any(lam < 0):
        raise UsageError(
            "bad_option", option="rates", reason="rates must be positive and servers non-negative"
        )
    load = lam / mu
    stable = (c > 0) & (load < c)
    b = _erlang_b(load, np.where(stable, c, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_wait = np.where(stable, c * b / (c - load * (1 - b)), 1.0)
        mean_wait = np.where(stable, p_wait / (c * mu - lam), np.inf)
        utilisation = np.where(c > 0, load / np.maximum(c, 1), np.inf)
    p_wait = np.where(lam == 0, 0.0, p_wait)
    mean_wait = np.where(lam == 0, 0.0, mean_wait)
    return QueueMetrics(np.clip(p_wait, 0, 1), mean_wait, utilisation)


def allen_cunneen(
    arrival_rate: np.ndarray | float,
    service_rate: np.ndarray | float,
    servers: np.ndarray | int,
    cv_arrival: float | np.ndarray = 1.0,
    cv_service: float | np.ndarray = 1.0,
) -> QueueMetrics:
    """G/G/c approximation: Erlang C's mean wait x (cv_a^2 + cv_s^2) / 2."""
    base = erlang_c(arrival_rate, service_rate, servers)
    factor = (
        np.asarray(cv_arrival, dtype=float) ** 2 + np.asarray(cv_service, dtype=float) ** 2
    ) / 2
    return QueueMetrics(base.p_wait, base.mean_wait * factor, base.utilisation)


def servers_needed(
    arrival_rate: np.ndarray | float,
    service_rate: np.ndarray | float,
    target_wait: float,
    *,
    cv_arrival: float = 1.0,
    cv_service: float = 1.0,
    max_servers: int = 2000,
) -> np.ndarray:
    """Fewest servers whose stationary mean wait (Allen-Cunneen) is at most ``target_wait``
    hours; 0 where nothing arrives. Erlang B is carried up the server count once for all."""
    lam, mu = np.broadcast_arrays(
        np.asarray(arrival_rate, dtype=float), np.asarray(service_rate, dtype=float)
    )
    load = lam / mu
    factor = (cv_arrival**2 + cv_service**2) / 2
    need = np.where(lam == 0, 0, -1).astype(int)
    b = np.ones_like(load)
    for k in range(1, max_servers + 1):
        b = load * b / (k + load * b)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_wait = k * b / (k - load * (1 - b))
            wait = p_wait / (k * mu - lam) * factor
        ok = (need < 0) & (load < k) & (wait <= target_wait)
        need = np.where(ok, k, need)
        if np.all(need >= 0):
            break
    if np.any(need < 0):
        raise UsageError(
            "bad_option", option="max_servers", reason=f"more than {max_servers} servers needed"
        )
    return need


@dataclass(frozen=True)
class SimResult:
    """Per hour of the cycle (by arrival hour): mean wait and share waiting longer than the
    target, each with the mean over replications and a 95 % half-width."""

    mean_wait: np.ndarray
    mean_wait_ci: np.ndarray
    share_over: np.ndarray
    share_over_ci: np.ndarray
    arrivals: np.ndarray  # mean arrivals per cycle-hour and cycle
    overall_mean_wait: float
    overall_mean_wait_ci: float
    overall_share_over: float
    overall_share_over_ci: float
    overtime_hours: float  # mean work still running at the end of open hours, per cycle
    # per arrival hour: the share whose work started only after a closed stretch (kept
    # overnight; their waits count the open hours only)
    overnight_share: np.ndarray | None = None


def _mean_over_runs(values: np.ndarray) -> np.ndarray:
    """The mean over replications per hour, NaN where no replication had an arrival."""
    seen = np.isfinite(values)
    total = np.where(seen, values, 0.0).sum(axis=0)
    count = seen.sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _ci(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over replications and the 95 % half-width (NaN where an hour never had an
    arrival, or where there is one replication)."""
    n = values.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # hours without arrivals
        mean = np.nanmean(values, axis=0)
        if n < 2:
            return mean, np.full_like(mean, np.nan)
        sd = np.nanstd(values, axis=0, ddof=1)
    return mean, stdtrit(n - 1, 0.975) * sd / np.sqrt(n)


def _wilson_half_width(p: np.ndarray, n: np.ndarray, z: float = 1.96) -> np.ndarray:
    """Half the width of the 95 % Wilson interval of a share p observed on n customers."""
    n = np.maximum(np.asarray(n, dtype=float), 1.0)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return np.abs(centre - p) + half


MAX_DRAIN_CYCLES = 3  # cycles after the simulated span in which the queue left is served


def _one_run(
    rng: np.random.Generator,
    rates: np.ndarray,
    servers: np.ndarray,
    service_mean: float,
    service_cv: float,
    cycles: int,
    warmup: int,
    slots: np.ndarray,
    no_show: float,
    target: float,
    open_hours: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]:
    period = len(rates)
    total = cycles + warmup
    hours = np.arange(total * period)
    counts = rng.poisson(np.tile(rates, total))
    arrive = np.repeat(hours, counts) + rng.random(int(counts.sum()))
    if len(slots):  # appointments: each cycle, at their slot times, unless a no-show
        base = (np.arange(total)[:, None] * period + slots[None, :]).ravel()
        kept = base[rng.random(len(base)) >= no_show]
        arrive = np.concatenate([arrive, kept + rng.uniform(0, 0.1, len(kept))])
    arrive.sort()
    shape = 1 / service_cv**2 if service_cv > 0 else np.inf
    service = (
        rng.gamma(shape, service_mean / shape, len(arrive))
        if service_cv > 0
        else np.full(len(arrive), service_mean)
    )
    # capacity events only where the number on shift changes (and after each closing hour,
    # where the work still running is overtime)
    cap_all = np.tile(servers, total)
    closes = open_hours & ~np.roll(open_hours, -1)
    after_close = np.flatnonzero(np.tile(closes, total)) + 1
    changes = np.flatnonzero(np.r_[True, cap_all[1:] != cap_all[:-1]])
    event_hours = np.union1d(changes, after_close[after_close < len(cap_all)])
    from ._serve import serve  # Numba: imported when a simulation first runs

    overtime_at = np.zeros(total * period + 1, dtype=bool)  # the hours after a closing hour
    overtime_at[after_close[after_close >= warmup * period]] = True
    start_arr, overtime, drained = serve(
        arrive,
        service,
        event_hours.astype(float),
        cap_all[event_hours].astype(np.int64),
        overtime_at,
        servers.astype(np.int64),
        total,
        MAX_DRAIN_CYCLES,
    )
    keep = arrive >= warmup * period
    # DOMAIN's edge rule: a wait is counted in open hours only (the night a car stands in
    # the yard is not waiting); a car whose work starts after a closed stretch is counted
    # apart, as kept overnight
    open_all = np.tile(open_hours, total + drained + 1).astype(float)
    cum_open = np.r_[0.0, np.cumsum(open_all)]

    def open_time(t: np.ndarray) -> np.ndarray:
        whole = np.clip(np.floor(t).astype(int), 0, len(open_all) - 1)
        return cum_open[whole] + (t - whole) * open_all[whole]

    served_at = np.where(np.isnan(start_arr), arrive, start_arr)
    open_wait = open_time(served_at) - open_time(arrive)
    overnight_all = (served_at - arrive) - open_wait > 1e-9  # some closed time crossed
    wait = np.where(np.isnan(start_arr), np.inf, open_wait)[keep]
    overnight = overnight_all[keep] & np.isfinite(wait)
    hour = (np.floor(arrive[keep]).astype(int)) % period
    n = np.bincount(hour, minlength=period).astype(float)
    # never served even after the drain (a roster with nobody on it): left out of the mean,
    # counted over the target
    served = np.isfinite(wait)
    n_served = np.bincount(hour, served.astype(float), minlength=period)
    mean_wait = np.bincount(hour, np.where(served, wait, 0.0), minlength=period) / np.maximum(
        n_served, 1
    )
    over = np.bincount(hour, (wait > target).astype(float), minlength=period) / np.maximum(n, 1)
    mean_wait[n_served == 0] = np.nan
    over[n == 0] = np.nan
    kept = np.bincount(hour, overnight.astype(float), minlength=period) / np.maximum(n, 1)
    kept[n == 0] = np.nan
    return mean_wait, over, n / cycles, overtime / cycles, kept


def simulate(
    arrival_rates: np.ndarray,
    servers: np.ndarray,
    service_mean: float,
    service_cv: float = 1.0,
    *,
    target_wait: float = 0.5,
    cycles: int = 20,
    warmup: int = 2,
    replications: int = 10,
    seed: int = 0,
    slots: np.ndarray | None = None,
    no_show: float = 0.0,
    open_hours: np.ndarray | None = None,
) -> SimResult:
    """Simulate a cycle of hours (168 for a week) ``cycles`` times after ``warmup`` cycles,
    ``replications`` times. ``arrival_rates`` and ``servers`` give one value per hour of the
    cycle; ``slots`` are appointment times within the cycle (hours, fractional)."""
    rates = np.asarray(arrival_rates, dtype=float)
    staff = np.asarray(servers, dtype=int)
    if rates.shape != staff.shape:
        raise UsageError(
            "bad_option",
            option="arrival_rates",
            reason="arrival_rates and servers need one value per hour of the cycle",
        )
    if np.any(staff < 0) or np.any(rates < 0):
        raise UsageError(
            "bad_option", option="arrival_rates", reason="rates and servers must not be negative"
        )
    slots_arr = np.asarray(slots if slots is not None else [], dtype=float)
    open_arr = np.asarray(open_hours, dtype=bool) if open_hours is not None else staff > 0
    rng = np.random.default_rng(seed)
    runs = [
        _one_run(
            rng,
            rates,
            staff,
            service_mean,
            service_cv,
            cycles,
            warmup,
            slots_arr,
            no_show,
            target_wait,
            open_arr,
        )
        for _ in range(replications)
    ]
    waits = np.array([r[0] for r in runs])
    overs = np.array([r[1] for r in runs])
    counts = np.array([r[2] for r in runs])
    weights = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    overall_wait = np.nansum(np.nan_to_num(waits) * weights, axis=1)
    overall_over = np.nansum(np.nan_to_num(overs) * weights, axis=1)
    mw, mw_ci = _ci(waits)
    so, so_ci = _ci(overs)
    # a share near 0 or 1 has a degenerate spread across replications: its interval is at
    # least the Wilson interval of the customers simulated in that hour
    n_total = counts.sum(axis=0) * cycles
    so_ci = np.fmax(so_ci, _wilson_half_width(np.nan_to_num(so), n_total))
    ow, ow_ci = _ci(overall_wait[:, None])
    oo, oo_ci = _ci(overall_over[:, None])
    return SimResult(
        mw,
        mw_ci,
        so,
        so_ci,
        counts.mean(axis=0),
        float(ow[0]),
        float(ow_ci[0]),
        float(oo[0]),
        float(oo_ci[0]),
        float(np.mean([r[3] for r in runs])),
        _mean_over_runs(np.array([r[4] for r in runs])),
    )


def staff_by_simulation(
    arrival_rates: np.ndarray,
    service_mean: float,
    service_cv: float = 1.0,
    *,
    target_wait: float = 0.5,
    cycles: int = 20,
    replications: int = 5,
    seed: int = 0,
    max_rounds: int = 40,
    minimum: np.ndarray | None = None,
) -> tuple[np.ndarray, SimResult]:
    """Servers per hour that meet the mean-wait target in every hour *of the simulation*.

    Start from a lagged stationary answer (each hour staffed for the mean arrival rate over
    the last service time: the queue answers to recent load, not to the instant); then add a
    server in each hour that misses and in the hour before it (congestion lags arrivals)
    until none misses; then take servers away where the simulation shows slack, keeping
    every hour within the target with 95 % confidence. ``minimum`` (per hour) is a floor,
    e.g. today's staffing when asking about growth."""
    rates = np.asarray(arrival_rates, dtype=float)
    lag = max(1, int(np.ceil(service_mean)))
    lagged = np.mean([np.roll(rates, k) for k in range(lag)], axis=0)
    lagged = np.where(rates > 0, lagged, 0.0)
    staff = servers_needed(lagged, 1 / service_mean, target_wait, cv_service=service_cv)
    staff = np.where(rates > 0, np.maximum(staff, 1), staff)
    floor = np.where(rates > 0, 1, 0)
    if minimum is not None:
        floor = np.maximum(floor, np.asarray(minimum, dtype=int))
        staff = np.maximum(staff, floor)

    def run(s: np.ndarray) -> SimResult:
        return simulate(
            rates,
            s,
            service_mean,
            service_cv,
            target_wait=target_wait,
            cycles=cycles,
            replications=replications,
            seed=seed,
        )

    def misses(r: SimResult) -> np.ndarray:
        return np.nan_to_num(r.mean_wait, nan=0.0) > target_wait

    def unsure(r: SimResult) -> np.ndarray:  # the target is not met with 95 % confidence
        return np.nan_to_num(r.mean_wait + np.nan_to_num(r.mean_wait_ci), nan=0.0) > target_wait

    result = run(staff)
    for _ in range(max_rounds):  # add where it misses
        miss = misses(result)
        if not miss.any():
            break
        staff = staff + miss + np.roll(miss, -1)
        result = run(staff)
    if misses(result).any():
        return staff, result
    locked = np.zeros(len(staff), dtype=bool)
    for _ in range(max_rounds):  # take away where there is slack
        wait = np.nan_to_num(result.mean_wait, nan=0.0)
        slack = (wait < target_wait / 2) & (staff > floor) & ~locked
        if not slack.any():
            break
        step = np.where(wait < target_wait / 8, np.maximum(1, staff // 10), 1)
        trial = np.where(slack, np.maximum(staff - step, floor), staff)
        trial_result = run(trial)
        miss = unsure(trial_result)
        if not miss.any():
            staff, result = trial, trial_result
            continue
        # revert the cuts in and just before the hours that now miss, and lock them
        culprits = miss | np.roll(miss, -1) | np.roll(miss, -2)
        keep_cut = slack & ~culprits
        locked |= slack & culprits
        if not keep_cut.any():
            continue
        trial = np.where(keep_cut, trial, staff)
        trial_result = run(trial)
        if not unsure(trial_result).any():
            staff, result = trial, trial_result
        else:
            locked |= keep_cut
    return staff, result
