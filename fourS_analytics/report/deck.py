"""The PPTX deck for the stage, from the same document as the HTML and Markdown: a title
slide (store, year, presenter), one divider per part, each point's claim as its slide's
headline over its one chart or table (native PowerPoint charts, editable, their data inside
the deck), points without an exhibit four to a slide with their figures in large type, tables
split so that they stay readable at the back of a room, a closing slide with next year's
targets numbered, and the narrative, figures and sources in the speaker notes in the report's
language. 16:9. Every text box's type is sized to fit it (:func:`fitting_size`)."""

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
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt
from xlsxwriter import Workbook

from ..i18n import t
from .document import Chart, Document, Finding, Table

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 x 7.5 in, 16:9
ACCENT = RGBColor(0x1F, 0x6F, 0x8B)
GREY = RGBColor(0x66, 0x66, 0x66)
ROWS_PER_SLIDE = 8  # table rows per slide: 18 pt type stays readable
TILES = 4  # points without an exhibit per slide
TITLE_HEIGHT = Emu(Inches(1.3))  # the headline's box: two lines at 28 pt
MARGIN = Emu(Inches(0.4))  # kept free at the slide's bottom
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


def text_width(text: str) -> float:
    """A line's width in ems: a CJK character (or full-width sign) takes one, any other
    about half."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.55 for c in text)


def lines_needed(text: str, size_pt: float, width_emu: int) -> int:
    """How many lines ``text`` takes at ``size_pt`` in a box ``width_emu`` wide (the
    box's 0.1 in margins on each side taken off)."""
    usable = (width_emu - Inches(0.2)) / 914400 * 72  # points
    per_line = max(1.0, usable / size_pt)
    return sum(max(1, math.ceil(text_width(p) / per_line)) for p in text.split("\n"))


def fitting_size(text: str, width: int, height: int, sizes: tuple[int, ...]) -> int:
    """The largest of ``sizes`` at which ``text`` fits the box (1.2 line spacing and the
    box's margins), else the smallest."""
    for size in sizes:
        if lines_needed(text, size, width) * size * 1.2 / 72 * 914400 + Inches(0.1) <= height:
            return size
    return sizes[-1]


def _title(slide, text: str, sizes: tuple[int, ...] = (32, 28, 24, 20, 18)) -> None:
    """The slide's headline, in the title placeholder, as large as fits two lines' room."""
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = (
        Inches(0.5),
        Inches(0.3),
        WIDTH - Inches(1.0),
        TITLE_HEIGHT,
    )
    shape.text = text
    size = fitting_size(text, shape.width, shape.height, sizes)
    frame = shape.text_frame
    frame.word_wrap = True
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = True
            run.font.color.rgb = ACCENT


def _text(
    slide,
    text: str,
    left: int,
    top: int,
    width: int,
    height: int,
    sizes: tuple[int, ...] = (26, 24, 22, 20, 18, 16),
    color: RGBColor | None = None,
    bold: bool = False,
) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = text
    size = fitting_size(text, width, height, sizes)
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            if color is not None:
                run.font.color.rgb = color


def _chart(slide, chart: Chart, top: int) -> None:
    data = TextChartData(number_format="0%" if chart.percent else "#,##0")
    data.categories = chart.categories
    for name, values in chart.series:  # a gap stays a gap (PowerPoint has no NaN)
        data.add_series(name, [None if v is None or not math.isfinite(v) else v for v in values])
    frame = slide.shapes.add_chart(
        KINDS[chart.kind], Inches(0.8), top, WIDTH - Inches(1.6), HEIGHT - top - MARGIN, data
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
    shown = [float(v) for _, vs in chart.series for v in vs if v is not None and math.isfinite(v)]
    if shown and min(shown) >= 0:  # bars and shares from 0: a scale from 87 % misleads
        c.value_axis.minimum_scale = 0
    if chart.kind == "bar":
        c.category_axis.reverse_order = True  # the first category on top, as in the HTML


def _table(slide, table: Table, rows: list[list[str]], top: int) -> None:
    # a row of 18 pt type needs 0.5 in; one whose longest cell wraps needs more
    width = WIDTH - Inches(1.2)
    column = width // max(1, len(table.columns))
    heights = [
        Inches(0.45) * max(lines_needed(c, 18 if i else 16, column) for c in row)
        for i, row in enumerate([table.columns, *rows])
    ]
    room = HEIGHT - top - MARGIN
    scale = min(1.0, room / max(1, sum(heights)))
    shape = slide.shapes.add_table(
        len(rows) + 1, len(table.columns), Inches(0.6), top, width, int(sum(heights) * scale)
    )
    grid = shape.table
    for i, h in enumerate(heights):
        grid.rows[i].height = int(h * scale)
    for j, name in enumerate(table.columns):
        grid.cell(0, j).text = name
    for i, row in enumerate(rows, start=1):
        for j, cell in enumerate(row):
            grid.cell(i, j).text = cell
    size = 18 if scale >= 1.0 else 14
    for i in range(len(rows) + 1):
        for j in range(len(table.columns)):
            for paragraph in grid.cell(i, j).text_frame.paragraphs:
                if table.is_numeric(j):
                    paragraph.alignment = PP_ALIGN.RIGHT
                for run in paragraph.runs:
                    run.font.size = Pt(size if i else size - 2)


def _say(finding: Finding, doc: Document) -> str:
    """The speaker notes of a point, in the report's language: the claim, the presenter's
    notes, the figures and where they come from (the source said in words)."""
    source = doc.source_words.get(finding.source, finding.source)
    figures = (
        "；".join(finding.figures.values())
        if doc.lang == "zh"
        else "; ".join(finding.figures.values())
    )
    return "\n".join(
        x
        for x in (
            finding.claim,
            finding.notes,
            t("rp_figures", doc.lang, figures=figures) if figures else "",
            t("rp_source", doc.lang, source=source),
        )
        if x
    )


def _tiles(deck, title: str, group: list[Finding], doc: Document) -> None:
    """Points without a chart or table, up to four on one slide: each its figure in large
    type over its claim (not a slide per bare number)."""
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    _title(slide, title)
    cols = len(group) if len(group) <= 3 else 2
    rows = -(-len(group) // cols)
    top0, gap = TITLE_HEIGHT + Inches(0.5), Inches(0.3)
    width = (WIDTH - Inches(1.2) - gap * (cols - 1)) // cols
    height = (HEIGHT - top0 - MARGIN - gap * (rows - 1)) // rows
    for i, finding in enumerate(group):
        left = Inches(0.6) + (i % cols) * (width + gap)
        top = top0 + (i // cols) * (height + gap)
        figure = next(iter(finding.figures.values()), "")
        claim_top = top
        if figure:
            figure_height = min(Inches(1.1), height // 3)
            _text(slide, figure, left, top, width, figure_height, (44, 36, 28), ACCENT, True)
            claim_top = top + figure_height
        _text(
            slide,
            finding.claim,
            left,
            claim_top,
            width,
            top + height - claim_top,
            (24, 20, 18, 16, 14),
        )
    _notes(slide, "\n\n".join(_say(f, doc) for f in group))


def _widescreen(deck) -> None:
    """16:9 at 13.333 x 7.5 in, labelled as such: the default template says screen4x3,
    and a size without the label is what PowerPoint writes for its widescreen."""
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    size = deck.part._element.find(qn("p:sldSz"))
    if size is not None and "type" in size.attrib:
        del size.attrib["type"]


def to_pptx(doc: Document, path: str | Path) -> Path:
    deck = Presentation()
    _widescreen(deck)
    layouts = deck.slide_layouts

    slide = deck.slides.add_slide(layouts[TITLE])
    slide.shapes.title.text = doc.title
    subtitle = slide.placeholders[1]
    lines = [doc.subtitle]
    if doc.presenter:
        lines.append(t("rp_presenter", doc.lang, name=doc.presenter))
    if doc.banner:
        lines.append(doc.banner)
    subtitle.text = "\n".join(lines)
    # every side of a placeholder is set: setting only some leaves the others 0 (a title of
    # no height at the top edge)
    for placeholder, top, height in (
        (slide.shapes.title, Inches(2.0), Inches(1.6)),
        (subtitle, Inches(3.8), Inches(2.2)),
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
                _text(
                    slide,
                    section.note,
                    Inches(0.6),
                    TITLE_HEIGHT + Inches(0.5),
                    WIDTH - Inches(1.2),
                    HEIGHT - TITLE_HEIGHT - Inches(0.5) - MARGIN,
                )
                _notes(slide, section.note)
            plain: list[Finding] = []
            # a point with no figure beside a section's table is said above the table (the
            # KPI table's "no earlier year in the exports"), not on a slide of its own
            captions = [
                f
                for f in section.findings
                if section.table is not None
                and not f.figures
                and f.chart is None
                and f.table is None
            ]
            for finding in section.findings:
                if finding in captions:
                    continue
                if finding.chart is None and finding.table is None:
                    plain.append(finding)
                    if len(plain) == TILES:
                        _tiles(deck, section.title, plain, doc)
                        plain = []
                    continue
                if plain:
                    _tiles(deck, section.title, plain, doc)
                    plain = []
                # the point is the headline; its chart or table is the slide's one exhibit
                slide = deck.slides.add_slide(layouts[TITLE_ONLY])
                _title(slide, finding.claim, (28, 24, 22, 20, 18, 16))
                below = TITLE_HEIGHT + Inches(0.5)
                if finding.chart is not None:
                    _chart(slide, finding.chart, below)
                elif finding.table is not None:
                    _table(slide, finding.table, finding.table.rows[:ROWS_PER_SLIDE], below)
                _notes(slide, _say(finding, doc))
            if plain:
                _tiles(deck, section.title, plain, doc)
            if section.table is not None:
                rows = section.table.rows
                pages = max(1, -(-len(rows) // ROWS_PER_SLIDE))
                # rows shared evenly (25 rows: 7, 6, 6, 6, not 8, 8, 8 and a slide of one)
                cuts = [round(i * len(rows) / pages) for i in range(pages + 1)]
                for page in range(pages):
                    slide = deck.slides.add_slide(layouts[TITLE_ONLY])
                    title = section.title + (f" ({page + 1}/{pages})" if pages > 1 else "")
                    _title(slide, title)
                    chunk = rows[cuts[page] : cuts[page + 1]]
                    table_top = int(TITLE_HEIGHT + Inches(0.5))
                    said = "\n".join(f.claim for f in captions)
                    if said:
                        tall = int(Inches(0.45) * len(captions))
                        _text(
                            slide, said, Inches(0.6), table_top, WIDTH - Inches(1.2), tall, (16, 14)
                        )
                        table_top += tall + int(Inches(0.1))
                    _table(slide, section.table, chunk, table_top)
                    _notes(slide, "\n".join([said, *(" | ".join(r) for r in chunk)]).strip())
    if doc.closing:  # next year's targets, numbered: what the audience takes home
        slide = deck.slides.add_slide(layouts[TITLE_ONLY])
        _title(slide, doc.closing_title)
        _text(
            slide,
            "\n".join(doc.closing),
            Inches(0.8),
            TITLE_HEIGHT + Inches(0.5),
            WIDTH - Inches(1.6),
            HEIGHT - TITLE_HEIGHT - Inches(0.5) - MARGIN,
            (28, 24, 22, 20, 18, 16),
        )
        _notes(slide, "\n".join(doc.closing))
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
