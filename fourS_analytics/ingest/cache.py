"""The loaded exports kept on disk, so the next run on the same files reads them in a second.

A weekly or monthly job reads the same exports again and again (the whole history, each
time); parsing them is most of a run's time (the 1M-RO store: about 10 s of its load, against
about 1 s to read the result back). With ``[ingest] cache_dir`` (``--cache-dir``) set,
:func:`load` keeps what it made, the canonical tables, the problems and every file's
accounting, in an entry of that folder, and the next load of the same files with the same
options reads the entry instead of parsing.

The entry's name is a digest of everything the load depends on: each file's path as given,
its resolved path, size and SHA-256 of its bytes (an export rewritten in place is a new
entry, whatever its time stamp says), the ingest options, and the toolkit's own code and the
versions of Python, pandas, numpy and pyarrow (a new release, or a changed line of the
toolkit, parses afresh). Entries of the same files and options that the new one replaces are
removed when it is written; other entries stay until the folder is cleared.

What is kept: the tables as Arrow IPC files (zstd), the values of object columns (the
problems' parameters and originals) as JSON text, the accounting and notes as JSON, no
pickle: an entry someone else wrote can give wrong tables at worst, never run code, and an
entry that does not read back exactly as it was written (a dtype, a row count, the accounting)
is a miss: it is removed and the exports are read. The entries hold the exports' personal
data in full, as the exports do: the folder is created readable by its owner only.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..dataset import CacheUse, Dataset, FileReport, IngestOptions
from ..i18n import Message, t
from ..paths import file_sha256

FORMAT = 1  # the layout of an entry; a new one makes every old entry a miss
META = "meta.json"
_TMP = ".tmp-"
_CODEC = ("zstd", 1)  # the 1M-RO store: 119 MB (its exports 370 MB), read back in 0.3 s
_STALE_TMP_SECONDS = 3600  # a half-written entry of a process that died, removed after


class NotCacheable(Exception):
    """A value the entry could not keep exactly (the load's result is used as it is)."""


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The toolkit's source and the versions of what parses: any change, a new entry."""
    import pyarrow as pa

    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    versions = (platform.python_version(), pd.__version__, np.__version__, pa.__version__)
    digest.update(repr(versions).encode())
    return digest.hexdigest()


def _plain_options(options: IngestOptions) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in sorted(value.items())}
        return value

    names = [f.name for f in fields(options) if f.name != "cache_dir"]  # not what is read
    return {name: plain(getattr(options, name)) for name in names}


@dataclass(frozen=True)
class Key:
    """An entry's name and what it was made from (kept in the entry, checked on reading)."""

    name: str
    group: str  # shared by the entries of the same files and options (the older removed)
    made_from: dict[str, Any]


def key_for(files: Sequence[Path], options: IngestOptions) -> Key:
    sources = [{"path": str(f), "resolved": str(f.resolve())} for f in files]
    settings = _plain_options(options)
    group = hashlib.sha256(json.dumps([sources, settings], sort_keys=True).encode()).hexdigest()
    contents = []
    for source, file in zip(sources, files, strict=True):
        stat = file.stat()
        contents.append({**source, "bytes": stat.st_size, "sha256": file_sha256(file)})
    made_from = {"format": FORMAT, "files": contents, "options": settings, "code": _code_digest()}
    name = hashlib.sha256(json.dumps(made_from, sort_keys=True).encode()).hexdigest()
    return Key(f"{group[:16]}-{name[:32]}", group[:16], made_from)


def _is_plain(value: Any) -> bool:
    """A value JSON gives back exactly (type and all)."""
    if value is None or type(value) in (str, int, float, bool):
        return True
    if type(value) is dict:
        return all(type(k) is str and _is_plain(v) for k, v in value.items())
    if type(value) is list:
        return all(_is_plain(v) for v in value)
    return False


def _plain(value: Any, what: str) -> Any:
    if not _is_plain(value):
        raise NotCacheable(f"{what}: {type(value).__name__}")
    return value


def _frame_meta(frame: pd.DataFrame) -> dict[str, Any]:
    categories = {}
    for column, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):  # (an empty table's are not in its Arrow)
            categories[str(column)] = {
                "values": _plain(dtype.categories.tolist(), f"{column}'s categories"),
                "dtype": str(dtype.categories.dtype),
                "ordered": bool(dtype.ordered),
            }
    return {
        "rows": len(frame),
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(d) for d in frame.dtypes],
        "categories": categories,
        "index": type(frame.index).__name__,
    }


def _write_frame(frame: pd.DataFrame, path: Path) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    meta = _frame_meta(frame)
    if not all(type(c) is str for c in frame.columns):
        raise NotCacheable(f"{path.stem}: a column name that is not text")
    as_json = [str(c) for c, d in frame.dtypes.items() if d == np.dtype(object)]
    if as_json:  # the problems' parameters and originals: JSON text, None kept as null
        frame = frame.copy()
        for column in as_json:
            frame[column] = pd.Series(
                [
                    None if v is None else json.dumps(_plain(v, f"{path.stem}.{column}"))
                    for v in frame[column].tolist()
                ],
                index=frame.index,
                dtype=object,
            )
    table = pa.Table.from_pandas(frame, preserve_index=None)
    options = ipc.IpcWriteOptions(compression=pa.Codec(*_CODEC))
    with (
        pa.OSFile(str(path), "wb") as sink,
        ipc.new_file(sink, table.schema, options=options) as out,
    ):
        out.write_table(table)
    return {**meta, "file": path.name, "json": as_json}


def _read_frame(folder: Path, meta: Mapping[str, Any]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    name = str(meta["file"])
    if Path(name).name != name or name in ("", ".", ".."):  # only a file of the entry itself
        raise ValueError(f"{META}: {name!r} is not a file of the entry")
    with pa.memory_map(str(folder / name)) as source:
        table = ipc.open_file(source).read_all()
    texts = {c: table.column(c).to_pylist() for c in meta["json"]}  # nulls as None
    frame = table.to_pandas()  # consolidated, as the parsed tables are (a copy stays cheap)
    del table
    for column, values in texts.items():
        frame[column] = pd.Series(
            [None if v is None else json.loads(v) for v in values], index=frame.index, dtype=object
        )
    for column, kept in meta["categories"].items():
        dtype = pd.CategoricalDtype(pd.Index(kept["values"], dtype=kept["dtype"]), kept["ordered"])
        if frame[column].dtype != dtype:
            frame[column] = frame[column].astype(dtype)
    got = _frame_meta(frame)
    for part in ("rows", "columns", "dtypes", "categories", "index"):
        if got[part] != meta[part]:
            raise ValueError(f"{meta['file']}: its {part} read back differently")
    return frame


def _report_to_json(report: FileReport) -> dict[str, Any]:
    values = asdict(report)
    values["notes"] = [{"key": n.key, "params": dict(n.params)} for n in report.notes]
    return _plain(values, report.label)


def _report_from_json(values: Mapping[str, Any]) -> FileReport:
    notes = [Message(n["key"], n["params"]) for n in values["notes"]]
    return FileReport(**{**values, "notes": notes})


def _private_folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def write(directory: Path, key: Key, dataset: Dataset) -> Path:
    """Keep ``dataset`` as the entry ``key`` (written apart, then renamed into place: a
    reader never sees half an entry); the entries it replaces are removed. Raises
    :class:`NotCacheable` or :class:`OSError`."""
    _private_folder(directory)
    final = directory / key.name
    temporary = directory / f"{_TMP}{key.name}-{os.getpid()}-{secrets.token_hex(4)}"
    temporary.mkdir(mode=0o700)
    try:
        tables = {}
        for i, (name, frame) in enumerate(dataset.tables.items()):
            tables[name] = _write_frame(frame, temporary / f"table{i}.arrow")
        meta = {
            "made_from": key.made_from,
            "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "tables": tables,
            "problems": _write_frame(dataset.problems, temporary / "problems.arrow"),
            "files": [_report_to_json(r) for r in dataset.files],
            "columns_present": {k: list(v) for k, v in dataset.columns_present.items()},
        }
        (temporary / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        try:
            os.rename(temporary, final)
        except OSError:
            if not (final / META).exists():  # not another process's copy of the same entry
                raise
    finally:
        _remove(temporary)
    _prune(directory, key)
    return final


def _prune(directory: Path, key: Key) -> None:
    now = time.time()
    for path in directory.iterdir():
        name = path.name
        if name.startswith(f"{key.group}-") and name != key.name:
            _remove(path)
        elif name.startswith(_TMP):
            try:
                if now - path.stat().st_mtime > _STALE_TMP_SECONDS:
                    _remove(path)
            except OSError:
                pass


def read(directory: Path, key: Key, options: IngestOptions, notes: list[str]) -> Dataset | None:
    """The entry ``key`` as a :class:`Dataset` (with this load's ``options`` and
    ``notes``), or None where there is none. Raises on an entry that does not read back
    exactly (the caller removes it)."""
    folder = directory / key.name
    meta_path = folder / META
    if not meta_path.is_file():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("made_from") != key.made_from:
        raise ValueError(f"{META}: made from other files or options")
    tables = {name: _read_frame(folder, m) for name, m in meta["tables"].items()}
    reports = [_report_from_json(r) for r in meta["files"]]
    dataset = Dataset(
        tables,
        reports,
        _read_frame(folder, meta["problems"]),
        {k: tuple(v) for k, v in meta["columns_present"].items()},
        options,
        notes,
    )
    accepted: dict[str, int] = {}
    for report in reports:
        accepted[report.table] = accepted.get(report.table, 0) + report.accepted
    if not dataset.adds_up or accepted != {k: len(v) for k, v in tables.items()}:
        raise ValueError(f"{META}: the accounting does not match the tables")
    return dataset


def said(use: CacheUse, lang: str) -> tuple[bool, str]:
    """What a load did with the cache, in ``lang``, and whether it is a warning (the cache
    not kept, or an entry that did not read back) rather than a detail."""
    text = t(f"cache_{use.status}", lang, entry=use.entry, seconds=use.seconds, detail=use.detail)
    return use.status in ("not_stored", "unreadable"), text


def remove(directory: Path, key: Key) -> None:
    _remove(directory / key.name)
