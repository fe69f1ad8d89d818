"""The deck stands on stage (issue 13): headlines that say the point, one exhibit per slide,
no bare numbers, no source tags on the slides, notes in the report's language, a closing slide
with next year's targets; no shape leaves the slide, no two text boxes overlap, every text fits
its box (measured with the CJK font's own glyph widths, not the deck's estimate); and every
slide renders to PNG with LibreOffice, kept under ``test-artifacts/deck``."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from itertools import combinations
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Emu

import fourS_analytics as fours
from fourS_analytics.pipeline import report_figures
from fourS_analytics.report.build import build
from fourS_analytics.report.deck import to_pptx

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "deck"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@pytest.fixture(scope="module")
def doc(sample: fours.Dataset, sample_results: fours.StoreResults):  # type: ignore[no-untyped-def]
    figures = report_figures(sample, sample_results.period, fours.Settings(), sample_results)
    return build(figures, "zh", presenter="张经理")


@pytest.fixture(scope="module")
def deck_path(doc, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    return to_pptx(doc, tmp_path_factory.mktemp("deck") / "report.pptx")


@pytest.fixture(scope="module")
def deck(deck_path: Path):  # type: ignore[no-untyped-def]
    return Presentation(str(deck_path))


def _box(shape) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    return shape.left, shape.top, shape.left + shape.width, shape.top + shape.height


def test_a_title_slide_dividers_headlines_and_a_closing_slide(doc, deck) -> None:  # type: ignore[no-untyped-def]
    slides = list(deck.slides)
    first = slides[0]
    texts = [sh.text_frame.text for sh in first.shapes if sh.has_text_frame]
    assert doc.title in texts and any("汇报人：张经理" in x for x in texts)
    # findings with a chart or a table: the claim is the slide's headline (its title)
    rich = [f for p in doc.parts for s in p.sections for f in s.findings if f.chart or f.table]
    titles = [s.shapes.title.text for s in slides if s.shapes.title is not None]
    assert all(f.claim in titles for f in rich)
    # points without an exhibit share slides, each with its figure: no slide per bare number
    section_titles = {s.title for p in doc.parts for s in p.sections}
    assert sum(1 for x in titles if x in section_titles) <= 10
    # the closing slide: next year's targets, numbered, money in 万元
    last = slides[-1]
    assert last.shapes.title.text == "2026 年工作目标"
    body = next(
        sh.text_frame.text for sh in last.shapes if sh.has_text_frame and sh != last.shapes.title
    )
    lines = body.splitlines()
    assert lines[0].startswith("1. 产值：") and "万元" in lines[0]
    assert [int(x.split(".")[0]) for x in lines] == list(range(1, len(lines) + 1))
    # the months' section is its two charts: no slide "月度走势" of a two-row table of the
    # labour and parts revenue (the KPI table's rows), which is not month by month
    assert "月度走势" not in titles


def test_no_source_tags_on_stage_and_notes_in_chinese(deck) -> None:  # type: ignore[no-untyped-def]
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                assert not re.search(r"\[[a-z_.]+\]", shape.text_frame.text)
        notes = slide.notes_slide.notes_text_frame.text
        assert cjk.search(notes), notes
        assert "[kpi" not in notes and "[churn" not in notes
    sourced = [s.notes_slide.notes_text_frame.text for s in deck.slides]
    assert any("来源：关键指标（fours kpi）" in n for n in sourced)
    assert any("来源：按技师的指标" in n for n in sourced)


def test_labelled_widescreen(deck_path: Path) -> None:
    with zipfile.ZipFile(deck_path) as z:
        xml = z.read("ppt/presentation.xml").decode()
    size = re.search(r"<p:sldSz [^>]*/>", xml)
    assert size is not None and 'cx="12192000"' in size.group(0) and 'cy="6858000"' in size.group(0)
    assert "screen4x3" not in size.group(0)


def test_every_shape_on_the_slide_and_no_two_text_boxes_overlap(deck) -> None:  # type: ignore[no-untyped-def]
    width, height = deck.slide_width, deck.slide_height
    for number, slide in enumerate(deck.slides, start=1):
        boxes = []
        for shape in slide.shapes:
            left, top, right, bottom = _box(shape)
            assert left >= 0 and top >= 0, (number, shape.name)
            assert right <= width and bottom <= height, (number, shape.name)
            if (
                (shape.has_text_frame and shape.text_frame.text.strip())
                or shape.has_chart
                or shape.has_table
            ):
                boxes.append((shape.name, (left, top, right, bottom)))
        for (a, (l1, t1, r1, b1)), (b, (l2, t2, r2, b2)) in combinations(boxes, 2):
            overlap = min(r1, r2) - max(l1, l2) > 0 and min(b1, b2) - max(t1, t2) > 0
            assert not overlap, f"slide {number}: {a} overlaps {b}"


@pytest.mark.skipif(not FONT.exists(), reason="needs the WenQuanYi font (.ci/run installs it)")
def test_every_text_fits_its_box_by_the_fonts_own_widths(deck) -> None:  # type: ignore[no-untyped-def]
    """Wrap each paragraph with the font's glyph advances (PIL) at the run's size, the
    box's margins taken off, and check the lines' height (1.2 spacing) against the box."""
    from PIL import ImageFont

    fonts: dict[float, ImageFont.FreeTypeFont] = {}
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            usable = (shape.width - Emu(182880)) / 12700  # points, 0.1 in margins each side
            needed = 0.0
            for paragraph in shape.text_frame.paragraphs:
                size = next((r.font.size.pt for r in paragraph.runs if r.font.size), 18.0)
                font = fonts.setdefault(size, ImageFont.truetype(str(FONT), int(size)))
                line, lines = "", 1
                for char in paragraph.text:
                    if font.getlength(line + char) > usable:
                        lines, line = lines + 1, char
                    else:
                        line += char
                needed += lines * size * 1.2
            assert needed <= shape.height / 12700 + 6, (number, shape.text_frame.text[:40])


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="needs LibreOffice (.ci/run installs it)"
)
def test_every_slide_renders_to_png_with_libreoffice(deck, deck_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    env_home = tmp_path / "home"  # LibreOffice's profile, away from the user's
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{env_home}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(deck_path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(pdf), str(ARTIFACTS / "slide")],
        check=True,
        timeout=300,
    )
    pngs = sorted(ARTIFACTS.glob("slide-*.png"))
    assert len(pngs) == len(deck.slides)
    from PIL import Image

    for png in pngs:
        with Image.open(png) as image:
            assert image.size[0] > image.size[1]  # 16:9 pages
            extrema = image.convert("L").getextrema()
            assert extrema[0] < 128  # something is drawn on every slide


def test_a_note_without_a_figure_is_said_above_its_sections_table(tmp_path: Path) -> None:
    """A one-year store's KPI section holds only "no earlier year in the exports" beside its
    table: said above the table on the table's slides, not on a slide of its own."""
    from fourS_analytics.report.document import Document, Finding, Part, Section, Table

    note = "导出数据中没有 2024 年 1 月-12 月的工单"
    table = Table(["指标", "2025"], [[f"指标{i}", str(i)] for i in range(12)], (False, True))
    section = Section("指标完成情况", [Finding(note, {}, "kpi.coverage")], table=table)
    doc = Document("标题", "副标题", "zh", [Part("review", "情况回顾", [section])])
    deck = Presentation(str(to_pptx(doc, tmp_path / "d.pptx")))
    slides = list(deck.slides)[2:]  # after the title slide and the divider
    assert [s.shapes.title.text for s in slides] == ["指标完成情况 (1/2)", "指标完成情况 (2/2)"]
    for slide in slides:
        texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
        assert note in texts
        box = next(sh for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text == note)
        grid = next(sh for sh in slide.shapes if sh.has_table)
        assert box.top + box.height <= grid.top  # above the table, not over it
        assert note in slide.notes_slide.notes_text_frame.text
