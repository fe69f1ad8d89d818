"""From the simulation's arrays to the canonical tables and the ground truth."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import fakes
from .params import MODELS, StoreParams

if TYPE_CHECKING:
    from .simulate import SimulatedStore, _Workshop

COMMENTS = {
    5: ("很满意", "服务很好", "速度快", ""),
    4: ("满意", "还可以", ""),
    3: ("一般", "等待时间长", "价格偏高"),
    2: ("不满意", "等了很久", "交车晚了"),
    1: ("很不满意", "修了又坏", "态度差"),
}


def _minutes(origin: pd.Timestamp, day: np.ndarray, minute: np.ndarray) -> pd.Series:
    total = np.round(day * 1440 + minute).astype("int64")
    return pd.Series(origin + pd.to_timedelta(total, unit="min")).astype("datetime64[ns]")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def store_codes(stores: int) -> list[str]:
    return [f"S{i + 1:02d}" for i in range(stores)]


def build_tables(
    p: StoreParams,
    rng: np.random.Generator,
    origin: pd.Timestamp,
    window_start: pd.Timestamp,
    window_end: pd.Timestamp,
    ros: dict[str, np.ndarray],
    appts: dict[str, np.ndarray],
    shop: _Workshop,
    veh: dict[str, Any],
    upsell: np.ndarray,
) -> SimulatedStore:
    from .simulate import KINDS, SimulatedStore

    n = len(veh["sale"])
    codes = store_codes(p.stores)
    start_day = float((window_start - origin).days)
    end_day = float((window_end - origin).days + 1)

    # ------------------------------------------------------------------ people and cars
    model_year = (origin + pd.to_timedelta(veh["sale"], unit="D")).year
    vin = np.array(fakes.vins(rng, np.asarray(model_year)))
    plate = fakes.plates(rng, n)
    n_customers = int(veh["customer"].max()) + 1
    customer_name = fakes.names(rng, n_customers)
    customer_phone = fakes.phones(rng, n_customers)
    customer_id = np.char.add("C", np.char.zfill((np.arange(n_customers) + 1).astype(str), 7))
    advisor_names = fakes.names(rng, p.stores * p.advisors)
    tech_names = fakes.names(rng, len(shop.store))
    model_names = np.array([m[0] for m in MODELS])

    # ------------------------------------------------------------------ repair orders
    in_window = (ros["day"] >= start_day) & (ros["day"] < end_day)
    index_all = np.arange(len(ros["day"]))
    r = {k: v[in_window] for k, v in ros.items()}
    global_index = index_all[in_window]
    v = r["vehicle"]
    open_time = _minutes(origin, r["day"], r["arrive"])
    frame = pd.DataFrame(
        {
            "store": np.array(codes)[veh["store"][v]],
            "customer_id": customer_id[veh["customer"][v]],
            "vin": vin[v],
            "plate": plate[v],
            "open_time": open_time,
            "promised_time": _minutes(origin, r["day"], r["promised"]),
            "completed_time": _minutes(origin, r["day"], r["done"]),
            "delivered_time": _minutes(origin, r["day"], r["delivered"]),
            "settled_time": _minutes(origin, r["day"], r["settled"]),
            "ro_type": np.array(KINDS)[r["kind"]],
            "pay_type": r["pay"],
            "labor_amount": r["labor"],
            "parts_amount": r["parts"],
            "labor_hours": r["hours"],
            "mileage": r["mileage"].astype(int),
            "advisor": advisor_names[r["advisor"]],
            "technician": tech_names[r["tech"]],
            "is_appointment": r["is_appt"],
            "customer_name": customer_name[veh["customer"][v]],
            "phone": customer_phone[veh["customer"][v]],
            "vehicle_sale_date": (origin + pd.to_timedelta(veh["sale"][v], unit="D")),
            "model": model_names[veh["model"][v]],
            # truth-only columns (not exported): the simulation's own view of each RO
            "_vehicle": v,
            "_comeback": r["comeback"],
            "_wait_minutes": r["wait"],
            "_late": r["late"],
            "_high_price": r["high_price"],
            "_global": global_index,
        }
    )
    frame["total_amount"] = np.round(frame["labor_amount"] + frame["parts_amount"], 2)
    frame = frame.sort_values(["store", "open_time", "_global"], kind="stable")
    seq = frame.groupby("store").cumcount().to_numpy() + 1
    frame.insert(
        0, "ro_id", [f"RO{s[1:]}{q:07d}" for s, q in zip(frame["store"], seq, strict=True)]
    )
    frame = frame.reset_index(drop=True)
    ro_of_global = pd.Series(frame["ro_id"].to_numpy(), index=frame["_global"].to_numpy())

    # ------------------------------------------------------------------ surveys
    surveyed = frame["_global"].map(pd.Series(ros["surveyed"], index=index_all)).to_numpy()
    scores = frame["_global"].map(pd.Series(ros["score"], index=index_all)).to_numpy()
    survey_day = frame["_global"].map(pd.Series(ros["survey_day"], index=index_all)).to_numpy()
    csi = pd.DataFrame(
        {
            "ro_id": frame["ro_id"][surveyed].to_numpy(),
            "survey_date": (origin + pd.to_timedelta(np.floor(survey_day[surveyed]), unit="D")),
            "score": scores[surveyed].astype(int),
            "scale": 5,  # the survey's scale, declared as a DMS that exports one does
            "store": frame["store"][surveyed].to_numpy(),
        }
    )
    picks = rng.random(len(csi))
    csi["comment"] = [
        COMMENTS[s][int(u * len(COMMENTS[s]))] for s, u in zip(csi["score"], picks, strict=True)
    ]
    csi = csi[csi["survey_date"] <= window_end].reset_index(drop=True)

    # ------------------------------------------------------------------ appointments
    if appts:
        sched = appts["scheduled"]
        keep = (sched >= start_day) & (sched < end_day)
        a = {k: val[keep] for k, val in appts.items()}
        av = a["vehicle"]
        appointments = (
            pd.DataFrame(
                {
                    "store": np.array(codes)[veh["store"][av]],
                    "customer_id": customer_id[veh["customer"][av]],
                    "plate": plate[av],
                    "created_time": _minutes(
                        origin, np.floor(a["created"]), (a["created"] % 1) * 1440
                    ),
                    "scheduled_time": _minutes(
                        origin, np.floor(sched[keep]), (sched[keep] % 1) * 1440
                    ),
                    "status": np.select(
                        [a["no_show"], a["cancelled"]], ["no_show", "cancelled"], "shown"
                    ),
                    "ro_id": [ro_of_global.get(int(g)) if g >= 0 else None for g in a["visit"]],
                }
            )
            .sort_values(["store", "scheduled_time"], kind="stable")
            .reset_index(drop=True)
        )
        appointments.insert(0, "appt_id", [f"AP{i + 1:07d}" for i in range(len(appointments))])
    else:
        appointments = pd.DataFrame()

    # ------------------------------------------------------------------ insurance
    policies = _insurance(p, rng, origin, start_day, end_day, veh, ros, vin, plate, codes)

    # ------------------------------------------------------------------ staff
    staff = _staff(p, origin, window_start, window_end, shop, tech_names, advisor_names, codes, rng)

    # ------------------------------------------------------------------ truth
    churn_date = origin + pd.to_timedelta(veh["churn_day"], unit="D")
    truth = pd.DataFrame(
        {
            "vin": vin,
            "customer_id": customer_id[veh["customer"]],
            "plate": plate,
            "store": np.array(codes)[veh["store"]],
            "sale_date": origin + pd.to_timedelta(veh["sale"], unit="D"),
            "model": model_names[veh["model"]],
            "loyalty": np.round(veh["loyalty"], 4),
            "km_per_year": np.round(veh["km_day"] * 365.25).astype(int),
            "warranty_end": (origin + pd.to_timedelta(np.floor(veh["warranty_end"]), unit="D")),
            "churned": ~np.isnan(veh["churn_day"]) & ~veh["active"],
            "churn_date": churn_date,
            "churn_reason": veh["churn_reason"],
            "lapsed_and_returned": veh["lapsed"] & veh["active"],
            "first_service_lost": veh["first_lost"],
            "advisor_price_factor": np.round(upsell[veh["advisor"]], 4),
        }
    )
    truth.loc[~truth["churned"], ["churn_date"]] = pd.NaT
    truth.loc[~truth["churned"], "churn_reason"] = ""
    info = {
        "repair_orders_simulated": float(len(ros["day"])),
        "repair_orders_exported": float(len(frame)),
    }
    # drawn last, so the tables above are the same with or without these columns
    frame["declined_work"] = _declined(rng, frame)
    # what the parts cost (a margin of about 28 %), the hours clocked (technicians beat the
    # flag hours by about 10 %) and the RO's cost (parts + clocked hours at 60 元)
    margin = np.clip(rng.normal(0.28, 0.06, len(frame)), 0.05, 0.6)
    frame["parts_cost"] = np.round(frame["parts_amount"].to_numpy() * (1 - margin), 2)
    efficiency = rng.lognormal(np.log(1.1), 0.15, len(frame))
    frame["clocked_hours"] = np.round(frame["labor_hours"].to_numpy() / efficiency, 1)
    frame["cost_amount"] = np.round(frame["parts_cost"] + frame["clocked_hours"] * 60.0, 2)
    sold = (veh["sale"] >= start_day) & (veh["sale"] < end_day)  # the sales export's window
    sales = (
        pd.DataFrame(
            {
                "store": np.array(codes)[veh["store"][sold]],
                "vin": vin[sold],
                "plate": plate[sold],
                "customer_id": customer_id[veh["customer"][sold]],
                "customer_name": customer_name[veh["customer"][sold]],
                "phone": customer_phone[veh["customer"][sold]],
                "sale_date": (origin + pd.to_timedelta(np.floor(veh["sale"][sold]), unit="D")),
                "model": model_names[veh["model"][sold]],
            }
        )
        .sort_values(["store", "sale_date", "vin"], kind="stable")
        .reset_index(drop=True)
    )
    return SimulatedStore(
        frame,
        appointments,
        policies,
        csi,
        staff,
        truth,
        p,
        window_start,
        window_end,
        info,
        vehicle_sales=sales,
    )


DECLINED = (
    "刹车片磨损，建议更换",
    "轮胎磨损，建议更换",
    "蓄电池老化，建议更换",
    "空调滤芯脏污，建议更换",
    "雨刮片老化，建议更换",
    "减震器渗油，建议检查",
)


def _declined(rng: np.random.Generator, frame: pd.DataFrame) -> np.ndarray:
    """Work an advisor recommended and the customer declined: on about one maintenance or
    repair RO in twelve (DOMAIN: declined work, followed up within weeks)."""
    eligible = frame["ro_type"].isin(["maintenance", "repair"]).to_numpy()
    draw = rng.random(len(frame))
    pick = rng.integers(0, len(DECLINED), len(frame))
    out = np.array(DECLINED, dtype=object)[pick]
    out[~(eligible & (draw < 1 / 12))] = None
    return out


def _insurance(
    p: StoreParams,
    rng: np.random.Generator,
    origin: pd.Timestamp,
    start_day: float,
    end_day: float,
    veh: dict[str, Any],
    ros: dict[str, np.ndarray],
    vin: np.ndarray,
    plate: np.ndarray,
    codes: list[str],
) -> pd.DataFrame:
    """Yearly policies sold here; renewed here with a probability that rises with loyalty
    and falls after a bad experience in the year before, and never once the owner left."""
    n = len(veh["sale"])
    bad = (
        ros["comeback"]
        | (ros["wait"] > p.csi_long_wait_minutes)
        | ros["high_price"]
        | (ros["surveyed"] & (ros["score"] <= 3))
    )
    bad_key = np.sort(ros["vehicle"][bad] * 100_000.0 + ros["day"][bad])
    insured = rng.random(n) < p.insured_here_first_year
    v = np.flatnonzero(insured)
    start = veh["sale"][v].copy()
    rows = []
    while len(v):
        end = start + 364
        churned_before = ~np.isnan(veh["churn_day"][v]) & (veh["churn_day"][v] <= end)
        base = v * 100_000.0 + end
        recent = (
            np.searchsorted(bad_key, base, side="right")
            - np.searchsorted(bad_key, base - 365, side="left")
        ) > 0
        post_w = end > veh["warranty_end"][v]
        logit = (
            p.renewal_base
            + p.renewal_loyalty * veh["loyalty"][v]
            + p.renewal_bad_experience * recent
            + p.renewal_post_warranty * post_w
        )
        renew = ~churned_before & (rng.random(len(v)) < _sigmoid(logit)) & (end + 1 < end_day)
        visible = (end >= start_day - 366) & (start < end_day)
        rows.append(
            pd.DataFrame(
                {
                    "_v": v[visible],
                    "_start": start[visible],
                    "_end": end[visible],
                    "renewed_here": renew[visible],
                }
            )
        )
        v, start = v[renew], end[renew] + 1
    pol = pd.concat(rows, ignore_index=True).sort_values(["_start", "_v"], kind="stable")
    tier = np.array([m[1] for m in MODELS])[veh["model"][pol["_v"].to_numpy()]]
    premium = np.round(rng.normal(3200, 400, len(pol)) * tier, -1)
    insurers = np.array(["平安保险", "人保财险", "太平洋保险", "国寿财险"])
    out = pd.DataFrame(
        {
            "policy_id": [f"PDAA{2000000 + i}" for i in range(len(pol))],
            "vin": vin[pol["_v"]],
            "plate": plate[pol["_v"]],
            "start_date": origin + pd.to_timedelta(pol["_start"].to_numpy(), unit="D"),
            "end_date": origin + pd.to_timedelta(pol["_end"].to_numpy(), unit="D"),
            "insurer": insurers[rng.integers(0, len(insurers), len(pol))],
            "premium": premium,
            "renewed_here": pol["renewed_here"].to_numpy(),
            "store": np.array(codes)[veh["store"][pol["_v"]]],
        }
    )
    return out.reset_index(drop=True)


def _staff(
    p: StoreParams,
    origin: pd.Timestamp,
    window_start: pd.Timestamp,
    window_end: pd.Timestamp,
    shop: _Workshop,
    tech_names: np.ndarray,
    advisor_names: np.ndarray,
    codes: list[str],
    rng: np.random.Generator,
) -> pd.DataFrame:
    hire = origin + pd.to_timedelta(np.floor(np.array(shop.hire)), unit="D")
    leave_days = np.array(shop.leave)
    leave = pd.Series(pd.NaT, index=range(len(leave_days)), dtype="datetime64[ns]")
    finite = np.isfinite(leave_days)
    leave[finite] = origin + pd.to_timedelta(np.floor(leave_days[finite]), unit="D")
    techs = pd.DataFrame(
        {
            "staff_id": [f"T{i + 1:04d}" for i in range(len(shop.store))],
            "name": tech_names,
            "role": np.where(shop.body, "钣喷技师", "机修技师"),
            "hire_date": hire,
            "leave_date": leave.where(leave <= window_end),
            "store": np.array(codes)[np.array(shop.store, dtype=int)],
        }
    )
    advisors = pd.DataFrame(
        {
            "staff_id": [f"A{i + 1:04d}" for i in range(len(advisor_names))],
            "name": advisor_names,
            "role": "服务顾问",
            "hire_date": window_start
            - pd.to_timedelta(rng.integers(200, 2000, len(advisor_names)), unit="D"),
            "leave_date": pd.NaT,
            "store": np.repeat(codes, p.advisors),
        }
    )
    staff = pd.concat([techs, advisors], ignore_index=True)
    keep = (
        staff["leave_date"].isna() | (staff["leave_date"] >= window_start - pd.DateOffset(years=1))
    ) & (staff["hire_date"] <= window_end)
    return staff[keep].reset_index(drop=True)
