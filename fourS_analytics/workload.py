"""Workshop load, waits and staffing, and an appointment plan that levels the peaks.

Pure: a Dataset in, a :class:`WorkloadResult` out. The queue engine (Erlang C,
Allen-Cunneen, the staffing search and the simulation) lives in :mod:`.queueing` and is
re-exported here as the public API of ``fourS_analytics.workload``.

The mechanical workshop is modelled (maintenance, first service, repair, warranty, internal,
wash); body and paint work runs for days in its own shop. Hours of the week are numbered
0-167 from Monday 00:00.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .config import WorkloadConfig
from .dataset import Dataset
from .errors import InputError
from .i18n import Message
from .kpi import output_per_head
from .models.queueing import (
    QueueMetrics,
    SimResult,
    allen_cunneen,
    erlang_c,
    servers_needed,
    simulate,
    staff_by_simulation,
)

__all__ = [
    "QueueMetrics",
    "SimResult",
    "WorkloadConfig",
    "WorkloadResult",
    "allen_cunneen",
    "analyse",
    "erlang_c",
    "servers_needed",
    "simulate",
    "staff_by_simulation",
]

MECHANICAL = ("maintenance", "first_service", "repair", "warranty", "internal", "wash")
HOURS = 168


@dataclass
class WorkloadResult:
    by_hour: pd.DataFrame  # 168 rows: demand, capacity, load, waits before and after the plan
    work_content: pd.DataFrame  # per RO type: mean, CV, fitted distribution
    plan: pd.DataFrame  # appointment slots per weekday x hour, before and after
    plan_summary: dict[str, float]  # simulated before/after: mean wait, share over, ...
    staffing: pd.DataFrame  # per hour: technicians needed today and with growth
    staffing_by_shift: pd.DataFrame  # per weekday and shift: the most needed in any hour
    staffing_options: pd.DataFrame  # +-k technicians: waits and output per head
    monthly: pd.DataFrame  # ROs per month and seasonality index
    growth: pd.DataFrame  # ROs per year and growth
    capacity_board: pd.DataFrame | None
    period: tuple[pd.Timestamp, pd.Timestamp]
    excluded: dict[str, int]  # rows left out, by reason
    notes: list[Message] = field(default_factory=list)


def _hour_of_week(times: pd.Series) -> np.ndarray:
    return (times.dt.day_of_week * 24 + times.dt.hour).to_numpy()


def _clean(ros: pd.DataFrame, config: WorkloadConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    """Mechanical ROs with usable times; rows left out are counted by reason."""
    excluded: dict[str, int] = {}
    mech = ros[ros["ro_type"].isin(MECHANICAL) | ros["ro_type"].isna()].copy()
    excluded["body_and_paint"] = len(ros) - len(mech)
    t = mech["open_time"]
    dates_only = (t.dt.hour == 0) & (t.dt.minute == 0)
    if dates_only.mean() > 0.5:
        raise InputError("workload_no_times", share=f"{100 * dates_only.mean():.0f}")
    excluded["no_time_of_day"] = int(dates_only.sum())
    mech = mech[~dates_only]
    end = mech["completed_time"]
    duration = (end - mech["open_time"]).dt.total_seconds() / 3600
    backwards = duration < 0
    too_long = duration > config.max_duration_hours
    excluded["completed_before_opened"] = int(backwards.sum())
    excluded["stay_too_long"] = int(too_long.sum())
    mech = mech.assign(duration_h=duration.where(~backwards & ~too_long))
    return mech, excluded


def _work_content(mech: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    from scipy import stats as sps  # here, not at import: scipy.stats costs a command ~1 s

    hours = mech["labor_hours"].where(mech["labor_hours"] > 0)
    service = hours.fillna(mech["duration_h"]).clip(0.1, 24)
    rows = []
    for ro_type, values in service.groupby(mech["ro_type"].astype(str)):
        v = values.dropna().to_numpy()
        if len(v) < 5:
            continue
        row: dict[str, Any] = {
            "ro_type": ro_type,
            "ros": len(v),
            "mean_hours": v.mean(),
            "cv": v.std() / v.mean(),
            "fitted": "constant",
        }
        if np.unique(v).size > 2:  # a fit needs spread
            try:
                shape, _, scale = sps.gamma.fit(v, floc=0)
                sigma, _, sc = sps.lognorm.fit(v, floc=0)
                aic_gamma = 4 - 2 * sps.gamma.logpdf(v, shape, 0, scale).sum()
                aic_lognorm = 4 - 2 * sps.lognorm.logpdf(v, sigma, 0, sc).sum()
                row.update(
                    {
                        "fitted": "gamma" if aic_gamma <= aic_lognorm else "lognormal",
                        "gamma_shape": shape,
                        "gamma_scale": scale,
                        "lognormal_sigma": sigma,
                        "lognormal_scale": sc,
                    }
                )
            except (ValueError, RuntimeError, FloatingPointError):
                row["fitted"] = "none"
        rows.append(row)
    return pd.DataFrame(rows), service.dropna().to_numpy()


def _technicians(
    mech: pd.DataFrame,
    config: WorkloadConfig,
    end: pd.Timestamp,
    roster: pd.DataFrame | None = None,
) -> np.ndarray:
    """Technicians on shift per hour of the week: ``--technicians``, else those seen at work
    in the last 8 weeks the exports cover (median per weekday); a staff list with nobody on
    it is an error."""
    open_mask = config.open_mask
    if config.technicians is not None:
        per_day = np.full(7, float(config.technicians))
    elif (
        roster is not None
        and len(roster)
        and not (
            (roster["role"].astype(str) == "technician")
            & (roster["hire_date"].isna() | (roster["hire_date"] <= end))
            & (roster["leave_date"].isna() | (roster["leave_date"] > end))
        ).any()
    ):
        raise InputError("workload_nobody_on_shift")
    else:
        # the last 8 weeks the exports cover: a quarter's export analysed for its year has
        # its technicians in March, not in the empty weeks before December
        last = min(end, mech["open_time"].max()) if len(mech) else end
        recent = mech[mech["open_time"] > last - pd.Timedelta(weeks=8)]
        if recent["technician"].notna().sum() == 0:
            raise InputError("workload_no_roster")
        daily = recent.groupby(recent["open_time"].dt.normalize())["technician"].nunique()
        per_day = (
            daily.groupby(pd.DatetimeIndex(daily.index).day_of_week)
            .median()
            .reindex(range(7))
            .fillna(daily.median())
            .to_numpy()
        )
    servers = np.repeat(np.round(per_day).astype(int), 24)
    if config.bays is not None:
        servers = np.minimum(servers, config.bays)
    servers = np.where(open_mask, servers, 0)
    if servers[open_mask].min() < 1:
        raise InputError("workload_nobody_on_shift")
    return servers


def _worse(after: SimResult, before: SimResult) -> np.ndarray:
    """Hours where the share waiting longer than the target rose by more than the two
    simulations' 95 % intervals. The plan is judged in its own objective: an hour whose wait
    goes from 0.2 to 2 minutes is not worse for a customer with a 30-minute target, though
    its mean wait rose beyond an interval that is nearly zero."""
    rise = np.nan_to_num(after.share_over) - np.nan_to_num(before.share_over)
    return rise > np.nan_to_num(after.share_over_ci) + np.nan_to_num(before.share_over_ci)


def hourly_limits(
    servers: np.ndarray,
    service: float,
    cv: float,
    target: float,
    goal: float = 0.05,
    utilisation: float = 0.85,
) -> np.ndarray:
    """Per hour, the most arrivals a week-hour can take with P(wait > target) <= ``goal``
    (Erlang C with an Allen-Cunneen-scaled exponential tail) and utilisation <= the target."""
    c = np.asarray(servers, dtype=float)
    low = np.zeros_like(c)
    high = np.where(c > 0, utilisation * c / service, 0.0)
    for _ in range(40):  # bisection, all hours at once
        mid = (low + high) / 2
        m = allen_cunneen(mid, 1 / service, np.maximum(c, 1).astype(int), 1.0, cv)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = np.where(
                m.p_wait > 0,
                m.p_wait * np.exp(-target * m.p_wait / np.maximum(m.mean_wait, 1e-12)),
                0.0,
            )
        fine = tail <= goal
        low = np.where(fine, mid, low)
        high = np.where(fine, high, mid)
    return np.where(c > 0, low, 0.0)


def level_demand(
    walk: np.ndarray,
    appt: np.ndarray,
    servers: np.ndarray,
    service: float,
    cv: float,
    config: WorkloadConfig,
    limits: np.ndarray | None = None,
    receive_goal: float = 0.03,
) -> np.ndarray:
    """One water-filling pass: the schedulable part (appointments and a share of walk-ins)
    of each hour's arrivals above its limit moves to the nearest open hours with room, on the
    same day or the next, never into the two hours after it (its queue lingers there) nor
    into the last hours before closing (the work would run past it). Returns the arrivals
    moved per week as a (from, to) matrix."""
    open_mask = config.open_mask
    target = config.target_wait_minutes / 60
    if limits is None:
        limits = hourly_limits(servers, service, cv, target, utilisation=config.target_utilisation)
    # an hour takes moved demand only up to a stricter limit (1 % waiting too long), so that
    # filling it creates no new queue; it gives demand away down to its own limit (5 %)
    receive = np.minimum(
        limits,
        hourly_limits(
            servers, service, cv, target, goal=receive_goal, utilisation=config.target_utilisation
        ),
    )
    rate = np.where(open_mask, walk + appt, 0.0)
    movable = np.where(open_mask, appt + config.schedulable_walk_in_share * walk, 0.0)
    late = (np.arange(HOURS) % 24) >= config.close_hour - int(np.ceil(service))
    moved = np.zeros((HOURS, HOURS))
    room = np.where(open_mask & ~late, np.maximum(receive - rate, 0.0), 0.0)
    excess = np.minimum(np.maximum(rate - limits, 0.0), movable)
    for h in np.argsort(-excess):
        if excess[h] <= 1e-9:
            break
        day = h // 24
        span = np.arange(day * 24, min((day + 2) * 24, HOURS))
        span = span[(span < h - 1) | (span > h + 2)]
        for r in span[np.argsort(np.abs(span - h), kind="stable")]:
            if excess[h] <= 1e-9:
                break
            amount = min(excess[h], room[r])
            if amount <= 1e-9:
                continue
            moved[h, r] += amount
            excess[h] -= amount
            room[r] -= amount
    return moved


def greedy_moves(
    walk: np.ndarray,
    appt: np.ndarray,
    servers: np.ndarray,
    service: float,
    cv: float,
    config: WorkloadConfig,
    rounds: int = 24,
    step: float = 0.25,
) -> np.ndarray:
    """A second way to level: move schedulable demand out of the hours (and the hour before
    each) where a quick simulation shows customers waiting too long, into the least pressed
    open hours of the same or next day that stay under the target utilisation."""
    open_mask = config.open_mask
    rate = np.where(open_mask, walk + appt, 0.0)
    movable = np.where(open_mask, appt + config.schedulable_walk_in_share * walk, 0.0)
    moved = np.zeros((HOURS, HOURS))
    capacity = np.where(servers > 0, servers, 0) / service
    target = config.target_wait_minutes / 60
    day_of = np.arange(HOURS) // 24
    late = (np.arange(HOURS) % 24) >= config.close_hour - int(np.ceil(service))
    for i in range(rounds):
        res = simulate(
            rate,
            servers,
            service,
            cv,
            target_wait=target,
            cycles=config.weeks_simulated,
            replications=3,
            seed=config.seed + 1000 + i,
            open_hours=open_mask,
        )
        pressure = np.nan_to_num(res.share_over, nan=0.0)
        hot = np.flatnonzero(open_mask & (pressure > 0.05))
        if not len(hot):
            break
        donors: set[int] = set()
        for h in hot[np.argsort(-pressure[hot])][:8]:
            donors.update(int(x) for x in (h, h - 1) if x >= 0 and open_mask[x])
        changed = False
        for h in sorted(donors, key=lambda x: -pressure[x]):
            amount = min(movable[h], step * rate[h])
            if amount <= 1e-9:
                continue
            ok = open_mask & ~late & (day_of >= day_of[h]) & (day_of <= day_of[h] + 1)
            ok &= (rate + amount) <= config.target_utilisation * capacity
            ok &= pressure < pressure[h] / 2
            ok[max(h - 1, 0) : h + 3] = False
            candidates = np.flatnonzero(ok)
            if not len(candidates):
                continue
            load = rate[candidates] / np.maximum(capacity[candidates], 1e-9)
            r = candidates[np.argmin(pressure[candidates] + load)]
            rate[h] -= amount
            rate[r] += amount
            movable[h] -= amount
            moved[h, r] += amount
            changed = True
        if not changed:
            break
    return moved


def _verified_plan(
    make,
    sim_rates: np.ndarray,
    servers: np.ndarray,
    service: float,  # type: ignore[no-untyped-def]
    cv: float,
    before: SimResult,
    kw: dict[str, Any],
    open_mask: np.ndarray,
) -> tuple[np.ndarray, SimResult] | None:
    """A plan from ``make(limits)``, checked in the simulation; hours that got worse get less
    until none does (None if that never happens)."""
    limits = None
    for _ in range(8):
        moved = make(limits)
        after = simulate(
            sim_rates - moved.sum(axis=1) + moved.sum(axis=0), servers, service, cv, **kw
        )
        worse = _worse(after, before) & open_mask
        if not worse.any():
            return moved, after
        if limits is None:
            limits = np.full(HOURS, np.inf)
        arrivals_now = sim_rates - moved.sum(axis=1) + moved.sum(axis=0)
        limits = np.where(worse, np.minimum(limits, arrivals_now * 0.9), limits)
    return None


def analyse(
    dataset: Dataset,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    config: WorkloadConfig | None = None,
    week: object | None = None,
) -> WorkloadResult:
    config = config or WorkloadConfig()
    ros = dataset.repair_orders
    if ros.empty:
        raise InputError("workload_no_times", share="100")
    # whole days: from the first day's start to the last day's end (default: the 365 days
    # up to the last repair order)
    stop = (pd.Timestamp(end) if end is not None else ros["open_time"].max()).normalize()
    first = pd.Timestamp(start).normalize() if start is not None else stop - pd.Timedelta(days=364)
    in_period = ros[(ros["open_time"] >= first) & (ros["open_time"] < stop + pd.Timedelta(days=1))]
    mech, excluded = _clean(in_period, config)
    if len(mech) < 50:
        raise InputError("workload_too_little", n=len(mech))
    notes: list[Message] = []
    # per-week figures over the weeks the exports cover, not the whole span asked: a
    # four-month export is not divided by 52 weeks
    covered_from = max(first, ros["open_time"].min().normalize())
    covered_to = min(stop, ros["open_time"].max().normalize())
    if covered_from > first + pd.Timedelta(days=7) or covered_to < stop - pd.Timedelta(days=7):
        notes.append(
            Message(
                "wl_note_covered",
                {
                    "start": f"{covered_from:%Y-%m-%d}",
                    "end": f"{covered_to:%Y-%m-%d}",
                    "weeks": f"{((covered_to - covered_from).days + 1) / 7:.0f}",
                },
            )
        )
    weeks = max(((covered_to - covered_from).days + 1) / 7, 1.0)
    content, service_hours = _work_content(mech)
    service = float(service_hours.mean())
    cv = float(service_hours.std() / service)
    servers = _technicians(mech, config, stop, dataset.tables.get("staff"))
    open_mask = config.open_mask

    how = _hour_of_week(mech["open_time"])
    appt_flag = mech["is_appointment"].fillna(False).to_numpy(dtype=bool)
    arrivals = np.bincount(how, minlength=HOURS) / weeks
    appt = np.bincount(how, appt_flag.astype(float), minlength=HOURS) / weeks
    walk = arrivals - appt
    outside = arrivals[~open_mask].sum()
    if outside > 0:
        notes.append(Message("wl_note_outside", {"n": f"{outside * weeks:.0f}"}))
    week_index = ((mech["open_time"] - first).dt.days // 7).to_numpy()
    spread = pd.crosstab(week_index, how).reindex(columns=range(HOURS), fill_value=0).std()
    target_h = config.target_wait_minutes / 60
    sim_rates = np.where(open_mask, arrivals, 0.0)
    kw: dict[str, Any] = {
        "target_wait": target_h,
        "cycles": config.weeks_simulated,
        "replications": config.replications,
        "seed": config.seed,
        "open_hours": open_mask,
    }
    before = simulate(sim_rates, servers, service, cv, **kw)

    # ---- the plan: level by simulation, then verify hour by hour with full replications
    base_limits = hourly_limits(
        servers, service, cv, target_h, utilisation=config.target_utilisation
    )

    def water(goal: float):  # type: ignore[no-untyped-def]
        def make(cap: np.ndarray | None) -> np.ndarray:
            limits = base_limits if cap is None else np.minimum(base_limits, cap)
            return level_demand(
                walk, appt, servers, service, cv, replace(config), limits, receive_goal=goal
            )

        return make

    def greedy(cap: np.ndarray | None) -> np.ndarray:
        moved = greedy_moves(walk, appt, servers, service, cv, config)
        if cap is not None:  # trim what goes into the hours that got worse
            into = moved.sum(axis=0)
            room = np.where(
                np.isfinite(cap), np.maximum(cap - (sim_rates - moved.sum(axis=1)), 0), np.inf
            )
            scale = np.where(into > 0, np.minimum(1.0, room / np.maximum(into, 1e-12)), 1.0)
            moved = moved * scale[None, :]
        return moved

    plans = [
        p
        for p in (
            _verified_plan(f, sim_rates, servers, service, cv, before, kw, open_mask)
            for f in (water(0.03), water(0.05), greedy)
        )
        if p is not None
    ]
    if plans:
        moved, after = min(plans, key=lambda p: p[1].overall_share_over)
        after_rates = sim_rates - moved.sum(axis=1) + moved.sum(axis=0)
    else:  # no plan that harms no hour: say so, change nothing
        moved = np.zeros((HOURS, HOURS))
        after_rates, after = sim_rates, before
        notes.append(Message("wl_note_no_plan"))
    planned_appt = (
        np.where(open_mask, appt, 0)
        - np.minimum(moved.sum(axis=1), np.where(open_mask, appt, 0))
        + moved.sum(axis=0)
    )

    # ---- observed waits and occupancy
    work = mech["labor_hours"].fillna(0.0)
    wait_obs = (mech["duration_h"] - work).clip(lower=0)
    obs_wait = pd.Series(wait_obs.to_numpy()).groupby(how).mean().reindex(range(HOURS))
    on_time = (mech["delivered_time"] <= mech["promised_time"])[
        mech["promised_time"].notna() & mech["delivered_time"].notna()
    ]
    stay = mech["duration_h"].fillna(0).clip(0, 24).to_numpy()
    n_hours = np.ceil(stay).astype(int)
    start_hours = (
        np.repeat(how, n_hours) + np.concatenate([np.arange(k) for k in n_hours])
        if n_hours.sum()
        else np.array([], dtype=int)
    )
    occupancy = np.bincount(start_hours % HOURS, minlength=HOURS) / weeks

    utilisation = np.where(servers > 0, arrivals * service / np.maximum(servers, 1), np.nan)
    by_hour = pd.DataFrame(
        {
            "weekday": np.arange(HOURS) // 24,
            "hour": np.arange(HOURS) % 24,
            "open": open_mask,
            "arrivals": arrivals,
            "arrivals_sd": spread.to_numpy(),
            "appointments": appt,
            "walk_ins": walk,
            "technicians": servers,
            "tech_hours_demanded": arrivals * service,
            "utilisation": utilisation,
            "vehicles_in_workshop": occupancy,
            "observed_wait_h": obs_wait.to_numpy(),
            "modelled_wait_h": before.mean_wait,
            "modelled_wait_ci": before.mean_wait_ci,
            "share_over_target": before.share_over,
            "share_over_ci": before.share_over_ci,
            # waits are in open hours; these cars' work started only after a closed stretch
            "kept_overnight_share": before.overnight_share,
            "planned_arrivals": np.where(open_mask, after_rates, np.nan),
            "planned_utilisation": np.where(
                servers > 0, after_rates * service / np.maximum(servers, 1), np.nan
            ),
            "planned_wait_h": after.mean_wait,
            "planned_wait_ci": after.mean_wait_ci,
            "planned_share_over_target": after.share_over,
            "planned_share_over_ci": after.share_over_ci,
        }
    )
    plan = by_hour.loc[open_mask, ["weekday", "hour", "appointments", "walk_ins"]].copy()
    plan["appointment_slots"] = np.round(planned_appt[open_mask], 1)
    plan["walk_in_reserve"] = np.round(
        np.maximum(
            config.target_utilisation * servers[open_mask] / service - planned_appt[open_mask], 0
        ),
        1,
    )
    # what the plan leaves free below the target utilisation: where booked reminder calls
    # (the service_due list) can go without making an hour worse
    plan["spare_capacity"] = np.round(
        np.maximum(
            config.target_utilisation * servers[open_mask] / service - after_rates[open_mask], 0
        ),
        2,
    )
    summary = {
        "mean_wait_before_h": before.overall_mean_wait,
        "mean_wait_after_h": after.overall_mean_wait,
        "share_over_before": before.overall_share_over,
        "share_over_after": after.overall_share_over,
        "share_over_before_ci": before.overall_share_over_ci,
        "share_over_after_ci": after.overall_share_over_ci,
        "worst_hour_wait_before_h": float(np.nanmax(before.mean_wait)),
        "worst_hour_wait_after_h": float(np.nanmax(after.mean_wait)),
        "overtime_before_h": before.overtime_hours,
        "overtime_after_h": after.overtime_hours,
        "moved_per_week": float(moved.sum()),
        "arrivals_per_week": float(sim_rates.sum()),
        "target_wait_h": target_h,
        # cars a week whose work starts only after a closed stretch (waits count open hours)
        "kept_overnight_per_week": float(
            np.nansum(before.arrivals * np.nan_to_num(before.overnight_share))
        )
        if before.overnight_share is not None
        else 0.0,
        "on_time_delivery": float(on_time.mean()) if len(on_time) else float("nan"),
        "service_mean_h": service,
        "service_cv": cv,
    }

    # ---- staffing
    reps = max(3, config.replications // 2)

    def staff_for(rates: np.ndarray, minimum: np.ndarray | None = None) -> np.ndarray:
        """Technicians per hour that meet the wait target in the simulation of ``rates``."""
        staff, _ = staff_by_simulation(
            rates,
            service,
            cv,
            target_wait=target_h,
            cycles=config.weeks_simulated,
            replications=reps,
            seed=config.seed,
            minimum=minimum,
        )
        return staff

    needed = staff_for(sim_rates)
    grown = staff_for(sim_rates * (1 + config.growth), needed if config.growth >= 0 else None)
    # the plan first, then what staffing closes the rest: technicians needed for next year's
    # demand once the appointment plan has moved what it can
    with_plan = staff_for(after_rates * (1 + config.growth))
    staffing = pd.DataFrame(
        {
            "weekday": np.arange(HOURS) // 24,
            "hour": np.arange(HOURS) % 24,
            "technicians_now": servers,
            "needed_today": needed,
            "needed_with_growth": grown,
            "needed_with_plan_and_growth": with_plan,
        }
    )[open_mask].reset_index(drop=True)
    shifts = staffing.assign(
        shift=np.where(staffing["hour"] < config.shift_change_hour, "morning", "afternoon")
    )
    by_shift = (
        shifts.groupby(["weekday", "shift"], sort=False)[
            ["technicians_now", "needed_today", "needed_with_growth", "needed_with_plan_and_growth"]
        ]
        .max()
        .reset_index()
    )
    heads = float(servers[open_mask].mean())
    # 人均产值 as `fours kpi` has it for the same days; k more technicians share the same
    # revenue among (headcount + k)
    per_head = output_per_head(dataset, covered_from, covered_to).value
    months = max(((covered_to - covered_from).days + 1) / 30.4375, 1.0)
    revenue_month = float(in_period["total_amount"].sum()) / months
    headcount = revenue_month / per_head if per_head else heads
    options = []
    for k in (-2, -1, 0, 1, 2):
        staff_k = np.where(open_mask, np.maximum(servers + k, 1), 0)
        r = simulate(sim_rates, staff_k, service, cv, **kw) if k else before
        options.append(
            {
                "change": k,
                "technicians": heads + k,
                "mean_wait_h": r.overall_mean_wait,
                "share_over_target": r.overall_share_over,
                "output_per_head_month": (
                    per_head * headcount / max(headcount + k, 1)
                    if per_head
                    else revenue_month / max(heads + k, 1)
                ),
            }
        )
    options_frame = pd.DataFrame(options)

    ro_month = ros.groupby(ros["open_time"].dt.to_period("M")).size()
    monthly = pd.DataFrame({"ros": ro_month, "seasonality": ro_month / ro_month.mean()})
    per_year = ros.groupby(ros["open_time"].dt.year).size()
    growth = pd.DataFrame({"ros": per_year, "growth": per_year.pct_change()})
    board = (
        _capacity_board(dataset, pd.Timestamp(week), servers, service, config)  # type: ignore[arg-type]
        if week is not None
        else None
    )
    return WorkloadResult(
        by_hour,
        content,
        plan.reset_index(drop=True),
        summary,
        staffing,
        by_shift,
        options_frame,
        monthly.reset_index(names="month"),
        growth.reset_index(names="year"),
        board,
        (first, stop),
        excluded,
        notes,
    )


@dataclass
class Booking:
    """Booked visits a week spread over the plan's spare capacity (see
    :func:`book_into_quiet_hours`)."""

    hours: pd.DataFrame  # weekday, hour, spare_capacity, booked: the hours that take any
    room_per_week: float  # the plan's spare capacity in all
    unplaced_per_week: float  # what does not fit


def book_into_quiet_hours(plan: pd.DataFrame, visits_per_week: float) -> Booking:
    """Spread ``visits_per_week`` booked visits (the service_due list's calls) over the
    appointment plan's spare capacity: each open hour takes a share in proportion to its spare
    capacity and never more than it has, so no hour goes beyond the target utilisation."""
    spare = plan["spare_capacity"].to_numpy(dtype=float)
    room = float(spare.sum())
    placed = spare * min(1.0, visits_per_week / room) if room > 0 else np.zeros_like(spare)
    hours = plan[["weekday", "hour"]].assign(spare_capacity=spare, booked=placed)
    hours = hours[hours["booked"] > 0].sort_values(
        ["booked", "weekday", "hour"], ascending=[False, True, True], kind="stable"
    )
    return Booking(
        hours.reset_index(drop=True), room, max(visits_per_week - float(placed.sum()), 0.0)
    )


def _capacity_board(
    dataset: Dataset,
    week: str | pd.Timestamp,
    servers: np.ndarray,
    service: float,
    config: WorkloadConfig,
) -> pd.DataFrame:
    """For a coming week: booked appointments' hours against capacity per open hour, and
    the free hours an advisor can still promise."""
    monday = pd.Timestamp(week).normalize()
    monday -= pd.Timedelta(days=monday.day_of_week)
    appts = dataset.tables.get("appointments")
    slots = pd.date_range(monday, monday + pd.Timedelta(days=7), freq="h", inclusive="left")
    open_mask = config.open_mask
    booked = np.zeros(HOURS)
    if appts is not None and len(appts):
        live = appts[
            (appts["scheduled_time"] >= monday)
            & (appts["scheduled_time"] < monday + pd.Timedelta(days=7))
            & (appts["status"].astype(str) != "cancelled")
        ]
        booked = np.bincount(_hour_of_week(live["scheduled_time"]), minlength=HOURS)[:HOURS].astype(
            float
        )
    capacity = servers * config.target_utilisation
    booked_hours = booked * service
    board = pd.DataFrame(
        {
            "slot": slots,
            "open": open_mask,
            "booked": booked,
            "booked_hours": booked_hours,
            "capacity_hours": capacity,
            "free_hours": np.maximum(capacity - booked_hours, 0),
        }
    )
    return board[board["open"]].drop(columns="open").reset_index(drop=True)
