"""The group report: the stores of a dealer group side by side, in the same three parts.
Built from each store's own results (nothing is computed twice)."""

from __future__ import annotations

import pandas as pd

from ..i18n import t
from ..kpi import RATES, format_value
from ..numbers import LOWER_IS_BETTER, money_stage
from .build import HEADLINE, MOST, _change_words, _float, _is_missing, pct, source_words
from .document import Chart, Document, Finding, Part, Section, Table
from .results import Results

MANY = 20  # above this many stores, a chart shows the best and the worst ten
COMPARED = HEADLINE  # the stores are compared on the headline KPIs of a store report


def _values(results: Results) -> dict[str, float | None]:
    k = results.kpis.set_index("kpi")
    out: dict[str, float | None] = {}
    for kpi_id in k.index:
        v = k.at[kpi_id, "value"]
        out[kpi_id] = None if _is_missing(v) else _float(v)
    return out


def build_group(
    stores: dict[str, Results],
    group_kpis: pd.DataFrame,
    year: int,
    lang: str = "zh",
    group_name: str = "",
    notes: dict[str, str] | None = None,
) -> Document:
    notes = notes or {}
    names = list(stores)
    values = {s: _values(r) for s, r in stores.items()}
    g = group_kpis.set_index("kpi")

    # ---- review: the group's totals and every store's headline KPIs
    brief = []
    for kpi_id in ("revenue", "intake"):
        v = g.at[kpi_id, "value"]
        shown = money_stage(v, lang) if kpi_id == "revenue" else format_value(kpi_id, v, lang)
        brief.append(
            Finding(
                t(
                    "rp_brief",
                    lang,
                    kpi=t(f"k_{kpi_id}", lang),
                    value=shown,
                    change=_change_words(g, kpi_id, lang),
                ),
                {kpi_id: shown},
                "kpi",
            )
        )
    table = Table(
        [t("gr_store", lang), *[t(f"k_{k}", lang) for k in COMPARED]],
        [[s, *[format_value(k, values[s].get(k)) for k in COMPARED]] for s in names],
        (False, *[True] * len(COMPARED)),
    )
    last_year = {s: r.earlier.get(year - 1, {}).get("revenue") for s, r in stores.items()}
    revenue_chart = Chart(
        "column",
        t("gr_chart_revenue", lang),
        names,
        [
            (str(year - 1), [last_year[s] for s in names]),
            (str(year), [values[s].get("revenue") for s in names]),
        ],
    )
    review = Part(
        "review",
        t("rp_part_review", lang),
        [
            Section(
                t("rp_sec_brief", lang),
                [
                    *brief,
                    Finding(
                        t("gr_stores_claim", lang, n=len(names)),
                        {"stores": str(len(names))},
                        "kpi",
                        chart=revenue_chart,
                    ),
                ],
                note=notes.get("review", ""),
            ),
            Section(t("gr_sec_compare", lang), table=table),
        ],
    )

    # ---- experience: where the stores differ most
    candidates = []
    for kpi_id in COMPARED:
        have: dict[str, float] = {
            s: x for s, v in values.items() if (x := v.get(kpi_id)) is not None
        }
        if len(have) < 2:
            continue
        order = sorted(have, key=lambda s: have[s], reverse=kpi_id not in LOWER_IS_BETTER)
        best, worst = order[0], order[-1]
        hi, lo = max(have.values()), min(have.values())
        spread = (hi - lo) if kpi_id in RATES else ((hi - lo) / abs(hi) if hi else 0.0)
        listed = order if len(order) <= MANY else order[:10] + order[-10:]  # best and worst ten
        candidates.append(
            Finding(
                t(
                    "gr_spread",
                    lang,
                    kpi=t(f"k_{kpi_id}", lang),
                    best=best,
                    best_value=format_value(kpi_id, have[best]),
                    worst=worst,
                    worst_value=format_value(kpi_id, have[worst]),
                ),
                {best: format_value(kpi_id, have[best]), worst: format_value(kpi_id, have[worst])},
                "kpi.breakdown.store",
                float(spread),
                chart=Chart(
                    "bar",
                    t(f"k_{kpi_id}", lang)
                    + (t("gr_best_worst", lang) if len(order) > MANY else ""),
                    listed,
                    [(t(f"k_{kpi_id}", lang), [have[s] for s in listed])],
                    percent=kpi_id in RATES,
                ),
            )
        )
    experience = sorted(candidates, key=lambda f: -f.weight)[:MOST]

    # ---- plans: each store's numbers for next year
    rows = []
    for s, r in stores.items():
        row = [s, "-", "-", "-", "-", "-"]
        if r.churn is not None:
            row[1:3] = [
                f"{len(r.churn.winback):,}",
                format_value("revenue", float(r.churn.winback["value_at_risk"].sum())),
            ]
        if r.workload is not None:
            plan, staffing = r.workload.plan_summary, r.workload.staffing
            row[3:6] = [
                str(int(staffing["technicians_now"].max())),
                str(int(staffing["needed_with_growth"].max())),
                f"{pct(plan['share_over_before'])} → {pct(plan['share_over_after'])}",
            ]
        rows.append(row)
    total_n = sum(len(r.churn.winback) for r in stores.values() if r.churn is not None)
    total_value = sum(
        float(r.churn.winback["value_at_risk"].sum())
        for r in stores.values()
        if r.churn is not None
    )
    plans = Part(
        "plans",
        t("rp_part_plans", lang),
        [
            Section(
                t("rp_sec_actions", lang),
                [
                    Finding(
                        t(
                            "rp_plan_winback",
                            lang,
                            n=f"{total_n:,}",
                            value=format_value("revenue", total_value),
                        ),
                        {"winback": f"{total_n:,}"},
                        "churn.winback",
                    )
                ],
                note=notes.get("plans", ""),
                table=Table(
                    [
                        t("gr_store", lang),
                        t("gr_winback", lang),
                        t("gr_value_at_risk", lang),
                        t("gr_tech_now", lang),
                        t("gr_tech_needed", lang),
                        t("gr_waiting", lang),
                    ],
                    rows,
                    (False, True, True, True, True, True),
                ),
            )
        ],
    )
    title = t("gr_title", lang, year=year, group=group_name or "")
    parts = [
        review,
        Part(
            "experience",
            t("rp_part_experience", lang),
            [Section(t("rp_sec_findings", lang), experience, note=notes.get("experience", ""))],
        ),
        plans,
    ]
    return Document(
        title.strip(),
        t("rp_subtitle", lang),
        lang,
        parts,
        kind="group",
        source_words=source_words(parts, lang),
    )
