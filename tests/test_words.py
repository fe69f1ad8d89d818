"""Words at the edge: one set of results (codes and numbers) renders in Chinese and in
English. The Chinese outputs hold no English sentence of the message catalog, the English
ones no Chinese one; the analyses' results hold no sentence of either."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics.churn import REASONS
from fourS_analytics.cli import printers
from fourS_analytics.i18n import MESSAGES, Message
from fourS_analytics.publish import write_store
from fourS_analytics.report import write_report

PLACEHOLDER = re.compile(r"\{[^}]*\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _pieces(text: str) -> list[str]:
    return [p.strip(" .,;:()（）。，；：") for p in PLACEHOLDER.split(text)]


def _english_sentences() -> set[str]:
    """Literal runs of the English catalog long enough to be a phrase (not a term)."""
    found = set()
    for entry in MESSAGES.values():
        if entry.get("en") == entry.get("zh"):
            continue
        for piece in _pieces(entry["en"]):
            if len(piece) >= 14 and " " in piece and not CJK.search(piece):
                found.add(piece)
    return found


def _chinese_sentences() -> set[str]:
    """Literal runs of the Chinese catalog of three or more Chinese characters that the
    English catalog does not quote itself (a DMS header such as 是否预约)."""
    english = " ".join(e["en"] for e in MESSAGES.values())
    found = set()
    for entry in MESSAGES.values():
        if entry.get("en") == entry.get("zh"):
            continue
        for piece in re.split(r"[^\u4e00-\u9fff]+", PLACEHOLDER.sub(" ", entry.get("zh", ""))):
            if len(piece) >= 3 and piece not in english:
                found.add(piece)
    return found


@pytest.fixture(scope="module")
def rendered(
    sample_results: fours.StoreResults, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Every text output of the same results, in each language: the report (Markdown and
    HTML), the lists and tables, and what the commands print."""
    texts = {}
    for lang in ("zh", "en"):
        out = tmp_path_factory.mktemp(lang)
        files = write_report(sample_results, out / "report", lang=lang, formats=("md", "html"))
        files.update(write_store(sample_results, out, lang=lang))
        parts = [
            p.read_text("utf-8-sig")
            for p in files.values()
            if p.suffix in (".md", ".html", ".csv", ".json")
        ]
        r = sample_results
        parts += [
            printers.loyalty_text(r.loyalty, lang),
            printers.churn_text(r.churn, lang),
            printers.workload_text(r.workload, r.settings, lang),
            printers.kpi_text(r.kpis, r.period, r.compare, None, lang),
        ]
        texts[lang] = "\n".join(parts)
    return texts


def test_the_chinese_outputs_hold_no_english_sentence(rendered: dict[str, str]) -> None:
    sentences = _english_sentences()
    assert len(sentences) > 100
    leaked = sorted(s for s in sentences if s in rendered["zh"])
    assert leaked == []


def test_the_english_outputs_hold_no_chinese_sentence(rendered: dict[str, str]) -> None:
    sentences = _chinese_sentences()
    assert len(sentences) > 100
    leaked = sorted(s for s in sentences if s in rendered["en"])
    assert leaked == []


def test_the_results_carry_codes_not_words(sample_results: fours.StoreResults) -> None:
    churn = sample_results.churn
    assert isinstance(churn.why, Message) and all(isinstance(n, Message) for n in churn.notes)
    assert "label" not in churn.drivers and "status_label" not in churn.lapsed
    codes = {c for cell in churn.scores["reasons"] for c in str(cell).split(";") if c}
    assert codes and codes <= set(REASONS)
    assert set(churn.winback["action"]) <= {k for k in MESSAGES if k.startswith("ac_")}
    na = sample_results.kpis["n/a"].dropna()
    assert all(isinstance(v, Message) for v in na)
    for frame in (
        churn.scores,
        churn.winback,
        churn.lapsed,
        churn.drivers,
        sample_results.kpis.drop(columns=["n/a"]),
    ):
        text = frame.astype(str).to_csv()
        assert not [s for s in _english_sentences() if s in text]
        assert not [s for s in _chinese_sentences() if s in text]


def test_a_missing_table_is_an_input_error_naming_the_table_and_headers(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from fourS_analytics.cli import cli

    only = tmp_path / "appointments.csv"
    pd.DataFrame(
        {
            "预约单号": ["A1"],
            "预约时间": ["2025-01-02 09:00"],
            "车牌号": ["粤A12345"],
            "预约状态": ["到店"],
        }
    ).to_csv(only, index=False)
    for command in ("loyalty", "churn", "workload", "kpi"):
        result = CliRunner().invoke(
            cli,
            ["--lang", "en", command, str(only), "-o", str(tmp_path / command)]
            if command != "kpi"
            else ["--lang", "en", command, str(only)],
        )
        assert result.exit_code == 1, (command, result.output)
        assert result.output.startswith(
            "Error: no repair_orders table in the exports. Add a "
            "file with headers such as 工单号/RO Number, "
        ), (command, result.output)
        assert "Traceback" not in result.output and "KeyError" not in result.output
    data = fours.load(only)
    results = fours.analyse(data)
    assert set(results.skipped) == {"kpi", "loyalty", "churn", "workload", "lists", "report"}
    assert results.skipped["churn"].key == "needs_table"
    with pytest.raises(fours.MissingTableError, match="no repair_orders table"):
        results.require("loyalty")


def test_an_ro_export_without_usable_rows_says_so_not_that_it_is_missing(tmp_path: Path) -> None:
    """A headers-only RO file (an empty DMS query) and one whose every row is rejected were
    called missing, with headers to add that the file already had."""
    from click.testing import CliRunner

    from fourS_analytics.cli import cli

    empty = tmp_path / "empty" / "repair_orders.csv"
    empty.parent.mkdir()
    empty.write_text("工单号,进厂时间,客户编号,结算金额\n", encoding="utf-8")
    spoiled = tmp_path / "spoiled" / "repair_orders.csv"
    spoiled.parent.mkdir()
    spoiled.write_text(
        "工单号,进厂时间,客户编号,结算金额\nR1,not a date,C1,100\nR2,,C2,50\n", encoding="utf-8"
    )
    for path, rows, rejected in ((empty, 0, 0), (spoiled, 2, 2)):
        for command in ("kpi", "loyalty", "workload"):
            args = [command, str(path.parent)] + ([] if command == "kpi" else ["-o", str(tmp_path)])
            result = CliRunner().invoke(cli, ["--lang", "en", *args])
            assert result.exit_code == 1, (command, result.output)
            assert result.output.strip().splitlines()[-1] == (
                f"Error: No usable repair order in {path} ({rows} rows read, {rejected} "
                "rejected): run fours validate to see why, or export the repair orders again."
            ), (command, result.output)
        results = fours.analyse(fours.load(path.parent))
        assert {s.key for s in results.skipped.values()} == {"ro_no_rows"}
        assert "工单" in results.skipped["loyalty"].render("zh")


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"LANG": "C.UTF-8"}, "zh"),  # every cron job
        ({"LANG": "POSIX"}, "zh"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),  # LC_ALL first
        ({"LANG": "de_DE.UTF-8"}, "zh"),  # only an English locale asks for English
    ],
)
def test_chinese_unless_an_english_locale_says_otherwise(
    env: dict[str, str], lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fourS_analytics.i18n import default_language

    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert default_language() == lang


def test_a_cron_job_in_the_c_locale_gets_chinese_words(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from fourS_analytics.cli import cli
    from fourS_analytics.sample import sample_data_dir

    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C")
    out = CliRunner().invoke(cli, ["kpi", str(sample_data_dir()), "--year", "2025"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("2025年1月-12月关键指标") and "个百分点" in out.output


def test_call_lists_are_readable_in_excel() -> None:
    import pandas as pd

    from fourS_analytics.wording import call_list

    frame = pd.DataFrame(
        {
            "unit_id": ["C1"],
            "tier": ["core"],
            "vehicle_age_years": [5.544147843942505],
            "price_ratio": [1.1088262427726823],
            "p_churn": [0.8432],
        }
    )
    zh = call_list(frame, "zh")
    assert list(zh.columns) == [
        "客户编号",
        "层级代码",
        "层级",
        "车龄（年）",
        "价格/同车型平均",
        "流失概率",
    ]
    assert zh.iloc[0].tolist() == ["C1", "core", "核心忠诚", 5.5, 1.11, 0.8432]
    en = call_list(frame, "en")
    assert list(en.columns) == [
        "unit_id",
        "tier",
        "tier_label",
        "vehicle_age_years",
        "price_ratio",
        "p_churn",
    ]


def test_appointment_slots_are_whole_and_add_up_to_the_week() -> None:
    import pandas as pd

    from fourS_analytics.wording import appointment_plan, whole_slots

    # 0.8 + 0.1 + 1.6 + 2.5 = 5.0: floors 0, 0, 1, 2 (3), two more to the largest
    # remainders (0.8 and 0.6) -> 1, 0, 2, 2
    assert whole_slots(pd.Series([0.8, 0.1, 1.6, 2.5])).tolist() == [1, 0, 2, 2]
    assert whole_slots(pd.Series([0.4, 0.4])).tolist() == [1, 0]  # 0.8 rounds to 1 slot
    plan = pd.DataFrame(
        {
            "weekday": [0, 5],
            "hour": [9, 10],
            "appointments": [0.7671, 2.31],
            "walk_ins": [1.3041, 0.5],
            "appointment_slots": [0.1, 2.9],
            "walk_in_reserve": [2.44, 0.66],
        }
    )
    zh = appointment_plan(plan, "zh")
    assert list(zh.columns[:3]) == ["星期代码", "星期", "时段"]
    assert zh["星期"].tolist() == ["周一", "周六"]
    assert zh["可约名额（台/周）"].tolist() == [0, 3]
    assert zh["预约到店（台/周）"].tolist() == [0.8, 2.3]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_lists_reasons_worded_once_per_distinct_figures_are_each_rows_own(
    sample_results: fours.StoreResults, lang: str
) -> None:
    """The reasons worded once per distinct row of figures are, row for row, the reasons
    worded row by row (the sample's lists, and a copy with missing figures of every kind)."""
    from fourS_analytics import wording

    lists = sample_results.require("lists").lists
    assert sum(len(f) for f in lists.values()) > 100
    for frame in lists.values():
        used = [c for c in wording._REASON_FIGURES if c in frame.columns]
        hostile = frame[used].astype(object).copy()
        if len(hostile) > 3:
            hostile.iloc[0, 1:] = pd.NA
            hostile.iloc[1, 1:] = None
            hostile.iloc[2, 1:] = float("nan")
        for figures in (frame[used], hostile):
            by_row = [wording.list_reason(r, lang) for r in figures.to_dict("records")]
            assert wording._reasons_once(figures, lang) == by_row


def test_an_english_sentence_that_opens_with_a_name_opens_with_a_capital() -> None:
    from fourS_analytics.i18n import t

    assert t("rp_types_claim", "en", type="maintenance", share="42%") == (
        "Maintenance brings the largest part of revenue: 42%."
    )
    assert t("rp_brief", "en", kpi="intake (ROs opened)", value="4,666", change="+20.7%") == (
        "Intake (ROs opened): 4,666 (+20.7% on last year)."
    )
    assert t("rp_types_claim", "zh", type="定保", share="42%") == "定保是最大的产值来源，占 42%。"
    # a name that is a capital already is left alone
    assert t("rp_brief", "en", kpi="CSI (mean)", value="77.6%", change="+0.5 pp").startswith("CSI")


def test_a_reason_said_on_its_own_is_a_sentence() -> None:
    from fourS_analytics.i18n import Message, sentence

    gap = Message("na_partly_covered", {"first": "2025-09-01", "period": "Jan-Dec 2025"})
    assert sentence(gap, "en") == "The exports start on 2025-09-01, within Jan-Dec 2025."
    assert sentence(gap, "zh") == "数据从 2025-09-01 开始，未覆盖Jan-Dec 2025全期。"
    assert sentence("Done.", "en") == "Done." and sentence("", "en") == ""


def test_a_count_of_one_takes_the_singular_in_english() -> None:
    from fourS_analytics.i18n import t

    assert t("rs_overdue", "en", days=1) == "1 day overdue for service"
    assert t("rs_overdue", "en", days=21) == "21 days overdue for service"  # not "21 day"
    assert t("rs_overdue", "en", days="1,001") == "1,001 days overdue for service"
    assert t("lr_insure_here", "en", visits=1, last="2025-03-02").startswith(
        "1 visit, last 2025-03-02"
    )
    assert t("lr_insure_here", "en", visits=3, last="2025-03-02").startswith("3 visits")
    assert t("rs_overdue", "zh", days=1) == "逾期 1 天未保养"
    staffing = t("rp_plan_staffing", "en", now=1, needed=2, with_plan=1)
    assert staffing.startswith("Staffing, technicians at the peak: 1 today;")
