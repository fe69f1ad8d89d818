"""Work handed to a forked child while this process goes on: the mechanism under ``fours
run``'s writers and steps beside (:mod:`.run.background`) and churn's backtest beside its
final fit (:mod:`.churn`).

A child made by ``fork`` sees this process's data as they are at that moment without a copy
(copy-on-write pages), runs one function and sends back its value (pickled). Only where
``fork`` exists and is safe (Linux and the BSDs; not Windows, not macOS, where forking a
process that has loaded system frameworks is not) and no other Python thread runs (a fork
copies only the thread that calls it); else the caller does the work itself. The child is
killed when this process dies (Linux), so nothing it does outlives the run.

How many children an analysis may start beside itself is :func:`spare`, 0 unless the caller
says otherwise (:func:`spare_cores`): from Python an analysis runs in one process, as it
always did; ``fours run`` with a spare core and the commands on a machine of several cores
allow one.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

Describe = Callable[[BaseException], str]  # an exception in one line

_SPARE = [0]  # cores an analysis may use beside this process (spare_cores)


def can_fork() -> bool:
    return (
        sys.platform != "darwin"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and _one_thread_pools()
    )


def _one_thread_pools() -> bool:
    """Every OpenMP runtime loaded is at one thread (threads.one_thread): OpenMP (libgomp)
    that has started a pool of threads hangs in a forked child that uses it (found: churn's
    backtest in a child after a fit on two threads). The toolkit's steps run at one thread;
    a caller who allows a child outside them gets none. (OpenBLAS's pool is fork-safe: it
    stops and restarts its threads around a fork.)"""
    if "sklearn" not in sys.modules:
        return True  # scikit-learn loads the only OpenMP runtime the toolkit uses
    from threadpoolctl import threadpool_info

    return all(
        pool.get("num_threads", 1) <= 1
        for pool in threadpool_info()
        if pool.get("user_api") == "openmp"
    )


def cores() -> int:
    """The cores this process may use (a container's CPU set, not the host's)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def spare() -> int:
    """The children an analysis may start beside itself now."""
    return _SPARE[0]


@contextmanager
def spare_cores(n: int) -> Iterator[None]:
    """Inside the block an analysis may start ``n`` children beside itself."""
    before = _SPARE[0]
    _SPARE[0] = max(n, 0)
    try:
        yield
    finally:
        _SPARE[0] = before


def _die_with(parent: int) -> None:
    """Linux: the child is killed when its parent dies (SIGKILL, out of memory)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no prctl: the child only ends when it is done
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _child(func: Callable[[], Any], describe: Describe, conn: Any, parent: int) -> None:
    _die_with(parent)
    _SPARE[0] = 0  # a child starts no children of its own
    gc.disable()  # a short life: collecting would copy the parent's pages it only reads
    begin = time.perf_counter()
    try:
        value = func()
        conn.send(("", value, time.perf_counter() - begin))
    except BaseException as exc:  # said to the parent, which decides
        conn.send((describe(exc), None, time.perf_counter() - begin))
    finally:
        conn.close()


@dataclass
class Done:
    """A child's end: its value (``None`` if it failed), why not, how long it took."""

    value: Any
    error: str = ""
    seconds: float = 0.0


@dataclass
class Child:
    """A child at work."""

    name: str
    process: Any
    conn: Any
    what: str  # what it does, for the message if it dies ("writing its files")

    def alive(self) -> bool:
        return bool(self.process.is_alive())

    def join(self) -> Done:
        """What the child gave, after it ended."""
        try:
            error, value, seconds = self.conn.recv()
        except (EOFError, OSError):  # it ended without a word: killed, or out of memory
            self.process.join()
            code = self.process.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            return Done(None, f"the process {self.what} ended ({how})")
        finally:
            self.conn.close()
        self.process.join()
        return Done(value, error, round(seconds, 3))


def start(name: str, func: Callable[[], Any], describe: Describe, what: str) -> Child:
    """``func`` run by a forked child (the caller checked :func:`can_fork`)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    sys.stdout.flush()  # else the child would flush the parent's buffered text again
    sys.stderr.flush()
    process = context.Process(
        target=_child, args=(func, describe, send, os.getpid()), name=f"fours-{name}"
    )
    with warnings.catch_warnings():
        # Python >= 3.12 warns of any other OS thread: here BLAS's idle pool, which registers
        # its own fork handlers; no other Python thread runs (can_fork)
        warnings.filterwarnings("ignore", ".*multi-threaded", DeprecationWarning)
        process.start()
    send.close()  # the child's end: the parent sees end-of-file if the child dies
    return Child(name, process, receive, what)


def beside(name: str, func: Callable[[], Any]) -> Child | None:
    """``func`` started in a child if the caller allows one (:func:`spare`) and this process
    can fork; else ``None`` and the caller runs it itself."""
    if spare() < 1 or not can_fork():
        return None
    return start(name, func, lambda exc: f"{type(exc).__name__}: {exc}", "running it")


def divide(
    name: str,
    work: Callable[[list[Any]], dict[Any, Any]],
    mine: list[Any],
    theirs: list[Any],
) -> dict[Any, Any]:
    """``work(mine)`` here while a forked child does ``work(theirs)`` beside it, when the
    caller allows a child (:func:`beside`); else ``work`` on both here. ``work`` maps each
    item to its result; the two maps are merged. While the child works this process has no
    core to spare (:func:`spare` is 0 in ``work``); a child that fails or dies has its part
    done here (a bug then raises here, as it would have without the child)."""
    child = beside(name, partial(work, theirs)) if theirs else None
    if child is None:
        return {**work(mine), **(work(theirs) if theirs else {})}
    try:
        with spare_cores(0):
            here = work(mine)
    except BaseException:  # the child's part is not wanted
        child.process.kill()
        child.join()
        raise
    there = child.join().value
    return {**here, **(there if there is not None else work(theirs))}
