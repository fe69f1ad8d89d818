"""The three-part year-end report: results -> a document -> renderers (Markdown, HTML).

    from fourS_analytics.report import make_report
    make_report(dataset, 2025, "out/", formats=("html", "md"), lang="zh")
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..dataset import Dataset
from ..errors import UsageError
from ..output import ensure_dir
from .build import Results, build
from .document import Document, Finding, Part, Section, Table
from .render import to_html, to_markdown

FORMATS = ("html", "md")

__all__ = ["FORMATS", "Document", "Finding", "Part", "Results", "Section", "Table", "build",
           "compute_results", "make_report", "to_html", "to_markdown"]


def compute_results(dataset: Dataset, year: int, *, store_name: str = "",
                    targets: dict[str, object] | None = None, lang: str = "zh") -> Results:
    """Every analysis the report stands on, for one calendar year."""
    from ..churn import analyse as churn_analyse
    from ..customers import build as build_base
    from ..kpi import breakdown, report
    from ..loyalty import score
    from ..workload import analyse as workload_analyse

    start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
    before = (start - pd.DateOffset(years=1), end - pd.DateOffset(years=1))
    kpis = report(dataset, start, end, compare=before, targets=targets or {})
    base = build_base(dataset, end)
    loyalty = score(base)
    churn = churn_analyse(dataset, end, clv=loyalty.customers["clv"], base=base, lang=lang)
    workload = workload_analyse(dataset, start=start, end=end)
    return Results(year, kpis, breakdown(dataset, start, end, "month"),
                   breakdown(dataset, *before, "month"), loyalty, churn, workload, store_name)


def make_report(dataset: Dataset, year: int, out_dir: str | Path, *,
                formats: tuple[str, ...] = FORMATS, lang: str = "zh", store_name: str = "",
                targets: dict[str, object] | None = None,
                notes: dict[str, str] | None = None) -> dict[str, Path]:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError("bad_option", option="--format",
                         reason=f"'{','.join(unknown)}' is not one of {', '.join(FORMATS)} "
                                "(the PPTX deck is not built yet)")
    out = ensure_dir(out_dir)
    doc = build(compute_results(dataset, year, store_name=store_name, targets=targets,
                                lang=lang), lang, notes)
    written: dict[str, Path] = {}
    if "html" in formats:
        written["html"] = out / f"report_{year}.html"
        written["html"].write_text(to_html(doc), encoding="utf-8")
    if "md" in formats:
        written["md"] = out / f"report_{year}.md"
        written["md"].write_text(to_markdown(doc, out), encoding="utf-8")
    return written
