from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def sample():  # type: ignore[no-untyped-def]
    """The embedded sample store, read once for the whole suite."""
    import fourS_analytics as fours
    from fourS_analytics.sample import sample_data_dir

    return fours.load(sample_data_dir())


@pytest.fixture(scope="session")
def sample_results(sample):  # type: ignore[no-untyped-def]
    """Every analysis of the sample store for 2025, once for the whole suite (the results
    carry codes, not words: tests render them in either language)."""
    import fourS_analytics as fours

    return fours.analyse(sample, fours.Settings(), "2025", week="2025-12-22")


@pytest.fixture
def children_started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the forked children the toolkit starts beside itself (forks.beside),
    in order. The suite may hold Dask's idle threads from another test: let be (such a
    child uses none of them)."""
    from fourS_analytics import forks

    monkeypatch.setattr(forks.threading, "active_count", lambda: 1)
    started: list[str] = []
    real = forks.beside

    def beside(name: str, func):  # type: ignore[no-untyped-def]
        child = real(name, func)
        if child is not None:
            started.append(name)
        return child

    monkeypatch.setattr(forks, "beside", beside)
    return started


@pytest.fixture
def dies_in_a_child(monkeypatch: pytest.MonkeyPatch) -> Callable[[object, str], None]:
    """``dies_in_a_child(owner, "name")``: owner.name ends any forked child that calls it
    (out of memory, say: exit 3, no message sent back) and works as before in this process."""
    parent = os.getpid()

    def patch(owner: object, name: str) -> None:
        real = getattr(owner, name)

        def dies(*args, **kwargs):  # type: ignore[no-untyped-def]
            if os.getpid() != parent:
                os._exit(3)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, dies)

    return patch
