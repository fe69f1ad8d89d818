"""The trade's number formats, in one place (issue 13).

How a service department says its figures, and the direction each KPI should move:

- money on stage in 万元 with one decimal (产值 608.7 万元); in tables in 元 with the unit in
  the header; small amounts (单车产值 1,280 元) stay in 元;
- a change of a rate in percentage points (百分点, "pp"), of anything else in per cent;
- what cannot be compared is n/a *with the reason in words*, never 0 or "+nan";
- the achievement of a lower-is-better KPI (返修率) is target / actual, not actual / target;
- dates as 2025年1月-12月 in Chinese, Jan-Dec 2025 in English.

Everything that renders a KPI for people (``fours kpi``, the report, the deck, the group
report) goes through these functions; the JSON keeps the raw values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .i18n import Message, t

# the KPIs whose good direction is down (declared once; the report, the group report and
# the targets read it from here)
LOWER_IS_BETTER = frozenset(
    {"comeback_rate", "no_show_rate", "churn_rate", "mean_turnaround_hours"}
)
MONEY = frozenset(
    {
        "revenue",
        "labor_revenue",
        "parts_revenue",
        "revenue_per_ro",
        "output_per_head",
        "gross_profit",
    }
)
PER_HOUR = frozenset({"effective_labor_rate"})  # 元 a labour hour
WAN = 10_000.0  # 万


def missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def money_stage(value: object, lang: str) -> str:
    """Money as said on stage: 608.7 万元 (from 1 万 up), else 1,280 元; 6.09 M / 1,280."""
    if missing(value):
        return t("n_a", lang)
    v = float(value)  # type: ignore[arg-type]
    if lang == "zh":
        return f"{v / WAN:,.1f} 万元" if abs(v) >= WAN else f"{v:,.0f} 元"
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M"
    return f"{v:,.0f}"


def unit(kpi_id: str, lang: str) -> str:
    """The unit a table's header carries for this KPI: （元）, （小时）, or nothing."""
    if kpi_id in MONEY:
        return t("u_yuan", lang)
    if kpi_id in PER_HOUR:
        return t("u_yuan_hour", lang)
    return ""  # hours: the KPI's name says so already


def is_rate(kpi_id: str) -> bool:
    from .kpi import RATES

    return kpi_id in RATES


def change(kpi_id: str, now: object, before: object) -> float | None:
    """The change from ``before`` to ``now``: points (a difference) for a rate, else a
    relative change; None where either is missing or the base is 0."""
    if missing(now) or missing(before):
        return None
    a, b = float(now), float(before)  # type: ignore[arg-type]
    if is_rate(kpi_id):
        return a - b
    return (a - b) / abs(b) if b else None


def signed(value: float, digits: int = 1) -> str:
    """``value`` with its sign at ``digits`` decimals, and no sign where it rounds to zero:
    a fall of 0.04 points reads "0.0", never "-0.0"."""
    text = f"{value:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def count_text(value: float) -> str:
    """A count that may be fractional (an RO shared by two pay types counts half in each):
    whole counts as whole numbers, the others at one decimal."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def margin_figures(margin: dict[str, float]) -> dict[str, str]:
    """A difference of two ROC AUCs and its interval's ends as words use them, at three
    decimals with their signs (none on a zero: "0.000", never "-0.000")."""
    return {key: signed(margin[key], 3) for key in ("difference", "low", "high")}


def change_text(
    kpi_id: str, now: object, before: object, lang: str, reason: Message | None = None
) -> str:
    """+6.3 个百分点 / +6.3 pp for a rate, +22.4% otherwise; n/a with the reason in words."""
    c = change(kpi_id, now, before)
    if c is None:
        if reason is None:
            reason = Message("na_no_base" if not missing(before) else "na_not_compared")
        return t("n_a_because", lang, reason=reason.render(lang))
    if is_rate(kpi_id):
        return t("u_points", lang, value=signed(100 * c))
    return f"{signed(100 * c)}%"


def achievement(kpi_id: str, value: object, target: object) -> float | None:
    """The share of the target reached, in the KPI's good direction: actual / target, or
    target / actual for a lower-is-better KPI (返修率 1.5 % against 1 %: 66.7 %). None where
    it cannot be said (missing, a zero target, or a lower-is-better actual of 0, which
    :func:`met` reports as met)."""
    if missing(value) or missing(target):
        return None
    v, g = float(value), float(target)  # type: ignore[arg-type]
    if kpi_id in LOWER_IS_BETTER:
        return g / v if v > 0 else None
    return v / g if g else None


def met(kpi_id: str, value: object, target: object) -> bool | None:
    if missing(value) or missing(target):
        return None
    v, g = float(value), float(target)  # type: ignore[arg-type]
    return v <= g if kpi_id in LOWER_IS_BETTER else v >= g


def achievement_text(kpi_id: str, value: object, target: object, lang: str) -> str:
    share = achievement(kpi_id, value, target)
    if share is not None:
        return f"{100 * share:.1f}%"
    reached = met(kpi_id, value, target)
    if reached is None:
        return ""
    return t("u_met", lang) if reached else t("u_not_met", lang)


def better(kpi_id: str, delta: float) -> bool:
    """Whether a move of ``delta`` is for the better."""
    return (delta > 0) != (kpi_id in LOWER_IS_BETTER)


def period_text(start: object, end: object, lang: str) -> str:
    """2025年1月-12月, 2024年9月-2025年6月, 2025年3月5日-6月30日; Jan-Dec 2025 in English."""
    a, b = pd.Timestamp(start), pd.Timestamp(end)  # type: ignore[arg-type]
    whole_months = a.day == 1 and (b + pd.Timedelta(days=1)).day == 1
    if lang == "zh":
        if whole_months:
            left = f"{a.year}年{a.month}月"
            right = f"{b.month}月" if a.year == b.year else f"{b.year}年{b.month}月"
            return left if (a.year, a.month) == (b.year, b.month) else f"{left}-{right}"
        left = f"{a.year}年{a.month}月{a.day}日"
        right = f"{b.month}月{b.day}日" if a.year == b.year else f"{b.year}年{b.month}月{b.day}日"
        return left if a == b else f"{left}-{right}"
    if whole_months:
        if (a.year, a.month) == (b.year, b.month):
            return f"{a:%b} {a.year}"
        if a.year == b.year:
            return f"{a:%b}-{b:%b} {a.year}"
        return f"{a:%b} {a.year}-{b:%b} {b.year}"
    return f"{a.day} {a:%b} {a.year}-{b.day} {b:%b} {b.year}"


RELATIVE_NOISE = 0.03  # a money or time KPI moving less than 3 % is not called a change
Z_95 = 1.959964


def beyond_noise(
    kpi_id: str, now: object, before: object, n_now: object = None, n_before: object = None
) -> bool | None:
    """Whether a KPI's change is more than noise. A rate with its denominators: a two-sided
    two-proportion z-test at 95 % (pooled); a rate without them: None (cannot tell); any
    other KPI: a relative change of at least :data:`RELATIVE_NOISE`."""
    if missing(now) or missing(before):
        return None
    a, b = float(now), float(before)  # type: ignore[arg-type]
    if not is_rate(kpi_id):
        return abs(a - b) >= RELATIVE_NOISE * abs(b) if b else None
    if missing(n_now) or missing(n_before) or not float(n_now) or not float(n_before):  # type: ignore[arg-type]
        return None
    n1, n2 = float(n_now), float(n_before)  # type: ignore[arg-type]
    pooled = (a * n1 + b * n2) / (n1 + n2)
    se = math.sqrt(max(pooled * (1 - pooled), 0.0) * (1 / n1 + 1 / n2))
    return abs(a - b) > Z_95 * se if se > 0 else a != b


def whole_slots(values: pd.Series) -> pd.Series:
    """Fractional weekly slots as whole ones that add up to the week's rounded total (the
    largest remainders get the extra slot): an advisor books 1 car, not 0.8."""
    v = pd.to_numeric(values, errors="coerce").fillna(0.0).clip(lower=0.0)
    floor = np.floor(v)
    extra = round(float(v.sum())) - int(floor.sum())
    order = (v - floor).sort_values(ascending=False, kind="mergesort").index
    out = floor.copy()
    if extra > 0:
        out.loc[order[:extra]] += 1
    return out.astype(int)
