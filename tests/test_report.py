"""The year-end report on the sample store: three parts in order, numbers that equal the
analyses they cite (recomputed here), a self-contained HTML file, a PPTX deck with dividers,
notes and native charts, the user's templates in a sandbox, and data that cannot become
markup."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Emu

import fourS_analytics as fours
from fourS_analytics import kpi
from fourS_analytics.config import ReportSettings
from fourS_analytics.numbers import money_stage
from fourS_analytics.pipeline import analyse_group, report_figures
from fourS_analytics.report import (
    Finding,
    build_group,
    store_folders,
    to_html,
    to_markdown,
    write_group_report,
    write_report,
)
from fourS_analytics.report.build import build, fmt, pct
from fourS_analytics.report.deck import to_pptx

YEAR = 2025
SPAN = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))


@pytest.fixture(scope="module")
def results(sample: fours.Dataset, sample_results: fours.StoreResults):  # type: ignore[no-untyped-def]
    two_years = fours.Settings(report=ReportSettings(compare_years=2))
    return report_figures(sample, sample_results.period, two_years, sample_results)


@pytest.fixture(scope="module")
def doc_en(results):  # type: ignore[no-untyped-def]
    return build(results, "en")


@pytest.fixture(scope="module")
def doc_zh(results):  # type: ignore[no-untyped-def]
    return build(results, "zh")


def findings(doc, source: str) -> list[Finding]:  # type: ignore[no-untyped-def]
    return [f for p in doc.parts for s in p.sections for f in s.findings if f.source == source]


def test_three_parts_in_order_with_their_titles(doc_zh) -> None:  # type: ignore[no-untyped-def]
    assert [p.key for p in doc_zh.parts] == ["review", "experience", "plans"]
    assert [p.title for p in doc_zh.parts] == ["情况回顾", "经验体会", "今后打算"]
    chosen = doc_zh.parts[1].sections[0].findings
    assert 4 <= len(chosen) <= 8
    assert [f.weight for f in chosen] == sorted((f.weight for f in chosen), reverse=True)
    assert all(f.source for f in chosen)


def test_english_and_chinese_side_by_side(doc_en, doc_zh) -> None:  # type: ignore[no-untyped-def]
    """The same document in two languages: same structure, same figures, own words."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert [p.title for p in doc_en.parts] == ["Review", "Experience", "Plans"]
    for en, zh in zip(doc_en.parts, doc_zh.parts, strict=True):
        assert len(en.sections) == len(zh.sections)
        for se, sz in zip(en.sections, zh.sections, strict=True):
            assert [f.source for f in se.findings] == [f.source for f in sz.findings]
            # the same figures, each in its language's units (608.7 万元 / 6.09 M)
            assert [f.figures.keys() for f in se.findings] == [
                f.figures.keys() for f in sz.findings
            ]
            for fe, fz in zip(se.findings, sz.findings, strict=True):
                assert cjk.search(fz.claim) and fe.claim != fz.claim
                for shown in fe.figures.values():
                    assert shown in fe.claim or fe.chart is not None or fe.table is not None
    # English words only in the English document (staff names aside, which are masked)
    assert not cjk.search(doc_en.title + "".join(s.title for p in doc_en.parts for s in p.sections))


def test_numbers_in_the_narrative_equal_the_kpis(sample: fours.Dataset, doc_en) -> None:  # type: ignore[no-untyped-def]
    values = kpi.compute(sample, *SPAN)
    brief = doc_en.parts[0].sections[0].findings
    for kpi_id in ("revenue", "intake", "revenue_per_ro"):
        claim = next(f.claim for f in brief if kpi_id in f.figures)
        assert fmt(kpi_id, values[kpi_id].value) in claim or kpi_id == "revenue"
    revenue = next(f.claim for f in brief if "revenue" in f.figures)
    assert f"{values['revenue'].value / 1e6:.2f} M" in revenue  # money on stage, rounded
    moves = findings(doc_en, "kpi")
    assert moves
    for finding in moves:
        for kpi_id, shown in finding.figures.items():
            said = money_stage(values[kpi_id].value, "en") if kpi_id == "revenue" else None
            assert shown in (fmt(kpi_id, values[kpi_id].value), said)
            assert shown in finding.claim


def test_numbers_in_the_narrative_equal_the_analyses(
    sample: fours.Dataset, results, doc_en
) -> None:  # type: ignore[no-untyped-def]
    # win-back: the list's size and value, as the churn analysis gives them
    (winback,) = findings(doc_en, "churn.winback")
    assert f"{len(results.churn.winback):,}" in winback.claim
    assert money_stage(results.churn.winback["value_at_risk"].sum(), "en") in winback.claim
    # renewal follow-up: policies ending next year, counted here from the policies table
    (renewal,) = findings(doc_en, "kpi.renewal_rate")
    ends = sample.tables["insurance_policies"]["end_date"]
    n = int(((ends >= "2026-01-01") & (ends <= "2026-12-31")).sum())
    assert n > 0 and f"{n:,} policies end next year" in renewal.claim
    # the peak: the worst open hour of the hour-of-week model
    (peak,) = findings(doc_en, "workload")
    by_hour = results.workload.by_hour
    worst = by_hour[by_hour["open"]]["modelled_wait_h"].max()
    assert f"waits {60 * worst:.0f} minutes" in peak.claim
    # comebacks by technician: recomputed from the ROs with DOMAIN's 30-day rule
    ros = sample.repair_orders
    flags = kpi.comeback_flags(ros, fours.customers.Schedule())
    customer = ros[
        (ros["open_time"] >= SPAN[0])
        & (ros["open_time"] <= "2025-12-31 23:59:59")
        & ~ros["ro_type"].astype(str).isin(["wash", "internal"])
    ]
    rates = flags.reindex(customer.index).groupby(customer["technician"]).agg(["mean", "size"])
    (comebacks,) = findings(doc_en, "kpi.breakdown.technician")[:1]
    top = rates[rates["size"] >= 20]["mean"].max()
    assert pct(top) in comebacks.claim
    assert pct(flags.reindex(customer.index).mean()) in comebacks.claim
    # the loyal core: share of customers and of revenue from the loyalty summary
    (loyal,) = findings(doc_en, "loyalty")
    core = results.loyalty.summary.loc["core"]
    assert pct(core["share"], 0) in loyal.claim and pct(core["revenue_share"], 0) in loyal.claim


def test_staff_names_are_masked_unless_asked(results, doc_en) -> None:  # type: ignore[no-untyped-def]
    names = set(results.by_technician["technician"])
    text = to_markdown(doc_en)
    assert not any(name in text for name in names if len(name) > 1)
    shown = to_markdown(build(results, "en", show_staff=True))
    assert any(name in shown for name in names)


def test_kpi_table_has_the_years_compared_and_right_aligned_numbers(results, doc_en) -> None:  # type: ignore[no-untyped-def]
    table = doc_en.parts[0].sections[1].table
    assert table.columns[1:4] == ["2025", "2024", "2023"]  # --compare-years 2
    assert "Target" not in table.columns  # no targets given: no empty column
    assert table.numeric[:4] == (False, True, True, True)
    html = to_html(doc_en)
    assert '<td class="num">' in html
    # with targets, the column appears with the share reached
    kpis = results.kpis.assign(target=None, of_target=None)
    kpis.loc[kpis["kpi"] == "revenue", ["target", "of_target"]] = [5e6, 1.2]
    with_target = build(replace(results, kpis=kpis), "en").parts[0].sections[1].table
    assert "Target" in with_target.columns and "Of target" in with_target.columns
    row = next(r for r in with_target.rows if r[0] == "revenue (yuan)")  # unit in the name
    assert row[with_target.columns.index("Target")] == "5,000,000"
    revenue = results.kpis.set_index("kpi").at["revenue", "value"]
    assert row[with_target.columns.index("Of target")] == f"{100 * revenue / 5e6:.1f}%"
    # a lower-is-better KPI reached in its own direction: target / actual (返修率 1 % vs 1.3 %)
    kpis.loc[kpis["kpi"] == "comeback_rate", "target"] = 0.01
    zh = build(replace(results, kpis=kpis), "zh").parts[0].sections[1].table
    comeback = results.kpis.set_index("kpi").at["comeback_rate", "value"]
    row = next(r for r in zh.rows if r[0] == "返修率")
    assert row[zh.columns.index("达成率")] == f"{100 * 0.01 / comeback:.1f}%"
    assert 100 * 0.01 / comeback < 100  # 1.3 % against a 1 % target is short of it


def test_monthly_charts_are_the_monthly_kpis(sample: fours.Dataset, doc_en) -> None:  # type: ignore[no-untyped-def]
    chart = doc_en.parts[0].sections[2].findings[0].chart
    assert [name for name, _ in chart.series] == ["2023", "2024", "2025"]
    ros = sample.repair_orders
    opened = ros[
        (ros["open_time"].dt.year == YEAR) & ~ros["ro_type"].astype(str).isin(["wash", "internal"])
    ]
    by_month = opened.groupby(opened["open_time"].dt.month).size()
    assert chart.series[-1][1] == [float(by_month.get(m, 0)) for m in range(1, 13)]


def test_html_is_self_contained_and_escapes_data(doc_en) -> None:  # type: ignore[no-untyped-def]
    evil = "<script>alert(1)</script>"
    part = doc_en.parts[1]
    section = replace(
        part.sections[0],
        findings=[
            Finding(f"advisor {evil} stands out", {"x": "1"}, "test"),
            *part.sections[0].findings,
        ],
    )
    doc = replace(
        doc_en, parts=[doc_en.parts[0], replace(part, sections=[section]), doc_en.parts[2]]
    )
    html = to_html(doc)
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing external
    assert "<link" not in html and "@import" not in html
    assert not re.search(r"url\((?!#)", html)  # only the SVG's own clip paths
    assert html.count("<svg") >= 5  # the charts are inline
    assert "<text" in html  # and their text stays text
    md = to_markdown(doc)
    assert evil not in md


def test_chart_text_stays_text_in_chinese(doc_zh) -> None:  # type: ignore[no-untyped-def]
    """Chinese renders wherever the page is read: the SVG keeps the characters as text
    (svg.fonttype none), so the reader's own fonts draw them; no glyph paths, no font file."""
    html = to_html(doc_zh)
    assert "月度进厂台次" in html  # the chart title, as text inside the SVG
    assert "<text" in html and "glyph" not in html.lower()


def test_user_templates_run_in_a_sandbox(doc_en, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "report.html").write_text(
        '{% extends "fours/report.html" %}{% block header %}<h1 class="mine">'
        '{{ doc.title }} {{ "<b>" }}</h1>{% endblock %}',
        encoding="utf-8",
    )
    html = to_html(doc_en, template_dir=tmp_path)
    assert '<h1 class="mine">' in html and "&lt;b&gt;" in html  # escaped in user templates
    assert 'id="experience"' in html  # the built-in blocks still render
    (tmp_path / "report.html").write_text(
        "{{ doc.__class__.__init__.__globals__ }}", encoding="utf-8"
    )
    with pytest.raises(fours.UsageError, match=r"template failed.*unsafe"):
        to_html(doc_en, template_dir=tmp_path)
    (tmp_path / "report.html").write_text("{% for x in %}", encoding="utf-8")
    with pytest.raises(fours.UsageError, match=r"report\.html, line 1"):
        to_html(doc_en, template_dir=tmp_path)


def test_pptx_deck(doc_zh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = Presentation(str(to_pptx(doc_zh, tmp_path / "deck.pptx")))
    assert (deck.slide_width, deck.slide_height) == (Emu(12192000), Emu(6858000))  # 16:9
    slides = list(deck.slides)
    assert slides[0].slide_layout.name == "Title Slide"
    dividers = [s.shapes.title.text for s in slides if s.slide_layout.name == "Section Header"]
    assert dividers == ["1. 情况回顾", "2. 经验体会", "3. 今后打算"]
    # every placeholder of the title and divider slides lies inside the slide, with a height:
    # one with only its left and width set had top 0 and height 0 (drawn at the top edge)
    for slide in slides:
        if slide.slide_layout.name in ("Title Slide", "Section Header"):
            for shape in slide.placeholders:
                assert shape.height > Emu(360000) and shape.top > 0, slide.slide_layout.name
                assert shape.top + shape.height <= deck.slide_height
                assert shape.left + shape.width <= deck.slide_width
    assert all(s.notes_slide.notes_text_frame.text.strip() for s in slides)
    charts = [sh.chart for s in slides for sh in s.shapes if sh.has_chart]
    assert len(charts) >= 5
    # the intake chart is native and carries the document's numbers
    intake = doc_zh.parts[0].sections[2].findings[0].chart
    native = next(c for c in charts if c.chart_title.text_frame.text == intake.title)
    assert list(native.plots[0].categories) == intake.categories
    assert list(native.series[-1].values) == intake.series[-1][1]
    # one point per slide: each finding's claim is on a slide of its own, in large type
    claims = [f.claim for p in doc_zh.parts for s in p.sections for f in s.findings]
    texts = [sh.text_frame.text for s in slides for sh in s.shapes if sh.has_text_frame]
    assert all(texts.count(c) == 1 for c in claims)
    sizes = [
        r.font.size.pt
        for s in slides
        for sh in s.shapes
        if sh.has_text_frame
        for p in sh.text_frame.paragraphs
        for r in p.runs
        if r.font.size
    ]
    assert min(sizes) >= 12 and sorted(sizes)[len(sizes) // 2] >= 18


def test_write_report_writes_all_three_formats(
    sample_results: fours.StoreResults, tmp_path: Path
) -> None:
    written = write_report(sample_results, tmp_path, lang="en", banner="check the data")
    assert set(written) == {"html", "pptx", "md"}
    md = written["md"].read_text(encoding="utf-8")
    assert md.index("## 1. Review") < md.index("## 2. Experience") < md.index("## 3. Plans")
    assert "check the data" in md and "check the data" in written["html"].read_text("utf-8")
    assert (tmp_path / "chart_1.svg").exists()
    with pytest.raises(fours.UsageError, match="'doc' is not one of html, pptx, md"):
        write_report(sample_results, tmp_path, formats=("doc",))


def test_a_year_the_exports_do_not_reach_is_a_usage_error(sample: fours.Dataset) -> None:
    from fourS_analytics.pipeline import check_period

    with pytest.raises(fours.UsageError, match="no repair orders were opened in 1999"):
        check_period(sample, fours.Period.of_year(1999))


def test_store_folders_are_safe_names() -> None:
    folders = store_folders(["广州/天河 店", "..", "_group"])
    assert folders["广州/天河 店"] == "广州_天河_店"
    assert folders[".."] == "store"
    assert folders["_group"] == "_group_"  # never the group report's folder


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> fours.Dataset:
    from dataclasses import replace as dc_replace

    from fourS_analytics.sample import StoreParams, generate

    folder = tmp_path_factory.mktemp("group")
    generate(folder, dc_replace(StoreParams(), vehicles=900, years=3, stores=3), seed=5)
    return fours.load(folder)


@pytest.fixture(scope="module")
def group_results(group: fours.Dataset) -> fours.GroupResults:
    return analyse_group(group, fours.Settings(), YEAR)


def test_group_report_compares_the_stores(
    group: fours.Dataset, group_results: fours.GroupResults, tmp_path: Path
) -> None:
    written = write_group_report(group_results, tmp_path, formats=("html", "md"), lang="en")
    stores = group.stores
    assert len(stores) == 3
    assert {f"{s}: html" for s in stores} | {"group: html"} <= set(written)
    group_md = written["group: md"].read_text(encoding="utf-8")
    # the side-by-side table equals the KPI breakdown by store
    by_store = kpi.breakdown(group, *SPAN, "store").set_index("store")
    for store in stores:
        row = next(line for line in group_md.splitlines() if line.startswith(f"| {store} |"))
        assert fmt("revenue", by_store.at[store, "revenue"]) in row
        assert fmt("intake", by_store.at[store, "intake"]) in row
    assert "## 2. Experience" in group_md


def test_group_findings_name_the_best_and_worst_store(
    group: fours.Dataset, group_results: fours.GroupResults
) -> None:
    per_store = {s: r.report for s, r in group_results.stores.items()}
    doc = build_group(per_store, kpi.report(group, *SPAN), YEAR, "en")
    revenue = {s: r.kpis.set_index("kpi").at["revenue", "value"] for s, r in per_store.items()}
    best, worst = max(revenue, key=revenue.get), min(revenue, key=revenue.get)
    claim = next(
        f.claim for f in doc.parts[1].sections[0].findings if f.claim.startswith("revenue:")
    )
    assert f"{best} leads with {fmt('revenue', revenue[best])}" in claim
    assert f"{worst} trails with {fmt('revenue', revenue[worst])}" in claim


def test_a_large_group_charts_the_best_and_worst_ten(results) -> None:  # type: ignore[no-untyped-def]
    stores = {}
    for i in range(25):
        kpis = results.kpis.copy()
        kpis.loc[kpis["kpi"] == "revenue", "value"] = 1000.0 * (i + 1)
        stores[f"S{i + 1:02d}"] = replace(results, kpis=kpis)
    doc = build_group(stores, results.kpis, YEAR, "en")
    finding = next(f for f in doc.parts[1].sections[0].findings if f.claim.startswith("revenue:"))
    assert "S25 leads with 25,000" in finding.claim and "S01 trails with 1,000" in finding.claim
    chart = finding.chart
    assert chart.categories == [f"S{i:02d}" for i in range(25, 15, -1)] + [
        f"S{i:02d}" for i in range(10, 0, -1)
    ]
    assert chart.series[0][1][0] == 25_000.0 and chart.series[0][1][-1] == 1_000.0
    assert "best and the worst ten" in chart.title


def test_the_report_reuses_the_kpi_step_for_a_calendar_year(
    sample: fours.Dataset, sample_results: fours.StoreResults
) -> None:
    """Computed once: the report's KPI table and months are the KPI step's, and equal what
    the report would compute on its own."""
    assert sample_results.report.kpis is sample_results.kpis
    fresh = report_figures(sample, sample_results.period, sample_results.settings, sample_results)
    pd.testing.assert_frame_equal(fresh.kpis, sample_results.report.kpis)
    pd.testing.assert_frame_equal(fresh.monthly, sample_results.report.monthly)


def test_the_plans_say_how_far_the_winback_ranking_beats_the_plain_rules(results, doc_zh) -> None:  # type: ignore[no-untyped-def]
    (finding,) = findings(doc_zh, "churn.backtest")
    bt = results.churn.backtest
    margin = results.churn.model_info["margin_over_baseline"]
    assert f"{bt.at['schedule', 'roc_auc']:.3f}" in finding.claim
    assert f"{bt.at['baseline:recency', 'roc_auc']:.3f}" in finding.claim
    assert f"{margin['low']:+.3f} 至 {margin['high']:+.3f}" in finding.claim
    assert "名单按保养周期模型排序" in finding.claim
    rows = {r[0]: r for r in finding.table.rows}
    assert set(rows) == {
        "BG/NBD 模型",
        "保养周期模型",
        "机器学习模型",
        "规则：距上次到店天数",
        "规则：距上次到店天数 / 个人保养间隔",
        "规则：到店次数少",
    }
    assert rows["保养周期模型"][2] == "采用" and rows["BG/NBD 模型"][2] == ""
