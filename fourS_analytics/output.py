"""Writing tables for people: CSV that Excel opens correctly and that cannot run formulas."""

from __future__ import annotations

import os
from pathlib import Path

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
            text = col.astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
            if risky.any():
                out[name] = text.where(~risky, "'" + text.astype(str))
    return out


def ensure_dir(path: str | Path) -> Path:
    """The output folder, created if needed; a clear error if it cannot be."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            "output_not_writable", path=path, reason=exc.strerror or str(exc)
        ) from None
    return path


def write_csv(frame: pd.DataFrame, path: str | Path, *, private: bool = False) -> Path:
    """UTF-8 with BOM (so Excel shows Chinese), formulas neutralised.

    ``private`` files (holding personal data) are readable by their owner only.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8-sig")
        if private:
            os.chmod(path, 0o600)
    except OSError as exc:
        raise InputError(
            "output_not_writable", path=path, reason=exc.strerror or str(exc)
        ) from None
    return path
