"""The call lists the advisors and the customer-care desk (客服/回访) work from each week.

    result = lists.build(dataset, base, config=settings.lists, schedule=settings.schedule,
                         loyalty=loyalty_result, churn=churn_result)
    result.lists["service_due"]     # one row per customer, the calls most worth making first

Each list holds codes and numbers (a ``reason`` code with the figures it cites), never words:
:func:`fourS_analytics.wording.list_in_words` says them. A list whose data are missing (no
policies, no sales export, no declined-work column) is not built; ``skipped`` says why.

- **service_due 保养招揽**: the next service (last service + the personal interval, from the
  customer's own service gaps, else the mileage rate, else the brand schedule) falls due within
  the window or is overdue by at most ``overdue_days`` (longer: the win-back list's); not
  booked, not lapsed. Priority: value × the churn model's
  probability of not coming back on one's own (a call matters most where both are high).
- **renewal_due 续保提醒**: policies ending within the bands (30/60/90 days), not renewed yet;
  priority: premium × the renewal rate of policies like it (renewed here last time or not).
- **insure_here 在修不在保**: active service customers with no current policy here.
- **first_service_due 首保招揽** / **first_service_lost 首保流失**: new cars the store sold with no
  first service yet, due (or overdue) / past the loss threshold (DOMAIN: 12 months).
- **declined 未修项目**: the latest RO of a vehicle carried declined work and the vehicle has
  not been back since; oldest first.
- **events 活动邀请**: core customers first, then regular, by loyalty score; none whose latest
  visit was a comeback (an unresolved bad experience is not invited to a party).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .churn import ChurnResult
from .config import ListsConfig, Schedule
from .customers import CustomerBase, values_at
from .dataset import Dataset, positions
from .i18n import Message
from .kpi import first_services
from .loyalty import LoyaltyResult
from .numbers import whole_slots
from .timeframe import ONE_DAY
from .wording import model_key
from .workload import WorkloadResult, book_into_quiet_hours

LISTS = (
    "service_due",
    "renewal_due",
    "insure_here",
    "first_service_due",
    "first_service_lost",
    "declined",
    "events",
)
MONTH_DAYS = 30.44
ACTIVE_DAYS = 365  # DOMAIN: the active base is the customers seen in the last 12 months


@dataclass
class ListsResult:
    as_of: pd.Timestamp
    lists: dict[str, pd.DataFrame]  # name -> rows, best call first (rank 1)
    skipped: dict[str, Message]  # name -> why it was not built
    summary: dict[str, Any] = field(default_factory=dict)  # per list: counts and figures
    notes: list[Message] = field(default_factory=list)
    # the year before the as-of day, as the lists would have seen it: how many due services
    # came back, how many policies renewed (see :func:`looked_back`)
    looked_back: dict[str, Any] = field(default_factory=dict)

    def in_workbook(self, workbook_rows: int) -> dict[str, int]:
        """How many of each built list's rows ``lists.xlsx`` holds: the first
        ``workbook_rows``, the calls most worth making (0: every row)."""
        return {
            name: min(len(frame), workbook_rows) if workbook_rows else len(frame)
            for name, frame in self.lists.items()
        }


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def _vehicle(frame: pd.DataFrame) -> pd.Series:
    return frame["vin"].fillna(frame["plate"])


def _units_of(base: CustomerBase, frame: pd.DataFrame) -> pd.Series:
    """The service customer (analysis unit) of each row of another table, by VIN, else plate."""
    c = base.customers

    def by(column: str) -> pd.Series:  # the last customer with the value, NaN for none
        keys = c[column]
        keep = (keys.notna() & ~keys.duplicated(keep="last")).to_numpy()
        if not keep.any():
            return pd.Series(np.nan, index=frame.index, dtype=object)
        at = positions(frame[column], pd.Index(keys[keep]))
        owners = c.index[keep].take(np.maximum(at, 0))
        return pd.Series(owners, index=frame.index).where(at >= 0)

    return by("vin").fillna(by("plate"))


def build(
    dataset: Dataset,
    base: CustomerBase,
    *,
    config: ListsConfig | None = None,
    schedule: Schedule | None = None,
    lapsed_days: int = 365,
    loyalty: LoyaltyResult | None = None,
    churn: ChurnResult | None = None,
    workload: WorkloadResult | None = None,
) -> ListsResult:
    """Every list that the data allow, as of the base's day. With the workload analysis, each
    service_due call gets a suggested slot in the appointment plan's quiet hours."""
    config = config or ListsConfig()
    schedule = schedule or Schedule()
    as_of = pd.Timestamp(base.as_of).normalize()
    result = ListsResult(as_of, {}, {})
    builders = {
        "service_due": lambda: _service_due(dataset, base, config, lapsed_days, loyalty, churn),
        "renewal_due": lambda: _renewal_due(dataset, base, config, loyalty),
        "insure_here": lambda: _insure_here(dataset, base, loyalty),
        "first_service_due": lambda: _first_service(dataset, as_of, config, schedule, lost=False),
        "first_service_lost": lambda: _first_service(dataset, as_of, config, schedule, lost=True),
        "declined": lambda: _declined(dataset, as_of, config),
        "events": lambda: _events(base, config, lapsed_days, loyalty),
    }
    for name, make in builders.items():
        made = make()
        if isinstance(made, Message):
            result.skipped[name] = made
            continue
        frame, figures = made
        result.lists[name] = frame
        result.summary[name] = {"count": len(frame), **figures}
    if "service_due" in result.lists:
        if churn is None:
            result.notes.append(Message("ls_no_churn"))
        elif not churn.model_info.get("validated"):  # named, or all a short history allows
            model = Message(model_key(churn.chosen))
            result.notes.append(Message("ls_churn_unchecked", {"model": model}))
    result.looked_back = looked_back(dataset, base, config)
    service = result.looked_back["service"]
    if not service["due"]:  # a short export: why there is no service look-back
        words = {
            "start": service["start"],
            "end": service["end"],
            "grace": service["grace_days"],
            "first": service["data_from"] or "-",
        }
        result.notes.append(Message("ls_back_service_none", words))
    if "service_due" in result.lists:
        if workload is not None and "spare_capacity" in workload.plan:
            frame, figures = _slotted(result.lists["service_due"], workload, config.weeks)
            result.lists["service_due"] = frame
            result.summary["service_due"].update(figures)
        else:
            result.notes.append(Message("ls_no_slots"))
    return result


def _slotted(
    frame: pd.DataFrame, workload: WorkloadResult, weeks: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Book the calls into the plan's quiet hours: if every call books, the visits a week go
    where the plan has spare capacity, each hour no more than it has; the best calls first,
    the hours taken in turn (so the first rows do not all land in one hour). Calls beyond the
    spare capacity get no slot."""
    booking = book_into_quiet_hours(workload.plan, len(frame) / weeks)
    hours = booking.hours
    want = hours["booked"] * weeks
    total = min(len(frame), int(np.floor(float(want.sum()) + 0.5)))
    counts = (
        whole_slots(want * (total / float(want.sum()))).to_numpy()
        if total
        else np.zeros(len(hours), dtype=int)
    )
    turn = np.concatenate([np.arange(c) for c in counts]) if total else np.array([], int)
    which = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((which, turn))
    slot_day = np.full(len(frame), np.nan)
    slot_hour = np.full(len(frame), np.nan)
    slot_day[:total] = hours["weekday"].to_numpy()[which[order]]
    slot_hour[:total] = hours["hour"].to_numpy()[which[order]]
    out = frame.assign(
        slot_weekday=pd.array(slot_day, dtype="Int64"), slot_hour=pd.array(slot_hour, dtype="Int64")
    )
    figures = {
        "spare_per_week": round(booking.room_per_week, 1),
        "slotted": total,
        "unslotted": len(frame) - total,
    }
    return out, figures


# --------------------------------------------------------------------------- looking back
def looked_back(dataset: Dataset, base: CustomerBase, config: ListsConfig) -> dict[str, Any]:
    """What last year's lists would have asked for and what happened, as of the base's day.

    - ``service``: each maintenance visit's next service fell due (visit + the customer's
      personal interval, the service_due rule) on a day from ``start`` to ``end``: the year
      before the as-of day, less the last ``overdue_days`` (their outcome is not known yet).
      ``back`` came for a service by the due day + ``overdue_days`` (before they would have
      gone to the win-back list), ``late`` later, ``not_back`` not at all. When no due day
      falls in that year (an export of a few months), ``due`` is 0 and ``data_from`` is the
      export's first visit day, so the reader is told why there is no look-back.
    - ``renewal``: the policies that ended in the year before the as-of day; ``renewed`` here,
      split by whether the vehicle renewed here the time before (``again``), did not
      (``lost_last``) or had no earlier policy here (``first``).
    """
    as_of = pd.Timestamp(base.as_of).normalize()
    out: dict[str, Any] = {}
    grace = pd.Timedelta(days=config.overdue_days)
    end = as_of - grace
    start = end - pd.Timedelta(days=364)
    visits = base.visits
    maint = visits.loc[visits["maintenance"].astype(bool), ["unit_id", "day"]]
    maint = maint.sort_values(["unit_id", "day"], kind="stable")
    following = maint.groupby("unit_id")["day"].shift(-1)
    interval = pd.Series(
        values_at(maint["unit_id"], base.customers["interval_days"]), index=maint.index
    ).round()
    due = maint["day"] + pd.to_timedelta(interval, unit="D")
    in_year = (due >= start) & (due <= end)
    if in_year.any():
        nxt = following[in_year]
        back = nxt.notna() & (nxt <= due[in_year] + grace)
        late = nxt.notna() & ~back
        out["service"] = {
            "start": str(start.date()),
            "end": str(end.date()),
            "grace_days": config.overdue_days,
            "due": int(in_year.sum()),
            "back": int(back.sum()),
            "late": int(late.sum()),
            "not_back": int(nxt.isna().sum()),
            "share_back": round(float(back.mean()), 4),
        }
    else:  # said, not left out: a short export has no due day whose outcome is known yet
        first = visits["day"].min() if len(visits) else pd.NaT
        out["service"] = {
            "start": str(start.date()),
            "end": str(end.date()),
            "grace_days": config.overdue_days,
            "due": 0,
            "data_from": None if pd.isna(first) else str(pd.Timestamp(first).date()),
        }
    pol = _policies(dataset)
    if not isinstance(pol, Message):
        ended = pol[(pol["end_date"] > as_of - pd.Timedelta(days=365)) & (pol["end_date"] <= as_of)]
        if len(ended):
            renewed = ended["renewed"].astype("boolean").fillna(False).astype(bool)
            segment = np.where(
                ended["renewed_last"].isna(),
                "first",
                np.where(ended["renewed_last"].fillna(False).astype(bool), "again", "lost_last"),
            )
            by = {
                seg: {
                    "ended": int((segment == seg).sum()),
                    "rate": round(float(renewed[segment == seg].mean()), 4),
                }
                for seg in ("again", "lost_last", "first")
                if (segment == seg).any()
            }
            out["renewal"] = {
                "ended": len(ended),
                "renewed": int(renewed.sum()),
                "rate": round(float(renewed.mean()), 4),
                "by_last": by,
            }
    return out


# --------------------------------------------------------------------------- service_due
def _service_due(
    dataset: Dataset,
    base: CustomerBase,
    config: ListsConfig,
    lapsed_days: int,
    loyalty: LoyaltyResult | None,
    churn: ChurnResult | None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    c = base.customers
    as_of = pd.Timestamp(base.as_of).normalize()
    horizon = as_of + pd.Timedelta(days=7 * config.weeks)
    visits = base.visits
    last_service = (
        visits[visits["maintenance"].astype(bool)]
        .groupby("unit_id")["day"]
        .max()
        .reindex(c.index)
        .fillna(c["last_visit"])
    )
    due = last_service + pd.to_timedelta(c["interval_days"].round(), unit="D")
    active = c["days_since_last"] <= lapsed_days
    booked = _booked(dataset, as_of)
    window = (due <= horizon) & (due >= as_of - pd.Timedelta(days=config.overdue_days))
    keep = window & active & ~c.index.isin(booked)
    rows = c[keep]
    value = _value(rows, loyalty)
    if churn is not None:
        p_churn = churn.scores["p_churn"].reindex(rows.index)
        p_churn = p_churn.fillna(float(churn.scores["p_churn"].median()))
    else:  # no model: every call is worth its value alone
        p_churn = pd.Series(0.5, index=rows.index)
    days = (due[keep] - as_of).dt.days
    frame = pd.DataFrame(
        {
            "unit_id": rows.index,
            "priority": (value * p_churn).round(0).to_numpy(),
            "reason": np.where(days < 0, "service_overdue", "service_due"),
            "due_date": due[keep].dt.date.to_numpy(),
            "days_to_due": days.to_numpy(),
            "last_service": last_service[keep].dt.date.to_numpy(),
            "interval_days": rows["interval_days"].round(0).to_numpy(),
            "p_churn": p_churn.round(3).to_numpy(),
            "value": value.round(0).to_numpy(),
            "tier": _tiers(rows.index, loyalty),
            "advisor": rows["advisor"].to_numpy(),
            "model": rows["model"].to_numpy(),
        }
    )
    frame = frame.sort_values(["priority", "days_to_due"], ascending=[False, True], kind="stable")
    weeks = float(config.weeks)
    figures = {
        "weeks": config.weeks,
        "due_in_window": int((days >= 0).sum()),
        "overdue": int((days < 0).sum()),
        "booked_excluded": int((window & active & c.index.isin(booked)).sum()),
        "visits_per_week": round(len(frame) / weeks, 1),
        # the visits these vehicles would make without a call: what the plan sees anyway
        "expected_visits_per_week": round(float((1 - p_churn).sum()) / weeks, 1),
    }
    return _ranked(frame), figures


def _booked(dataset: Dataset, as_of: pd.Timestamp) -> set[Any]:
    """Units with an appointment after the as-of day that is not cancelled or missed."""
    appts = dataset.tables.get("appointments")
    if appts is None or appts.empty:
        return set()
    ahead = appts["scheduled_time"] >= as_of + ONE_DAY
    status = appts["status"].astype(object)
    open_ = status.isna() | status.isin(["pending", "shown"])
    return set(appts.loc[ahead & open_, "unit_id"].dropna())


def _value(rows: pd.DataFrame, loyalty: LoyaltyResult | None) -> pd.Series:
    """Each customer's lifetime value (loyalty's), else the customer-pay spend per year."""
    if loyalty is not None and "clv" in loyalty.customers:
        clv = loyalty.customers["clv"].reindex(rows.index)
        if clv.notna().any():
            return clv.fillna(0.0).clip(lower=0.0)
    years = np.maximum(rows["tenure_days"] / 365.25, 0.5)
    return (rows["customer_pay"] / years).fillna(0.0).clip(lower=0.0)


def _tiers(index: pd.Index, loyalty: LoyaltyResult | None) -> np.ndarray:
    if loyalty is None:
        return np.full(len(index), None, dtype=object)
    return loyalty.customers["tier"].reindex(index).astype(object).to_numpy()


# --------------------------------------------------------------------------- insurance
# the policies with their renewals, per policy table: the look back and the renewal list
# both read them (made once; 0.2-0.3 s each on the 1M-RO store)
_POLICIES: dict[int, tuple[weakref.ref[pd.DataFrame], pd.DataFrame]] = {}


def _policies(dataset: Dataset) -> pd.DataFrame | Message:
    pol = dataset.tables.get("insurance_policies")
    if pol is None or pol.empty:
        return Message("ls_needs", {"table": Message("t_insurance_policies")})
    made = _POLICIES.get(id(pol))
    if made is not None and made[0]() is pol:
        return made[1]
    for stale in [k for k, (ref, _) in _POLICIES.items() if ref() is None]:
        del _POLICIES[stale]
    out = _renewals(pol)
    _POLICIES[id(pol)] = (weakref.ref(pol), out)
    return out


def _renewals(pol: pd.DataFrame) -> pd.DataFrame:
    pol = pol.assign(vehicle=_vehicle(pol)).dropna(subset=["vehicle", "end_date"])
    pol = pol.sort_values(["vehicle", "end_date", "start_date"], kind="stable")
    g = pol.groupby("vehicle", sort=False)
    start = pol["start_date"].fillna(pol["end_date"] - pd.Timedelta(days=365))
    pol["next_end"] = g["end_date"].shift(-1)
    prev_end = g["end_date"].shift(1)
    # this policy continues one that ended here: the customer renewed here last time
    gap = (start - prev_end).dt.days
    pol["renewed_last"] = gap.between(-30, 60).astype("boolean").mask(prev_end.isna())
    given = pol["renewed_here"].astype("boolean")
    derived = pd.array((pol["next_end"] > pol["end_date"]).to_numpy(), dtype="boolean")
    pol["renewed"] = given.fillna(pd.Series(derived, index=pol.index))
    return pol


def _renewal_due(
    dataset: Dataset, base: CustomerBase, config: ListsConfig, loyalty: LoyaltyResult | None
) -> tuple[pd.DataFrame, dict[str, Any]] | Message:
    pol = _policies(dataset)
    if isinstance(pol, Message):
        return pol
    as_of = pd.Timestamp(base.as_of).normalize()
    bands = config.renewal_days
    days = (pol["end_date"] - as_of).dt.days
    # not renewed yet: no later policy of the vehicle here
    keep = (days >= 1) & (days <= bands[-1]) & pol["next_end"].isna()
    # how often policies like it were renewed here (the ones that have ended)
    ended = pol[pol["end_date"] <= as_of]
    segment = ended["renewed_last"].astype(object).fillna("first")
    rates = ended["renewed"].astype(float).groupby(segment).mean()
    overall = float(ended["renewed"].astype(float).mean()) if len(ended) else 0.5
    rows = pol[keep]
    seg = rows["renewed_last"].astype(object).fillna("first")
    p_renew = seg.map(rates).astype(float).fillna(overall if np.isfinite(overall) else 0.5)
    premium = rows["premium"].fillna(
        float(pol["premium"].median()) if pol["premium"].notna().any() else 0.0
    )
    unit = _units_of(base, rows)
    c = base.customers
    d = days[keep]
    band = np.array(bands)[np.searchsorted(np.array(bands), d.to_numpy(), side="left")]
    frame = pd.DataFrame(
        {
            "unit_id": unit.fillna(rows["unit_id"]).to_numpy(),
            "priority": (premium * p_renew).round(0).to_numpy(),
            "reason": np.where(
                rows["renewed_last"].isna(),
                "renewal_first",
                np.where(rows["renewed_last"].fillna(False), "renewal_again", "renewal_lost_last"),
            ),
            "band_days": band,
            "policy_id": rows["policy_id"].to_numpy(),
            "end_date": rows["end_date"].dt.date.to_numpy(),
            "days_left": d.to_numpy(),
            "insurer": rows["insurer"].to_numpy(),
            "premium": premium.round(2).to_numpy(),
            "renewed_last": rows["renewed_last"].to_numpy(),
            "p_renew": p_renew.round(3).to_numpy(),
            "visits": c["visits"].reindex(unit).to_numpy(),
            "last_visit": c["last_visit"].reindex(unit).dt.date.to_numpy(),
            "tier": _tiers(pd.Index(unit), loyalty),
            "advisor": c["advisor"].reindex(unit).to_numpy(),
            "plate": rows["plate"].to_numpy(),
            "vin": rows["vin"].to_numpy(),
        }
    )
    frame = frame.sort_values(["band_days", "priority"], ascending=[True, False], kind="stable")
    figures = {
        "bands": {int(b): int((band == b).sum()) for b in bands},
        "renewal_rate_history": round(overall, 3) if len(ended) else None,
        "expected_renewals": round(float(p_renew.sum()), 1),
    }
    return _ranked(frame), figures


def _insure_here(
    dataset: Dataset, base: CustomerBase, loyalty: LoyaltyResult | None
) -> tuple[pd.DataFrame, dict[str, Any]] | Message:
    pol = dataset.tables.get("insurance_policies")
    if pol is None or pol.empty:
        return Message("ls_needs", {"table": Message("t_insurance_policies")})
    c = base.customers
    rows = c[(c["days_since_last"] <= ACTIVE_DAYS) & ~c["insured_here"].astype(bool)]
    value = _value(rows, loyalty)
    frame = pd.DataFrame(
        {
            "unit_id": rows.index,
            "priority": value.round(0).to_numpy(),
            "reason": "insure_here",
            "visits": rows["visits"].to_numpy(),
            "last_visit": rows["last_visit"].dt.date.to_numpy(),
            "customer_pay": rows["customer_pay"].round(0).to_numpy(),
            "vehicle_age_years": rows["vehicle_age_years"].round(1).to_numpy(),
            "tier": _tiers(rows.index, loyalty),
            "advisor": rows["advisor"].to_numpy(),
            "model": rows["model"].to_numpy(),
        }
    )
    frame = frame.sort_values("priority", ascending=False, kind="stable")
    active = int((c["days_since_last"] <= ACTIVE_DAYS).sum())
    return _ranked(frame), {"active_customers": active}


# --------------------------------------------------------------------------- first service
def _first_service(
    dataset: Dataset, as_of: pd.Timestamp, config: ListsConfig, schedule: Schedule, *, lost: bool
) -> tuple[pd.DataFrame, dict[str, Any]] | Message:
    sales = dataset.tables.get("vehicle_sales")
    if sales is None or sales.empty:
        return Message("ls_needs", {"table": Message("t_vehicle_sales")})
    # 首保率's own matching (kpi): by VIN, else by plate for a car sold without one, a service
    # on or after the sale; so the list and the KPI say the same of every car
    first = first_services(dataset)
    if first is None:  # only without a sales table, which was checked above
        return Message("ls_needs", {"table": Message("t_vehicle_sales")})
    first = first[first["sale_date"] <= as_of]
    sold = sales.loc[first.index]
    served = first["first_service"] < as_of + ONE_DAY
    age_days = (as_of - sold["sale_date"]).dt.days
    lost_days = schedule.first_service_lost_months * MONTH_DAYS
    due_days = schedule.first_service_months * MONTH_DAYS
    if lost:
        keep = ~served & (age_days >= lost_days)
    else:
        horizon = due_days - 7 * config.weeks
        keep = ~served & (age_days >= horizon) & (age_days < lost_days)
    rows = sold[keep]
    due = rows["sale_date"] + pd.to_timedelta(round(due_days), unit="D")
    days_to_due = (due - as_of).dt.days
    frame = pd.DataFrame(
        {
            "unit_id": rows["unit_id"].to_numpy(),
            "reason": "first_service_lost"
            if lost
            else np.where(days_to_due < 0, "first_service_overdue", "first_service_due"),
            "sale_date": rows["sale_date"].dt.date.to_numpy(),
            "due_date": due.dt.date.to_numpy(),
            "days_to_due": days_to_due.to_numpy(),
            "months_since_sale": (age_days[keep] / MONTH_DAYS).round(1).to_numpy(),
            "advisor": rows["advisor"].to_numpy(),
            "model": rows["model"].to_numpy(),
            "customer_name": rows["customer_name"].to_numpy(),
            "phone": rows["phone"].to_numpy(),
            "plate": rows["plate"].to_numpy(),
            "vin": rows["vin"].to_numpy(),
        }
    )
    # due: the most overdue first (the nearest to being lost); lost: the latest loss first
    # (the likeliest to come back)
    frame = frame.sort_values("days_to_due", ascending=not lost, kind="stable")
    figures: dict[str, Any] = {"sold": len(sold), "served": int(served.sum())}
    if not lost:
        figures["overdue"] = int((days_to_due < 0).sum())
    return _ranked(frame), figures


# --------------------------------------------------------------------------- declined work
def _declined(
    dataset: Dataset, as_of: pd.Timestamp, config: ListsConfig
) -> tuple[pd.DataFrame, dict[str, Any]] | Message:
    if not dataset.has("repair_orders", "declined_work"):
        return Message("ls_needs_declined")
    ros = dataset.repair_orders
    kept = (ros["open_time"] < as_of + ONE_DAY) & ~ros["ro_type"].isin(["internal", "wash"])
    used = ["open_time", "vin", "plate", "unit_id", "declined_work", "ro_id", "advisor", "model"]
    ros = ros.loc[kept, used]  # the columns read below, not the export's 32
    vehicle = _vehicle(ros).fillna(ros["unit_id"])
    last_open = ros["open_time"].groupby(vehicle).transform("max")
    since = as_of - pd.Timedelta(days=config.declined_days)
    offered = ros["declined_work"].notna() & (ros["open_time"] >= since)
    # the vehicle has not been back since the work was declined
    rows = ros[offered & (ros["open_time"] >= last_open)]
    rows = rows.assign(vehicle=vehicle[rows.index]).drop_duplicates("vehicle", keep="last")
    days = (as_of - rows["open_time"].dt.normalize()).dt.days
    frame = pd.DataFrame(
        {
            "unit_id": rows["unit_id"].to_numpy(),
            "reason": "declined",
            "ro_id": rows["ro_id"].to_numpy(),
            "ro_date": rows["open_time"].dt.date.to_numpy(),
            "days_since": days.to_numpy(),
            "declined_work": rows["declined_work"].to_numpy(),
            "advisor": rows["advisor"].to_numpy(),
            "model": rows["model"].to_numpy(),
        }
    )
    frame = frame.sort_values("days_since", ascending=False, kind="stable")
    return _ranked(frame), {
        "declined_ros": int(offered.sum()),
        "days": config.declined_days,
    }


# --------------------------------------------------------------------------- events
def _events(
    base: CustomerBase, config: ListsConfig, lapsed_days: int, loyalty: LoyaltyResult | None
) -> tuple[pd.DataFrame, dict[str, Any]] | Message:
    if loyalty is None:
        return Message("ls_needs_loyalty")
    as_of = pd.Timestamp(base.as_of).normalize()
    when = (
        pd.Timestamp(config.event_date).normalize()
        if config.event_date
        else as_of + pd.Timedelta(days=14)
    )
    lc = loyalty.customers
    c = base.customers.reindex(lc.index)
    unresolved = c["last_comeback"].astype(bool)
    ok = lc["tier"].isin(["core", "regular"]) & (lc["days_since_last"] <= lapsed_days) & ~unresolved
    rows = lc[ok].assign(order=lambda f: (f["tier"] != "core").astype(int))
    rows = rows.sort_values(["order", "score"], ascending=[True, False], kind="stable")
    rows = rows.head(config.event_size)
    frame = pd.DataFrame(
        {
            "unit_id": rows.index,
            "priority": rows["score"].round(1).to_numpy(),
            "reason": np.where(rows["tier"] == "core", "event_core", "event_regular"),
            "event_date": when.date(),
            "tier": rows["tier"].astype(object).to_numpy(),
            "score": rows["score"].round(1).to_numpy(),
            "visits": rows["visits"].to_numpy(),
            "last_visit": rows["last_visit"].dt.date.to_numpy(),
            "advisor": rows["advisor"].to_numpy(),
            "model": rows["model"].to_numpy(),
        }
    )
    figures = {
        "event_date": str(when.date()),
        "core": int((rows["tier"] == "core").sum()),
        "excluded_comeback": int((lc["tier"].isin(["core", "regular"]) & unresolved).sum()),
    }
    return _ranked(frame), figures
