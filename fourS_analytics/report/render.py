"""Renderers of the report document: Markdown (for editing) and one self-contained HTML file
(charts and styles inline, no request leaves the file, prints to A4). Every piece of data is
escaped: jinja2's autoescape for HTML, and Markdown's specials in table cells."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from .document import Document, Table

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True)
_ENV.filters["svg"] = Markup  # our own charts (matplotlib escapes their text)

HTML = _ENV.from_string("""<!DOCTYPE html>
<html lang="{{ doc.lang }}"><head><meta charset="utf-8">
<title>{{ doc.title }}</title>
<style>
@page { size: A4; margin: 16mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       color: #222; max-width: 190mm; margin: auto; line-height: 1.5; }
h1 { color: #1f6f8b; } h2 { border-bottom: 2px solid #1f6f8b; page-break-before: always; }
h2:first-of-type { page-break-before: avoid; }
.banner { background: #fde2e1; padding: 8px; border: 1px solid #c8553d; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #ccc;
padding: 3px 8px; } th { background: #eef5f7; } td.num { text-align: right; }
.finding { margin: 10px 0; page-break-inside: avoid; } .source { color: #888;
font-size: 0.8em; } .note { background: #f5f5f0; padding: 6px; } svg { max-width: 100%;
height: auto; }
</style></head><body>
<h1>{{ doc.title }}</h1><p>{{ doc.subtitle }}</p>
{% if doc.banner %}<p class="banner">{{ doc.banner }}</p>{% endif %}
{% for part in doc.parts %}
<h2 id="{{ part.key }}">{{ loop.index }}. {{ part.title }}</h2>
{% for section in part.sections %}
<h3>{{ section.title }}</h3>
{% if section.note %}<p class="note">{{ section.note }}</p>{% endif %}
{% for f in section.findings %}
<div class="finding"><p>{{ f.claim }} <span class="source">[{{ f.source }}]</span></p>
{% if f.chart_svg %}{{ f.chart_svg | svg }}{% endif %}
</div>
{% endfor %}
{% if section.table %}<table><tr>{% for c in section.table.columns %}<th>{{ c }}</th>
{% endfor %}</tr>{% for row in section.table.rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>
{% endfor %}</tr>{% endfor %}</table>{% endif %}
{% endfor %}
{% endfor %}
</body></html>
""")


def to_html(doc: Document) -> str:
    return HTML.render(doc=doc)


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _md_table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(c) for c in table.columns) + " |",
             "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return lines


def to_markdown(doc: Document, chart_dir: Path | None = None) -> str:
    """Markdown; charts are written as SVG files into ``chart_dir`` and linked."""
    lines = [f"# {_md_cell(doc.title)}", "", _md_cell(doc.subtitle), ""]
    if doc.banner:
        lines += [f"> {_md_cell(doc.banner)}", ""]
    n = 0
    for i, part in enumerate(doc.parts, start=1):
        lines += [f"## {i}. {_md_cell(part.title)}", ""]
        for section in part.sections:
            lines += [f"### {_md_cell(section.title)}", ""]
            if section.note:
                lines += [f"> {_md_cell(section.note)}", ""]
            for f in section.findings:
                lines.append(f"- {_md_cell(f.claim)} *[{f.source}]*")
                if f.chart_svg and chart_dir is not None:
                    n += 1
                    name = f"chart_{n}.svg"
                    (chart_dir / name).write_text(f.chart_svg, encoding="utf-8")
                    lines += ["", f"  ![]({name})"]
            if section.findings:
                lines.append("")
            if section.table:
                lines += [*_md_table(section.table), ""]
    return "\n".join(lines)
