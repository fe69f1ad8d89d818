"""The three-part year-end report: results -> a document -> renderers (HTML, PPTX, Markdown).

    from fourS_analytics.report import make_report
    make_report(dataset, 2025, "out/", formats=("html", "pptx", "md"), lang="zh")

With several stores in the data, one report per store and a group report comparing them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..dataset import Dataset
from ..errors import UsageError
from ..output import ensure_dir
from ..paths import folder_names, join_under
from .build import build
from .document import Chart, Document, Finding, Part, Section, Table
from .group import build_group
from .render import ChartCache, to_html, to_markdown
from .results import Results, compute_results

FORMATS = ("html", "pptx", "md")
GROUP_DIR = "_group"

__all__ = ["FORMATS", "Chart", "Document", "Finding", "Part", "Results", "Section", "Table",
           "build", "build_group", "compute_results", "make_report", "store_folders", "to_html",
           "to_markdown", "write_document"]


def store_folders(stores: list[str]) -> dict[str, str]:
    """A safe, distinct folder name per store (a store name from the data is never a path)."""
    return folder_names(stores, reserved=(GROUP_DIR,))


def write_document(doc: Document, out: Path, year: int, formats: tuple[str, ...], *,
                   template_dir: str | Path | None = None) -> dict[str, Path]:
    """Render one document in the formats asked for; each chart is drawn once."""
    cache = ChartCache()
    written: dict[str, Path] = {}
    if "html" in formats:
        written["html"] = out / f"report_{year}.html"
        written["html"].write_text(to_html(doc, template_dir=template_dir, cache=cache),
                                   encoding="utf-8")
    if "pptx" in formats:
        from .deck import to_pptx

        written["pptx"] = to_pptx(doc, out / f"report_{year}.pptx")
    if "md" in formats:
        written["md"] = out / f"report_{year}.md"
        md = None
        if template_dir is not None and (Path(template_dir) / "report.md").exists():
            from .render import environment

            md = environment(template_dir, cache).get_template("report.md").render(doc=doc)
        written["md"].write_text(md if md is not None else to_markdown(doc, out, cache=cache),
                                 encoding="utf-8")
    return written


def make_report(dataset: Dataset, year: int, out_dir: str | Path, *,
                formats: tuple[str, ...] = FORMATS, lang: str = "zh", store_name: str = "",
                targets: dict[str, object] | None = None,
                notes: dict[str, str] | None = None, template_dir: str | Path | None = None,
                compare_years: int = 1, show_staff: bool = False,
                banner: str = "") -> dict[str, Path]:
    """Write the report(s); returns what was written, by label ("html", or "<store>: html"
    and "group: html" with several stores)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError("bad_option", option="--format",
                         reason=f"'{','.join(unknown)}' is not one of {', '.join(FORMATS)}")
    if template_dir is not None and not Path(template_dir).is_dir():
        raise UsageError("bad_option", option="--template-dir",
                         reason=f"{template_dir} is not a folder")
    ros = dataset.repair_orders
    in_year = ros["open_time"].dt.year == year
    if not in_year.any():
        raise UsageError("bad_option", option="--year",
                         reason=f"no repair orders were opened in {year} (the data runs from "
                                f"{ros['open_time'].min():%Y-%m-%d} to "
                                f"{ros['open_time'].max():%Y-%m-%d})")
    out = ensure_dir(out_dir)
    stores = dataset.stores
    if len(stores) <= 1:
        results = compute_results(dataset, year, store_name=store_name or
                                  (stores[0] if stores else ""), targets=targets, lang=lang,
                                  compare_years=compare_years)
        doc = replace(build(results, lang, notes, show_staff=show_staff), banner=banner)
        return write_document(doc, out, year, formats, template_dir=template_dir)

    from ..kpi import report as kpi_report

    written: dict[str, Path] = {}
    per_store: dict[str, Results] = {}
    folders = store_folders(stores)
    for store in stores:
        part = dataset.for_store(store)
        if not (part.repair_orders["open_time"].dt.year == year).any():
            continue  # a store that had no ROs that year (opened later, or closed)
        results = compute_results(part, year, store_name=store, targets=targets, lang=lang,
                                  compare_years=compare_years)
        per_store[store] = results
        doc = replace(build(results, lang, notes, show_staff=show_staff), banner=banner)
        folder = ensure_dir(join_under(out, folders[store]))
        for label, path in write_document(doc, folder, year, formats,
                                          template_dir=template_dir).items():
            written[f"{store}: {label}"] = path
    start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
    group_kpis = kpi_report(dataset, start, end, compare=(start - pd.DateOffset(years=1),
                                                          end - pd.DateOffset(years=1)),
                            targets=targets or {})
    doc = replace(build_group(per_store, group_kpis, year, lang, store_name, notes),
                  banner=banner)
    for label, path in write_document(doc, ensure_dir(out / GROUP_DIR), year, formats,
                                      template_dir=template_dir).items():
        written[f"group: {label}"] = path
    return written
