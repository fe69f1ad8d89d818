"""Loading DMS exports into canonical tables, accounting for every row.

Every data row of every file ends in exactly one class: accepted, duplicate (same key as an
accepted row; exact copies dropped, conflicting ones reported), summary (合计 rows) or
rejected (with reasons). A problem in an optional column keeps the row and empties the
value, counted as a warning for that column.
"""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import forks, schema
from ..dataset import CacheUse, Dataset, FileReport, IngestOptions
from ..errors import InputError, UsageError
from ..i18n import Message
from ..privacy import mask_original
from ..threads import arrow_pool
from . import parsers, readers

ACCEPTED, DUPLICATE, SUMMARY, REJECTED, BLANK = 0, 1, 2, 3, 4
PROBLEM_COLUMNS = (
    "file",
    "sheet",
    "line",
    "table",
    "status",
    "column",
    "reason",
    "params",
    "value",
    "original",
    "original_masked",
)
_SUMMARY_SCAN_COLUMNS = 3


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Files named, and the export files directly in folders named (sorted; not recursive)."""
    files: list[Path] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for item in paths:
        path = Path(item)
        if path.is_dir():
            # hidden files and Excel's lock files (~$) are not exports; the folder itself may
            # sit anywhere, e.g. inside a .venv
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() in readers.SUPPORTED_SUFFIXES
                and not p.name.startswith((".", "~$"))
            )
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
    # canonical -> every position whose header matched it equally well (two columns with
    # the same header): the one with values is chosen when the cells are read
    ties: dict[str, list[int]] = field(default_factory=dict)


def _map_headers(
    header: Sequence[str], table: schema.Table, index: dict[str, str], user: dict[str, str]
) -> _Mapped:
    chosen: dict[str, tuple[int, int]] = {}  # canonical -> (rank, position)
    ties: dict[str, list[int]] = {}
    for pos, cell in enumerate(header):
        norm = schema.normalize_word(cell)
        if not norm:
            continue
        canonical = index.get(norm)
        if canonical is None:
            continue
        synonyms = [schema.normalize_word(s) for s in table.column(canonical).synonyms]
        rank = -1 if norm in user else synonyms.index(norm) if norm in synonyms else 0
        if canonical not in chosen or rank < chosen[canonical][0]:
            chosen[canonical] = (rank, pos)
            ties[canonical] = [pos]
        elif rank == chosen[canonical][0]:
            ties[canonical].append(pos)
    columns = {c: pos for c, (_, pos) in chosen.items()}
    used = set(columns.values())
    mapping = {header[pos]: c for c, pos in sorted(columns.items(), key=lambda x: x[1])}
    ignored = [h for pos, h in enumerate(header) if pos not in used and str(h).strip()]
    return _Mapped(
        table, columns, mapping, ignored, {c: ps for c, ps in ties.items() if len(ps) > 1}
    )


def _choose_table(
    header: Sequence[str],
    label: str,
    indexes: dict[str, dict[str, str]],
    user: dict[str, str],
    override: str | None,
) -> _Mapped:
    if override:
        table = schema.TABLES[override]
        return _map_headers(header, table, indexes[override], user)
    best: tuple[int, _Mapped] | None = None
    for name, table in schema.TABLES.items():
        mapped = _map_headers(header, table, indexes[name], user)
        score = len(mapped.columns)
        if all(c in mapped.columns for c in table.signature):
            score += 100
        if best is None or score > best[0]:
            best = (score, mapped)
    if best is None or best[0] < 2:  # (there is always a table to try)
        raise InputError("unknown_table", path=label, path_name=Path(label).name)
    return best[1]


_NUMERIC_KINDS = (schema.AMOUNT, schema.NUMBER, schema.SCORE)


def _numeric_columns(
    indexes: dict[str, dict[str, str]], user: dict[str, str], override: str | None
) -> readers.NumericColumns:
    """For the reader: which columns of a header hold numbers (parsed in C as read)."""

    def numeric(header: Sequence[str]) -> set[int]:
        try:
            mapped = _choose_table(header, "", indexes, user, override)
        except InputError:
            return set()
        return {
            pos
            for name, pos in mapped.columns.items()
            if mapped.table.column(name).kind in _NUMERIC_KINDS
        }

    return numeric


def _check_columns(raw: readers.RawTable, mapped: _Mapped) -> None:
    table = mapped.table
    for name in table.required:
        if name not in mapped.columns:
            examples = ", ".join(table.column(name).synonyms[1:4])
            raise InputError("missing_required", path=raw.label, column=name, examples=examples)
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
        return pd.Series(
            pd.Categorical([None] * n, categories=schema.categories_of(col.categories))
        )
    return pd.Series(pd.NA, index=range(n), dtype="str")


def _parse_column(col: schema.Column, raw: pd.Series, options: IngestOptions) -> parsers.Parsed:
    extra = dict(options.categories.get(col.categories or "", {}))
    if col.kind == schema.DATETIME:
        return parsers.parse_datetime(raw, options.date_order)
    if col.kind == schema.DATE:
        return parsers.parse_datetime(raw, options.date_order, date_only=True)
    if col.kind == schema.AMOUNT:
        return parsers.parse_amount(raw, options.max_amount)
    if col.kind == schema.NUMBER:
        return parsers.parse_number(raw, options.max_amount)
    if col.kind == schema.BOOL:
        return parsers.parse_bool(raw)
    if col.kind == schema.PHONE:
        return parsers.parse_phone(raw)
    if col.kind == schema.VIN:
        return parsers.parse_vin(raw)
    if col.kind == schema.PLATE:
        return parsers.parse_plate(raw)
    if col.kind == schema.ID:
        return parsers.parse_id(raw)
    if col.kind == schema.CATEGORY:
        return parsers.parse_category(raw, col.categories or "", extra)
    if col.kind == schema.MULTI_CATEGORY:
        return parsers.parse_multi_category(raw, col.categories or "", extra)
    if col.kind == schema.SCORE:
        return parsers.parse_score(raw)
    return parsers.parse_text(raw)


def _is_summary_word(value: object) -> bool:
    word = schema.normalize_word(str(value))
    return word in schema.SUMMARY_WORDS or any(
        word.startswith(w) and len(word) <= len(w) + 8 and not word[len(w) :].isalpha()
        for w in ("合计", "总计", "小计", "汇总")
    )


def _non_data_rows(
    raw: readers.RawTable, mapped: _Mapped, candidates: np.ndarray, key_pos: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Summary (合计) rows and repeated header rows among the candidate rows.

    Both kinds fail as data (a required value missing or invalid) or carry a short word
    in the key column, so only those candidates are looked at cell by cell.
    """
    n = len(raw.cells)
    summary = np.zeros(n, dtype=bool)
    repeated = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(candidates)
    if not len(idx):
        return summary, repeated
    scan = list(range(min(_SUMMARY_SCAN_COLUMNS, raw.cells.shape[1])))
    if key_pos is not None and key_pos not in scan:
        scan.append(key_pos)
    mapped_pos = list(mapped.columns.values())
    header_words = {pos: schema.normalize_word(raw.header[pos]) for pos in mapped_pos}
    sub = raw.cells.iloc[idx]
    for i, row in zip(idx, sub.itertuples(index=False, name=None), strict=True):
        if any(isinstance(row[p], str) and _is_summary_word(row[p]) for p in scan):
            summary[i] = True
            continue
        same = sum(
            isinstance(row[p], str) and schema.normalize_word(row[p]) == header_words[p]
            for p in mapped_pos
        )
        repeated[i] = same * 2 > len(mapped_pos)
    return summary, repeated


def _blank_rows(
    raw: readers.RawTable, mapped: _Mapped, parsed: dict[str, parsers.Parsed], n: int
) -> np.ndarray:
    """Rows of white space only: every mapped value missing and every other cell blank."""
    blank = np.ones(n, dtype=bool)
    for result in parsed.values():
        blank &= result.missing
    idx = np.flatnonzero(blank)
    if len(idx):
        others = [p for p in range(raw.cells.shape[1]) if p not in mapped.columns.values()]
        sub = raw.cells.iloc[idx, others] if others else None
        if sub is not None:
            blank[idx] = [
                all(readers.is_blank(v) for v in row)
                for row in sub.itertuples(index=False, name=None)
            ]
    return blank


def _summary_keys() -> frozenset[str]:
    """Key-cell spellings of a summary row, for an exact (hash) lookup."""
    words = {
        "合计",
        "总计",
        "小计",
        "汇总",
        "Total",
        "TOTAL",
        "total",
        "Totals",
        "Grand Total",
        "GRAND TOTAL",
        "Subtotal",
        "SubTotal",
        "Sub Total",
        "SUBTOTAL",
        "Sum",
        "SUM",
    }
    spellings = set()
    for word in words:
        for suffix in ("", ":", "：", " :", "："):
            for form in (word + suffix, " " + word + suffix, word + suffix + " "):
                spellings.add(form)
        spellings.add(" ".join(word))  # "合 计"
    return frozenset(spellings)


_SUMMARY_KEYS = _summary_keys()


def _summary_key_cells(column: pd.Series) -> np.ndarray:
    """Rows whose key cell is a summary word (合计, Total, ...)."""
    return column.isin(_SUMMARY_KEYS).to_numpy(dtype=bool)


@dataclass
class _Part:
    """One raw table after parsing, before cross-file de-duplication."""

    report: FileReport
    frame: pd.DataFrame  # canonical columns of this file's rows
    status: np.ndarray  # per row: ACCEPTED (provisional), SUMMARY or REJECTED
    problems: list[pd.DataFrame]
    warn_rows: dict[str, np.ndarray]  # column -> row positions with a nulled value


def _problem_frame(
    report: FileReport,
    lines: np.ndarray,
    positions: np.ndarray,
    status: str,
    column: str,
    reasons: Sequence[object],
    values: Sequence[object],
    original: tuple[list[str], list[str]] | None = None,
    params: Sequence[object] | None = None,
) -> pd.DataFrame:
    """Row problems: ``reason`` is an ``r_*`` message key, ``params`` its parameters."""
    n = len(positions)
    return pd.DataFrame(
        {
            "file": [report.path] * n,
            "sheet": [report.sheet] * n,
            "line": lines[positions],
            "table": [report.table] * n,
            "status": [status] * n,
            "column": [column] * n,
            "reason": list(reasons),
            "params": list(params) if params is not None else [None] * n,
            "value": list(values),
            "original": original[0] if original is not None else [None] * n,
            "original_masked": original[1] if original is not None else [None] * n,
        }
    )


def _flag_cells(
    raw: readers.RawTable, mapped: _Mapped, parsed_cols: dict[str, parsers.Parsed]
) -> None:
    """A workbook cell the reader flagged (a formula without a cached value, ``#N/A``) is a
    problem of its column, as an unreadable value is: it rejects the row in a required
    column, is a warning elsewhere; the problems file shows the cell as written."""
    column_of = {pos: name for name, pos in mapped.columns.items()}
    for (row, col), (reason, text) in raw.cell_problems.items():
        name = column_of.get(col)
        if name is None or name not in parsed_cols:
            continue
        parsed = parsed_cols[name]
        problems, missing = parsed.problems.copy(), np.array(parsed.missing, dtype=bool)
        problems[row], missing[row] = reason, False  # (pandas may hand out read-only arrays)
        parsed_cols[name] = parsers.Parsed(parsed.values, problems, missing)
        raw.cells.iat[row, col] = text


# the rows from which a forked child parses half of a file's columns beside this process
SPLIT_MIN_ROWS = 200_000


def _parse_columns(
    raw: readers.RawTable, mapped: _Mapped, options: IngestOptions
) -> dict[str, parsers.Parsed]:
    """Every mapped column parsed, in the table's order; a column's problem raised with the
    file (the first in the table's order). With a core to spare and a long file, a forked
    child parses every other column meanwhile (forks.divide): the same values."""
    columns = [col for col in mapped.table.columns if col.name in mapped.columns]
    here = os.getpid()

    def work(some: list[schema.Column]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for col in some:
            try:
                parsed = _parse_column(col, raw.cells[mapped.columns[col.name]], options)
            except parsers.ColumnProblem as problem:
                out[col.name] = problem
                break  # the columns after it are not needed (the earliest problem is raised)
            # a child sends a column kept as it is by a mark (this process has its cells):
            # a million strings cost more to send than to take again
            out[col.name] = _Kept() if parsed.kept and os.getpid() != here else parsed
        return out

    split = len(raw.cells) >= SPLIT_MIN_ROWS
    mine, theirs = (columns[::2], columns[1::2]) if split else (columns, [])
    got = forks.divide("parse", work, mine, theirs)
    parsed: dict[str, parsers.Parsed] = {}
    for col in columns:
        value = got[col.name]  # a column after a problem on its side is not there
        if isinstance(value, parsers.ColumnProblem):
            raise InputError(value.key, path=raw.label, column=col.name, **value.params) from None
        parsed[col.name] = (
            parsers.kept(raw.cells[mapped.columns[col.name]]) if isinstance(value, _Kept) else value
        )
    return parsed


class _Kept:
    """A child's mark for a column its parser kept as it is."""


def _parse_part(raw: readers.RawTable, mapped: _Mapped, options: IngestOptions) -> _Part:
    table = mapped.table
    n = len(raw.cells)
    report = FileReport(
        path=str(raw.path),
        sheet=raw.sheet,
        table=table.name,
        file_format=raw.file_format,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        header_line=raw.header_line,
        mapping=mapped.mapping,
        ignored=mapped.ignored,
        rows=n,
        blank_lines=raw.blank_lines,
    )

    report.notes.extend(Message(key, params) for key, params in raw.notes)  # the reader's

    # 0. two columns with one header: the one that holds values, and a note saying which
    for canonical, positions in mapped.ties.items():
        filled = [
            int((raw.cells[pos].fillna("").astype(str).str.strip() != "").sum())
            for pos in positions
        ]
        best = positions[int(np.argmax(filled))]
        mapped.columns[canonical] = best
        report.notes.append(
            Message(
                "duplicate_header",
                {
                    "file": raw.label,
                    "header": raw.header[best],
                    "n": len(positions),
                    "column": best + 1,
                    "filled": max(filled),
                },
            )
        )
    if mapped.ties:  # the columns not read are the ignored ones
        used = set(mapped.columns.values())
        report.ignored = [h for pos, h in enumerate(raw.header) if pos not in used and h.strip()]

    # 1. parse every mapped column
    parsed_cols = _parse_columns(raw, mapped, options)
    frame: dict[str, pd.Series] = {}
    extra_cols: dict[str, pd.Series] = {}
    for col in table.columns:
        if col.name in parsed_cols:
            frame[col.name] = parsed_cols[col.name].values.reset_index(drop=True)
        else:
            frame[col.name] = _empty_column(col, n)
    if table.name == "csi_surveys" and "score" in parsed_cols:
        # DOMAIN's edge rule: the scale declared (a scale column, the file's own setting, the
        # config), else decided per file with a warning when unsure; an answer outside its
        # scale is a rejected value, never a reason to rescale the file
        low, high, note = _survey_scales(raw.label, frame, mapped, options)
        if note is not None:
            report.notes.append(note)
        score = frame["score"].to_numpy(dtype=float)
        off = np.isfinite(score) & ((score < low) | (score > high))
        parsed = parsed_cols["score"]
        problems_now = parsed.problems.copy()
        problems_now[off & ~parsed.bad] = "r_score_off_scale"
        parsed_cols["score"] = parsers.Parsed(
            parsed.values.where(~pd.Series(off, index=parsed.values.index)),
            problems_now,
            parsed.missing,
        )
        raw_score = pd.Series(np.where(off, np.nan, score), index=range(n))
        extra_cols["score_raw"] = raw_score
        extra_cols["score_scale"] = pd.Series(high, index=range(n), dtype="Int64")
        extra_cols["score_low"] = pd.Series(low, index=range(n), dtype="Int64")
        frame["score"] = ((raw_score - low) / (high - low)).where(high > low)
    out = pd.DataFrame(frame)
    for name, series in extra_cols.items():
        out[name] = series
    if table.name == "repair_orders":
        out["labor_hours"] = out["labor_hours"] * (options.labor_hour_minutes / 60.0)
        parts_sum = out[["labor_amount", "parts_amount"]].sum(axis=1, min_count=1)
        out["total_amount"] = out["total_amount"].fillna(parts_sum)
    unit_missing = np.zeros(n, dtype=bool)
    if table.unit_columns:
        unit_cols = table.unit_columns if options.unit == "auto" else (options.unit,)
        unit = pd.Series(pd.NA, index=out.index, dtype="str")
        for name in unit_cols:
            unit = unit.fillna(out[name])
        out["unit_id"] = unit
        unit_missing = unit.isna().to_numpy()

    if raw.cell_problems:  # workbook cells calamine read as empty that are not
        _flag_cells(raw, mapped, parsed_cols)

    # 2. rows that are not data: 合计 rows and repeated headers
    fails = unit_missing.copy()
    for name in table.required:
        fails |= parsed_cols[name].missing | parsed_cols[name].bad
    key_col = table.key[-1] if table.key else None
    key_pos = mapped.columns.get(key_col) if key_col else None
    candidates = fails | (_summary_key_cells(raw.cells[key_pos]) if key_pos is not None else False)
    summary, repeated = _non_data_rows(raw, mapped, candidates, key_pos)
    blank = _blank_rows(raw, mapped, parsed_cols, n)
    if raw.ragged:  # a row whose only cells lie right of the header is no blank row
        blank[np.fromiter(raw.ragged, dtype=np.int64)] = False
    skip = summary | repeated | blank  # no per-column problems for these rows
    # rows rejected as a whole (split by a line break, stray far cells): one problem each
    whole = np.fromiter([*raw.split, *raw.stray], dtype=np.int64)
    if len(whole):
        blank[whole] = False
        skip[whole] = True
    status = np.full(n, ACCEPTED, dtype=np.int8)
    status[summary] = SUMMARY
    status[blank] = BLANK
    report.rows -= int(blank.sum())
    report.blank_lines += int(blank.sum())

    # 3. problems: required ones reject the row, optional ones empty the value
    problems: list[pd.DataFrame] = []
    reject_reasons: list[tuple] = []  # (positions, column, reasons, values[, params])
    warn_rows: dict[str, np.ndarray] = {}
    for name, parsed in parsed_cols.items():
        raw_col = raw.cells[mapped.columns[name]]
        bad = parsed.bad & ~skip
        if name in table.required:
            for mask, reason in ((parsed.missing & ~skip, "r_missing"), (bad, None)):
                pos = np.flatnonzero(mask)
                if len(pos):
                    reasons = [reason] * len(pos) if reason else list(parsed.problems[pos])
                    reject_reasons.append((pos, name, reasons, raw_col.iloc[pos].tolist()))
        elif bad.any():
            pos = np.flatnonzero(bad)
            warn_rows[name] = pos
            problems.append(
                _problem_frame(
                    report,
                    raw.lines,
                    pos,
                    "warning",
                    name,
                    list(parsed.problems[pos]),
                    raw_col.iloc[pos].tolist(),
                )
            )
    if table.name == "repair_orders":
        _times_before_open(out, raw, mapped, report, skip, warn_rows, problems)
    no_unit = np.flatnonzero(unit_missing & ~skip)
    if len(no_unit):
        reject_reasons.append(
            (no_unit, "unit_id", ["r_no_unit"] * len(no_unit), [None] * len(no_unit))
        )
    if repeated.any():
        pos = np.flatnonzero(repeated)
        reject_reasons.append((pos, "", ["r_repeated_header"] * len(pos), [None] * len(pos)))
    if raw.ragged:
        pos = np.array(sorted(raw.ragged), dtype=np.int64)
        params = [{"found": raw.ragged[int(p)], "expected": len(raw.header)} for p in pos]
        reject_reasons.append((pos, "", ["r_ragged"] * len(pos), [None] * len(pos), params))
    if raw.split:  # halves of one record: one rejected row naming its lines, never two rows
        pos = np.array(sorted(raw.split), dtype=np.int64)
        params = [{"first": raw.split[int(p)][0], "last": raw.split[int(p)][1]} for p in pos]
        reject_reasons.append((pos, "", ["r_split_row"] * len(pos), [None] * len(pos), params))
    if raw.stray:  # cells far outside a sheet's table: each such row rejected, named
        pos = np.array(sorted(raw.stray), dtype=np.int64)
        cells_at: list[dict[str, object]] = [{"cells": raw.stray[int(p)]} for p in pos]
        reject_reasons.append((pos, "", ["r_stray_cell"] * len(pos), [None] * len(pos), cells_at))
    for pos, column, reasons, values, *params in reject_reasons:
        status[pos] = REJECTED
        problems.append(
            _problem_frame(
                report,
                raw.lines,
                pos,
                "rejected",
                column,
                reasons,
                values,
                _originals(raw, mapped, pos),
                params[0] if params else None,  # type: ignore[arg-type]
            )
        )
    out["source_file"] = pd.Categorical.from_codes(
        np.zeros(n, dtype=np.int8),  # type: ignore[call-overload]
        categories=[report.label],
    )
    out["source_line"] = raw.lines
    return _Part(report, out, status, problems, warn_rows)


def _survey_scales(
    label: str, frame: dict[str, pd.Series], mapped: _Mapped, options: IngestOptions
) -> tuple[np.ndarray, np.ndarray, Message | None]:
    """Each answer's scale as (lowest, highest) arrays, and a note for the file when its
    scale was guessed from answers that fit several scales, or that mix two."""
    n = len(frame["score"])
    # each answer's own scale, where a scale column gives one (read once per distinct cell)
    has_own = np.zeros(n, dtype=bool)
    own_low = np.zeros(n, dtype=np.int64)
    own_high = np.zeros(n, dtype=np.int64)
    if "scale" in mapped.columns:
        codes, uniques = pd.factorize(frame["scale"], use_na_sentinel=True)
        specs = [parsers.scale_spec(u) for u in uniques]
        if specs:
            at = np.maximum(codes, 0)
            has_own = (codes >= 0) & np.array([sp is not None for sp in specs])[at]
            own_low = np.array([sp[0] if sp else 0 for sp in specs], dtype=np.int64)[at]
            own_high = np.array([sp[1] if sp else 0 for sp in specs], dtype=np.int64)[at]
    declared: tuple[int, int] | None = None
    name = Path(label.split("[")[0]).name
    for pattern, spec in options.csi_scales.items():  # the file's own, by name or glob
        if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(label, pattern):
            declared = parsers.scale_spec(spec)
            break
    if declared is None and options.csi_scale != "auto":
        declared = parsers.scale_spec(options.csi_scale)
    note = None
    if declared is None:
        # rows that declare their own scale (a scale column) are not part of the guess
        guess_from = frame["score"][~has_own]
        declared, why = parsers.decide_scale(guess_from)
        if why is not None and len(guess_from):
            note = Message(
                why,
                {"file": label, "scale": f"{declared[0]}-{declared[1]}" if declared else "?"},
            )
    default = declared or (0, 100)
    low = np.where(has_own, own_low, default[0])
    high = np.where(has_own, own_high, default[1])
    return low, high, note


LATER_TIMES = ("completed_time", "delivered_time", "settled_time")


def _times_before_open(
    out: pd.DataFrame,
    raw: readers.RawTable,
    mapped: _Mapped,
    report: FileReport,
    skip: np.ndarray,
    warn_rows: dict[str, np.ndarray],
    problems: list[pd.DataFrame],
) -> None:
    """A completion, delivery or settlement before the RO was opened (a negative duration)
    is a typing error: the value is emptied with a warning, the row kept."""
    opened = out["open_time"]
    if not pd.api.types.is_datetime64_any_dtype(opened):
        return
    for name in LATER_TIMES:
        if name not in mapped.columns or not pd.api.types.is_datetime64_any_dtype(out[name]):
            continue
        early = (out[name] < opened - pd.Timedelta(minutes=1)).fillna(False).to_numpy(bool) & ~skip
        pos = np.flatnonzero(early)
        if not len(pos):
            continue
        out.loc[pos, name] = pd.NaT
        warn_rows[name] = np.union1d(warn_rows.get(name, np.array([], dtype=np.int64)), pos)
        problems.append(
            _problem_frame(
                report,
                raw.lines,
                pos,
                "warning",
                name,
                ["r_before_open"] * len(pos),
                raw.cells[mapped.columns[name]].iloc[pos].tolist(),
            )
        )


def _originals(
    raw: readers.RawTable, mapped: _Mapped, positions: np.ndarray
) -> tuple[list[str], list[str]]:
    """Rejected rows' raw cells as ``header=value`` lines, in full and with personal data
    masked (what a pack or list writes unless --include-contact asks for the full ones)."""
    rows = raw.cells.iloc[positions]
    header = raw.header
    canonical = {i: name for name, i in mapped.columns.items()}
    full, masked = [], []
    for pos, row in zip(positions, rows.itertuples(index=False, name=None), strict=True):
        cells = [
            (header[i], text, canonical.get(i)) for i, v in enumerate(row) if (text := _cell(v))
        ]
        full.append("; ".join(f"{h}={text}" for h, text, _ in cells))
        masked.append(mask_original(cells, shifted=int(pos) in raw.ragged))
    return full, masked


def _cell(value: object) -> str:
    """A raw cell as text; numbers that pandas parsed on reading lose their ``.0``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _deduplicate(
    parts: list[_Part], table: schema.Table, present: set[str]
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Mark duplicates across all files of one table; returns the accepted rows."""
    frames = [
        p.frame if (p.status == ACCEPTED).all() else p.frame[p.status == ACCEPTED] for p in parts
    ]
    owners = (
        np.concatenate([np.full(int((p.status == ACCEPTED).sum()), i) for i, p in enumerate(parts)])
        if parts
        else np.array([])
    )
    positions = np.concatenate([np.flatnonzero(p.status == ACCEPTED) for p in parts])
    if len(frames) == 1:
        combined = frames[0].reset_index(drop=True)
    else:
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
                differ = [
                    c for c in value_cols if not _same(combined.at[i, c], combined.at[first, c])
                ]
                part = parts[owners[i]]
                part.report.conflicting_duplicates += 1
                params = {
                    "line": int(combined["source_line"].iloc[first]),
                    "file": combined.at[first, "source_file"],
                    "columns": ", ".join(differ),
                }
                problems.append(
                    _problem_frame(
                        part.report,
                        part.frame["source_line"].to_numpy(),
                        np.array([positions[i]]),
                        "duplicate",
                        differ[0] if differ else "",
                        ["r_conflict"],
                        [None],
                        None,
                        [params],
                    )
                )
    return combined[~dup_key].reset_index(drop=True), problems


def _same(a: object, b: object) -> bool:
    if pd.isna(a) and pd.isna(b):  # type: ignore[arg-type,call-overload]
        return True
    return bool(a == b)


@arrow_pool()  # from Python too: the columns not in mimalloc (threads.py)
def load(
    paths: str | Path | Iterable[str | Path],
    options: IngestOptions | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Dataset:
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
            raise UsageError(
                "bad_table_override", value=table_name, tables=", ".join(schema.TABLES)
            )
    indexes = _header_indexes(options)
    user = {schema.normalize_word(h): c for h, c in options.headers.items()}
    for header, target in options.headers.items():
        if not any(target in t.column_names for t in schema.TABLES.values()):
            raise UsageError(
                "bad_mapping_target",
                path="mapping",
                header=header,
                target=target,
                table="any table",
                columns=", ".join(schema.REPAIR_ORDERS.column_names),
            )
    parse = partial(_parse, files, notes, options, progress, indexes, user)
    return _load_cached(files, notes, options, progress, parse) if options.cache_dir else parse()


def _load_cached(
    files: list[Path],
    notes: list[str],
    options: IngestOptions,
    progress: Callable[[str], None] | None,
    parse: Callable[[], Dataset],
) -> Dataset:
    """:func:`load` through the cache in ``options.cache_dir`` (ingest/cache.py): the entry
    of these files and options if there is one that reads back exactly, else ``parse()``
    and the entry written. The cache never fails a load: a problem with it is said in
    ``Dataset.cache``."""
    from . import cache

    start = time.perf_counter()
    directory = Path(options.cache_dir or "")
    try:
        key = cache.key_for(files, options)
    except OSError as exc:  # a file that cannot be read: the parse says so, as without it
        dataset = parse()
        seconds = round(time.perf_counter() - start, 3)
        dataset.cache = CacheUse("not_stored", str(directory), seconds, _os_error(exc))
        return dataset
    entry = str(directory / key.name)
    status, detail = "stored", ""
    try:
        found = cache.read(directory, key, options, notes)
    except Exception as exc:  # any damage to an entry, whatever it raises: parse instead
        cache.remove(directory, key)
        found, status, detail = None, "unreadable", f"{type(exc).__name__}: {exc}"
    if found is not None:
        for file in files:
            if progress:
                progress(str(file))
        found.cache = CacheUse("hit", entry, round(time.perf_counter() - start, 3))
        return found
    dataset = parse()
    try:
        cache.write(directory, key, dataset)
    except OSError as exc:
        status, detail = "not_stored", _os_error(exc)
    except Exception as exc:  # a value Arrow or JSON cannot keep: the load stands as it is
        status, detail = "not_stored", f"{type(exc).__name__}: {exc}"
    dataset.cache = CacheUse(status, entry, round(time.perf_counter() - start, 3), detail)
    return dataset


def _os_error(exc: OSError) -> str:
    return f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc.strerror or exc)


def _parse(
    files: list[Path],
    notes: list[str],
    options: IngestOptions,
    progress: Callable[[str], None] | None,
    indexes: dict[str, dict[str, str]],
    user: dict[str, str],
) -> Dataset:
    scorer = _make_scorer(indexes)
    overrides = {str(Path(k)): v for k, v in options.tables.items()}

    parts_by_table: dict[str, list[_Part]] = {}
    present: dict[str, set[str]] = {}
    for file in files:
        if progress:
            progress(str(file))
        override = overrides.get(str(file)) or overrides.get(file.name)
        numeric = _numeric_columns(indexes, user, override)
        for raw in readers.read_file(file, scorer, numeric):
            mapped = _choose_table(raw.header, raw.label, indexes, user, override)
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
            if not report.adds_up:  # a bug, said as one: never silently wrong counts
                raise InputError(
                    "accounting_broken",
                    path=report.label,
                    counts=", ".join(
                        f"{k} {getattr(report, k)}"
                        for k in ("rows", "accepted", "duplicates", "summary_rows", "rejected")
                    ),
                )
    for part_list in parts_by_table.values():
        reports.extend(p.report for p in part_list)
    order = {str(f): i for i, f in enumerate(files)}
    reports.sort(key=lambda r: order.get(r.path, 0))
    problems = (
        pd.concat(all_problems, ignore_index=True)
        if all_problems
        else pd.DataFrame(columns=list(PROBLEM_COLUMNS))
    )
    return Dataset(
        tables,
        reports,
        problems,
        {k: tuple(c for c in schema.TABLES[k].column_names if c in v) for k, v in present.items()},
        options,
        notes,
    )
