"""Writing tables for people: CSV that Excel opens correctly and that cannot run formulas."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .dataset import arrow_strings
from .errors import InputError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe.

    Numbers stay numbers: only text columns are touched.
    """
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            try:  # vectorised (Arrow's kernel for Arrow strings); a missing or non-text cell: no
                risky = col.str.startswith(_FORMULA_START, na=False).astype(bool)
            except (AttributeError, TypeError):
                # object cells none of which is text: numbers, dates, or bytes only (on
                # which pandas refuses .str.startswith); nothing a spreadsheet would run
                continue
            if risky.any():
                text = col.astype(object)
                out[name] = text.where(~risky, "'" + text.astype(str))
    return out


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """An OS error while writing ``path`` as the one-line error that names it."""
    try:
        yield
    except OSError as exc:
        raise InputError(
            "output_not_writable", path=path, reason=exc.strerror or str(exc)
        ) from None


def ensure_dir(path: str | Path) -> Path:
    """The output folder, created if needed; a clear error if it cannot be."""
    path = Path(path)
    with _writing(path):
        path.mkdir(parents=True, exist_ok=True)
    return path


def write_csv(frame: pd.DataFrame, path: str | Path, *, private: bool = False) -> Path:
    """UTF-8 with BOM (so Excel shows Chinese), formulas neutralised.

    ``private`` files (holding personal data) are readable by their owner only.
    """
    path = Path(path)
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        safe = neutralise_formulas(frame)
        text = csv_bytes(safe)
        if text is None:
            safe.to_csv(path, index=False, encoding="utf-8-sig")
        else:  # the same characters pandas writes, three to four times faster
            path.write_bytes(b"\xef\xbb\xbf" + text)  # (the BOM utf-8-sig writes)
        if private:
            os.chmod(path, 0o600)
    return path


def write_xlsx(
    sheets: dict[str, pd.DataFrame],
    path: str | Path,
    *,
    private: bool = False,
    stamp: object | None = None,
) -> Path:
    """One workbook, a sheet per table. Every text cell is written as text, never as a
    formula or a link (XlsxWriter's conversions off, each cell typed by hand); numbers as
    numbers; the header row frozen. ``stamp`` fixes the file's creation date, so the same
    tables give the same bytes."""
    from xlsxwriter import Workbook

    path = Path(path)
    created = pd.Timestamp(str(stamp or "2000-01-01")).to_pydatetime()
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        book = Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": False,
            },
        )
        book.set_properties({"created": created})
        bold = book.add_format({"bold": True})
        used: set[str] = set()
        for title, frame in sheets.items():
            name = _sheet_name(title, used)
            sheet = book.add_worksheet(name)
            for col, header in enumerate(frame.columns):
                sheet.write_string(0, col, str(header), bold)
                width = _write_column(sheet, col, frame.iloc[:, col], len(str(header)))
                sheet.set_column(col, col, min(max(width, 6) * 1.6, 60))
            sheet.freeze_panes(1, 0)
        book.close()
        if private:
            os.chmod(path, 0o600)
    return path


def _write_column(sheet: Any, col: int, series: pd.Series, width: int) -> int:
    """One column's cells below the header, typed by the column where its dtype says what
    every cell is (numbers, all-text) and cell by cell otherwise; the widest text's length."""
    import datetime as dt
    import math
    import numbers

    import numpy as np

    dtype = series.dtype
    values = series.tolist()
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        # ints and floats (NumPy or nullable): numbers; NaN, NA and infinities left empty
        for row, value in enumerate(values, start=1):
            if value is not None and value is not pd.NA and math.isfinite(value):
                sheet.write_number(row, col, float(value))
        return width
    if isinstance(dtype, pd.StringDtype):
        # a pandas string column: text or missing, nothing else
        for row, value in enumerate(values, start=1):
            if isinstance(value, str):
                width = max(width, len(value))
                sheet.write_string(row, col, value)
        return width
    for row, value in enumerate(values, start=1):
        if value is None or value is pd.NA or value is pd.NaT:
            continue
        if isinstance(value, bool | np.bool_):
            sheet.write_boolean(row, col, bool(value))
        elif isinstance(value, numbers.Real):
            if math.isfinite(value):
                sheet.write_number(row, col, float(value))
        elif isinstance(value, dt.date | pd.Timestamp):
            sheet.write_string(row, col, str(pd.Timestamp(value).date()))
        else:
            text = str(value)
            width = max(width, len(text))
            sheet.write_string(row, col, text)
    return width


def _sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


# --------------------------------------------------------------------------- CSV text
# a text cell is quoted where it holds one of these (the csv module's QUOTE_MINIMAL with
# pandas' delimiter, quote and line terminator); a line break that is not part of the line
# terminator is quoted or not by the Python version: pandas writes such a column
_QUOTE_IF = '[,"' + "".join(f"\\x{{{ord(c):x}}}" for c in os.linesep) + "]"
_OTHER_BREAKS = "".join(c for c in "\r\n" if c not in os.linesep)


def csv_bytes(frame: pd.DataFrame) -> bytes | None:
    """``frame.to_csv(index=False)``'s text in UTF-8, the same characters, made column by
    column by Arrow's kernels without a Python string per cell or row (three to four times
    faster on the 1M-RO store's customer tables: pandas spells each float in Python);
    ``None`` where a column's type is not one this knows, or a cell holds what Python
    versions quote differently (the caller lets pandas write)."""
    if len(frame.columns) < 2 or not frame.columns.is_unique:
        return None  # (one column: the csv module quotes an empty cell; pandas decides)
    import pyarrow as pa
    import pyarrow.compute as pc

    if not all(isinstance(name, str) for name in frame.columns):
        return None
    header = (",".join(_quoted_py(name) for name in frame.columns) + os.linesep).encode()
    if not len(frame):
        return header
    cells = []
    for name in frame.columns:
        text = _cells(frame[name], pa, pc)
        if text is None:
            return None
        cells.append(text)
    rows = pc.binary_join_element_wise(*cells, _s(",", pa))
    lines = pc.binary_join_element_wise(rows, _s("", pa), _s(os.linesep, pa))  # row + break
    if isinstance(lines, pa.ChunkedArray):
        lines = pa.concat_arrays(lines.chunks)
    # the lines end to end are the body: the string data between the first and last offset
    _, offsets, data = lines.buffers()
    ends = np.frombuffer(offsets, dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return header + memoryview(data)[ends[0] : ends[-1]].tobytes()


def _s(text: str, pa: Any) -> Any:
    return pa.scalar(text, pa.large_string())


def _quoted_py(text: str) -> str:
    if any(c in text for c in ',"' + os.linesep):
        return '"' + text.replace('"', '""') + '"'
    return text


def _cells(col: pd.Series, pa: Any, pc: Any) -> Any | None:
    """A column's cells as pandas writes them (missing: empty), or None."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if not all(isinstance(c, str) for c in dtype.categories):
            return None
        col = col.astype(object)
        dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        if col.isna().any():
            return None  # a nullable boolean with gaps: pandas decides
        return pa.array(np.where(col.to_numpy(dtype=bool), "True", "False"), pa.large_string())
    if pd.api.types.is_integer_dtype(dtype):
        if pd.api.types.is_unsigned_integer_dtype(dtype) and str(dtype).lower() == "uint64":
            return None  # beyond int64's range
        missing = col.isna().to_numpy()
        values = pa.array(col.to_numpy(dtype="int64", na_value=0), pa.int64())
        text = pc.cast(values, pa.large_string())
        return pc.if_else(pa.array(missing), _s("", pa), text) if missing.any() else text
    if pd.api.types.is_float_dtype(dtype):
        if dtype not in (np.float64, pd.Float64Dtype()):
            return None
        return _floats(col.to_numpy(dtype="float64", na_value=np.nan), pa, pc)
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return _datetimes(col, pa, pc)
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        text = arrow_strings(col)  # Arrow's own strings, no copy
        if text is None:
            try:  # text and gaps only (a number or a date among them: pandas decides)
                text = pa.array(col.to_numpy(dtype=object), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return None
            if pa.types.is_null(text.type):  # gaps only (a list's advisor never given)
                return pc.fill_null(pa.nulls(len(text), pa.large_string()), _s("", pa))
            if pa.types.is_date32(text.type):  # datetime.date cells and gaps: the lists' days
                span = pc.min_max(pc.year(text)).as_py()
                if span["min"] is not None and (span["min"] < 1000 or span["max"] > 9999):
                    return None  # a year of other than four digits: pandas decides
                return pc.fill_null(pc.cast(text, pa.large_string()), _s("", pa))
        if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
            return None
        text = pc.fill_null(text.cast(pa.large_string()), _s("", pa))
        for odd in ("\x00", *_OTHER_BREAKS):
            if pc.any(pc.match_substring(text, odd)).as_py():
                return None
        risky = pc.match_substring_regex(text, _QUOTE_IF)
        if pc.any(risky).as_py():
            quote = _s('"', pa)
            quoted = pc.binary_join_element_wise(
                quote, pc.replace_substring(text, '"', '""'), quote, _s("", pa)
            )
            text = pc.if_else(risky, quoted, text)
        return text
    return None


def _floats(values: np.ndarray, pa: Any, pc: Any) -> Any:
    """float64 as Python's repr writes it (pandas' text): Arrow's shortest decimal where it
    has no exponent and Python would write none (1e-4 <= |x| < 1e16, not whole); whole
    numbers as their integer and ".0"; the rest (exponents, -0.0, inf) by repr; NaN empty."""
    finite, missing = np.isfinite(values), np.isnan(values)
    size = np.abs(values, where=finite, out=np.zeros_like(values))
    whole = finite & (values == np.floor(values, where=finite, out=np.zeros_like(values)))
    whole &= (size < 1e16) & ~((values == 0) & np.signbit(values))  # -0.0: by repr
    out = pc.cast(pa.array(values), pa.large_string())
    plain = finite & ~whole & (size >= 1e-4) & (size < 1e16)
    plain &= ~np.asarray(pc.match_substring(out, "e").to_numpy(zero_copy_only=False), dtype=bool)
    as_int = pc.binary_join_element_wise(
        pc.cast(pa.array(np.where(whole, values, 0).astype("int64")), pa.large_string()),
        _s(".0", pa),
        _s("", pa),
    )
    text = pc.if_else(pa.array(whole), as_int, out)
    rest = ~plain & ~whole & ~missing
    if rest.any():
        spelt = np.full(len(values), "", dtype=object)
        spelt[rest] = [repr(float(v)) for v in values[rest]]
        text = pc.if_else(pa.array(rest), pa.array(spelt, pa.large_string()), text)
    if missing.any():
        text = pc.if_else(pa.array(missing), _s("", pa), text)
    return text


def _datetimes(col: pd.Series, pa: Any, pc: Any) -> Any | None:
    """Naive timestamps as pandas writes a column of them: the day alone where every one is
    at midnight, else the day and the time to the second (anything finer: pandas decides)."""
    values = col.to_numpy()
    unit, _ = np.datetime_data(values.dtype)
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}.get(unit)
    if per_second is None:
        return None
    missing = np.isnat(values)
    ticks = values.view("int64")[~missing]
    if (ticks % per_second).any():
        return None
    fmt = "%Y-%m-%d" if not (ticks % (86_400 * per_second)).any() else "%Y-%m-%d %H:%M:%S"
    seconds = np.where(missing, values.dtype.type(0, unit), values).astype("datetime64[s]")
    text = pc.cast(pc.strftime(pa.array(seconds, pa.timestamp("s")), format=fmt), pa.large_string())
    return pc.if_else(pa.array(missing), _s("", pa), text) if missing.any() else text
