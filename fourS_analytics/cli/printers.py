"""What the commands print: results in the user's language, as aligned text or JSON.

Plain functions from results to text (or to JSON-ready data); the commands call them and
echo what they return. Nothing here computes an analysis.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .. import numbers
from ..churn import ChurnResult
from ..config import Settings
from ..i18n import MESSAGES, in_words, say, t
from ..kpi import format_value as show
from ..lists import LISTS, ListsResult
from ..loyalty import LoyaltyResult
from ..render import text_table
from ..timeframe import Period
from ..wording import factor_label, feature_label, listing, visits_bucket
from ..workload import WorkloadResult


def to_json(payload: Any) -> str:
    return json.dumps(
        payload, ensure_ascii=False, indent=2, default=lambda v: None if _missing(v) else str(v)
    )


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def written(out: str | Path, files: dict[str, Path], lang: str) -> str:
    return "\n".join(
        [t("written", lang, path=out), *(f"  {label}: {path}" for label, path in files.items())]
    )


def loyalty_json(result: LoyaltyResult, files: dict[str, Path], lang: str) -> dict[str, Any]:
    summary = result.summary.reset_index()
    summary["tier"] = summary["tier"].astype(str)
    return {
        "as_of": str(result.as_of.date()),
        "weights": result.weights,
        "tiers": summary.to_dict("records"),
        "unavailable": {k: t(v, lang) for k, v in result.unavailable.items()},
        "outputs": {k: str(v) for k, v in files.items()},
    }


def _left_out(unavailable: dict[str, str], lang: str) -> str:
    """The features an analysis could not build, each with why: 未使用：满意度（需要…）."""
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    return t(
        "lo_unavailable",
        lang,
        what=listing(
            [f"{feature_label(k, lang)}{open_}{t(v, lang)}{close}" for k, v in unavailable.items()],
            lang,
        ),
    )


def loyalty_text(result: LoyaltyResult, lang: str) -> str:
    lines = [
        t("lo_title", lang, date=result.as_of.date(), n=f"{len(result.customers):,}"),
        t(
            "lo_weights",
            lang,
            weights=listing(
                [f"{feature_label(k, lang)} {v:.2f}" for k, v in result.weights.items()], lang
            ),
        ),
    ]
    if result.unavailable:
        lines.append(_left_out(result.unavailable, lang))
    rows = [
        [
            t(f"tier_{tier}", lang),
            int(r["customers"]),
            f"{100 * r['share']:.1f}%",
            f"{100 * r['revenue_share']:.1f}%",
            f"{r['mean_score']:.1f}",
        ]
        for tier, r in result.summary.iterrows()
    ]
    lines.append(
        text_table(
            [
                t(k, lang)
                for k in (
                    "lo_tier",
                    "lo_customers",
                    "lo_share",
                    "lo_revenue_share",
                    "lo_mean_score",
                )
            ],
            rows,
            [False, True, True, True, True],
        )
    )
    return "\n".join(lines)


def churn_json(result: ChurnResult, files: dict[str, Path], lang: str) -> dict[str, Any]:
    info = dict(result.model_info)
    info["why"] = result.why.render(lang)
    return {
        **info,
        "notes": [n.render(lang) for n in result.notes],
        "outputs": {k: str(v) for k, v in files.items()},
    }


def _auc(values: dict[Any, Any]) -> str:
    """ROC AUC with its bootstrap interval: 0.856 (0.831-0.880)."""
    auc, low, high = (values.get(k) for k in ("roc_auc", "roc_auc_low", "roc_auc_high"))
    if _missing(auc):
        return "-"
    if _missing(low) or _missing(high):
        return f"{auc:.3f}"
    return f"{auc:.3f} ({low:.3f}-{high:.3f})"


def churn_text(result: ChurnResult, lang: str) -> str:
    lines = [t("ch_title", lang, date=result.as_of.date(), n=f"{len(result.scores):,}")]
    backtest: dict[Any, dict[Any, Any]] = result.backtest.to_dict("index")
    rows = [
        [
            m,
            _auc(values),
            *(
                f"{values[k]:.3f}" if not _missing(values.get(k)) else "-"
                for k in ("pr_auc", "brier", "lift_top_decile")
            ),
        ]
        for m, values in backtest.items()
    ]
    lines.append(
        text_table(
            [t("ch_model", lang), "ROC AUC (95% CI)", "PR AUC", "Brier", "Lift@10%"],
            rows,
            [False, True, True, True, True],
        )
    )
    lines.append(t("ch_chosen", lang, why=result.why.render(lang)))
    margin = result.model_info.get("margin_over_baseline")
    if margin:
        lines.append(
            t(
                "ch_margin",
                lang,
                model=margin["model"],
                baseline=margin["baseline"],
                **numbers.margin_figures(margin),
            )
        )
    unavailable = result.model_info.get("unavailable")
    if unavailable:
        lines.append(_left_out(unavailable, lang))
    lines += [n.render(lang) for n in result.notes]
    top = result.drivers.dropna(subset=["odds_ratio"]).head(3)
    lines.append(
        t(
            "ch_top_drivers",
            lang,
            drivers=", ".join(
                f"{factor_label(str(r.factor), lang)} (OR {r.odds_ratio:.2f})"
                for r in top.itertuples()
            ),
        )
    )
    lines.append(
        t(
            "ch_lists",
            lang,
            n=f"{len(result.winback):,}",
            value=f"{result.winback['value_at_risk'].sum():,.0f}",
            lapsing=f"{int((result.lapsed['status'] == 'lapsing').sum()):,}",
            lost=f"{int((result.lapsed['status'] == 'lost').sum()):,}",
        )
    )
    return "\n".join(lines)


def kpi_json(
    rows: pd.DataFrame,
    period: Period,
    compared: Period | None,
    parts: pd.DataFrame | None,
    by: str | None,
    lang: str,
    tables: dict[str, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    records = in_words(rows, lang).to_dict("records")
    payload: dict[str, Any] = {
        "period": {"from": str(period.start.date()), "to": str(period.end.date())},
        "kpis": {r["kpi"]: r["value"] for r in records},
        "n/a": {r["kpi"]: r["n/a"] for r in records if r["n/a"]},
    }
    if compared:
        payload["compare"] = {
            "from": str(compared.start.date()),
            "to": str(compared.end.date()),
            "kpis": dict(zip(rows["kpi"], rows["compared"], strict=True)),
            # a rate's change in points (0.063 = 6.3 pp), anything else's relative
            "change": dict(zip(rows["kpi"], rows["change"], strict=True)),
            "change_unit": dict(zip(rows["kpi"], rows["change_unit"], strict=True)),
            "n/a": {r["kpi"]: r["change_n/a"] for r in records if r.get("change_n/a")},
        }
    if "target" in rows:
        payload["targets"] = {
            r["kpi"]: {"target": r["target"], "of_target": r["of_target"], "met": r["met"]}
            for r in records
            if pd.notna(r["target"])
        }
    if "previous" in rows:  # 环比: the span of the same length just before
        payload["previous"] = {
            "kpis": dict(zip(rows["kpi"], rows["previous"], strict=True)),
            "change": dict(zip(rows["kpi"], rows["change_prev"], strict=True)),
            "n/a": {r["kpi"]: r["change_prev_n/a"] for r in records if r.get("change_prev_n/a")},
        }
    if parts is not None:
        payload["breakdown"] = {"by": by, "rows": parts.to_dict("records")}
    for name, frame in (tables or {}).items():
        payload[name] = frame.to_dict("records")
    return payload


def kpi_text(
    rows: pd.DataFrame,
    period: Period,
    compared: Period | None,
    parts: pd.DataFrame | None,
    lang: str,
    extra: list[str] | None = None,
) -> str:
    span = numbers.period_text(period.start, period.end, lang)
    lines = [
        t(
            "kpi_title_vs",
            lang,
            period=span,
            compared=numbers.period_text(compared.start, compared.end, lang),
        )
        if compared
        else t("kpi_title", lang, period=span)
    ]
    # 环比 beside 同比 for a period shorter than a year (for a year the span before is the
    # year before: 同比 says it)
    mom = "previous" in rows and period.months < 12
    out_rows = []
    for r in rows.to_dict("records"):
        kpi_id = r["kpi"]
        line = [t(f"k_{kpi_id}", lang) + numbers.unit(kpi_id, lang), show(kpi_id, r["value"], lang)]
        if compared:
            shown = numbers.change_text(
                kpi_id, r["value"], r["compared"], lang, r.get("change_n/a") or None
            )
            if r.get("change") is None or pd.isna(r.get("change")):
                shown = t("n_a", lang)  # the reason is in the last column
            line += [show(kpi_id, r["compared"], lang), shown]
        if mom:
            shown = numbers.change_text(
                kpi_id, r["value"], r["previous"], lang, r.get("change_prev_n/a") or None
            )
            if r.get("change_prev") is None or pd.isna(r.get("change_prev")):
                shown = t("n_a", lang)
            line += [show(kpi_id, r["previous"], lang), shown]
        if "target" in r:
            tgt = r.get("target")
            line += [
                show(kpi_id, tgt, lang) if pd.notna(tgt) else "",
                numbers.achievement_text(kpi_id, r["value"], tgt, lang),
            ]
        reasons = [say(r["n/a"], lang)] if r["n/a"] else []
        if compared and r.get("change_n/a") and not r["n/a"]:
            reasons.append(say(r["change_n/a"], lang))
        line.append("; ".join(x for x in reasons if x))
        out_rows.append(line)
    head = [t("kpi_name", lang), t("kpi_value", lang)]
    if compared:
        head += [t("kpi_compared", lang), t("kpi_change", lang)]
    if mom:
        head += [t("kpi_previous", lang), t("kpi_change_prev", lang)]
    if "target" in rows:
        head += [t("kpi_target", lang), t("kpi_of_target", lang)]
    head.append(t("kpi_na", lang))
    lines.append(text_table(head, out_rows, [False] + [True] * (len(head) - 2) + [False]))
    if parts is not None:
        lines += ["", breakdown_text(parts, lang)]
    for table in extra or []:
        lines += ["", table]
    return "\n".join(lines)


def breakdown_text(parts: pd.DataFrame, lang: str) -> str:
    """``fours kpi --by``: a KPI a row as in the main table, a group (month, advisor, RO
    type, ...) a column, each value shown as the KPI is; KPIs no group has are left out."""
    by = str(parts.columns[0])
    groups = [
        t(f"rt_{g}", lang) if by == "ro_type" and f"rt_{g}" in MESSAGES else str(g)
        for g in parts[by]
    ]
    rows = []
    for kpi_id in parts.columns[1:]:
        column = parts[kpi_id]
        if column.isna().all():
            continue
        name = t(f"k_{kpi_id}", lang) if f"k_{kpi_id}" in MESSAGES else str(kpi_id)
        rows.append(
            [name + numbers.unit(str(kpi_id), lang), *(show(str(kpi_id), v, lang) for v in column)]
        )
    head = [t(f"by_{by}", lang), *groups]
    return text_table(head, rows, [False] + [True] * len(groups))


def breakdown_csv(parts: pd.DataFrame, whole: Mapping[str, object], lang: str) -> str:
    """``fours kpi --by ... --format csv``: one table in the stream, a group a row under a
    first row for the whole period (``whole``: every KPI's value, as :func:`kpi.compute`
    gives it), so a spreadsheet or a script reads the groups and their total together."""
    by = str(parts.columns[0])
    total = pd.DataFrame([{by: t("by_all", lang), **whole}]).reindex(columns=parts.columns)
    return pd.concat([total, parts], ignore_index=True).to_csv(index=False)


def pay_mix_text(mix: pd.DataFrame, lang: str) -> str:
    """The pay-type mix as a terminal table."""
    head = [
        t("rp_pay_type", lang),
        t("k_settled_ros", lang),
        t("k_labor_revenue", lang) + numbers.unit("revenue", lang),
        t("k_parts_revenue", lang) + numbers.unit("revenue", lang),
        t("rp_share", lang),
    ]
    rows = [
        [
            t(f"pt_{r['pay_type']}", lang) if f"pt_{r['pay_type']}" in MESSAGES else r["pay_type"],
            numbers.count_text(r["ros"]),
            show("revenue", r["labor"], lang),
            show("revenue", r["parts"], lang),
            show("gross_margin", r["share"], lang),
        ]
        for r in mix.to_dict("records")
    ]
    return t("rp_sec_pay", lang) + "\n" + text_table(head, rows, [False, True, True, True, True])


def frequency_text(freq: pd.DataFrame, lang: str) -> str:
    head = [t("kpi_visits", lang), t("kpi_customers", lang), t("rp_share", lang)]
    rows = [
        [
            visits_bucket(r["visits"], lang),
            f"{r['customers']:,}",
            show("gross_margin", r["share"], lang),
        ]
        for r in freq.to_dict("records")
    ]
    return t("rp_chart_frequency", lang) + "\n" + text_table(head, rows, [False, True, True])


def ladder_text(ladder: pd.DataFrame, lang: str) -> str:
    head = [
        t("kpi_step", lang),
        t("kpi_eligible", lang),
        t("kpi_reached", lang),
        t("rp_share", lang),
    ]
    rows = [
        [
            t(f"rp_ladder_{r['step']}", lang),
            f"{r['eligible']:,}",
            f"{r['reached']:,}",
            show("gross_margin", r["share"], lang),
        ]
        for r in ladder.to_dict("records")
    ]
    return t("rp_chart_ladder", lang) + "\n" + text_table(head, rows, [False, True, True, True])


def workload_text(result: WorkloadResult, settings: Settings, lang: str) -> str:
    config = settings.workload
    bh = result.by_hour[result.by_hour["open"]]
    p = result.plan_summary
    lines = [
        t(
            "wl_title",
            lang,
            period=numbers.period_text(result.period[0], result.period[1], lang),
            arrivals=p["arrivals_per_week"],
            techs=bh["technicians"].mean(),
            service=p["service_mean_h"],
            cv=p["service_cv"],
        ),
        t("wl_worst", lang),
    ]
    worst: list[dict[Any, Any]] = (
        bh.sort_values("modelled_wait_h", ascending=False).head(3).to_dict("records")
    )
    for row in worst:
        lines.append(
            "  "
            + t(
                "wl_hour",
                lang,
                day=t(f"wd_{row['weekday']}", lang),
                hour=row["hour"],
                before=60 * row["modelled_wait_h"],
                after=60 * row["planned_wait_h"],
                target=config.target_wait_minutes,
                share_b=100 * row["share_over_target"],
                share_a=100 * row["planned_share_over_target"],
            )
        )
    lines.append(
        t(
            "wl_plan",
            lang,
            moved=p["moved_per_week"],
            arrivals=p["arrivals_per_week"],
            target=config.target_wait_minutes,
            before=100 * p["share_over_before"],
            after=100 * p["share_over_after"],
            wb=60 * p["mean_wait_before_h"],
            wa=60 * p["mean_wait_after_h"],
            ob=p["overtime_before_h"],
            oa=p["overtime_after_h"],
        )
    )
    opts = result.staffing_options.set_index("change")
    lines.append(
        t(
            "wl_staff",
            lang,
            now=int(result.staffing["technicians_now"].max()),
            today=int(result.staffing["needed_today"].max()),
            grown=int(result.staffing["needed_with_growth"].max()),
            with_plan=int(result.staffing["needed_with_plan_and_growth"].max()),
            growth=100 * config.growth,
            oph=opts.at[0, "output_per_head_month"],
        )
    )
    left_out = {k: v for k, v in result.excluded.items() if v}
    if left_out:
        lines.append(
            t(
                "wl_excluded",
                lang,
                what=listing([f"{t('wx_' + k, lang)} {v}" for k, v in left_out.items()], lang),
            )
        )
    kept = float(p.get("kept_overnight_per_week", 0.0))
    if kept >= 0.5:
        lines.append(t("wl_overnight", lang, n=f"{kept:.0f}"))
    lines += [n.render(lang) for n in result.notes]
    return "\n".join(lines)


def lists_text(result: ListsResult, lang: str, workbook_rows: int = 0) -> str:
    """The lists' counts, one line each, why a list was not built, and which lists the
    workbook holds only the first ``workbook_rows`` rows of."""
    lines = [t("ls_title", lang, day=result.as_of.date())]
    for name in LISTS:
        label = t(f"ln_{name}", lang)
        if name in result.skipped:
            lines.append("  " + t("ls_not_built", lang, name=label, why=result.skipped[name]))
            continue
        lines.append("  " + t("ls_line", lang, name=label, count=f"{len(result.lists[name]):,}"))
    due = result.summary.get("service_due")
    if due:
        lines.append(
            t(
                "ls_service_week",
                lang,
                weeks=due["weeks"],
                per_week=due["visits_per_week"],
                expected=due["expected_visits_per_week"],
            )
        )
    service = result.looked_back.get("service")
    if service and service["due"]:  # none due: said among the notes (why there is none)
        lines.append(
            t(
                "ls_back_service",
                lang,
                due=f"{service['due']:,}",
                share=f"{100 * service['share_back']:.0f}%",
                grace=service["grace_days"],
            )
        )
    renewal = result.looked_back.get("renewal")
    if renewal:
        lines.append(
            t(
                "ls_back_renewal",
                lang,
                ended=f"{renewal['ended']:,}",
                rate=f"{100 * renewal['rate']:.0f}%",
            )
        )
    in_book = result.in_workbook(workbook_rows)
    longer = [
        f"{t(f'ln_{n}', lang)} ({len(result.lists[n]):,})"
        for n in LISTS
        if n in in_book and in_book[n] < len(result.lists[n])
    ]
    if longer:
        sep = "、" if lang == "zh" else ", "
        lines.append(t("ls_book_lines", lang, rows=f"{workbook_rows:,}", names=sep.join(longer)))
    lines += [note.render(lang) for note in result.notes]
    return "\n".join(lines)


def lists_json(
    result: ListsResult, files: dict[str, Path], lang: str, workbook_rows: int = 0
) -> dict[str, Any]:
    in_book = result.in_workbook(workbook_rows)
    return {
        "as_of": str(result.as_of.date()),
        "lists": {n: result.summary[n] for n in LISTS if n in result.summary},
        "workbook_rows": {n: in_book[n] for n in LISTS if n in in_book},
        "not_built": {n: result.skipped[n].render(lang) for n in LISTS if n in result.skipped},
        "looked_back": result.looked_back,
        "notes": [note.render(lang) for note in result.notes],
        "outputs": {k: str(v) for k, v in files.items()},
    }
