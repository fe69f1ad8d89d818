"""The trade's number formats (issue 13), each against a hand-worked value."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import fourS_analytics as fours
from fourS_analytics import kpi, numbers
from fourS_analytics.cli import cli
from fourS_analytics.i18n import Message


def test_money_on_stage_in_wan_yuan_and_tables_in_yuan() -> None:
    assert numbers.money_stage(6_087_211, "zh") == "608.7 万元"
    assert numbers.money_stage(6_087_211, "en") == "6.09 M"
    assert numbers.money_stage(1_280, "zh") == "1,280 元"  # 单车产值 stays in 元
    assert numbers.money_stage(float("nan"), "zh") == "无"
    assert kpi.format_value("revenue", 6_087_211.4) == "6,087,211"
    assert numbers.unit("revenue", "zh") == "（元）" and numbers.unit("intake", "zh") == ""


def test_a_rate_changes_in_points_anything_else_in_per_cent() -> None:
    # 预约率 28.1 % -> 34.4 %: +6.3 points, not the +22.4 % a relative change would say
    assert numbers.change("appointment_rate", 0.344, 0.281) == pytest.approx(0.063)
    assert numbers.change_text("appointment_rate", 0.344, 0.281, "zh") == "+6.3 个百分点"
    assert numbers.change_text("appointment_rate", 0.344, 0.281, "en") == "+6.3 pp"
    assert numbers.change_text("revenue", 6_087_211, 4_972_140, "en") == "+22.4%"
    assert numbers.change_text("revenue", 100, None, "zh") == "无（无对比数据）"
    assert numbers.change_text("intake", 10, 0, "en") == "n/a (the compared value is 0)"
    why = Message("na_needs_csi")
    assert numbers.change_text("csi_mean", None, 0.7, "zh", why) == "无（需要满意度回访数据）"


def test_a_change_that_rounds_to_zero_has_no_sign() -> None:
    # 配件毛利率 31.24 % -> 31.20 %: -0.04 points is said "0.0", never "-0.0" on stage
    assert numbers.change_text("parts_margin", 0.3120, 0.3124, "zh") == "0.0 个百分点"
    assert numbers.change_text("revenue", 99_999.6, 100_000, "en") == "0.0%"
    assert numbers.change_text("parts_margin", 0.3115, 0.3124, "en") == "-0.1 pp"
    assert numbers.signed(0.04) == "0.0" and numbers.signed(0.05) == "+0.1"
    assert numbers.signed(-0.0004, 3) == "0.000" and numbers.signed(-0.0006, 3) == "-0.001"


def test_a_margin_of_two_aucs_reads_at_three_decimals_with_no_sign_on_zero() -> None:
    margin = {"difference": 0.0123, "low": -0.0004, "high": 0.0251, "model": "x"}
    assert numbers.margin_figures(margin) == {
        "difference": "+0.012",
        "low": "0.000",
        "high": "+0.025",
    }


def test_counts_that_may_be_shared_show_decimals_only_when_shared() -> None:
    assert numbers.count_text(3687.0) == "3,687"
    assert numbers.count_text(3686.5) == "3,686.5"
    assert numbers.count_text(0.0) == "0"


def test_a_visit_bucket_of_one_is_singular() -> None:
    from fourS_analytics.wording import visits_bucket

    assert [visits_bucket(b, "en") for b in ("1", "2", "3-4", "5+")] == [
        "1 visit",
        "2 visits",
        "3-4 visits",
        "5+ visits",
    ]
    assert visits_bucket("1", "zh") == "1 次"


def test_achievement_follows_the_kpis_direction() -> None:
    # 返修率 target 1 %, actual 1.5 %: two thirds reached, not 145 % (issue 13)
    assert numbers.achievement("comeback_rate", 0.015, 0.01) == pytest.approx(2 / 3)
    assert numbers.achievement_text("comeback_rate", 0.015, 0.01, "zh") == "66.7%"
    assert numbers.achievement("revenue", 6_000_000, 5_000_000) == pytest.approx(1.2)
    assert numbers.met("comeback_rate", 0.015, 0.01) is False
    # no comebacks at all: met, and no share to divide by zero
    assert numbers.achievement("comeback_rate", 0.0, 0.01) is None
    assert numbers.achievement_text("comeback_rate", 0.0, 0.01, "zh") == "已达成"
    assert numbers.better("comeback_rate", -0.002) and not numbers.better("revenue", -1.0)
    assert "mean_turnaround_hours" in numbers.LOWER_IS_BETTER


@pytest.mark.parametrize(
    ("start", "end", "zh", "en"),
    [
        ("2025-01-01", "2025-12-31", "2025年1月-12月", "Jan-Dec 2025"),
        ("2024-09-01", "2025-06-30", "2024年9月-2025年6月", "Sep 2024-Jun 2025"),
        ("2025-11-01", "2025-11-30", "2025年11月", "Nov 2025"),
        ("2025-03-05", "2025-06-30", "2025年3月5日-6月30日", "5 Mar 2025-30 Jun 2025"),
    ],
)
def test_dates_as_the_trade_writes_them(start: str, end: str, zh: str, en: str) -> None:
    assert numbers.period_text(start, end, "zh") == zh
    assert numbers.period_text(start, end, "en") == en
    said = Message("p_period", {"start": pd.Timestamp(start), "end": pd.Timestamp(end)})
    assert said.render("zh") == zh


def test_a_compared_period_the_exports_miss_is_na_with_the_reason(sample: fours.Dataset) -> None:
    year = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))
    outside = kpi.report(
        sample, *year, compare=(pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-31"))
    )
    rows = outside.set_index("kpi")
    assert rows["compared"].isna().all() and rows["change"].isna().all()  # not 0, not -100 %
    assert rows.at["intake", "change_n/a"].render("zh") == "导出数据中没有2019年1月-12月的工单"
    # the exports start on 2023-01-01: a year from July 2022 is only half there
    half = kpi.report(
        sample, *year, compare=(pd.Timestamp("2022-07-01"), pd.Timestamp("2023-06-30"))
    ).set_index("kpi")
    assert half["change"].isna().all() and half.at["intake", "compared"] > 0
    assert "the exports start on 2023-01-01" in str(half.at["intake", "change_n/a"])
    covered = kpi.report(
        sample, *year, compare=(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    ).set_index("kpi")
    assert covered.at["appointment_rate", "change"] == pytest.approx(
        covered.at["appointment_rate", "value"] - covered.at["appointment_rate", "compared"]
    )
    assert covered.at["appointment_rate", "change_unit"] == "points"
    assert covered.at["revenue", "change_unit"] == "relative"


def test_fours_kpi_never_prints_nan_or_a_table_of_zeros(sample: fours.Dataset) -> None:
    from fourS_analytics.sample import sample_data_dir

    data = str(sample_data_dir())
    out = CliRunner().invoke(
        cli, ["--lang", "zh", "kpi", data, "--year", "2025", "--compare", "2019"]
    )
    assert out.exit_code == 0, out.output
    assert "nan" not in out.output and "-100.0%" not in out.output
    assert "导出数据中没有2019年1月-12月的工单" in out.output
    assert out.output.splitlines()[0] == "2025年1月-12月关键指标（对比2019年1月-12月）"
    beyond = CliRunner().invoke(cli, ["--lang", "en", "kpi", data, "--year", "2026"])
    assert beyond.exit_code == 2 and "no repair orders were opened in 2026" in beyond.output
    assert "Traceback" not in beyond.output
