"""One thread for the numeric libraries wherever the toolkit computes.

BLAS and OpenMP start one thread per core; on a shared machine two such processes spin
against each other and each runs 5-30x slower. threadpoolctl limits the thread pools of the
libraries *loaded when it is called*; scikit-learn's OpenMP runtime is loaded only at the
first gradient-boosting fit, after the limit, and used every core. So the environment says
one thread as well, for a runtime loaded inside the block (it reads the variables when it
starts), and is put back afterwards; a runtime loaded inside keeps its one thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# what the OpenMP, OpenBLAS and MKL runtimes read when they start
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


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
