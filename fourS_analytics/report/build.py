"""From the analyses' results to the three-part document. Pure: results in, a Document out.

Findings are chosen by their weight (how large the movement or the effect is), so the choice
is reproducible; each says which analysis produced it.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pandas as pd

from ..churn import ChurnResult
from ..i18n import MESSAGES, Message, capital, say, sentence, t
from ..kpi import OPTIONAL, RATES, format_value
from ..lists import ListsResult
from ..numbers import (
    LOWER_IS_BETTER,
    MONEY,
    achievement_text,
    better,
    beyond_noise,
    change_text,
    margin_figures,
    money_stage,
    period_text,
    unit,
)
from ..privacy import mask_name
from ..wording import factor_label, listing, model_label, source_label, visits_bucket
from .document import Chart, Document, Finding, Part, Section, Table
from .results import Results

HEADLINE = (
    "revenue",
    "intake",
    "revenue_per_ro",
    "appointment_rate",
    "on_time_delivery_rate",
    "comeback_rate",
    "renewal_rate",
    "retention_rate",
    "csi_mean",
)
MIN_STAFF_ROS = 20  # a technician is compared with the workshop from this many ROs
ENOUGH = 4  # the experience part shows 4 to 8 findings
MOST = 8

fmt = format_value  # the report shows KPI values as `fours kpi` does


# the trade's benchmarks (DOMAIN.md), where no target is set: a target moves towards them
BENCHMARKS = {"on_time_delivery_rate": 0.95}
# rates whose month is a year in small (a month's retention or churn is not: those are
# measured against the 12 months before)
MONTH_COMPARABLE = frozenset(
    {"appointment_rate", "on_time_delivery_rate", "comeback_rate", "no_show_rate", "renewal_rate"}
)


def _best_month(results: Results, kpi_id: str) -> float | None:
    """The best month this store has had on a KPI, this year and the years compared (a
    target is not set beyond what the store has ever reached)."""
    if kpi_id not in MONTH_COMPARABLE:
        return None
    values: list[float] = []
    for frame in [results.monthly, *results.monthly_earlier.values()]:
        if frame is not None and kpi_id in frame:
            values += [float(v) for v in frame[kpi_id] if not _is_missing(v)]
    if not values:
        return None
    return min(values) if kpi_id in LOWER_IS_BETTER else max(values)


def _num(v: object) -> float | None:
    """A cell as a float, None when missing (pandas' stubs type cells as any scalar)."""
    return None if _is_missing(v) else float(cast(Any, v))


def _impact(kpi_id: str, change: float, n: object, intake: float) -> float:
    """How much a KPI's move matters, on one scale for every KPI: for a rate, the ROs (or
    customers, policies) it moved as a share of the year's ROs; otherwise the relative change
    (a share of the money or time)."""
    if kpi_id in RATES and not _is_missing(n) and intake:
        return abs(change) * float(n) / intake  # type: ignore[arg-type]
    return abs(change)


def _said(kpi_id: str, v: object, lang: str) -> str:
    """A KPI as said on stage: large money in 万元, the rest as the table shows it."""
    return money_stage(v, lang) if kpi_id in MONEY else fmt(kpi_id, v, lang)


def _change_words(k: pd.DataFrame, kpi_id: str, lang: str, short: bool = False) -> str:
    """The KPI's change as the trade says it (points for a rate); n/a with the reason, or
    only n/a in a table whose last column gives the reasons (``short``)."""
    if "compared" not in k:
        return ""
    why = k.at[kpi_id, "change_n/a"] if "change_n/a" in k else None
    c = k.at[kpi_id, "change"] if "change" in k else None
    if short and (c is None or _is_missing(c)):
        return t("n_a", lang)
    return change_text(
        kpi_id,
        k.at[kpi_id, "value"],
        k.at[kpi_id, "compared"] if c is not None and not _is_missing(c) else None,
        lang,
        why if isinstance(why, Message) else None,
    )


def pct(x: Any, digits: int = 1) -> str:
    return f"{100 * float(x):.{digits}f}%"


def _float(value: Any) -> float:
    """A DataFrame cell as a float (pandas' stubs type cells as any scalar)."""
    return float(value)


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _staff(name: object, show: bool) -> str:
    return str(name) if show else str(mask_name(str(name)))


def _people(
    frame: pd.DataFrame | None, column: str, departed: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Breakdown rows of named people (not the empty group), without those who left by the
    period's end: nobody is named for training or praise who is no longer there."""
    if frame is None or frame.empty:
        return pd.DataFrame()
    return frame[~frame[column].isin(["nan", "<NA>", "None", "", *departed])]


def _months(results: Results, column: str, lang: str) -> Chart:
    """A line per year, month by month; a month the exports do not reach is a gap, not 0."""
    series = []
    for year in [*sorted(results.monthly_earlier), results.year]:
        frame = results.monthly if year == results.year else results.monthly_earlier[year]
        values = _by_month(frame, column)
        if results.data_span is not None:
            first, last = (pd.Timestamp(x).to_period("M") for x in results.data_span)
            values = [
                v if first <= pd.Period(year=year, month=m, freq="M") <= last else None
                for m, v in enumerate(values, start=1)
            ]
        series.append((str(year), values))
    return Chart(
        "line",
        t(f"rp_chart_{column}", lang),
        [t("rp_month", lang, m=m) for m in range(1, 13)],
        series,
    )


def _by_month(frame: pd.DataFrame, column: str) -> list[float | None]:
    if frame.empty:
        return [None] * 12
    values = pd.Series(
        frame[column].to_numpy(dtype=float), index=[int(str(m)[-2:]) for m in frame["month"]]
    ).reindex(range(1, 13))
    return [None if np.isnan(v) else float(v) for v in values]


def build(
    results: Results,
    lang: str = "zh",
    notes: dict[str, str] | None = None,
    *,
    show_staff: bool = False,
    presenter: str = "",
) -> Document:
    """``show_staff``: advisors' and technicians' names in full (masked by default);
    ``presenter``: the name on the deck's title slide."""
    notes = notes or {}
    k = results.kpis.set_index("kpi")

    def value(kpi_id: str) -> float | None:
        v = k.at[kpi_id, "value"]
        return None if _is_missing(v) else _float(v)

    def change(kpi_id: str) -> float | None:
        c = k.at[kpi_id, "change"] if "change" in k else None
        return None if c is None or _is_missing(c) else _float(c)

    parts = [
        _review(results, lang, notes, value, change, k),
        _experience(results, lang, notes, value, change, k, show_staff),
        _plans(results, lang, notes, value, change, show_staff),
    ]
    title = t("rp_title", lang, year=results.year, store=results.store_name or "")
    subtitle = t("rp_subtitle", lang)
    if results.span is not None:  # the days the report covers: 2025年1月-12月, or to date
        subtitle = f"{period_text(*results.span, lang)} · {subtitle}"
    return Document(
        title.strip(),
        subtitle,
        lang,
        parts,
        presenter=presenter,
        closing_title=t("rp_closing", lang, year=results.year + 1),
        closing=parts[-1].closing,
        source_words=source_words(parts, lang),
    )


def source_words(parts: list[Part], lang: str) -> dict[str, str]:
    """Each finding's source said in the report's language: kpi.breakdown.technician ->
    按技师的指标 (the deck's speaker notes, the HTML and Markdown)."""
    sources = {f.source for p in parts for s in p.sections for f in s.findings}
    return {src: source_label(src, lang) for src in sorted(sources)}


def _review(
    results: Results, lang: str, notes: dict[str, str], value, change, k: pd.DataFrame
) -> Part:
    brief = []
    for kpi_id in ("revenue", "intake", "revenue_per_ro"):
        ch = change(kpi_id)
        shown = (  # on stage: 万元 for money, people's counts as they are
            money_stage(value(kpi_id), lang)
            if kpi_id in MONEY
            else fmt(kpi_id, value(kpi_id), lang)
        )
        why = k.at[kpi_id, "change_n/a"] if "change_n/a" in k else None
        brief.append(
            Finding(
                t(
                    "rp_brief",
                    lang,
                    kpi=t(f"k_{kpi_id}", lang),
                    value=shown,
                    change=_change_words(k, kpi_id, lang),
                )
                if ch is not None or not isinstance(why, Message)
                else t("rp_brief_alone", lang, kpi=t(f"k_{kpi_id}", lang), value=shown, reason=why),
                {kpi_id: shown},  # as said: 608.7 万元 / 6.09 M
                "kpi",
                abs(ch or 0),
            )
        )
    if results.coverage is not None:  # the exports start inside the year: said first
        brief.insert(0, Finding(sentence(results.coverage, lang), {}, "kpi.coverage", 1.0))
    # an earlier year the exports hold no figure of is no column of 无 (the note says why)
    years = [
        y
        for y in sorted(results.earlier, reverse=True)
        if any(not _is_missing(v) for v in results.earlier[y].values())
    ]
    # a KPI whose column or table the exports lack (costs, clocked hours, car sales): not a
    # row of 无 on stage, but named once under the table
    left_out = [
        i
        for i in k.index
        if i in OPTIONAL
        and _is_missing(value(i))
        and all(_is_missing(results.earlier[y].get(i)) for y in years)
    ]
    has_target = "target" in k and k["target"].notna().any()
    listed = [i for i in k.index if i not in left_out]
    has_na = bool(k["n/a"].reindex(listed).astype(bool).any())
    # one reason why no change can be given, the same on every row (no compared year in the
    # exports): said once above the table, not on every row
    change_why = (
        {say(w, lang) for w in k["change_n/a"].reindex(listed) if not _is_missing(w)}
        if "change_n/a" in k
        else set()
    )
    common = (
        next(iter(change_why))
        if len(change_why) == 1 and "change" in k and k["change"].reindex(listed).isna().all()
        else None
    )
    kpi_notes = [Finding(sentence(common, lang), {}, "kpi.coverage")] if common else []
    if left_out:
        kpi_notes.append(
            Finding(
                t(
                    "rp_kpis_left_out",
                    lang,
                    kpis=listing(
                        [
                            f"{t(f'k_{i}', lang)}（{say(k.at[i, 'n/a'], lang)}）"
                            if lang == "zh"
                            else f"{t(f'k_{i}', lang)} ({say(k.at[i, 'n/a'], lang)})"
                            for i in left_out
                        ],
                        lang,
                    ),
                ),
                {},
                "kpi.coverage",
            )
        )

    has_na = has_na or (not common and bool(change_why))
    # no change on any row, for the one reason said above the table: no column of 无 either
    has_change = common is None
    columns = [t("kpi_name", lang), str(results.year), *map(str, years)]
    columns += [t("kpi_change", lang)] if has_change else []
    numeric = [False, True, *[True] * len(years), *[True] * has_change]
    if has_target:
        columns += [t("kpi_target", lang), t("kpi_of_target", lang)]
        numeric += [True, True]
    if has_na:
        columns.append(t("kpi_na", lang))
        numeric.append(False)
    rows = []
    for i in k.index:
        if i in left_out:
            continue
        row = [
            t(f"k_{i}", lang) + unit(i, lang),
            fmt(i, value(i), lang),
            *[fmt(i, results.earlier[y].get(i), lang) for y in years],
            *([_change_words(k, i, lang, short=True)] if has_change else []),
        ]
        if has_target:
            target = k.at[i, "target"]
            row += [
                "" if _is_missing(target) else fmt(i, target, lang),
                achievement_text(i, value(i), None if _is_missing(target) else target, lang),
            ]
        if has_na:
            why = k.at[i, "n/a"]
            if _is_missing(why) and "change_n/a" in k and not common:
                why = k.at[i, "change_n/a"]
            row.append("" if _is_missing(why) else say(why, lang))
        rows.append(row)
    kpi_table = Table(columns, rows, tuple(numeric))

    alone = "" if results.monthly_earlier else "_alone"  # no earlier year to set beside
    month_findings = [
        Finding(
            t("rp_months_claim" + alone, lang, year=results.year),
            {"intake": fmt("intake", value("intake"))},
            "kpi.breakdown",
            0,
            chart=_months(results, "intake", lang),
        ),
        Finding(
            t("rp_months_revenue" + alone, lang, year=results.year),
            {"revenue": fmt("revenue", value("revenue"))},
            "kpi.breakdown",
            0,
            chart=_months(results, "revenue", lang),
        ),
    ]
    sections = [
        Section(t("rp_sec_brief", lang), brief, note=notes.get("review", "")),
        Section(t("rp_sec_kpis", lang), kpi_notes, table=kpi_table),
        # labour and parts revenue are the KPI table's rows and the pay mix's columns: no
        # table of their two figures here, which the deck put on a slide "Month by month"
        Section(t("rp_sec_months", lang), month_findings),
    ]
    types = results.by_ro_type
    if types is not None and not types.empty:
        types = types[types["revenue"].fillna(0) > 0].sort_values("revenue", ascending=False)
        total = float(types["revenue"].sum())
        if total > 0:
            top = types.iloc[0]
            labels = [t(f"rt_{r}", lang) for r in types["ro_type"]]
            # the ROs the revenue counts (settled), so a row's two figures agree: a wash RO
            # is no intake (not a customer RO) but is revenue
            counted = types["settled_ros"] if "settled_ros" in types else types["intake"]
            table = Table(
                [
                    t("rp_ro_type", lang),
                    t("k_settled_ros", lang),
                    t("k_revenue", lang) + unit("revenue", lang),
                    t("rp_share", lang),
                ],
                [
                    [label, fmt("intake", n), fmt("revenue", r), pct(r / total)]
                    for label, n, r in zip(labels, counted, types["revenue"], strict=True)
                ],
                (False, True, True, True),
            )
            sections.append(
                Section(
                    t("rp_sec_types", lang),
                    [
                        Finding(
                            t(
                                "rp_types_claim",
                                lang,
                                type=t(f"rt_{top['ro_type']}", lang),
                                share=pct(float(top["revenue"]) / total, 0),
                            ),
                            {"top_type_share": pct(float(top["revenue"]) / total, 0)},
                            "kpi.breakdown",
                            0,
                            chart=Chart(
                                "bar",
                                t("rp_chart_types", lang),
                                labels,
                                [(t("k_revenue", lang), [float(r) for r in types["revenue"]])],
                            ),
                            table=table,
                        )
                    ],
                )
            )
    sections += _base_sections(results, lang)
    return Part("review", t("rp_part_review", lang), sections)


def _base_sections(results: Results, lang: str) -> list[Section]:
    """Who pays (the pay-type mix), how often the active base comes (1 / 2 / 3-4 / 5+ visits)
    and how the new cars stay (首保 → 二保 → 三保 → after warranty), where the data give them."""
    out: list[Section] = []
    mix = results.pay_mix
    if mix is not None and not mix.empty and float(mix["total"].sum()) > 0:
        labels = [t(f"pt_{p}", lang) if f"pt_{p}" in MESSAGES else p for p in mix["pay_type"]]
        top = mix.sort_values("total", ascending=False).iloc[0]
        table = Table(
            [
                t("rp_pay_type", lang),
                t("k_settled_ros", lang),
                t("k_labor_revenue", lang) + unit("revenue", lang),
                t("k_parts_revenue", lang) + unit("revenue", lang),
                t("rp_share", lang),
            ],
            [
                [label, f"{r:,.0f}", fmt("revenue", lab), fmt("revenue", par), pct(sh)]
                for label, r, lab, par, sh in zip(
                    labels, mix["ros"], mix["labor"], mix["parts"], mix["share"], strict=True
                )
            ],
            (False, True, True, True, True),
        )
        out.append(
            Section(
                t("rp_sec_pay", lang),
                [
                    Finding(
                        t(
                            "rp_pay_claim",
                            lang,
                            type=t(f"pt_{top['pay_type']}", lang)
                            if f"pt_{top['pay_type']}" in MESSAGES
                            else str(top["pay_type"]),
                            share=pct(float(top["share"]), 0),
                        ),
                        {"pay_share": pct(float(top["share"]), 0)},
                        "kpi.pay_mix",
                        0,
                        table=table,
                        notes=t("rp_pay_note", lang),
                    )
                ],
            )
        )
    freq = results.visit_frequency
    if freq is not None and not freq.empty and int(freq["customers"].sum()) > 0:
        once = float(freq["share"].iloc[0])
        # exports that start inside the 12 months: the visits are of the months they cover
        short = ""
        if results.data_span is not None and results.span is not None:
            end = pd.Timestamp(results.span[1])
            first = max(
                pd.Timestamp(results.data_span[0]).normalize(), end - pd.DateOffset(years=1)
            )
            last = min(pd.Timestamp(results.data_span[1]).normalize(), end)
            covered = (last - first).days + 1
            if covered < 365 - 7:
                short = "_short"
        out.append(
            Section(
                t("rp_sec_frequency", lang),
                [
                    Finding(
                        t(
                            "rp_frequency_claim" + short,
                            lang,
                            n=f"{int(freq['customers'].sum()):,}",
                            once=pct(once, 0),
                            months=f"{covered / 30.44:.0f}" if short else "",
                        ),
                        {"once": pct(once, 0)},
                        "kpi.visit_frequency",
                        0,
                        chart=Chart(
                            "column",
                            t("rp_chart_frequency", lang),
                            [visits_bucket(v, lang) for v in freq["visits"]],
                            [(t("rp_share_of_base", lang), [float(x) for x in freq["share"]])],
                            percent=True,
                        ),
                    )
                ],
            )
        )
    ladder = results.ladder
    if ladder is not None and not ladder.empty and ladder["share"].notna().any():
        shown = ladder[ladder["share"].notna()]
        steps = [t(f"rp_ladder_{s}", lang) for s in shown["step"]]
        said = "，" if lang == "zh" else ", "
        claim = t(
            "rp_ladder_claim",
            lang,
            steps=said.join(
                f"{name} {pct(float(v), 0)}" for name, v in zip(steps, shown["share"], strict=True)
            ),
        )
        missing = [t(f"rp_ladder_{s}", lang) for s in ladder.loc[ladder["share"].isna(), "step"]]
        notes = t(
            "rp_ladder_note",
            lang,
            source=t(f"rp_ladder_source_{shown['source'].iloc[0]}", lang),
            eligible=said.join(
                f"{name} {int(n):,}" for name, n in zip(steps, shown["eligible"], strict=True)
            ),
        )
        if missing:
            notes += " " + t("rp_ladder_missing", lang, steps=listing(missing, lang))
        out.append(
            Section(
                t("rp_sec_ladder", lang),
                [
                    Finding(
                        claim,
                        {"first_service": pct(float(shown["share"].iloc[0]), 0)},
                        "kpi.retention_ladder",
                        0,
                        chart=Chart(
                            "column",
                            t("rp_chart_ladder", lang),
                            steps,
                            [(t("rp_share_of_sold", lang), [float(v) for v in shown["share"]])],
                            percent=True,
                        ),
                        notes=notes,
                    )
                ],
            )
        )
    return out


def _experience(
    results: Results,
    lang: str,
    notes: dict[str, str],
    value,
    change,
    k: pd.DataFrame,
    show_staff: bool,
) -> Part:
    candidates: list[Finding] = []
    intake = value("intake") or 0.0
    for kpi_id in (*HEADLINE, "output_per_head", "churn_rate"):
        ch = change(kpi_id)
        if ch is None or kpi_id in ("revenue", "intake", "retention_rate"):
            continue
        n_now = k.at[kpi_id, "n"] if "n" in k else None
        n_then = k.at[kpi_id, "compared_n"] if "compared_n" in k else None
        if not beyond_noise(kpi_id, value(kpi_id), k.at[kpi_id, "compared"], n_now, n_then):
            continue  # within noise (or cannot tell): never called better or worse
        good = better(kpi_id, ch)
        candidates.append(
            Finding(
                t(
                    "rp_move_up" if good else "rp_move_down",
                    lang,
                    kpi=t(f"k_{kpi_id}", lang),
                    value=_said(kpi_id, value(kpi_id), lang),
                    before=_said(kpi_id, k.at[kpi_id, "compared"], lang),
                    change=_change_words(k, kpi_id, lang),
                ),
                {kpi_id: _said(kpi_id, value(kpi_id), lang)},
                "kpi",
                # the size: the share of the year's ROs (or customers) the move touched
                _impact(kpi_id, ch, n_now, intake),
            )
        )
    for kpi_id, benchmark in BENCHMARKS.items():  # far from the trade's benchmark: said
        v = value(kpi_id)
        target = k.at[kpi_id, "target"] if "target" in k else None
        if v is None or v >= benchmark or not _is_missing(target):
            continue
        n_now = _num(k.at[kpi_id, "n"]) if "n" in k else None
        missed = (benchmark - v) * n_now if n_now is not None else None
        candidates.append(
            Finding(
                t(
                    "rp_benchmark_gap",
                    lang,
                    kpi=t(f"k_{kpi_id}", lang),
                    value=pct(v),
                    benchmark=pct(benchmark, 0),
                    gap=f"{100 * (benchmark - v):.1f}",
                    count=f"{missed:,.0f}" if missed is not None else "-",
                ),
                {kpi_id: pct(v)},
                "kpi",
                _impact(kpi_id, benchmark - v, n_now, intake),
            )
        )

    tiers = results.loyalty.summary if results.loyalty is not None else pd.DataFrame()
    if "core" in tiers.index:
        core_share = _float(tiers.at["core", "revenue_share"])
        labels = [t(f"tier_{tier}", lang) for tier in tiers.index]
        candidates.append(
            Finding(
                t(
                    "rp_loyal",
                    lang,
                    share=pct(_float(tiers.at["core", "share"]), 0),
                    revenue=pct(core_share, 0),
                ),
                {
                    "core_share": pct(_float(tiers.at["core", "share"]), 0),
                    "core_revenue_share": pct(core_share, 0),
                },
                "loyalty",
                core_share,
                chart=Chart(
                    "column",
                    t("rp_chart_tiers", lang),
                    labels,
                    [
                        (t("rp_customers_share", lang), [float(s) for s in tiers["share"]]),
                        (t("rp_revenue_share", lang), [float(s) for s in tiers["revenue_share"]]),
                    ],
                    percent=True,
                ),
            )
        )

    drivers = (
        results.churn.drivers.dropna(subset=["odds_ratio"])
        if results.churn is not None
        else pd.DataFrame({"factor": []})
    )
    drivers = drivers[~drivers["factor"].astype(str).str.startswith("advisor:")]
    if "reliable" in drivers:  # only factors beyond noise, ranked by customers x effect
        drivers = drivers[drivers["reliable"].astype(bool)]
    if len(drivers):
        top = drivers.iloc[0]
        shown = drivers.head(5)
        candidates.append(
            Finding(
                t(
                    "rp_driver",
                    lang,
                    factor=factor_label(str(top["factor"]), lang),
                    odds=f"{top['odds_ratio']:.1f}",
                    with_=pct(top["churn_rate_with"], 0),
                    without=pct(top["churn_rate_without"], 0),
                ),
                {"odds_ratio": f"{top['odds_ratio']:.1f}"},
                "churn.drivers",
                min(1.0, float(abs(np.log(top["odds_ratio"]))) / 2),
                table=Table(
                    [
                        t("rp_factor", lang),
                        t("rp_odds", lang),
                        t("rp_churn_with", lang),
                        t("rp_churn_without", lang),
                    ],
                    [
                        [
                            factor_label(str(r.factor), lang),
                            f"{r.odds_ratio:.1f}",
                            pct(r.churn_rate_with, 0),
                            pct(r.churn_rate_without, 0),
                        ]
                        for r in shown.itertuples()
                    ],
                    (False, True, True, True),
                ),
            )
        )

    if results.workload is not None:
        plan = results.workload.plan_summary
        by_hour = results.workload.by_hour
        open_hours = by_hour[by_hour["open"]].dropna(subset=["modelled_wait_h"])
    else:
        plan, by_hour, open_hours = {}, pd.DataFrame(), pd.DataFrame()
    if not open_hours.empty:
        worst = open_hours.sort_values("modelled_wait_h").iloc[-1]
        candidates.append(
            Finding(
                t(
                    "rp_peak",
                    lang,
                    day=t(f"wd_{int(worst['weekday'])}", lang),
                    hour=int(worst["hour"]),
                    wait=f"{60 * worst['modelled_wait_h']:.0f}",
                    share=pct(plan["share_over_before"]),
                    before=f"{60 * plan['mean_wait_before_h']:.0f}",
                    after=f"{60 * plan['mean_wait_after_h']:.0f}",
                ),
                {
                    "worst_wait_min": f"{60 * worst['modelled_wait_h']:.0f}",
                    "share_over": pct(plan["share_over_before"]),
                },
                "workload",
                float(plan["share_over_before"]) * 2,
                chart=_waits_chart(by_hour, lang),
            )
        )

    staff = _people(results.by_technician, "technician", results.departed)
    overall = value("comeback_rate")
    n_all = _num(k.at["comeback_rate", "n"]) if "n" in k else None
    if len(staff) >= 2 and overall:
        enough = staff[staff["intake"] >= MIN_STAFF_ROS].sort_values(
            "comeback_rate", ascending=False
        )
        n_top, rate_top = (
            (_num(enough["intake"].iloc[0]) or 0.0, _num(enough["comeback_rate"].iloc[0]) or 0.0)
            if len(enough)
            else (0.0, 0.0)
        )
        # the technician against the rest of the workshop, beyond noise
        n_rest = (n_all or 0.0) - n_top
        rest = (overall * (n_all or 0.0) - rate_top * n_top) / n_rest if n_rest > 0 else None
        if (
            rest is not None
            and rate_top >= 1.5 * overall
            and beyond_noise("comeback_rate", rate_top, rest, n_top, n_rest)
        ):
            top = enough.iloc[0]
            ratio = rate_top / overall
            candidates.append(
                Finding(
                    t(
                        "rp_tech_comebacks",
                        lang,
                        name=_staff(top["technician"], show_staff),
                        rate=pct(top["comeback_rate"]),
                        overall=pct(overall),
                    ),
                    {"comeback_rate": pct(top["comeback_rate"]), "overall": pct(overall)},
                    "kpi.breakdown.technician",
                    min(1.5, (ratio - 1) / 2),
                    table=Table(
                        [t("rp_technician", lang), t("k_intake", lang), t("k_comeback_rate", lang)],
                        [
                            [
                                _staff(r.technician, show_staff),
                                fmt("intake", r.intake),
                                pct(r.comeback_rate),
                            ]
                            for r in enough.head(5).itertuples()
                        ],
                        (False, True, True),
                    ),
                )
            )
    if len(staff) >= 2:
        ranked = staff.sort_values("revenue", ascending=False)
        mean = float(staff["revenue"].mean())
        top = ranked.iloc[0]
        if mean > 0:
            ratio = float(top["revenue"]) / mean
            candidates.append(
                Finding(
                    t(
                        "rp_tech_output",
                        lang,
                        name=_staff(top["technician"], show_staff),
                        revenue=money_stage(top["revenue"], lang),
                        ratio=f"{ratio:.1f}",
                    ),
                    {"revenue": money_stage(top["revenue"], lang), "ratio": f"{ratio:.1f}"},
                    "kpi.breakdown.technician",
                    max(0.0, (ratio - 1) / 3),
                    chart=Chart(
                        "bar",
                        t("rp_chart_output", lang),
                        [_staff(n, show_staff) for n in ranked["technician"].head(10)],
                        [(t("k_revenue", lang), [float(r) for r in ranked["revenue"].head(10)])],
                    ),
                )
            )

    candidates.extend(_looked_back_findings(results.lists, lang, intake))
    return _experience_part(candidates, lang, notes)


def _looked_back_findings(
    result: ListsResult | None, lang: str, intake: float = 0.0
) -> list[Finding]:
    """What last year's call lists would have asked for and what happened: the due services
    that came back within the grace days, the renewals by whether the car renewed here the
    time before (see :func:`fourS_analytics.lists.looked_back`)."""
    if result is None:
        return []
    out: list[Finding] = []
    service = result.looked_back.get("service")
    if service and service["due"]:
        out.append(
            Finding(
                t(
                    "rp_lookback_service",
                    lang,
                    due=f"{service['due']:,}",
                    start=service["start"],
                    end=service["end"],
                    back=f"{service['back']:,}",
                    grace=service["grace_days"],
                    share=pct(service["share_back"], 0),
                    late=f"{service['late']:,}",
                    not_back=f"{service['not_back']:,}",
                ),
                {"share_back": pct(service["share_back"], 0)},
                "lists.looked_back",
                # the size, as a KPI move's: the visits not brought back in time as a share
                # of the year's ROs
                (service["late"] + service["not_back"]) / intake if intake else 0.0,
                notes=t("rp_lookback_service_note", lang, grace=service["grace_days"]),
            )
        )
    renewal = result.looked_back.get("renewal")
    if renewal and renewal["ended"]:
        by = renewal["by_last"]
        parts = [
            t(f"rp_lookback_{seg}", lang, rate=pct(by[seg]["rate"], 0), n=f"{by[seg]['ended']:,}")
            for seg in ("again", "lost_last", "first")
            if seg in by
        ]
        rates = [float(by[seg]["rate"]) for seg in by]
        out.append(
            Finding(
                t(
                    "rp_lookback_renewal",
                    lang,
                    ended=f"{renewal['ended']:,}",
                    rate=pct(renewal["rate"], 0),
                    split=listing(parts, lang),
                ),
                {"renewal_rate": pct(renewal["rate"], 0)},
                "lists.looked_back",
                # the size: the renewals the gap between the segments stands for, as a
                # share of the year's ROs
                (max(rates) - min(rates)) * renewal["ended"] / intake
                if len(rates) > 1 and intake
                else 0.0,
            )
        )
    return out


def _looked_back_gaps(result: ListsResult | None, lang: str) -> list[Finding]:
    """No due day of the look-back year whose outcome is known (an export of a few months):
    said once among what was not done, with why, instead of a missing 经验体会 finding."""
    notes = [] if result is None else result.notes
    return [
        Finding(n.render(lang), {}, "lists.looked_back")
        for n in notes
        if n.key == "ls_back_service_none"
    ]


def _experience_part(candidates: list[Finding], lang: str, notes: dict[str, str]) -> Part:
    """The weightiest findings, at most eight; ties keep the order they were made in."""
    experience = sorted(candidates, key=lambda f: -f.weight)[:MOST]
    return Part(
        "experience",
        t("rp_part_experience", lang),
        [Section(t("rp_sec_findings", lang), experience, note=notes.get("experience", ""))],
    )


def _waits_chart(by_hour: pd.DataFrame, lang: str) -> Chart:
    """Mean modelled wait by hour of the day (arrival-weighted over the week), today and with
    the appointment plan, in minutes."""
    rows = by_hour[by_hour["open"]]
    hours = sorted(rows["hour"].unique())
    series = []
    for column, label in (("modelled_wait_h", "rp_wait_now"), ("planned_wait_h", "rp_wait_plan")):
        weights = "arrivals" if column == "modelled_wait_h" else "planned_arrivals"
        values = []
        for h in hours:
            r = rows[rows["hour"] == h]
            w = r[weights].to_numpy(dtype=float)
            v = r[column].to_numpy(dtype=float)
            values.append(float(60 * np.average(v, weights=w)) if w.sum() > 0 else None)
        series.append((t(label, lang), values))
    return Chart("column", t("rp_chart_waits", lang), [f"{h}:00" for h in hours], series)


def _plans(
    results: Results, lang: str, notes: dict[str, str], value, change, show_staff: bool
) -> Part:
    plans: list[Finding] = []
    plan: dict[str, float] = {}
    if results.workload is not None:
        plan = results.workload.plan_summary
        staffing = results.workload.staffing
        plans += [
            Finding(
                t(
                    "rp_plan_appointments",
                    lang,
                    before=pct(plan["share_over_before"]),
                    after=pct(plan["share_over_after"]),
                    moved=f"{plan['moved_per_week']:.0f}",
                ),
                {"share_after": pct(plan["share_over_after"])},
                "workload.plan",
            ),
            *_hours_made_worse(results.workload.by_hour, plan, lang),
            Finding(
                t(
                    "rp_plan_staffing",
                    lang,
                    now=int(staffing["technicians_now"].max()),
                    needed=int(staffing["needed_with_growth"].max()),
                    with_plan=int(staffing["needed_with_plan_and_growth"].max()),
                ),
                {"needed": str(int(staffing["needed_with_plan_and_growth"].max()))},
                "workload.staffing",
            ),
        ]
    moved_share = (
        float(plan["moved_per_week"]) / float(plan["arrivals_per_week"])
        if plan.get("arrivals_per_week")
        else 0.0
    )
    if results.churn is not None and len(results.churn.winback):  # none to call: not a plan
        winback = results.churn.winback
        plans.append(
            Finding(
                t(
                    "rp_plan_winback",
                    lang,
                    n=f"{len(winback):,}",
                    value=money_stage(float(winback["value_at_risk"].sum()), lang),
                ),
                {"winback": f"{len(winback):,}"},
                "churn.winback",
            )
        )
    plans += _list_findings(results.lists, lang)
    plans += _looked_back_gaps(results.lists, lang)
    if results.churn is not None and not results.churn.backtest.empty:
        plans.append(_backtest_finding(results.churn, lang))
    if results.churn is not None:  # what churn did instead of the full job, and why
        plans += [Finding(n.render(lang), {}, "churn.notes") for n in results.churn.notes]
    for skipped in results.skipped.values():  # what was not analysed, and why, said once
        plans.append(Finding(skipped.render(lang), {}, f"pipeline.{skipped.step}"))
    renewal = value("renewal_rate")
    if renewal is not None and results.policies_next_year:
        goal = min(0.99, renewal + 0.05)
        plans.append(
            Finding(
                t(
                    "rp_plan_renewal",
                    lang,
                    rate=pct(renewal),
                    n=f"{results.policies_next_year:,}",
                    goal=pct(goal),
                    more=f"{results.policies_next_year * (goal - renewal):,.0f}",
                ),
                {"policies": f"{results.policies_next_year:,}"},
                "kpi.renewal_rate",
            )
        )
    staff = _people(results.by_technician, "technician", results.departed)
    types = results.by_ro_type
    overall = value("comeback_rate")
    if overall and types is not None and not types.empty:
        counts = (types["comeback_rate"].fillna(0) * types["intake"].fillna(0)).round()
        if counts.sum() > 0:
            worst_type = types["ro_type"].to_numpy()[int(np.argmax(counts.to_numpy()))]
            who = ""
            if len(staff):
                tech_counts = staff["comeback_rate"].fillna(0) * staff["intake"].fillna(0)
                top = int(np.argmax(tech_counts.to_numpy()))
                who = _staff(staff["technician"].to_numpy()[top], show_staff)
            plans.append(
                Finding(
                    t(
                        "rp_plan_training",
                        lang,
                        n=f"{counts.sum():,.0f}",
                        type=t(f"rt_{worst_type}", lang),
                        share=pct(float(counts.max() / counts.sum()), 0),
                        who=who or "-",
                    ),
                    {"comebacks": f"{counts.sum():,.0f}"},
                    "kpi.breakdown.ro_type",
                )
            )
    target_rows: list[list[str]] = []
    closing: list[str] = []
    for kpi_id in (
        "revenue",
        "intake",
        "appointment_rate",
        "on_time_delivery_rate",
        "comeback_rate",
        "renewal_rate",
        "retention_rate",
    ):
        v = value(kpi_id)
        if v is None:
            continue
        ch = change(kpi_id) or 0.0
        best = _best_month(results, kpi_id)
        if kpi_id == "appointment_rate" and moved_share > 0:
            # the plan's effect, but no higher than the store has ever reached in a month
            proposal = v + moved_share
            why = t(
                "rp_why_plan",
                lang,
                moved=f"{plan['moved_per_week']:.0f}",
                arrivals=f"{plan['arrivals_per_week']:.0f}",
            )
            if best is not None and proposal > max(best, v):
                proposal = max(best, v)
                why = t("rp_why_best_month", lang, rule=why, best=pct(best))
        elif kpi_id == "comeback_rate":
            proposal = v * 2 / 3
            why = t("rp_why_comebacks", lang)
        elif kpi_id in BENCHMARKS and v < BENCHMARKS[kpi_id]:
            # five points a year towards the trade's benchmark, not beyond it
            proposal = min(BENCHMARKS[kpi_id], v + 0.05)
            why = t("rp_why_benchmark", lang, benchmark=pct(BENCHMARKS[kpi_id], 0))
        elif kpi_id in RATES:
            proposal = min(0.99, v + 0.05)
            why = t("rp_why_rate", lang)
            if best is not None and proposal > max(best, v):
                proposal = max(best, v)
                why = t("rp_why_best_month", lang, rule=why, best=pct(best))
        elif change(kpi_id) is None:  # no earlier year to take a trend from
            proposal = v
            why = t("rp_why_flat", lang)
        else:
            growth = max(min(ch, 0.2), 0.0)
            proposal = v * (1 + growth)
            why = t("rp_why_trend", lang, growth=pct(growth, 0))
        target_rows.append(
            [
                t(f"k_{kpi_id}", lang) + unit(kpi_id, lang),
                fmt(kpi_id, v),
                fmt(kpi_id, proposal),
                why,
            ]
        )
        closing.append(  # "1. 产值 730.5 万元（今年 608.7 万元）"
            t(
                "rp_closing_line",
                lang,
                n=len(closing) + 1,
                # a list item opens with the KPI's name: "1. Revenue: ..."
                kpi=capital(t(f"k_{kpi_id}", lang)),
                value=_said(kpi_id, proposal, lang),
                now=_said(kpi_id, v, lang),
            )
        )
    return Part(
        "plans",
        t("rp_part_plans", lang),
        [
            Section(t("rp_sec_actions", lang), plans, note=notes.get("plans", "")),
            Section(
                t("rp_sec_targets", lang),
                table=Table(
                    [
                        t("kpi_name", lang),
                        str(results.year),
                        str(results.year + 1),
                        t("rp_reason", lang),
                    ],
                    target_rows,
                    (False, True, True, False),
                ),
            ),
        ],
        closing=tuple(closing),
    )


def _hours_made_worse(by_hour: pd.DataFrame, plan: dict[str, float], lang: str) -> list[Finding]:
    """The open hours where the plan's modelled wait is worse than today's beyond both
    intervals *and* over the target: said, not hidden (the plan only promises no hour with
    a larger share waiting too long)."""
    target = float(plan.get("target_wait_h", 0.5))
    o = by_hour[by_hour["open"]]
    slack = o["planned_wait_ci"].fillna(0) + o["modelled_wait_ci"].fillna(0)
    worse = o[
        (o["planned_wait_h"] - o["modelled_wait_h"].fillna(0) > slack)
        & (o["planned_wait_h"] > target)
    ].sort_values("planned_wait_h", ascending=False)
    if worse.empty:
        return []
    hours = [
        t(
            "rp_worse_hour",
            lang,
            day=t(f"wd_{int(_num(r['weekday']) or 0)}", lang),
            hour=int(_num(r["hour"]) or 0),
            before=f"{60 * (_num(r['modelled_wait_h']) or 0.0):.0f}",
            after=f"{60 * (_num(r['planned_wait_h']) or 0.0):.0f}",
        )
        for r in worse.head(3).to_dict("records")
    ]
    claim = t("rp_plan_worse", lang, hours=listing(hours, lang), target=f"{60 * target:.0f}")
    return [Finding(claim, {"hours": str(len(worse))}, "workload.plan")]


def _backtest_finding(churn: ChurnResult, lang: str) -> Finding:
    """How far the win-back list's ranking can be trusted: every scorer of the backtest with
    its interval, the plain rules among them, and the lead of the best model over the best
    rule on paired resamples."""
    info = churn.model_info
    backtest = churn.backtest.dropna(subset=["roc_auc"])
    rows = [
        [
            model_label(str(m), lang),
            f"{r['roc_auc']:.3f} ({r['roc_auc_low']:.3f}-{r['roc_auc_high']:.3f})",
            t("rp_backtest_used", lang) if m == churn.chosen else "",
        ]
        for m, r in backtest.iterrows()
    ]
    table = Table(
        [t("rp_backtest_model", lang), t("rp_backtest_auc", lang), ""], rows, (False, True, False)
    )
    margin = info.get("margin_over_baseline") or {}
    auc = backtest["roc_auc"].astype(float)
    common: dict[str, str] = {
        "model": model_label(churn.chosen, lang),
        "days": str(info.get("horizon_days")),
        "cutoff": str(info.get("backtest_cutoff")),
        "auc": f"{auc[churn.chosen]:.3f}",
    }
    if margin.get("model") != churn.chosen:  # a rule, or a model named with --model
        claim = t("rp_plan_backtest_rule", lang, **common)
    else:
        claim = t(
            "rp_plan_backtest",
            lang,
            **common,
            baseline=model_label(str(margin["baseline"]), lang),
            base_auc=f"{auc[margin['baseline']]:.3f}",
            **margin_figures(margin),
        )
    return Finding(claim, {"auc": common["auc"]}, "churn.backtest", table=table)


def _list_findings(result: ListsResult | None, lang: str) -> list[Finding]:
    """The call lists as next year's actions: how many calls each list holds and what they
    are worth (a list that is empty or was not built says nothing here)."""
    if result is None:
        return []
    out: list[Finding] = []

    def count(name: str) -> int:
        return int(result.summary.get(name, {}).get("count", 0))

    if count("service_due"):
        due = result.summary["service_due"]
        slotted = "slotted" in due  # the workload ran: the calls have suggested slots
        out.append(
            Finding(
                t(
                    "rp_plan_service_slots" if slotted else "rp_plan_service_due",
                    lang,
                    n=f"{count('service_due'):,}",
                    weeks=due["weeks"],
                    per_week=f"{due['visits_per_week']:.0f}",
                    spare=f"{due.get('spare_per_week', 0):.0f}",
                    slotted=f"{due.get('slotted', 0):,}",
                ),
                {"service_due": f"{count('service_due'):,}"},
                "lists.service_due",
            )
        )
    if count("renewal_due"):
        renew = result.summary["renewal_due"]
        out.append(
            Finding(
                t(
                    "rp_plan_renewal_due",
                    lang,
                    n=f"{count('renewal_due'):,}",
                    days=max(int(b) for b in renew["bands"]),
                    expected=f"{renew['expected_renewals']:.0f}",
                ),
                {"renewal_due": f"{count('renewal_due'):,}"},
                "lists.renewal_due",
            )
        )
    if count("insure_here"):
        out.append(
            Finding(
                t("rp_plan_insure_here", lang, n=f"{count('insure_here'):,}"),
                {"insure_here": f"{count('insure_here'):,}"},
                "lists.insure_here",
            )
        )
    if count("first_service_lost") or count("first_service_due"):
        out.append(
            Finding(
                t(
                    "rp_plan_first_service",
                    lang,
                    lost=f"{count('first_service_lost'):,}",
                    due=f"{count('first_service_due'):,}",
                ),
                {"first_service_lost": f"{count('first_service_lost'):,}"},
                "lists.first_service",
            )
        )
    if count("declined"):
        out.append(
            Finding(
                t("rp_plan_declined", lang, n=f"{count('declined'):,}"),
                {"declined": f"{count('declined'):,}"},
                "lists.declined",
            )
        )
    return out
