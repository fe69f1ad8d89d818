"""The three-part year-end report: results -> a document -> renderers (HTML, PPTX, Markdown).

    results = fourS_analytics.analyse(dataset, period="2025")   # the pipeline computes
    write_report(results, "out/", lang="zh")                     # the report only renders

With several stores in the data (``analyse_group``), one report per store and a group report
comparing them (:func:`write_group_report`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..i18n import Message
from ..output import ensure_dir
from ..paths import folder_names, join_under
from .build import build
from .document import Chart, Document, Finding, Part, Section, Table
from .group import build_group
from .render import ChartCache, to_html, to_markdown
from .results import Results

if TYPE_CHECKING:
    from ..config import Settings
    from ..pipeline import GroupResults, StoreResults

FORMATS = ("html", "pptx", "md")
GROUP_DIR = "_group"

__all__ = [
    "FORMATS",
    "Chart",
    "Document",
    "Finding",
    "Part",
    "Results",
    "Section",
    "Table",
    "build",
    "build_group",
    "store_folders",
    "to_html",
    "to_markdown",
    "write_document",
    "write_group_report",
    "write_report",
]


def store_folders(stores: list[str]) -> dict[str, str]:
    """A safe, distinct folder name per store (a store name from the data is never a path)."""
    return folder_names(stores, reserved=(GROUP_DIR,))


def write_document(
    doc: Document,
    out: Path,
    year: int,
    formats: tuple[str, ...],
    *,
    template_dir: str | Path | None = None,
) -> dict[str, Path]:
    """Render one document in the formats asked for; each chart is drawn once."""
    cache = ChartCache()
    written: dict[str, Path] = {}
    if "html" in formats:
        written["html"] = out / f"report_{year}.html"
        written["html"].write_text(
            to_html(doc, template_dir=template_dir, cache=cache), encoding="utf-8"
        )
    if "pptx" in formats:
        from .deck import to_pptx

        written["pptx"] = to_pptx(doc, out / f"report_{year}.pptx")
    if "md" in formats:
        written["md"] = out / f"report_{year}.md"
        md = None
        if template_dir is not None and (Path(template_dir) / "report.md").exists():
            from .render import environment

            md = environment(template_dir, cache).get_template("report.md").render(doc=doc)
        written["md"].write_text(
            md if md is not None else to_markdown(doc, out, cache=cache), encoding="utf-8"
        )
    return written


def _check(formats: tuple[str, ...], template_dir: str | Path | None) -> None:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(
            "bad_option",
            option="formats",
            reason=Message(
                "rs_not_one_of", {"value": ",".join(unknown), "choices": ", ".join(FORMATS)}
            ),
        )
    if template_dir is not None and not Path(template_dir).is_dir():
        raise UsageError(
            "bad_option",
            option="template_dir",
            reason=Message("rs_not_folder", {"path": template_dir}),
        )


def write_report(
    results: StoreResults,
    out_dir: str | Path,
    *,
    lang: str = "zh",
    notes: dict[str, str] | None = None,
    banner: str = "",
    formats: tuple[str, ...] | None = None,
) -> dict[str, Path]:
    """Render one store's report from the pipeline's results (``results.report``), in the
    formats of ``results.settings.report`` (or ``formats``); returns what was written."""
    settings = results.settings
    formats = tuple(formats or settings.report.formats)
    template_dir = settings.report.template_dir
    _check(formats, template_dir)
    figures = results.require("report")
    doc = replace(
        build(
            figures,
            lang,
            notes,
            show_staff=settings.privacy.show_staff,
            presenter=settings.report.presenter,
        ),
        banner=banner,
    )
    return write_document(
        doc, ensure_dir(out_dir), figures.year, formats, template_dir=template_dir
    )


def write_group_report(
    group: GroupResults,
    out_dir: str | Path,
    *,
    lang: str = "zh",
    notes: dict[str, str] | None = None,
    banner: str = "",
    formats: tuple[str, ...] | None = None,
    settings: Settings | None = None,
) -> dict[str, Path]:
    """One report per store (a folder each, a safe name) and the group's report comparing
    them (``_group/``); returns what was written, by "<store>: html" and "group: html"."""
    stores = {s: r for s, r in group.stores.items() if r.report is not None}
    if not stores:
        for results in group.stores.values():
            results.require("report")  # raises: why the report could not be made
        raise UsageError("bad_option", option="year", reason=Message("rs_no_store_that_year"))
    settings = settings or next(iter(stores.values())).settings
    formats = tuple(formats or settings.report.formats)
    _check(formats, settings.report.template_dir)
    out = ensure_dir(out_dir)
    written: dict[str, Path] = {}
    folders = store_folders(list(stores))
    for store, results in stores.items():
        for label, path in write_report(
            results,
            join_under(out, folders[store]),
            lang=lang,
            notes=notes,
            banner=banner,
            formats=formats,
        ).items():
            written[f"{store}: {label}"] = path
    year = group.period.year
    figures = {s: r.report for s, r in stores.items() if r.report is not None}
    if group.kpis is None:
        raise UsageError("bad_option", option="steps", reason=Message("rs_group_needs_kpi"))
    doc = replace(
        build_group(figures, group.kpis, year, lang, settings.report.store_name, notes),
        banner=banner,
    )
    for label, path in write_document(
        doc, ensure_dir(out / GROUP_DIR), year, formats, template_dir=settings.report.template_dir
    ).items():
        written[f"group: {label}"] = path
    return written
