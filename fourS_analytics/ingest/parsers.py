"""Vectorised parsers from raw export cells to canonical values.

Every parser takes a Series of raw cells (strings or missing) and returns a
:class:`Parsed`: the canonical values, and for each row either ``None`` or the key of
the problem found (an ``r_*`` message key of :mod:`fourS_analytics.i18n`). A missing or
blank cell is *missing*, not a problem; the ingest layer decides whether a missing value
rejects the row.

Parsers work on the unique values of a column and map the result back, so a column of a
million rows with a few thousand distinct values costs a few thousand parses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..dataset import arrow_strings


class ColumnProblem(Exception):
    """A problem of a whole column (e.g. undecidable date order); the caller adds the file."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __reduce__(self) -> tuple[object, ...]:  # sent back by a forked child whole
        return (_column_problem, (self.key, self.params))


def _column_problem(key: str, params: dict[str, object]) -> ColumnProblem:
    return ColumnProblem(key, **params)


@dataclass
class Parsed:
    values: pd.Series
    problems: np.ndarray  # object array: None or an r_* message key, per row
    missing: np.ndarray  # bool array: the cell was empty
    kept: bool = False  # the cells as they are (see kept())

    @property
    def bad(self) -> np.ndarray:
        return np.asarray(pd.notna(self.problems), dtype=bool)


def problem_array(mask: np.ndarray | pd.Series, key: str) -> np.ndarray:
    """An object array holding ``key`` where ``mask`` is true, None elsewhere."""
    flags = np.asarray(mask, dtype=bool)
    out = np.full(len(flags), None, dtype=object)
    out[flags] = key
    return out


def all_match(values: pd.Series, pattern: str, joined: str | None = None) -> bool:
    """True when every value matches ``pattern``: one regex scan over the values joined
    by NUL, far cheaper than a match per value. ``pattern`` must not match NUL (the
    readers never leave one in a cell)."""
    if values.empty:
        return True
    joined = joined if joined is not None else "\x00".join(values.tolist())
    return re.fullmatch(f"(?:{pattern})(?:\x00(?:{pattern}))*", joined) is not None


def _nfkc(values: pd.Series) -> pd.Series:
    return values.map(lambda v: unicodedata.normalize("NFKC", v) if not v.isascii() else v)


def by_unique(
    raw: pd.Series,
    parse: Callable[[pd.Series], tuple[pd.Series, np.ndarray]],
    dtype: object = object,
) -> Parsed:
    """Apply ``parse`` to the distinct stripped values of ``raw`` and map back to rows.

    ``parse`` receives a Series of non-empty strings and returns the parsed values and an
    object array of problem keys (None where fine), both aligned with its input.
    """
    if isinstance(raw.dtype, pd.StringDtype):  # Arrow's dictionary encoding, in C
        codes, found = pd.factorize(raw, use_na_sentinel=True)
    else:
        codes, found = pd.factorize(raw.astype(object), use_na_sentinel=True)
    uniques = np.asarray(found, dtype=object)
    try:
        uniq = pd.Series([u.strip() for u in uniques], dtype=object)
    except AttributeError:  # a cell that is not text
        uniq = pd.Series([str(u).strip() for u in uniques], dtype=object)
    empty_u = (uniq == "").to_numpy(dtype=bool)
    has_empty = bool(empty_u.any())
    pos = np.flatnonzero(~empty_u)
    values_ne, problems_ne = parse(uniq.iloc[pos].reset_index(drop=True) if has_empty else uniq)

    # text and categories are converted on the distinct values, before the take: a take of
    # Arrow strings or category codes is C, where a column of a million Python objects
    # converted afterwards is not
    late = isinstance(dtype, pd.CategoricalDtype) or dtype == "str"
    if not has_empty:  # the common case: no scatter needed
        values_u = values_ne.reset_index(drop=True)
    else:
        values_u = (
            pd.Series([None] * len(uniq), dtype=object)
            if dtype is object or late
            else (pd.Series(index=range(len(uniq)), dtype=dtype))  # type: ignore[call-overload]
        )
        if len(pos):
            values_u.iloc[pos] = values_ne.to_numpy()
    if dtype is not object and str(values_u.dtype) != str(dtype):
        values_u = values_u.astype(dtype)  # type: ignore[call-overload]
    taken = pd.api.extensions.take(values_u.array, codes, allow_fill=True)
    out_values = pd.Series(taken, index=raw.index, dtype=values_u.dtype)  # no inference

    has = codes >= 0
    missing = ~has
    if has_empty:
        missing = missing | empty_u[np.maximum(codes, 0)]
    problems = np.full(len(codes), None, dtype=object)
    if len(problems_ne) and pd.notna(problems_ne).any():
        problems_u = np.full(len(uniq), None, dtype=object)
        problems_u[pos] = problems_ne
        problems[has] = problems_u[codes[has]]
    return Parsed(out_values, problems, np.asarray(missing, dtype=bool))


def fast_then_careful(
    raw: pd.Series,
    fast: Callable[[pd.Series], pd.Series],
    careful: Callable[[pd.Series], Parsed],
    dtype: str,
) -> Parsed:
    """Convert the whole column with a vectorised ``fast`` conversion (NaN/NaT where it
    fails), then give only the rows it could not convert to the ``careful`` parser.

    Clean exports go through one C-speed pass; messy cells still get every rule. A column
    that the reader already parsed as numbers is taken as it is.
    """
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        numbers = raw.astype("float64")
        finite = np.isfinite(numbers.to_numpy())
        missing = numbers.isna().to_numpy()
        return Parsed(
            numbers.where(finite), problem_array(~finite & ~missing, "r_bad_number"), missing
        )
    obj = raw.astype(object)
    present = obj.notna().to_numpy()
    values = fast(obj).astype(dtype).reset_index(drop=True)  # type: ignore[call-overload]
    todo = present & values.isna().to_numpy()
    problems = np.full(len(obj), None, dtype=object)
    missing = ~present
    if todo.any():
        idx = np.flatnonzero(todo)
        slow = careful(obj.iloc[idx])
        values.iloc[idx] = slow.values.to_numpy()
        problems[idx] = slow.problems
        missing = missing.copy()
        missing[idx] = slow.missing
    values.index = raw.index
    return Parsed(values, problems, missing)


def _as_text(parsed: Parsed, empty_bad: bool = False) -> Parsed:
    """Finish a text column: the string dtype, missing cells (and, with ``empty_bad``, cells
    with a problem) empty."""
    empty = parsed.missing | parsed.bad if empty_bad else parsed.missing
    parsed.values = parsed.values.astype("str").where(~pd.Series(empty, index=parsed.values.index))
    return parsed


# --------------------------------------------------------------------------- text and ids
def parse_text(raw: pd.Series) -> Parsed:
    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        return u, np.full(len(u), None, dtype=object)

    parsed = _as_is(raw) or by_unique(raw, parse, dtype="str")
    return _as_text(parsed)


_CLEAN_ID = r"(?![^\x00]*\.0(?:\x00|$))[\x21-\x7e]+"


# an id Excel showed in scientific notation (1.23457E+11, 5.3E+02): its digits are gone, and
# different customers would merge into one
_SPOILED_ID = r"\d+(?:\.\d+)?[eE][+-]\d+"
_EXPONENT_SIGNS = ("e+", "e-", "E+", "E-")  # one of them is in every spoiled id


# every character Python's str.strip() strips (and ``\\s`` matches), written out: Unicode's
# spaces and line breaks and the ASCII separators 0x1c-0x1f (a test checks the list against
# the running Python); finding them by a loop over the 1.1M code points cost 0.06 s a process
PYTHON_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _spaces() -> str:
    """:data:`PYTHON_SPACES` escaped for a character class of Arrow's RE2, whose own ``\\s``
    knows ASCII spaces only."""
    return "".join(f"\\x{{{ord(c):x}}}" for c in PYTHON_SPACES)


def _as_is(raw: pd.Series, match: str | None = None, forbid: tuple[str, ...] = ()) -> Parsed | None:
    """A text column none of whose cells its parser would change, passed as it is: no cell
    empty or with a space at either end (Python's spaces, the ideographic one included),
    every cell matching ``match`` whole and none containing a ``forbid`` pattern (RE2).
    Checked by Arrow's C kernels on the whole column at once; None (the parser's own rules,
    distinct value by distinct value) where any cell fails."""
    arr = arrow_strings(raw)
    if arr is None:
        return None
    import pyarrow.compute as pc

    # a space at either end: the cell is longer than its trimmed self (three times faster
    # than RE2's "^[spaces]|[spaces]$" on the 1M-RO file's columns)
    trimmed = pc.utf8_trim(arr, characters=PYTHON_SPACES)
    risky = pc.or_(
        pc.equal(arr, ""), pc.not_equal(pc.binary_length(trimmed), pc.binary_length(arr))
    )
    if match is not None:
        risky = pc.or_(risky, pc.invert(pc.match_substring_regex(arr, f"^(?:{match})$")))
    for pattern in forbid:
        risky = pc.or_(risky, pc.match_substring_regex(arr, pattern))
    if pc.any(risky).as_py():  # any() leaves nulls out: a missing cell is fine
        return None
    return kept(raw)


def kept(raw: pd.Series) -> Parsed:
    """A column of Arrow-backed strings its parser passes as it is (:func:`_as_is` found
    nothing to change), marked ``kept``: whoever has the same cells can make it again."""
    arr: Any = arrow_strings(raw)
    # in one piece: the reader's blocks (hundreds per million rows) would slow every later
    # take, join and group of the column
    whole = arr.combine_chunks() if hasattr(arr, "combine_chunks") else arr
    one: Any = pd.array(whole, dtype=raw.dtype)
    values = pd.Series(one, index=raw.index).astype("str")
    return Parsed(values, np.full(len(raw), None, dtype=object), values.isna().to_numpy(), True)


def parse_id(raw: pd.Series) -> Parsed:
    # the common case, nothing to clean: printable ASCII, no Excel ".0" at the end, and no
    # exponent (e+, E-) an id spoiled by Excel would have
    plain = _as_is(raw, r"[\x21-\x7e]+", forbid=(r"\.0$", "[eE][+-]"))
    if plain is not None:
        return plain

    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        joined = "\x00".join(u.tolist())
        if any(sign in joined for sign in _EXPONENT_SIGNS):  # else nothing can be spoiled
            spoiled = u.str.fullmatch(_SPOILED_ID).fillna(False).to_numpy(dtype=bool)
            if spoiled.any():
                values, problems = parse(u.where(~spoiled, "x"))
                return values.where(~spoiled), np.where(spoiled, "r_spoiled_id", problems)
        if all_match(u, _CLEAN_ID, joined):  # the common case: nothing to clean
            return u, np.full(len(u), None, dtype=object)
        # clean ids (ASCII, no spaces, no Excel ".0") pass as they are
        clean_id = re.compile(_CLEAN_ID)
        clean = np.fromiter(
            (clean_id.fullmatch(v) is not None for v in u), dtype=bool, count=len(u)
        )
        if not clean.all():
            dirty = _nfkc(u[~clean]).str.replace(r"\s+", "", regex=True)
            # an id that Excel turned into a float ("12345.0") gets its integer back
            u = u.copy()
            u[~clean] = dirty.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
        return u, np.full(len(u), None, dtype=object)

    parsed = by_unique(raw, parse, dtype="str")
    return _as_text(parsed)


# --------------------------------------------------------------------------- dates
_FAST_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y-%m-%dT%H:%M:%S",
)
_DATE_RE = re.compile(
    r"""^(?:
        (?P<y1>\d{4})\s*[-/.年]\s*(?P<m1>\d{1,2})\s*[-/.月]\s*(?P<d1>\d{1,2})\s*日?
      | (?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})
      | (?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y3>\d{4})
    )
    (?:[ T]+(?P<ampm1>上午|下午|AM|PM|am|pm)?\s*
       (?P<H>\d{1,2})\s*[:时点]\s*(?P<M>\d{1,2})\s*分?
       (?:\s*[:]\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?
       \s*(?P<ampm2>[AaPp]\.?[Mm]\.?|上午|下午)?
    )?$""",
    re.VERBOSE,
)
_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_MIN_SERIAL = (pd.Timestamp(f"{schema.MIN_VALID_YEAR}-01-01") - _EXCEL_EPOCH).days
_MAX_SERIAL = (pd.Timestamp(f"{schema.MAX_VALID_YEAR}-12-31") - _EXCEL_EPOCH).days


def _decide_order(a: pd.Series, b: pd.Series, date_order: str, examples: pd.Series) -> str:
    """Day/month or month/day for the whole column, from the values that decide it."""
    if date_order in ("dmy", "mdy"):
        return date_order
    first_big = a > 12
    second_big = b > 12
    if first_big.any() and second_big.any():
        raise ColumnProblem(
            "inconsistent_dates", dmy=examples[first_big].iloc[0], mdy=examples[second_big].iloc[0]
        )
    if first_big.any():
        return "dmy"
    if second_big.any():
        return "mdy"
    ambiguous = a != b
    if not ambiguous.any():  # 3/3/2025: either order gives the same date
        return "mdy"
    raise ColumnProblem("ambiguous_dates", example=examples[ambiguous].iloc[0])


def _slow_dates(u: pd.Series, date_order: str) -> pd.Series:
    """Parse the forms the fast formats missed; NaT where nothing fits."""
    norm = _nfkc(u).str.strip()
    out = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    serial = norm.str.match(_SERIAL_RE.pattern)
    if serial.any():
        days = pd.to_numeric(norm[serial], errors="coerce")
        ok = (days >= _MIN_SERIAL) & (days <= _MAX_SERIAL)
        out[days[ok].index] = _EXCEL_EPOCH + pd.to_timedelta((days[ok] * 86400).round(), unit="s")
    rest = norm[~serial]
    if rest.empty:
        return out
    parts = rest.str.extract(_DATE_RE)
    num = parts[["y1", "m1", "d1", "y2", "m2", "d2", "a", "b", "y3", "H", "M", "S"]].apply(
        pd.to_numeric, errors="coerce"
    )
    year = num["y1"].fillna(num["y2"])
    month = num["m1"].fillna(num["m2"])
    day = num["d1"].fillna(num["d2"])
    loose = num["y3"].notna()
    if loose.any():
        order = _decide_order(num.loc[loose, "a"], num.loc[loose, "b"], date_order, rest[loose])
        first, second = (num["b"], num["a"]) if order == "dmy" else (num["a"], num["b"])
        year = year.fillna(num["y3"])
        month = month.where(~loose, first)
        day = day.where(~loose, second)
    hour = num["H"].fillna(0)
    ampm = parts["ampm1"].fillna(parts["ampm2"]).fillna("").str.lower().str.replace(".", "")
    pm = ampm.isin(["pm", "下午"])
    am = ampm.isin(["am", "上午"])
    bad_hour = (am | pm) & ((hour > 12) | (hour < 1))
    hour = hour.where(~(pm & (hour < 12)), hour + 12)
    hour = hour.where(~(am & (hour == 12)), 0)
    comps = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": hour,
            "minute": num["M"].fillna(0),
            "second": num["S"].fillna(0),
        }
    )
    valid = year.notna() & month.notna() & day.notna() & ~bad_hour
    if valid.any():
        parsed = pd.to_datetime(comps[valid].astype("int64"), errors="coerce")
        out[parsed.index] = parsed
    return out


def _in_range(values: pd.Series) -> pd.Series:
    years = values.dt.year
    return (years >= schema.MIN_VALID_YEAR) & (years <= schema.MAX_VALID_YEAR)


def _careful_datetime(raw: pd.Series, date_order: str) -> Parsed:
    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        out = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
        todo = pd.Series(True, index=u.index)
        if len(u):
            sample = u.iloc[: min(len(u), 200)]
            best, best_ok = None, 0
            for fmt in _FAST_FORMATS:
                ok = pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum()
                if ok > best_ok:
                    best, best_ok = fmt, ok
            if best is not None:
                out = pd.to_datetime(u, format=best, errors="coerce").astype("datetime64[ns]")
                todo = out.isna()
        if todo.any():
            out[todo] = _slow_dates(u[todo], date_order)
        problems = problem_array(out.isna(), "r_bad_date")
        out_of_range = out.notna() & ~_in_range(out)
        problems[out_of_range.to_numpy()] = "r_date_range"
        out[out_of_range] = pd.NaT
        return out, problems

    return by_unique(raw, parse, dtype="datetime64[ns]")


def _fast_datetime(sample: pd.Series) -> Callable[[pd.Series], pd.Series]:
    """The strict format that parses most of a sample, as a whole-column conversion."""
    best, best_ok = None, 0
    for fmt in _FAST_FORMATS:
        ok = pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum()
        if ok > best_ok:
            best, best_ok = fmt, ok

    def convert(col: pd.Series) -> pd.Series:
        if best is None:
            return pd.Series(pd.NaT, index=col.index, dtype="datetime64[ns]")
        out = pd.to_datetime(col, format=best, errors="coerce")
        return out.where(_in_range(out))  # out of range: the careful parser says why

    return convert


def parse_datetime(raw: pd.Series, date_order: str = "auto", *, date_only: bool = False) -> Parsed:
    """Dates and times in every form of DOMAIN.md; column-wide D/M vs M/D decision."""
    sample = raw.dropna().iloc[:200].astype(str).str.strip()
    parsed = fast_then_careful(
        raw,
        _fast_datetime(sample),
        lambda rest: _careful_datetime(rest, date_order),
        "datetime64[ns]",
    )
    if date_only:
        parsed.values = parsed.values.dt.normalize()
    return parsed


# --------------------------------------------------------------------------- numbers
_CURRENCY = re.compile(r"[¥￥$€元圆円]|rmb|cny|usd|eur|,|\s", re.IGNORECASE)


def _numbers(u: pd.Series) -> pd.Series:
    fast = pd.to_numeric(u, errors="coerce")
    todo = fast.isna()
    if todo.any():
        s = _nfkc(u[todo]).str.replace(_CURRENCY, "", regex=True)
        negative = s.str.match(r"^\(.*\)$") | s.str.endswith("-")
        s = s.str.strip("()").str.rstrip("-")
        val = pd.to_numeric(s, errors="coerce")
        fast[todo] = val.where(~negative, -val)
    return fast.astype("float64")


def _careful_amount(raw: pd.Series) -> Parsed:
    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        val = _numbers(u)
        bad = ~np.isfinite(val.to_numpy())
        return val.where(~bad), problem_array(bad, "r_bad_number")

    return by_unique(raw, parse, dtype="float64")


def _fast_number(col: pd.Series) -> pd.Series:
    out = pd.to_numeric(col, errors="coerce").astype("float64")
    failed = (col.notna() & out.isna()).to_numpy()
    if failed.any():  # "1,234.50": thousands separators, the common case in exports
        retry = pd.to_numeric(col[failed].str.replace(",", "", regex=False), errors="coerce")
        out[failed] = retry.astype("float64")
    return out.where(np.isfinite(out))


MAX_AMOUNT = 1e8  # 1 亿: no repair order, mileage or hour count comes near it


# a European amount: 1.234,50 or 680,00 (one or two decimals after the comma); and the
# dot-decimal amounts that rule a column out of it (1,234.50, 680.00)
_DECIMAL_COMMA = re.compile(
    r"[-(]?\D{0,3}\d{1,3}(?:\.\d{3})*,\d{1,2}\)?|[-(]?\D{0,3}\d+,\d{1,2}\)?"
)
_DECIMAL_DOT = re.compile(r"[-(]?\D{0,3}\d{1,3}(?:,\d{3})*\.\d{1,2}\)?|[-(]?\D{0,3}\d+\.\d{1,2}\)?")


def decimal_comma(raw: pd.Series) -> bool:
    """Whether a text column writes amounts with a decimal comma (1.234,50; 680,00): some of
    its values can only be read so, and none is a dot-decimal amount. Read as thousands
    separators, 680,00 was 68000 and 1.234,50 was 1.2345."""
    if pd.api.types.is_numeric_dtype(raw):
        return False
    text = raw.dropna().astype(str)
    if not text.str.contains(",", regex=False).any():  # the common case, in one pass
        return False
    values = pd.Series(text.str.strip().unique()[:20_000])
    if values.empty:
        return False
    comma = values.map(lambda v: _DECIMAL_COMMA.fullmatch(v) is not None)
    dot = values.map(lambda v: _DECIMAL_DOT.fullmatch(v) is not None)
    return bool(comma.any() and not dot.any())


def parse_amount(raw: pd.Series, limit: float = MAX_AMOUNT) -> Parsed:
    """Currency: ¥, 元, RMB, thousands separators, full-width digits, (negatives); a column
    written with decimal commas (1.234,50) is read as such. A value beyond ±1 亿 (1e308, an
    overflowed cell, a pasted id; ``limit``, ``[ingest] max_amount``) is a problem, not a
    figure: one such cell would make the year's revenue infinite."""
    if decimal_comma(raw):
        text = raw.astype(object).where(raw.isna(), raw.astype(str))
        raw = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    parsed = fast_then_careful(raw, _fast_number, _careful_amount, "float64")
    values = parsed.values.to_numpy(dtype=float, na_value=np.nan)
    wild = (np.abs(values) > limit) | np.isinf(values)
    if wild.any():
        parsed.problems[wild & ~parsed.bad] = "r_implausible_amount"
        parsed.values = parsed.values.where(~wild)
    return parsed


def parse_number(raw: pd.Series, limit: float = MAX_AMOUNT) -> Parsed:
    """A non-negative quantity (mileage, hours)."""
    parsed = parse_amount(raw, limit)
    negative = (parsed.values < 0).to_numpy()
    if negative.any():
        parsed.problems[negative] = "r_negative"
        parsed.values = parsed.values.where(~negative)
    return parsed


# --------------------------------------------------------------------------- flags
_TRUE = {"是", "y", "yes", "1", "true", "t", "√", "✓", "✔", "有", "预约", "返修", "1.0", "x"}
_FALSE = {"否", "n", "no", "0", "false", "f", "×", "✗", "无", "非预约", "0.0", "-"}


def parse_bool(raw: pd.Series) -> Parsed:
    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        word = _nfkc(u).str.strip().str.lower()
        val = pd.Series(pd.NA, index=u.index, dtype="boolean")
        val[word.isin(_TRUE)] = True
        val[word.isin(_FALSE)] = False
        problems = problem_array(val.isna().to_numpy(), "r_bad_bool")
        return val, problems

    return by_unique(raw, parse, dtype="boolean")


# --------------------------------------------------------------------------- contact
_SCI = re.compile(r"^\d+(?:\.\d+)?[eE][+]?\d+$")


def parse_phone(raw: pd.Series) -> Parsed:
    """Digits only; an Excel-spoiled ``1.38E+10`` is a problem, never a number."""

    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        if all_match(u, r"[0-9]{7,15}"):  # the common case: plain digits
            return u, np.full(len(u), None, dtype=object)
        # plain digit strings of a phone's length need no cleaning
        plain = u.map(lambda v: v.isdigit() and v.isascii() and 7 <= len(v) <= 15)
        plain_arr = plain.to_numpy(dtype=bool)
        out = u.where(plain_arr)
        problems = np.full(len(u), None, dtype=object)
        if plain_arr.all():
            return out, problems
        rest = u[~plain_arr]
        s = _nfkc(rest).str.strip()
        spoiled = s.str.match(_SCI.pattern).to_numpy()
        s = s.str.replace(r"^(\+86|0086)", "", regex=True)
        s = s.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
        digits = s.str.replace(r"[\s\-()（）]", "", regex=True)
        ok = digits.str.fullmatch(r"\d{7,15}").to_numpy(dtype=bool)
        out[rest.index] = digits.where(ok)
        rest_problems = problem_array(~ok, "r_bad_phone")
        rest_problems[spoiled] = "r_spoiled_phone"
        problems[np.flatnonzero(~plain_arr)] = rest_problems
        return out, problems

    parsed = by_unique(raw, parse, dtype="str")
    return _as_text(parsed, empty_bad=True)


_VIN_RE = r"[A-HJ-NPR-Z0-9]{17}"


def parse_vin(raw: pd.Series) -> Parsed:
    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        if all_match(u, _VIN_RE):
            return u, np.full(len(u), None, dtype=object)
        s = _nfkc(u).str.upper().str.replace(r"[\s\-]", "", regex=True)
        ok = s.str.fullmatch(_VIN_RE).to_numpy()
        return s.where(ok), problem_array(~ok, "r_bad_vin")

    parsed = _as_is(raw, _VIN_RE) or by_unique(raw, parse, dtype="str")
    return _as_text(parsed, empty_bad=True)


def parse_plate(raw: pd.Series) -> Parsed:
    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        if all_match(u, r"[^\x00\sa-z\-·•.\uff01-\uff5e]+"):  # upper, no separators
            return u, np.full(len(u), None, dtype=object)
        s = _nfkc(u).str.upper().str.replace(r"[\s\-·•.]", "", regex=True)
        return s, np.full(len(u), None, dtype=object)

    as_is = f"[^\\x00{_spaces()}a-z\\-·•.\\x{{ff01}}-\\x{{ff5e}}]+"  # the same class, in RE2
    parsed = _as_is(raw, as_is) or by_unique(raw, parse, dtype="str")
    return _as_text(parsed)


# --------------------------------------------------------------------------- categories
def _lookup(words: pd.Series, index: dict[str, str]) -> pd.Series:
    norm = words.map(schema.normalize_word)
    found = norm.map(index)
    todo = found.isna() & (norm != "")
    if todo.any():
        # a cell that contains a known word ("维修-一般维修", "定期保养A")
        keys = sorted((k for k in index if len(k) >= 2), key=len, reverse=True)

        def contained(word: str) -> object:
            for key in keys:
                if key in word:
                    return index[key]
            return None

        found[todo] = norm[todo].map(contained)
    return found


def parse_category(raw: pd.Series, kind: str, extra: dict[str, str] | None = None) -> Parsed:
    """Map to canonical categories; an unknown word is a problem (and ``other`` if the set
    has one, so the row still counts)."""
    index = schema.category_index(kind, extra)
    cats = schema.categories_of(kind)
    fallback = "other" if "other" in cats else None

    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        found = _lookup(u, index)
        unknown = found.isna().to_numpy()
        problems = problem_array(unknown, "r_bad_category")
        return found.where(~unknown, fallback), problems

    return by_unique(raw, parse, dtype=pd.CategoricalDtype(list(cats)))


_MULTI_SPLIT = re.compile(r"[+/,、;，；&|]|和|及")


def parse_multi_category(raw: pd.Series, kind: str, extra: dict[str, str] | None = None) -> Parsed:
    """Several categories in one cell ("自费+索赔") -> "customer+warranty" (canonical order)."""
    index = schema.category_index(kind, extra)
    cats = schema.categories_of(kind)

    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        whole = _lookup(u, index)
        values: list[object] = []
        problems = np.full(len(u), None, dtype=object)
        for i, (cell, hit) in enumerate(zip(u, whole, strict=True)):
            if isinstance(hit, str) and schema.normalize_word(cell) in index:
                values.append(hit)
                continue
            parts = [p for p in _MULTI_SPLIT.split(cell) if p.strip()]
            found = _lookup(pd.Series(parts, dtype=object), index) if parts else pd.Series()
            known = {c for c in found if isinstance(c, str)}
            if len(known) < len(parts) or not known:
                problems[i] = "r_bad_category"
            values.append("+".join(c for c in cats if c in known) or None)
        return pd.Series(values, index=u.index, dtype=object), problems

    parsed = by_unique(raw, parse, dtype="str")
    parsed.values = parsed.values.where(parsed.values.notna())
    return parsed


# --------------------------------------------------------------------------- survey scores
SCORE_SCALES = (5, 10, 100)


# a declared scale: its lowest and highest answer. 5, 10 and 100 alone mean the usual 1-5,
# 1-10 and 0-100 (DOMAIN.md); 0-10 (an NPS question) must be said so
SCALE_SPECS = {"1-5": (1, 5), "1-10": (1, 10), "0-10": (0, 10), "0-100": (0, 100)}
SCALE_ALIASES = {"5": "1-5", "10": "1-10", "100": "0-100"}


def scale_spec(value: object) -> tuple[int, int] | None:
    """A declared survey scale (``5``, ``"1-10"``, ``"0-100"``, ``"5分"``, ``"1～5"``) as its
    (lowest, highest) answer; None when it is not one."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip().replace("～", "-").replace("~", "-").replace("–", "-")
    text = re.sub(r"\s+", "", text).removesuffix("分").removesuffix("分制")
    if text.endswith(".0"):
        text = text[:-2]
    text = SCALE_ALIASES.get(text, text)
    return SCALE_SPECS.get(text)


def decide_scale(values: pd.Series) -> tuple[tuple[int, int] | None, str | None]:
    """An undeclared file's scale from its answers, and why to warn: the smallest of 1-5,
    1-10 and 0-100 that holds the highest answer; ``"csi_scale_guessed"`` when the answers
    fit more than one scale (all of them 10 or less), ``"csi_scale_mixed"`` when a 0-100 file
    holds many answers of 10 or less (two scales in one file)."""
    finite = values.dropna()
    if finite.empty:
        return None, None
    top = float(finite.max())
    if top <= 5:
        return (1, 5), "csi_scale_guessed"
    if top <= 10:
        return (1, 10), "csi_scale_guessed"
    small = int((finite <= 10).sum())
    if small >= 3 and small >= 0.1 * len(finite):
        return (0, 100), "csi_scale_mixed"
    return (0, 100), None


def parse_score(raw: pd.Series) -> Parsed:
    """Raw survey answers; a value that is not a number from 0 to 100 is a problem. The
    scale is decided per file in :func:`~.load` (declared, else :func:`decide_scale`)."""

    def parse(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
        val = _numbers(u)
        arr = val.to_numpy()
        bad = ~np.isfinite(arr) | (arr < 0) | (arr > 100)
        return val.where(~bad), problem_array(bad, "r_bad_score")

    return by_unique(raw, parse, dtype="float64")
