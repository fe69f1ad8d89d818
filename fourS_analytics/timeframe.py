"""One notion of time: a :class:`Period` of whole days and an :class:`AsOf` day.

An end date is always a whole day: ``--as-of 2025-12-31`` and a period ending on 2025-12-31
include the repair orders opened at 17:45 that day. Everything that cuts data by time asks
these objects (``period.contains(times)``, ``as_of.includes(times)``) instead of comparing
timestamps itself.

Text forms, parsed here and nowhere else:

- a period: ``last-month``, ``last-year``, ``YYYY``, ``YYYY-MM``, ``DATE..DATE`` (both days
  included), or a year with ``--from``/``--to`` (:func:`period_from`);
- a span of days: ``365``, ``365d``, ``52w``, ``12m``, ``1y`` (:func:`parse_days`);
- a date: anything pandas reads as one (``2025-12-31``, ``2025/12/31``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from .errors import UsageError
from .i18n import Message

ONE_DAY = pd.Timedelta(days=1)


def parse_date(value: object, option: str = "date") -> pd.Timestamp:
    """A day from text or a date; a usage error naming ``option`` otherwise."""
    stamp: Any
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise UsageError(
            "bad_option", option=option, reason=Message("rs_not_date", {"value": value})
        )
    return pd.Timestamp(stamp).normalize()


def parse_days(value: object, option: str = "days") -> int:
    """365, 365d, 52w, 12m or 1y -> days (a whole number above 0)."""
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    else:
        text = str(value).strip().lower()
        units = {"d": 1.0, "w": 7.0, "m": 30.44, "y": 365.25}
        try:
            days = round(float(text[:-1]) * units[text[-1]]) if text[-1:] in units else int(text)
        except (ValueError, IndexError):
            raise UsageError(
                "bad_option",
                option=option,
                reason=Message("rs_not_span", {"value": value}),
            ) from None
    if days <= 0:
        raise UsageError(
            "bad_option",
            option=option,
            reason=Message("rs_not_positive_days", {"value": value}),
        )
    return int(days)


@dataclass(frozen=True)
class AsOf:
    """The day an analysis looks back from, included whole: data up to its end."""

    day: pd.Timestamp

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", pd.Timestamp(self.day).normalize())

    @property
    def cutoff(self) -> pd.Timestamp:
        """The first moment after the day (exclusive bound)."""
        return self.day + ONE_DAY

    def includes(self, times: pd.Series) -> pd.Series:
        """Which times fall on or before the day."""
        return times < self.cutoff

    @classmethod
    def parse(
        cls, value: object | None, *, last: pd.Timestamp | None = None, option: str = "as_of"
    ) -> AsOf:
        """``value`` as a day, or (``None``) the day of ``last`` (the last repair order)."""
        if value is None:
            if last is None or pd.isna(last):
                raise UsageError(
                    "bad_option",
                    option=option,
                    reason=Message("rs_no_date_no_ro"),
                )
            return cls(pd.Timestamp(last))
        if isinstance(value, AsOf):
            return value
        return cls(parse_date(value, option))

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"


@dataclass(frozen=True)
class Period:
    """Whole days from ``start`` to ``end``, both included; ``label`` names it in file names."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp  # the last day, included

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", pd.Timestamp(self.start).normalize())
        object.__setattr__(self, "end", pd.Timestamp(self.end).normalize())
        if self.end < self.start:
            raise UsageError(
                "bad_option",
                option="period",
                reason=Message(
                    "rs_end_before_start",
                    {"end": f"{self.end:%Y-%m-%d}", "start": f"{self.start:%Y-%m-%d}"},
                ),
            )

    @property
    def year(self) -> int:
        """The calendar year the period ends in (the year-end report's year)."""
        return int(self.end.year)

    @property
    def stop(self) -> pd.Timestamp:
        """The first moment after the period (exclusive bound)."""
        return self.end + ONE_DAY

    @property
    def as_of(self) -> AsOf:
        return AsOf(self.end)

    @property
    def months(self) -> int:
        return len(pd.period_range(self.start, self.end, freq="M"))

    @property
    def is_calendar_year(self) -> bool:
        return self.start == pd.Timestamp(f"{self.year}-01-01") and self.end == pd.Timestamp(
            f"{self.year}-12-31"
        )

    def contains(self, times: pd.Series) -> pd.Series:
        return (times >= self.start) & (times < self.stop)

    def year_before(self) -> Period:
        """The same span a year earlier (同比)."""
        back = pd.DateOffset(years=1)
        return Period(f"{self.label}-1y", self.start - back, self.end - back)

    def previous(self) -> Period:
        """The span of the same length just before (环比): whole calendar months give the
        same number of months before (November: October), any other span as many days."""
        first_of_month = self.start.day == 1
        month_end = (self.end + ONE_DAY).day == 1
        if first_of_month and month_end:
            months = self.months
            start = self.start - pd.DateOffset(months=months)
            return Period(f"{self.label}-prev", start, self.start - ONE_DAY)
        days = (self.end - self.start).days + 1
        return Period(
            f"{self.label}-prev",
            self.start - pd.Timedelta(days=days),
            self.start - ONE_DAY,
        )

    def year_to_date(self) -> Period:
        """From 1 January of the period's year to its end (the report's span)."""
        return Period(str(self.year), pd.Timestamp(f"{self.year}-01-01"), self.end)

    def trailing_year(self) -> Period:
        """The twelve months that end with the period (the workload's span)."""
        return Period(f"{self.label}-12m", self.end - pd.DateOffset(years=1) + ONE_DAY, self.end)

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(str(year), pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31"))

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"


def parse_period(text: str, today: date | None = None, *, option: str = "period") -> Period:
    """last-month | last-year | YYYY | YYYY-MM | DATE..DATE (both days included)."""
    today = today or date.today()
    spec = str(text).strip()
    try:
        if spec == "last-month":
            first = pd.Timestamp(today.replace(day=1)) - pd.DateOffset(months=1)
            return Period(f"{first:%Y-%m}", first, first + pd.offsets.MonthEnd(0))
        if spec == "last-year":
            return Period.of_year(today.year - 1)
        if re.fullmatch(r"\d{4}", spec):
            return Period.of_year(int(spec))
        if re.fullmatch(r"\d{4}-\d{2}", spec):
            first = pd.Timestamp(f"{spec}-01")
            return Period(spec, first, first + pd.offsets.MonthEnd(0))
        if ".." in spec:
            left, right = (x.strip() for x in spec.split("..", 1))
            a, b = pd.Timestamp(left), pd.Timestamp(right)
            if re.fullmatch(r"\d{4}-\d{2}", right):  # 2025-01..2025-06: June included
                b = b + pd.offsets.MonthEnd(0)
            elif re.fullmatch(r"\d{4}", right):
                b = pd.Timestamp(f"{right}-12-31")
            if b < a:
                raise ValueError("the end is before the start")
            return Period(f"{a:%Y%m%d}-{b:%Y%m%d}", a, b)
    except (ValueError, TypeError) as exc:
        raise UsageError(
            "bad_option",
            option=option,
            reason=Message("rs_bad_period", {"value": text, "why": str(exc)}),
        ) from None
    raise UsageError(
        "bad_option",
        option=option,
        reason=Message("rs_not_period", {"value": text}),
    )


def period_from(
    *,
    year: int | None = None,
    start: object | None = None,
    end: object | None = None,
    last: pd.Timestamp | None = None,
) -> Period:
    """The period of ``--year`` or ``--from``/``--to`` (default: the calendar year of the
    last repair order; ``--to`` alone: the twelve months up to it; ``--from`` alone: up to
    the last repair order)."""
    if year is not None:
        return Period.of_year(year)
    lo = parse_date(start, "start") if start is not None else None
    hi = parse_date(end, "end") if end is not None else None
    if lo is None and hi is None:
        if last is None or pd.isna(last):
            raise UsageError(
                "bad_option",
                option="year",
                reason=Message("rs_no_period_no_ro"),
            )
        return Period.of_year(int(pd.Timestamp(last).year))
    if hi is None:
        if last is None or pd.isna(last):
            raise UsageError("bad_option", option="end", reason=Message("rs_end_needed"))
        hi = pd.Timestamp(last).normalize()
    lo = lo if lo is not None else hi - pd.DateOffset(years=1) + ONE_DAY
    return Period(f"{lo:%Y%m%d}-{hi:%Y%m%d}", lo, hi)


def compare_period(value: str, period: Period) -> Period | None:
    """What ``--compare`` names: prev (the same span a year earlier), none, YYYY or
    DATE..DATE."""
    text = value.strip().lower()
    if text == "none":
        return None
    if text == "prev":
        return period.year_before()
    if re.fullmatch(r"\d{4}", text):
        return Period.of_year(int(text))
    if ".." in text:
        lo, _, hi = text.partition("..")
        return Period(text, parse_date(lo, "compare"), parse_date(hi, "compare"))
    raise UsageError(
        "bad_option",
        option="compare",
        reason=Message("rs_not_compare", {"value": value}),
    )


def opened_span(ros: pd.DataFrame) -> dict[str, str]:
    """The first and last day the repair orders were opened on, as text ("the data runs
    from {first} to {last}")."""
    return {
        "first": f"{ros['open_time'].min():%Y-%m-%d}",
        "last": f"{ros['open_time'].max():%Y-%m-%d}",
    }
