"""Renderers of the report document: one self-contained HTML file (charts and styles inline,
no request leaves the file, prints to A4) and Markdown for editing. The user's own templates
(``--template-dir``) run in jinja2's sandbox with autoescape on.

Every piece of data is escaped: jinja2's autoescape for HTML, and Markdown's specials in
text and table cells. Charts are drawn here from the document's numbers, once per chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .. import charts
from ..errors import UsageError
from ..i18n import Message
from .document import Chart, Document, Table

BASE_HTML = """<!DOCTYPE html>
<html lang="{{ doc.lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ doc.title }}</title>
<style>
{% block style %}
@page { size: A4; margin: 16mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei",
       sans-serif;
       color: #222; max-width: 190mm; margin: auto; line-height: 1.5; padding: 0 8px; }
h1 { color: #1f6f8b; } h2 { border-bottom: 2px solid #1f6f8b; }
@media print { h2 { page-break-before: always; } section.part:first-of-type h2 {
  page-break-before: avoid; } .finding, table, svg { page-break-inside: avoid; } }
.banner { background: #fde2e1; padding: 8px; border: 1px solid #c8553d; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.92em; display: block;
        overflow-x: auto; max-width: 100%; }
@media print { table { display: table; font-size: 0.72em; } }
td, th { border: 1px solid #ccc; padding: 3px 8px; vertical-align: top; }
th { background: #eef5f7; } .num { text-align: right; font-variant-numeric: tabular-nums;
white-space: nowrap; }
.finding { margin: 12px 0; } .source { color: #888; font-size: 0.8em; }
.note { background: #f5f5f0; padding: 6px; white-space: pre-line; }
.chart svg { max-width: 100%; height: auto; }
{% endblock %}
</style></head><body>
{% block header %}
<h1>{{ doc.title }}</h1><p>{{ doc.subtitle }}</p>
{% if doc.banner %}<p class="banner" role="alert">{{ doc.banner }}</p>{% endif %}
{% endblock %}
{% block parts %}
{% for part in doc.parts %}
<section class="part" id="{{ part.key }}">
<h2>{{ loop.index }}. {{ part.title }}</h2>
{% for section in part.sections %}
<h3>{{ section.title }}</h3>
{% if section.note %}<p class="note">{{ section.note }}</p>{% endif %}
{% for f in section.findings %}
<div class="finding"><p>{{ f.claim }}
<span class="source">[{{ doc.source_words.get(f.source, f.source) }}]</span></p>
{% if f.chart %}<div class="chart">{{ f.chart | chart_svg }}</div>{% endif %}
{% if f.table %}{{ table(f.table) }}{% endif %}
</div>
{% endfor %}
{% if section.table %}{{ table(section.table) }}{% endif %}
{% endfor %}
</section>
{% endfor %}
{% endblock %}
{% block footer %}{% endblock %}
</body></html>
"""

TABLE_MACRO = """{% macro table(t) %}<table><thead><tr>{% for c in t.columns %}
<th{% if t.is_numeric(loop.index0) %} class="num"{% endif %}>{{ c }}</th>{% endfor %}
</tr></thead><tbody>{% for row in t.rows %}<tr>{% for cell in row %}
<td{% if t.is_numeric(loop.index0) %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}
</tr>{% endfor %}</tbody></table>{% endmacro %}"""

BUILTIN = {
    "fours/report.html": "{% from 'fours/macros.html' import table %}" + BASE_HTML,
    "fours/macros.html": TABLE_MACRO,
}
BUILTIN["report.html"] = BUILTIN["fours/report.html"]


class ChartCache:
    """Draws each chart once, whichever renderers ask for it."""

    def __init__(self) -> None:
        self._svg: dict[int, tuple[Chart, str]] = {}

    def svg(self, chart: Chart) -> str:
        key = id(chart)
        if key not in self._svg:
            self._svg[key] = (chart, charts.document_chart(chart))
        return self._svg[key][1]


def environment(
    template_dir: str | Path | None = None, cache: ChartCache | None = None
) -> SandboxedEnvironment:
    """The sandboxed environment: the user's templates first, then the built-in ones (a user
    template may ``{% extends "fours/report.html" %}`` and override its blocks)."""
    loaders: list[Any] = []
    if template_dir is not None:
        folder = Path(template_dir)
        if not folder.is_dir():
            raise UsageError(
                "bad_option",
                option="template_dir",
                reason=Message("rs_not_folder", {"path": folder}),
            )
        loaders.append(FileSystemLoader(str(folder)))
    loaders.append(DictLoader(BUILTIN))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    cache = cache or ChartCache()
    # our own charts: matplotlib escapes the text it writes into the SVG
    env.filters["chart_svg"] = lambda chart: Markup(cache.svg(chart))
    env.filters["md"] = _md_cell
    return env


def to_html(
    doc: Document, *, template_dir: str | Path | None = None, cache: ChartCache | None = None
) -> str:
    env = environment(template_dir, cache)
    try:
        template = env.get_template("report.html")
        return template.render(doc=doc)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = (
            f" ({template_dir}/{getattr(exc, 'name', '') or 'report.html'}"
            f"{', line ' + str(line) if line else ''})"
        )
        raise UsageError(
            "bad_option",
            option="template_dir",
            reason=Message("rs_template_failed", {"where": where, "detail": exc}),
        ) from None


def _md_cell(text: object) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace("[", "\\[")
        .replace("]", "\\]")
        .replace("\n", " ")
    )


def _md_table(table: Table) -> list[str]:
    align = ["---:" if table.is_numeric(i) else "---" for i in range(len(table.columns))]
    lines = [
        "| " + " | ".join(_md_cell(c) for c in table.columns) + " |",
        "|" + "|".join(align) + "|",
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return lines


def to_markdown(
    doc: Document,
    chart_dir: Path | None = None,
    *,
    cache: ChartCache | None = None,
    prefix: str = "chart",
) -> str:
    """Markdown; charts are written as SVG files into ``chart_dir`` and linked."""
    cache = cache or ChartCache()
    lines = [f"# {_md_cell(doc.title)}", "", _md_cell(doc.subtitle), ""]
    if doc.banner:
        lines += [f"> **{_md_cell(doc.banner)}**", ""]
    n = 0
    for i, part in enumerate(doc.parts, start=1):
        lines += [f"## {i}. {_md_cell(part.title)}", ""]
        for section in part.sections:
            lines += [f"### {_md_cell(section.title)}", ""]
            if section.note:
                lines += [f"> {_md_cell(section.note)}", ""]
            for f in section.findings:
                source = doc.source_words.get(f.source, f.source)
                lines.append(f"- {_md_cell(f.claim)} *\\[{_md_cell(source)}\\]*")
                if f.chart is not None and chart_dir is not None:
                    n += 1
                    name = f"{prefix}_{n}.svg"
                    (chart_dir / name).write_text(cache.svg(f.chart), encoding="utf-8")
                    lines += ["", f"  ![{_md_cell(f.chart.title)}]({name})"]
                if f.table is not None:
                    lines += ["", *("  " + line for line in _md_table(f.table))]
            if section.findings:
                lines.append("")
            if section.table:
                lines += [*_md_table(section.table), ""]
    return "\n".join(lines)
