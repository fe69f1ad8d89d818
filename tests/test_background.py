"""A single store's files written by a forked child while the run computes (issue 16): the
same bytes as writing them in the run's own process, a child's failure or death a failed step
with its reason, and no child left behind."""

from __future__ import annotations

import errno
import json
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from fourS_analytics import forks as bg
from fourS_analytics.run.background import Background
from fourS_analytics.run.stores import describe
from fourS_analytics.sample import StoreParams, generate

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork: Linux and the BSDs")


def say(exc: BaseException) -> str:
    return describe(exc, "en")


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's process may hold another library's idle threads (Dask's, from another
    test): the children here only write files, so they are forked all the same."""
    monkeypatch.setattr(bg, "can_fork", lambda: True)


def test_a_child_writes_what_the_results_were_when_it_was_handed_over(
    tmp_path: Path, forks: None
) -> None:
    figures = {"revenue": 100}
    writers = Background(1, say)

    def write() -> list[Path]:
        path = tmp_path / "kpi.txt"
        path.write_text(f"{figures['revenue']} {os.getpid()}", encoding="utf-8")
        return [path]

    assert writers.write("kpi", write) == []  # handed over: its files come from finish()
    figures["revenue"] = 999  # the run goes on changing its own objects
    done = writers.finish()
    assert [(d.step, d.paths, d.error) for d in done] == [("kpi", [tmp_path / "kpi.txt"], "")]
    revenue, pid = (tmp_path / "kpi.txt").read_text("utf-8").split()
    assert revenue == "100" and int(pid) != os.getpid()  # the snapshot, in another process
    assert done[0].seconds >= 0 and writers.finish() == []


def test_with_every_slot_busy_the_run_writes_itself(tmp_path: Path, forks: None) -> None:
    gate_r, gate_w = os.pipe()
    writers = Background(1, say)

    def slow() -> list[Path]:
        os.read(gate_r, 1)  # held until the parent says go
        (tmp_path / "a").write_text("a")
        return [tmp_path / "a"]

    def quick() -> list[Path]:
        (tmp_path / "b").write_text(str(os.getpid()))
        return [tmp_path / "b"]

    assert writers.write("churn", slow) == []
    assert writers.write("workload", quick) == [tmp_path / "b"]  # the slot is taken: now
    assert (tmp_path / "b").read_text() == str(os.getpid())
    os.write(gate_w, b"x")
    assert [d.step for d in writers.finish()] == ["churn"]
    os.close(gate_r)
    os.close(gate_w)


def test_no_slot_or_no_fork_writes_in_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def write() -> list[Path]:
        (tmp_path / "x").write_text(str(os.getpid()))
        return [tmp_path / "x"]

    assert Background(0, say).write("kpi", write) == [tmp_path / "x"]
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # another Python thread
    assert not bg.can_fork()
    assert Background(1, say).write("kpi", write) == [tmp_path / "x"]
    assert (tmp_path / "x").read_text() == str(os.getpid())


def test_a_child_that_fails_or_dies_is_a_failed_step(tmp_path: Path, forks: None) -> None:
    writers = Background(2, say)

    def full() -> list[Path]:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "churn.csv"))

    def killed() -> list[Path]:
        os.kill(os.getpid(), signal.SIGKILL)
        return []

    writers.write("churn", full)
    writers.write("lists", killed)
    done = {d.step: d for d in writers.finish()}
    assert done["churn"].error == f"No space left on device: {tmp_path / 'churn.csv'}"
    assert done["lists"].error == "the process writing its files ended (signal 9)"
    assert done["churn"].paths == done["lists"].paths == []


def test_a_child_dies_with_the_run(tmp_path: Path) -> None:
    """SIGKILL of the run's process ends its writing child too (Linux: PR_SET_PDEATHSIG), so
    nothing writes into the abandoned pack after the next run has cleared it."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    pid_file = tmp_path / "child.pid"
    script = f"""
import os, sys, time
from pathlib import Path
from fourS_analytics import forks
from fourS_analytics.run.background import Background
forks.can_fork = lambda: True
def write():
    Path({str(pid_file)!r}).write_text(str(os.getpid()))
    time.sleep(60)
    return []
Background(1, str).write("lists", write)
time.sleep(60)
"""
    run = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            assert run.poll() is None, "the run ended before its child started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        run.kill()
        run.wait()
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        run.kill()


def _alive(pid: int) -> bool:
    """A process that runs (a zombie has ended: its parent, here gone, had to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    generate(folder, replace(StoreParams(), vehicles=400, years=3), seed=5)
    return folder


def _run(store: Path, out: Path, workers: int) -> dict:  # type: ignore[type-arg]
    """`fours run` in a fresh process (the suite's own may hold other libraries' threads)."""
    cmd = [sys.executable, "-m", "fourS_analytics", "-q", "--lang", "en", "run"]
    cmd += ["--data", str(store), "--out", str(out), "--period", "2025"]
    done = subprocess.run(
        [*cmd, "--workers", str(workers)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return json.loads((out / "latest" / "manifest.json").read_text("utf-8"))


def test_one_store_with_a_spare_core_gives_the_same_bytes(store: Path, tmp_path: Path) -> None:
    alone = _run(store, tmp_path / "one", 1)
    beside = _run(store, tmp_path / "two", 2)
    hashes = [{o["path"]: o["sha256"] for o in m["outputs"]} for m in (alone, beside)]
    assert len(hashes[0]) > 40 and hashes[0] == hashes[1]
    steps = [{s["name"]: s for s in m["steps"]} for m in (alone, beside)]
    for name in steps[0]:  # each step names the same files, whoever wrote them
        assert steps[0][name]["outputs"] == steps[1][name]["outputs"], name
        assert steps[0][name]["status"] == steps[1][name]["status"] == "ok", name
    assert all(s["background_seconds"] == 0 for s in steps[0].values())
    # with a spare core the analyses' files were written beside the run
    apart = {n for n, s in steps[1].items() if s["background_seconds"] > 0}
    assert {"loyalty", "churn"} <= apart and "report" not in apart


@pytest.mark.parametrize("step", ["churn", "kpi"])  # a writer's child; the child beside
def test_a_child_that_cannot_write_fails_the_run_and_publishes_nothing(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: None, step: str
) -> None:
    from fourS_analytics import publish
    from fourS_analytics.config import RunSettings, Settings
    from fourS_analytics.run import Runner

    real, real_kpis = publish.write_analysis, publish.write_kpi_folder
    run = os.getpid()

    def full(path: str) -> OSError:
        assert os.getpid() != run  # the failure happens in a child
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    def analysis(name: str, *args: object, **kwargs: object) -> dict[str, Path]:
        if name == step:
            raise full(f"{name}.csv")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    def kpis(*args: object, **kwargs: object) -> list[Path]:
        if step == "kpi":
            raise full("kpi.csv")
        return real_kpis(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(publish, "write_analysis", analysis)
    monkeypatch.setattr(publish, "write_kpi_folder", kpis)
    out = tmp_path / "o"
    settings = Settings(run=RunSettings(data=str(store), out=str(out), period="2025", workers=2))
    failed = rf"step {step} failed: No space left on device: {step}\.csv"
    with pytest.raises(Exception, match=failed):
        Runner(settings, lang="en").run()
    assert not (out / "latest").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]
    assert multiprocessing.active_children() == []


def test_a_child_beside_that_dies_hands_its_steps_back_to_the_run(
    store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forks: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The child running the KPIs and the workload is killed (out of memory, say): the run
    says so and runs them itself; the pack is whole."""
    from fourS_analytics import publish
    from fourS_analytics.config import RunSettings, Settings
    from fourS_analytics.run import Runner

    real, run, once = publish.write_kpi_folder, os.getpid(), tmp_path / "killed"

    def killed_in_a_child(*args: object, **kwargs: object) -> list[Path]:
        if os.getpid() != run and not once.exists():  # the child beside, the first time
            once.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(publish, "write_kpi_folder", killed_in_a_child)
    out = tmp_path / "o"
    settings = Settings(run=RunSettings(data=str(store), out=str(out), period="2025", workers=2))
    with caplog.at_level(logging.WARNING):
        Runner(settings, lang="en").run()
    manifest = json.loads((out / "latest" / "manifest.json").read_text("utf-8"))
    steps = {s["name"]: s for s in manifest["steps"]}
    assert all(s["status"] == "ok" for s in steps.values())
    assert not steps["kpi"]["beside"] and not steps["workload"]["beside"]  # ran in the run
    assert (out / "latest" / "kpi" / "kpi.csv").exists()
    assert any(p.startswith("workload/") for p in steps["workload"]["outputs"])
    said = caplog.text
    assert "The process running the kpi and workload steps beside the run failed (the " in said
    assert "process running the step ended (signal 9))" in said


def test_on_a_terminal_every_step_is_said_whichever_process_runs_it(
    store: Path, tmp_path: Path
) -> None:
    """The kpi and workload steps run in a child: their lines reach the terminal too."""
    import pty

    main, terminal = pty.openpty()
    cmd = [sys.executable, "-m", "fourS_analytics", "--lang", "en", "run", "--data", str(store)]
    cmd += ["--out", str(tmp_path / "o"), "--period", "2025", "--workers", "2"]
    done = subprocess.run(cmd, stderr=terminal, stdout=subprocess.DEVNULL, timeout=600)
    os.close(terminal)
    said = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal's other end is closed: all read
            break
        if not chunk:
            break
        said += chunk
    os.close(main)
    assert done.returncode == 0, said
    lines = said.decode("utf-8").splitlines()
    steps = [line for line in lines if line.startswith("step ")]
    names = ("validate", "kpi", "loyalty", "churn", "workload", "lists", "report")
    assert sorted(steps) == sorted(f"step {n} ..." for n in names)
    assert steps[0] == "step validate ..." and steps[-1] == "step report ..."


def test_no_child_while_openmp_runs_a_pool_of_threads() -> None:
    """OpenMP (libgomp) that has started threads hangs in a forked child that uses it (found
    with churn's backtest beside a fit on two threads): no child then, one at one thread."""
    script = """
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits
from fourS_analytics import forks
from fourS_analytics.threads import one_thread
x = np.random.default_rng(0).normal(size=(2000, 4)); y = x[:, 0] > 0
with threadpool_limits(limits=2, user_api="openmp"):
    HistGradientBoostingClassifier(max_iter=5).fit(x, y)
    print(forks.can_fork())
with one_thread():
    print(forks.can_fork())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.split() == ["False", "True"]
