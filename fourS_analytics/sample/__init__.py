"""A simulated 4S store: ``fours sample`` and the embedded sample store of ``fours demo``.

No public data set of 4S repair orders exists, so the toolkit ships a simulator whose
behaviour follows what the trade reports; see ``params.py`` for every parameter.

    from fourS_analytics.sample import StoreParams, generate
    manifest = generate("out/", StoreParams(vehicles=3000, years=3), seed=7)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .export import write_store
from .params import StoreParams
from .simulate import SimulatedStore, simulate


@dataclass(frozen=True)
class EmbeddedSample:
    """How the committed ``sample_data/`` was made (see README); a test keeps them in step."""

    seed: int = 2025
    vehicles: int = 3000
    years: int = 3
    end: str = "2025-12-31"
    lang: str = "zh"
    encoding: str = "gb18030"
    xlsx_tables: tuple[str, ...] = ("appointments",)


EMBEDDED = EmbeddedSample()


def generate(
    out_dir: str | Path,
    params: StoreParams | None = None,
    *,
    seed: int = 0,
    lang: str = "zh",
    encoding: str = "utf-8-sig",
    file_format: str = "csv",
    xlsx_tables: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Simulate a store and write its exports; the same arguments give the same bytes."""
    store = simulate(params or StoreParams(), seed=seed)
    return write_store(
        store,
        out_dir,
        lang=lang,
        encoding=encoding,
        file_format=file_format,
        xlsx_tables=xlsx_tables,
        seed=seed,
    )


def generate_split(
    out_dir: str | Path, params: StoreParams, *, seed: int = 0, **export: Any
) -> dict[str, Any]:
    """A dealer group as one folder per store (``S01/``, ``S02/``, ...), each store simulated
    on its own with ``params.vehicles / params.stores`` vehicles and its own seed: the way
    DMSs export per store, and memory bounded by one store however large the group."""
    from .tables import store_codes

    out = Path(out_dir)
    codes = store_codes(params.stores)
    each = replace(params, stores=1, vehicles=max(10, params.vehicles // params.stores))
    manifests = {
        code: generate(out / code, each, seed=seed * 1000 + i, **export)
        for i, code in enumerate(codes)
    }
    files = {
        code: [f"{code}/{f}" for names in m["files"].values() for f in names]
        for code, m in manifests.items()
    }
    return {"stores": codes, "files": files}


def generate_embedded(out_dir: str | Path) -> dict[str, Any]:
    """Write the store that is committed as ``sample_data/``."""
    e = EMBEDDED
    params = replace(StoreParams(), vehicles=e.vehicles, years=e.years, end=e.end)
    return generate(
        out_dir, params, seed=e.seed, lang=e.lang, encoding=e.encoding, xlsx_tables=e.xlsx_tables
    )


def sample_data_dir() -> Path:
    """The embedded sample store: packaged with the wheel, or ``sample_data/`` in a checkout."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "sample_data"  # an installed wheel
    if (packaged / "manifest.json").exists():
        return packaged
    return package.parent / "sample_data"  # a checkout or an editable install


__all__ = [
    "EMBEDDED",
    "SimulatedStore",
    "StoreParams",
    "generate",
    "generate_embedded",
    "sample_data_dir",
    "simulate",
    "write_store",
]
