"""Each KPI against values computed by hand on a small store (Q1 2025)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics import kpi

ROS = """工单号,客户编号,VIN,进厂时间,预交车时间,竣工时间,交车时间,结算时间,维修类型,结算方式,工时费,材料费,结算金额,是否预约,维修技师,服务顾问
R1,C1,LSVAB4BR5EN100001,2025-01-05 09:00,2025-01-05 12:00,2025-01-05 11:00,2025-01-05 11:30,2025-01-05 11:20,定保,自费,100,200,300,是,T1,A1
R2,C2,LSVAB4BR5EN100002,2025-01-10 10:00,2025-01-10 15:00,2025-01-10 16:00,2025-01-10 16:30,2025-01-10 16:20,一般维修,自费,200,300,500,否,T2,A1
R3,C2,LSVAB4BR5EN100002,2025-01-25 09:00,2025-01-25 12:00,2025-01-25 11:00,2025-01-25 11:30,2025-01-25 11:25,一般维修,索赔,0,50,50,否,T1,A2
R4,C3,LSVAB4BR5EN100003,2025-02-03 09:00,2025-02-03 10:00,2025-02-03 09:40,2025-02-03 09:50,2025-02-03 09:45,洗车,自费,30,0,30,否,T3,A1
R5,C4,LSVAB4BR5EN100004,2025-03-15 08:30,2025-03-15 11:00,2025-03-15 10:30,2025-03-15 10:40,2025-03-15 10:35,定保,自费,150,250,400,是,T2,A2
R6,C5,LSVAB4BR5EN100005,2024-06-01 09:00,,,2024-06-01 12:00,2024-06-01 12:00,定保,自费,100,100,200,否,T1,A1
R7,C1,LSVAB4BR5EN100001,2024-08-01 09:00,,,2024-08-01 12:00,2024-08-01 12:00,定保,自费,100,100,200,否,T1,A1
R8,C9,LSVAB4BR5EN100009,2025-02-10 09:00,,,2025-02-10 12:00,2025-02-10 12:00,内部,内部,200,300,500,否,T1,A1
R9,C6,LSVAB4BR5EN100006,2025-03-31 17:00,2025-04-01 10:00,2025-04-01 09:00,2025-04-01 09:10,2025-04-01 09:00,定保,自费,100,100,200,否,T1,A2
"""
APPTS = """预约单号,客户编号,预约到店时间,预约状态
P1,C1,2025-01-05 09:00,到店
P2,C7,2025-02-05 09:00,爽约
P3,C8,2025-03-05 09:00,取消
P4,C8,2025-05-05 09:00,爽约
"""
POLICIES = """保单号,车架号,起保日期,终保日期,是否续保
I1,LSVAB4BR5EN100001,2024-02-02,2025-02-01,是
I2,LSVAB4BR5EN100002,2024-03-02,2025-03-01,否
I3,LSVAB4BR5EN100004,2024-06-02,2025-06-01,是
"""
CSI = """工单号,回访日期,满意度
R1,2025-01-07,5
R2,2025-01-12,3
R5,2025-03-17,4
"""
Q1 = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))


def _store(tmp_path: Path, *, extra: bool) -> fours.Dataset:
    (tmp_path / "ro.csv").write_text(ROS, encoding="utf-8")
    if extra:
        (tmp_path / "appointments.csv").write_text(APPTS, encoding="utf-8")
        (tmp_path / "policies.csv").write_text(POLICIES, encoding="utf-8")
        (tmp_path / "csi.csv").write_text(CSI, encoding="utf-8")
    return fours.load(tmp_path)


@pytest.fixture
def values(tmp_path: Path) -> dict[str, kpi.Kpi]:
    return kpi.compute(_store(tmp_path, extra=True), *Q1)


def test_intake_counts_customer_ros_opened(values: dict[str, kpi.Kpi]) -> None:
    assert values["intake"].value == 5  # R1 R2 R3 R5 R9; not the wash R4 nor internal R8


def test_revenue_falls_in_the_settle_month(values: dict[str, kpi.Kpi]) -> None:
    # R1 300 + R2 500 + R3 50 + R4 30 + R5 400; not R9 (settled in April), not internal R8
    assert values["revenue"].value == 1280
    assert values["labor_revenue"].value == 480
    assert values["parts_revenue"].value == 800
    assert values["revenue_per_ro"].value == pytest.approx(1280 / 5)


def test_output_per_head_without_a_staff_list(values: dict[str, kpi.Kpi]) -> None:
    # technicians per settle month: Jan T1 T2, Feb T3, Mar T2 -> 4/3 heads; 90 days
    months = 90 / 30.4375
    assert values["output_per_head"].value == pytest.approx(1280 / months / (4 / 3))


def test_appointment_no_show_and_renewal_rates(values: dict[str, kpi.Kpi]) -> None:
    assert values["appointment_rate"].value == pytest.approx(2 / 5)  # R1, R5
    assert values["no_show_rate"].value == pytest.approx(1 / 2)  # P2 of P1, P2 (P3 cancelled)
    assert values["renewal_rate"].value == pytest.approx(1 / 2)  # I1 of I1, I2


def test_comebacks_and_first_time_fix(values: dict[str, kpi.Kpi]) -> None:
    # R3 is a repair of the same VIN 15 days after R2 was delivered
    assert values["comeback_rate"].value == pytest.approx(1 / 5)
    assert values["first_time_fix_rate"].value == pytest.approx(1 - 1 / 2)  # R2, R3


def test_on_time_delivery_and_turnaround(values: dict[str, kpi.Kpi]) -> None:
    # the ROs promised in Q1: R1, R2 (late), R3, R5; R9 is promised on 1 April (next period);
    # R4 is a wash
    assert values["on_time_delivery_rate"].value == pytest.approx(3 / 4)
    hours = [2.5, 6.5, 2.5, 2 + 10 / 60, 16 + 10 / 60]
    assert values["mean_turnaround_hours"].value == pytest.approx(sum(hours) / 5)


def test_retention_churn_and_active_base(values: dict[str, kpi.Kpi]) -> None:
    # seen in 2024: C5 and C1; back in Q1: C1
    assert values["retention_rate"].value == pytest.approx(0.5)
    assert values["churn_rate"].value == pytest.approx(0.5)
    assert values["active_base"].value == 5  # C1 C2 C4 C5 C6 (C3 only washed)


def test_csi_mean_and_top_box(values: dict[str, kpi.Kpi]) -> None:
    # 5-point scale normalised: 5 -> 1.0, 3 -> 0.5, 4 -> 0.75
    assert values["csi_mean"].value == pytest.approx(0.75)
    assert values["csi_top_box"].value == pytest.approx(1 / 3)


def test_missing_tables_are_na_with_the_reason(tmp_path: Path) -> None:
    values = kpi.compute(_store(tmp_path, extra=False), *Q1)
    assert values["renewal_rate"].value is None
    assert str(values["renewal_rate"].reason) == "needs insurance policies"
    assert values["renewal_rate"].reason.render("zh") == "需要保险保单数据"
    assert str(values["no_show_rate"].reason) == "needs appointments"
    assert str(values["csi_mean"].reason) == "needs CSI surveys"
    assert values["intake"].value == 5  # the rest still computes


def test_a_month_without_ros_and_breakdowns(tmp_path: Path) -> None:
    data = _store(tmp_path, extra=True)
    months = kpi.breakdown(data, pd.Timestamp("2024-11-01"), Q1[1], "month")
    assert months["month"].tolist() == ["2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]
    assert months.set_index("month").at["2024-12", "intake"] == 0
    assert months.set_index("month").at["2025-01", "intake"] == 3
    assert pd.isna(months.set_index("month").at["2024-12", "revenue_per_ro"])
    advisors = kpi.breakdown(data, *Q1, "advisor").set_index("advisor")
    assert advisors.at["A1", "intake"] == 2 and advisors.at["A2", "intake"] == 3
    assert pd.isna(advisors.at["A1", "retention_rate"])
    # R3 (advisor A2) came back after R2 (advisor A1): still a comeback in A2's row
    assert advisors.at["A2", "comeback_rate"] == pytest.approx(1 / 3)


def test_one_technician_store(tmp_path: Path) -> None:
    (tmp_path / "ro.csv").write_text(
        ROS.replace(",T2,", ",T1,").replace(",T3,", ",T1,"), encoding="utf-8"
    )
    values = kpi.compute(fours.load(tmp_path), *Q1)
    assert values["output_per_head"].value == pytest.approx(1280 / (90 / 30.4375))


def _edge_store(tmp_path: Path, rows: str) -> fours.Dataset:
    head = "工单号,客户编号,VIN,进厂时间,预交车时间,交车时间,维修类型,结算金额\n"
    path = tmp_path / "edge.csv"
    path.write_text(head + rows, encoding="utf-8")
    return fours.load(path)


def test_on_time_counts_the_ros_promised_in_the_period_and_undelivered_ones_late(
    tmp_path: Path,
) -> None:
    data = _edge_store(
        tmp_path,
        "E1,C1,V1,2025-01-02 09:00,2025-01-02 12:00,2025-01-02 11:00,一般维修,100\n"  # on time
        "E2,C2,V2,2025-01-03 09:00,2025-01-03 12:00,2025-01-03 13:00,一般维修,100\n"  # late
        "E3,C3,V3,2025-01-04 09:00,2025-01-04 12:00,,一般维修,100\n"  # never delivered: late
        "E4,C4,V4,2024-12-31 09:00,2025-01-02 12:00,2025-01-02 10:00,一般维修,100\n"  # due in
        "E5,C5,V5,2025-01-31 15:00,2025-02-01 10:00,2025-02-01 09:00,一般维修,100\n",  # due out
    )
    values = kpi.compute(data, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-31"))
    assert values["on_time_delivery_rate"].value == pytest.approx(2 / 4)  # E1, E4 of E1-E4


def test_the_comeback_window_is_calendar_days_with_day_30_included(tmp_path: Path) -> None:
    data = _edge_store(
        tmp_path,
        "A1,C1,V1,2025-01-01 09:00,,2025-01-01 18:00,一般维修,100\n"
        "A2,C1,V1,2025-01-31 19:00,,2025-01-31 20:00,一般维修,100\n"  # day 30, +1 hour
        "B1,C2,V2,2025-01-01 09:00,,2025-01-01 18:00,一般维修,100\n"
        "B2,C2,V2,2025-02-01 08:00,,2025-02-01 10:00,一般维修,100\n",  # day 31
    )
    flags = kpi.comeback_flags(data.repair_orders, fours.Settings().schedule)
    by_ro = dict(zip(data.repair_orders["ro_id"], flags, strict=True))
    assert by_ro == {"A1": False, "A2": True, "B1": False, "B2": False}


def test_the_roster_headcount_counts_each_day_a_person_is_on_it() -> None:
    from fourS_analytics.kpi import _mean_on_roster

    start, end = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-10")  # 10 days
    hired = pd.Series(
        pd.to_datetime(
            ["2024-06-01", "2025-01-04", None, "2025-01-09 12:00", None], format="ISO8601"
        )
    )
    left = pd.Series(pd.to_datetime([None, "2025-01-08", "2025-01-03", None, "2024-12-01"]))
    # on the roster: all 10 days; Jan 4-7 (4: leaves on the 8th); Jan 1-2 (2); Jan 10 only (1,
    # hired at noon on the 9th); never (left before the period): 17 person-days over 10 days
    assert _mean_on_roster(hired, left, start, end) == pytest.approx(1.7, abs=1e-12)
    # the day-by-day count it replaces, on the same people and on random ones
    rng = np.random.default_rng(3)
    base = pd.Timestamp("2024-10-01")
    for _ in range(20):
        h = pd.Series(base + pd.to_timedelta(rng.integers(0, 500, 8), unit="D"))
        g = pd.Series(h + pd.to_timedelta(rng.integers(1, 400, 8), unit="D"))
        h[rng.random(8) < 0.2], g[rng.random(8) < 0.4] = pd.NaT, pd.NaT
        days = pd.date_range(start, pd.Timestamp("2025-12-31"), freq="D")
        by_day = [((h.isna() | (h <= d)) & (g.isna() | (g > d))).sum() for d in days]
        assert _mean_on_roster(h, g, start, pd.Timestamp("2025-12-31")) == pytest.approx(
            float(np.mean(by_day)), abs=1e-12
        )


def test_the_history_made_once_follows_the_repair_orders_it_was_made_of(
    tmp_path: Path,
) -> None:
    """The KPI columns, kinds and unit codes are made once per table of repair orders: a
    second period on the same table reuses them; a different table (one RO fewer) or other
    comeback flags are not answered from the first one's."""
    data = _store(tmp_path, extra=True)
    assert kpi.compute(data, *Q1)["intake"].value == 5
    january = kpi.compute(data, "2025-01-01", "2025-01-31")  # type: ignore[arg-type]
    assert january["intake"].value == 3  # R1 R2 R3: the same history; dates as text
    fewer = data.repair_orders[data.repair_orders["ro_id"] != "R2"]
    assert kpi.compute(data, *Q1, ros=fewer)["intake"].value == 4
    flags = kpi.comeback_flags(data.repair_orders, fours.customers.Schedule())
    assert kpi.compute(data, *Q1, comebacks=flags)["comeback_rate"].value == pytest.approx(0.2)
    none = flags & False
    assert kpi.compute(data, *Q1, comebacks=none)["comeback_rate"].value == 0.0


def _breakdown_one_group_at_a_time(
    data: fours.Dataset, start: pd.Timestamp, end: pd.Timestamp, by: str
) -> pd.DataFrame:
    """The oracle: the definition of a breakdown row, compute() on each group's ROs alone
    (what breakdown did before it summed all groups in one pass)."""
    ros = data.repair_orders
    flags = kpi.comeback_flags(ros, fours.Settings().schedule)
    stop = end + pd.Timedelta(days=1)
    settle = ros["settled_time"].fillna(ros["delivered_time"]).fillna(ros["open_time"])
    ros = ros[
        ((ros["open_time"] >= start) & (ros["open_time"] < stop))
        | ((settle >= start) & (settle < stop))
    ]
    rows = []
    for group, subset in ros.groupby(ros[by].astype(str), observed=True):
        values = kpi.compute(data, start, end, ros=subset, comebacks=flags, ro_only=True)
        rows.append({by: group, **{k: v.value for k, v in values.items()}})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("hostile", [False, True], ids=["sample", "hostile"])
def test_a_breakdown_by_people_or_type_equals_each_group_computed_alone(
    sample: fours.Dataset, hostile: bool
) -> None:
    data = sample
    if hostile:  # groups with no key, no amounts, only washes, no cost column
        ros = sample.repair_orders.copy()
        rng = np.random.default_rng(3)
        for column in ("technician", "advisor", "total_amount", "labor_hours", "delivered_time"):
            ros.loc[rng.random(len(ros)) < 0.05, column] = None
        ros.loc[ros["ro_type"].astype(str) == "wash", "technician"] = "WASH ONLY"
        ros.loc[rng.random(len(ros)) < 0.02, "clocked_hours"] = 0.0
        present = {
            k: tuple(c for c in v if c != "cost_amount") if k == "repair_orders" else v
            for k, v in sample.columns_present.items()
        }
        data = replace(sample, tables={**sample.tables, "repair_orders": ros})
        data = replace(data, columns_present=present)
    start, end = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    for by in ("advisor", "technician", "ro_type"):
        got = kpi.breakdown(data, start, end, by)
        want = _breakdown_one_group_at_a_time(data, start, end, by)
        assert len(got) >= 3 and list(got.columns) == list(want.columns)
        assert got.dtypes.astype(str).tolist() == want.dtypes.astype(str).tolist()
        # the same figures; sums added in another order (compensated) differ in the last digit
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0)
    if hostile:
        washes = kpi.breakdown(data, start, end, "technician").set_index("technician")
        assert pd.isna(washes.at["WASH ONLY", "intake"])  # a wash-only row has no intake
        assert pd.isna(washes["gross_margin"]).all()  # no cost column: n/a everywhere


def test_output_per_head_counts_the_months_the_exports_cover(tmp_path: Path) -> None:
    """Exports that start in September: a year's output per head is the revenue over the four
    months they cover and the technicians on the roster then, not over twelve months (it
    read a third of the truth)."""
    (tmp_path / "ro.csv").write_text(
        "工单号,客户编号,进厂时间,结算时间,维修类型,结算金额,维修技师\n"
        "S1,C1,2025-09-01 09:00,2025-09-01 12:00,定保,1000,T1\n"
        "S2,C2,2025-10-15 09:00,2025-10-15 12:00,定保,2000,T2\n"
        "S3,C3,2025-12-31 09:00,2025-12-31 12:00,定保,3000,T1\n",
        encoding="utf-8",
    )
    (tmp_path / "staff.csv").write_text(
        "工号,姓名,岗位,入职日期,离职日期\n"
        "T1,张三,机修技师,2020-01-01,\n"
        "T2,李四,机修技师,2020-01-01,\n"
        "T3,王五,机修技师,2020-01-01,2025-10-31\n",  # on 60 of the 122 days (not the 31st)
        encoding="utf-8",
    )
    data = fours.load(tmp_path)
    year = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))
    assert kpi.covered_span(data, *year) == (pd.Timestamp("2025-09-01"), year[1])
    months = 122 / 30.4375  # 2025-09-01 to 2025-12-31
    heads = 2 + 60 / 122  # Sep 1 to Oct 30: the leaving day is off the roster
    assert kpi.compute(data, *year)["output_per_head"].value == pytest.approx(
        6000 / months / heads, rel=1e-12
    )
    # a start within a week of the period's is no gap: the period's own days
    assert kpi.covered_span(data, pd.Timestamp("2025-08-28"), year[1])[0] == pd.Timestamp(
        "2025-08-28"
    )


def test_money_sums_are_to_the_cent_without_the_float_sums_error(tmp_path: Path) -> None:
    """kpi.csv and kpi.json read 2218393.0199999996 for the sample's labour revenue: the
    amounts are cents, so their sum is too. Hand-worked: labour 0.1 + 0.6 + 0 + 30 + 0.4 in
    the quarter (a float sum of them is 31.099999999999998)."""
    assert 0.1 + 0.6 + 0.0 + 30.0 + 0.4 != 31.1 and kpi.cents(0.1 + 0.6 + 0.0 + 30.0 + 0.4) == 31.1
    rows = ROS.replace(",自费,100,200,300,", ",自费,0.1,200,200.1,", 1)
    rows = rows.replace(",自费,200,300,500,", ",自费,0.6,300,300.6,", 1)
    rows = rows.replace(",自费,150,250,400,", ",自费,0.4,250,250.4,", 1)
    (tmp_path / "ro.csv").write_text(rows, encoding="utf-8")
    data = fours.load(tmp_path)
    values = kpi.compute(data, *Q1)
    assert values["labor_revenue"].value == 31.1
    assert values["revenue"].value == 200.1 + 300.6 + 50 + 30 + 250.4 == 831.1
    by = kpi.breakdown(data, *Q1, "advisor").set_index("advisor")
    assert by.at["A1", "labor_revenue"] == 30.7 and by.at["A2", "labor_revenue"] == 0.4
