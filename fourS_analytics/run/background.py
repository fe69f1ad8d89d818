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


def _child(func: Callable[[], Any], describe: Describe, conn: Any, parent: int) -> None:
    _die_with(parent)
    gc.disable()  # a short life: collecting would copy the parent's pages it only reads
    begin = time.perf_counter()
    try:
        value = func()
        conn.send(("", value, time.perf_counter() - begin))
    except BaseException as exc:  # said to the run, which fails the step
        conn.send((describe(exc), None, time.perf_counter() - begin))
    finally:
        conn.close()


@dataclass
class Task:
    """A child at work: what it was given to do and how to hear from it."""

    step: str
    order: int
    process: Any
    conn: Any
    writes: bool  # its value is the files it wrote (collected by finish())


@dataclass
class Done:
    """A child's end: its value (``None`` if it failed), why not, how long it took."""

    value: Any
    error: str = ""
    seconds: float = 0.0


class Background:
    """Hands a step's writing to a forked child when one of ``slots`` is free, and runs a
    step beside the run (:meth:`beside`) when the run asks."""

    def __init__(self, slots: int, describe: Describe) -> None:
        self.slots = max(slots, 0) if can_fork() else 0
        self.describe = describe
        self._running: list[Task] = []
        self._done: list[Written] = []
        self._handed = 0
        self._context = multiprocessing.get_context("fork") if self.slots else None

    def in_child(self) -> None:
        """In a child made by :meth:`beside`: its own files written by itself (the parent's
        children are not its own to wait for)."""
        self.slots, self._context, self._running, self._done = 0, None, [], []

    def _start(self, step: str, func: Callable[[], Any], *, writes: bool) -> Task:
        assert self._context is not None
        receive, send = self._context.Pipe(duplex=False)
        sys.stdout.flush()  # else the child would flush the parent's buffered text again
        sys.stderr.flush()
        process = self._context.Process(
            target=_child,
            args=(func, self.describe, send, os.getpid()),
            name=f"fours-{step}",
        )
        with warnings.catch_warnings():
            # Python >= 3.12 warns of any other OS thread: here BLAS's idle pool, which
            # registers its own fork handlers; no other Python thread runs (can_fork)
            warnings.filterwarnings("ignore", ".*multi-threaded", DeprecationWarning)
            process.start()
        send.close()  # the child's end: the parent sees end-of-file if the child dies
        task = Task(step, self._handed, process, receive, writes)
        self._handed += 1
        self._running.append(task)
        return task

    def write(self, step: str, func: Callable[[], list[Path]]) -> list[Path]:
        """The files ``func`` writes: written now (returned) or by a child (returned by
        :meth:`finish`; ``[]`` here)."""
        self._reap(block=False)
        writing = sum(task.writes for task in self._running)  # a child beside is apart
        if self._context is None or writing >= self.slots:
            return func()
        self._start(step, lambda: [str(p) for p in func()], writes=True)
        return []

    def beside(self, step: str, func: Callable[[], Any]) -> Task | None:
        """``func`` run by a child while the run goes on (its value must pickle), or ``None``
        if no child can be made: the caller runs it itself. One more child than the slots
        may run for a while (a writer with it): better than the run waiting."""
        if self._context is None:
            return None
        return self._start(step, func, writes=False)

    def join(self, task: Task) -> Done:
        """What ``task``'s child gave, after it ended."""
        self._running.remove(task)
        return self._collect(task)

    def _reap(self, *, block: bool) -> None:
        for task in [t for t in self._running if t.writes]:
            if not block and task.process.is_alive():
                continue
            self._running.remove(task)
            done = self._collect(task)
            paths = [Path(p) for p in done.value] if done.value is not None else []
            self._done.append(Written(task.step, task.order, paths, done.error, done.seconds))

    @staticmethod
    def _collect(task: Task) -> Done:
        try:
            error, value, seconds = task.conn.recv()
        except (EOFError, OSError):  # it ended without a word: killed, or out of memory
            task.process.join()
            code = task.process.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            what = "writing its files" if task.writes else "running the step"
            return Done(None, f"the process {what} ended ({how})")
        finally:
            task.conn.close()
        task.process.join()
        return Done(value, error, round(seconds, 3))

    def finish(self) -> list[Written]:
        """Every writing child's work, in the order it was handed over, after all have
        ended (a child run :meth:`beside` is the caller's to join)."""
        self._reap(block=True)
        done, self._done = sorted(self._done, key=lambda w: w.order), []
        return done
