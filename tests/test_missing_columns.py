"""Models that survive missing data: each optional table, and each optional column the churn
features are built from, removed in turn from a simulated store; every case gives scores, a
backtest in which all three models are fitted, and a report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics.config import ChurnConfig, WorkloadConfig
from fourS_analytics.report import write_report
from fourS_analytics.sample import StoreParams, generate

TABLES = ("appointments", "insurance_policies", "csi_surveys", "staff")
# the optional columns the churn features are built from (waits, late delivery, appointment
# use, mileage rate, warranty and vehicle age, price against peers, advisors, staff)
COLUMNS = (
    "completed_time",
    "promised_time",
    "is_appointment",
    "mileage",
    "vehicle_sale_date",
    "model",
    "advisor",
    "technician",
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> fours.Dataset:
    folder = tmp_path_factory.mktemp("store")
    generate(folder, replace(StoreParams(), vehicles=500, years=3, end="2025-12-31"), seed=21)
    return fours.load(folder)


def _without(data: fours.Dataset, what: str) -> fours.Dataset:
    if what in TABLES:
        return replace(data, tables={k: v for k, v in data.tables.items() if k != what})
    ros = data.repair_orders.copy()
    kind = ros[what].dtype.kind
    ros[what] = (
        np.nan if kind in "fiu" else pd.Series(pd.NA, index=ros.index).astype(ros[what].dtype)
    )  # all missing
    present = {
        **data.columns_present,
        "repair_orders": tuple(c for c in data.columns_present["repair_orders"] if c != what),
    }
    return replace(data, tables={**data.tables, "repair_orders": ros}, columns_present=present)


@pytest.mark.parametrize("what", [*TABLES, *COLUMNS])
def test_each_model_scores_without_an_optional_table_or_column(
    store: fours.Dataset, what: str, tmp_path: Path
) -> None:
    # two training cutoffs and a short simulation keep the 15 cases quick; the models and
    # the report are the same code
    quick = fours.Settings(
        churn=ChurnConfig(training_cutoffs=2),
        workload=WorkloadConfig(replications=2, weeks_simulated=2),
    )
    results = fours.analyse(_without(store, what), quick, "2025", steps=("churn", "report"))
    # without technicians on the ROs (and no staff list) the workshop has no size: that step
    # says so and the rest goes on
    allowed = {"workload"} if what == "technician" else set()
    assert set(results.skipped) <= allowed, {k: v.render("en") for k, v in results.skipped.items()}
    churn = results.churn
    assert len(churn.scores) > 300 and churn.scores["p_churn"].notna().all()
    auc = churn.backtest.loc[churn.backtest["kind"] == "model", "roc_auc"]
    assert set(auc.dropna().index) == {"bgnbd", "schedule", "supervised"}, churn.backtest
    assert (auc > 0.55).all()  # better than a coin on this store, whatever is missing
    md = write_report(results, tmp_path, lang="en", formats=("md",))["md"]
    assert "## 3. Plans" in md.read_text("utf-8")
