"""The simulation's event loop, compiled by Numba (imported only when a simulation runs:
Numba's import costs about 0.4 s). One run of 10 weeks of a large store is some 40,000
arrivals and 120,000 events; as a Python loop it was most of the 1M-RO store's workload
analysis (16-22 s; compiled 4.5-5.6 s, the same results: issue 16). The compiled code is
cached next to this file (or in Numba's user cache when that is read-only): only the first
run on a machine compiles, about 6 s on the machine of benchmarks/RESULTS.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit


def compiled(func: Callable[..., Any]) -> Any:
    """``func`` compiled, its machine code cached on disk; compiled afresh in each process
    where no cache folder is writable (a read-only install, no home): Numba then refuses
    ``cache=True`` outright, and the toolkit must still run."""
    try:
        return njit(cache=True)(func)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return njit(func)


@compiled
def _sift_down(heap: np.ndarray, start: int, pos: int) -> None:
    """heapq's _siftdown: the item at ``pos`` moved up towards ``start`` to its place."""
    item = heap[pos]
    while pos > start:
        parent = (pos - 1) >> 1
        if item < heap[parent]:
            heap[pos] = heap[parent]
            pos = parent
            continue
        break
    heap[pos] = item


@compiled
def _sift_up(heap: np.ndarray, n: int, pos: int) -> None:
    """heapq's _siftup on heap[:n] (the smaller child moved up to a leaf, then the item
    sifted down from there): the same layout as the standard library's heap."""
    start = pos
    item = heap[pos]
    child = 2 * pos + 1
    while child < n:
        right = child + 1
        if right < n and not heap[child] < heap[right]:
            child = right
        heap[pos] = heap[child]
        pos = child
        child = 2 * pos + 1
    heap[pos] = item
    _sift_down(heap, start, pos)


@compiled
def serve(
    arrivals: np.ndarray,
    services: np.ndarray,
    cap_times: np.ndarray,
    cap_values: np.ndarray,
    overtime_at: np.ndarray,
    roster: np.ndarray,
    total: int,
    max_drain: int,
) -> tuple[np.ndarray, float, int]:
    """The event loop of one run: first come first served on as many servers as are on
    shift; a server taken off duty finishes its job but starts no new one. Returns each
    arrival's start (NaN: never served), the work running past each closing hour of
    ``overtime_at`` and the cycles of ``roster`` added after the span to serve who waits.

    The queue is the arrivals from ``head`` to ``i`` (first come first served); the busy
    servers' completion times are a binary heap laid out as :mod:`heapq` lays it out, so
    the overtime sums add in the same order as a heapq version and give the same floats."""
    period = roster.shape[0]
    n_arr = arrivals.shape[0]
    n_base = cap_times.shape[0]
    times = np.empty(n_base + max_drain * period)
    values = np.empty(n_base + max_drain * period, dtype=np.int64)
    times[:n_base] = cap_times
    values[:n_base] = cap_values
    for d in range(max_drain):  # the cycles after the span, used only if someone waits
        for h in range(period):
            times[n_base + d * period + h] = float((total + d) * period + h)
            values[n_base + d * period + h] = roster[h]
    top = 1
    for v in values:
        top = max(top, v)
    heap = np.empty(top + 1)
    nb = 0
    start = np.full(n_arr, np.nan)
    inf = np.inf
    i = j = head = cap = drained = 0
    n_cap = n_base
    overtime = 0.0
    while True:
        if j >= n_cap and head < i and nb == 0 and drained < max_drain:
            # customers still waiting when the simulated span ends are served in the cycles
            # after it (the same roster, no new arrivals): their waits are real, never 0
            n_cap += period
            drained += 1
        next_arrival = arrivals[i] if i < n_arr else inf
        next_cap = times[j] if j < n_cap else inf
        next_done = heap[0] if nb > 0 else inf
        if next_done <= next_arrival and next_done <= next_cap:
            if next_done == inf:
                break
            now = next_done
            nb -= 1  # heappop
            if nb > 0:
                heap[0] = heap[nb]
                _sift_up(heap, nb, 0)
        elif next_cap <= next_arrival:
            now = next_cap
            cap = values[j]
            hour = int(now)
            if hour < overtime_at.shape[0] and overtime_at[hour]:
                running = 0.0  # summed apart, then added: the floats of sum() in Python
                for b in range(nb):
                    if heap[b] > now:
                        running += heap[b] - now
                overtime += running
            j += 1
        else:
            now = next_arrival
            i += 1
        while head < i and nb < cap:  # a server off duty frees no place until done
            start[head] = now
            heap[nb] = now + services[head]  # heappush
            _sift_down(heap, 0, nb)
            nb += 1
            head += 1
        if i >= n_arr and j >= n_cap and head == i:
            break
    return start, overtime, drained
