"""The year-end report on the sample store: three parts in order, numbers that equal the KPIs
they cite, a self-contained HTML file, and data that cannot become markup."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics import kpi
from fourS_analytics.report import Finding, compute_results, make_report, to_html, to_markdown
from fourS_analytics.report.build import build, fmt
from fourS_analytics.sample import sample_data_dir


@pytest.fixture(scope="module")
def sample() -> fours.Dataset:
    return fours.load(sample_data_dir())


@pytest.fixture(scope="module")
def results(sample: fours.Dataset):  # type: ignore[no-untyped-def]
    return compute_results(sample, 2025, lang="en")


def test_three_parts_in_order_with_their_titles(results) -> None:  # type: ignore[no-untyped-def]
    doc = build(results, "zh")
    assert [p.key for p in doc.parts] == ["review", "experience", "plans"]
    assert [p.title for p in doc.parts] == ["情况回顾", "经验体会", "今后打算"]
    findings = doc.parts[1].sections[0].findings
    assert 4 <= len(findings) <= 8
    assert [f.weight for f in findings] == sorted((f.weight for f in findings), reverse=True)
    assert all(f.source for f in findings)


def test_numbers_in_the_narrative_equal_the_kpis(sample: fours.Dataset,
                                                 results) -> None:  # type: ignore[no-untyped-def]
    doc = build(results, "en")
    values = kpi.compute(sample, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))
    brief = doc.parts[0].sections[0].findings
    revenue_claim = next(f.claim for f in brief if f.claim.startswith("revenue"))
    assert fmt("revenue", values["revenue"].value) in revenue_claim
    intake_claim = next(f.claim for f in brief if f.claim.startswith("intake"))
    assert fmt("intake", values["intake"].value) in intake_claim
    moves = [f for f in doc.parts[1].sections[0].findings if f.source == "kpi"]
    for finding in moves:
        (kpi_id, shown), = finding.figures.items()
        assert shown == fmt(kpi_id, values[kpi_id].value)
        assert shown in finding.claim


def test_html_is_self_contained_and_escapes_data(results) -> None:  # type: ignore[no-untyped-def]
    doc = build(results, "en")
    evil = "<script>alert(1)</script>"
    part = doc.parts[1]
    section = replace(part.sections[0], findings=[
        Finding(f"advisor {evil} stands out", {"x": "1"}, "test"),
        *part.sections[0].findings])
    doc = replace(doc, parts=[doc.parts[0], replace(part, sections=[section]), doc.parts[2]])
    html = to_html(doc)
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing external
    assert "<link" not in html and "@import" not in html
    assert html.count("<svg") >= 2  # the charts are inline
    assert "<text" in html  # and their text stays text
    md = to_markdown(doc)
    assert evil not in md


def test_make_report_writes_html_and_markdown(sample: fours.Dataset, tmp_path: Path) -> None:
    written = make_report(sample, 2025, tmp_path, lang="en")
    assert set(written) == {"html", "md"}
    md = written["md"].read_text(encoding="utf-8")
    assert md.index("## 1. Review") < md.index("## 2. Experience") < md.index("## 3. Plans")
    assert (tmp_path / "chart_1.svg").exists()
    with pytest.raises(fours.UsageError, match="PPTX deck is not built yet"):
        make_report(sample, 2025, tmp_path, formats=("pptx",))
