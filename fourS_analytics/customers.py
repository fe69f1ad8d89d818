"""The customer base as of a date: one row per analysis unit, every feature that loyalty and
churn use, built from the repair orders and whatever other tables exist.

Pure: DataFrames in, a DataFrame out. Which features could not be built (a missing table or
column) is reported in ``CustomerBase.unavailable`` with the reason, so the analyses can say it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import Schedule
from .dataset import Dataset, positions
from .errors import InputError
from .timeframe import AsOf, opened_span

DAY = 86400.0


@dataclass
class CustomerBase:
    customers: pd.DataFrame  # one row per unit_id
    visits: pd.DataFrame  # one row per (unit_id, visit day), with the RO facts of that day
    as_of: pd.Timestamp
    unavailable: dict[str, str] = field(default_factory=dict)  # feature -> na_* message key


def flag_comebacks(ros: pd.DataFrame, days: int) -> pd.Series:
    """DOMAIN: a repair or warranty RO of the same vehicle opened within ``days`` after the
    delivery of an earlier repair RO (the export's own flag wins where it has one)."""
    vehicle = ros["vin"].fillna(ros["plate"]).fillna(ros["unit_id"])
    codes = pd.factorize(vehicle)[0]  # sort integers, not strings
    repair = ros["ro_type"].isin(["repair", "warranty"]).to_numpy()
    order = np.lexsort((ros["open_time"].to_numpy(), codes))
    v = codes[order]
    opened = ros["open_time"].to_numpy()[order]
    done = (
        ros["delivered_time"]
        .fillna(ros["completed_time"])
        .fillna(ros["open_time"])
        .to_numpy()[order]
    )
    rep = repair[order]
    # time of the latest earlier repair delivery of the same vehicle
    earlier = pd.Series(np.where(rep, done, np.datetime64("NaT")))
    earlier = earlier.groupby(v).shift(1)
    last_done = earlier.groupby(v).ffill().to_numpy()
    # DOMAIN edge rule: calendar days from the delivery date to the new opening date, the
    # last day of the window included (30 days and an hour after a delivery is day 30)
    after = (opened - last_done) >= np.timedelta64(0, "s")  # type: ignore[operator]
    day = np.timedelta64(1, "D")
    calendar = (opened.astype("datetime64[D]") - last_done.astype("datetime64[D]")) / day
    flag = rep & after & (calendar <= days)
    out = np.zeros(len(ros), dtype=bool)
    out[order] = flag
    derived = pd.Series(out, index=ros.index)
    given = ros["is_comeback"]
    return given.astype("boolean").fillna(derived).astype(bool)  # type: ignore[arg-type]


@dataclass
class _VisitTable:
    """What the customer base takes from the repair orders that does not depend on the as-of
    day: one row per (unit, visit day) over the whole export (a base as of a day takes the
    rows up to it: an RO's facts and its comeback flag depend only on earlier ROs), the unit
    ids' sorted codes, and the RO-level prices whose peers do depend on the day."""

    visits: pd.DataFrame  # unit_id (code), day, the day's RO facts; no price_ratio
    names: pd.Index  # code -> unit id
    # per customer-paid RO: day, amount, peer (model x RO type code), visit (row in visits)
    prices: pd.DataFrame
    unavailable: dict[str, str]
    # the visits' VIN and plate, and the policies' (when given), as codes of one key space
    keys: dict[str, np.ndarray] = field(default_factory=dict)
    n_keys: int = 0
    policies: weakref.ref[pd.DataFrame] | None = None

    def policy_keys(self, pol: pd.DataFrame) -> dict[str, np.ndarray]:
        """The key codes of the visits and of this policy table (made once per table)."""
        if self.policies is None or self.policies() is not pol:
            strings = [self.visits["vin"], self.visits["plate"], pol["vin"], pol["plate"]]
            codes = pd.factorize(pd.concat(strings, ignore_index=True))[0]
            cuts = np.cumsum([0, *(len(x) for x in strings)])
            names = ("vin", "plate", "pol_vin", "pol_plate")
            self.keys = {n: codes[a:b] for n, a, b in zip(names, cuts[:-1], cuts[1:], strict=True)}
            self.n_keys = int(codes.max()) + 1 if len(codes) else 0
            self.policies = weakref.ref(pol)
        return self.keys


# a churn run builds the base at nine days: the visit table is made once per export
_VISIT_TABLES: dict[tuple[int, int, float], tuple[weakref.ref[pd.DataFrame], _VisitTable]] = {}


def _visit_table(dataset: Dataset, schedule: Schedule) -> _VisitTable:
    ros_all = dataset.repair_orders
    key = (id(ros_all), schedule.comeback_days, schedule.long_wait_hours)
    cached = _VISIT_TABLES.get(key)
    if cached is not None and cached[0]() is ros_all:
        return cached[1]
    table = _make_visit_table(dataset, schedule)
    for stale in [k for k, (ref, _) in _VISIT_TABLES.items() if ref() is None]:
        del _VISIT_TABLES[stale]
    _VISIT_TABLES[key] = (weakref.ref(ros_all), table)
    return table


def values_at(keys: pd.Series, table: pd.Series) -> np.ndarray:
    """``keys.map(table)`` as floats, NaN where a key is not in ``table`` (unique index), by
    :func:`positions` (the 1M-RO store's CSI per RO: 1.0 -> 0.24 s)."""
    if not table.index.is_unique:
        return keys.map(table).to_numpy(dtype=float, na_value=np.nan)
    at = positions(keys, table.index)
    found = at >= 0
    out = np.full(len(keys), np.nan)
    out[found] = table.to_numpy(dtype=float, na_value=np.nan)[at[found]]
    return out


_VISIT_COLUMNS = (
    "ro_id",
    "unit_id",
    "vin",
    "plate",
    "open_time",
    "promised_time",
    "completed_time",
    "delivered_time",
    "ro_type",
    "pay_type",
    "total_amount",
    "labor_hours",
    "mileage",
    "advisor",
    "is_appointment",
    "is_comeback",
    "vehicle_sale_date",
    "model",
)


def _make_visit_table(dataset: Dataset, schedule: Schedule) -> _VisitTable:
    ros_all = dataset.repair_orders
    unavailable: dict[str, str] = {}
    # the columns read below, once (not the other dozen of the export's); the types compared
    # as categories, not as a million strings
    ros = ros_all.loc[ros_all["ro_type"] != "internal", list(_VISIT_COLUMNS)].copy()
    present = set(dataset.columns_present.get("repair_orders", ()))

    def has(column: str) -> bool:
        return column in present

    ros["is_comeback"] = flag_comebacks(ros, schedule.comeback_days)
    # the unit ids as sorted integer codes: every groupby below then skips hashing strings
    # (the ids come back at the end, in the same sorted order)
    codes, names = pd.factorize(ros["unit_id"], sort=True, use_na_sentinel=False)
    ros["unit_id"] = codes
    ros["day"] = ros["open_time"].dt.normalize()
    ros["is_maintenance"] = ros["ro_type"].isin(["maintenance", "first_service"])
    pay = ros["pay_type"].fillna("customer").astype(str)
    ros["customer_pay"] = np.where(
        pay.str.contains("customer"), ros["total_amount"].fillna(0.0), 0.0
    )
    end = ros["delivered_time"].fillna(ros["completed_time"])
    ros["turnaround_h"] = (end - ros["open_time"]).dt.total_seconds() / 3600
    # waiting = open -> completed beyond the work content (flag hours); body work that runs
    # for days is not waiting
    work = ros["labor_hours"].fillna(0.0)
    to_done = (ros["completed_time"] - ros["open_time"]).dt.total_seconds() / 3600
    to_delivery = ros["turnaround_h"] - 0.5  # handing over takes a while
    ros["wait_h"] = to_done.fillna(to_delivery) - work
    mechanical = ~ros["ro_type"].isin(["body_paint", "accident"])
    if ros["wait_h"].notna().any():
        ros["long_wait"] = (ros["wait_h"] > schedule.long_wait_hours) & mechanical
    else:
        ros["long_wait"] = False
        unavailable["long_wait"] = "na_needs_times"
    if has("promised_time") and has("delivered_time"):
        ros["late"] = ros["delivered_time"] > ros["promised_time"]
    else:
        ros["late"] = False
        unavailable["late_delivery"] = "na_needs_promised"
    if has("model") and has("total_amount"):
        paid = ros["customer_pay"] > 0
        prices = ros.loc[paid, ["unit_id", "day", "model", "ro_type", "total_amount"]]
    else:
        prices = ros.iloc[:0][["unit_id", "day", "model", "ro_type", "total_amount"]]
        unavailable["price_vs_peers"] = "na_needs_model_amounts"

    # CSI per RO
    csi = dataset.tables.get("csi_surveys")
    if csi is not None and len(csi):
        ros["csi"] = values_at(ros["ro_id"], csi.groupby("ro_id")["score"].mean())
    else:
        ros["csi"] = np.nan
        unavailable["csi"] = "na_needs_csi"

    # one row per visit day
    grouped = ros.groupby(["unit_id", "day"], sort=True)
    visits = grouped.agg(
        ros=("ro_id", "size"),
        customer_pay=("customer_pay", "sum"),
        total=("total_amount", "sum"),
        maintenance=("is_maintenance", "max"),
        appointment=("is_appointment", "max"),
        comeback=("is_comeback", "max"),
        long_wait=("long_wait", "max"),
        late=("late", "max"),
        csi=("csi", "min"),
        mileage=("mileage", "max"),
        advisor=("advisor", "last"),
        model=("model", "last"),
        sale_date=("vehicle_sale_date", "last"),
        vin=("vin", "last"),
        plate=("plate", "last"),
    ).reset_index()
    # each priced RO's peer group and the row of its visit (visits are sorted by unit, day)
    model = pd.factorize(prices["model"])[0]
    kind, kinds = pd.factorize(prices["ro_type"])
    at = pd.MultiIndex.from_arrays([visits["unit_id"], visits["day"]])
    price_rows = pd.DataFrame(
        {
            "day": prices["day"].to_numpy(),
            "total_amount": prices["total_amount"].to_numpy(dtype=float),
            # an RO with no model or no type is in no peer group (-1)
            "peer": np.where((model < 0) | (kind < 0), -1, model * len(kinds) + kind),
            "visit": at.get_indexer(pd.MultiIndex.from_frame(prices[["unit_id", "day"]])),
        }
    )
    return _VisitTable(visits, pd.Index(names), price_rows, unavailable)


def _price_ratios(table: _VisitTable, visible: np.ndarray, moment: pd.Timestamp) -> np.ndarray:
    """Each visit's mean bill against the median of the same model and RO type among the
    customer-paid ROs up to the as-of day (the peers a base as of that day knew).
    ``visible``: which rows of the visit table are up to the as-of day."""
    out = np.full(int(visible.sum()), np.nan)
    prices = table.prices[table.prices["day"] <= moment]
    if prices.empty:
        return out
    grouped = prices["peer"].where(prices["peer"] >= 0)  # no peer group: NaN, left out
    peer = prices["total_amount"].groupby(grouped).transform("median")
    ratio = (prices["total_amount"] / peer).to_numpy(dtype=float)
    known = ~np.isnan(ratio)  # a visit's mean over its ROs that have a ratio
    visit = prices["visit"].to_numpy()[known]
    row = np.cumsum(visible)[visit] - 1  # the visit's row among the visible ones
    count = np.bincount(row, minlength=len(out))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(row, weights=ratio[known], minlength=len(out)) / count
    return np.where(count > 0, mean, out)


def visit_days_after(
    dataset: Dataset, cutoff: pd.Timestamp, days: int, schedule: Schedule | None = None
) -> pd.Series:
    """Each unit's visit days (days with a non-internal RO) in the ``days`` days after the
    ``cutoff`` day, the last one included: a churn label, counted on the visit table."""
    table = _visit_table(dataset, schedule or Schedule())
    day = table.visits["day"]
    cutoff = pd.Timestamp(cutoff).normalize()
    after = (day > cutoff) & (day <= cutoff + pd.Timedelta(days=days))
    counts = np.bincount(
        table.visits["unit_id"].to_numpy()[after.to_numpy()], minlength=len(table.names)
    )
    return pd.Series(counts, index=table.names)


def build(
    dataset: Dataset, as_of: object | None = None, schedule: Schedule | None = None
) -> CustomerBase:
    """Per-customer features from everything up to ``as_of`` (default: the last RO)."""
    schedule = schedule or Schedule()
    ros_all = dataset.repair_orders
    # the as-of day is included whole (an end date is a whole day everywhere)
    moment = AsOf.parse(as_of, last=ros_all["open_time"].max()).day
    present = set(dataset.columns_present.get("repair_orders", ()))

    def has(column: str) -> bool:
        return column in present

    table = _visit_table(dataset, schedule)
    unavailable = dict(table.unavailable)
    names = table.names
    visible = (table.visits["day"] <= moment).to_numpy()
    if not visible.any():  # a day before the data (or only internal ROs up to it)
        raise InputError("no_history_yet", day=f"{moment:%Y-%m-%d}", **opened_span(ros_all))
    visits = table.visits[visible].reset_index(drop=True)
    at = int(visits.columns.get_loc("csi"))  # type: ignore[arg-type]
    visits.insert(at, "price_ratio", _price_ratios(table, visible, moment))
    visits["gap"] = visits.groupby("unit_id")["day"].diff().dt.days

    g = visits.groupby("unit_id", sort=True)
    cust = pd.DataFrame(
        {
            "first_visit": g["day"].min(),
            "last_visit": g["day"].max(),
            "visits": g.size(),
            "customer_pay": g["customer_pay"].sum(),
            "revenue": g["total"].sum(),
            "median_gap": g["gap"].median(),
            "appointment_share": g["appointment"].mean() if has("is_appointment") else np.nan,
            "comebacks": g["comeback"].sum(),
            "csi_mean": g["csi"].mean(),
            "model": g["model"].last(),
            "advisor": g["advisor"].last(),
            "sale_date": g["sale_date"].last(),
            "vin": g["vin"].last(),
            "plate": g["plate"].last(),
        }
    )
    if not has("is_appointment"):
        unavailable["appointment_use"] = "na_needs_appt_flag"
    units = visits["unit_id"].to_numpy()  # sorted: a unit's rows are together, by day
    ends = np.flatnonzero(np.append(units[1:] != units[:-1], True))
    last = visits.iloc[ends].set_index("unit_id")  # each unit's latest visit
    cust["last_comeback"] = last["comeback"].astype(bool)
    cust["last_long_wait"] = last["long_wait"].astype(bool)
    cust["last_late"] = last["late"].astype(bool)
    cust["last_csi"] = last["csi"]
    recent = visits.loc[
        visits["day"] > moment - pd.Timedelta(days=365),
        ["unit_id", "comeback", "long_wait", "late", "csi"],
    ]
    rg = recent.groupby("unit_id")
    cust["comeback_12m"] = rg["comeback"].max().reindex(cust.index).fillna(False).astype(bool)
    cust["long_wait_12m"] = rg["long_wait"].max().reindex(cust.index).fillna(False).astype(bool)
    cust["late_12m"] = rg["late"].max().reindex(cust.index).fillna(False).astype(bool)
    cust["price_ratio"] = (
        visits.loc[visits["day"] > moment - pd.Timedelta(days=730), ["unit_id", "price_ratio"]]
        .groupby("unit_id")["price_ratio"]
        .mean()
        .reindex(cust.index)
    )
    cust["low_csi_12m"] = (rg["csi"].min().reindex(cust.index) <= schedule.low_csi).fillna(False)

    # tenure, recency, the personal interval
    cust["tenure_days"] = (moment.normalize() - cust["first_visit"]).dt.days.clip(lower=1)
    cust["days_since_last"] = (moment.normalize() - cust["last_visit"]).dt.days
    cust["visits_per_year"] = cust["visits"] / np.maximum(cust["tenure_days"] / 365.25, 0.5)
    schedule_days = schedule.service_months * 30.44
    km = visits.groupby("unit_id").agg(
        m0=("mileage", "min"), m1=("mileage", "max"), d0=("day", "min"), d1=("day", "max")
    )
    span = (km["d1"] - km["d0"]).dt.days
    rate = ((km["m1"] - km["m0"]) / span.where(span > 60)) * 365.25
    by_sale = (
        (
            last["mileage"]
            / (
                (
                    cust["last_visit"].reindex(last.index) - pd.to_datetime(last["sale_date"])
                ).dt.days.where(lambda d: d > 60)
            )
            * 365.25
        )
        if has("vehicle_sale_date")
        else pd.Series(dtype=float)
    )
    cust["km_per_year"] = rate.reindex(cust.index).fillna(by_sale.reindex(cust.index))
    if not has("mileage"):
        unavailable["mileage_rate"] = "na_needs_mileage"
    from_km = np.minimum(schedule_days, schedule.service_km / (cust["km_per_year"] / 365.25))
    population = (
        float(visits["gap"][visits["maintenance"]].median())
        if visits["maintenance"].any() and visits["gap"].notna().any()
        else schedule_days
    )
    maint = visits.loc[visits["maintenance"], ["unit_id", "day"]]
    maint["mgap"] = maint.groupby("unit_id")["day"].diff().dt.days
    mg = maint.groupby("unit_id")["mgap"].agg(["median", "count"])
    own = mg["median"].where(mg["count"] >= 2).reindex(cust.index)  # service-to-service
    cust["interval_days"] = (
        own.fillna(pd.Series(from_km).where(np.isfinite(from_km)))
        .fillna(cust["median_gap"])
        .fillna(population)
        .clip(30, 730)
    )
    cust["overdue_days"] = cust["days_since_last"] - cust["interval_days"]
    cust["overdue_ratio"] = cust["days_since_last"] / cust["interval_days"]
    maint_gaps = visits.loc[visits["maintenance"] & visits["gap"].notna(), ["unit_id", "gap"]]
    limit = (
        maint_gaps["unit_id"].map(pd.Series(np.minimum(schedule_days, cust["interval_days"])))
        * schedule.on_schedule_slack
    )
    on_time = (maint_gaps["gap"] <= limit).groupby(maint_gaps["unit_id"]).mean()
    cust["on_schedule"] = on_time.reindex(cust.index)

    # vehicle age and warranty
    if has("vehicle_sale_date"):
        sale = pd.to_datetime(cust["sale_date"])
        cust["vehicle_age_years"] = (moment - sale).dt.days / 365.25
        cust["post_warranty"] = cust["vehicle_age_years"] > schedule.warranty_years
    else:
        cust["vehicle_age_years"] = np.nan
        cust["post_warranty"] = False
        unavailable["warranty"] = "na_needs_sale_date"

    # insurance renewed here
    pol = dataset.tables.get("insurance_policies")
    if pol is not None and len(pol):
        # a policy's unit: by VIN, else by plate; a key's unit is that of its last visit
        # row (visits are sorted by unit and day); a VIN key wins over the same plate key
        keys = table.policy_keys(pol)
        key_unit = np.full(table.n_keys, np.nan)
        for name in ("plate", "vin"):  # the VIN's unit is written last: it wins
            code = keys[name][visible]
            rows = np.flatnonzero(code >= 0)
            key, first_of_reversed = np.unique(code[rows][::-1], return_index=True)
            key_unit[key] = units[rows[::-1][first_of_reversed]]
        by_vin, by_plate = keys["pol_vin"], keys["pol_plate"]
        unit = pd.Series(np.where(by_vin >= 0, key_unit[by_vin], np.nan), index=pol.index).fillna(
            pd.Series(np.where(by_plate >= 0, key_unit[by_plate], np.nan), index=pol.index)
        )
        # the unit first, then the filter: assigning a Series to an empty frame would give
        # it the Series' rows (every policy, as if ended) -- a renewal share of 0 for all
        ended = pol.assign(unit=unit)[pol["end_date"] <= moment]
        renewed = ended["renewed_here"].astype("boolean")
        if renewed.isna().all():  # derive: a following policy here within 60 days
            nxt = ended.sort_values("start_date").groupby("vin")["start_date"].shift(-1)
            renewed = (nxt - ended["end_date"]).dt.days.between(-30, 60)
        cust["renewal_share"] = (
            renewed.astype(float).groupby(ended["unit"]).mean().reindex(cust.index)
        )
        cust["insured_here"] = (
            unit[pol["end_date"] > moment].value_counts().reindex(cust.index).fillna(0) > 0
        )
    else:
        cust["renewal_share"] = np.nan
        cust["insured_here"] = False
        unavailable["insurance_renewal"] = "na_needs_policies"

    # BTYD summary (days): repeat visits, time of last, age
    cust["frequency"] = cust["visits"] - 1
    cust["recency"] = (cust["last_visit"] - cust["first_visit"]).dt.days.astype(float)
    cust["age"] = cust["tenure_days"].astype(float)
    repeat = visits.loc[
        visits["gap"].notna() & (visits["customer_pay"] > 0), ["unit_id", "customer_pay"]
    ]
    cust["monetary"] = repeat.groupby("unit_id")["customer_pay"].mean().reindex(cust.index)
    cust.index = pd.Index(names.take(cust.index.to_numpy()), name="unit_id")
    visits["unit_id"] = names.take(visits["unit_id"].to_numpy())
    return CustomerBase(cust, visits, moment, unavailable)
