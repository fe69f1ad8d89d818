"""A dealer group's stores as tasks on Dask (issue 16): the same bytes with one worker, two,
or an existing cluster; a store that fails does not sink the others; a worker killed
part-way is recovered from; progress in the log, not in cron's mail."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fourS_analytics.cli import cli
from fourS_analytics.run.engine import lost
from fourS_analytics.run.stores import StepRecord, StoreOutcome, merge_records
from fourS_analytics.sample import StoreParams, generate_split

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("group")
    generate_split(folder, replace(StoreParams(), vehicles=200, years=3, stores=2), seed=7)
    return folder


@pytest.fixture(scope="module")
def one_worker(group: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The group's pack with one worker (in-process), its log file: made once and shared by
    the tests below (each full pack of the two stores takes a while)."""
    out = tmp_path_factory.mktemp("one") / "packs"
    log = out.parent / "run.log"
    code, text = run_pack(group, out, "--workers", "1", "--log-file", str(log))
    assert code == 0, text
    assert "stores 1/2" not in text  # not a terminal (cron): no progress lines on stderr
    return out, log


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--lang", "en", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def run_pack(data: Path, out: Path, *extra: str) -> tuple[int, str]:
    """`fours run` of the 2025 pack: exit code and output."""
    return invoke("run", "--data", str(data), "--out", str(out), "--period", "2025", *extra)


def run(data: Path, out: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    code, text = run_pack(data, out, *extra)
    assert code == 0, text
    return json.loads((out / "latest" / "manifest.json").read_text("utf-8"))


def hashes(manifest: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {o["path"]: o["sha256"] for o in manifest["outputs"]}


def test_one_worker_two_workers_and_a_scheduler_give_the_same_bytes(
    group: Path, one_worker: tuple[Path, Path], tmp_path: Path
) -> None:
    from distributed import LocalCluster

    one = json.loads((one_worker[0] / "latest" / "manifest.json").read_text("utf-8"))
    # the workers keep each store's loaded exports (the cache), then read them back
    cache = ("--cache-dir", str(tmp_path / "cache"))
    two = run(group, tmp_path / "two", "--workers", "2", *cache)
    entries = {p.name: (p / "meta.json").stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()}
    assert len(entries) == 2  # an entry per store
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        there = run(group, tmp_path / "there", "--scheduler", cluster.scheduler_address, *cache)
    assert len(hashes(one)) > 60  # both stores' files and the group's
    assert hashes(one) == hashes(two) == hashes(there)
    # what each store's load did with the cache, in the manifest
    assert [r["cache"] for r in one["store_runs"]] == [None, None]
    assert [r["cache"] for r in two["store_runs"]] == ["stored", "stored"]
    assert [r["cache"] for r in there["store_runs"]] == ["hit", "hit"]
    again = {p.name: (p / "meta.json").stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()}
    assert again == entries  # read, not written anew
    # who ran what: in-process for one worker; two processes for two workers
    assert {r["worker"] for r in one["store_runs"]} == {"local"}
    assert {r["store"] for r in two["store_runs"]} == {"S01", "S02"}
    assert all(r["worker"].rsplit(":", 1)[1] != str(os.getpid()) for r in two["store_runs"])
    for r in two["store_runs"]:  # each step's time per store
        assert set(r["steps"]) == {
            "validate",
            "kpi",
            "loyalty",
            "churn",
            "workload",
            "lists",
            "report",
        }
        assert r["seconds"] >= sum(r["steps"].values()) - 0.01 and r["peak_rss_mb"] > 50
        # a worker owns one core: its CPU time is within its wall time (Dask's own threads
        # and a pyarrow read aside), and a store's run is mostly computing
        assert 0 < r["cpu_seconds"] <= 1.5 * r["seconds"] + 1


def test_a_store_that_fails_does_not_sink_the_others(group: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(group, data)
    # S02's export stops in 2019: the 2025 pack cannot be made for it
    (data / "S02" / "repair_orders.csv").write_text(
        "工单号,客户编号,VIN,进厂时间,维修类型,结算金额\n"
        "R1,C1,LSVAAAAAAAAAAAAA1,2019-03-01 09:00,保养,800\n",
        encoding="utf-8",
    )
    for other in (data / "S02").iterdir():
        if other.name != "repair_orders.csv":
            other.unlink() if other.is_file() else shutil.rmtree(other)
    out = tmp_path / "o"
    code, text = run_pack(data, out, "--workers", "2")
    assert code == 1, text
    assert "Traceback" not in text
    manifest = json.loads((out / "latest" / "manifest.json").read_text("utf-8"))
    runs = {r["store"]: r for r in manifest["store_runs"]}
    assert runs["S01"]["status"] == "ok" and runs["S02"]["status"] == "failed"
    assert "2019-03-01" in runs["S02"]["error"]  # the span the export covers
    assert (out / "latest" / "S01" / "report" / "report_2025.pptx").exists()
    group_md = (out / "latest" / "_group" / "report" / "report_2025.md").read_text("utf-8")
    assert "Store S02 did not finish" in group_md
    assert manifest["exit_code"] == 1


def test_a_worker_killed_part_way_is_recovered_and_the_next_run_succeeds(
    group: Path, one_worker: tuple[Path, Path], tmp_path: Path
) -> None:
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "o"
    shutil.copytree(one_worker[0], out, symlinks=True)  # the previous pack
    before = os.readlink(out / "latest")
    manifest = (out / before / "manifest.json").read_bytes()
    time.sleep(1.05)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fourS_analytics",
            "--lang",
            "en",
            "run",
            "--data",
            str(group),
            "--out",
            str(out),
            "--period",
            "2025",
            "--workers",
            "2",
            "--keep",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # the workers: processes the run spawned (Dask's nannies live in the run's own process)
    deadline = time.time() + 180
    killed = None
    while killed is None and time.time() < deadline and proc.poll() is None:
        started = [
            p for p in out.iterdir() if p.name.startswith(".tmp-") and any(p.glob("S0*/kpi"))
        ]
        workers = [
            c for c in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(c.cmdline())
        ]
        if started and workers:
            killed = workers[0].pid
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    assert killed is not None, "no worker to kill"
    assert os.readlink(out / "latest") == before  # mid-run: the previous pack stands
    assert (out / before / "manifest.json").read_bytes() == manifest
    code = proc.wait(timeout=600)
    err = proc.stderr.read() if proc.stderr else ""
    assert code in (0, 1) and "Traceback" not in err, err
    if code == 0:  # Dask ran the lost store again on a worker that lives: a whole pack
        latest = json.loads((out / "latest" / "manifest.json").read_text("utf-8"))
        assert {r["status"] for r in latest["store_runs"]} == {"ok"}
    else:  # or it gave up on that store: the previous pack stays the latest
        assert os.readlink(out / "latest") == before
    time.sleep(1.05)
    again = run(group, out, "--workers", "2")
    assert {r["status"] for r in again["store_runs"]} == {"ok"}
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]


def test_progress_goes_to_the_log_file_not_to_crons_mail(one_worker: tuple[Path, Path]) -> None:
    log = one_worker[1]  # the run's stderr was not a terminal: checked in the fixture
    lines = [line for line in log.read_text("utf-8").splitlines() if "stores " in line]
    assert [line.split(" INFO ")[1].split(":")[0] for line in lines] == [
        "stores 1/2",
        "stores 2/2",
    ]
    assert "about 0 s left" in lines[-1]


def test_merging_the_stores_records() -> None:
    def outcome(store: str, **status: str) -> StoreOutcome:
        records = {n: StepRecord(n, status=s, seconds=1.0) for n, s in status.items()}
        return StoreOutcome(store, records, [])

    a = outcome("A", validate="ok", churn="ok")
    a.records["churn"].outputs.append("A/churn/winback.csv")
    b = outcome("B", validate="ok", churn="skipped")
    b.records["churn"].skipped.append("B: too little history")
    c = outcome("C", validate="failed", churn="pending")
    c.records["validate"].error = "no such period"
    for o in (a, b, c):
        for name in ("kpi", "loyalty", "workload", "lists", "report"):
            o.records[name] = StepRecord(name, status="skipped")
    merged = merge_records([a, b])
    assert merged["churn"].status == "degraded"  # ran for A, skipped for B with its reason
    assert merged["churn"].seconds == 2.0 and merged["churn"].skipped == ["B: too little history"]
    assert merged["kpi"].status == "skipped"
    merged = merge_records([a, c])
    assert merged["validate"].status == "failed" and merged["validate"].error == "C: no such period"
    gone = lost(
        type(
            "Job",
            (),
            {
                "store": "D",
                "settings": type("S", (), {"run": type("R", (), {"steps": ("validate",)})}),
            },
        )(),  # type: ignore[arg-type]
        RuntimeError("worker died\nmore"),
    )
    assert gone.failed and gone.error == "RuntimeError: worker died"
    assert (
        gone.records["validate"].status == "pending" and gone.records["churn"].status == "skipped"
    )


def test_two_runs_at_once_do_not_fight_over_the_dashboard_port() -> None:
    """A second cluster on the machine (two cron jobs, two CI runs) warned "Port 8787 is
    already in use": the scheduler's web server now takes a free port on the loopback."""
    import socket
    import warnings

    from fourS_analytics.run.engine import local_cluster

    held = socket.socket()
    try:
        held.bind(("127.0.0.1", 8787))  # what another cluster would hold
        held.listen()
    except OSError:  # something holds it already: the case under test
        pass
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always", UserWarning)
            cluster = local_cluster(1)
        assert not [w for w in said if "already in use" in str(w.message)]
        try:
            link = str(cluster.dashboard_link)
            assert "127.0.0.1" in link and ":8787/" not in link
        finally:
            cluster.close()
    finally:
        held.close()


def test_the_local_workers_run_without_the_dashboard_watchers() -> None:
    """Dask's statistical profiler (every 10 ms), its tick (20 ms) and system monitor (0.5 s)
    took the GIL from a store's work: a store took 6 % longer. The local cluster's workers,
    and one the nanny restarts, run without the profiler and with the other two slowed."""
    from distributed import Client

    from fourS_analytics.run.engine import local_cluster

    def watchers(dask_worker: Any) -> tuple[bool, float, float]:
        callbacks = dask_worker.periodic_callbacks
        return (
            "profile" in callbacks,
            callbacks["tick"].callback_time,
            callbacks["monitor"].callback_time,
        )

    cluster = local_cluster(1)
    try:
        with Client(cluster) as client:
            assert list(client.run(watchers).values()) == [(False, 1000.0, 5000.0)]
            client.restart()
            assert list(client.run(watchers).values()) == [(False, 1000.0, 5000.0)]
    finally:
        cluster.close()


STARTED: list[str] = []  # the fake stores' names in the order a worker started them


@dataclass
class _FakeJob:
    """Enough of a StoreJob for run_jobs: its folder's exports give its size."""

    store: str
    folder: Path
    log_live: bool = True
    events: list[Any] = field(default_factory=list)

    def run(self, worker: str = "local") -> StoreOutcome:
        STARTED.append(self.store)
        time.sleep(0.05)
        return StoreOutcome(self.store, {}, [], worker=worker)


def test_a_cluster_starts_the_largest_store_first(tmp_path: Path) -> None:
    """Started in the folders' order, a group's largest store could start last and run alone
    while the other workers wait. The stores go to the cluster largest exports first (ties
    in the folders' order), and the outcomes still come back in the folders' order. The
    local cluster gives a worker one store at a time (Dask's default saturation, 1.1, let a
    one-thread worker queue a second)."""
    from distributed import LocalCluster

    from fourS_analytics.run.engine import largest_first, local_cluster, run_jobs

    sizes = {"a_small": 1_000, "b_large": 90_000, "c_mid": 40_000, "d_mid": 40_000}
    jobs = []
    for name, size in sizes.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "repair_orders.csv").write_text("工单号,进厂时间\n" + "x" * size, "utf-8")
        jobs.append(_FakeJob(name, folder))
    jobs.append(_FakeJob("e_none", tmp_path / "e_none"))  # no exports there: size 0
    assert largest_first(jobs) == [1, 2, 3, 0, 4]  # type: ignore[arg-type]

    STARTED.clear()
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        outcomes = run_jobs(jobs, scheduler=cluster.scheduler_address)  # type: ignore[arg-type]
    assert STARTED == ["b_large", "c_mid", "d_mid", "a_small", "e_none"]
    assert [o.store for o in outcomes] == [*sizes, "e_none"]

    cluster = local_cluster(1)
    try:
        assert cluster.scheduler.WORKER_SATURATION == 1.0
    finally:
        cluster.close()


def test_a_stores_cpu_seconds_count_its_computing_and_its_childrens_not_its_waiting() -> None:
    """What the manifest's cpu_seconds measures (run/stores._cpu_seconds): work done by the
    process and by the children it waited for; time asleep is not counted."""
    import multiprocessing
    import time

    from fourS_analytics.run.stores import _cpu_seconds

    def spin(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass

    start = _cpu_seconds()
    time.sleep(0.4)
    slept = _cpu_seconds() - start
    start = _cpu_seconds()
    spin(0.4)
    spun = _cpu_seconds() - start
    start = _cpu_seconds()
    child = multiprocessing.get_context("fork").Process(target=spin, args=(0.4,))
    child.start()
    child.join()
    by_child = _cpu_seconds() - start
    assert slept < 0.1
    assert 0.25 <= spun <= 0.6  # CPU time on a shared machine: at most the wall time
    assert 0.25 <= by_child <= 0.6
