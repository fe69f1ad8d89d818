"""Every analysis the report stands on, computed once per store and year.

The report cites only what is computed here; the renderers compute nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..churn import ChurnResult
from ..dataset import Dataset
from ..loyalty import LoyaltyResult
from ..workload import WorkloadResult


@dataclass(frozen=True)
class Results:
    year: int
    kpis: pd.DataFrame  # kpi.report(...) for the year, compared with the year before
    monthly: pd.DataFrame  # kpi.breakdown by month of the year
    monthly_before: pd.DataFrame  # ... of the year before (empty frame if no data)
    loyalty: LoyaltyResult
    churn: ChurnResult
    workload: WorkloadResult
    store_name: str = ""
    # year -> kpi id -> value, for the years before (1..compare_years back)
    earlier: dict[int, dict[str, float | None]] = field(default_factory=dict)
    # year -> monthly breakdown, for the years before (1..compare_years back)
    monthly_earlier: dict[int, pd.DataFrame] = field(default_factory=dict)
    by_ro_type: pd.DataFrame | None = None  # kpi.breakdown by RO type, the year
    by_technician: pd.DataFrame | None = None
    by_advisor: pd.DataFrame | None = None
    policies_next_year: int | None = None  # insurance policies ending next year (None: no table)


def _span(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")


def compute_results(dataset: Dataset, year: int, *, store_name: str = "",
                    targets: dict[str, object] | None = None, lang: str = "zh",
                    compare_years: int = 1, through: pd.Timestamp | None = None,
                    loyalty: LoyaltyResult | None = None, churn: ChurnResult | None = None,
                    workload: WorkloadResult | None = None,
                    schedule: Any = None) -> Results:
    """The KPIs of ``year`` (up to ``through``, for a year to date) against the same span
    ``compare_years`` years before, the customer base, loyalty, churn and the workshop's
    load, each computed once. Loyalty and churn as of ``through`` and the workload of the
    span may be passed in when the caller has them (``fours run`` does)."""
    from ..churn import analyse as churn_analyse
    from ..customers import Schedule
    from ..customers import build as build_base
    from ..kpi import KPI_IDS, breakdown, comeback_flags, compute, report
    from ..loyalty import score
    from ..workload import analyse as workload_analyse

    start, end = _span(year)
    if through is not None and through < end:
        end = pd.Timestamp(through).normalize()
    back = pd.DateOffset(years=1)
    schedule = schedule or Schedule()  # the brand's schedule and thresholds ([schedule])
    flags = comeback_flags(dataset.repair_orders, schedule)
    kpis = report(dataset, start, end, compare=(start - back, end - back),
                  targets=targets or {}, comebacks=flags, schedule=schedule)
    first = dataset.repair_orders["open_time"].min()
    earlier: dict[int, dict[str, float | None]] = {
        year - 1: dict(zip(kpis["kpi"], kpis["compared"], strict=True))}
    monthly_earlier: dict[int, pd.DataFrame] = {}
    for back in range(1, compare_years + 1):
        y = year - back
        if pd.isna(first) or _span(y)[1] < first:
            break
        if back > 1:
            values = compute(dataset, *_span(y), schedule, comebacks=flags)
            earlier[y] = {k: values[k].value for k in KPI_IDS}
        monthly_earlier[y] = breakdown(dataset, *_span(y), "month", schedule, comebacks=flags)
    if loyalty is None or churn is None:
        base = build_base(dataset, end, schedule)
        loyalty = loyalty or score(base)
        churn = churn or churn_analyse(dataset, end, clv=loyalty.customers["clv"], base=base,
                                       lang=lang, schedule=schedule)
    workload = workload or workload_analyse(dataset, start=start, end=end)
    policies = dataset.tables.get("insurance_policies")
    next_year = None
    if policies is not None and len(policies):
        ends = policies["end_date"]
        next_year = int(((ends >= pd.Timestamp(f"{year + 1}-01-01"))
                         & (ends <= pd.Timestamp(f"{year + 1}-12-31"))).sum())
    return Results(
        year, kpis, breakdown(dataset, start, end, "month", schedule, comebacks=flags),
        monthly_earlier.get(year - 1, pd.DataFrame()), loyalty, churn, workload, store_name,
        earlier, monthly_earlier,
        breakdown(dataset, start, end, "ro_type", schedule, comebacks=flags),
        breakdown(dataset, start, end, "technician", schedule, comebacks=flags),
        breakdown(dataset, start, end, "advisor", schedule, comebacks=flags), next_year)
