"""The department's KPIs, as DOMAIN.md defines them. Pure: a Dataset in, values out.

A KPI whose data is missing is not 0 and not an error: it is ``n/a`` with the reason
("renewal_rate needs insurance policies"). Rates are fractions 0-1. Wash and internal ROs are
left out of the customer KPIs; internal ROs are not revenue.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import customers, numbers
from .dataset import Dataset
from .errors import UsageError
from .i18n import Message, t

KPI_IDS = (
    "intake",
    "revenue",
    "labor_revenue",
    "parts_revenue",
    "revenue_per_ro",
    "output_per_head",
    "labor_hours_per_ro",
    "effective_labor_rate",
    "technician_efficiency",
    "gross_profit",
    "gross_margin",
    "parts_margin",
    "appointment_rate",
    "no_show_rate",
    "comeback_rate",
    "first_time_fix_rate",
    "on_time_delivery_rate",
    "renewal_rate",
    "retention_rate",
    "churn_rate",
    "active_base",
    "csi_mean",
    "csi_top_box",
    "mean_turnaround_hours",
    "first_service_rate",
)
# KPIs that need a column or table many exports lack (costs, clocked hours, the sales
# export): the report lists them only where they have a value, and says which it left out
OPTIONAL = frozenset(
    {
        "technician_efficiency",
        "gross_profit",
        "gross_margin",
        "parts_margin",
        "first_service_rate",
    }
)
NOT_CUSTOMER = ("wash", "internal")
COVERAGE_SLACK_DAYS = 7  # exports that start or stop this close to a period's ends cover it
BREAKDOWNS = ("month", "quarter", "advisor", "technician", "ro_type", "store")


@dataclass(frozen=True)
class Kpi:
    value: float | None
    reason: Message | None = None  # why it is n/a
    n: int | None = None  # a rate's denominator (ROs, policies, customers): its noise

    @property
    def available(self) -> bool:
        return self.value is not None and not (
            isinstance(self.value, float) and np.isnan(self.value)
        )


RATES = frozenset(
    {
        "appointment_rate",
        "no_show_rate",
        "comeback_rate",
        "first_time_fix_rate",
        "on_time_delivery_rate",
        "renewal_rate",
        "retention_rate",
        "churn_rate",
        "csi_mean",
        "csi_top_box",
        "technician_efficiency",
        "gross_margin",
        "parts_margin",
        "first_service_rate",
    }
)
ONE_DECIMAL = frozenset({"labor_hours_per_ro"})


def format_value(kpi_id: str, value: object, lang: str = "en") -> str:
    """A KPI value as a table shows it: rates in per cent, hours to a tenth, money (元) and
    counts with thousands separators; n/a (无) when missing. On stage money is said in 万元
    (:func:`numbers.money_stage`)."""
    if numbers.missing(value):
        return t("n_a", lang)
    v = float(value)  # type: ignore[arg-type]
    if kpi_id in RATES:
        return f"{100 * v:.1f}%"
    if kpi_id.endswith("hours") or kpi_id in ONE_DECIMAL:
        return f"{v:.1f}"
    return f"{v:,.0f}"


def _na(key: str, **params: object) -> Kpi:
    return Kpi(None, Message(key, params))


def _none_in_period(what: str) -> Kpi:
    return _na("na_none_in_period", what=Message(what))


def _ratio(top: float, bottom: float, what: str) -> Kpi:
    """top / bottom, or n/a when there is nothing of ``what`` (a ``w_*`` word) to divide by."""
    return Kpi(float(top / bottom), n=int(bottom)) if bottom else _none_in_period(what)


def _settle_time(ros: pd.DataFrame) -> pd.Series:
    return ros["settled_time"].fillna(ros["delivered_time"]).fillna(ros["open_time"])


_COLUMNS = (
    "ro_id",
    "unit_id",
    "vin",
    "plate",
    "open_time",
    "promised_time",
    "completed_time",
    "delivered_time",
    "settled_time",
    "ro_type",
    "total_amount",
    "labor_amount",
    "parts_amount",
    "is_appointment",
    "is_comeback",
    "technician",
    "labor_hours",
    "clocked_hours",
    "parts_cost",
    "cost_amount",
)


@dataclass
class _History:
    """What every period's KPIs take from the same repair orders, made once per table: the
    KPI columns, the RO kinds, the settle times and the units as integer codes (a year's
    month-by-month table computes the KPIs of fourteen periods on the same history)."""

    frame: pd.DataFrame
    customer: np.ndarray  # a customer RO (not a wash, not internal)
    not_internal: np.ndarray
    settle: pd.Series
    opened: np.ndarray  # open times, datetime64
    units: np.ndarray  # unit codes
    comebacks: tuple[weakref.ref[pd.Series], pd.Series] | None = None  # the last flags asked

    def flags(self, comebacks: pd.Series) -> pd.Series:
        """The comeback flags of these ROs (the caller's flags are on every customer RO)."""
        if self.comebacks is None or self.comebacks[0]() is not comebacks:
            flags = comebacks.reindex(self.frame.index).dropna().astype(bool)
            self.comebacks = (weakref.ref(comebacks), flags)
        return self.comebacks[1]

    def settled(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """The ROs settled in ``[start, end]`` (both days whole), internal ones left out:
        revenue."""
        stop = end + pd.Timedelta(days=1)
        inside = ((self.settle >= start) & (self.settle < stop)).to_numpy()
        return self.frame[inside & self.not_internal]


_HISTORIES: dict[int, tuple[weakref.ref[pd.DataFrame], _History]] = {}


def _history(ros: pd.DataFrame) -> _History:
    cached = _HISTORIES.get(id(ros))
    if cached is not None and cached[0]() is ros:
        return cached[1]
    for stale in [k for k, (ref, _) in _HISTORIES.items() if ref() is None]:
        del _HISTORIES[stale]
    frame = ros[list(_COLUMNS)]
    kind = frame["ro_type"]  # compared as categories, not as a million strings
    history = _History(
        frame,
        (~kind.isin(NOT_CUSTOMER)).to_numpy(),
        (kind != "internal").to_numpy(),
        _settle_time(frame),
        frame["open_time"].to_numpy(),
        pd.factorize(frame["unit_id"], use_na_sentinel=False)[0],
    )
    _HISTORIES[id(ros)] = (weakref.ref(ros), history)
    return history


def comeback_flags(ros: pd.DataFrame, schedule: customers.Schedule) -> pd.Series:
    """Comeback flag per customer RO (DOMAIN's 30-day rule where the export has none)."""
    mask = ~ros["ro_type"].isin(NOT_CUSTOMER)
    return customers.flag_comebacks(ros.loc[mask, list(_COLUMNS)], schedule.comeback_days)


def cents(total: object) -> float:
    """A sum of money to the cent. Amounts are in cents, so their exact sum is too: rounding
    takes off only the float sum's error (2218393.0199999996 is 2218393.02)."""
    return round(float(total), 2)  # type: ignore[arg-type]


def compute(
    dataset: Dataset,
    start: pd.Timestamp,
    end: pd.Timestamp,
    schedule: customers.Schedule | None = None,
    ros: pd.DataFrame | None = None,
    comebacks: pd.Series | None = None,
    ro_only: bool = False,
) -> dict[str, Kpi]:
    """Every KPI for the period [start, end] (both days included). ``comebacks`` (from
    :func:`comeback_flags`) saves recomputing them for several periods. ``ro_only``: only
    the KPIs of the repair orders given (a breakdown by advisor, technician or type); the
    store-level ones (per head, no-shows, renewal, retention, CSI) are n/a."""
    schedule = schedule or customers.Schedule()
    start, end = pd.Timestamp(start), pd.Timestamp(end)  # a date or text from Python, too
    history = _history(dataset.repair_orders if ros is None else ros)
    all_ros = history.frame
    stop = end + pd.Timedelta(days=1)
    present = set(dataset.columns_present.get("repair_orders", ()))
    in_period = (history.opened >= start.to_datetime64()) & (history.opened < stop.to_datetime64())
    opened = all_ros[in_period]
    customer_ros = all_ros[in_period & history.customer]
    settled = history.settled(start, end)
    out: dict[str, Kpi] = {}

    out["intake"] = Kpi(float(len(customer_ros)))
    # the ROs the revenue counts (a breakdown's RO-type row shows them beside its revenue)
    out["settled_ros"] = Kpi(float(len(settled)))
    out["revenue"] = Kpi(cents(settled["total_amount"].sum()))
    for name, column in (("labor_revenue", "labor_amount"), ("parts_revenue", "parts_amount")):
        header = "工时费" if "labor" in name else "材料费"
        out[name] = (
            Kpi(cents(settled[column].sum()))
            if column in present
            else _na("na_needs_column", header=header)
        )
    out["revenue_per_ro"] = _ratio(out["revenue"].value or 0.0, len(settled), "w_settled_ros")
    out["output_per_head"] = (
        _na("na_store_level") if ro_only else _output_per_head(dataset, settled, start, end)
    )
    out.update(_workshop_money(settled, present))
    if "is_appointment" in present:
        flags = customer_ros["is_appointment"].fillna(False).astype(bool)
        out["appointment_rate"] = _ratio(flags.sum(), len(customer_ros), "w_ros")
    else:
        out["appointment_rate"] = _na("na_needs_column", header="是否预约")
    out["no_show_rate"] = _na("na_store_level") if ro_only else _no_show(dataset, start, stop)
    comeback = (
        history.flags(comebacks) if comebacks is not None else comeback_flags(all_ros, schedule)
    )
    flags = comeback[comeback.index.isin(customer_ros.index)]
    out["comeback_rate"] = _ratio(flags.sum(), len(flags), "w_ros")
    repairs = customer_ros["ro_type"].isin(["repair", "warranty"])
    repair_flags = comeback.reindex(customer_ros.index[repairs]).fillna(False)
    out["first_time_fix_rate"] = (
        Kpi(1.0 - float(repair_flags.mean()), n=len(repair_flags))
        if len(repair_flags)
        else _na("na_needs_repair_ros")
    )
    if {"promised_time", "delivered_time"} <= present:
        # DOMAIN edge rule: the ROs whose promised time fell in the period; one not delivered
        # by its promised time (or not at all) is late
        promised = all_ros["promised_time"]
        due = all_ros[((promised >= start) & (promised < stop)).to_numpy() & history.customer]
        on_time = (
            due["delivered_time"].notna() & (due["delivered_time"] <= due["promised_time"])
        ).sum()
        out["on_time_delivery_rate"] = _ratio(on_time, len(due), "w_promised_times")
    else:
        out["on_time_delivery_rate"] = _na("na_needs_column", header="预交车时间, 交车时间")
    if ro_only:
        for kpi_id in STORE_LEVEL:
            out[kpi_id] = _na("na_store_level")
    else:
        out["renewal_rate"] = _renewal(dataset, start, stop)
        retention, active = _retention(history, start, stop)
        out["retention_rate"] = retention
        out["churn_rate"] = (
            Kpi(1.0 - retention.value, n=retention.n) if retention.value is not None else retention
        )
        out["active_base"] = active
        out.update(_csi(dataset, start, stop))
    end_times = customer_ros["delivered_time"].fillna(customer_ros["completed_time"])
    hours = ((end_times - customer_ros["open_time"]).dt.total_seconds() / 3600).dropna()
    hours = hours[(hours >= 0) & (hours <= 24 * 30)]
    out["mean_turnaround_hours"] = Kpi(float(hours.mean())) if len(hours) else _na("na_needs_times")
    out["first_service_rate"] = (
        _na("na_store_level")
        if ro_only
        else first_service_rate(dataset, start, end, schedule.first_service_lost_months)
    )
    if ro_only and not len(customer_ros) and len(opened):  # a wash or internal row alone
        out["intake"] = _na("na_not_customer_ros")
    return out


def _workshop_money(settled: pd.DataFrame, present: set[str]) -> dict[str, Kpi]:
    """Hours per RO, the effective labour rate, efficiency and margins, over the ROs settled
    in the period (DOMAIN: fixed-operations KPIs peers report)."""
    out: dict[str, Kpi] = {}
    hours = settled["labor_hours"]
    if "labor_hours" in present:
        out["labor_hours_per_ro"] = _ratio(float(hours.sum()), len(settled), "w_settled_ros")
        if "labor_amount" in present:
            sold = settled[hours.notna() & (hours > 0) & settled["labor_amount"].notna()]
            out["effective_labor_rate"] = (
                Kpi(float(sold["labor_amount"].sum() / sold["labor_hours"].sum()), n=len(sold))
                if len(sold)
                else _none_in_period("w_hours_sold")
            )
        else:
            out["effective_labor_rate"] = _na("na_needs_column", header="工时费")
    else:
        out["labor_hours_per_ro"] = _na("na_needs_column", header="工时")
        out["effective_labor_rate"] = _na("na_needs_column", header="工时, 工时费")
    if {"labor_hours", "clocked_hours"} <= present:
        both = settled[hours.notna() & (settled["clocked_hours"] > 0)]
        out["technician_efficiency"] = (
            Kpi(float(both["labor_hours"].sum() / both["clocked_hours"].sum()), n=len(both))
            if len(both)
            else _none_in_period("w_hours_clocked")
        )
    else:
        out["technician_efficiency"] = _na("na_needs_column", header="实际工时/派工工时")
    if "cost_amount" in present:
        costed = settled[settled["cost_amount"].notna() & settled["total_amount"].notna()]
        profit = cents((costed["total_amount"] - costed["cost_amount"]).sum())
        revenue = float(costed["total_amount"].sum())
        out["gross_profit"] = Kpi(profit, n=len(costed))
        out["gross_margin"] = (
            Kpi(profit / revenue, n=len(costed)) if revenue else _none_in_period("w_settled_ros")
        )
    else:
        out["gross_profit"] = _na("na_needs_column", header="成本金额")
        out["gross_margin"] = _na("na_needs_column", header="成本金额")
    if {"parts_cost", "parts_amount"} <= present:
        parts = settled[settled["parts_cost"].notna() & (settled["parts_amount"] > 0)]
        amount = float(parts["parts_amount"].sum())
        out["parts_margin"] = (
            Kpi((amount - float(parts["parts_cost"].sum())) / amount, n=len(parts))
            if amount
            else _none_in_period("w_settled_ros")
        )
    else:
        out["parts_margin"] = _na("na_needs_column", header="配件成本, 材料费")
    return out


def sold_vehicles(dataset: Dataset) -> tuple[pd.DataFrame, str]:
    """The new cars the store sold (vin, plate, sale_date) and where they come from: the
    sales export, else the repair orders' sale dates of the vehicles first seen after their
    sale within the exports (their whole service history is in view)."""
    sales = dataset.tables.get("vehicle_sales")
    if sales is not None and len(sales):
        sold = sales.dropna(subset=["sale_date"])[["vin", "plate", "sale_date"]]
        return sold.drop_duplicates(subset=["vin", "plate"], keep="last"), "vehicle_sales"
    ros = dataset.tables.get("repair_orders")
    if ros is None or ros.empty or not dataset.has("repair_orders", "vehicle_sale_date"):
        return pd.DataFrame(columns=["vin", "plate", "sale_date"]), ""
    first = ros["open_time"].min().normalize()
    seen = ros.dropna(subset=["vehicle_sale_date"])
    seen = seen[seen["vehicle_sale_date"] >= first]
    key = seen["vin"].fillna(seen["plate"])
    sold = (
        seen.assign(key=key)
        .dropna(subset=["key"])
        .drop_duplicates("key", keep="last")[["vin", "plate", "vehicle_sale_date"]]
        .rename(columns={"vehicle_sale_date": "sale_date"})
    )
    return sold, "repair_orders"


def _services(dataset: Dataset) -> pd.DataFrame:
    """Every maintenance or first-service RO: vehicle key and day."""
    ros = dataset.repair_orders
    service = ros.loc[
        ros["ro_type"].isin(["first_service", "maintenance"]), ["vin", "plate", "open_time"]
    ]
    return pd.DataFrame(
        {"vin": service["vin"], "plate": service["plate"], "day": service["open_time"]}
    )


def _service_counts(sold: pd.DataFrame, services: pd.DataFrame, until: pd.Series) -> pd.Series:
    """How many services each sold vehicle had after its sale and before ``until`` (per
    vehicle), matched by VIN, else (a car sold without one) by plate."""
    counts = pd.Series(0, index=sold.index, dtype=int)
    for key in ("vin", "plate"):
        table = services.dropna(subset=[key])
        cars = sold[sold["vin"].isna()] if key == "plate" else sold  # plate: no VIN sold
        if table.empty or cars.empty:
            continue
        own = cars[["sale_date", key]].reset_index().merge(table, on=key, how="inner")
        own = own[(own["day"] >= own["sale_date"]) & (own["day"] < own["index"].map(until))]
        counts = counts.add(own.groupby("index").size(), fill_value=0).astype(int)
    return counts


def first_service_rate(
    dataset: Dataset, start: pd.Timestamp, end: pd.Timestamp, months: float = 12.0
) -> Kpi:
    """首保率: of the new cars sold in the period shifted back by the first-service window
    (``months``: ``[schedule] first_service_lost_months``, DOMAIN's 12), the share whose
    first service came here within it. The cohort is the one whose window ends inside the
    period, so the rate is known by the period's end."""
    sold = first_services(dataset)
    if sold is None:
        return _na("na_needs_table", table=Message("w_vehicle_sales"))
    window = pd.Timedelta(days=round(months * 30.44))
    cohort = sold[(sold["sale_date"] >= start - window) & (sold["sale_date"] <= end - window)]
    if not len(cohort):
        return _na("na_no_first_service_cohort", months=f"{months:g}")
    came = cohort["first_service"] < cohort["sale_date"] + window
    return Kpi(float(came.mean()), n=len(cohort))


# the sold cars with their first service, per repair-order table (a month-by-month breakdown
# asks for 首保率 a dozen times: matched once)
_FIRST_SERVICE_CACHE: dict[int, tuple[weakref.ref[pd.DataFrame], pd.DataFrame | None]] = {}


def first_services(dataset: Dataset) -> pd.DataFrame | None:
    """The cars sold (``sold_vehicles``) with the day of their first service here on or
    after the sale (NaT: none yet); None without a source of sold cars."""
    ros = dataset.repair_orders
    cached = _FIRST_SERVICE_CACHE.get(id(ros))
    if cached is not None and cached[0]() is ros:
        return cached[1]
    sold, source = sold_vehicles(dataset)
    out: pd.DataFrame | None = None
    if source:
        services = _services(dataset)
        first = pd.Series(pd.NaT, index=sold.index, dtype="datetime64[ns]")
        for key in ("vin", "plate"):
            table = services.dropna(subset=[key])
            cars = sold[sold["vin"].isna()] if key == "plate" else sold  # plate: no VIN sold
            own = cars[["sale_date", key]].reset_index().merge(table[[key, "day"]], on=key)
            own = own[own["day"] >= own["sale_date"]]
            day = own.groupby("index")["day"].min()
            first = first.fillna(day.reindex(sold.index))
        out = sold.assign(first_service=first)
    for stale in [k for k, (ref, _) in _FIRST_SERVICE_CACHE.items() if ref() is None]:
        del _FIRST_SERVICE_CACHE[stale]
    _FIRST_SERVICE_CACHE[id(ros)] = (weakref.ref(ros), out)
    return out


def output_per_head(dataset: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> Kpi:
    """人均产值 for ``[start, end]`` as `fours kpi` defines it (the one definition every output
    uses): revenue settled in the period per month over the average technician headcount."""
    settled = _history(dataset.repair_orders).settled(pd.Timestamp(start), pd.Timestamp(end))
    return _output_per_head(dataset, settled, start, end)


def _output_per_head(
    dataset: Dataset, settled: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> Kpi:
    """Revenue per month per head: over the average headcount of technicians (staff table:
    on the roster each day), else over the distinct technicians active each month; months
    and days are those of the period the exports cover (:func:`covered_span`)."""
    # per month of the span the exports cover: a year whose exports start in September has
    # four months of revenue, not twelve (nor a year's average roster)
    start, end = covered_span(dataset, start, end)
    months = max((end - start).days + 1, 1) / 30.4375
    staff = dataset.tables.get("staff")
    if staff is not None and len(staff):
        techs = staff[staff["role"].astype(str) == "technician"]
        heads = _mean_on_roster(techs["hire_date"], techs["leave_date"], start, end)
    elif settled["technician"].notna().any():
        by_month = settled.groupby(_settle_time(settled).dt.to_period("M"))["technician"]
        heads = float(by_month.nunique().mean())
    else:
        return _na("na_needs_table", table=Message("w_staff"))
    if not heads:
        return _na("na_nobody_on_roster")
    return Kpi(float(settled["total_amount"].sum()) / months / heads)


def _mean_on_roster(
    hired: pd.Series, left: pd.Series, start: pd.Timestamp, end: pd.Timestamp
) -> float:
    """The mean over the days ``start, start + 1 day, ..., <= end`` of the people on the
    roster that day (hired on or before it, not yet left: ``hire <= day < leave``; no date is
    no bound). Each person's days are counted at once: day i is on when
    ``ceil((hire - start) / 1 day) <= i < ceil((leave - start) / 1 day)``."""
    n = len(pd.date_range(start, end, freq="D"))
    if not n:
        return 0.0
    day = pd.Timedelta(days=1)

    def first_index(when: pd.Series, none: int) -> np.ndarray:
        steps = ((pd.to_datetime(when) - start) / day).to_numpy(dtype=float)
        return np.clip(np.where(np.isnan(steps), none, np.ceil(steps)), 0, n)

    on = first_index(left, n) - first_index(hired, 0)
    return float(np.clip(on, 0, None).sum() / n)


def _no_show(dataset: Dataset, start: pd.Timestamp, stop: pd.Timestamp) -> Kpi:
    appts = dataset.tables.get("appointments")
    if appts is None or not len(appts):
        return _na("na_needs_table", table=Message("w_appointments"))
    due = appts[(appts["scheduled_time"] >= start) & (appts["scheduled_time"] < stop)]
    status = due["status"].astype(str)
    decided = due[status.isin(["shown", "no_show"])]
    return _ratio(
        (decided["status"].astype(str) == "no_show").sum(), len(decided), "w_appointments_due"
    )


def _renewal(dataset: Dataset, start: pd.Timestamp, stop: pd.Timestamp) -> Kpi:
    pol = dataset.tables.get("insurance_policies")
    if pol is None or not len(pol):
        return _na("na_needs_table", table=Message("w_policies"))
    ending = pol[(pol["end_date"] >= start) & (pol["end_date"] < stop)]
    if not len(ending):
        return _none_in_period("w_policies_ending")
    renewed = ending["renewed_here"].astype("boolean")
    if renewed.isna().any():  # derive: a following policy here within 60 days of the end
        key = pol["vin"].fillna(pol["plate"])
        starts = pol.assign(key=key).sort_values("start_date")
        nxt = starts.groupby("key")["start_date"].shift(-1).reindex(ending.index)
        derived = (nxt - ending["end_date"]).dt.days.between(-30, 60)
        renewed = renewed.fillna(derived)
    return Kpi(float(renewed.astype(bool).mean()), n=len(renewed))


def _retention(history: _History, start: pd.Timestamp, stop: pd.Timestamp) -> tuple[Kpi, Kpi]:
    """Of the customers seen in the 12 months before the period, the share seen again in
    it; and the active base (seen in the 12 months before the period's end)."""
    when, units = history.opened, history.units
    n_units = int(units.max()) + 1 if len(units) else 0

    def seen(first: pd.Timestamp, until: pd.Timestamp) -> np.ndarray:
        """Whether each unit had a customer RO opened in [first, until)."""
        inside = (when >= first.to_datetime64()) & (when < until.to_datetime64())
        out = np.zeros(n_units, dtype=bool)
        out[units[inside & history.customer]] = True
        return out

    year = pd.DateOffset(years=1)
    before = np.flatnonzero(seen(start - year, start))
    during = seen(start, stop)
    active = int(seen(stop - year, stop).sum())
    if not len(before):
        return (_na("na_no_prior_visits"), Kpi(float(active)))
    back = during[before]
    return Kpi(float(back.mean()), n=len(back)), Kpi(float(active))


def _csi(dataset: Dataset, start: pd.Timestamp, stop: pd.Timestamp) -> dict[str, Kpi]:
    csi = dataset.tables.get("csi_surveys")
    if csi is None or not len(csi):
        return dict.fromkeys(
            ("csi_mean", "csi_top_box"), _na("na_needs_table", table=Message("w_csi"))
        )
    when = csi["survey_date"]
    if when.isna().all():  # no survey dates: by the RO's open time
        opened = dataset.repair_orders.set_index("ro_id")["open_time"]
        when = csi["ro_id"].map(opened)
    period = csi[(when >= start) & (when < stop)]
    if not len(period):
        return dict.fromkeys(("csi_mean", "csi_top_box"), _none_in_period("w_surveys"))
    top = period["score_raw"] >= period["score_scale"].astype(float).where(
        period["score_scale"] < 100, 90
    )
    n = len(period)
    return {
        "csi_mean": Kpi(float(period["score"].mean()), n=n),
        "csi_top_box": Kpi(float(top.mean()), n=n),
    }


def breakdown(
    dataset: Dataset,
    start: pd.Timestamp,
    end: pd.Timestamp,
    by: str,
    schedule: customers.Schedule | None = None,
    comebacks: pd.Series | None = None,
) -> pd.DataFrame:
    """The KPIs per month, quarter, advisor, technician, RO type or store (rows) in a
    period. By people or types, only the RO-based KPIs mean something; the rest are n/a."""
    ros = dataset.repair_orders
    # a comeback belongs to the vehicle's history, not to the group's: flag it once, on all
    flags = (
        comebacks
        if comebacks is not None
        else comeback_flags(ros, schedule or customers.Schedule())
    )
    rows = []
    if by in ("month", "quarter"):
        freq = "M" if by == "month" else "Q"
        for period in pd.period_range(start, end, freq=freq):
            lo = max(period.start_time, start)
            hi = min(period.end_time.normalize(), end)
            values = compute(dataset, lo, hi, schedule, comebacks=flags)
            rows.append({by: str(period), **{k: v.value for k, v in values.items()}})
        return pd.DataFrame(rows)
    if by not in ("advisor", "technician", "ro_type", "store"):
        raise UsageError(
            "bad_option",
            option="by",
            reason=Message("rs_unknown_breakdown", {"value": by, "choices": ", ".join(BREAKDOWNS)}),
        )
    if by == "store":  # a store is a whole dataset of its own: every KPI
        for store in dataset.stores:
            values = compute(dataset.for_store(store), start, end, schedule)  # own index
            rows.append({by: store, **{k: v.value for k, v in values.items()}})
        return pd.DataFrame(rows)
    # only the ROs opened or settled in the period count for an RO-level KPI
    stop = end + pd.Timedelta(days=1)
    settle = _settle_time(ros)
    ros = ros[
        ((ros["open_time"] >= start) & (ros["open_time"] < stop))
        | ((settle >= start) & (settle < stop))
    ]
    return pd.DataFrame(_ro_kpis_by_group(dataset, ros, by, start, end, flags))


def _ro_kpis_by_group(
    dataset: Dataset,
    ros: pd.DataFrame,
    by: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    comebacks: pd.Series,
) -> list[dict[str, object]]:
    """The rows of a breakdown by advisor, technician or RO type: for each group, the values
    :func:`compute` with ``ro_only`` gives on the group's ROs (its rules, one by one), in one
    pass of sums per group over all of them instead of one call per group (a year's
    technicians are hundreds of groups)."""
    grouping = ros.groupby(ros[by].astype(str), observed=True)
    labels = list(grouping.groups)  # sorted, as the groups' numbers are
    code = grouping.ngroup().fillna(-1).to_numpy(dtype=np.int64)  # -1: a missing key
    size = len(labels)
    # the columns in compute's order, and what it says of a group with no ROs at all
    order = list(compute(dataset, start, end, ros=ros.iloc[:0], comebacks=comebacks, ro_only=True))
    present = set(dataset.columns_present.get("repair_orders", ()))
    stop = end + pd.Timedelta(days=1)
    kind = ros["ro_type"]
    customer = ~kind.isin(NOT_CUSTOMER).to_numpy()
    opened = ros["open_time"]
    in_period = ((opened >= start) & (opened < stop)).to_numpy()
    settle = _settle_time(ros)
    settled = ((settle >= start) & (settle < stop)).to_numpy() & (kind != "internal").to_numpy()
    grouped = code >= 0  # a row whose group is missing is in no group

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(code[mask & grouped], minlength=size).astype(float)

    def total(mask: np.ndarray, values: pd.Series | np.ndarray) -> np.ndarray:
        x = np.asarray(values, dtype=float)
        keep = mask & grouped & ~np.isnan(x)  # a missing amount adds nothing, as in a sum
        # pandas' grouped sum compensates its rounding (Kahan): a year of money adds up to
        # its cents, where a plain running sum drifts in the last digits
        sums = pd.Series(x[keep]).groupby(code[keep]).sum()
        out = np.zeros(size)
        out[sums.index.to_numpy()] = sums.to_numpy()
        return out

    def ratio(top: np.ndarray, bottom: np.ndarray) -> list[float | None]:
        return [float(a / b) if b else None for a, b in zip(top, bottom, strict=True)]

    def column(name: str) -> np.ndarray:
        return ros[name].to_numpy(dtype=float, na_value=np.nan)

    values: dict[str, list[float | None]] = {k: [None] * size for k in order}
    customer_ros = in_period & customer
    n_customer, n_opened, n_settled = count(customer_ros), count(in_period), count(settled)
    values["intake"] = [
        None if not c and o else float(c) for c, o in zip(n_customer, n_opened, strict=True)
    ]
    values["settled_ros"] = [float(n) for n in n_settled]
    amount_all = column("total_amount")
    revenue = total(settled, amount_all)
    values["revenue"] = [cents(r) for r in revenue]
    for name, source in (("labor_revenue", "labor_amount"), ("parts_revenue", "parts_amount")):
        if source in present:
            values[name] = [cents(r) for r in total(settled, column(source))]
    values["revenue_per_ro"] = ratio(revenue, n_settled)
    if "labor_hours" in present:
        hours = column("labor_hours")
        values["labor_hours_per_ro"] = ratio(total(settled, hours), n_settled)
        if "labor_amount" in present:
            amount = column("labor_amount")
            sold = settled & ~np.isnan(hours) & (hours > 0) & ~np.isnan(amount)
            values["effective_labor_rate"] = ratio(total(sold, amount), total(sold, hours))
        if "clocked_hours" in present:
            clocked = column("clocked_hours")
            both = settled & ~np.isnan(hours) & (clocked > 0)  # clocked > 0: a sum > 0 if any
            values["technician_efficiency"] = ratio(total(both, hours), total(both, clocked))
    if "cost_amount" in present:
        cost = column("cost_amount")
        costed = settled & ~np.isnan(cost) & ~np.isnan(amount_all)
        profit = total(costed, amount_all - cost)
        values["gross_profit"] = [cents(x) for x in profit]
        values["gross_margin"] = ratio(profit, total(costed, amount_all))
    if {"parts_cost", "parts_amount"} <= present:
        parts_amount, parts_cost = column("parts_amount"), column("parts_cost")
        parts = settled & ~np.isnan(parts_cost) & (parts_amount > 0)
        amount = total(parts, parts_amount)
        values["parts_margin"] = ratio(amount - total(parts, parts_cost), amount)
    if "is_appointment" in present:
        booked = ros["is_appointment"].fillna(False).astype(bool).to_numpy()
        values["appointment_rate"] = ratio(count(customer_ros & booked), n_customer)
    flag = comebacks.reindex(ros.index)
    has_flag = flag.notna().to_numpy()
    came_back = flag.fillna(False).astype(bool).to_numpy()
    values["comeback_rate"] = ratio(
        count(customer_ros & has_flag & came_back), count(customer_ros & has_flag)
    )
    repairs = customer_ros & kind.isin(["repair", "warranty"]).to_numpy()
    n_repairs = count(repairs)
    values["first_time_fix_rate"] = [
        1.0 - float(c / n) if n else None
        for c, n in zip(count(repairs & came_back), n_repairs, strict=True)
    ]
    if {"promised_time", "delivered_time"} <= present:
        promised, delivered = ros["promised_time"], ros["delivered_time"]
        due = ((promised >= start) & (promised < stop)).to_numpy() & customer
        on_time = (delivered.notna() & (delivered <= promised)).to_numpy()
        values["on_time_delivery_rate"] = ratio(count(due & on_time), count(due))
    end_times = ros["delivered_time"].fillna(ros["completed_time"])
    hours_taken = ((end_times - opened).dt.total_seconds() / 3600).to_numpy(dtype=float)
    timed = customer_ros & (hours_taken >= 0) & (hours_taken <= 24 * 30)  # NaN: neither
    values["mean_turnaround_hours"] = ratio(total(timed, hours_taken), count(timed))
    return [{by: label, **{k: values[k][i] for k in order}} for i, label in enumerate(labels)]


def report(
    dataset: Dataset,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    compare: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    targets: dict[str, object] | None = None,
    schedule: customers.Schedule | None = None,
    comebacks: pd.Series | None = None,
    previous: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> pd.DataFrame:
    """One row per KPI: value (or n/a and why), the compared period's value and the change
    (同比), the previous period's (环比: ``previous``, the span just before), the target and
    the share of it reached. Monthly targets add up to the period's (sums) or average
    (rates) for the months in the period."""
    flags = (
        comebacks
        if comebacks is not None
        else comeback_flags(dataset.repair_orders, schedule or customers.Schedule())
    )
    now = compute(dataset, start, end, schedule, comebacks=flags)
    then = compute(dataset, *compare, schedule, comebacks=flags) if compare else {}
    before_now = compute(dataset, *previous, schedule, comebacks=flags) if previous else {}
    gap_prev = coverage_gap(dataset, *previous) if previous else None
    # a compared period the exports do not reach has no figures (not zeros); one they
    # reach only in part has figures that are not comparable
    gap = coverage_gap(dataset, *compare) if compare else None
    rows = []
    for kpi_id in KPI_IDS:
        value = now[kpi_id]
        row: dict[str, object] = {
            "kpi": kpi_id,
            "value": value.value,
            "n/a": value.reason if not value.available else None,
            "n": value.n,
        }
        if compare:
            before = then[kpi_id].value if then[kpi_id].available else None
            row["compared_n"] = then[kpi_id].n
            why = then[kpi_id].reason if not then[kpi_id].available else None
            if gap is not None:
                before = None if gap.key == "na_outside_data" else before
                why = gap
            row["compared"] = before
            row["change"] = None if gap is not None else numbers.change(kpi_id, value.value, before)
            row["change_unit"] = "points" if kpi_id in RATES else "relative"
            if row["change"] is None:
                why = (
                    why
                    or value.reason
                    or Message("na_no_base" if before == 0 else "na_not_compared")
                )
            row["change_n/a"] = why if row["change"] is None else None
        if previous:
            last = before_now[kpi_id].value if before_now[kpi_id].available else None
            why_prev = before_now[kpi_id].reason if not before_now[kpi_id].available else None
            if gap_prev is not None:
                last = None if gap_prev.key == "na_outside_data" else last
                why_prev = gap_prev
            row["previous"] = last
            row["change_prev"] = (
                None if gap_prev is not None else numbers.change(kpi_id, value.value, last)
            )
            if row["change_prev"] is None:
                why_prev = (
                    why_prev
                    or value.reason
                    or Message("na_no_base" if last == 0 else "na_not_compared")
                )
            row["change_prev_n/a"] = why_prev if row["change_prev"] is None else None
        target = _target_for(kpi_id, (targets or {}), start, end)
        if target is not None:
            row["target"] = target
            row["of_target"] = numbers.achievement(kpi_id, value.value, target)
            row["met"] = numbers.met(kpi_id, value.value, target)
        rows.append(row)
    return pd.DataFrame(rows)


def coverage_gap(dataset: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> Message | None:
    """Why the exports cannot give ``[start, end]`` whole: none of its repair orders (the
    span lies outside the exports), or only part of them (the exports start inside it);
    None when the span is covered."""
    opened = dataset.repair_orders["open_time"]
    period = Message("p_period", {"start": start, "end": end})
    if opened.empty:
        return Message("na_outside_data", {"period": period})
    first, last = opened.min(), opened.max()
    if first >= end + pd.Timedelta(days=1) or last < start:
        return Message("na_outside_data", {"period": period})
    covered = covered_span(dataset, start, end.normalize())
    if covered[0] != start:
        return Message("na_partly_covered", {"first": f"{first:%Y-%m-%d}", "period": period})
    if covered[1] != end.normalize():
        return Message("na_ends_early", {"last": f"{last:%Y-%m-%d}", "period": period})
    return None


def covered_span(
    dataset: Dataset, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The part of ``[start, end]`` (whole days) the exports cover: from the first repair
    order's day where the exports start inside it, to the last one's where they stop inside
    it (a gap of at most a week at either end is no gap); :func:`coverage_gap` says why."""
    opened = dataset.repair_orders["open_time"].dropna()
    if opened.empty:
        return start, end
    first, last = opened.min().normalize(), opened.max().normalize()
    slack = pd.Timedelta(days=COVERAGE_SLACK_DAYS)  # a holiday at either end is no gap
    if start + slack < first <= end:
        start = first
    if start <= last < end - slack:
        end = last
    return start, end


STORE_LEVEL = (
    "renewal_rate",
    "retention_rate",
    "churn_rate",
    "active_base",
    "csi_mean",
    "csi_top_box",
)
SUMMED = ("intake", "revenue", "labor_revenue", "parts_revenue", "gross_profit")


def _target_for(
    kpi_id: str, targets: dict[str, object], start: pd.Timestamp, end: pd.Timestamp
) -> float | None:
    monthly = targets.get("monthly", {})
    if isinstance(monthly, dict) and kpi_id in monthly:
        per_month = monthly[kpi_id]
        months = [str(p) for p in pd.period_range(start, end, freq="M")]
        values = [float(per_month[m]) for m in months if m in per_month]  # type: ignore[index]
        if values:
            return float(np.sum(values)) if kpi_id in SUMMED else float(np.mean(values))
    value = targets.get(kpi_id)
    return float(value) if isinstance(value, int | float) else None


def pay_mix(dataset: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Labour and parts revenue by pay type (customer / warranty / insurance / internal) of
    the ROs settled in the period. An RO with several pay types ("自费+索赔") counts once in
    the RO count and its money is split evenly between them (the export has no per-line pay
    type), so every column adds up to the period's totals. Internal ROs are shown (they are
    a pay type) though they are not revenue."""
    ros = dataset.repair_orders
    settle = _settle_time(ros)
    stop = end + pd.Timedelta(days=1)
    settled = ros[(settle >= start) & (settle < stop)]
    kinds = settled["pay_type"].astype(object).fillna("customer").astype(str).str.split("+")
    share = 1.0 / kinds.map(len)
    rows = settled.assign(pay=kinds, share=share).explode("pay")
    labour = rows["labor_amount"].fillna(0.0) * rows["share"]
    parts = rows["parts_amount"].fillna(0.0) * rows["share"]
    total = rows["total_amount"].fillna(0.0) * rows["share"]
    out = (
        pd.DataFrame(
            {"pay_type": rows["pay"], "ros": rows["share"], "labor": labour, "parts": parts}
        )
        .assign(total=total)
        .groupby("pay_type", sort=False)
        .sum()
    )
    order = [p for p in ("customer", "warranty", "insurance", "internal") if p in out.index]
    out = out.reindex(order + [p for p in out.index if p not in order])
    whole = float(out["total"].sum())
    out["share"] = out["total"] / whole if whole else np.nan
    return out.reset_index()


FREQUENCY_BUCKETS = (("1", 1, 1), ("2", 2, 2), ("3-4", 3, 4), ("5+", 5, None))


def visit_frequency(dataset: Dataset, end: pd.Timestamp) -> pd.DataFrame:
    """The active base (a visit in the 12 months to ``end``) by visits in those 12 months:
    1 / 2 / 3-4 / 5+ (a visit: a customer's day at the store, wash and internal left out)."""
    ros = dataset.repair_orders
    stop = end + pd.Timedelta(days=1)
    mask = (
        (ros["open_time"] >= stop - pd.DateOffset(years=1))
        & (ros["open_time"] < stop)
        & ~ros["ro_type"].isin(NOT_CUSTOMER)
    )
    recent = ros.loc[mask, ["unit_id", "open_time"]]
    visits = recent.assign(day=recent["open_time"].dt.normalize()).drop_duplicates(
        ["unit_id", "day"]
    )
    per = visits.groupby("unit_id").size()
    rows = []
    for label, low, high in FREQUENCY_BUCKETS:
        inside = (per >= low) & (per <= high) if high is not None else per >= low
        rows.append({"visits": label, "customers": int(inside.sum())})
    out = pd.DataFrame(rows)
    n = int(out["customers"].sum())
    out["share"] = out["customers"] / n if n else np.nan
    return out


LADDER = ("first_service", "second_service", "third_service", "after_warranty")


def retention_ladder(
    dataset: Dataset, as_of: pd.Timestamp, schedule: customers.Schedule | None = None
) -> pd.DataFrame:
    """首保 → 二保 → 三保 → after warranty: of the new cars sold (the sales export, else the
    cars first seen after their sale date), the share that had a first, a second and a third
    service here, and a service after the warranty ended. Each step counts only the cars old
    enough to have reached it by ``as_of`` (a car sold last month cannot have had its third
    service): the step's ``eligible`` column says how many. DOMAIN: a published 100-store
    sample had 94 % → 63 % → 42 % → 31 %."""
    schedule = schedule or customers.Schedule()
    sold, source = sold_vehicles(dataset)
    columns = ["step", "eligible", "reached", "share", "source"]
    if not source:
        return pd.DataFrame(columns=columns)
    sold = sold[sold["sale_date"] <= as_of]
    age = (as_of - sold["sale_date"]).dt.days / 30.44
    services = _services(dataset)
    services = services[services["day"] < as_of + pd.Timedelta(days=1)]
    end = pd.Series(as_of + pd.Timedelta(days=1), index=sold.index)
    counts = _service_counts(sold, services, end)
    warranty_end = sold["sale_date"] + pd.Timedelta(days=round(schedule.warranty_years * 365.25))
    after = _service_counts(sold.assign(sale_date=warranty_end), services, end)  # after it
    first, interval = schedule.first_service_lost_months, schedule.service_months
    rows = []
    for step, n_needed, months in (
        ("first_service", 1, first),
        ("second_service", 2, first + interval),
        ("third_service", 3, first + 2 * interval),
        ("after_warranty", None, schedule.warranty_years * 12 + interval),
    ):
        old = age >= months
        got = (counts[old] >= n_needed) if n_needed is not None else (after[old] > 0)
        eligible = int(old.sum())
        rows.append(
            {
                "step": step,
                "eligible": eligible,
                "reached": int(got.sum()),
                "share": float(got.mean()) if eligible else np.nan,
                "source": source,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def tables(
    dataset: Dataset,
    start: pd.Timestamp,
    end: pd.Timestamp,
    schedule: customers.Schedule | None = None,
) -> dict[str, pd.DataFrame]:
    """The period's KPI tables beside the KPI table: the pay mix, the active base's visit
    frequency at its end and the retention ladder (the KPI step writes them; the report
    cites them)."""
    return {
        "pay_mix": pay_mix(dataset, start, end),
        "visit_frequency": visit_frequency(dataset, end),
        "retention_ladder": retention_ladder(dataset, end, schedule),
    }
