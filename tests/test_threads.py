"""BLAS/OpenMP at one thread wherever the toolkit computes, including scikit-learn's OpenMP
runtime, which is loaded only at the first gradient-boosting fit (after threadpoolctl's
limit was set, so threadpoolctl alone left it at one thread per core)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fourS_analytics.sample import sample_data_dir

# a child that asks for four threads everywhere, then records inside each supervised fit how
# many threads scikit-learn's OpenMP and every loaded thread pool would use
CHILD = """
import json, os, sys
assert "sklearn" not in sys.modules
from fourS_analytics.models import churn_models
seen = []
original = churn_models.SupervisedChurn.fit
def fit(self, snaps):
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    from threadpoolctl import threadpool_info
    seen.append([_openmp_effective_n_threads(), [p["num_threads"] for p in threadpool_info()]])
    return original(self, snaps)
churn_models.SupervisedChurn.fit = fit
if sys.argv[1] == "python":
    import fourS_analytics as fours
    fours.analyse_store(fours.load(sys.argv[2]), fours.Settings(), "2025", steps=("churn",))
else:
    from fourS_analytics.cli import cli
    try:
        cli(["-q", "churn", sys.argv[2], "-o", sys.argv[3], "--as-of", "2025-12-31"])
    except SystemExit as exc:
        assert not exc.code, exc.code
print(json.dumps({"seen": seen, "omp_after": os.environ.get("OMP_NUM_THREADS")}))
"""


@pytest.mark.parametrize("entry", ["python", "cli"])
def test_the_gradient_boosting_fits_run_on_one_thread(entry: str, tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "4"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, entry, str(sample_data_dir()), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["seen"], "no supervised fit ran"
    for openmp, pools in report["seen"]:
        assert openmp == 1 and set(pools) == {1}, report
    assert report["omp_after"] == "4"  # the caller's environment is put back


def test_arrow_allocates_from_jemalloc_inside_the_toolkit_and_as_before_outside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """mimalloc (pyarrow's default on Linux) cost the kernel 8-12 s a load of the 1M-RO store
    on the project's VM: inside the toolkit Arrow's pool is jemalloc (the C heap where a
    build lacks it), outside it whatever it was, and a pool the user names is kept."""
    import pyarrow as pa

    import fourS_analytics as fours
    from fourS_analytics.ingest import readers
    from fourS_analytics.threads import POOL_VARIABLE, runtime

    monkeypatch.delenv(POOL_VARIABLE, raising=False)
    outside = pa.default_memory_pool().backend_name
    seen: list[str] = []
    original = readers.read_file

    def read_file(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(pa.default_memory_pool().backend_name)
        return original(*args, **kwargs)

    monkeypatch.setattr(readers, "read_file", read_file)
    data = fours.load(sample_data_dir())
    assert set(seen) == {"jemalloc"} and len(seen) == len({f.path for f in data.files})
    assert pa.default_memory_pool().backend_name == outside
    with runtime():
        assert pa.default_memory_pool().backend_name == "jemalloc"
        with runtime():  # nested, as a step inside a command
            pass
        assert pa.default_memory_pool().backend_name == "jemalloc"
    assert pa.default_memory_pool().backend_name == outside
    pool = pa.default_memory_pool()
    monkeypatch.setenv(POOL_VARIABLE, "mimalloc")  # a pool the user names is kept
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    try:
        with runtime():
            assert pa.default_memory_pool().backend_name == "mimalloc"
    finally:
        pa.set_memory_pool(pool)


def test_a_pyarrow_without_jemalloc_allocates_from_the_c_heap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pyarrow as pa

    from fourS_analytics.threads import POOL_VARIABLE, runtime

    def missing() -> None:
        raise NotImplementedError("jemalloc support is not enabled")

    monkeypatch.delenv(POOL_VARIABLE, raising=False)
    monkeypatch.setattr(pa, "jemalloc_memory_pool", missing)
    before = pa.default_memory_pool().backend_name
    with runtime():
        assert pa.default_memory_pool().backend_name == "system"
    assert pa.default_memory_pool().backend_name == before
