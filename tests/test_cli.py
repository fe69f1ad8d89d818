"""The CLI: exit codes, exact error lines, config defaults, help on every command."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

import fourS_analytics as fours
from fourS_analytics import __version__
from fourS_analytics.cli import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"fours, version {__version__}"


def test_every_command_has_help_with_a_worked_example(runner: CliRunner) -> None:
    assert cli.commands
    for name, command in cli.commands.items():
        result = runner.invoke(cli, ["--lang", "en", name, "--help"])
        assert result.exit_code == 0, name
        assert command.help, name
        assert "Example:" in result.output, name
        assert "fours " + name in result.output, name


def test_help_follows_the_language_and_every_text_has_its_chinese(runner: CliRunner) -> None:
    from fourS_analytics.cli import help_zh

    for name, command in [("fours", cli), *cli.commands.items()]:
        assert name in help_zh.COMMANDS, name
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                assert " ".join(param.help.split()) in help_zh.OPTIONS, (name, param.help)
    for words in (["kpi", "--lang", "zh", "--help"], ["--lang=zh", "kpi", "--help"]):
        result = runner.invoke(cli, words)
        assert result.exit_code == 0
        out = result.output
        assert out.startswith("用法：cli kpi [OPTIONS] PATHS...")  # CliRunner names it cli
        assert "售后部门某一期间的 KPI" in out and "示例：" in out and "选项：" in out
        assert "另按此维度拆分 KPI。" in out and "显示本帮助并退出。" in out
        assert "[默认: prev]" in out and "Options" not in out and "Example:" not in out
    result = runner.invoke(cli, ["--lang", "zh", "--help"])
    assert "命令：" in result.output and "  kpi       售后部门某一期间的 KPI" in result.output
    result = runner.invoke(cli, ["kpi", "--help", "--lang", "en"])
    assert result.output.startswith("Usage: cli kpi") and "Also break the KPIs" in result.output
    # the Chinese is only lent for the help: the English stays on the command afterwards
    assert cli.commands["kpi"].help.startswith("The department's KPIs")


def test_validate_prints_the_accounting(runner: CliRunner, data_dir: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    export = str(data_dir / "ro_gbk_title_total.csv")
    result = runner.invoke(cli, ["--lang", "en", "validate", export, "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert (
        "Every row is accounted for: 8 = 3 accepted + 2 duplicates + 1 summary + 2 rejected."
    ) in result.output
    assert "工时费(元) → labor_amount" in result.output
    text = rejects.read_text(encoding="utf-8-sig")
    assert "not a date: '2025/13/45 8:00'" in text
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600  # holds personal data


def test_validate_in_chinese(runner: CliRunner, data_dir: Path) -> None:
    result = runner.invoke(
        cli, ["--lang", "zh", "validate", "--no-rejects", str(data_dir / "ro_gbk_title_total.csv")]
    )
    assert result.exit_code == 0
    assert "所有数据行均已计入：8 = 接受 3 + 重复 2 + 合计 1 + 拒绝 2。" in result.output


def test_validate_json(runner: CliRunner, data_dir: Path) -> None:
    result = runner.invoke(cli, ["validate", str(data_dir), "--format", "json", "--no-rejects"])
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert payload["totals"]["rows"] == 27
    first = payload["files"][0]
    assert set(first) >= {
        "path",
        "table",
        "encoding",
        "mapping",
        "rows",
        "accepted",
        "duplicates",
        "summary_rows",
        "rejected",
        "warnings",
    }
    assert first["rows"] == (
        first["accepted"] + first["duplicates"] + first["summary_rows"] + first["rejected"]
    )


def test_missing_file_is_exit_1_with_one_line(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--lang", "en", "validate", "nope.csv"])
    assert result.exit_code == 1
    assert result.output == "Error: nope.csv: no such file or folder. Check the path.\n"


def test_unusable_file_is_exit_1_naming_the_file_and_the_fix(
    runner: CliRunner, data_dir: Path
) -> None:
    path = data_dir / "bad" / "ro_missing_open_time.csv"
    result = runner.invoke(cli, ["--lang", "en", "validate", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path}: required column open_time (进厂时间, 开单时间, 工单开单日期) is "
        "missing from the header. Add it to the export or map its header in a mapping file "
        "(--mapping).\n"
    )
    assert "Traceback" not in result.output


def test_error_in_chinese(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--lang", "zh", "validate", "nope.csv"])
    assert result.exit_code == 1
    assert result.output == "Error: nope.csv：文件或文件夹不存在。请检查路径。\n"


def test_bad_usage_is_exit_2(runner: CliRunner, data_dir: Path) -> None:
    result = runner.invoke(cli, ["validate", str(data_dir), "--format", "xml"])
    assert result.exit_code == 2
    result = runner.invoke(
        cli, ["--lang", "en", "validate", str(data_dir), "--table", "orders=x.csv"]
    )
    assert result.exit_code == 2
    assert result.output.startswith("Error: --table orders=x.csv: expected TABLE=FILE")


def test_config_sets_defaults_and_flags_override(
    runner: CliRunner, data_dir: Path, tmp_path: Path
) -> None:
    config = tmp_path / "fours.toml"
    config.write_text(
        'lang = "en"\n[validate]\nformat = "json"\nno_rejects = true\n'
        '[ingest]\ndate_order = "dmy"\n',
        encoding="utf-8",
    )
    path = str(data_dir / "bad" / "ro_ambiguous_dates.csv")
    result = runner.invoke(cli, ["--config", str(config), "validate", path])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["totals"]["accepted"] == 2
    result = runner.invoke(cli, ["--config", str(config), "validate", path, "--format", "table"])
    assert "Every row is accounted for" in result.output
    result = runner.invoke(cli, ["--config", str(config), "validate", path, "--date-order", "auto"])
    assert result.exit_code == 1
    assert "could be day/month or month/day" in result.output


def test_bad_config_is_exit_2(runner: CliRunner, tmp_path: Path, data_dir: Path) -> None:
    config = tmp_path / "fours.toml"
    config.write_text("[ingest]\nunit = 'car'\n", encoding="utf-8")
    result = runner.invoke(
        cli, ["--lang", "en", "--config", str(config), "validate", str(data_dir)]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {config}: unit: 'car' is not one of auto, customer_id, "
        "vin, plate. Fix the config file (see `fours init` for a "
        "commented one).\n"
    )


def test_mapping_file(runner: CliRunner, tmp_path: Path) -> None:
    export = tmp_path / "odd.csv"
    export.write_text("单据编码,会员卡号,到店时刻\nR1,C1,2025-01-05 09:00\n", encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[headers]\n"单据编码" = "ro_id"\n"会员卡号" = "customer_id"\n"到店时刻" = "open_time"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        cli,
        ["validate", str(export), "--mapping", str(mapping), "--format", "json", "--no-rejects"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"][0]["mapping"]["到店时刻"] == "open_time"


def test_quiet_prints_nothing_on_success(runner: CliRunner, data_dir: Path) -> None:
    result = runner.invoke(cli, ["-q", "validate", "--no-rejects", str(data_dir)])
    assert result.exit_code == 0
    assert result.output == ""


def test_a_bug_is_one_line_without_traceback(
    runner: CliRunner, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("fourS_analytics.cli.options.load", broken)
    result = runner.invoke(cli, ["validate", str(data_dir)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: internal error (RuntimeError: boom)")
    assert "Traceback" not in result.output


def test_language_follows_the_locale(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "nope.csv"], env={"LC_ALL": "zh_CN.UTF-8"})
    assert "文件或文件夹不存在" in result.output
    result = runner.invoke(cli, ["validate", "nope.csv"], env={"LC_ALL": "en_US.UTF-8"})
    assert "no such file or folder" in result.output


def test_sample_writes_the_six_exports(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "store"
    result = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "sample",
            "-o",
            str(out),
            "--vehicles",
            "200",
            "--years",
            "1",
            "--end",
            "2024-12-31",
            "--seed",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Sample store written to {out}: repair_orders.csv")
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "appointments.csv",
        "csi_surveys.csv",
        "ground_truth",
        "insurance_policies.csv",
        "manifest.json",
        "repair_orders.csv",
        "staff.csv",
        "vehicle_sales.csv",
    ]
    header = (out / "repair_orders.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("RO Number,Customer No")  # --lang follows the global one


def test_sample_rejects_a_bad_end_date(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--lang", "en", "sample", "-o", str(tmp_path), "--end", "someday"])
    assert result.exit_code == 2
    assert result.output == "Error: --end: 'someday' is not a date such as 2025-12-31.\n"


def test_demo_runs_on_the_embedded_store(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--lang", "en", "demo", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp_path / "validation.json").read_text(encoding="utf-8"))
    assert payload["totals"]["rows"] == payload["totals"]["accepted"] > 20000
    assert f"validation (JSON): {tmp_path / 'validation.json'}" in result.output
    for part in (
        "loyalty/loyalty.csv",
        "churn/winback.csv",
        "workload/appointment_plan.csv",
        "report/report_2025.html",
        "kpi.csv",
    ):
        assert (tmp_path / part).exists(), part


@pytest.fixture(scope="module")
def churn_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("churn")
    from fourS_analytics.sample import sample_data_dir

    result = CliRunner().invoke(
        cli,
        ["--lang", "en", "churn", str(sample_data_dir()), "-o", str(out), "--as-of", "2025-12-31"],
    )
    return out, result.output


def test_churn_command_writes_its_outputs(churn_out: tuple[Path, str]) -> None:
    out, output = churn_out
    assert "Chosen model: schedule has the best backtest ROC AUC" in output
    scored = len(pd.read_csv(out / "churn.csv"))
    assert scored > 1000  # written as people read counts
    assert output.splitlines()[0] == f"Churn as of 2025-12-31: {scored:,} customers scored"
    for name in (
        "churn.csv",
        "winback.csv",
        "lapsed.csv",
        "drivers.csv",
        "model.json",
        "calibration.svg",
        "lift.svg",
        "drivers.svg",
    ):
        assert (out / name).exists(), name
    model = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert model["chosen"] == "schedule"
    assert model["time_unit"] == "days"
    assert set(model["bgnbd"]["params"]) == {"r", "alpha", "a", "b"}
    assert set(model["bgnbd"]["standard_errors"]) == {"r", "alpha", "a", "b"}
    assert model["bgnbd"]["customers"] > 1000
    assert set(model["gamma_gamma"]["params"]) == {"p", "q", "gamma"}
    assert {row["model"] for row in model["backtest"]} == {
        "bgnbd",
        "schedule",
        "supervised",
        "baseline:recency",
        "baseline:overdue_ratio",
        "baseline:frequency",
    }
    assert all(r["roc_auc_low"] < r["roc_auc"] < r["roc_auc_high"] for r in model["backtest"])
    winback = (out / "winback.csv").read_text(encoding="utf-8-sig")
    assert re.search(r",1[3-9]\d\*{4}\d{4},", winback)  # phones masked
    assert not re.search(r",1[3-9]\d{9},", winback)
    svg = (out / "drivers.svg").read_text(encoding="utf-8")
    assert "<text" in svg and "comeback at the last visit" in svg  # text stays text


def test_loyalty_command_masks_unless_asked(runner: CliRunner, tmp_path: Path) -> None:
    from fourS_analytics.sample import sample_data_dir

    result = runner.invoke(
        cli,
        [
            "--lang",
            "zh",
            "loyalty",
            str(sample_data_dir()),
            "-o",
            str(tmp_path / "a"),
            "--top",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "核心忠诚" in result.output
    top = pd.read_csv(tmp_path / "a" / "loyal_top.csv", encoding="utf-8-sig", dtype=str)
    assert len(top) == 20
    # a Chinese list has Chinese headers (the desk reads it in Excel)
    assert list(top.columns[:3]) == ["客户编号", "排名", "忠诚度得分"]
    assert top["电话"].str.fullmatch(r"1\d{2}\*{4}\d{4}").all()
    assert top["客户姓名"].str.contains(r"\*").all()
    assert set(top["层级"]) <= {"核心忠诚", "稳定", "一般", "预警", "流失"}
    result = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "loyalty",
            str(sample_data_dir()),
            "-o",
            str(tmp_path / "b"),
            "--top",
            "20",
            "--include-contact",
        ],
    )
    top = pd.read_csv(tmp_path / "b" / "loyal_top.csv", encoding="utf-8-sig", dtype=str)
    assert top["phone"].str.fullmatch(r"1\d{10}").all()
    assert stat.S_IMODE((tmp_path / "b" / "loyal_top.csv").stat().st_mode) == 0o600


def test_churn_rejects_a_bad_horizon(runner: CliRunner, data_dir: Path) -> None:
    result = runner.invoke(cli, ["--lang", "en", "churn", str(data_dir), "--horizon", "soon"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: --horizon-days: 'soon' is not a span such as 365d, 12m or 1y.\n"
    )


def test_churn_on_too_little_data_is_exit_1(
    runner: CliRunner, data_dir: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        cli,
        ["--lang", "en", "churn", str(data_dir / "ro_utf8bom_english.csv"), "-o", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: Too little history for churn: 3 customers")
    assert "Traceback" not in result.output


def test_analysis_settings_come_from_the_config(runner: CliRunner, tmp_path: Path) -> None:
    from fourS_analytics.sample import sample_data_dir

    config = tmp_path / "fours.toml"
    config.write_text(
        "[loyalty]\ntop = 5\ncore_score = 90\nregular_score = 60\n"
        "[loyalty.weights]\nfrequency = 1.0\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "--config",
            str(config),
            "loyalty",
            str(sample_data_dir()),
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Score weights: return visits 1.00" in result.output
    top = pd.read_csv(tmp_path / "o" / "loyal_top.csv", encoding="utf-8-sig")
    assert len(top) == 5 and (top["score"] >= 90).all()
    config.write_text("[churn]\nhorizon_weeks = 3\n", encoding="utf-8")
    result = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "--config",
            str(config),
            "churn",
            str(sample_data_dir()),
            "-o",
            str(tmp_path / "c"),
        ],
    )
    assert result.exit_code == 2
    assert "[churn] has no key 'horizon_weeks' (did you mean 'horizon_days'?)" in result.output


def test_workload_command_names_the_worst_hours(runner: CliRunner, tmp_path: Path) -> None:
    from fourS_analytics.sample import sample_data_dir

    result = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "workload",
            str(sample_data_dir()),
            "-o",
            str(tmp_path),
            "--week",
            "2025-12-22",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Worst hours today and with the plan:" in result.output
    assert "  Sat 11:00  wait 70 min" in result.output
    for name in (
        "workload_by_hour.csv",
        "appointment_plan.csv",
        "staffing.csv",
        "staffing_by_shift.csv",
        "capacity_board.csv",
        "heatmap_wait_after.svg",
        "staffing.svg",
    ):
        assert (tmp_path / name).exists(), name
    by_hour = pd.read_csv(tmp_path / "workload_by_hour.csv", encoding="utf-8-sig")
    assert len(by_hour) == 168
    bad = runner.invoke(cli, ["workload", str(sample_data_dir()), "--technicians", "0"])
    assert bad.exit_code == 2


def test_kpi_json_targets_and_na(runner: CliRunner, tmp_path: Path) -> None:
    from fourS_analytics.sample import sample_data_dir

    targets = tmp_path / "targets.toml"
    targets.write_text(
        "[targets]\nrevenue = 6000000\nappointment_rate = 0.5\n"
        '[targets.monthly.intake]\n"2025-01" = 300\n"2025-02" = 300\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        cli,
        [
            "kpi",
            str(sample_data_dir()),
            "--from",
            "2025-01-01",
            "--to",
            "2025-02-28",
            "--targets",
            str(targets),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["period"] == {"from": "2025-01-01", "to": "2025-02-28"}
    assert set(payload["kpis"]) >= {"intake", "revenue", "renewal_rate", "retention_rate"}
    assert 0 < payload["kpis"]["appointment_rate"] < 1  # a fraction, as a number
    assert payload["compare"]["from"] == "2024-01-01"
    assert payload["targets"]["intake"]["target"] == 600.0  # the two months add up
    assert payload["targets"]["intake"]["of_target"] == pytest.approx(
        payload["kpis"]["intake"] / 600
    )


def test_kpi_table_says_why_a_kpi_is_na(runner: CliRunner, data_dir: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "kpi",
            str(data_dir / "ro_gbk_title_total.csv"),
            "--year",
            "2025",
            "--compare",
            "none",
        ],
    )
    assert result.exit_code == 0, result.output
    row = next(
        line for line in result.output.splitlines() if line.startswith("insurance renewal rate")
    )
    assert row.endswith("needs insurance policies")
    zh = runner.invoke(
        cli,
        [
            "--lang",
            "zh",
            "kpi",
            str(data_dir / "ro_gbk_title_total.csv"),
            "--year",
            "2025",
            "--compare",
            "none",
        ],
    )
    assert "需要保险保单数据" in zh.output and "needs" not in zh.output
    bad = runner.invoke(cli, ["--lang", "en", "kpi", str(data_dir), "--compare", "lastyear"])
    assert bad.exit_code == 2
    assert "is not prev, none, a year or DATE..DATE" in bad.output


def test_progress_shows_on_a_terminal_and_stays_silent_otherwise(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fourS_analytics.cli import State, progress

    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    with progress(State(), "Reading", 3) as tick:
        tick("a")
    assert capsys.readouterr().err == ""  # cron: nothing
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    with progress(State(), "Reading", 3) as tick:
        for item in "abc":
            tick(item)
    assert "Reading" in capsys.readouterr().err
    with progress(State(quiet=True), "Reading", 3) as tick:
        tick("a")
    assert capsys.readouterr().err == ""  # --quiet: nothing


@pytest.mark.parametrize("command", ["loyalty", "churn", "lists"])
def test_a_day_before_the_data_is_a_usage_error_naming_the_flag(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    """It was an internal error (an empty customer base indexed); the sample starts on
    2023-01-01 and ends on 2025-12-31."""
    from fourS_analytics.sample import sample_data_dir

    data, out = str(sample_data_dir()), str(tmp_path / command)
    early = runner.invoke(cli, ["--lang", "en", command, data, "--as-of", "2019-01-01", "-o", out])
    assert early.exit_code == 2, early.output
    assert early.output.strip().splitlines()[-1] == (
        "Error: --as-of: 2019-01-01 is before the first repair order (2023-01-01); "
        "give a day from 2023-01-01 to 2025-12-31."
    )
    zh = runner.invoke(cli, ["--lang", "zh", command, data, "--period", "2019", "-o", out])
    assert zh.exit_code == 2 and "Traceback" not in zh.output
    assert "--period：2019-12-31 早于第一张工单（2023-01-01）" in zh.output


def test_a_period_without_repair_orders_is_said_in_the_users_language(runner: CliRunner) -> None:
    from fourS_analytics.sample import sample_data_dir

    result = runner.invoke(cli, ["--lang", "zh", "kpi", str(sample_data_dir()), "--period", "2031"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "Error: --period：2031 没有开单的工单（数据范围为 2023-01-01 至 2025-12-31）。"
    )


def test_the_library_skips_the_look_back_analyses_before_the_data(sample: fours.Dataset) -> None:
    results = fours.analyse(sample, as_of="2019-06-30", steps=("lists",))
    assert {step: s.key for step, s in results.skipped.items()} == dict.fromkeys(
        ["loyalty", "churn", "lists"], "no_history_yet"
    )
    assert results.skipped["loyalty"].params == {
        "day": "2019-06-30",
        "first": "2023-01-01",
        "last": "2025-12-31",
    }


def test_one_period_option_for_every_command_that_takes_dates(
    runner: CliRunner, tmp_path: Path
) -> None:
    from fourS_analytics.sample import sample_data_dir

    data = str(sample_data_dir())
    kpis = runner.invoke(cli, ["--lang", "en", "kpi", data, "--period", "2025-01..2025-06"])
    assert kpis.exit_code == 0, kpis.output
    assert kpis.output.splitlines()[0] == "KPIs, Jan-Jun 2025 against Jan-Jun 2024"
    both = runner.invoke(cli, ["--lang", "en", "kpi", data, "--period", "2025", "--year", "2025"])
    assert both.exit_code == 2 and "--period: give --period or --year, not both" in both.output
    empty = runner.invoke(
        cli, ["--lang", "en", "workload", data, "--period", "2031", "-o", str(tmp_path / "w")]
    )
    assert empty.exit_code == 2 and "--period: no repair orders were opened in 2031" in empty.output
    loyal = runner.invoke(
        cli, ["--lang", "en", "loyalty", data, "--period", "2025-06", "-o", str(tmp_path / "l")]
    )
    assert loyal.exit_code == 0 and "Loyalty as of 2025-06-30" in loyal.output
    report = runner.invoke(
        cli,
        [
            "--lang",
            "zh",
            "report",
            data,
            "--period",
            "2025-06",
            "-o",
            str(tmp_path / "r"),
            "--formats",
            "md",
        ],
    )
    assert report.exit_code == 0, report.output
    md = (tmp_path / "r" / "report_2025.md").read_text("utf-8")
    assert "2025年1月-6月" in md  # the year to the period's end
    none = runner.invoke(cli, ["--lang", "en", "report", data, "-o", str(tmp_path / "n")])
    assert none.exit_code == 2 and "give --year or --period" in none.output


def test_global_options_after_the_subcommand(runner: CliRunner, tmp_path: Path) -> None:
    from fourS_analytics.sample import sample_data_dir

    data = str(sample_data_dir())
    after = runner.invoke(cli, ["kpi", data, "--year", "2025", "--lang", "en"])
    before = runner.invoke(cli, ["--lang", "en", "kpi", data, "--year", "2025"])
    assert after.exit_code == 0 and after.output == before.output
    assert after.output.startswith("KPIs, Jan-Dec 2025")
    quiet = runner.invoke(cli, ["kpi", data, "--lang=en", "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""
    # a subcommand's own option of the same name stays its own (sample's header language)
    own = runner.invoke(
        cli,
        [
            "--lang",
            "zh",
            "sample",
            "-o",
            str(tmp_path / "s"),
            "--vehicles",
            "100",
            "--years",
            "1",
            "--lang",
            "en",
        ],
    )
    assert own.exit_code == 0, own.output
    assert own.output.startswith("示例门店数据已写入")  # messages in the global language
    header = (tmp_path / "s" / "repair_orders.csv").read_text("utf-8-sig").splitlines()[0]
    assert not any("\u4e00" <= c <= "\u9fff" for c in header)  # headers in English


def test_long_steps_say_when_they_start_and_end_on_a_terminal_only(
    sample, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from fourS_analytics.cli import State, step_lines
    from fourS_analytics.pipeline import analyse_store

    events: list[tuple[str, str]] = []
    analyse_store(sample, steps=("kpi",), period="2025", on_step=lambda s, e: events.append((s, e)))
    assert events == [("kpi", "start"), ("kpi", "done")]
    assert step_lines(State(lang="zh")) is None  # pytest's stderr is no terminal: cron's case
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert step_lines(State(lang="zh", quiet=True)) is None
    say = step_lines(State(lang="zh"))
    assert say is not None
    say("churn", "start")
    say("churn", "done")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "流失分析……"
    assert re.fullmatch(r"流失分析完成，用时 \d+\.\d 秒", lines[1]), lines


def test_why_an_option_is_refused_is_said_in_the_users_language(
    runner: CliRunner, data_dir: Path
) -> None:
    export = str(data_dir / "ro_gbk_title_total.csv")
    zh = runner.invoke(cli, ["--lang", "zh", "kpi", export, "--period", "2025", "--year", "2025"])
    assert zh.exit_code == 2
    assert zh.output.strip() == "Error: --period：请给出 --period 或 --year，不要同时给出。"
    en = runner.invoke(cli, ["--lang", "en", "kpi", export, "--period", "last-week"])
    assert en.exit_code == 2 and (
        "'last-week' is not last-month, last-year, YYYY, YYYY-MM or DATE..DATE" in en.output
    )
    zh = runner.invoke(cli, ["--lang", "zh", "kpi", export, "--period", "last-week"])
    assert "“last-week”不是 last-month、last-year、YYYY、YYYY-MM 或 日期..日期" in zh.output


@pytest.mark.parametrize(
    ("toml", "zh", "en"),
    [
        (
            '[run]\nkeep = "12"\n',
            "[run] keep = '12' 必须是整数。",
            "[run] keep = '12' must be a whole number.",
        ),
        (
            "[reprot]\nx = 1\n",
            "未知的键或表“reprot”（是否想写“report”？）；可用的表：",
            "unknown key or table 'reprot' (did you mean 'report'?); tables: ",
        ),
        (
            "[workload]\ntarget_utilisation = 2\n",
            "workload.target_utilisation：必须大于 0 且不超过 1。",
            "workload.target_utilisation: must be above 0 and at most 1.",
        ),
        (
            '[privacy]\ninclude_contact = "false"\n',
            "[privacy] include_contact = 'false' 必须是 true 或 false（不加引号）。",
            "[privacy] include_contact = 'false' must be true or false (without quotes",
        ),
        ('lang = "fr"\n', "lang = 'fr' 必须是 zh, en 之一。", "lang = 'fr' must be one of zh, en."),
        (
            '[workload]\nopen_days = "mon"\n',
            "[workload] open_days = 'mon' 必须是整数列表。",
            "[workload] open_days = 'mon' must be a list of whole numbers.",
        ),
        ("[loyalty]\ntop_n = 0\n", "loyalty.top_n：0 必须不小于 1。", "loyalty.top_n: 0 must be 1"),
        (
            '[churn]\nhorizon_days = 30\nhorizon = "1y"\n',
            "[churn] horizon 是 [churn] horizon_days 的旧名称，请只保留一个。",
            "[churn] horizon is the old name of [churn] horizon_days; keep one.",
        ),
        (
            '[ingest]\nunit = "jin"\n',
            "unit：“jin”不是 auto, customer_id, vin, plate 之一。",
            "unit: 'jin' is not one of auto, customer_id, vin, plate.",
        ),
        (
            "[schedule]\nkeep = 1\n",
            "[schedule] 中没有“keep”；可用：",
            "[schedule] has no key 'keep'",
        ),
    ],
)
def test_why_a_config_value_is_refused_is_said_in_the_users_language(
    runner: CliRunner, data_dir: Path, tmp_path: Path, toml: str, zh: str, en: str
) -> None:
    config = tmp_path / "fours.toml"
    config.write_text(toml, encoding="utf-8")
    export = str(data_dir / "ro_gbk_title_total.csv")
    for lang, expected in (("zh", zh), ("en", en)):
        result = runner.invoke(cli, ["--lang", lang, "--config", str(config), "kpi", export])
        assert result.exit_code == 2, result.output
        line = result.output.strip()
        assert line.count("\n") == 0 and expected in line, line
        if lang == "zh":  # no English sentence inside the Chinese frame
            assert not re.search(r"\b(must|not|unknown|known|mean)\b", line), line


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (
            ["workload", "{export}", "--technicians", "0"],
            "Error: --technicians 的值无效：0 不在允许的范围 x>=1 内。",
            "Error: Invalid value for '--technicians': 0 is not in the range x>=1.",
        ),
        (
            ["kpi", "{export}", "--peroid", "2025"],
            "Error: 没有选项 --peroid。是否想写 --period？",
            "Error: No such option '--peroid'. Did you mean '--period'?",
        ),
        (["kpi"], "Error: 缺少参数 PATHS...。", "Error: Missing argument 'PATHS...'."),
        (["frob"], "Error: 没有命令“frob”。", "Error: No such command 'frob'."),
        (
            ["kpi", "{export}", "--by", "foo"],
            "Error: --by 的值无效：“foo”不是 'month', 'quarter', 'advisor', 'technician', "
            "'ro_type', 'store' 之一。",
            "Error: Invalid value for '--by': 'foo' is not one of 'month', 'quarter'",
        ),
        (
            ["report", "{export}", "--template-dir", "/no/such/folder"],
            "Error: --template-dir 的值无效：文件夹“/no/such/folder”不存在。",
            "Error: Invalid value for '--template-dir': Directory '/no/such/folder' does not",
        ),
    ],
)
def test_clicks_own_usage_errors_are_said_in_the_users_language(
    runner: CliRunner, data_dir: Path, args: list[str], zh: str, en: str
) -> None:
    export = str(data_dir / "ro_gbk_title_total.csv")
    typed = [a.replace("{export}", export) for a in args]
    said_zh = runner.invoke(cli, ["--lang", "zh", *typed])
    assert said_zh.exit_code == 2
    assert said_zh.output.splitlines()[-1] == zh
    assert said_zh.output.startswith("用法：") and "查看帮助" in said_zh.output
    said_en = runner.invoke(cli, ["--lang", "en", *typed])
    assert said_en.exit_code == 2
    assert said_en.output.splitlines()[-1].startswith(en)
    assert said_en.output.startswith("Usage: ")


def test_a_click_message_of_an_unknown_shape_stays_as_click_wrote_it() -> None:
    from fourS_analytics.cli import click_zh

    error = click.UsageError("Something click added in a later release.")
    assert click_zh.in_chinese(error) is error
    known = click_zh.in_chinese(click.UsageError("Missing command."))
    assert known.format_message() == "缺少命令。" and known.exit_code == 2


def test_help_and_the_package_load_no_numeric_stack_until_used() -> None:
    """``fours --help`` (and ``import fourS_analytics``) answer without SciPy, scikit-learn,
    matplotlib or the report's libraries: they load when an analysis needs them."""
    import subprocess
    import sys

    heavy = ("scipy", "sklearn", "matplotlib", "pptx", "jinja2", "fourS_analytics.pipeline")
    probe = (
        "import sys\n"
        "from fourS_analytics.cli import main\n"
        "sys.argv = ['fours', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
        "import fourS_analytics as fours\n"
        "assert callable(fours.load) and fours.Settings().lists.workbook_rows == 5000\n"
        "print('pipeline' , 'fourS_analytics.pipeline' in sys.modules)\n"
        "fours.analyse\n"
        "print('pipeline', 'fourS_analytics.pipeline' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    lines = run.stdout.strip().splitlines()
    assert lines[-3:] == ["[]", "pipeline False", "pipeline True"]
    assert "fours" in run.stdout  # the help was printed
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        import fourS_analytics

        fourS_analytics.nothing  # noqa: B018


def test_lists_and_kpi_load_neither_scipy_stats_nor_matplotlib(tmp_path: Path) -> None:
    """`fours lists --model bgnbd` and `fours kpi` draw nothing and test nothing: they ran
    with scipy.stats (~1 s) and matplotlib (~0.3 s) loaded through the churn statistics and
    the report's charts. The lists are still written."""
    import subprocess
    import sys

    sample = Path(__file__).resolve().parent.parent / "sample_data"
    probe = (
        "import sys\n"
        "from fourS_analytics.cli import main\n"
        "sys.argv = ['fours', '-q', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('scipy.stats', 'matplotlib') if m in sys.modules))\n"
    )
    for args in (
        ["lists", str(sample), "--model", "bgnbd", "-o", str(tmp_path / "lists")],
        ["kpi", str(sample), "--year", "2025", "--format", "json"],
    ):
        run = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        assert run.stdout.strip().splitlines()[-1] == "[]", (args, run.stdout)
    assert (tmp_path / "lists" / "lists.xlsx").is_file()


def test_a_kpi_breakdown_reads_like_the_kpi_table_and_masks_staff(runner: CliRunner) -> None:
    """`fours kpi --by advisor` printed pandas' own dump (942.0, 1450.338680, None) with the
    advisors' names in full; now a KPI a row, a group a column, names masked unless
    --show-staff, in every format."""
    from fourS_analytics import kpi
    from fourS_analytics.privacy import mask_name
    from fourS_analytics.sample import sample_data_dir

    data = str(sample_data_dir())
    args = ["--lang", "en", "kpi", data, "--period", "2025", "--by", "advisor"]
    text = runner.invoke(cli, args).output
    table = text[text.index("KPI by advisor") :].split("\n\n")[0].splitlines()
    advisors = sorted(fours.load(data).repair_orders["advisor"].dropna().unique())
    assert table[0].split()[3:] == [str(mask_name(a)) for a in advisors]
    parts = kpi.breakdown(
        fours.load(data), pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"), "advisor"
    ).set_index("advisor")
    first = advisors[0]
    intake = next(r for r in table if r.startswith("intake (ROs opened)"))
    assert intake.split()[3] == f"{parts.at[first, 'intake']:,.0f}"  # as the KPI table shows it
    rate = next(r for r in table if r.startswith("appointment rate"))
    assert rate.split()[2] == f"{100 * parts.at[first, 'appointment_rate']:.1f}%"
    assert "None" not in "\n".join(table) and "output per head" not in "\n".join(table)
    rows = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)["breakdown"]["rows"]
    assert [r["advisor"] for r in rows] == [mask_name(a) for a in advisors]
    shown = runner.invoke(cli, [*args, "--show-staff"]).output
    assert all(a in shown for a in advisors)


def test_kpi_by_as_csv_is_one_table_with_the_whole_period_first(runner: CliRunner) -> None:
    """`--format csv --by` printed the KPI table and then the breakdown, two headers in one
    stream; now the breakdown alone, under a row for the whole period."""
    import io

    from fourS_analytics.privacy import mask_name
    from fourS_analytics.sample import sample_data_dir

    data = str(sample_data_dir())
    args = ["--lang", "en", "kpi", data, "--period", "2025", "--by", "advisor", "--format", "csv"]
    text = runner.invoke(cli, args).output
    assert text.count("intake,") == 1  # one header
    table = pd.read_csv(io.StringIO(text))
    whole = pd.read_csv(io.StringIO(runner.invoke(cli, [*args[:-4], "--format", "csv"]).output))
    whole = whole.set_index("kpi")["value"]
    advisors = sorted(fours.load(data).repair_orders["advisor"].dropna().unique())
    assert list(table["advisor"]) == ["all", *(mask_name(a) for a in advisors)]
    first = table.iloc[0]
    assert first["intake"] == whole["intake"] == table["intake"].iloc[1:].sum()
    assert first["revenue"] == whole["revenue"]
    assert first["renewal_rate"] == whole["renewal_rate"]  # a store-level KPI: the period's
    assert table["renewal_rate"].iloc[1:].isna().all()  # not an advisor's
    chinese = runner.invoke(
        cli, ["kpi", data, "--period", "2025", "--by", "month", "--format", "csv"]
    )
    assert chinese.output.splitlines()[1].startswith("全部,")
