"""The exports users really have: one calendar year, a new store's first three months. The
year-end report and the pack come out whole; churn backtests on the longest horizon the
history allows, or scores without a backtest and says so; the manifest marks the step."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import fourS_analytics as fours
from fourS_analytics.cli import cli
from fourS_analytics.sample import StoreParams, generate


@pytest.fixture(scope="module")
def one_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("one_year")
    generate(folder, replace(StoreParams(), vehicles=300, years=1, end="2025-12-31"), seed=4)
    shutil.rmtree(folder / "ground_truth")
    (folder / "manifest.json").unlink()
    return folder


@pytest.fixture(scope="module")
def three_months(one_year: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same store's first quarter only (the repair orders cut at 1 April)."""
    folder = tmp_path_factory.mktemp("three_months")
    for path in one_year.iterdir():
        shutil.copy(path, folder / path.name)
    ros = pd.read_csv(
        folder / "repair_orders.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )
    ros[ros["进厂时间"] < "2025-04-01"].to_csv(
        folder / "repair_orders.csv", index=False, encoding="utf-8-sig"
    )
    return folder


def test_one_year_gives_the_whole_report_and_a_shorter_backtest(
    one_year: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["--lang", "en", "report", str(one_year), "--year", "2025", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    md = (tmp_path / "report_2025.md").read_text("utf-8")
    assert md.index("## 1. Review") < md.index("## 2. Experience") < md.index("## 3. Plans")
    results = fours.analyse(fours.load(one_year), period="2025")
    assert results.skipped == {}
    churn = results.churn
    # 364 days of history: the backtest runs over what is left after 120 days of features
    info = churn.model_info
    assert info["validated"] is True and info["forecast_horizon_days"] == 365
    assert (
        info["horizon_days"]
        == (
            pd.Timestamp("2025-12-31")
            - fours.load(one_year).repair_orders["open_time"].min().normalize()
        ).days
        - 120
    )
    assert f"over the {info['horizon_days']} days after" in str(churn.why)
    assert any(n.key == "churn_short_backtest" for n in churn.notes)
    from tests.test_churn import _beats_the_baselines_or_is_one

    _beats_the_baselines_or_is_one(churn)  # here no model beats recency: the rule is used
    assert churn.chosen == "baseline:recency"
    # the learners have no earlier labelled year to learn from, and the row says that
    errors = churn.backtest["error"]
    assert "learns from an earlier labelled period" in str(errors["schedule"])
    assert f"needs {2 * info['horizon_days'] + 120} days" in str(errors["supervised"])
    assert churn.scores["expected_visits"].notna().all()  # BG/NBD's, beside the rule
    assert "the models are compared on" in md  # the report says what was done instead
    # no 2024 in the exports: no column of n/a for it, nor a change column of n/a; the
    # reason is said once above the table
    table = md[md.index("| KPI") :].split("\n\n")[0]
    assert table.splitlines()[0].startswith("| KPI | 2025 |") and "2024" not in table
    assert "Change" not in table.splitlines()[0]
    assert "Intake month by month in 2025 (no earlier year in the exports)." in md


def test_three_months_give_a_report_and_unvalidated_scores(
    three_months: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["--lang", "zh", "report", str(three_months), "--year", "2025", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    md = (tmp_path / "report_2025.md").read_text("utf-8")
    assert "## 3. 今后打算" in md and "未经本店历史验证" in md
    # the workshop's technicians are those of the last 8 weeks the exports cover (March),
    # not of the empty weeks before the year's end: the workload is modelled, not skipped
    assert "车间负荷分析未进行" not in md and "高峰时段" in md
    # the visit frequency of the 12 months is said to be of the 3 months the exports cover
    assert "导出数据只覆盖这 12 个月中的 3 个月：" in md and "近 12 个月只来过一次" not in md
    results = fours.analyse(fours.load(three_months), period="2025-03")
    churn = results.churn
    assert churn is not None and churn.model_info["validated"] is False
    assert churn.chosen == "bgnbd" and churn.backtest.empty
    assert churn.scores["p_churn"].between(0, 1).all() and len(churn.scores) > 50
    assert churn.lapsed is not None  # the rule lists are always made
    listed = CliRunner().invoke(
        cli, ["--lang", "en", "churn", str(three_months), "-o", str(tmp_path / "churn")]
    )
    assert listed.exit_code == 0, listed.output
    assert "Not validated on this store's history" in listed.output
    assert (tmp_path / "churn" / "winback.csv").exists()


def test_the_pack_marks_a_degraded_step_with_its_reason(three_months: Path, tmp_path: Path) -> None:
    out = tmp_path / "packs"
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "run",
            "--data",
            str(three_months),
            "--out",
            str(out),
            "--period",
            "2025-03",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "latest" / "manifest.json").read_text("utf-8"))
    steps = {s["name"]: s for s in manifest["steps"]}
    assert steps["churn"]["status"] == "degraded"
    assert "Not validated on this store's history" in steps["churn"]["degraded"][0]
    assert {steps[k]["status"] for k in ("validate", "kpi", "loyalty", "workload", "report")} == {
        "ok"
    }
    assert (out / "latest" / "report" / "report_2025.pptx").exists()
