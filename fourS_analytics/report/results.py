"""The figures the report stands on, for one store and year: filled by the pipeline
(:func:`fourS_analytics.pipeline.report_figures`); the report cites only what is here and
computes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..churn import ChurnResult
from ..lists import ListsResult
from ..loyalty import LoyaltyResult
from ..workload import WorkloadResult


@dataclass(frozen=True)
class Results:
    year: int
    kpis: pd.DataFrame  # kpi.report(...) for the year, compared with the year before
    monthly: pd.DataFrame  # kpi.breakdown by month of the year
    monthly_before: pd.DataFrame  # ... of the year before (empty frame if no data)
    loyalty: LoyaltyResult | None  # None: the step was skipped (``skipped`` says why)
    churn: ChurnResult | None
    workload: WorkloadResult | None
    store_name: str = ""
    # year -> kpi id -> value, for the years before (1..compare_years back)
    earlier: dict[int, dict[str, float | None]] = field(default_factory=dict)
    # year -> monthly breakdown, for the years before (1..compare_years back)
    monthly_earlier: dict[int, pd.DataFrame] = field(default_factory=dict)
    by_ro_type: pd.DataFrame | None = None  # kpi.breakdown by RO type, the year
    by_technician: pd.DataFrame | None = None
    by_advisor: pd.DataFrame | None = None
    policies_next_year: int | None = None  # insurance policies ending next year (None: no table)
    skipped: dict[str, Any] = field(default_factory=dict)  # step -> pipeline.Skipped
    # why the exports do not cover the year whole (they start or end inside it): i18n.Message
    coverage: Any = None
    data_span: tuple[pd.Timestamp, pd.Timestamp] | None = None  # first and last RO opened
    # staff who left by the period's end (the staff table's leave dates): never named for
    # training or recognition
    departed: frozenset[str] = frozenset()
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None  # the report's days (the year to date)
    lists: ListsResult | None = None  # the call lists as of the period's end (counts cited)
    pay_mix: pd.DataFrame | None = None  # kpi.pay_mix of the year
    visit_frequency: pd.DataFrame | None = None  # kpi.visit_frequency at the year's end
    ladder: pd.DataFrame | None = None  # kpi.retention_ladder at the year's end
