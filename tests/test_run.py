"""`fours run` and `fours init`: atomic packs, the manifest, the lock, failures, the
data-quality gate, logs, reproducibility, and a run killed part-way."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from click.testing import CliRunner

from fourS_analytics.cli import cli
from fourS_analytics.config import RunSettings, Settings
from fourS_analytics.errors import InputError
from fourS_analytics.run import Runner, parse_period
from fourS_analytics.run.lock import LOCK_NAME, acquire
from fourS_analytics.sample import StoreParams, generate

QUICK = ["validate", "kpi"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    generate(folder, replace(StoreParams(), vehicles=700, years=3), seed=11)
    shutil.rmtree(folder / "ground_truth")
    (folder / "manifest.json").unlink()
    return folder


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--lang", "en", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def run_args(data: Path, out: Path, period: str = "2025", *more: str) -> tuple[str, ...]:
    """``fours run``'s arguments for a data folder, a pack folder and a period, then ``more``."""
    return ("run", "--data", str(data), "--out", str(out), "--period", period, *more)


def config(tmp_path: Path, store: Path, **run: object) -> Path:
    settings = {"data": str(store), "out": str(tmp_path / "packs"), "period": "2025", **run}
    lines = ["[run]", *(f"{k} = {json.dumps(v)}" for k, v in settings.items())]
    path = tmp_path / "fours.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def packs(out: Path) -> list[str]:
    return sorted(
        p.name
        for p in out.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
    )


# --------------------------------------------------------------------------- periods
@pytest.mark.parametrize(
    ("spec", "label", "start", "end"),
    [
        ("last-month", "2026-10", "2026-10-01", "2026-10-31"),
        ("last-year", "2025", "2025-01-01", "2025-12-31"),
        ("2024", "2024", "2024-01-01", "2024-12-31"),
        ("2024-02", "2024-02", "2024-02-01", "2024-02-29"),
        ("2025-03-01..2025-05-15", "20250301-20250515", "2025-03-01", "2025-05-15"),
    ],
)
def test_periods(spec: str, label: str, start: str, end: str) -> None:
    period = parse_period(spec, today=date(2026, 11, 27))
    assert (period.label, f"{period.start:%Y-%m-%d}", f"{period.end:%Y-%m-%d}") == (
        label,
        start,
        end,
    )


@pytest.mark.parametrize("spec", ["yesterday", "2025-13", "2025-05-01..2025-01-01"])
def test_bad_periods_are_usage_errors(tmp_path: Path, spec: str) -> None:
    code, out = invoke(*run_args(tmp_path, tmp_path / "o", spec))
    assert code == 2 and "--period" in out and "Traceback" not in out


def test_january_last_month_is_december() -> None:
    assert parse_period("last-month", today=date(2026, 1, 5)).label == "2025-12"


# --------------------------------------------------------------------------- the pack
def test_full_run_writes_a_complete_pack(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "packs"
    code, text = invoke(*run_args(store, out, "2025", "--log-file", str(tmp_path / "run.log")))
    assert code == 0, text
    (name,) = packs(out)
    assert os.readlink(out / "latest") == name and name.startswith("2025_")
    manifest = json.loads((out / name / "manifest.json").read_text("utf-8"))
    assert [s["name"] for s in manifest["steps"]] == [
        "validate",
        "kpi",
        "loyalty",
        "churn",
        "workload",
        "lists",
        "report",
    ]
    assert [s["status"] for s in manifest["steps"]] == ["ok"] * 7
    assert all(s["seconds"] >= 0 for s in manifest["steps"])
    for entry in manifest["inputs"]:
        data = Path(entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    files = {str(p.relative_to(out / name)) for p in (out / name).rglob("*") if p.is_file()}
    listed = {o["path"] for o in manifest["outputs"]}
    assert listed == files - {"manifest.json"}
    for o in manifest["outputs"]:
        assert (out / name / o["path"]).stat().st_size == o["bytes"]
    assert {
        "kpi/kpi.json",
        "loyalty/loyal_top.csv",
        "churn/winback.csv",
        "workload/capacity_board.csv",
        "lists/service_due.csv",
        "lists/lists.xlsx",
        "report/report_2025.html",
        "report/report_2025.pptx",
        "report/report_2025.md",
    } <= listed
    assert manifest["accounting"]["adds_up"] is True
    assert manifest["fours_version"] and manifest["exit_code"] == 0
    assert manifest["contains_personal_data"] is False
    assert not any(o["personal_data"] for o in manifest["outputs"])
    kpis = json.loads((out / name / "kpi" / "kpi.json").read_text("utf-8"))
    assert kpis["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert isinstance(kpis["kpis"]["intake"], float) and 0 <= kpis["kpis"]["comeback_rate"] <= 1
    log = (tmp_path / "run.log").read_text("utf-8").splitlines()
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d INFO step validate", log[0])
    assert "pack written" in log[-1]
    # stderr was no terminal (cron): its mail gets the summary, not a line per step
    assert "pack written" in text and "step " not in text


def test_on_a_terminal_the_run_says_each_step(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fourS_analytics.run.logs._is_terminal", lambda _stream: True)
    config = tmp_path / "fours.toml"
    config.write_text('[run]\nsteps = ["validate", "kpi"]\n', "utf-8")
    out = tmp_path / "packs"
    # one process: with a spare core the kpi step's line comes from the child running it,
    # whose stderr is the terminal's but not this test runner's captured stream
    code, text = invoke(*run_args(store, out, "2025", "--config", str(config), "--workers", "1"))
    assert code == 0, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[:2] == ["step validate ...", "step kpi ..."]
    assert lines[-1].startswith("pack written:")


def test_same_inputs_give_the_same_outputs(store: Path, tmp_path: Path) -> None:
    """From the files, then with the cache of loaded exports: parsed again and the entry
    written (two parses, the same bytes), then read back."""
    hashes = []
    cache = ("--cache-dir", str(tmp_path / "cache"))
    logged = ("--log-file", str(tmp_path / "run.log"))
    for more in [(), cache, (*cache, *logged)]:
        code, text = invoke(*run_args(store, tmp_path / "o", "2025", *more))
        assert code == 0, text
        manifest = json.loads((tmp_path / "o" / "latest" / "manifest.json").read_text())
        hashes.append({o["path"]: o["sha256"] for o in manifest["outputs"]})
        time.sleep(1.05)  # a new pack name
    assert len(packs(tmp_path / "o")) == 3
    assert hashes[0] == hashes[1] == hashes[2] and len(hashes[0]) > 30
    assert len(list((tmp_path / "cache").iterdir())) == 1
    assert "The exports read from the cache" in (tmp_path / "run.log").read_text()


def test_keep_prunes_the_oldest_packs(store: Path, tmp_path: Path) -> None:
    path = config(tmp_path, store, steps=QUICK, keep=2)
    made = []
    for _ in range(3):
        code, text = invoke("run", "--config", str(path))
        assert code == 0, text
        made.append(os.readlink(tmp_path / "packs" / "latest"))
        time.sleep(1.05)
    assert packs(tmp_path / "packs") == made[1:]


def test_dry_run_writes_nothing(store: Path, tmp_path: Path) -> None:
    code, text = invoke(*run_args(store, tmp_path / "o", "2025-06", "--dry-run"))
    assert code == 0, text
    plan = json.loads(text[text.index("{") :])
    assert plan["period"] == {"label": "2025-06", "start": "2025-06-01", "end": "2025-06-30"}
    assert plan["gate"]["would_pass"] is True and len(plan["inputs"]) == 6
    assert plan["empty_period"] == []
    assert not (tmp_path / "o").exists()


def test_a_dry_run_fails_on_an_empty_period_as_the_real_run_does(
    store: Path, tmp_path: Path
) -> None:
    args = run_args(store, tmp_path / "o", "2031")
    real_code, real_text = invoke(*args)
    dry_code, dry_text = invoke(*args, "--dry-run")
    assert real_code == dry_code == 1
    assert "no repair orders in the period 2031" in real_text
    assert dry_text.strip().splitlines()[-1].startswith("Error: ")
    assert "no repair orders in the period 2031" in dry_text.strip().splitlines()[-1]
    plan = json.loads(dry_text[dry_text.index("{") : dry_text.rindex("}") + 1])
    assert len(plan["empty_period"]) == 1
    assert plan["empty_period"][0]["error"] == "run_empty_period"


def test_init_writes_a_starter_config_that_runs(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "fours.toml"
    code, _ = invoke("init", "-o", str(path))
    assert code == 0 and "[run]" in path.read_text("utf-8")
    code, text = invoke("init", "-o", str(path))
    assert code == 2 and "--force" in text
    code, text = invoke(
        *run_args(store, tmp_path / "o", "2025", "--config", str(path), "--dry-run")
    )
    assert code == 0, text
    # the starter's tables ([workload] target_wait, [schedule], ...) read as the commands
    # read them, in a real run
    text = (
        path.read_text("utf-8")
        .replace('formats = ["html", "pptx", "md"]', 'formats = ["md"]')
        .replace("top_n = 100", "top_n = 20")
    )
    path.write_text(text, encoding="utf-8")
    code, text = invoke(*run_args(store, tmp_path / "o", "2025", "--config", str(path)))
    assert code == 0, text
    top = (tmp_path / "o" / "latest" / "loyalty" / "loyal_top.csv").read_text("utf-8-sig")
    assert len(top.strip().splitlines()) == 21


def test_no_data_folder_is_a_clear_error_said_once(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    code, text = invoke(
        "run", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path), "--log-file", str(log)
    )
    assert code == 1 and "Traceback" not in text
    # once on the terminal (it was said twice: the log's line, then the command's error)
    assert text.strip().splitlines() == [
        f"Error: No exports found in {tmp_path / 'nowhere'}; set --data (or [run] data in the "
        "config) to the folder the DMS exports are in."
    ]
    assert re.search(r"\d\d ERROR No exports found in .*nowhere", log.read_text("utf-8"))


def test_a_relative_data_folder_is_named_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # cron's mail should say which folder it looked in
    code, text = invoke("run", "--data", "exports", "--out", "packs")
    assert code == 1 and f"No exports found in {tmp_path / 'exports'};" in text


# --------------------------------------------------------------------------- failures
def test_a_failing_step_stops_the_run_and_leaves_earlier_packs(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "packs"
    path = config(tmp_path, store, steps=QUICK)
    assert invoke("run", "--config", str(path))[0] == 0
    before = os.readlink(out / "latest")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html").write_text("{{ doc.no_such_thing }}", encoding="utf-8")
    path = config(
        tmp_path,
        store,
        steps=["validate", "kpi", "report"],
        report_formats=["html"],
        template_dir=str(templates),
    )
    time.sleep(1.05)
    failures = tmp_path / "fail.log"
    code, text = invoke("run", "--config", str(path), "--log-file", str(failures))
    assert code == 1
    assert "step report failed" in text and "Traceback" not in text
    assert text.count("step report failed") == 1  # said once: the command's Error: line
    assert text.strip().splitlines()[-1].startswith("Error: step report failed")
    assert failures.read_text("utf-8").count(" ERROR step report failed") == 1
    assert os.readlink(out / "latest") == before and packs(out) == [before]
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]
    # --keep-going: the pack is published with the failed step marked
    time.sleep(1.05)
    code, text = invoke("run", "--config", str(path), "--keep-going")
    assert code == 1
    manifest = json.loads((out / "latest" / "manifest.json").read_text("utf-8"))
    status = {s["name"]: s["status"] for s in manifest["steps"]}
    assert status == {
        "validate": "ok",
        "kpi": "ok",
        "loyalty": "skipped",
        "churn": "skipped",
        "workload": "skipped",
        "lists": "skipped",
        "report": "failed",
    }
    assert "no_such_thing" in next(s["error"] for s in manifest["steps"] if s["name"] == "report")


def test_a_full_disk_fails_the_step_cleanly(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from fourS_analytics import output

    def full(*_args: object, **_kwargs: object) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "kpi.csv")

    monkeypatch.setattr(output, "write_csv", full)
    monkeypatch.setattr("fourS_analytics.publish.write_csv", full)
    runner = Runner(
        Settings(
            run=RunSettings(data=str(store), out=str(tmp_path / "o"), period="2025", steps=QUICK)
        ),
        lang="en",
    )
    with pytest.raises(Exception, match="step kpi failed: No space left on device"):
        runner.run()
    assert not [p for p in (tmp_path / "o").iterdir() if p.name.startswith(".tmp-")]
    assert not (tmp_path / "o" / "latest").exists()


def test_an_unusable_output_folder_is_a_clear_error(store: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, text = invoke(*run_args(store, blocker / "packs", "2025"))
    assert code == 1 and "cannot write packs into" in text and "Traceback" not in text


def test_an_unreadable_input_file_is_named_not_blamed_on_the_output_folder(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen as another user (root reads everything): a file the run may not read was an
    OSError the run blamed on --out ("cannot write packs into ...")."""
    import errno

    from fourS_analytics.run import manifest

    real = manifest.sha256

    def denied(path: Path) -> str:
        if path.name == "repair_orders.csv":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    monkeypatch.setattr(manifest, "sha256", denied)
    out = tmp_path / "packs"
    code, text = invoke(*run_args(store, out, "2025"))
    assert code == 1 and "Traceback" not in text
    line = text.strip().splitlines()[-1]
    assert line == (
        f"Error: {store / 'repair_orders.csv'}: cannot read the file (Permission denied). "
        "Check its permissions."
    )
    assert "cannot write packs" not in text and packs(out) == []


def test_a_full_disk_before_the_lock_is_written_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import errno

    real_open = builtins.open

    class Full:
        def __init__(self, handle: object) -> None:
            self.handle = handle

        def __getattr__(self, name: str) -> object:
            return getattr(self.handle, name)

        def write(self, _text: str) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def opener(path: object, *args: object, **kwargs: object) -> object:
        handle = real_open(path, *args, **kwargs)  # type: ignore[call-overload]
        return Full(handle) if str(path).endswith(".lock") else handle

    monkeypatch.setattr(builtins, "open", opener)
    out = tmp_path / "o"
    out.mkdir()
    with pytest.raises(InputError, match="No space left on device") as caught:
        acquire(out)
    assert caught.value.key == "run_out_unusable"


# --------------------------------------------------------------------------- the lock
def test_a_second_run_exits_at_once_naming_the_first(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    with acquire(out):
        code, text = invoke(*run_args(store, out, "2025"))
    assert code == 1 and f"PID {os.getpid()}" in text and "in use by another run" in text
    assert not packs(out)


def test_a_lock_left_by_a_dead_run_is_recovered(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / LOCK_NAME).write_text('{"pid": 999999, "started": "2026-01-01T02:00:00"}')
    path = config(tmp_path, store, steps=QUICK, out=str(out))
    code, text = invoke("run", "--config", str(path), "--log-format", "json")
    assert code == 0, text
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    warning = next(e for e in entries if e["level"] == "warning")
    assert "PID 999999" in warning["message"] and "recovered" in warning["message"]


def _run_process(store: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fourS_analytics",
            "--lang",
            "en",
            "run",
            "--data",
            str(store),
            "--out",
            str(out),
            "--period",
            "2025",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _steps(tmp_path: Path, store: Path, out: Path, steps: list[str]) -> str:
    return str(config(tmp_path, store, steps=steps, out=str(out), keep=0))


def test_two_runs_started_together(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    # long enough (several seconds) that a slow start of either process still overlaps
    steps = _steps(tmp_path, store, out, ["validate", "kpi", "loyalty", "churn"])
    first, second = (
        _run_process(store, out, "--config", steps),
        _run_process(store, out, "--config", steps),
    )
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    loser = next(err for code, err in results if code == 1)
    assert "in use by another run (PID" in loser and "Traceback" not in loser
    assert len(packs(out)) == 1


def test_a_run_killed_part_way_leaves_the_previous_pack(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    quick = _steps(tmp_path, store, out, QUICK)
    code, text = invoke("run", "--config", quick)
    assert code == 0, text
    before = os.readlink(out / "latest")
    manifest = (out / before / "manifest.json").read_bytes()
    time.sleep(1.05)
    victim = _run_process(store, out, "--keep", "0")
    deadline = time.time() + 120
    while (
        not any(p.name.startswith(".tmp-") and (p / "kpi").exists() for p in out.iterdir())
        and time.time() < deadline
    ):
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert os.readlink(out / "latest") == before
    assert (out / before / "manifest.json").read_bytes() == manifest
    assert packs(out) == [before]
    assert [p for p in out.iterdir() if p.name.startswith(".tmp-")]  # what it left
    time.sleep(1.05)
    code, text = invoke("run", "--config", quick)
    assert code == 0, text
    assert "recovered the lock" in text and "left by a run that died" in text
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]
    assert len(packs(out)) == 2 and os.readlink(out / "latest") != before


# --------------------------------------------------------------------------- the gate
def test_too_many_rejects_give_a_banner_and_exit_3(store: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(store, data)
    ros = data / "repair_orders.csv"
    frame = pd.read_csv(ros, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    bad = frame.sample(frac=0.08, random_state=1).index
    frame.loc[bad, "进厂时间"] = "not a date"
    frame.to_csv(ros, index=False, encoding="utf-8-sig")
    out = tmp_path / "o"
    path = config(tmp_path, data, steps=["validate", "kpi", "report"], out=str(out))
    code, text = invoke("run", "--config", str(path))
    assert code == 3, text
    manifest = json.loads((out / "latest" / "manifest.json").read_text("utf-8"))
    assert manifest["data_quality"]["passed"] is False
    assert 0.07 < manifest["data_quality"]["reject_rates"]["repair_orders"] < 0.09
    banner = manifest["data_quality"]["banner"]
    assert "repair_orders" in banner
    report = out / "latest" / "report"
    assert banner in (report / "report_2025.md").read_text("utf-8")
    import html

    assert html.escape(banner) in (report / "report_2025.html").read_text("utf-8")
    from pptx import Presentation

    deck = Presentation(str(report / "report_2025.pptx"))
    assert banner in deck.slides[0].placeholders[1].text
    assert (out / "latest" / "rejects.csv").stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------------------- store folders
def test_one_folder_per_store_is_run_store_by_store(tmp_path: Path) -> None:
    from fourS_analytics.sample import generate_split

    data = tmp_path / "group"
    generate_split(data, replace(StoreParams(), vehicles=1000, years=3, stores=2), seed=3)
    out = tmp_path / "o"
    code, text = invoke(*run_args(data, out, "2025"))
    assert code == 0, text
    pack = out / "latest"
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    assert manifest["stores"] == ["S01", "S02"]
    assert manifest["accounting"]["adds_up"] is True
    assert {s["status"] for s in manifest["steps"]} == {"ok"}
    for store in ("S01", "S02"):
        for rel in (
            "validation.json",
            "kpi/kpi.csv",
            "loyalty/loyal_top.csv",
            "churn/winback.csv",
            "workload/capacity_board.csv",
            "report/report_2025.pptx",
        ):
            assert (pack / store / rel).exists(), f"{store}/{rel}"
    # the group report's revenue is the sum of the stores' revenues
    revenue = {
        s: pd.read_csv(pack / s / "kpi" / "kpi.csv").set_index("kpi").at["revenue", "value"]
        for s in ("S01", "S02")
    }
    by_store = pd.read_csv(pack / "_group" / "kpi_by_store.csv").set_index("store")
    assert by_store.loc["S01", "revenue"] == pytest.approx(revenue["S01"])
    group_md = (pack / "_group" / "report" / "report_2025.md").read_text("utf-8")
    total = f"{(revenue['S01'] + revenue['S02']) / 1e6:,.2f} M"  # on stage, rounded
    assert f"Revenue: {total}" in group_md
    assert "| S01 |" in group_md and "| S02 |" in group_md


def test_a_period_the_exports_do_not_reach_is_one_clear_error(store: Path, tmp_path: Path) -> None:
    code, text = invoke(*run_args(store, tmp_path / "o", "2026-10"))
    assert code == 1 and "no repair orders in the period 2026-10" in text
    assert "the exports run from 2023-" in text and "Traceback" not in text
    # in Chinese the span is joined by 至, not by the English "to"
    result = CliRunner().invoke(cli, ["--lang", "zh", *run_args(store, tmp_path / "o", "2026-10")])
    assert result.exit_code == 1
    assert re.search(r"导出数据范围 2023-\d\d-\d\d 至 20\d\d-\d\d-\d\d）", result.output)
    assert " to " not in result.output


def test_exports_without_a_dated_repair_order_say_so(tmp_path: Path) -> None:
    from fourS_analytics.run.stores import check_period
    from fourS_analytics.timeframe import parse_period

    undated = pd.DataFrame({"open_time": pd.Series([pd.NaT, pd.NaT], dtype="datetime64[ns]")})
    dataset = SimpleNamespace(tables={"repair_orders": undated})
    with pytest.raises(InputError) as caught:
        check_period(parse_period("2025"), dataset, tmp_path)  # type: ignore[arg-type]
    assert caught.value.key == "run_no_repair_orders"
    assert "none in the period 2025" in str(caught.value) and "NaT" not in str(caught.value)
