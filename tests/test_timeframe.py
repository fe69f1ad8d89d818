"""One notion of time: periods of whole days, an as-of day included whole, parsed once."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics.errors import UsageError
from fourS_analytics.timeframe import (
    AsOf,
    Period,
    compare_period,
    parse_date,
    parse_days,
    parse_period,
    period_from,
)


def test_a_period_contains_its_last_day_to_the_end() -> None:
    p = Period.of_year(2025)
    times = pd.Series(
        pd.to_datetime(
            ["2024-12-31 23:59", "2025-01-01 00:00", "2025-12-31 17:45", "2026-01-01 00:00"]
        )
    )
    assert p.contains(times).tolist() == [False, True, True, False]
    assert AsOf(pd.Timestamp("2025-12-31")).includes(times).tolist() == [True, True, True, False]


@pytest.mark.parametrize(
    ("text", "days"),
    [("365", 365), ("365d", 365), ("52w", 364), ("12m", 365), ("1y", 365), (90, 90)],
)
def test_spans_of_days(text: object, days: int) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["soon", "0", "-3d", ""])
def test_a_bad_span_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="horizon_days"):
        parse_days(text, "horizon_days")


def test_periods_and_their_neighbours() -> None:
    p = parse_period("2025-11")
    assert (p.start, p.end, p.months) == (pd.Timestamp("2025-11-01"), pd.Timestamp("2025-11-30"), 1)
    assert p.year_before() == Period(
        "2025-11-1y", pd.Timestamp("2024-11-01"), pd.Timestamp("2024-11-30")
    )
    assert p.year_to_date().start == pd.Timestamp("2025-01-01")
    trailing = p.trailing_year()
    assert (trailing.start, trailing.end) == (
        pd.Timestamp("2024-12-01"),
        pd.Timestamp("2025-11-30"),
    )
    assert parse_period("last-month", today=date(2026, 1, 5)).label == "2025-12"
    assert compare_period("none", p) is None and compare_period("2023", p) == Period.of_year(2023)
    last = pd.Timestamp("2025-08-20 16:00")
    assert period_from(last=last) == Period.of_year(2025)
    only_to = period_from(end="2025-06-30", last=last)
    assert (only_to.start, only_to.end) == (pd.Timestamp("2024-07-01"), pd.Timestamp("2025-06-30"))
    with pytest.raises(UsageError, match="is before"):
        Period("x", pd.Timestamp("2025-02-01"), pd.Timestamp("2025-01-01"))
    with pytest.raises(UsageError, match="not a date"):
        parse_date("31/31/2025", "as_of")


def test_the_customer_base_as_of_a_day_includes_that_days_visits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fourS_analytics.customers import build

    path = tmp_path / "ro.csv"
    path.write_text(
        "工单号,客户编号,进厂时间,维修类型,结算金额\n"
        "R1,C1,2025-03-01 09:00,保养,500\n"
        "R2,C2,2025-12-31 17:45,保养,600\n",
        encoding="utf-8",
    )
    data = fours.load(path)
    base = build(data, "2025-12-31")
    assert set(base.customers.index) == {"C1", "C2"}  # R2, at 17:45 on the day, is in
    assert base.customers.at["C2", "days_since_last"] == 0
    earlier = build(data, "2025-12-30")
    assert set(earlier.customers.index) == {"C1"}


def test_a_range_of_months_includes_its_last_month() -> None:
    from fourS_analytics.timeframe import parse_period

    half = parse_period("2025-01..2025-06")
    assert (half.start, half.end) == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-30"))
    years = parse_period("2024..2025")
    assert (years.start, years.end) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31"))
    days = parse_period("2025-03-05..2025-03-09")
    assert days.end == pd.Timestamp("2025-03-09")
