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

Only where ``fork`` exists and is safe and no other Python thread runs (:mod:`..forks`);
else every file is written in the run's process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import forks
from ..forks import Child, Describe, Done


@dataclass
class Written:
    """What one hand-over gave: the files written, or why not, and how long it took."""

    step: str
    order: int  # the hand-overs' sequence
    paths: list[Path] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


@dataclass
class Task:
    """A child at work for the run: a writer (its value the files it wrote) or a step."""

    step: str
    order: int
    child: Child
    writes: bool


class Background:
    """Hands a step's writing to a forked child when one of ``slots`` is free, and runs a
    step beside the run (:meth:`beside`) when the run asks."""

    def __init__(self, slots: int, describe: Describe) -> None:
        self.slots = max(slots, 0)  # each child also needs forks.can_fork() when it starts
        self.describe = describe
        self._running: list[Task] = []
        self._done: list[Written] = []
        self._handed = 0

    def in_child(self) -> None:
        """In a child made by :meth:`beside`: its own files written by itself (the parent's
        children are not its own to wait for)."""
        self.slots, self._running, self._done = 0, [], []

    def _start(self, step: str, func: Callable[[], Any], *, writes: bool) -> Task:
        what = "writing its files" if writes else "running the step"
        task = Task(step, self._handed, forks.start(step, func, self.describe, what), writes)
        self._handed += 1
        self._running.append(task)
        return task

    def write(self, step: str, func: Callable[[], list[Path]]) -> list[Path]:
        """The files ``func`` writes: written now (returned) or by a child (returned by
        :meth:`finish`; ``[]`` here)."""
        self._reap(block=False)
        writing = sum(task.writes for task in self._running)  # a child beside is apart
        if writing >= self.slots or not forks.can_fork():
            return func()
        self._start(step, lambda: [str(p) for p in func()], writes=True)
        return []

    def beside(self, step: str, func: Callable[[], Any]) -> Task | None:
        """``func`` run by a child while the run goes on (its value must pickle), or ``None``
        if no child can be made: the caller runs it itself."""
        if not self.slots or not forks.can_fork():
            return None
        return self._start(step, func, writes=False)

    def join(self, task: Task) -> Done:
        """What ``task``'s child gave, after it ended."""
        self._running.remove(task)
        return task.child.join()

    def _reap(self, *, block: bool) -> None:
        for task in [t for t in self._running if t.writes]:
            if not block and task.child.alive():
                continue
            self._running.remove(task)
            done = task.child.join()
            paths = [Path(p) for p in done.value] if done.value is not None else []
            self._done.append(Written(task.step, task.order, paths, done.error, done.seconds))

    def finish(self) -> list[Written]:
        """Every writing child's work, in the order it was handed over, after all have
        ended (a child run :meth:`beside` is the caller's to join)."""
        self._reap(block=True)
        done, self._done = sorted(self._done, key=lambda w: w.order), []
        return done
