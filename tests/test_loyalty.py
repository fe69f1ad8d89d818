"""Loyalty scores against hand-computed components on a small store, and the sample store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics import customers, loyalty
from fourS_analytics.errors import ConfigError
from fourS_analytics.sample import sample_data_dir


def _two_customers(tmp_path: Path) -> fours.Dataset:
    # A: 4 maintenance visits 180 days apart, all booked, customer pay 1,000 each
    # B: one visit 2 years before the as-of date, walk-in, customer pay 500
    rows = [
        ("R1", "A", "2024-01-01 09:00", "定保", "自费", 1000, "是"),
        ("R2", "A", "2024-06-29 09:00", "定保", "自费", 1000, "是"),
        ("R3", "A", "2024-12-26 09:00", "定保", "自费", 1000, "是"),
        ("R4", "A", "2025-06-24 09:00", "定保", "自费", 1000, "是"),
        ("R5", "B", "2023-12-31 10:00", "一般维修", "自费", 500, "否"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["工单号", "客户编号", "进厂时间", "维修类型", "结算方式", "结算金额", "是否预约"],
    )
    frame.to_csv(tmp_path / "ro.csv", index=False)
    return fours.load(tmp_path / "ro.csv")


def test_components_and_score_by_hand(tmp_path: Path) -> None:
    base = customers.build(_two_customers(tmp_path), "2025-12-31")
    result = loyalty.score(base)
    a, b = result.customers.loc["A"], result.customers.loc["B"]
    # frequency: A has 4 visits over 730 days = 2.0 a year against 2 expected -> 1.0
    assert a["frequency"] == pytest.approx(1.0)
    # B: 1 visit over 731 days -> 0.4997 a year / 2
    assert b["frequency"] == pytest.approx((1 / (731 / 365.25)) / 2, rel=1e-6)
    assert a["schedule"] == 1.0  # every 180-day gap is within 12 months x 1.3
    assert a["appointment"] == 1.0 and b["appointment"] == 0.0
    assert a["spend"] == 1.0 and b["spend"] == 0.5  # percentile ranks of spend per year
    assert a["no_bad"] == 1.0
    # no policies and no surveys: those components are left out, weights renormalised
    assert set(result.weights) == {"frequency", "schedule", "spend", "appointment", "no_bad"}
    assert sum(result.weights.values()) == pytest.approx(1.0)
    w = result.weights
    expected_a = 100 * (
        w["frequency"] + w["schedule"] + w["spend"] + w["appointment"] + w["no_bad"]
    )
    assert a["score"] == pytest.approx(round(expected_a, 1))
    assert a["tier"] == "core"
    assert b["tier"] == "lapsed"  # 731 days since the last visit
    assert "insurance_renewal" in result.unavailable and "csi" in result.unavailable


def test_weights_are_configurable_and_checked(tmp_path: Path) -> None:
    base = customers.build(_two_customers(tmp_path), "2025-12-31")
    only_freq = loyalty.score(base, loyalty.LoyaltyConfig(weights={"frequency": 1.0}))
    assert only_freq.customers.loc["A", "score"] == 100.0
    with pytest.raises(ConfigError, match="unknown component"):
        loyalty.LoyaltyConfig(weights={"charm": 1.0})
    with pytest.raises(ConfigError, match="above regular_score"):
        loyalty.LoyaltyConfig(core_score=50, regular_score=60)


def test_sample_store_tiers_and_values() -> None:
    data = fours.load(sample_data_dir())
    result = loyalty.score(customers.build(data, "2025-12-31"))
    c = result.customers
    assert set(result.summary.index) == set(loyalty.TIERS)
    assert result.summary["customers"].sum() == len(c)
    assert result.summary["revenue_share"].sum() == pytest.approx(1.0)
    # core customers bring more revenue per head than occasional ones
    per_head = result.summary["revenue"] / result.summary["customers"]
    assert per_head["core"] > 2 * per_head["occasional"]
    assert c["score"].between(0, 100).all()
    assert not c[["score", "expected_visits_12m", "clv"]].isna().any().any()
    # latent loyalty (ground truth) rises with the score
    truth = pd.read_csv(sample_data_dir() / "ground_truth" / "vehicles.csv")
    by_customer = truth.groupby("customer_id")["loyalty"].mean()
    joined = c.join(by_customer, how="inner")
    assert joined["score"].corr(joined["loyalty"], method="spearman") > 0.2
    params = result.models["bgnbd"].params  # type: ignore[union-attr]
    assert set(params) == {"r", "alpha", "a", "b"}
