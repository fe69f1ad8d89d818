"""A store's files written by a child process while the run computes its next step.

One large store runs its steps one after another in the run's own process; writing each
step's files (CSV, the lists' workbook, charts) is about a third of its time and needs
nothing the next step makes. With a spare core (``fours run`` of one unit, ``--workers`` 2 or
more), a step's writing is handed to a child made by ``fork``: it sees the step's results as
they are at that moment without copying them (copy-on-write pages), writes the files and
says which, and the run goes on with the next step. The files are the same bytes either way:
the same code writes them from the same results.

At most ``slots`` children write at once; when all are busy, the run writes the step's
files itself (both cores stay at work). :meth:`Background.finish` waits for every child
before the pack is committed, so the pack stays atomic: a child that fails or is killed is a
failed step, said with the reason, and the pack is not published.

Only where ``fork`` exists (Linux and the BSDs, not Windows or macOS, where forking a
process that has loaded system frameworks is unsafe) and no other Python thread runs (a fork
copies only the thread that calls it); else every file is written in the run's process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Describe = Callable[[BaseException], str]  # an exception in one line, in the run's language


@dataclass
class Written:
    """What one hand-over gave: the files written, or why not, and how long it took."""

    step: str
    order: int  # the hand-overs' sequence
    paths: list[Path] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


def can_fork() -> bool:
    return (
        sys.platform != "darwin"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def _die_with(parent: int) -> None:
    """Linux: the child is killed when the run's process dies (SIGKILL, out of memory), so
    nothing writes into a pack being built after its run has gone (the next run clears it)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no prctl: the child only ends when it is done
            pass
    if os.getppid() != parent:  # the run died before the line above
        os._exit(1)


def _child(func: Callable[[], list[Path]], describe: Describe, conn: Any, parent: int) -> None:
    _die_with(parent)
    gc.disable()  # a short life: collecting would copy the parent's pages it only reads
    start = time.perf_counter()
    try:
        paths = [str(p) for p in func()]
        conn.send(("", paths, time.perf_counter() - start))
    except BaseException as exc:  # said to the run, which fails the step
        conn.send((describe(exc), [], time.perf_counter() - start))
    finally:
        conn.close()


@dataclass
class _Running:
    step: str
    order: int
    process: Any
    conn: Any


class Background:
    """Hands a step's writing to a forked child when one of ``slots`` is free."""

    def __init__(self, slots: int, describe: Describe) -> None:
        self.slots = max(slots, 0) if can_fork() else 0
        self.describe = describe
        self._running: list[_Running] = []
        self._done: list[Written] = []
        self._handed = 0
        self._context = multiprocessing.get_context("fork") if self.slots else None

    def write(self, step: str, func: Callable[[], list[Path]]) -> list[Path]:
        """The files ``func`` writes: written now (returned) or by a child (returned by
        :meth:`finish`; ``[]`` here)."""
        self._reap(block=False)
        if self._context is None or len(self._running) >= self.slots:
            return func()
        receive, send = self._context.Pipe(duplex=False)
        sys.stdout.flush()  # else the child would flush the parent's buffered text again
        sys.stderr.flush()
        process = self._context.Process(
            target=_child,
            args=(func, self.describe, send, os.getpid()),
            name=f"fours-write-{step}",
        )
        with warnings.catch_warnings():
            # Python >= 3.12 warns of any other OS thread: here BLAS's idle pool, which
            # registers its own fork handlers; no other Python thread runs (can_fork)
            warnings.filterwarnings("ignore", ".*multi-threaded", DeprecationWarning)
            process.start()
        send.close()  # the child's end: the parent sees end-of-file if the child dies
        self._running.append(_Running(step, self._handed, process, receive))
        self._handed += 1
        return []

    def _reap(self, *, block: bool) -> None:
        for job in list(self._running):
            if not block and job.process.is_alive():
                continue
            self._done.append(self._collect(job))
            self._running.remove(job)

    @staticmethod
    def _collect(job: _Running) -> Written:
        try:
            error, paths, seconds = job.conn.recv()
        except (EOFError, OSError):  # it ended without a word: killed, or out of memory
            job.process.join()
            code = job.process.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            ended = f"the process writing its files ended ({how})"
            return Written(job.step, job.order, error=ended)
        finally:
            job.conn.close()
        job.process.join()
        return Written(job.step, job.order, [Path(p) for p in paths], error, round(seconds, 3))

    def finish(self) -> list[Written]:
        """Every child's work, in the order it was handed over, after all have ended."""
        self._reap(block=True)
        done, self._done = sorted(self._done, key=lambda w: w.order), []
        return done
