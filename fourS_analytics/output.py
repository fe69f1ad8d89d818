"""Writing tables for people: CSV that Excel opens correctly and that cannot run formulas."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

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
        neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8-sig")
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
