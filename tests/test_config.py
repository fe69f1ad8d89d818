"""One settings object: every key of the starter config means the same to every command and
to ``fours run``; wrong keys and types are one-line errors naming the key and the file;
relative paths are taken from the config file's folder; old names still read."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fourS_analytics.cli import cli
from fourS_analytics.config import Settings, as_plain, load_settings
from fourS_analytics.errors import ConfigError
from fourS_analytics.run import STARTER

STARTER_DATA = tomllib.loads(STARTER)
# a changed value for each key of the starter (within its range)
CHANGED: dict[str, Any] = {
    "lang": "en",
    "data": "elsewhere",
    "out": "other_packs",
    "period": "2025",
    "keep": 3,
    "max_reject_rate": 0.2,
    "steps": ["validate", "kpi"],
    "keep_going": True,
    "log_format": "json",
    "include_contact": True,
    "show_staff": True,
    "formats": ["md"],
    "store_name": "某某店",
    "presenter": "张经理",
    "csi_scale": "1-10",
    "compare_years": 2,
    "date_order": "dmy",
    "headers": {"车辆识别代码": "vin"},
    "csi_scales": {"回访*.xlsx": "1-10"},
    "comeback_days": 14,
    "top_n": 7,
    "horizon_days": 180,
    "target_wait_minutes": 45,
    "open_hour": 9,
    "close_hour": 17,
    "weeks": 2,
    "renewal_days": [30, 60],
    "first_service_months": 3,
    "first_service_lost_months": 9,
}


def _keys() -> list[tuple[str, str]]:
    keys = []
    for name, value in STARTER_DATA.items():
        if isinstance(value, dict):
            keys += [(name, key) for key in value]
        else:
            keys.append(("", name))
    return keys


KEYS = _keys()
COMMANDS = {  # the command line of each command, on a tiny export
    "validate": ["validate", "{ro}", "--rejects", "{tmp}/rejects.csv"],
    "loyalty": ["loyalty", "{ro}", "-o", "{tmp}/l"],
    "churn": ["churn", "{ro}", "-o", "{tmp}/c"],
    "workload": ["workload", "{ro}", "-o", "{tmp}/w"],
    "kpi": ["kpi", "{ro}", "--year", "2025"],
    "report": ["report", "{ro}", "--year", "2025", "-o", "{tmp}/r"],
    "demo": ["demo", "-o", "{tmp}/d"],
    "lists": ["lists", "{ro}", "-o", "{tmp}/li"],
}


class Captured(Exception):
    pass


def _capture(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Stop each command where its settings reach the pipeline (or the run), and keep them.
    ``fours validate`` runs no pipeline: it is stopped where it writes the row problems, with
    the settings it read and its privacy setting."""
    seen: list[Settings] = []

    def at_pipeline(
        self: object, dataset: object, settings: Settings, *_a: object, **_k: object
    ) -> None:
        seen.append(settings)
        raise Captured

    def at_runner(self: object, settings: Settings, **_k: object) -> None:
        seen.append(settings)
        raise Captured

    read: list[Settings] = []
    real_ingest = __import__("fourS_analytics.config", fromlist=["x"]).ingest_options

    def reading(settings: Settings, **kw: object) -> object:
        read.append(settings)
        return real_ingest(settings, **kw)

    def at_rejects(dataset: object, lang: str, *, include_contact: bool) -> None:
        from dataclasses import replace

        last = read[-1]
        seen.append(replace(last, privacy=replace(last.privacy, include_contact=include_contact)))
        raise Captured

    monkeypatch.setattr("fourS_analytics.pipeline.StorePipeline.__init__", at_pipeline)
    monkeypatch.setattr("fourS_analytics.run.Runner.__init__", at_runner)
    monkeypatch.setattr("fourS_analytics.cli.options.ingest_options", reading)
    monkeypatch.setattr("fourS_analytics.cli.analyses.problems_frame", at_rejects)
    return seen


def _config(tmp_path: Path, section: str, key: str, value: Any) -> Path:
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in STARTER_DATA.items()}
    if section:
        data[section][key] = value
    else:
        data[key] = value
    lines = [f"{k} = {_toml(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for name, table in data.items():
        if isinstance(table, dict):
            flat = {k: v for k, v in table.items() if not isinstance(v, dict)}
            lines += [f"[{name}]", *(f"{k} = {_toml(v)}" for k, v in flat.items())]
            for sub, inner in table.items():
                if isinstance(inner, dict):
                    lines += [
                        f"[{name}.{sub}]",
                        *(f"{_toml(k)} = {_toml(v)}" for k, v in inner.items()),
                    ]
    path = tmp_path / "fours.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def test_every_starter_key_has_a_changed_value() -> None:
    assert {key for _, key in KEYS} == set(CHANGED)


@pytest.mark.parametrize(("section", "key"), KEYS, ids=[f"{s}.{k}" for s, k in KEYS])
def test_each_command_and_run_read_a_key_identically(
    section: str, key: str, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, section, key, CHANGED[key])
    expected = load_settings(config)
    got = getattr(expected, section) if section else expected
    value = getattr(got, key)
    wanted = CHANGED[key]
    if isinstance(value, tuple):
        value = list(value)
    if key in ("headers", "csi_scales"):
        value = dict(value)
    if key in ("data", "out"):  # relative to the config file's folder
        wanted = str(tmp_path / wanted)
    assert value == wanted
    seen = _capture(monkeypatch)
    ro = str(data_dir / "ro_gbk_title_total.csv")
    runner = CliRunner()
    for name, args in COMMANDS.items():
        line = [a.format(ro=ro, tmp=tmp_path) for a in args]
        result = runner.invoke(cli, ["--config", str(config), *line])
        assert "(Captured: )" in result.output, (name, result.output)  # reached the hook
    result = runner.invoke(cli, ["run", "--config", str(config)])
    assert "(Captured: )" in result.output, ("run", result.output)
    assert len(seen) == len(COMMANDS) + 1
    reference = as_plain(expected)
    for name, settings in zip([*COMMANDS, "run"], seen, strict=True):
        assert as_plain(settings) == reference, name


def test_a_flag_overrides_the_file_and_only_what_was_typed(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "fours.toml"
    config.write_text(
        "[workload]\ntarget_wait_minutes = 45\ngrowth = 0.2\n[loyalty]\ntop_n = 5\n",
        encoding="utf-8",
    )
    seen = _capture(monkeypatch)
    ro = str(data_dir / "ro_gbk_title_total.csv")
    CliRunner().invoke(cli, ["--config", str(config), "workload", ro, "--target-wait", "20"])
    CliRunner().invoke(cli, ["--config", str(config), "loyalty", ro])
    assert seen[0].workload.target_wait_minutes == 20 and seen[0].workload.growth == 0.2
    assert seen[1].loyalty.top_n == 5


def test_old_names_still_read_and_say_what_they_are_now(tmp_path: Path) -> None:
    config = tmp_path / "old.toml"
    config.write_text(
        '[workload]\ntarget_wait = 45\n[churn]\nhorizon = "26w"\n'
        "[loyalty]\ntop = 5\n[run]\ninclude_contact = true\n"
        'report_formats = ["md"]\ntargets = "t.toml"\n',
        encoding="utf-8",
    )
    s = load_settings(config)
    assert (s.workload.target_wait_minutes, s.churn.horizon_days, s.loyalty.top_n) == (45, 182, 5)
    assert s.privacy.include_contact is True and s.report.formats == ("md",)
    assert s.kpi.targets == str(tmp_path / "t.toml")
    both = tmp_path / "both.toml"
    both.write_text("[loyalty]\ntop = 5\ntop_n = 6\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[loyalty\] top is the old name of \[loyalty\] top_n"):
        load_settings(both)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[reprot]\nformats = []\n", "unknown key or table 'reprot' (did you mean 'report'?)"),
        ("colour = 1\n", "unknown key or table 'colour'"),
        ("[run]\nkep = 3\n", "[run] has no key 'kep' (did you mean 'keep'?)"),
        ('lang = "fr"\n', "lang = 'fr' must be one of zh, en"),
        ("[churn]\nhorizon_days = -5\n", "churn.horizon_days: -5 must be 1 or more"),
        ("[churn]\nbacktest = false\n", "churn.backtest: can be false only with [churn] model"),
        ("[workload]\nopen_hour = 20\nclose_hour = 8\n", "needs 0 <= open_hour < close_hour"),
        ("[run]\nkeep = 1.5\n", "[run] keep = 1.5 must be a whole number"),
        ('[run]\ntarget_wait = "30"\n', "[run] has no key 'target_wait'"),
        ('[workload]\ntarget_wait_minutes = "30"\n', "target_wait_minutes = '30' must be a number"),
        ('[run]\nreport_formats = ["doc"]\n', "report.formats: 'doc' not among html, pptx, md"),
    ],
)
def test_a_bad_config_is_one_error_naming_the_file_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    config = tmp_path / "fours.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert str(caught.value).startswith(f"{config}: ")
    assert message in str(caught.value)
    result = CliRunner().invoke(cli, ["--lang", "en", "--config", str(config), "validate", "x.csv"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert message in result.output and "Traceback" not in result.output


def test_relative_paths_are_taken_from_the_config_files_folder(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    config = folder / "fours.toml"
    config.write_text(
        '[run]\ndata = "exports"\nout = "/abs/packs"\nlog_file = "x.log"\n'
        '[kpi]\ntargets = "goals.toml"\n',
        encoding="utf-8",
    )
    s = load_settings(config)
    assert s.run.data == str(folder / "exports") and s.run.out == "/abs/packs"
    assert s.run.log_file == str(folder / "x.log")
    assert s.kpi.targets == str(folder / "goals.toml")
    # a flag is the user's own path, from where they stand
    assert s.with_overrides({"run": {"data": "here"}}).run.data == "here"


def test_the_library_names_settings_and_the_command_line_names_flags(data_dir: Path) -> None:
    from fourS_analytics.errors import UsageError

    with pytest.raises(UsageError, match=r"^formats: 'doc' not among html, pptx, md"):
        Settings().with_overrides({"report": {"formats": ("doc",)}})
    with pytest.raises(UsageError, match=r"^period: 'soon' is not last-month"):
        from fourS_analytics.timeframe import parse_period

        parse_period("soon")
    ro = str(data_dir / "ro_gbk_title_total.csv")
    result = CliRunner().invoke(
        cli, ["--lang", "en", "report", ro, "--year", "2025", "--formats", "doc"]
    )
    assert result.exit_code == 2
    assert result.output == "Error: --formats: 'doc' not among html, pptx, md.\n"
    result = CliRunner().invoke(
        cli, ["--lang", "en", "run", "--data", str(data_dir), "--period", "soon"]
    )
    assert result.output.startswith("Error: --period: 'soon' is not last-month")


def test_any_value_of_any_type_in_any_setting_is_a_config_error_or_accepted() -> None:
    """Every setting, and the top-level keys, given values of every TOML type (nan and inf
    included): a ConfigError naming the key, or accepted; never another exception (the
    issue found `keep = "12"` and others as internal errors; `lang = {a = 1}` was a KeyError)."""
    from dataclasses import fields

    from fourS_analytics.config import SECTIONS

    hostile: list[object] = ["12", 1.5, -1, 0, True, [1], {"a": 1}, "", 10**12, -1e308]
    hostile += [float("nan"), float("inf")]
    cases: list[tuple[str | None, str]] = [
        (name, f.name) for name, cls in SECTIONS.items() for f in fields(cls)
    ]
    cases += [(None, key) for key in ("lang", "verbose", "quiet")]
    refused = 0
    for section, key in cases:
        for value in hostile:
            data = {key: value} if section is None else {section: {key: value}}
            try:
                load_settings(data=data)
            except ConfigError as exc:
                refused += 1
                assert key in str(exc), str(exc)
    assert refused > len(cases) * 6  # most of these values are wrong for most settings
    for value in (float("nan"), float("inf")):
        with pytest.raises(ConfigError, match=r"\[workload\] growth = (nan|inf) must be a finite"):
            load_settings(data={"workload": {"growth": value}})
    with pytest.raises(ConfigError, match=r"lang = \{'a': 1\} must be one of zh, en"):
        load_settings(data={"lang": {"a": 1}})


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("revnue = 6000000\n", "[targets] has no key 'revnue' (did you mean 'revenue'?)"),
        ('[targets]\nrevenue = "lots"\n', "[targets] revenue = 'lots' must be a number"),
        ("[targets]\nintake = true\n", "[targets] intake = True must be a number"),
        (
            '[targets.monthly.revenue]\n"2025-01" = "abc"\n',  # was an internal error
            "[targets.monthly.revenue] 2025-01 = 'abc' must be a number",
        ),
        (
            '[targets.monthly.revenue]\n"2025-13" = 5\n',
            '[targets.monthly.revenue] 2025-13 = 5 has a key that is not a month such as "2025-01"',
        ),
        ('[targets.monthly.reveune]\n"2025-01" = 5\n', "has no key 'reveune'"),
        ("[targets]\nmonthly = 3\n", "[monthly] must be a table"),
    ],
)
def test_a_targets_file_is_checked_key_by_key(tmp_path: Path, text: str, said: str) -> None:
    """A typo in a targets file silently meant no target; a month's value that was not a
    number stopped `fours kpi` with an internal error."""
    from click.testing import CliRunner

    from fourS_analytics.cli import cli
    from fourS_analytics.sample import sample_data_dir

    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--lang", "en", "kpi", str(sample_data_dir()), "--targets", str(path)]
    )
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {path}: ") and said in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_good_targets_file_reads_as_written(tmp_path: Path) -> None:
    from fourS_analytics.config import read_targets

    path = tmp_path / "t.toml"
    path.write_text(
        'revenue = 6000000\nappointment_rate = 0.5\n[monthly.intake]\n"2025-01" = 300\n',
        encoding="utf-8",
    )
    assert read_targets(path, ["revenue", "appointment_rate", "intake"]) == {
        "revenue": 6000000,
        "appointment_rate": 0.5,
        "monthly": {"intake": {"2025-01": 300}},
    }


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('reveiw = "a good year"\n', "[notes] has no key 'reveiw' (did you mean 'review'?)"),
        ("plans = 5\n", "[notes] plans = 5 must be a text in quotes"),
    ],
)
def test_a_notes_file_is_checked_key_by_key(tmp_path: Path, text: str, said: str) -> None:
    """A misspelt part silently left the manager's remark out of the report."""
    from click.testing import CliRunner

    from fourS_analytics.cli import cli
    from fourS_analytics.config import read_notes
    from fourS_analytics.sample import sample_data_dir

    path = tmp_path / "notes.toml"
    path.write_text(text, encoding="utf-8")
    args = ["--lang", "en", "report", str(sample_data_dir()), "--year", "2025"]
    result = CliRunner().invoke(
        cli, [*args, "--notes", str(path), "--formats", "md", "-o", str(tmp_path / "r")]
    )
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {path}: ") and said in result.output
    good = tmp_path / "good.toml"
    good.write_text('review = "x"\nexperience = "y"\nplans = "z"\n', encoding="utf-8")
    assert read_notes(good) == {"review": "x", "experience": "y", "plans": "z"}
