"""A simulated 4S store: vehicles, visits, a queued workshop, appointments, surveys,
insurance, staff, and churn with known causes.

The clock moves month by month; within a month everything is vectorised over vehicles,
except the workshop queue, which serves each day's arrivals in order. Time is kept as float
days since ``origin`` (the earliest sale). See ``params.py`` for every parameter.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .params import CNY_DATES, MODELS, StoreParams

# RO kinds (canonical ro_type names); index = code
KINDS = (
    "maintenance",
    "first_service",
    "repair",
    "warranty",
    "body_paint",
    "accident",
    "internal",
    "wash",
)
K_MAINT, K_FIRST, K_REPAIR, K_WARRANTY, K_BODY, K_ACCIDENT, K_INTERNAL, K_WASH = range(8)
BODY_KINDS = (K_BODY, K_ACCIDENT)
# flag hours per kind: (mean, coefficient of variation)
HOURS = {
    K_MAINT: (1.2, 0.35),
    K_FIRST: (0.8, 0.3),
    K_REPAIR: (2.2, 0.8),
    K_WARRANTY: (2.5, 0.7),
    K_BODY: (9.0, 0.5),
    K_ACCIDENT: (16.0, 0.5),
    K_INTERNAL: (1.5, 0.6),
    K_WASH: (0.5, 0.2),
}
PARTS = {
    K_MAINT: 380.0,
    K_FIRST: 250.0,
    K_REPAIR: 900.0,
    K_WARRANTY: 1200.0,
    K_BODY: 1800.0,
    K_ACCIDENT: 6000.0,
    K_INTERNAL: 200.0,
    K_WASH: 0.0,
}
EFFICIENCY = 0.9  # flag hours per clock hour of a technician
REASONS = (
    "warranty_end",
    "vehicle_age",
    "low_loyalty",
    "comeback",
    "long_wait",
    "low_csi",
    "high_price",
)
DAYS_PER_YEAR = 365.25


@dataclass
class SimulatedStore:
    """Canonical tables (the toolkit's column names) plus the ground truth per vehicle."""

    repair_orders: pd.DataFrame
    appointments: pd.DataFrame
    insurance_policies: pd.DataFrame
    csi_surveys: pd.DataFrame
    staff: pd.DataFrame
    truth: pd.DataFrame
    params: StoreParams
    window_start: pd.Timestamp
    window_end: pd.Timestamp
    info: dict[str, float] = field(default_factory=dict)
    vehicle_sales: pd.DataFrame | None = None  # the new cars sold in the window


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _gamma_hours(rng: np.random.Generator, kinds: np.ndarray) -> np.ndarray:
    mean = np.array([HOURS[k][0] for k in range(len(KINDS))])[kinds]
    cv = np.array([HOURS[k][1] for k in range(len(KINDS))])[kinds]
    shape = 1.0 / cv**2
    return np.round(rng.gamma(shape, mean / shape), 1).clip(0.2)


class _Workshop:
    """Technicians per store and shop (mechanical / body), hired and leaving over time."""

    def __init__(self, rng: np.random.Generator, p: StoreParams, stores: int) -> None:
        self.rng = rng
        self.p = p
        # one record per technician: store, body shop?, hire day, leave day, comeback factor
        self.store: list[int] = []
        self.body: list[bool] = []
        self.hire: list[float] = []
        self.leave: list[float] = []
        self.factor: list[float] = []
        self.stores = stores

    def active(self, store: int, body: bool, day: float) -> list[int]:
        return [
            i
            for i in range(len(self.store))
            if self.store[i] == store
            and self.body[i] == body
            and self.hire[i] <= day < self.leave[i]
        ]

    def plan(self, day: float, hours_per_day: np.ndarray) -> None:
        """Hire to cover the demand seen ``staffing_lag_days`` ago; some technicians leave."""
        p = self.p
        for i in range(len(self.store)):
            if self.leave[i] == np.inf and self.rng.random() < p.technician_turnover / 12:
                self.leave[i] = day + self.rng.uniform(0, 30)
        for store in range(self.stores):
            for body in (False, True):
                need = hours_per_day[store, int(body)] / (
                    p.hours_per_technician * p.target_utilisation
                )
                need = max(1, int(np.ceil(need)))
                have = len(self.active(store, body, day))
                for _ in range(need - have):
                    self.store.append(store)
                    self.body.append(body)
                    self.hire.append(day - (self.rng.uniform(0, 5) if day > 0 else 400))
                    self.leave.append(np.inf)
                    # every n-th hire in a shop is careless; the rest keep the mean at 1
                    nth = sum(
                        1
                        for s, b in zip(self.store, self.body, strict=True)
                        if s == store and b == body
                    )
                    careless = nth % p.careless_every == 2
                    other = (p.careless_every - p.careless_factor) / (p.careless_every - 1)
                    self.factor.append(p.careless_factor if careless else other)


def _choose_days(
    rng: np.random.Generator,
    due: np.ndarray,
    p: StoreParams,
    origin: pd.Timestamp,
    dow0: int,
    cny_days: np.ndarray,
) -> np.ndarray:
    """A visit day near each due day: the customer picks within a week by weekday weights,
    and the Spring Festival week pushes visits before it (the rush) or after it."""
    weights = np.array(p.day_weights)
    offsets = np.arange(7)
    day0 = np.floor(due)
    dows = (dow0 + day0[:, None] + offsets[None, :]).astype(int) % 7
    w = weights[dows]
    w /= w.sum(axis=1, keepdims=True)
    pick = (rng.random(len(due))[:, None] > np.cumsum(w, axis=1)).sum(axis=1)
    day = day0 + pick
    # Spring Festival: services due in the holiday week or the month after come early
    # (the rush before the trip home) or after the holiday week
    idx = np.searchsorted(cny_days, day + p.cny_rush_days, side="right") - 1
    cny = cny_days[np.clip(idx, 0, len(cny_days) - 1)]
    near = (idx >= 0) & (day >= cny - 1) & (day <= cny + p.cny_pull_days)
    if near.any():
        early = rng.random(len(day)) < p.cny_shift_share
        rush = cny - 2 - np.floor(rng.random(len(day)) * (p.cny_rush_days - 2))
        holiday = day <= cny + 6
        after = cny + 7 + np.floor(rng.random(len(day)) * 7)
        day = np.where(near & early, rush, np.where(near & holiday, after, day))
    return day


def _closed_for_holiday(
    rng: np.random.Generator, day: np.ndarray, cny_days: np.ndarray
) -> np.ndarray:
    """Unscheduled work falling on the Spring Festival days waits until after them."""
    idx = np.clip(np.searchsorted(cny_days, day, side="right") - 1, 0, len(cny_days) - 1)
    cny = cny_days[idx]
    closed = (day >= cny - 1) & (day <= cny + 6)
    return np.where(closed, cny + 7 + np.floor(rng.random(len(day)) * 4), day)


def _arrival_minutes(
    rng: np.random.Generator, days: np.ndarray, dow0: int, p: StoreParams, slots: bool
) -> np.ndarray:
    """Minutes after midnight of arrival by the hour-of-week profile."""
    dows = (dow0 + days.astype(int)) % 7
    out = np.empty(len(days))
    for dow_set, weights in (
        ((0, 1, 2, 3, 4), p.hour_weights_weekday),
        ((5,), p.hour_weights_saturday),
        ((6,), p.hour_weights_sunday),
    ):
        mask = np.isin(dows, dow_set)
        n = int(mask.sum())
        if not n:
            continue
        w = np.array(weights) / np.sum(weights)
        hour = p.open_hour + rng.choice(len(w), size=n, p=w)
        minute = (rng.integers(0, 2, n) * 30) if slots else rng.uniform(0, 60, n)
        out[mask] = hour * 60 + minute
    return out


def _serve_day(
    arrivals: np.ndarray, durations: np.ndarray, techs: list[int], open_min: float, close_min: float
) -> tuple[np.ndarray, np.ndarray]:
    """FIFO multi-server queue for one shop-day: start minute and technician per job."""
    starts = np.empty(len(arrivals))
    served_by = np.empty(len(arrivals), dtype=np.int64)
    heap = [(open_min, t) for t in techs]
    heapq.heapify(heap)
    for j in np.argsort(arrivals, kind="stable"):
        free, tech = heapq.heappop(heap)
        start = max(arrivals[j], free)
        if start >= close_min:  # nobody free before closing: first thing next morning
            start = 1440 + open_min + (start - close_min) * 0.2
        starts[j] = start
        served_by[j] = tech
        heapq.heappush(heap, (start + durations[j], tech))
    return starts, served_by


def _add_working(day_min: np.ndarray, minutes: np.ndarray, p: StoreParams) -> np.ndarray:
    """Clock time (minutes since the visit day's midnight) after ``minutes`` of work that
    may run past closing into the next days."""
    open_m, close_m = p.open_hour * 60.0, p.close_hour * 60.0
    span = close_m - open_m
    out = day_min + minutes
    over = out > close_m
    if over.any():
        start_in_day = np.clip(day_min[over], open_m, None)
        done_today = np.clip(close_m - start_in_day, 0, None)
        rest = minutes[over] - done_today
        whole = np.floor(rest / span)
        out[over] = (1 + whole) * 1440 + open_m + (rest - whole * span)
    return out


def simulate(params: StoreParams | None = None, seed: int = 0) -> SimulatedStore:
    """Simulate a store (or a dealer group); same params and seed, same result."""
    p = params or StoreParams()
    rng = np.random.default_rng(seed)
    window_end = pd.Timestamp(p.end)
    window_start = window_end - pd.DateOffset(years=p.years) + pd.Timedelta(days=1)
    origin = (window_start - pd.Timedelta(days=round(p.pre_years * DAYS_PER_YEAR))).normalize()
    end_day = float((window_end - origin).days + 1)
    dow0 = origin.day_of_week
    cny_days = np.array(
        sorted((pd.Timestamp(d) - origin).days for d in CNY_DATES.values()), dtype=float
    )

    # ------------------------------------------------------------------ vehicles
    n = p.vehicles
    sale = np.floor((end_day - 30) * rng.random(n) ** (1 / p.sales_growth))  # sales grow
    store = rng.integers(0, p.stores, n)
    model = rng.integers(0, len(MODELS), n)
    tier = np.array([m[1] for m in MODELS])[model]
    km_day = rng.lognormal(np.log(p.km_per_year_median), p.km_per_year_sigma, n) / DAYS_PER_YEAR
    loyalty = rng.normal(0, 1, n)
    warranty_end = sale + np.minimum(p.warranty_years * DAYS_PER_YEAR, p.warranty_km / km_day)
    customer = np.arange(n)
    share = rng.random(n) < p.second_vehicle_share
    customer[share] = rng.integers(0, n, int(share.sum()))
    advisor = store * p.advisors + rng.integers(0, p.advisors, n)  # each customer's advisor
    upsell = np.exp(rng.normal(0, p.advisor_upsell_sigma, p.stores * p.advisors))

    interval = np.minimum(p.service_months * 30.44, p.service_km / km_day)
    first_due = sale + np.minimum(p.first_service_months * 30.44, p.first_service_km / km_day)
    next_due = first_due.copy()
    first_done = np.zeros(n, dtype=bool)
    active = np.ones(n, dtype=bool)
    churn_day = np.full(n, np.nan)
    churn_reason = np.full(n, "", dtype=object)
    return_day = np.full(n, np.inf)
    first_lost = np.zeros(n, dtype=bool)
    lapsed = np.zeros(n, dtype=bool)
    last_bad = np.full((4, n), -np.inf)  # comeback, long wait, low CSI, high price

    shop = _Workshop(rng, p, p.stores)
    pending: list[tuple[np.ndarray, np.ndarray]] = []  # comebacks: (vehicle, day)
    ro_parts: list[dict[str, np.ndarray]] = []
    appt_parts: list[dict[str, np.ndarray]] = []
    month_starts = pd.date_range(origin, window_end + pd.Timedelta(days=1), freq="MS")
    if month_starts[0] != origin:
        month_starts = month_starts.insert(0, origin)
    bounds = [float((m - origin).days) for m in month_starts] + [end_day]
    hours_log: list[np.ndarray] = []  # per month: labour hours per store x shop

    for mi in range(len(bounds) - 1):
        d0, d1 = bounds[mi], min(bounds[mi + 1], end_day)
        if d1 <= d0:
            continue
        lag_months = max(1, p.staffing_lag_days // 30)
        if hours_log:
            recent = np.mean(hours_log[-lag_months - 3 : -lag_months] or hours_log[:1], axis=0)
        else:
            recent = np.full((p.stores, 2), 20.0)
        shop.plan(d0, recent / 30.4)

        # returners from a lapse
        back = ~active & (return_day >= d0) & (return_day < d1)
        active[back] = True
        next_due[back] = return_day[back]
        return_day[back] = np.inf

        # -------------------------------------------------- scheduled services fall due
        due = np.flatnonzero(active & (next_due >= d0) & (next_due < d1) & (sale < d1))
        first = ~first_done[due]
        age_y = (next_due[due] - sale[due]) / DAYS_PER_YEAR
        post_w = next_due[due] > warranty_end[due]
        mem = p.experience_memory_days
        recent_bad = (next_due[due][None, :] - last_bad[:, due]) < mem
        contrib = np.vstack(
            [
                p.churn_post_warranty * post_w,
                p.churn_per_age_year * age_y,
                np.clip(p.churn_loyalty * loyalty[due], 0, None),
                p.churn_comeback * recent_bad[0],
                p.churn_long_wait * recent_bad[1],
                p.churn_low_csi * recent_bad[2],
                p.churn_high_price * recent_bad[3],
            ]
        )
        logit = (
            p.churn_base + contrib.sum(axis=0) + np.clip(p.churn_loyalty * loyalty[due], None, 0)
        )
        gap_years = interval[due] / DAYS_PER_YEAR
        p_leave = np.where(first, p.first_service_loss, 1 - (1 - _sigmoid(logit)) ** gap_years)
        leave = rng.random(len(due)) < p_leave
        leavers = due[leave]
        active[leavers] = False
        churn_day[leavers] = next_due[leavers]
        strongest = np.argmax(contrib[:, leave], axis=0)
        reasons = np.array(REASONS, dtype=object)[strongest]
        reasons[contrib[:, leave].max(axis=0) < 0.3] = "other"
        reasons[first[leave]] = "first_service_lost"
        churn_reason[leavers] = reasons
        first_lost[leavers[first[leave]]] = True
        lapse = rng.random(len(leavers)) < p.lapse_share
        return_day[leavers[lapse]] = next_due[leavers[lapse]] + rng.uniform(
            *p.lapse_days, int(lapse.sum())
        )
        lapsed[leavers[lapse]] = True
        stay = due[~leave]
        s_days = _choose_days(rng, next_due[stay], p, origin, dow0, cny_days)
        s_kind = np.where(first_done[stay], K_MAINT, K_FIRST)
        first_done[stay] = True
        jitter = 1 + p.interval_jitter * rng.normal(0, 1, len(stay))
        next_due[stay] = s_days + np.clip(interval[stay] * jitter, 60, None)

        # -------------------------------------------------- unscheduled work
        days = d1 - d0
        live = np.flatnonzero(active & (sale < d1))
        age_live = np.clip((d0 - sale[live]) / DAYS_PER_YEAR, 0, None)
        rep = (
            rng.random(len(live))
            < (p.repair_rate + p.repair_rate_per_age_year * age_live) * days / DAYS_PER_YEAR
        )
        r_veh = live[rep]
        r_days = np.floor(np.maximum(d0 + rng.random(len(r_veh)) * days, sale[r_veh] + 1))
        in_w = r_days < warranty_end[r_veh]
        r_kind = np.where(
            in_w & (rng.random(len(r_veh)) < p.warranty_share_in_warranty), K_WARRANTY, K_REPAIR
        )
        body = rng.random(len(live)) < p.body_rate * days / DAYS_PER_YEAR
        b_veh = live[body]
        b_days = np.floor(np.maximum(d0 + rng.random(len(b_veh)) * days, sale[b_veh] + 1))
        b_kind = np.where(rng.random(len(b_veh)) < p.accident_share, K_ACCIDENT, K_BODY)

        # comebacks carried from earlier months
        c_veh_l, c_day_l = [], []
        keep_pending = []
        for veh, day in pending:
            now = day < d1  # overdue ones (due in the month just served) come on their day
            c_veh_l.append(veh[now])
            c_day_l.append(day[now])
            if (~now).any():
                keep_pending.append((veh[~now], day[~now]))
        pending = keep_pending
        c_veh = np.concatenate(c_veh_l) if c_veh_l else np.array([], dtype=np.int64)
        c_day = np.floor(np.concatenate(c_day_l)) if c_day_l else np.array([])

        veh = np.concatenate([stay, r_veh, b_veh, c_veh]).astype(np.int64)
        unscheduled = _closed_for_holiday(rng, np.concatenate([r_days, b_days]), cny_days)
        day = np.concatenate([s_days, unscheduled, c_day])
        kind = np.concatenate([s_kind, r_kind, b_kind, np.full(len(c_veh), K_REPAIR)])
        comeback = np.concatenate(
            [np.zeros(len(stay) + len(r_veh) + len(b_veh), bool), np.ones(len(c_veh), bool)]
        )
        # internal and wash ROs ride on random active vehicles
        extra = rng.random(len(veh))
        kind = np.where(~comeback & (extra < p.internal_share), K_INTERNAL, kind)
        kind = np.where(~comeback & (extra > 1 - p.wash_share), K_WASH, kind)
        inside = ((day >= d0) | comeback) & (day < end_day)
        veh, day, kind, comeback = veh[inside], day[inside], kind[inside], comeback[inside]
        if not len(veh):
            hours_log.append(np.zeros((p.stores, 2)))
            continue

        # -------------------------------------------------- appointments and arrivals
        year_frac = np.clip(
            (day - (end_day - p.years * DAYS_PER_YEAR)) / (p.years * DAYS_PER_YEAR), 0, 1
        )
        appt_p = (
            p.appointment_share_start
            + (p.appointment_share_end - p.appointment_share_start) * year_frac
            + p.appointment_loyalty_effect * loyalty[veh]
        )
        schedulable = np.isin(kind, (K_MAINT, K_FIRST, K_REPAIR, K_WARRANTY)) & ~comeback
        booked = schedulable & (rng.random(len(veh)) < np.clip(appt_p, 0, 0.95))
        arrive = np.where(
            booked,
            _arrival_minutes(rng, day, dow0, p, slots=True),
            _arrival_minutes(rng, day, dow0, p, slots=False),
        )
        u = rng.random(len(veh))
        no_show = booked & (u < p.no_show_rate)
        cancelled = booked & (u >= p.no_show_rate) & (u < p.no_show_rate + p.cancel_rate)
        b_idx = np.flatnonzero(booked)
        appt_parts.append(
            {
                "vehicle": veh[b_idx],
                "scheduled": day[b_idx] + arrive[b_idx] / 1440,
                "created": day[b_idx] + arrive[b_idx] / 1440 - rng.uniform(1, 8, len(b_idx)),
                "no_show": no_show[b_idx],
                "cancelled": cancelled[b_idx],
                "visit": np.full(len(b_idx), -1),
            }
        )
        later = no_show & (rng.random(len(veh)) < p.no_show_walk_in_later)
        dropped = no_show & ~later
        day = np.where(later, day + rng.integers(1, 6, len(veh)), day)
        arrive = np.where(later, _arrival_minutes(rng, day, dow0, p, slots=False), arrive)
        is_appt = booked & ~no_show & ~cancelled
        arrive = np.where(cancelled, _arrival_minutes(rng, day, dow0, p, slots=False), arrive)
        # a dropped appointment: the service falls due again in a month
        dropped_veh = veh[dropped & np.isin(kind, (K_MAINT, K_FIRST))]
        next_due[dropped_veh] = np.maximum(next_due[dropped_veh], d1 + 20)
        keep = ~dropped & (day < end_day)
        # re-number the appointment -> visit links for the rows kept
        new_index = np.cumsum(keep) - 1 + sum(len(r["vehicle"]) for r in ro_parts)
        appt_parts[-1]["visit"] = np.where(
            ~appt_parts[-1]["no_show"] & ~appt_parts[-1]["cancelled"], new_index[b_idx], -1
        )
        veh, day, kind, comeback = veh[keep], day[keep], kind[keep], comeback[keep]
        arrive, is_appt = arrive[keep], is_appt[keep]
        if not len(veh):  # every visit of the month was an appointment never kept
            hours_log.append(np.zeros((p.stores, 2)))
            continue

        # -------------------------------------------------- the workshop queue
        hours = _gamma_hours(rng, kind)
        duration = hours / EFFICIENCY * 60
        v_store = store[veh]
        is_body = np.isin(kind, BODY_KINDS)
        start = np.empty(len(veh))
        tech = np.empty(len(veh), dtype=np.int64)
        order = np.lexsort((arrive, day, is_body, v_store))
        keys = np.stack([v_store[order], is_body[order], day[order]], axis=1)
        cut = np.flatnonzero(np.any(np.diff(keys, axis=0) != 0, axis=1)) + 1
        open_m, close_m = p.open_hour * 60.0, p.close_hour * 60.0
        for group in np.split(order, cut):
            g0 = group[0]
            techs = shop.active(int(v_store[g0]), bool(is_body[g0]), float(day[g0]))
            if not techs:  # everyone left: the manager covers until a hire
                shop.plan(float(day[g0]), np.full((p.stores, 2), 1.0))
                techs = shop.active(int(v_store[g0]), bool(is_body[g0]), float(day[g0]))
            s, t = _serve_day(arrive[group], duration[group], techs, open_m, close_m)
            start[group] = s
            tech[group] = t
        done = _add_working(start, duration, p)
        expected = np.array([HOURS[k][0] for k in range(len(KINDS))])[kind] / EFFICIENCY * 60
        promised = np.ceil((arrive + expected + p.promise_buffer_hours * 60) / 30) * 30
        promised = np.where(promised > close_m, 1440 + open_m + 120, promised)
        handover = done + rng.uniform(10, 45, len(veh))
        delivered = np.where(
            (handover % 1440) > close_m,
            np.floor(handover / 1440) * 1440 + 1440 + open_m + rng.uniform(30, 180, len(veh)),
            handover,
        )
        settled = np.maximum(delivered - rng.uniform(2, 10, len(veh)), done)
        wait = start - arrive
        late = delivered > promised + 30
        hrs = np.zeros((p.stores, 2))
        np.add.at(hrs, (v_store, is_body.astype(int)), hours)
        hours_log.append(hrs * 30.4 / max(days, 1))

        # -------------------------------------------------- money, quality, surveys
        adv = advisor[veh]
        price_noise = rng.lognormal(0, 0.15, len(veh))
        factor = upsell[adv] * price_noise
        labor = np.round(hours * p.labor_rate * upsell[adv], 2)
        parts = np.round(
            np.array([PARTS[k] for k in range(len(KINDS))])[kind]
            * tier[veh]
            * factor
            * rng.lognormal(0, 0.3, len(veh)),
            2,
        )
        labor = np.where(kind == K_WASH, 50.0, labor)
        labor = np.where(kind == K_FIRST, 0.0, labor)
        free = comeback
        labor = np.where(free, 0.0, labor)
        parts = np.where(free, np.round(parts * 0.2, 2), parts)
        high_price = (factor > 1.15) & np.isin(kind, (K_MAINT, K_REPAIR))
        tech_factor = np.array(shop.factor)[tech]
        cb_p = np.where(
            np.isin(kind, (K_REPAIR, K_WARRANTY)) & ~comeback, p.comeback_rate * tech_factor, 0.0
        )
        causes = rng.random(len(veh)) < cb_p
        pending.append(
            (
                veh[causes],
                day[causes] + (delivered[causes] / 1440) + rng.uniform(2, 28, int(causes.sum())),
            )
        )
        long_wait = wait > p.csi_long_wait_minutes
        surveyed = (kind != K_INTERNAL) & (rng.random(len(veh)) < p.csi_share)
        latent = (
            4.4
            + 0.25 * loyalty[veh]
            + p.csi_wait_effect * long_wait
            + p.csi_late_effect * late
            + p.csi_comeback_effect * comeback
            + p.csi_price_effect * high_price
            + rng.normal(0, 0.6, len(veh))
        )
        score = np.clip(np.round(latent), 1, 5)
        low_csi = surveyed & (score <= 3)
        for row, flag in enumerate((comeback, long_wait, low_csi, high_price)):
            hit = veh[flag]
            last_bad[row, hit] = np.maximum(last_bad[row, hit], day[flag])
        pay = np.select(
            [
                kind == K_FIRST,
                kind == K_WARRANTY,
                comeback & (day < warranty_end[veh]),
                comeback,
                np.isin(kind, BODY_KINDS) & (rng.random(len(veh)) < 0.85),
                kind == K_INTERNAL,
            ],
            ["warranty", "warranty", "warranty", "internal", "insurance", "internal"],
            "customer",
        )
        mixed = (kind == K_WARRANTY) & (rng.random(len(veh)) < 0.3)
        pay = np.where(mixed, "customer+warranty", pay)
        odometer = np.round(
            km_day[veh] * (day - sale[veh]) * rng.lognormal(0, 0.03, len(veh))
            + rng.uniform(0, 50, len(veh))
        )
        ro_parts.append(
            {
                "vehicle": veh,
                "day": day,
                "kind": kind,
                "comeback": comeback,
                "is_appt": is_appt,
                "arrive": arrive,
                "start": start,
                "done": done,
                "promised": promised,
                "delivered": delivered,
                "settled": settled,
                "hours": hours,
                "labor": labor,
                "parts": parts,
                "pay": pay,
                "tech": tech,
                "advisor": adv,
                "mileage": odometer,
                "wait": wait,
                "late": late,
                "high_price": high_price,
                "surveyed": surveyed,
                "score": score,
                "survey_day": day + delivered / 1440 + rng.integers(1, 4, len(veh)),
            }
        )

    ros = {k: np.concatenate([r[k] for r in ro_parts]) for k in ro_parts[0]}
    appts = (
        {k: np.concatenate([a[k] for a in appt_parts]) for k in appt_parts[0]} if appt_parts else {}
    )
    from .tables import build_tables

    return build_tables(
        p,
        rng,
        origin,
        window_start,
        window_end,
        ros,
        appts,
        shop,
        {
            "sale": sale,
            "store": store,
            "model": model,
            "tier": tier,
            "km_day": km_day,
            "loyalty": loyalty,
            "warranty_end": warranty_end,
            "customer": customer,
            "churn_day": churn_day,
            "churn_reason": churn_reason,
            "first_lost": first_lost,
            "lapsed": lapsed,
            "active": active,
            "advisor": advisor,
            "last_bad": last_bad,
        },
        upsell,
    )
