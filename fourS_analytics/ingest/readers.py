"""Reading export files into raw cells: format, encoding, delimiter and header row.

A reader does not know the schema's columns; it is given a ``score_header`` function that
says how many cells of a candidate row look like known headers, and picks the row (and, for
text files, the delimiter) that scores best. What comes out is a :class:`RawTable` of
string cells with the line number of every row, ready for the ingest layer to map and parse.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import mmap
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES
HEADER_SEARCH_LINES = 30
MIN_HEADER_SCORE = 2
_DELIMITERS = (",", "\t", ";", "|")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

ScoreHeader = Callable[[Sequence[str]], int]
# positions of a header's columns that hold numbers: pandas parses those in C as it reads
NumericColumns = Callable[[Sequence[str]], set[int]]


def _no_numbers(_header: Sequence[str]) -> set[int]:
    return set()


@dataclass
class RawTable:
    """The cells of one table in one file (or one sheet of a workbook)."""

    path: Path
    sheet: str | None
    file_format: str  # "csv" or "xlsx" / "xls"
    encoding: str | None
    delimiter: str | None
    header: list[str]
    header_line: int  # 1-based line (row) number of the header
    cells: pd.DataFrame  # one column per header cell, object strings, NaN when empty
    lines: np.ndarray  # 1-based line number of each row of ``cells``
    ragged: dict[int, int] = field(default_factory=dict)  # row position -> cells found
    blank_lines: int = 0

    @property
    def label(self) -> str:
        return f"{self.path}[{self.sheet}]" if self.sheet else str(self.path)


# --------------------------------------------------------------------------- bytes -> text
HEAD_BYTES = 256 * 1024
LINE_BREAK = re.compile(r"\r\n|\r|\n")
RUNAWAY_LINES = 1  # a short record whose quoted cell spans more lines: an open quote
_UTF8_BOM = b"\xef\xbb\xbf"


def sniff_encoding(head: bytes, complete: bool, path: Path) -> tuple[str, str]:
    """The encoding of a file from its first bytes, and those bytes as text.

    A BOM decides first (UTF-8, UTF-16); then UTF-8 is tried, then GB18030 (which decodes
    almost anything, so it must come second). A file whose head is plain ASCII is taken as
    UTF-8 here; :func:`read_text_table` falls back to GB18030 if a later byte says so.
    Binary content is an :class:`InputError`.
    """
    if head.startswith(_UTF8_BOM):
        candidates = ["utf-8-sig"]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif (utf16 := _looks_utf16(head)) is not None:
        candidates = [utf16]
    else:
        nul = head.find(b"\x00")
        if nul >= 0 and head.count(b"\x00") > max(2, len(head) // 1000):
            raise InputError("binary_file", path=path, offset=nul)
        # a few stray NUL bytes in a text export are not data: decode_all drops them
        head = head.replace(b"\x00", b"")
        candidates = ["utf-8", "gb18030"]
    first_error: int | None = None
    for encoding in candidates:
        try:
            # a head cut inside a multi-byte character is fine unless it is the whole file
            text = _decode(head, encoding)
        except UnicodeDecodeError as exc:
            first_error = exc.start if first_error is None else first_error
            if encoding == candidates[-1]:
                # the first candidate's offset: UTF-8 fails where the text really breaks,
                # GB18030 wherever UTF-8's Chinese begins
                raise InputError("undecodable", path=path, offset=first_error) from None
            continue
        _reject_binary_text(text, path)
        return encoding, text.replace("\ufeff", "")
    raise AssertionError("unreachable")


def _decode(data: bytes, encoding: str) -> str:
    """Decode; bytes that are invalid raise, but a file (or head) cut inside its last
    multi-byte character loses only that character (a truncated export: its row is short
    and so reported)."""
    return codecs.getincrementaldecoder(encoding)().decode(data, final=False)


def decode_all(data: bytes, encoding: str, path: Path) -> str:
    """The whole file as text; a BOM inside it (two exports glued together) and stray NUL
    bytes are removed."""
    if not encoding.startswith("utf-16"):
        data = data.replace(b"\x00", b"")
    try:
        text = _decode(data, encoding)
    except UnicodeDecodeError as exc:
        raise InputError("undecodable", path=path, offset=exc.start) from None
    return text.replace("\ufeff", "")


def _no_header(path: Path) -> InputError:
    return InputError(
        "no_header",
        path=path,
        lines=HEADER_SEARCH_LINES,
        examples="工单号, 进厂时间, VIN / RO Number, Open Date",
    )


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII (digits, commas, line ends) puts a zero byte in every
    other position, Chinese does not, so a high share of zeros on one side decides."""
    head = data[: 4000 - 4000 % 2]
    if len(head) < 4:
        return None
    odd, even = head[1::2].count(0), head[0::2].count(0)
    half = len(head) // 2
    if odd > 0.3 * half and even < 0.02 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.02 * half:
        return "utf-16-be"
    return None


def _reject_binary_text(text: str, path: Path) -> None:
    head = text[:20000]
    controls = [
        i for i, ch in enumerate(head) if ch not in "\t\r\n" and unicodedata.category(ch) == "Cc"
    ]
    if len(controls) > max(3, len(head) // 200):
        raise InputError("binary_file", path=path, offset=controls[0])


# --------------------------------------------------------------------------- header search
def find_header(records: Sequence[Sequence[str]], score_header: ScoreHeader) -> tuple[int, int]:
    """Index of the header among the first records, and its score (-1, 0 if none)."""
    best, best_score = -1, 0
    for i, record in enumerate(records[:HEADER_SEARCH_LINES]):
        score = score_header(record)
        if score > best_score:
            best, best_score = i, score
    if best_score < MIN_HEADER_SCORE:
        return -1, best_score
    return best, best_score


def _head_records(text: str, delimiter: str) -> list[list[str]]:
    """The first records of the text, split as pandas' parser splits them."""
    reader = csv.reader(io.StringIO(text[:200_000], newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) >= HEADER_SEARCH_LINES + 5:
                break
    except csv.Error:  # a quote left open in the head: what was read is enough
        pass
    return records


# --------------------------------------------------------------------------- text tables
def read_text_table(
    path: Path,
    head: bytes,
    complete: bool,
    score_header: ScoreHeader,
    numeric_columns: NumericColumns = _no_numbers,
) -> RawTable:
    """A CSV/TXT export. Only the head is decoded here; pandas reads the file itself."""
    encoding, head_text = sniff_encoding(head, complete, path)
    if not head_text.strip():
        raise InputError("empty_file", path=path)
    best: tuple[int, int, str] | None = None
    for delimiter in _DELIMITERS:
        idx, score = find_header(_head_records(head_text, delimiter), score_header)
        if idx >= 0 and (best is None or score > best[1]):
            best = (idx, score, delimiter)
    if best is None:
        raise _no_header(path)
    header_idx, _, delimiter = best
    header = [str(h) for h in _head_records(head_text, delimiter)[header_idx]]
    numeric = numeric_columns(header)

    def from_text(encoding: str) -> tuple[pd.DataFrame, np.ndarray, dict[int, int], int]:
        text = decode_all(path.read_bytes(), encoding, path)
        try:
            return _read_fast(
                io.StringIO(text), encoding, delimiter, header_idx, len(header), numeric
            )
        except (pd.errors.ParserError, ValueError):
            return _read_robust(text, delimiter, header_idx, len(header))

    if encoding.startswith("utf-16") or _has_inner_bom(path):
        parts = from_text(encoding)
    else:
        try:
            parts = _read_fast(path, encoding, delimiter, header_idx, len(header), numeric)
        except UnicodeDecodeError:
            if encoding != "utf-8":
                decode_all(path.read_bytes(), encoding, path)  # raises with the offset
                raise
            try:  # a UTF-8 file cut inside its last character
                parts = from_text(encoding)
            except InputError:
                encoding = "gb18030"  # ASCII head, GB18030 body
                parts = from_text(encoding)
        except (pd.errors.ParserError, ValueError):
            parts = from_text(encoding)
    cells, lines, ragged, blank = parts
    return RawTable(
        path, None, "csv", encoding, delimiter, header, header_idx + 1, cells, lines, ragged, blank
    )


def _has_inner_bom(path: Path) -> bool:
    """A UTF-8 BOM anywhere past the start: two exports glued together."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm.find(_UTF8_BOM, 1) >= 0


def _drop_blank(cells: pd.DataFrame, lines: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Remove rows whose cells are all empty; return how many.

    Rows of white space only are left for the ingest layer, which finds them from its
    parsed columns at no extra cost (see ``ingest._parse_part``).
    """
    if cells.empty:
        return cells, lines, 0
    blank = cells.iloc[:, 0].isna().to_numpy()  # an empty row has an empty first cell
    if blank.any():
        idx = np.flatnonzero(blank)
        blank[idx] = cells.iloc[idx].isna().all(axis=1).to_numpy()
    if not blank.any():
        return cells, lines, 0
    keep = ~blank
    return cells[keep].reset_index(drop=True), lines[keep], int(blank.sum())


def is_blank(value: object) -> bool:
    """An empty cell: missing, NaN, or white space only."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return True
    return isinstance(value, str) and not value.strip()


def _read_fast(
    source: str | Path | io.StringIO,
    encoding: str,
    delimiter: str,
    header_idx: int,
    width: int,
    numeric: set[int],
) -> tuple[pd.DataFrame, np.ndarray, dict[int, int], int]:
    """pandas' C parser; raises ParserError on ragged rows or open quotes.

    Columns in ``numeric`` are left to pandas' number inference (a column with any cell
    that is not a plain number stays text); every other column is read as text.
    """
    cells = pd.read_csv(
        source,
        sep=delimiter,
        encoding=encoding if isinstance(source, Path) else None,
        header=None,
        skiprows=header_idx + 1,
        dtype={i: object for i in range(width) if i not in numeric},
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        engine="c",
        on_bad_lines="error",
        quoting=csv.QUOTE_MINIMAL,
    )
    if cells.shape[1] > width:
        extra = cells.iloc[:, width:]
        if extra.notna().any(axis=None):
            raise pd.errors.ParserError("more cells than header")
        cells = cells.iloc[:, :width]
    if cells.shape[1] < width:  # short rows only: pad with empty columns
        cells = cells.reindex(columns=range(width))
    lines = np.arange(len(cells), dtype=np.int64) + header_idx + 2
    cells, lines, blank = _drop_blank(cells, lines)
    return cells, lines, {}, blank


def _read_robust(
    text: str, delimiter: str, header_idx: int, width: int
) -> tuple[pd.DataFrame, np.ndarray, dict[int, int], int]:
    """Python's csv module, record by record: ragged rows are kept and flagged. A quote left
    open would swallow the rest of the file into one cell; the rest is then read line by line
    with quotes as plain characters, so every row is still a row."""
    rows: list[list[str | None]] = []
    lines: list[int] = []
    ragged: dict[int, int] = {}
    blank = 0

    def take(reader: Iterator[list[str]], line_of: Callable[[], int], skip: int) -> int:
        """Read records into rows; returns the first line of a runaway record (or 0)."""
        nonlocal blank
        previous = line_of()
        for record, row in enumerate(reader):
            start, previous = previous + 1, line_of()
            if record < skip:
                continue
            if (
                previous - start > RUNAWAY_LINES
                and len(row) < width
                and any("\n" in c for c in row)
            ):
                return start
            if not any(c.strip() for c in row):
                blank += 1
                continue
            if len(row) > width:
                if any(c.strip() for c in row[width:]):
                    ragged[len(rows)] = len(row)
                row = row[:width]
            rows.append([c if c != "" else None for c in row] + [None] * (width - len(row)))
            lines.append(line_of())
        return 0

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    runaway = take(reader, lambda: reader.line_num, header_idx + 1)
    if runaway:
        # lines as the csv module counts them (\r\n, \r, \n): str.splitlines would also
        # split at U+2028, U+0085, VT and FF inside a cell and make up rows
        rest = LINE_BREAK.split(text.removesuffix("\r\n").removesuffix("\n").removesuffix("\r"))
        rest = rest[runaway - 1 :]
        plain = csv.reader(rest, delimiter=delimiter, quoting=csv.QUOTE_NONE)
        take(plain, lambda: plain.line_num + runaway - 1, 0)
    cells = pd.DataFrame(rows, columns=range(width), dtype=object)
    return cells, np.asarray(lines, dtype=np.int64), ragged, blank


# --------------------------------------------------------------------------- workbooks
def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def read_workbook(path: Path, data: bytes, score_header: ScoreHeader) -> list[RawTable]:
    """Every sheet of a workbook that holds a table; an error if none does."""
    from python_calamine import CalamineWorkbook

    suffix = path.suffix.lower()
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for broken files
        if data.startswith(_OLE_MAGIC) and suffix != ".xls":
            raise InputError("encrypted_xlsx", path=path) from None
        raise InputError("bad_workbook", path=path, reason=str(exc).splitlines()[0][:120]) from None
    tables: list[RawTable] = []
    for name in workbook.sheet_names:
        try:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise InputError(
                "bad_workbook", path=path, reason=f"{name}: {str(exc).splitlines()[0][:100]}"
            ) from None
        table = _table_from_rows(
            path,
            name,
            suffix.lstrip("."),
            None,
            [[_cell_text(v) for v in row] for row in rows],
            score_header,
        )
        if table is not None:
            tables.append(table)
    if not tables:
        raise _no_header(path)
    return tables


def _table_from_rows(
    path: Path,
    sheet: str | None,
    file_format: str,
    encoding: str | None,
    text_rows: list[list[str | None]],
    score_header: ScoreHeader,
) -> RawTable | None:
    """A table from rows of cells (a sheet, an HTML table): the header found by content,
    blank rows counted, rows longer than the header flagged."""
    header_idx, _ = find_header([[c or "" for c in r] for r in text_rows], score_header)
    if header_idx < 0:
        return None
    header = [c or "" for c in text_rows[header_idx]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    body = text_rows[header_idx + 1 :]
    ragged: dict[int, int] = {}
    kept: list[list[str | None]] = []
    lines: list[int] = []
    blank = 0
    for offset, row in enumerate(body):
        if not any(c is not None and c.strip() for c in row):
            blank += 1
            continue
        if len(row) > width and any(c is not None and c.strip() for c in row[width:]):
            ragged[len(kept)] = sum(c is not None for c in row)
        row = (row + [None] * width)[:width]
        kept.append(row)
        lines.append(header_idx + 2 + offset)
    cells = pd.DataFrame(kept, columns=range(width), dtype=object)
    return RawTable(
        path,
        sheet,
        file_format,
        encoding,
        None,
        header,
        header_idx + 1,
        cells,
        np.asarray(lines, dtype=np.int64),
        ragged,
        blank,
    )


def _looks_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return (
        start.startswith(
            (b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head", b"<body")
        )
        and b"<table" in head.lower()
    )


def read_html_tables(path: Path, data: bytes, score_header: ScoreHeader) -> list[RawTable]:
    """An HTML page of tables, as many DMSs export under an ``.xls`` name: each ``<table>``
    is read like a sheet ("table 1", "table 2", ...), a row per ``<tr>``."""
    import lxml.html

    encoding, _ = sniff_encoding(data[:HEAD_BYTES], len(data) <= HEAD_BYTES, path)
    text = decode_all(data, encoding, path)
    try:
        root = lxml.html.fromstring(text)
    except Exception as exc:  # lxml's parser errors
        raise InputError("bad_workbook", path=path, reason=f"HTML: {exc}"[:120]) from None
    tables = []
    for i, table in enumerate(root.iter("table"), start=1):
        rows = [
            [(cell.text_content().strip() or None) for cell in tr if cell.tag in ("td", "th")]
            for tr in table.iter("tr")
        ]
        raw = _table_from_rows(path, f"table {i}", "html", encoding, rows, score_header)
        if raw is not None:
            tables.append(raw)
    if not tables:
        raise _no_header(path)
    return tables


# --------------------------------------------------------------------------- dispatch
def read_file(
    path: Path, score_header: ScoreHeader, numeric_columns: NumericColumns = _no_numbers
) -> list[RawTable]:
    """The tables in one export file, recognised by content rather than by suffix."""
    if not path.exists():
        raise InputError("file_not_found", path=path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError("unsupported_format", path=path, suffix=suffix or path.name)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError("unreadable", path=path, reason=exc.strerror) from None
    complete = size <= len(head)
    if not head.strip(b" \t\r\n\x00") and complete:
        raise InputError("empty_file", path=path)
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        return read_workbook(path, path.read_bytes(), score_header)
    if _looks_html(head):  # an "Excel" export that is an HTML table
        return read_html_tables(path, path.read_bytes(), score_header)
    # an ".xlsx" that is really a CSV (or a CSV saved as ".xls") is read as text
    return [read_text_table(path, head, complete, score_header, numeric_columns)]
