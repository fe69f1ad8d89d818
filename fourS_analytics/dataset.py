"""What loading exports produces: a :class:`Dataset` of canonical tables and its accounting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from . import schema
from .errors import ConfigError
from .i18n import Message

DATE_ORDERS = ("auto", "dmy", "mdy")


def arrow_strings(values: pd.Series | pd.Index) -> Any | None:
    """The Arrow data behind a column (or an index) of Arrow-backed strings, the loaded
    tables' text, without a copy; None for any other kind of values (the caller's own
    path then)."""
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa

    return pa.array(values.array)


def positions(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """Each key's position in ``index`` (unique), -1 where it is not there (a missing key
    included): Arrow's ``index_in`` where both hold Arrow-backed strings (the 1M-RO store's
    maintenance visits' intervals: 0.30 -> 0.08 s; ``map`` and ``get_indexer`` go through a
    Python object per key), else pandas' ``get_indexer``."""
    words, values = arrow_strings(keys), arrow_strings(index)
    if words is None or values is None:
        return np.asarray(index.get_indexer(pd.Index(keys)), dtype=np.int64)
    import pyarrow.compute as pc

    at = pc.index_in(words, value_set=values)
    return np.asarray(at.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


UNITS = ("auto", "customer_id", "vin", "plate")


@dataclass(frozen=True)
class IngestOptions:
    """How exports are read. Every field has a config key in ``[ingest]``."""

    date_order: str = "auto"  # auto | dmy | mdy, for dates such as 03/05/2025
    labor_hour_minutes: float = 60.0  # minutes in one labour hour (工时); some brands use 5
    # an amount, mileage or hour count beyond this (either sign) is rejected per value
    max_amount: float = 1e8
    unit: str = "auto"  # the analysis unit: customer_id, else vin, else plate
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    categories: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    tables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # the CSI surveys' scale: auto (decided per file, with a warning when unsure), or
    # 1-5 | 1-10 | 0-10 | 0-100 for every file; csi_scales: per file (name or glob)
    csi_scale: str = "auto"
    csi_scales: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # a folder to keep the loaded exports in; the next load of the same files (same bytes)
    # with the same options reads them back instead of parsing (ingest/cache.py)
    cache_dir: str | None = None

    def __post_init__(self) -> None:
        from .ingest.parsers import SCALE_SPECS, scale_spec

        object.__setattr__(self, "csi_scale", str(self.csi_scale))
        object.__setattr__(
            self,
            "csi_scales",
            MappingProxyType({str(k): str(v) for k, v in self.csi_scales.items()}),
        )
        for option, value in [("csi_scale", self.csi_scale)] + [
            (f"csi_scales.{k}", v) for k, v in self.csi_scales.items()
        ]:
            if not (option == "csi_scale" and value == "auto") and scale_spec(value) is None:
                raise ConfigError(
                    "bad_option",
                    option=option,
                    reason=Message(
                        "rs_not_scale",
                        {
                            "value": value,
                            "choices": ("auto, " if option == "csi_scale" else "")
                            + ", ".join(SCALE_SPECS),
                        },
                    ),
                )
        if self.date_order not in DATE_ORDERS:
            raise ConfigError(
                "bad_option",
                option="date_order",
                reason=Message(
                    "rs_not_one_of",
                    {"value": self.date_order, "choices": ", ".join(DATE_ORDERS)},
                ),
            )
        if self.unit not in UNITS:
            raise ConfigError(
                "bad_option",
                option="unit",
                reason=Message("rs_not_one_of", {"value": self.unit, "choices": ", ".join(UNITS)}),
            )
        if not self.max_amount > 0:
            raise ConfigError(
                "bad_option",
                option="max_amount",
                reason=Message("rs_above_other", {"other": 0}),
            )
        if not self.labor_hour_minutes > 0:
            raise ConfigError(
                "bad_option",
                option="labor_hour_minutes",
                reason=Message("rs_positive_minutes"),
            )
        for kind in self.categories:
            if kind not in schema.CATEGORY_SYNONYMS:
                raise ConfigError(
                    "bad_option",
                    option=f"categories.{kind}",
                    reason=Message(
                        "rs_unknown_categories", {"choices": ", ".join(schema.CATEGORY_SYNONYMS)}
                    ),
                )
            allowed = schema.categories_of(kind)
            for word, target in self.categories[kind].items():
                if target not in allowed:
                    raise ConfigError(
                        "bad_option",
                        option=f"categories.{kind}.{word}",
                        reason=Message(
                            "rs_not_one_of", {"value": target, "choices": ", ".join(allowed)}
                        ),
                    )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> IngestOptions:
        """Options from a config's ``[ingest]`` table; unknown keys are an error."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                "bad_option",
                option="[ingest]",
                reason=Message(
                    "rs_unknown_keys",
                    {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))},
                ),
            )
        return cls(**dict(values))


@dataclass
class FileReport:
    """The accounting of one file (or one sheet): every data row in exactly one class."""

    path: str
    sheet: str | None
    table: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    header_line: int
    mapping: dict[str, str]
    ignored: list[str]
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    conflicting_duplicates: int = 0
    summary_rows: int = 0
    rejected: int = 0
    blank_lines: int = 0
    warnings: dict[str, int] = field(default_factory=dict)
    notes: list[Any] = field(default_factory=list)  # i18n.Message: what to know about the file

    @property
    def label(self) -> str:
        return f"{self.path}[{self.sheet}]" if self.sheet else self.path

    @property
    def adds_up(self) -> bool:
        return self.rows == self.accepted + self.duplicates + self.summary_rows + self.rejected

    def to_dict(self) -> dict[str, Any]:
        out = asdict(replace(self, notes=[]))
        out["notes"] = [n.to_dict() for n in self.notes]
        out["warnings_total"] = sum(self.warnings.values())
        return out


COUNT_FIELDS = (
    "rows",
    "accepted",
    "duplicates",
    "conflicting_duplicates",
    "summary_rows",
    "rejected",
    "blank_lines",
)


@dataclass(frozen=True)
class CacheUse:
    """What a load did with the cache: ``hit`` (read from ``entry``), ``stored`` (parsed,
    then kept), ``not_stored`` (parsed; the entry could not be written, ``detail`` says
    why) or ``unreadable`` (an entry was there but did not read back; parsed, and kept
    anew where it could be)."""

    status: str
    entry: str
    seconds: float
    detail: str = ""


@dataclass
class Dataset:
    """Canonical tables (one DataFrame each) plus the accounting of how they were read.

    ``tables[name]`` holds every column of the canonical schema (absent ones all missing,
    see ``columns_present``), plus ``unit_id`` (the analysis unit) where the table has one,
    and ``source_file`` / ``source_line`` pointing back at the export row.
    ``problems`` lists every rejected row, conflicting duplicate and nulled value with file,
    line, column, reason and the original value(s).
    """

    tables: dict[str, pd.DataFrame]
    files: list[FileReport]
    problems: pd.DataFrame
    columns_present: dict[str, tuple[str, ...]]
    options: IngestOptions
    notes: list[str] = field(default_factory=list)
    # what the load did with the cache of loaded exports (None: no cache_dir set)
    cache: CacheUse | None = None

    def __repr__(self) -> str:
        """The tables' row counts and the accounting, not the tables (a notebook shows this
        for ``data``; ``data.tables[name]`` shows a table)."""
        tables = ", ".join(f"{name}={len(frame):,}" for name, frame in self.tables.items())
        stores = f", stores={self.stores}" if self.stores else ""
        return (
            f"Dataset({tables or 'no tables'}; {len({f.path for f in self.files})} files, "
            f"{len(self.problems):,} problems{stores})"
        )

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    @property
    def repair_orders(self) -> pd.DataFrame:
        frame = self.tables.get("repair_orders")
        if frame is None:
            from .errors import MissingTableError

            raise MissingTableError("repair_orders")
        return frame

    def has(self, table: str, column: str | None = None) -> bool:
        if table not in self.tables:
            return False
        return column is None or column in self.columns_present.get(table, ())

    def totals(self) -> dict[str, Any]:
        totals: dict[str, Any] = {k: sum(getattr(f, k) for f in self.files) for k in COUNT_FIELDS}
        totals["warnings"] = sum(sum(f.warnings.values()) for f in self.files)
        totals["files"] = len({f.path for f in self.files})
        return totals

    @property
    def adds_up(self) -> bool:
        return all(f.adds_up for f in self.files)

    @property
    def stores(self) -> list[str]:
        ros = self.tables.get("repair_orders")
        if ros is None or not self.has("repair_orders", "store"):
            return []
        return sorted(ros["store"].dropna().unique().tolist())

    def for_store(self, store: str) -> Dataset:
        """The same dataset restricted to one store (tables without a store column, such as
        a group-wide staff list, are kept whole). The accounting stays the group's."""
        tables = {}
        for name, frame in self.tables.items():
            if self.has(name, "store"):
                frame = frame[frame["store"] == store].reset_index(drop=True)
            tables[name] = frame
        return Dataset(
            tables,
            self.files,
            self.problems,
            self.columns_present,
            self.options,
            [*self.notes, f"restricted to store {store}"],
        )

    def to_dict(self) -> dict[str, Any]:
        """The accounting as plain data (what ``fours validate --format json`` prints)."""
        return {
            "files": [f.to_dict() for f in self.files],
            "totals": self.totals(),
            "tables": {name: len(frame) for name, frame in self.tables.items()},
            "stores": self.stores,
            "notes": list(self.notes),
        }
