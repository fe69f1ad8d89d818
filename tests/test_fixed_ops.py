"""The fixed-operations KPIs peers report (issue 15): labour rate, hours per RO, efficiency,
margins, 首保率, the pay-type mix, visit frequency and the retention ladder, each against
values worked out by hand; the simulator's planted margin and efficiency recovered."""

# ruff: noqa: E501  (the export's rows are written as the DMS writes them, one per line)
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics import kpi
from fourS_analytics.sample import sample_data_dir

YEAR = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))

# three customer ROs settled in 2025 with hours, clocked hours and costs; a wash RO; an RO
# with two pay types; one settled in 2024 (outside)
ROS = """工单号,客户编号,VIN,进厂时间,结算时间,维修类型,结算方式,工时,实际工时,工时费,材料费,结算金额,配件成本,成本金额
R1,C1,LSVAB4BR5EN100001,2025-02-01 09:00,2025-02-01 12:00,定保,自费,2,2.5,300,1000,1300,700,900
R2,C2,LSVAB4BR5EN100002,2025-03-01 09:00,2025-03-01 12:00,一般维修,自费+索赔,2,1.5,500,500,1000,400,700
R3,C3,LSVAB4BR5EN100003,2025-04-01 09:00,2025-04-01 12:00,一般维修,保险,1,1,200,0,200,0,100
R4,C4,LSVAB4BR5EN100004,2025-05-01 09:00,2025-05-01 10:00,洗车,自费,,,0,0,0,,
R0,C1,LSVAB4BR5EN100001,2024-06-01 09:00,2024-06-01 12:00,定保,自费,9,9,900,900,1800,900,900
"""


@pytest.fixture
def store(tmp_path: Path) -> fours.Dataset:
    (tmp_path / "ro.csv").write_text(ROS, encoding="utf-8")
    return fours.load(tmp_path)


def test_labour_rate_hours_efficiency_and_margins_by_hand(store: fours.Dataset) -> None:
    v = kpi.compute(store, *YEAR)
    # four ROs settled in 2025 (the wash one among them), 5 hours sold for 1,000 of labour
    assert v["labor_hours_per_ro"].value == pytest.approx(5 / 4)
    assert v["effective_labor_rate"].value == pytest.approx(1000 / 5)
    assert v["technician_efficiency"].value == pytest.approx(5 / 5)  # sold / clocked
    # revenue 2,500 with costs 1,700 (the wash RO has none and is left out)
    assert v["gross_profit"].value == pytest.approx(800)
    assert v["gross_margin"].value == pytest.approx(800 / 2500)
    assert v["parts_margin"].value == pytest.approx((1500 - 1100) / 1500)
    assert v["settled_ros"].value == 4


def test_without_the_columns_they_are_na_naming_the_column(tmp_path: Path) -> None:
    plain = "\n".join(
        ",".join(cells[i] for i in (0, 1, 2, 3, 4, 5, 6, 9, 10, 11))
        for cells in (line.split(",") for line in ROS.strip().splitlines())
    )
    (tmp_path / "ro.csv").write_text(plain + "\n", encoding="utf-8")
    v = kpi.compute(fours.load(tmp_path), *YEAR)
    assert v["effective_labor_rate"].reason.render("en") == "needs the column 工时, 工时费"
    assert v["technician_efficiency"].reason.render("zh") == "需要“实际工时/派工工时”列"
    assert v["gross_margin"].reason.render("en") == "needs the column 成本金额"
    assert v["first_service_rate"].value is None


def test_pay_mix_counts_an_ro_once_and_splits_its_money(store: fours.Dataset) -> None:
    mix = kpi.pay_mix(store, *YEAR).set_index("pay_type")
    # R1 and the wash RO are customer pay; R2 is half customer, half warranty; R3 insurance
    assert mix.loc["customer", "ros"] == pytest.approx(2.5)
    assert mix.loc["warranty", "ros"] == pytest.approx(0.5)
    assert mix["ros"].sum() == pytest.approx(4)
    assert mix.loc["customer", "labor"] == pytest.approx(300 + 250)
    assert mix.loc["warranty", "parts"] == pytest.approx(250)
    assert mix["total"].sum() == pytest.approx(2500)
    assert mix.loc["insurance", "share"] == pytest.approx(200 / 2500)


def test_visit_frequency_buckets_the_active_base(tmp_path: Path) -> None:
    rows = ["工单号,客户编号,进厂时间,维修类型"]
    n = 0
    for customer, visits in (("A", 1), ("B", 2), ("C", 3), ("D", 4), ("E", 6)):
        for i in range(visits):
            n += 1
            rows.append(f"R{n},{customer},2025-{i + 1:02d}-10 09:00,定保")
    rows += ["R90,B,2025-02-10 15:00,一般维修", "R91,F,2025-03-01 09:00,洗车"]  # same day; wash
    rows.append("R92,G,2024-06-01 09:00,定保")  # not active
    (tmp_path / "ro.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    freq = kpi.visit_frequency(fours.load(tmp_path), YEAR[1]).set_index("visits")
    assert list(freq["customers"]) == [1, 1, 2, 1]  # 1 / 2 / 3-4 / 5+
    assert freq.loc["3-4", "share"] == pytest.approx(2 / 5)


def _sales_store(tmp_path: Path) -> fours.Dataset:
    (tmp_path / "ro.csv").write_text(
        "工单号,VIN,进厂时间,维修类型\n"
        "S1,LSVAB4BR5EN200001,2024-08-01 09:00,首保\n"  # within 12 months of its sale
        "S2,LSVAB4BR5EN200002,2025-06-01 09:00,首保\n"  # 13 months after its sale
        "S3,LSVAB4BR5EN200001,2025-08-01 09:00,定保\n"  # car 1's second service
        "S4,LSVAB4BR5EN200005,2025-01-05 09:00,一般维修\n",  # a repair is no service
        encoding="utf-8",
    )
    (tmp_path / "sales.csv").write_text(
        "车架号,销售日期\n"
        "LSVAB4BR5EN200001,2024-03-01\n"
        "LSVAB4BR5EN200002,2024-05-01\n"
        "LSVAB4BR5EN200003,2024-11-01\n"
        "LSVAB4BR5EN200004,2025-03-01\n"  # sold in 2025: not yet in 2025's cohort
        "LSVAB4BR5EN200005,2023-01-01\n",  # sold before the cohort
        encoding="utf-8",
    )
    return fours.load(tmp_path)


def test_first_service_rate_of_the_cohort_a_window_before(tmp_path: Path) -> None:
    rate = kpi.first_service_rate(_sales_store(tmp_path), *YEAR)
    # sold 2024-01-02..2024-12-31: cars 1-3; only car 1 came within 12 months
    assert (rate.value, rate.n) == (pytest.approx(1 / 3), 3)


def test_the_retention_ladder_counts_only_cars_old_enough(tmp_path: Path) -> None:
    ladder = kpi.retention_ladder(_sales_store(tmp_path), YEAR[1]).set_index("step")
    # 12 months or older at the end of 2025: cars 1, 2, 3 and 5 (car 4 is 10 months old)
    assert ladder.loc["first_service", "eligible"] == 4
    assert ladder.loc["first_service", "reached"] == 2  # cars 1 and 2 (car 2 late, but here)
    # 24 months or older: car 5 only, which never had a service
    assert ladder.loc["second_service", "eligible"] == 1
    assert ladder.loc["second_service", "reached"] == 0
    assert math.isnan(ladder.loc["third_service", "share"])  # no car 36 months old
    assert set(ladder["source"]) == {"vehicle_sales"}


def test_the_simulators_planted_margin_and_efficiency_come_back() -> None:
    """The simulator draws each RO's parts margin around 28 % and its technicians' speed
    lognormal(log 1.1, 0.15): the ratio of sums is then exp(log 1.1 - 0.15^2 / 2)."""
    v = kpi.compute(fours.load(sample_data_dir()), *YEAR)
    assert v["parts_margin"].value == pytest.approx(0.28, abs=0.005)
    assert v["technician_efficiency"].value == pytest.approx(
        math.exp(math.log(1.1) - 0.15**2 / 2), abs=0.01
    )


def test_the_report_takes_the_kpi_steps_tables_for_the_same_year(sample, sample_results) -> None:
    """A calendar year's report cites the pay mix, visit frequency and retention ladder the
    KPI step made (the same tables, not made twice), and they are the year's own."""
    figures, tables = sample_results.report, sample_results.kpi_tables
    assert figures.pay_mix is tables["pay_mix"]
    assert figures.visit_frequency is tables["visit_frequency"]
    assert figures.ladder is tables["retention_ladder"]
    start, end = sample_results.period.start, sample_results.period.end
    assert (start, end.normalize()) == YEAR
    pd.testing.assert_frame_equal(figures.pay_mix, kpi.pay_mix(sample, start, end))
    pd.testing.assert_frame_equal(figures.visit_frequency, kpi.visit_frequency(sample, end))
    schedule = fours.Settings().schedule
    pd.testing.assert_frame_equal(figures.ladder, kpi.retention_ladder(sample, end, schedule))
