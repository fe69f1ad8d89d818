"""From the analyses' results to the three-part document. Pure: results in, a Document out.

Findings are chosen by their weight (how large the movement or the effect is), so the choice
is reproducible; each says which analysis produced it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import charts
from ..churn import ChurnResult
from ..i18n import t
from ..kpi import RATES, format_value
from ..loyalty import LoyaltyResult
from ..workload import WorkloadResult
from .document import Document, Finding, Part, Section, Table

HEADLINE = ("revenue", "intake", "revenue_per_ro", "appointment_rate", "on_time_delivery_rate",
            "comeback_rate", "renewal_rate", "retention_rate", "csi_mean")
@dataclass(frozen=True)
class Results:
    year: int
    kpis: pd.DataFrame  # kpi.report(...) for the year, compared with the year before
    monthly: pd.DataFrame  # kpi.breakdown by month: this year and the year before
    monthly_before: pd.DataFrame
    loyalty: LoyaltyResult
    churn: ChurnResult
    workload: WorkloadResult
    store_name: str = ""


fmt = format_value  # the report shows KPI values as `fours kpi` does


def _monthly_chart(results: Results, column: str, lang: str) -> str:
    ax = charts._axes(None, (8, 3.2))
    months = range(1, 13)
    for frame, label, color in ((results.monthly_before, str(results.year - 1), "#99c9a8"),
                                (results.monthly, str(results.year), "#1f6f8b")):
        values = pd.Series(frame[column].to_numpy(dtype=float), index=[
            int(str(m)[-2:]) for m in frame["month"]]).reindex(months)
        ax.plot(list(months), values.to_numpy(), marker="o", label=label, color=color)
    ax.set_xticks(list(months), [t("rp_month", lang, m=m) for m in months])
    ax.set_title(t(f"rp_chart_{column}", lang))
    ax.legend()
    return charts.svg_text(ax)


def build(results: Results, lang: str = "zh", notes: dict[str, str] | None = None) -> Document:
    notes = notes or {}
    k = results.kpis.set_index("kpi")

    def value(kpi_id: str) -> float | None:
        v = k.at[kpi_id, "value"]
        return None if v is None or pd.isna(v) else float(v)

    def change(kpi_id: str) -> float | None:
        c = k.at[kpi_id, "change"] if "change" in k else None
        return None if c is None or pd.isna(c) else float(c)

    # ---- part 1: review
    brief = []
    for kpi_id in ("revenue", "intake", "revenue_per_ro"):
        ch = change(kpi_id)
        brief.append(Finding(
            t("rp_brief", lang, kpi=t(f"k_{kpi_id}", lang), value=fmt(kpi_id, value(kpi_id)),
              change=f"{100 * ch:+.1f}%" if ch is not None else "n/a"),
            {kpi_id: fmt(kpi_id, value(kpi_id))}, "kpi", abs(ch or 0)))
    rows = [[t(f"k_{i}", lang), fmt(i, value(i)), fmt(i, k.at[i, "compared"]) if "compared" in k
             else "", fmt(i, k.at[i, "target"]) if "target" in k else "",
             k.at[i, "n/a"] or ""] for i in k.index]
    kpi_table = Table([t("kpi_name", lang), str(results.year), str(results.year - 1),
                       t("kpi_target", lang), t("kpi_na", lang)], rows)
    split = Table([t("rp_split", lang), t("kpi_value", lang)],
                  [[t("k_labor_revenue", lang), fmt("revenue", value("labor_revenue"))],
                   [t("k_parts_revenue", lang), fmt("revenue", value("parts_revenue"))]])
    review = Part("review", t("rp_part_review", lang), [
        Section(t("rp_sec_brief", lang), brief, note=notes.get("review", "")),
        Section(t("rp_sec_kpis", lang), table=kpi_table),
        Section(t("rp_sec_months", lang), [
            Finding(t("rp_months_claim", lang, year=results.year),
                    {"intake": fmt("intake", value("intake"))}, "kpi.breakdown", 0,
                    chart_svg=_monthly_chart(results, "intake", lang)),
            Finding(t("rp_months_revenue", lang, year=results.year),
                    {"revenue": fmt("revenue", value("revenue"))}, "kpi.breakdown", 0,
                    chart_svg=_monthly_chart(results, "revenue", lang))], table=split),
    ])

    # ---- part 2: experience, the findings that matter most
    candidates: list[Finding] = []
    for kpi_id in HEADLINE:
        ch = change(kpi_id)
        if ch is None or kpi_id in ("revenue", "intake"):
            continue
        good = (ch > 0) != (kpi_id == "comeback_rate")
        candidates.append(Finding(
            t("rp_move_up" if good else "rp_move_down", lang, kpi=t(f"k_{kpi_id}", lang),
              value=fmt(kpi_id, value(kpi_id)), before=fmt(kpi_id, k.at[kpi_id, "compared"])),
            {kpi_id: fmt(kpi_id, value(kpi_id))}, "kpi", abs(ch)))
    tiers = results.loyalty.summary
    core_share = float(tiers.at["core", "revenue_share"])
    candidates.append(Finding(
        t("rp_loyal", lang, share=f"{100 * float(tiers.at['core', 'share']):.0f}%",
          revenue=f"{100 * core_share:.0f}%"),
        {"core_revenue_share": f"{100 * core_share:.0f}%"}, "loyalty", core_share))
    drivers = results.churn.drivers.dropna(subset=["odds_ratio"])
    drivers = drivers[~drivers["factor"].str.startswith("advisor:")]
    if len(drivers):
        top = drivers.iloc[0]
        candidates.append(Finding(
            t("rp_driver", lang, factor=top["label"], odds=f"{top['odds_ratio']:.1f}",
              with_=f"{100 * top['churn_rate_with']:.0f}%",
              without=f"{100 * top['churn_rate_without']:.0f}%"),
            {"odds_ratio": f"{top['odds_ratio']:.1f}"}, "churn.drivers",
            float(abs(np.log(top["odds_ratio"])))))
    plan = results.workload.plan_summary
    worst = results.workload.by_hour.sort_values("modelled_wait_h").iloc[-1]
    candidates.append(Finding(
        t("rp_peak", lang, day=t(f"wd_{int(worst['weekday'])}", lang), hour=int(worst["hour"]),
          wait=f"{60 * worst['modelled_wait_h']:.0f}",
          share=f"{100 * plan['share_over_before']:.1f}%"),
        {"worst_wait_min": f"{60 * worst['modelled_wait_h']:.0f}"}, "workload",
        float(plan["share_over_before"]) * 2))
    experience = sorted(candidates, key=lambda f: -f.weight)[:8]
    part2 = Part("experience", t("rp_part_experience", lang), [
        Section(t("rp_sec_findings", lang), experience, note=notes.get("experience", ""))])

    # ---- part 3: plans with next year's numbers
    winback = results.churn.winback
    staffing = results.workload.staffing
    plans = [
        Finding(t("rp_plan_appointments", lang,
                  before=f"{100 * plan['share_over_before']:.1f}%",
                  after=f"{100 * plan['share_over_after']:.1f}%",
                  moved=f"{plan['moved_per_week']:.0f}"),
                {"share_after": f"{100 * plan['share_over_after']:.1f}%"}, "workload.plan"),
        Finding(t("rp_plan_staffing", lang, now=int(staffing["technicians_now"].max()),
                  needed=int(staffing["needed_with_growth"].max())),
                {"needed": str(int(staffing["needed_with_growth"].max()))}, "workload.staffing"),
        Finding(t("rp_plan_winback", lang, n=len(winback),
                  value=f"{winback['value_at_risk'].sum():,.0f}"),
                {"winback": str(len(winback))}, "churn.winback"),
    ]
    target_rows = []
    for kpi_id in ("revenue", "intake", "appointment_rate", "on_time_delivery_rate",
                   "renewal_rate", "retention_rate"):
        v = value(kpi_id)
        if v is None:
            continue
        ch = change(kpi_id) or 0.0
        if kpi_id in RATES:
            proposal = min(0.99, v + 0.05)  # five points better
            why = t("rp_why_rate", lang)
        else:
            proposal = v * (1 + max(min(ch, 0.2), 0.0))  # this year's growth, capped
            why = t("rp_why_trend", lang, growth=f"{100 * max(min(ch, 0.2), 0.0):.0f}%")
        target_rows.append([t(f"k_{kpi_id}", lang), fmt(kpi_id, v), fmt(kpi_id, proposal), why])
    part3 = Part("plans", t("rp_part_plans", lang), [
        Section(t("rp_sec_actions", lang), plans, note=notes.get("plans", "")),
        Section(t("rp_sec_targets", lang), table=Table(
            [t("kpi_name", lang), str(results.year), str(results.year + 1), t("rp_reason", lang)],
            target_rows)),
    ])
    title = t("rp_title", lang, year=results.year, store=results.store_name or "")
    return Document(title.strip(), t("rp_subtitle", lang), lang, [review, part2, part3])
