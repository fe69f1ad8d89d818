"""One thread for the numeric libraries wherever the toolkit computes.

BLAS and OpenMP start one thread per core; on a shared machine two such processes spin
against each other and each runs 5-30x slower. threadpoolctl limits the thread pools of the
libraries *loaded when it is called*; scikit-learn's OpenMP runtime is loaded only at the
first gradient-boosting fit, after the limit, and used every core. So the environment says
one thread as well, for a runtime loaded inside the block (it reads the variables when it
starts), and is put back afterwards; a runtime loaded inside keeps its one thread.

Arrow's buffers (pandas' strings, the CSV reader's columns) come from jemalloc inside
:func:`runtime` (the C heap where a pyarrow build lacks it), not from the mimalloc pool
pyarrow's Linux wheels choose by default: on this project's 2-core VM mimalloc hands its
freed pages back at once and the kernel pays for them again (a load of the 1M-RO store
spent 7-12 s in the kernel against 2-4 s; the same user time), and jemalloc, which keeps
them a while, also peaked lowest (benchmarks/bench_pool.py, RESULTS.md). A user who names a
pool (``ARROW_DEFAULT_MEMORY_POOL``) keeps it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# what the OpenMP, OpenBLAS and MKL runtimes read when they start
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# what pyarrow reads for its default memory pool (jemalloc, mimalloc or system)
POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


@contextmanager
def one_thread() -> Iterator[None]:
    """Every BLAS/OpenMP thread pool at one thread inside the block, those loaded before it
    (threadpoolctl) and those loaded in it (the environment)."""
    from threadpoolctl import threadpool_limits

    before = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _pool(pa: Any) -> Any:
    """jemalloc, or the C heap where this pyarrow was built without it."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.system_memory_pool()


@contextmanager
def arrow_pool() -> Iterator[None]:
    """Arrow's default memory pool is jemalloc (else the C heap) inside the block, unless the
    environment names a pool; the previous pool is put back after. Buffers keep the pool
    they came from, so what the block made is freed where it was allocated."""
    if os.environ.get(POOL_VARIABLE):
        yield
        return
    import pyarrow as pa  # pandas imports it already

    before = pa.default_memory_pool()
    pa.set_memory_pool(_pool(pa))
    try:
        yield
    finally:
        pa.set_memory_pool(before)


@contextmanager
def runtime() -> Iterator[None]:
    """The numeric runtimes as the toolkit computes with them: :func:`one_thread` and
    :func:`arrow_pool`."""
    with one_thread(), arrow_pool():
        yield
