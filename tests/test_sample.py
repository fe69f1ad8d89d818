"""The simulated store: reproducible, loadable with exact accounting, and statistically what
its parameters say (each check against an expectation computed from the parameters and the
ground truth, with its tolerance stated)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import fourS_analytics as fours
from fourS_analytics.sample import EMBEDDED, StoreParams, generate, sample_data_dir, simulate
from fourS_analytics.sample.fakes import vin_check_digit
from fourS_analytics.sample.simulate import DAYS_PER_YEAR

PARAMS = replace(StoreParams(), vehicles=6000, years=3, end="2025-12-31")


@pytest.fixture(scope="module")
def store() -> fours.sample.SimulatedStore:
    return simulate(PARAMS, seed=11)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --------------------------------------------------------------------------- reproducible
def test_same_seed_same_bytes_and_other_seed_other_bytes(tmp_path: Path) -> None:
    small = replace(StoreParams(), vehicles=300, years=2)
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate(
            tmp_path / name, small, seed=seed, xlsx_tables=("appointments",), encoding="gb18030"
        )
    a, b, c = (_files(tmp_path / n) for n in "abc")
    assert a.keys() == b.keys()
    assert a == b  # the .xlsx too: its zip carries fixed timestamps
    assert a["repair_orders.csv"] != c["repair_orders.csv"]
    assert a["appointments.xlsx"] != c["appointments.xlsx"]


def test_fake_vins_carry_a_valid_check_digit(store: fours.sample.SimulatedStore) -> None:
    vins = store.truth["vin"]
    assert vins.str.fullmatch(r"[A-HJ-NPR-Z0-9]{17}").all()
    assert all(vin[8] == vin_check_digit(vin) for vin in vins)
    # a hand-checked VIN: 1M8GDM9AXKP042788 is the textbook example with check digit X
    assert vin_check_digit("1M8GDM9A0KP042788") == "X"


def test_plates_and_phones_are_well_formed(store: fours.sample.SimulatedStore) -> None:
    assert store.repair_orders["plate"].str.fullmatch(r"粤[A-Z][0-9A-Z]{5}").all()
    assert store.repair_orders["phone"].str.fullmatch(r"1[3-9]\d{9}").all()


# --------------------------------------------------------------------------- loadable
def test_clean_exports_load_with_every_row_accepted(tmp_path: Path) -> None:
    small = replace(StoreParams(), vehicles=400, years=2)
    generate(tmp_path, small, seed=3, lang="en", xlsx_tables=("staff",))
    data = fours.load(tmp_path)
    sim = simulate(small, seed=3)
    for report in data.files:
        assert report.rows == report.accepted, report
        assert report.warnings == {}
    assert len(data.repair_orders) == len(sim.repair_orders)
    assert len(data.tables["appointments"]) == len(sim.appointments)
    assert len(data.tables["insurance_policies"]) == len(sim.insurance_policies)
    assert len(data.tables["csi_surveys"]) == len(sim.csi_surveys)
    assert len(data.tables["staff"]) == len(sim.staff)
    merged = data.repair_orders.merge(sim.repair_orders, on="ro_id", suffixes=("", "_sim"))
    assert len(merged) == len(sim.repair_orders)
    assert (merged["open_time"] == merged["open_time_sim"]).all()
    assert np.allclose(merged["total_amount"], merged["total_amount_sim"], atol=0.006)
    assert (merged["ro_type"].astype(str) == merged["ro_type_sim"]).all()
    assert (merged["pay_type"] == merged["pay_type_sim"]).all()


def test_messy_exports_are_found_one_for_one(tmp_path: Path) -> None:
    messy = replace(StoreParams(), vehicles=800, years=2, mess_rate=0.004)
    manifest = generate(tmp_path, messy, seed=9, encoding="gb18030")
    mess = manifest["mess"]
    data = fours.load(tmp_path)
    ro_reports = [f for f in data.files if f.table == "repair_orders"]
    assert [Path(f.path).name for f in ro_reports] == mess["files"]
    assert all(f.header_line == 3 for f in ro_reports)  # under two title lines
    assert sum(f.summary_rows for f in ro_reports) == mess["summary_rows"] == 2
    assert sum(f.duplicates for f in ro_reports) == mess["duplicates"] > 0
    assert sum(f.conflicting_duplicates for f in ro_reports) == 0
    rejected = data.problems[data.problems["status"] == "rejected"]
    rejected_ids = sorted(o.split(";")[0].split("=")[1] for o in rejected["original"])
    assert rejected_ids == sorted(mess["bad_dates"])
    assert set(rejected["reason"]) == {"r_bad_date"}
    assert sum(f.warnings.get("phone", 0) for f in ro_reports) == len(mess["spoiled_phones"])
    accepted_ids = set(data.repair_orders["ro_id"])
    assert not accepted_ids & set(mess["bad_dates"])
    spoiled = data.repair_orders[data.repair_orders["ro_id"].isin(mess["spoiled_phones"])]
    assert spoiled["phone"].isna().all()
    assert data.adds_up


def test_embedded_sample_is_the_documented_generator_output(tmp_path: Path) -> None:
    folder = sample_data_dir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == EMBEDDED.seed
    assert manifest["encoding"] == "gb18030"
    assert manifest["files"]["appointments"] == ["appointments.xlsx"]
    fours.sample.generate_embedded(tmp_path)
    assert _files(tmp_path) == _files(folder)


def test_embedded_sample_loads_clean() -> None:
    data = fours.load(sample_data_dir())
    by_table = {f.table: f for f in data.files}
    assert by_table["repair_orders"].encoding == "gb18030"
    assert by_table["appointments"].file_format == "xlsx"
    assert all(f.rows == f.accepted for f in data.files)
    assert len(data.repair_orders) > 5000


# --------------------------------------------------------------------------- statistics
def test_appointment_share_is_what_the_parameters_say(store: fours.sample.SimulatedStore) -> None:
    p = store.params
    ro = store.repair_orders
    schedulable = (
        ro["ro_type"].isin(["maintenance", "first_service", "repair", "warranty"])
        & ~ro["_comeback"]
    )
    sub = ro[schedulable]
    loyalty = store.truth["loyalty"].to_numpy()[sub["_vehicle"].to_numpy()]
    span = p.years * DAYS_PER_YEAR
    day = (sub["open_time"] - store.window_start).dt.total_seconds() / 86400
    frac = np.clip(day / span, 0, 1)
    booked = np.clip(
        p.appointment_share_start
        + (p.appointment_share_end - p.appointment_share_start) * frac
        + p.appointment_loyalty_effect * loyalty,
        0,
        0.95,
    ).mean()
    ns, cancel, later = p.no_show_rate, p.cancel_rate, p.no_show_walk_in_later
    # appointments kept, over visits kept (dropped no-shows leave; late ones stay as walk-ins)
    expected = booked * (1 - ns - cancel) / (1 - booked * ns * (1 - later))
    observed = sub["is_appointment"].mean()
    assert observed == pytest.approx(expected, abs=0.02)  # ~10k visits: 4 standard errors


def test_appointment_share_grows_over_the_years(store: fours.sample.SimulatedStore) -> None:
    ro = store.repair_orders
    by_year = ro.groupby(ro["open_time"].dt.year)["is_appointment"].mean()
    assert by_year.is_monotonic_increasing
    assert by_year.iloc[-1] - by_year.iloc[0] > 0.08


def test_maintenance_interval_is_the_personal_schedule(store: fours.sample.SimulatedStore) -> None:
    p = store.params
    ro = store.repair_orders
    maint = ro[ro["ro_type"].isin(["maintenance", "first_service"])].sort_values(
        ["_vehicle", "open_time"]
    )
    gap = maint.groupby("_vehicle")["open_time"].diff().dt.total_seconds() / 86400
    nxt = maint["ro_type"] == "maintenance"
    km_day = store.truth["km_per_year"].to_numpy() / DAYS_PER_YEAR
    interval = np.minimum(p.service_months * 30.44, p.service_km / km_day)
    expected = interval[maint["_vehicle"].to_numpy()] + 3.0  # + the weekday choice, ~3 days
    ratio = (gap / expected)[nxt & gap.notna()]
    # the median is robust to lapses and moved appointments; jitter is symmetric
    assert ratio.median() == pytest.approx(1.0, abs=0.05)


def test_the_peak_hour_is_saturday_mid_morning(store: fours.sample.SimulatedStore) -> None:
    t = store.repair_orders["open_time"]
    counts = pd.crosstab(t.dt.day_of_week, t.dt.hour)
    day, hour = np.unravel_index(np.argmax(counts.to_numpy()), counts.shape)
    weights = store.params.hour_weights_saturday
    assert (counts.index[day], counts.columns[hour]) == (
        5,
        store.params.open_hour + int(np.argmax(weights)),
    )
    weekday = counts.loc[[0, 1, 2, 3, 4]].sum()
    assert weekday.idxmax() == store.params.open_hour + int(
        np.argmax(store.params.hour_weights_weekday)
    )


def test_churn_rises_after_the_warranty(store: fours.sample.SimulatedStore) -> None:
    truth = store.truth
    end = store.window_end
    left = truth["churned"] & ~truth["first_service_lost"]
    stop = truth["churn_date"].where(truth["churned"], end).clip(upper=end)
    start = truth["sale_date"]
    w_end = truth["warranty_end"]
    in_years = ((np.minimum(stop, w_end) - start).dt.days.clip(lower=0)) / DAYS_PER_YEAR
    post_years = ((stop - w_end).dt.days.clip(lower=0)) / DAYS_PER_YEAR
    hazard_in = (left & (truth["churn_date"] <= w_end)).sum() / in_years.sum()
    hazard_post = (left & (truth["churn_date"] > w_end)).sum() / post_years.sum()
    # log-odds +1.5 after the warranty (odds x4.5) plus the age effect: well above 2.5x
    assert hazard_post / hazard_in > 2.5


def _expected_score(mu: np.ndarray, sigma: float = 0.6) -> np.ndarray:
    """E[clip(round(mu + N(0, sigma)), 1, 5)], exactly, from the normal CDF."""
    cuts = norm.cdf((np.arange(1.5, 5.0, 1.0)[None, :] - mu[:, None]) / sigma)
    probs = np.diff(np.hstack([np.zeros((len(mu), 1)), cuts, np.ones((len(mu), 1))]), axis=1)
    return probs @ np.arange(1, 6)


def test_csi_drops_after_long_waits_as_the_parameters_say(
    store: fours.sample.SimulatedStore,
) -> None:
    p = store.params
    ro = store.repair_orders.set_index("ro_id")
    csi = store.csi_surveys.merge(ro, left_on="ro_id", right_index=True, suffixes=("", "_ro"))
    loyalty = store.truth["loyalty"].to_numpy()[csi["_vehicle"].to_numpy()]
    long_wait = (csi["_wait_minutes"] > p.csi_long_wait_minutes).to_numpy()
    mu = (
        4.4
        + 0.25 * loyalty
        + p.csi_wait_effect * long_wait
        + p.csi_late_effect * csi["_late"].to_numpy()
        + p.csi_comeback_effect * csi["_comeback"].to_numpy()
        + p.csi_price_effect * csi["_high_price"].to_numpy()
    )
    expected = _expected_score(mu)
    score = csi["score"].to_numpy()
    observed_drop = score[long_wait].mean() - score[~long_wait].mean()
    expected_drop = expected[long_wait].mean() - expected[~long_wait].mean()
    assert observed_drop < -0.4
    # ~3,000 surveys: the difference of means has a standard error of about 0.04
    assert observed_drop == pytest.approx(expected_drop, abs=0.12)


def test_comebacks_follow_a_share_of_repairs(store: fours.sample.SimulatedStore) -> None:
    ro = store.repair_orders
    repairs = ro["ro_type"].isin(["repair", "warranty"]) & ~ro["_comeback"]
    share = ro["_comeback"].sum() / repairs.sum()
    # technicians' factors average 1 over every five hires; window edges lose a few
    assert share == pytest.approx(store.params.comeback_rate, abs=0.015)


def test_spring_festival_rush_and_trough(store: fours.sample.SimulatedStore) -> None:
    t = store.repair_orders["open_time"].dt.normalize()
    daily = t.value_counts()
    cny = pd.Timestamp("2024-02-10")
    rush = daily.reindex(
        pd.date_range(cny - pd.Timedelta(days=14), cny - pd.Timedelta(days=2)), fill_value=0
    ).mean()
    holiday = daily.reindex(
        pd.date_range(cny - pd.Timedelta(days=1), cny + pd.Timedelta(days=6)), fill_value=0
    ).mean()
    normal = daily.reindex(pd.date_range("2024-03-10", "2024-04-10"), fill_value=0).mean()
    # services due up to 35 days after are pulled into the 19 rush days with p = 0.75;
    # scheduled services are ~65 % of visits: about 1 + 0.65 * 36 * 0.75 / 19 = 1.9 times
    # normal (DOMAIN: 2-3x around the festival)
    assert rush > 1.6 * normal
    assert holiday < 0.3 * normal


def test_staff_changes_over_the_years(store: fours.sample.SimulatedStore) -> None:
    staff = store.staff
    techs = staff[staff["role"].str.contains("技师")]
    assert techs["leave_date"].notna().any()
    assert (techs["hire_date"] > store.window_start).any()


def test_insurance_renewal_falls_after_churn(store: fours.sample.SimulatedStore) -> None:
    pol = store.insurance_policies.merge(store.truth[["vin", "churn_date", "loyalty"]], on="vin")
    gone = pol["churn_date"].notna() & (pol["churn_date"] <= pol["end_date"])
    assert not pol.loc[gone, "renewed_here"].any()
    stayed = pol[~gone & (pol["end_date"] < store.window_end - pd.Timedelta(days=2))]
    loyal = stayed["loyalty"] > 1
    assert (
        stayed.loc[loyal, "renewed_here"].mean() > stayed.loc[~loyal, "renewed_here"].mean() + 0.1
    )


def test_a_dealer_group_exports_a_store_column(tmp_path: Path) -> None:
    group = replace(StoreParams(), vehicles=600, years=2, stores=3)
    generate(tmp_path, group, seed=2)
    data = fours.load(tmp_path)
    assert data.stores == ["S01", "S02", "S03"]
    assert all(f.rows == f.accepted for f in data.files)
    one = data.for_store("S02").repair_orders
    assert set(one["store"]) == {"S02"} and 0 < len(one) < len(data.repair_orders)
