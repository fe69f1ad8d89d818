"""Workload on the sample store (the issue's bars), against hand counts, and on bad input."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics import workload
from fourS_analytics.errors import InputError


@pytest.fixture(scope="module")
def result(sample_results: fours.StoreResults) -> workload.WorkloadResult:
    return sample_results.workload


def test_the_plan_halves_the_share_waiting_too_long(result: workload.WorkloadResult) -> None:
    p = result.plan_summary
    assert p["share_over_after"] <= 0.5 * p["share_over_before"]
    assert p["mean_wait_after_h"] < p["mean_wait_before_h"]
    assert p["worst_hour_wait_after_h"] < p["worst_hour_wait_before_h"]
    # only schedulable demand moves: appointments and 30 % of walk-ins
    bh = result.by_hour[result.by_hour["open"]]
    schedulable = (bh["appointments"] + 0.3 * bh["walk_ins"]).sum()
    assert p["moved_per_week"] <= schedulable + 1e-9


def test_the_plan_keeps_volume_and_technicians_and_no_hour_gets_worse(
    result: workload.WorkloadResult,
) -> None:
    bh = result.by_hour[result.by_hour["open"]]
    assert bh["planned_arrivals"].sum() == pytest.approx(bh["arrivals"].sum(), rel=1e-9)
    # judged in the plan's objective: the share waiting longer than the target
    worse = bh["planned_share_over_target"] - bh["share_over_target"]
    allowed = bh["planned_share_over_ci"].fillna(0) + bh["share_over_ci"].fillna(0)
    assert (worse.fillna(0) <= allowed + 1e-12).all()
    assert (result.plan["appointment_slots"] >= 0).all()


def test_demand_is_the_hand_count_of_arrivals_per_hour_of_week(
    sample: fours.Dataset, result: workload.WorkloadResult
) -> None:
    ros = sample.repair_orders
    first, last = result.period
    # whole days: the last day is included to its end
    mech = ros[
        (ros["open_time"] >= first)
        & (ros["open_time"] < last + pd.Timedelta(days=1))
        & ~ros["ro_type"].isin(["body_paint", "accident"])
    ]
    weeks = ((last - first).days + 1) / 7
    saturday_10 = (
        (mech["open_time"].dt.day_of_week == 5) & (mech["open_time"].dt.hour == 10)
    ).sum() / weeks
    row = result.by_hour[(result.by_hour["weekday"] == 5) & (result.by_hour["hour"] == 10)]
    assert row["arrivals"].iloc[0] == pytest.approx(saturday_10)
    # the busiest hour of the week is Saturday 10:00, as the simulator's profile says
    top = result.by_hour.sort_values("arrivals").iloc[-1]
    assert (top["weekday"], top["hour"]) == (5, 10)


def test_work_content_per_ro_type(sample: fours.Dataset, result: workload.WorkloadResult) -> None:
    maint = result.work_content.set_index("ro_type").loc["maintenance"]
    ros = sample.repair_orders
    first, last = result.period
    hours = ros.loc[
        (ros["ro_type"] == "maintenance")
        & (ros["open_time"] >= first)
        & (ros["open_time"] < last + pd.Timedelta(days=1)),
        "labor_hours",
    ]
    assert maint["mean_hours"] == pytest.approx(hours.clip(0.1, 24).mean(), rel=1e-9)
    assert maint["fitted"] in ("gamma", "lognormal")


def test_staffing_grows_with_demand_and_more_technicians_wait_less(
    result: workload.WorkloadResult,
) -> None:
    s = result.staffing
    assert (s["needed_with_growth"] >= s["needed_today"]).all()
    assert s["needed_with_growth"].sum() > s["needed_today"].sum()
    shifts = result.staffing_by_shift
    assert set(shifts["shift"]) == {"morning", "afternoon"} and len(shifts) == 14
    peak = s[(s["weekday"] == 5) & (s["hour"] < 13)]["needed_today"].max()
    assert shifts.set_index(["weekday", "shift"]).at[(5, "morning"), "needed_today"] == peak
    o = result.staffing_options.set_index("change")
    assert o["mean_wait_h"].is_monotonic_decreasing
    assert o["output_per_head_month"].is_monotonic_decreasing


def test_capacity_board_counts_the_booked_appointments(
    sample: fours.Dataset, result: workload.WorkloadResult
) -> None:
    board = result.capacity_board
    assert board is not None
    appts = sample.tables["appointments"]
    week = appts[
        (appts["scheduled_time"] >= "2025-12-22")
        & (appts["scheduled_time"] < "2025-12-29")
        & (appts["status"].astype(str) != "cancelled")
    ]
    in_open = week["scheduled_time"].dt.hour.between(8, 17)
    assert board["booked"].sum() == in_open.sum()
    assert (board["free_hours"] <= board["capacity_hours"]).all()


def _ros(tmp_path: Path, times: list[tuple[str, str]], with_tech: bool = True) -> fours.Dataset:
    frame = pd.DataFrame(times, columns=["进厂时间", "竣工时间"])
    frame.insert(0, "工单号", [f"R{i}" for i in range(len(frame))])
    frame.insert(1, "客户编号", [f"C{i % 40}" for i in range(len(frame))])
    frame["维修类型"] = "定保"
    frame["工时"] = 1.0
    if with_tech:
        frame["维修技师"] = [f"T{i % 3}" for i in range(len(frame))]
    frame.to_csv(tmp_path / "ro.csv", index=False)
    return fours.load(tmp_path / "ro.csv")


def _times(n: int, fmt: str = "%Y-%m-%d %H:%M") -> list[tuple[str, str]]:
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2025-01-06 08:00")
    out = []
    for i in range(n):
        t0 = start + pd.Timedelta(
            days=int(i // 8), hours=int(rng.integers(0, 9)), minutes=int(rng.integers(0, 60))
        )
        out.append((t0.strftime(fmt), (t0 + pd.Timedelta(hours=2)).strftime(fmt)))
    return out


def test_dates_without_times_are_a_clear_error(tmp_path: Path) -> None:
    data = _ros(tmp_path, _times(400, "%Y-%m-%d"))
    with pytest.raises(InputError, match="have no time of day"):
        workload.analyse(data)


def test_impossible_durations_are_counted_and_left_out(tmp_path: Path) -> None:
    times = _times(400)
    times[0] = ("2025-03-03 10:00", "2025-03-03 09:00")  # completed before opened
    times[1] = ("2025-03-04 10:00", "2025-03-20 09:00")  # a stay of weeks
    data = _ros(tmp_path, times)
    # the ingest empties a completion before the opening, with a warning on its line
    (warning,) = data.problems[data.problems["reason"] == "r_before_open"].itertuples()
    assert warning.column == "completed_time" and warning.status == "warning"
    assert data.files[0].warnings["completed_time"] == 1
    result = workload.analyse(data)
    assert result.excluded["completed_before_opened"] == 0  # already emptied at the ingest
    assert result.excluded["stay_too_long"] == 1


def test_no_technicians_needs_the_option(tmp_path: Path) -> None:
    data = _ros(tmp_path, _times(400), with_tech=False)
    with pytest.raises(InputError, match="--technicians N"):
        workload.analyse(data)
    config = replace(workload.WorkloadConfig(), technicians=3)
    assert workload.analyse(data, config=config).by_hour["technicians"].max() == 3


def test_a_roster_with_nobody_on_shift_is_a_clear_error(tmp_path: Path) -> None:
    _ros(tmp_path, _times(400))
    (tmp_path / "staff.csv").write_text(
        "工号,姓名,岗位,入职日期,离职日期\nT1,李师傅,维修技师,2020-01-01,2024-12-31\n",
        encoding="utf-8",
    )
    data = fours.load(tmp_path)
    with pytest.raises(InputError, match="No technician is on shift"):
        workload.analyse(data)


def test_the_public_queue_api_is_in_workload() -> None:
    assert workload.erlang_c(2.0, 1.0, 3).p_wait == pytest.approx(4 / 9)
    assert callable(workload.simulate) and callable(workload.servers_needed)


def test_a_short_export_is_counted_over_the_weeks_it_covers(sample: fours.Dataset) -> None:
    """The last four months only, asked for the calendar year: Saturday 10:00's arrivals a
    week are its hand count over the 17.4 weeks from 1 September to 31 December (not over 52),
    and the note says so."""
    ros = sample.repair_orders
    late = replace(
        sample, tables={**sample.tables, "repair_orders": ros[ros["open_time"] >= "2025-09-01"]}
    )
    result = workload.analyse(late, start="2025-01-01", end="2025-12-31")
    kept = late.repair_orders
    mech = kept[~kept["ro_type"].isin(["body_paint", "accident"])]
    weeks = ((pd.Timestamp("2025-12-31") - pd.Timestamp("2025-09-01")).days + 1) / 7
    saturday_10 = (
        (mech["open_time"].dt.day_of_week == 5) & (mech["open_time"].dt.hour == 10)
    ).sum()
    row = result.by_hour[(result.by_hour["weekday"] == 5) & (result.by_hour["hour"] == 10)]
    assert row["arrivals"].iloc[0] == pytest.approx(saturday_10 / weeks)
    assert any(n.key == "wl_note_covered" and n.params["weeks"] == "17" for n in result.notes)


def test_output_per_head_is_the_kpis_definition(
    sample: fours.Dataset, result: workload.WorkloadResult
) -> None:
    """One 人均产值 for every output: the staffing table's current figure is `fours kpi`'s for
    the same days, and k more technicians share the same revenue."""
    first, last = result.period
    kpi_value = fours.kpi.compute(sample, first, last)["output_per_head"].value
    options = result.staffing_options.set_index("change")["output_per_head_month"]
    assert options[0] == pytest.approx(kpi_value)
    # revenue / (H + k): its inverse grows by the same step with each technician more
    step = 1 / options[1] - 1 / options[0]
    assert step > 0 and 1 / options[0] - 1 / options[-1] == pytest.approx(step)


def test_cars_kept_overnight_are_counted_apart(result: workload.WorkloadResult) -> None:
    bh = result.by_hour
    kept = (bh["arrivals"] * bh["kept_overnight_share"].fillna(0)).sum()
    assert result.plan_summary["kept_overnight_per_week"] == pytest.approx(kept, rel=0.05)
    # no open hour's modelled wait runs through a night: waits are in open hours
    assert bh.loc[bh["open"], "modelled_wait_h"].max() < 3.0


def test_staffing_after_the_plan_needs_fewer_at_the_peak(result: workload.WorkloadResult) -> None:
    """The plan first, then what staffing closes the rest: with the appointment plan the
    peak needs fewer technicians than without it (sample: 5 against 8), never more."""
    s = result.staffing
    assert s["needed_with_plan_and_growth"].max() < s["needed_with_growth"].max()
    assert (s["needed_with_plan_and_growth"] >= 1).all()
