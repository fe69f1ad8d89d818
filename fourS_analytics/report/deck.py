"""The PPTX deck for the stage, from the same document as the HTML and Markdown: a title
slide, one divider per part, one point per slide in large type, charts as native PowerPoint
charts (editable, their data inside the deck), tables split so that they stay readable at the
back of a room, and the narrative in the speaker notes. 16:9."""

from __future__ import annotations

import io
import math
import re
import zipfile
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from pathlib import Path

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt
from xlsxwriter import Workbook

from .document import Chart, Document, Finding, Table

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 x 7.5 in, 16:9
ACCENT = RGBColor(0x1F, 0x6F, 0x8B)
GREY = RGBColor(0x66, 0x66, 0x66)
ROWS_PER_SLIDE = 8  # table rows per slide: 18 pt type stays readable
KINDS = {
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
}
FIXED_TIME = datetime(2000, 1, 1)
STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
# layouts of python-pptx's default template
TITLE, SECTION, TITLE_ONLY = 0, 2, 5


class _TextWorkbookWriter(CategoryWorkbookWriter):
    """The chart's embedded workbook with every string written as a string: XlsxWriter
    would otherwise turn a category or series name starting with ``=`` (a store, a
    technician) into a live formula, and one that looks like a URL into a link."""

    @contextmanager
    def _open_worksheet(self, xlsx_file):  # type: ignore[no-untyped-def]
        workbook = Workbook(
            xlsx_file, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class TextChartData(CategoryChartData):
    """python-pptx's category chart data, embedded with :class:`_TextWorkbookWriter`."""

    @cached_property
    def _workbook_writer(self) -> CategoryWorkbookWriter:
        return _TextWorkbookWriter(self)


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def _title(slide, text: str, size: int = 32) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = (
        Inches(0.5),
        Inches(0.3),
        WIDTH - Inches(1.0),
        Inches(1.0),
    )
    shape.text = text
    for paragraph in shape.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = True
            run.font.color.rgb = ACCENT


def _text(
    slide, text: str, top: int, height: int, size: int = 26, color: RGBColor | None = None
) -> None:
    box = slide.shapes.add_textbox(Inches(0.6), top, WIDTH - Inches(1.2), height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            if color is not None:
                run.font.color.rgb = color


def _chart(slide, chart: Chart, top: int) -> None:
    data = TextChartData(number_format="0%" if chart.percent else "#,##0")
    data.categories = chart.categories
    for name, values in chart.series:  # a gap stays a gap (PowerPoint has no NaN)
        data.add_series(name, [None if v is None or not math.isfinite(v) else v for v in values])
    frame = slide.shapes.add_chart(
        KINDS[chart.kind], Inches(0.8), top, WIDTH - Inches(1.6), HEIGHT - top - Inches(0.3), data
    )
    c = frame.chart
    c.has_title = True
    c.chart_title.text_frame.text = chart.title
    c.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(18)
    c.has_legend = len(chart.series) > 1
    if c.has_legend:
        c.legend.position = XL_LEGEND_POSITION.BOTTOM
        c.legend.include_in_layout = False
        c.legend.font.size = Pt(14)
    c.category_axis.tick_labels.font.size = Pt(14)
    c.value_axis.tick_labels.font.size = Pt(14)
    c.value_axis.tick_labels.number_format = "0%" if chart.percent else "#,##0"
    c.value_axis.tick_labels.number_format_is_linked = False
    if chart.kind == "bar":
        c.category_axis.reverse_order = True  # the first category on top, as in the HTML


def _table(slide, table: Table, rows: list[list[str]], top: int) -> None:
    height = Inches(0.5) * (len(rows) + 1)
    shape = slide.shapes.add_table(
        len(rows) + 1, len(table.columns), Inches(0.6), top, WIDTH - Inches(1.2), height
    )
    grid = shape.table
    for j, name in enumerate(table.columns):
        grid.cell(0, j).text = name
    for i, row in enumerate(rows, start=1):
        for j, cell in enumerate(row):
            grid.cell(i, j).text = cell
    for i in range(len(rows) + 1):
        for j in range(len(table.columns)):
            for paragraph in grid.cell(i, j).text_frame.paragraphs:
                if table.is_numeric(j):
                    paragraph.alignment = PP_ALIGN.RIGHT
                for run in paragraph.runs:
                    run.font.size = Pt(18 if i else 16)


def _say(finding: Finding) -> str:
    """The speaker notes of a point: the claim, its figures and where they come from."""
    figures = "; ".join(f"{k} = {v}" for k, v in finding.figures.items())
    return "\n".join(
        x for x in (finding.claim, finding.notes, f"[{finding.source}] {figures}") if x
    )


def to_pptx(doc: Document, path: str | Path) -> Path:
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    layouts = deck.slide_layouts

    slide = deck.slides.add_slide(layouts[TITLE])
    slide.shapes.title.text = doc.title
    subtitle = slide.placeholders[1]
    subtitle.text = doc.subtitle + (f"\n{doc.banner}" if doc.banner else "")
    # every side of a placeholder is set: setting only some leaves the others 0 (a title of
    # no height at the top edge)
    for placeholder, top, height in (
        (slide.shapes.title, Inches(2.2), Inches(1.6)),
        (subtitle, Inches(4.0), Inches(1.6)),
    ):
        placeholder.left, placeholder.width = Inches(0.8), WIDTH - Inches(1.6)
        placeholder.top, placeholder.height = top, height
    _notes(slide, " · ".join(p.title for p in doc.parts))

    for number, part in enumerate(doc.parts, start=1):
        divider = deck.slides.add_slide(layouts[SECTION])
        divider.shapes.title.text = f"{number}. {part.title}"
        body = divider.placeholders[1]
        body.text = " · ".join(s.title for s in part.sections)
        for placeholder, top, height in (
            (divider.shapes.title, Inches(2.6), Inches(1.4)),
            (body, Inches(4.1), Inches(1.0)),
        ):
            placeholder.left, placeholder.width = Inches(0.8), WIDTH - Inches(1.6)
            placeholder.top, placeholder.height = top, height
        _notes(divider, f"{part.title}: " + "; ".join(s.title for s in part.sections))
        for section in part.sections:
            if section.note:
                slide = deck.slides.add_slide(layouts[TITLE_ONLY])
                _title(slide, section.title)
                _text(slide, section.note, Inches(1.6), Inches(5), size=24)
                _notes(slide, section.note)
            for finding in section.findings:
                slide = deck.slides.add_slide(layouts[TITLE_ONLY])
                _title(slide, section.title, 24)
                claim_height = Inches(1.4)
                _text(
                    slide,
                    finding.claim,
                    Inches(1.3),
                    claim_height,
                    size=24 if finding.chart or finding.table else 30,
                )
                below = Inches(1.3) + claim_height
                if finding.chart is not None:
                    _chart(slide, finding.chart, below)
                elif finding.table is not None:
                    _table(slide, finding.table, finding.table.rows[:ROWS_PER_SLIDE], below)
                else:
                    figures = "   ".join(finding.figures.values())
                    _text(slide, figures, Inches(3.2), Inches(1.6), size=54, color=ACCENT)
                _text(
                    slide,
                    f"[{finding.source}]",
                    HEIGHT - Inches(0.6),
                    Inches(0.4),
                    size=12,
                    color=GREY,
                )
                _notes(slide, _say(finding))
            if section.table is not None:
                rows = section.table.rows
                pages = max(1, -(-len(rows) // ROWS_PER_SLIDE))
                for page in range(pages):
                    slide = deck.slides.add_slide(layouts[TITLE_ONLY])
                    title = section.title + (f" ({page + 1}/{pages})" if pages > 1 else "")
                    _title(slide, title)
                    chunk = rows[page * ROWS_PER_SLIDE : (page + 1) * ROWS_PER_SLIDE]
                    _table(slide, section.table, chunk, Inches(1.4))
                    _notes(slide, "\n".join(" | ".join(r) for r in chunk))
    props = deck.core_properties
    props.title, props.author, props.last_modified_by = doc.title, "fourS_analytics", ""
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    buffer = io.BytesIO()
    deck.save(buffer)
    path = Path(path)
    path.write_bytes(_reproducible(buffer.getvalue()))
    return path


def _reproducible(blob: bytes) -> bytes:
    """The same deck gives the same bytes: zip members (and the chart workbooks embedded
    in the deck) get fixed times, and the workbooks' creation date a fixed value."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(blob)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".xlsx"):
                data = _reproducible(data)
            elif info.filename == "docProps/core.xml":
                data = STAMP.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(member, data)
    return out.getvalue()
