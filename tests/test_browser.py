"""The HTML report in a real browser: headless Chromium (driven by Playwright) opens the file,
logs no console error and makes no request beyond the file itself, shows the three parts and
the charts, and draws Chinese as Chinese (not as empty boxes). A screenshot is saved as a test
artifact (``$FOURS_ARTIFACTS``, default ``test-artifacts/``).

Skipped, with the reason, only where no Chromium is installed; CI installs one (.ci/run)."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

import fourS_analytics as fours
from fourS_analytics.report import write_report

CHROMIUM = os.environ.get("FOURS_CHROMIUM") or next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
ARTIFACTS = Path(os.environ.get("FOURS_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
# the flags a sandboxed, offline machine needs (no background requests, no GPU)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

playwright = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine: apt-get install chromium (CI does), or set FOURS_CHROMIUM",
)


@pytest.fixture(scope="module")
def reports(
    tmp_path_factory: pytest.TempPathFactory, sample_results: fours.StoreResults
) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("browser")
    return {
        lang: write_report(sample_results, out / lang, formats=("html",), lang=lang)["html"]
        for lang in ("zh", "en")
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_renders_in_chromium(reports: dict[str, Path], lang: str) -> None:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            problems: list[str] = []
            requests: list[str] = []
            page.on(
                "console",
                lambda m: (
                    problems.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            url = reports[lang].resolve().as_uri()
            page.goto(url)
            page.wait_for_load_state("load")
            assert problems == []
            assert requests == [url]  # nothing but the file itself
            titles = {
                "zh": ["1. 情况回顾", "2. 经验体会", "3. 今后打算"],
                "en": ["1. Review", "2. Experience", "3. Plans"],
            }[lang]
            for key, title in zip(("review", "experience", "plans"), titles, strict=True):
                heading = page.locator(f"#{key} h2")
                assert heading.is_visible() and heading.inner_text() == title
            charts = page.locator(".chart svg")
            assert charts.count() >= 5
            for i in range(charts.count()):
                box = charts.nth(i).bounding_box()
                assert box is not None and box["width"] > 300 and box["height"] > 150
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"report_{lang}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 50_000
            if lang == "zh":
                _assert_chinese_is_drawn(page)
        finally:
            browser.close()


def _ink(png: bytes) -> int:
    """Dark pixels in a screenshot."""
    from PIL import Image

    gray = Image.open(io.BytesIO(png)).convert("L")
    histogram = gray.histogram()  # 256 counts, one per grey level
    return sum(histogram[:128])


def _assert_chinese_is_drawn(page) -> None:  # type: ignore[no-untyped-def]
    """Without a CJK font every character is the same empty box. With one, 情 (eleven
    strokes) carries far more ink than 一 (one stroke). Then the chart's Chinese title must
    be drawn at its full width."""
    page.evaluate("""() => {
        for (const [id, ch, left] of [["many", "情", 0], ["one", "一", 100]]) {
            const s = document.createElement("div");
            s.id = id; s.textContent = ch;
            s.style.cssText = `position:fixed;top:0;left:${left}px;width:80px;height:80px;` +
                              "font-size:64px;line-height:80px;background:#fff;color:#000";
            document.body.append(s);
        }
    }""")
    many = _ink(page.locator("#many").screenshot())
    one = _ink(page.locator("#one").screenshot())
    assert many > 2 * one, (
        f"Chinese is drawn as empty boxes (ink {many} against {one}): no CJK font for the browser"
    )
    title = page.locator(".chart svg text", has_text="月度进厂台次").first
    assert title.is_visible()
    box = title.bounding_box()
    assert box is not None and box["width"] > 40  # six characters drawn, not collapsed
