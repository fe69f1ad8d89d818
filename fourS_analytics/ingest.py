"""Loading DMS exports into canonical tables, accounting for every row.

Every data row of every file ends in exactly one class: accepted, duplicate (same key as an
accepted row; exact copies dropped, conflicting ones reported), summary (合计 rows) or
rejected (with reasons). A problem in an optional column keeps the row and empties the
value, counted as a warning for that column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import parsers, readers, schema
from .dataset import Dataset, FileReport, IngestOptions
from .errors import InputError, UsageError

ACCEPTED, DUPLICATE, SUMMARY, REJECTED = 0, 1, 2, 3
PROBLEM_COLUMNS = ("file", "sheet", "line", "table", "status", "column", "reason", "params",
                   "value", "original")
_SUMMARY_SCAN_COLUMNS = 3


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Files named, and the export files directly in folders named (sorted; not recursive)."""
    files: list[Path] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in readers.SUPPORTED_SUFFIXES
                           and not any(part.startswith(".") for part in p.parts)
                           and not p.name.startswith("~$"))
            if not found:
                raise InputError("no_exports_in_folder", path=path)
        elif path.exists():
            found = [path]
        else:
            raise InputError("file_not_found", path=path)
        for file in found:
            key = file.resolve()
            if key in seen:
                notes.append(f"{file}: given more than once, read once")
                continue
            seen.add(key)
            files.append(file)
    return files, notes


def _header_indexes(options: IngestOptions) -> dict[str, dict[str, str]]:
    user = {schema.normalize_word(h): c for h, c in options.headers.items()}
    indexes = {}
    for name, table in schema.TABLES.items():
        index = schema.header_index(table)
        index.update({h: c for h, c in user.items() if c in table.column_names})
        indexes[name] = index
    return indexes


def _make_scorer(indexes: dict[str, dict[str, str]]) -> readers.ScoreHeader:
    known = set().union(*indexes.values())

    def score(cells: Sequence[str]) -> int:
        words = {schema.normalize_word(c) for c in cells if c and len(str(c)) < 60}
        return len(words & known)

    return score


@dataclass
class _Mapped:
    table: schema.Table
    columns: dict[str, int]  # canonical -> position in the raw cells
    mapping: dict[str, str]  # header -> canonical
    ignored: list[str]


def _map_headers(raw: readers.RawTable, table: schema.Table,
                 index: dict[str, str], user: dict[str, str]) -> _Mapped:
    chosen: dict[str, tuple[int, int]] = {}  # canonical -> (rank, position)
    for pos, header in enumerate(raw.header):
        norm = schema.normalize_word(header)
        if not norm:
            continue
        canonical = index.get(norm)
        if canonical is None:
            continue
        synonyms = [schema.normalize_word(s) for s in table.column(canonical).synonyms]
        rank = -1 if norm in user else synonyms.index(norm) if norm in synonyms else 0
        if canonical not in chosen or rank < chosen[canonical][0]:
            chosen[canonical] = (rank, pos)
    columns = {c: pos for c, (_, pos) in chosen.items()}
    used = set(columns.values())
    mapping = {raw.header[pos]: c for c, pos in sorted(columns.items(), key=lambda x: x[1])}
    ignored = [h for pos, h in enumerate(raw.header) if pos not in used and str(h).strip()]
    return _Mapped(table, columns, mapping, ignored)


def _choose_table(raw: readers.RawTable, indexes: dict[str, dict[str, str]],
                  user: dict[str, str], override: str | None) -> _Mapped:
    if override:
        table = schema.TABLES[override]
        return _map_headers(raw, table, indexes[override], user)
    best: tuple[int, _Mapped] | None = None
    for name, table in schema.TABLES.items():
        mapped = _map_headers(raw, table, indexes[name], user)
        score = len(mapped.columns)
        if all(c in mapped.columns for c in table.signature):
            score += 100
        if best is None or score > best[0]:
            best = (score, mapped)
    assert best is not None
    if best[0] < 2:
        raise InputError("unknown_table", path=raw.label, path_name=raw.path.name)
    return best[1]


def _check_columns(raw: readers.RawTable, mapped: _Mapped) -> None:
    table = mapped.table
    for name in table.required:
        if name not in mapped.columns:
            examples = ", ".join(table.column(name).synonyms[1:4])
            raise InputError("missing_required", path=raw.label, column=name,
                             examples=examples)
    if table.unit_columns and not any(c in mapped.columns for c in table.unit_columns):
        raise InputError("missing_unit", path=raw.label)


def _empty_column(col: schema.Column, n: int) -> pd.Series:
    if col.kind in (schema.DATETIME, schema.DATE):
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if col.kind in (schema.AMOUNT, schema.NUMBER, schema.SCORE):
        return pd.Series(np.nan, index=range(n), dtype="float64")
    if col.kind == schema.BOOL:
        return pd.Series(pd.NA, index=range(n), dtype="boolean")
    if col.kind == schema.CATEGORY and col.categories:
        return pd.Series(pd.Categorical([None] * n,
                                        categories=schema.categories_of(col.categories)))
    return pd.Series(pd.NA, index=range(n), dtype="str")


def _parse_column(col: schema.Column, raw: pd.Series,
                  options: IngestOptions) -> tuple[parsers.Parsed, int | None]:
    extra = dict(options.categories.get(col.categories or "", {}))
    if col.kind == schema.DATETIME:
        return parsers.parse_datetime(raw, options.date_order), None
    if col.kind == schema.DATE:
        return parsers.parse_datetime(raw, options.date_order, date_only=True), None
    if col.kind == schema.AMOUNT:
        return parsers.parse_amount(raw), None
    if col.kind == schema.NUMBER:
        return parsers.parse_number(raw), None
    if col.kind == schema.BOOL:
        return parsers.parse_bool(raw), None
    if col.kind == schema.PHONE:
        return parsers.parse_phone(raw), None
    if col.kind == schema.VIN:
        return parsers.parse_vin(raw), None
    if col.kind == schema.PLATE:
        return parsers.parse_plate(raw), None
    if col.kind == schema.ID:
        return parsers.parse_id(raw), None
    if col.kind == schema.CATEGORY:
        return parsers.parse_category(raw, col.categories or "", extra), None
    if col.kind == schema.MULTI_CATEGORY:
        return parsers.parse_multi_category(raw, col.categories or "", extra), None
    if col.kind == schema.SCORE:
        return parsers.parse_score(raw)
    return parsers.parse_text(raw), None


def _summary_mask(cells: pd.DataFrame, key_pos: int | None) -> np.ndarray:
    positions = list(range(min(_SUMMARY_SCAN_COLUMNS, cells.shape[1])))
    if key_pos is not None and key_pos not in positions:
        positions.append(key_pos)
    mask = np.zeros(len(cells), dtype=bool)
    for pos in positions:
        codes, uniques = pd.factorize(cells[pos], use_na_sentinel=True)
        hit_u = np.array([_is_summary_word(u) for u in uniques], dtype=bool)
        if hit_u.any():
            mask |= (codes >= 0) & hit_u[np.maximum(codes, 0)]
    return mask


def _is_summary_word(value: object) -> bool:
    word = schema.normalize_word(str(value))
    return word in schema.SUMMARY_WORDS or any(
        word.startswith(w) and len(word) <= len(w) + 8 and not word[len(w):].isalpha()
        for w in ("合计", "总计", "小计", "汇总"))


@dataclass
class _Part:
    """One raw table after parsing, before cross-file de-duplication."""

    report: FileReport
    frame: pd.DataFrame  # canonical columns of this file's rows
    status: np.ndarray  # per row: ACCEPTED (provisional), SUMMARY or REJECTED
    problems: list[pd.DataFrame]
    warn_rows: dict[str, np.ndarray]  # column -> row positions with a nulled value
    original: pd.DataFrame  # raw cells, for reporting rejects


def _problem_frame(report: FileReport, lines: np.ndarray, positions: np.ndarray, status: str,
                   column: str, reasons: Sequence[object], values: Sequence[object],
                   original: Sequence[object] | None = None,
                   params: Sequence[object] | None = None) -> pd.DataFrame:
    """Row problems: ``reason`` is an ``r_*`` message key, ``params`` its parameters."""
    n = len(positions)
    return pd.DataFrame({
        "file": [report.path] * n, "sheet": [report.sheet] * n, "line": lines[positions],
        "table": [report.table] * n, "status": [status] * n, "column": [column] * n,
        "reason": list(reasons),
        "params": list(params) if params is not None else [None] * n,
        "value": list(values),
        "original": list(original) if original is not None else [None] * n,
    })


def _parse_part(raw: readers.RawTable, mapped: _Mapped, options: IngestOptions) -> _Part:
    table = mapped.table
    n = len(raw.cells)
    report = FileReport(
        path=str(raw.path), sheet=raw.sheet, table=table.name, file_format=raw.file_format,
        encoding=raw.encoding, delimiter=raw.delimiter, header_line=raw.header_line,
        mapping=mapped.mapping, ignored=mapped.ignored, rows=n, blank_lines=raw.blank_lines)
    key_col = table.key[-1] if table.key else None
    status = np.full(n, ACCEPTED, dtype=np.int8)
    summary = _summary_mask(raw.cells, mapped.columns.get(key_col) if key_col else None)
    status[summary] = SUMMARY
    repeated = _repeated_header_mask(raw, mapped) & ~summary
    skip = summary | repeated  # rows whose cells are not data: no per-column problems

    frame: dict[str, pd.Series] = {}
    problems: list[pd.DataFrame] = []
    reject_reasons: list[tuple] = []  # (positions, column, reasons, values[, params])
    warn_rows: dict[str, np.ndarray] = {}
    extra_cols: dict[str, pd.Series] = {}
    for col in table.columns:
        if col.name not in mapped.columns:
            frame[col.name] = _empty_column(col, n)
            continue
        raw_col = raw.cells[mapped.columns[col.name]]
        try:
            parsed, scale = _parse_column(col, raw_col, options)
        except parsers.ColumnProblem as problem:
            raise InputError(problem.key, path=raw.label, column=col.name,
                             **problem.params) from None
        frame[col.name] = parsed.values.reset_index(drop=True)
        bad = parsed.bad & ~skip
        if col.kind == schema.SCORE:
            extra_cols["score_raw"] = parsed.values.reset_index(drop=True)
            extra_cols["score_scale"] = pd.Series(scale, index=range(n), dtype="Int64")
            frame[col.name] = parsers.normalise_score(frame[col.name], scale)
        if col.name in table.required:
            missing = parsed.missing & ~skip
            for mask, reason in ((missing, "r_missing"), (bad, None)):
                pos = np.flatnonzero(mask)
                if len(pos):
                    reasons = ([reason] * len(pos) if reason
                               else list(parsed.problems[pos]))
                    reject_reasons.append((pos, col.name, reasons,
                                           raw_col.iloc[pos].tolist()))
        elif bad.any():
            pos = np.flatnonzero(bad)
            warn_rows[col.name] = pos
            problems.append(_problem_frame(report, raw.lines, pos, "warning", col.name,
                                           list(parsed.problems[pos]),
                                           raw_col.iloc[pos].tolist()))
    out = pd.DataFrame(frame)
    for name, series in extra_cols.items():
        out[name] = series

    if table.name == "repair_orders":
        hours = out["labor_hours"] * (options.labor_hour_minutes / 60.0)
        out["labor_hours"] = hours
        parts_sum = out[["labor_amount", "parts_amount"]].sum(axis=1, min_count=1)
        out["total_amount"] = out["total_amount"].fillna(parts_sum)

    if table.unit_columns:
        unit_cols = (table.unit_columns if options.unit == "auto"
                     else (options.unit,))
        unit = pd.Series(pd.NA, index=out.index, dtype="str")
        for name in unit_cols:
            unit = unit.fillna(out[name])
        out["unit_id"] = unit
        no_unit = np.flatnonzero(unit.isna().to_numpy() & ~skip)
        if len(no_unit):
            reject_reasons.append((no_unit, "unit_id", ["r_no_unit"] * len(no_unit),
                                   [None] * len(no_unit)))

    if repeated.any():
        pos = np.flatnonzero(repeated)
        reject_reasons.append((pos, "", ["r_repeated_header"] * len(pos), [None] * len(pos)))
    if raw.ragged:
        pos = np.array(sorted(raw.ragged), dtype=np.int64)
        params = [{"found": raw.ragged[int(p)], "expected": len(raw.header)} for p in pos]
        reject_reasons.append((pos, "", ["r_ragged"] * len(pos), [None] * len(pos), params))

    for pos, column, reasons, values, *params in reject_reasons:
        status[pos] = REJECTED
        problems.append(_problem_frame(report, raw.lines, pos, "rejected", column, reasons,
                                       values, _originals(raw, pos),
                                       params[0] if params else None))  # type: ignore[arg-type]
    out["source_file"] = report.label
    out["source_line"] = raw.lines
    return _Part(report, out, status, problems, warn_rows, raw.cells)


def _repeated_header_mask(raw: readers.RawTable, mapped: _Mapped) -> np.ndarray:
    """Rows that repeat the header (exports glued together) in most mapped columns."""
    n = len(raw.cells)
    positions = list(mapped.columns.values())
    if not positions or not n:
        return np.zeros(n, dtype=bool)
    same = np.zeros(n, dtype=np.int64)
    for pos in positions:
        header_word = schema.normalize_word(raw.header[pos])
        codes, uniques = pd.factorize(raw.cells[pos], use_na_sentinel=True)
        hit_u = np.array([schema.normalize_word(u) == header_word for u in uniques], dtype=bool)
        if hit_u.any():
            same += (codes >= 0) & hit_u[np.maximum(codes, 0)]
    return same * 2 > len(positions)


def _originals(raw: readers.RawTable, positions: np.ndarray) -> list[str]:
    rows = raw.cells.iloc[positions]
    header = raw.header
    return ["; ".join(f"{header[i]}={v}" for i, v in enumerate(row) if isinstance(v, str))
            for row in rows.itertuples(index=False, name=None)]


def _deduplicate(parts: list[_Part], table: schema.Table,
                 present: set[str]) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Mark duplicates across all files of one table; returns the accepted rows."""
    frames = [p.frame[p.status == ACCEPTED] for p in parts]
    owners = np.concatenate([np.full(int((p.status == ACCEPTED).sum()), i)
                             for i, p in enumerate(parts)]) if parts else np.array([])
    positions = np.concatenate([np.flatnonzero(p.status == ACCEPTED) for p in parts])
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    problems: list[pd.DataFrame] = []
    if combined.empty:
        return combined, problems
    value_cols = [c for c in combined.columns if c not in ("source_file", "source_line")]
    key = [c for c in table.key if c in present] or value_cols
    dup_key = combined.duplicated(subset=key, keep="first").to_numpy()
    if dup_key.any():
        dup_exact = combined.duplicated(subset=value_cols, keep="first").to_numpy()
        conflict = dup_key & ~dup_exact
        for i in np.flatnonzero(dup_key):
            parts[owners[i]].status[positions[i]] = DUPLICATE
        if conflict.any():
            group = combined.groupby(key, sort=False, dropna=False).ngroup().to_numpy()
            _, first_of_group = np.unique(group, return_index=True)
            for i in np.flatnonzero(conflict):
                first = first_of_group[group[i]]
                differ = [c for c in value_cols
                          if not _same(combined.at[i, c], combined.at[first, c])]
                part = parts[owners[i]]
                part.report.conflicting_duplicates += 1
                params = {"line": int(combined.at[first, "source_line"]),
                          "file": combined.at[first, "source_file"],
                          "columns": ", ".join(differ)}
                problems.append(_problem_frame(
                    part.report, part.frame["source_line"].to_numpy(),
                    np.array([positions[i]]), "duplicate", differ[0] if differ else "",
                    ["r_conflict"], [None], [None], [params]))
    return combined[~dup_key].reset_index(drop=True), problems


def _same(a: object, b: object) -> bool:
    if pd.isna(a) and pd.isna(b):  # type: ignore[arg-type]
        return True
    return bool(a == b)


def load(paths: str | Path | Iterable[str | Path], options: IngestOptions | None = None, *,
         progress: Callable[[str], None] | None = None) -> Dataset:
    """Read DMS exports (files and/or folders) into a :class:`Dataset`.

    ``options.tables`` maps a file path (or name) to a table name to skip recognition.
    ``progress`` is called with each file's path before it is read.
    """
    options = options or IngestOptions()
    if isinstance(paths, str | Path):
        paths = [paths]
    files, notes = expand_paths(paths)
    for table_name in options.tables.values():
        if table_name not in schema.TABLES:
            raise UsageError("bad_table_override", value=table_name,
                             tables=", ".join(schema.TABLES))
    indexes = _header_indexes(options)
    user = {schema.normalize_word(h): c for h, c in options.headers.items()}
    for header, target in options.headers.items():
        if not any(target in t.column_names for t in schema.TABLES.values()):
            raise UsageError("bad_mapping_target", path="mapping", header=header,
                             target=target, table="any table",
                             columns=", ".join(schema.REPAIR_ORDERS.column_names))
    scorer = _make_scorer(indexes)
    overrides = {str(Path(k)): v for k, v in options.tables.items()}

    parts_by_table: dict[str, list[_Part]] = {}
    present: dict[str, set[str]] = {}
    for file in files:
        if progress:
            progress(str(file))
        override = overrides.get(str(file)) or overrides.get(file.name)
        for raw in readers.read_file(file, scorer):
            mapped = _choose_table(raw, indexes, user, override)
            _check_columns(raw, mapped)
            part = _parse_part(raw, mapped, options)
            parts_by_table.setdefault(mapped.table.name, []).append(part)
            present.setdefault(mapped.table.name, set()).update(mapped.columns)

    tables: dict[str, pd.DataFrame] = {}
    all_problems: list[pd.DataFrame] = []
    reports: list[FileReport] = []
    for name, parts in parts_by_table.items():
        table = schema.TABLES[name]
        accepted, dup_problems = _deduplicate(parts, table, present[name])
        tables[name] = accepted
        all_problems.extend(dup_problems)
        for part in parts:
            report = part.report
            report.accepted = int((part.status == ACCEPTED).sum())
            report.duplicates = int((part.status == DUPLICATE).sum())
            report.summary_rows = int((part.status == SUMMARY).sum())
            report.rejected = int((part.status == REJECTED).sum())
            accepted_mask = part.status == ACCEPTED
            for column, pos in part.warn_rows.items():
                count = int(accepted_mask[pos].sum())
                if count:
                    report.warnings[column] = count
            all_problems.extend(part.problems)
            assert report.adds_up, report
    for part_list in parts_by_table.values():
        reports.extend(p.report for p in part_list)
    order = {str(f): i for i, f in enumerate(files)}
    reports.sort(key=lambda r: order.get(r.path, 0))
    problems = (pd.concat(all_problems, ignore_index=True) if all_problems
                else pd.DataFrame(columns=list(PROBLEM_COLUMNS)))
    return Dataset(tables, reports, problems,
                   {k: tuple(c for c in schema.TABLES[k].column_names if c in v)
                    for k, v in present.items()}, options, notes)
