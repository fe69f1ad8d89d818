"""Where the stores of a group run: in this process one after another, or as independent tasks
on a Dask cluster (``dask.distributed``): a local one of ``workers`` processes, or an existing
one at ``scheduler``.

Each task is one :class:`~.stores.StoreJob`; it reads its exports and writes its files into
the pack being built (a cluster on several machines needs the data and OUT folders on a file
system they share, at the same paths), and gives back a small :class:`~.stores.StoreOutcome`.
A worker owns one core: one thread per worker, BLAS/OpenMP limited to one thread in the task
(threadpoolctl) and in the worker's environment (Dask's nanny sets ``OMP_NUM_THREADS=1`` and
its kin before a worker starts). A task whose worker dies is run again on another worker (Dask
retries it; the store's folder is emptied first); a store whose task cannot finish is marked
failed, and the others go on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import STEPS
from ..errors import FoursError, InputError
from ..forks import cores
from ..threads import THREAD_VARIABLES
from .stores import StepRecord, StoreJob, StoreOutcome, worker_name

WORKER_ENVIRON = dict.fromkeys(THREAD_VARIABLES, 1)  # what one_thread says, before a worker starts
# A worker's own watchers, each taking the GIL from the store's work on its thread: the
# statistical profiler every 10 ms, the event loop's tick every 20 ms, the system monitor
# every 0.5 s. They feed the dashboard, which a pack's run does not show; with them a store
# took 6 % longer (benchmarks/RESULTS.md). The nanny keeps this configuration for a worker
# it restarts. Heartbeats, the memory monitor and its limits are left as Dask sets them.
QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}
# The local cluster's scheduler hands a worker its next store only when it has finished the
# last (Dask's default, 1.1, lets a one-thread worker hold a second store in its own queue,
# where another worker that falls idle can only take it by stealing)
ONE_AT_A_TIME = {"distributed.scheduler.worker-saturation": 1.0}
Progress = Callable[[int, int, StoreOutcome, float], None]  # done, total, outcome, eta (s)


def _run_job(job: StoreJob) -> StoreOutcome:
    return job.run(worker_name())


def export_bytes(folder: Path) -> int:
    """The size of a store's exports (0 where they cannot be listed)."""
    from ..ingest import expand_paths

    try:
        return sum(Path(f).stat().st_size for f in expand_paths([folder])[0])
    except (FoursError, OSError):
        return 0


def largest_first(jobs: list[StoreJob]) -> list[int]:
    """The jobs' indexes, the store with the largest exports first (ties in the jobs' order):
    the order a cluster should start them in. Started in the folders' order, a group's
    largest store could start last and run alone while the other workers wait; started
    largest first, the last to start are the shortest (longest processing time first)."""
    size = [export_bytes(job.folder) for job in jobs]
    return sorted(range(len(jobs)), key=lambda i: (-size[i], i))


def run_jobs(
    jobs: list[StoreJob],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    log: Callable[[int, int, str], None] | None = None,
) -> list[StoreOutcome]:
    """Every job's outcome, in the jobs' order (whatever order they finish in)."""
    workers = cores() if workers is None else workers  # a container's CPU set
    begin = time.perf_counter()
    outcomes: dict[int, StoreOutcome] = {}

    def done(i: int, outcome: StoreOutcome) -> None:
        outcomes[i] = outcome
        if progress is not None:
            elapsed = time.perf_counter() - begin
            left = len(jobs) - len(outcomes)
            progress(len(outcomes), len(jobs), outcome, elapsed / len(outcomes) * left)

    if len(jobs) <= 1 or (scheduler is None and workers <= 1):  # nothing to spread
        for i, job in enumerate(jobs):
            done(i, job.run("local"))
        return [outcomes[i] for i in range(len(jobs))]

    from distributed import Client, as_completed

    cluster: Any = None
    if scheduler is None:
        cluster = local_cluster(min(workers, len(jobs)))
    try:
        client = Client(cluster if cluster is not None else scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise InputError(
            "run_no_scheduler", address=scheduler or "local", reason=str(exc).splitlines()[0]
        ) from None
    if log is not None:
        where = scheduler or "local"
        log(len(jobs), len(client.scheduler_info(n_workers=-1).get("workers", {})), where)
    try:
        order = largest_first(jobs)
        futures = {
            client.submit(
                _run_job,
                replace(jobs[i], log_live=False, events=[]),
                key=f"fours-store-{i}",
                pure=False,
                priority=len(jobs) - rank,  # Dask runs a higher priority first
            ): i
            for rank, i in enumerate(order)
        }
        for future in as_completed(futures):
            i = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the task could not finish (its workers kept dying)
                outcome = lost(jobs[i], exc)
            done(i, outcome)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [outcomes[i] for i in range(len(jobs))]


def lost(job: StoreJob, exc: BaseException) -> StoreOutcome:
    """A store whose task never came back: every step pending, the store failed, why."""
    reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
    records = {name: StepRecord(name) for name in STEPS}
    for name in STEPS:
        if name not in job.settings.run.steps:
            records[name].status = "skipped"
    return StoreOutcome(job.store, records, [], failed=True, error=reason, worker="")


def local_cluster(workers: int) -> Any:
    """A Dask cluster of ``workers`` processes on this machine, one thread each.

    The workers' environment: one BLAS/OpenMP thread each, as Dask sets by default, but not
    its MALLOC_TRIM_THRESHOLD_: a fixed trim threshold turns off glibc's dynamic mmap
    threshold, and every large pandas array is then mapped and unmapped afresh (measured
    here: 30 % slower customer bases in one process). The scheduler's web server listens on a
    free port of the loopback only: ``dashboard_address=None`` does not turn it off (dask
    issue 8136), and two runs at once on one machine (two cron jobs) warned that port 8787
    was taken. The workers' dashboard watchers are slowed or off (``QUIET``), and a worker
    is given one store at a time (``ONE_AT_A_TIME``).
    """
    import copy

    import dask
    from distributed import LocalCluster

    environ = {"distributed.nanny.pre-spawn-environ": dict(WORKER_ENVIRON)}
    with dask.config.set({**environ, **QUIET, **ONE_AT_A_TIME}):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
            # a copy for the nanny to start a worker again with: the nanny's own merge
            # shares the nested settings, which this block puts back as it ends
            config=copy.deepcopy(dask.config.config),
        )
