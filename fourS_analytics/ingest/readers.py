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
from typing import Any

import numpy as np
import pandas as pd

from .. import forks
from ..errors import InputError
from .workbooks import SheetFacts

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
# what a text reader gives: cells, line numbers, ragged rows, blank lines, split rows
_Parts = tuple[pd.DataFrame, np.ndarray, dict[int, int], int, dict[int, tuple[int, int]]]
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
    # row position -> (first line, last line) of a row a bare line break in a cell split
    split: dict[int, tuple[int, int]] = field(default_factory=dict)
    notes: list[tuple[str, dict[str, object]]] = field(default_factory=list)  # message, params
    # (row position, column) -> (r_* reason, the cell as written): a workbook cell calamine
    # reads as empty that is not (a formula without a cached value, #N/A)
    cell_problems: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    stray: dict[int, str] = field(default_factory=dict)  # row position -> far cells' refs

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
        if encoding == "gb18030" and _looks_western(head):
            encoding = "cp1252"  # Müller, café: high bytes alone, never in Chinese pairs
        try:
            # a head cut inside a multi-byte character is fine unless it is the whole file
            text = _decode(head, encoding)
        except UnicodeDecodeError as exc:
            first_error = exc.start if first_error is None else first_error
            if encoding == "utf-8":
                _one_encoding(head, path)  # UTF-8 lines beside others: two encodings
            if encoding in (candidates[-1], "cp1252"):
                # the first candidate's offset: UTF-8 fails where the text really breaks,
                # GB18030 wherever UTF-8's Chinese begins
                raise InputError(
                    "undecodable", path=path, offset=first_error, line=_line_at(head, first_error)
                ) from None
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
        raise InputError(
            "undecodable", path=path, offset=exc.start, line=_line_at(data, exc.start)
        ) from None
    return text.replace("\ufeff", "")


def _line_at(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset (lines end at LF, or at CR where there is no LF)."""
    newlines = data.count(b"\n", 0, offset)
    return (newlines if newlines or b"\n" in data else data.count(b"\r", 0, offset)) + 1


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
# a line of ASCII and UTF-8 Chinese only (U+4E00-U+9FFF: E4-E9 and two continuation bytes)
# (the ASCII class leaves out LF, so a match never runs past its line: no backtracking)
_UTF8_CJK_LINE = re.compile(
    rb"(?m)^[\x00-\x09\x0b-\x7f]*(?:[\xe4-\xe9][\x80-\xbf]{2}[\x00-\x09\x0b-\x7f]*)+$"
)


def _looks_western(data: bytes) -> bool:
    """A single-byte Western encoding (Windows-1252): bytes above 0x7F stand alone between
    ASCII (Müller, café), where GBK's Chinese comes in pairs of them, so most runs of high
    bytes have an odd length only in the Western case; and Windows-1252 decodes them."""
    runs = _HIGH_RUN.findall(data)
    if not runs or sum(len(r) % 2 for r in runs) <= len(runs) / 2:
        return False
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _one_encoding(data: bytes, path: Path) -> None:
    """A file that is not UTF-8 throughout must not hold lines of UTF-8 Chinese: two exports
    in two encodings appended (GBK, then UTF-8 rows), which one decoding would garble in
    part (陈静 read as 闄堥潤). A UTF-8 line misread as GBK pairs bytes outside GB2312, which
    a GBK export's Chinese never does, so a line that happens to be valid UTF-8 too but is
    plain GB2312 is not taken for one."""
    try:
        data.decode("utf-8")
        return
    except UnicodeDecodeError as exc:
        other = exc.start
    start, end = data.rfind(b"\n", 0, other) + 1, data.find(b"\n", other)
    try:  # bytes that are no GBK either are undecodable, not a second encoding
        data[start : end if end >= 0 else len(data)].decode("gb18030")
    except UnicodeDecodeError:
        return
    for begin, chunk in _chunks(data):
        try:  # plain GB2312 (most of a GBK export): no UTF-8 line in it, at C speed
            chunk.decode("gb2312")
            continue
        except UnicodeDecodeError:
            pass
        for match in _UTF8_CJK_LINE.finditer(chunk):
            try:
                match.group().decode("gb2312")
            except UnicodeDecodeError:
                raise InputError(
                    "mixed_encoding",
                    path=path,
                    utf8_line=_line_at(data, begin + match.start()),
                    other_line=_line_at(data, other),
                ) from None


def _chunks(data: bytes, size: int = 1 << 20) -> Iterator[tuple[int, bytes]]:
    """The data in pieces of about ``size`` bytes that end at a line end, with their offsets."""
    begin = 0
    while begin < len(data):
        end = data.find(b"\n", begin + size)
        end = len(data) if end < 0 else end + 1
        yield begin, data[begin:end]
        begin = end


def _body_encoding(data: bytes, path: Path) -> str:
    """The encoding of a file whose ASCII head said nothing and whose body is not UTF-8."""
    _one_encoding(data, path)
    return "cp1252" if _looks_western(data) else "gb18030"


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

    def from_text(encoding: str) -> _Parts:
        text = decode_all(path.read_bytes(), encoding, path)
        try:
            return _read_c(io.StringIO(text), encoding, delimiter, header_idx, len(header), numeric)
        except (pd.errors.ParserError, ValueError):
            return _read_robust(text, delimiter, header_idx, len(header))

    notes: list[tuple[str, dict[str, object]]] = []
    if encoding in ("gb18030", "cp1252") and not complete:  # sniff_encoding checked the head
        _one_encoding(path.read_bytes(), path)
    if encoding.startswith("utf-16") or _has_inner_bom(path):
        parts = from_text(encoding)
    elif _above_data_unquoted(head_text, header_idx) and (
        arrow := _read_arrow(path, encoding, delimiter, header_idx, len(header), numeric)
    ):
        parts = arrow
    else:
        try:
            parts = _read_c(path, encoding, delimiter, header_idx, len(header), numeric)
        except UnicodeDecodeError:
            if encoding != "utf-8":
                decode_all(path.read_bytes(), encoding, path)  # raises with the offset
                raise
            try:  # a UTF-8 file cut inside its last character
                parts = from_text(encoding)
            except InputError:  # ASCII head, GB18030 (or Western) body
                encoding = _body_encoding(path.read_bytes(), path)
                parts = from_text(encoding)
        except (pd.errors.ParserError, ValueError):
            parts = from_text(encoding)
    cells, lines, ragged, blank, split = parts
    if encoding == "cp1252":
        notes.append(("western_encoding", {"file": str(path)}))
    return RawTable(
        path,
        None,
        "csv",
        encoding,
        delimiter,
        header,
        header_idx + 1,
        cells,
        lines,
        ragged,
        blank,
        split,
        notes,
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
    blank = np.array(cells.iloc[:, 0].isna(), dtype=bool)  # an empty row: empty first cell
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


SPARE_CELLS = 8  # a ragged row with up to this many cells beyond the header: C parser


class _ShortPairs(pd.errors.ParserError):
    """Two short rows in a row that could be the halves of one record: the csv module, which
    counts each record's cells, decides."""


def _above_data_unquoted(head_text: str, header_idx: int) -> bool:
    """Whether the lines down to the header hold no quote: then the Arrow reader's rows to
    skip are the same lines pandas skips."""
    return '"' not in "\n".join(head_text.splitlines()[: header_idx + 1])


# the sniffed encodings the Arrow reader decodes (UTF-8 natively, the others through
# Python's codecs); UTF-16 and files with a BOM inside are read as text first, as before
_ARROW_ENCODINGS = {"utf-8": "utf8", "utf-8-sig": "utf8", "gb18030": "gb18030", "cp1252": "cp1252"}


def _read_arrow(
    path: Path,
    encoding: str,
    delimiter: str,
    header_idx: int,
    width: int,
    numeric: set[int],
) -> _Parts | None:
    """pyarrow's CSV reader for the common, well-formed file: every row exactly as wide as
    the header, no blank line, valid text. The cells come out as Arrow-backed strings (no
    Python object per cell) and the numeric columns as numbers where every cell is a finite
    number, as pandas' C parser infers them. None on anything else (a short, long or blank
    row, undecodable bytes, two short rows that could be one record): the C parser then
    reads the file with every rule for the messy case, so both give the same cells."""
    arrow_encoding = _ARROW_ENCODINGS.get(encoding)
    if arrow_encoding is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pa_csv

    names = [str(i) for i in range(width)]
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(
                skip_rows=header_idx + 1,
                column_names=names,
                encoding=arrow_encoding,
                # Arrow's own threads only with a core to spare (fours run on a store, the
                # commands on a machine of several cores; never in a group's worker): the
                # 1M-RO file 1.8 s on one thread, 0.8 s on two (benchmarks/RESULTS.md)
                use_threads=forks.spare() > 0,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                newlines_in_values=True,
                ignore_empty_lines=False,  # a blank line is a short row: the C parser's case
            ),
            convert_options=pa_csv.ConvertOptions(
                # pandas' Arrow strings are large_string: read so, no cast per column
                column_types=dict.fromkeys(names, pa.large_string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowException, ValueError, UnicodeError, LookupError):
        return None
    columns: dict[int, Any] = {}
    for i, name in enumerate(names):
        column = table.column(name)
        if i in numeric and len(column):
            numbers = _as_numbers(column, pa, pc)
            if numbers is not None:
                columns[i] = numbers
                continue
        columns[i] = pd.array(column, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    cells = pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))
    if width and len(cells.columns) != width:
        return None
    if _maybe_split(cells, width):
        return None
    lines = np.arange(len(cells), dtype=np.int64) + header_idx + 2
    cells, lines, blank = _drop_blank(cells, lines)
    return cells, lines, {}, blank, {}


def _as_numbers(column: Any, pa: Any, pc: Any) -> np.ndarray | None:
    """A text column of plain numbers as pandas' C parser infers it: int64 where every cell
    is a whole number (-12, 007), float64 where every filled cell is a whole or decimal
    number (12.50) or none is filled. Any other form (1e5, " 3", +5, inf, 1,234) stays text,
    and the parsers read it to the same value; the two readers disagree on some of those
    forms (pyarrow reads 0x10 as 16, pandas "+5" as an integer), so neither guesses."""
    if column.null_count == len(column):
        return np.full(len(column), np.nan)
    if not pc.all(pc.match_substring_regex(column, r"^-?[0-9]+(\.[0-9]+)?$")).as_py():
        return None
    whole = (
        column.null_count == 0 and pc.all(pc.match_substring_regex(column, r"^-?[0-9]+$")).as_py()
    )
    try:
        numbers = pc.cast(column, pa.int64() if whole else pa.float64())
    except (pa.ArrowException, ValueError):  # beyond int64: text, the parsers decide
        return None
    return np.asarray(numbers.to_numpy(zero_copy_only=False))


def _read_c(
    source: Path | io.StringIO,
    encoding: str,
    delimiter: str,
    header_idx: int,
    width: int,
    numeric: set[int],
) -> _Parts:
    """pandas' C parser; on ragged rows once more with spare columns, so a file with a few
    rows longer than the header is read as a clean one is, not by the csv module record by
    record (benchmarks/bench_ragged.py: on its file the two cost about the same). Raises
    ParserError where the csv module must read: an open quote, rows beyond the spare
    columns, rows a bare line break may have split."""
    try:
        return _read_fast(source, encoding, delimiter, header_idx, width, numeric)
    except _ShortPairs:
        raise
    except (pd.errors.ParserError, ValueError):
        if isinstance(source, io.StringIO):
            source.seek(0)
        return _read_fast(source, encoding, delimiter, header_idx, width, numeric, SPARE_CELLS)


def _read_fast(
    source: Path | io.StringIO,
    encoding: str,
    delimiter: str,
    header_idx: int,
    width: int,
    numeric: set[int],
    spare: int = 0,
) -> _Parts:
    """pandas' C parser; raises ParserError on rows longer than the header (beyond
    ``spare`` cells more, which are read and flagged ragged) or open quotes.

    Columns in ``numeric`` are left to pandas' number inference (a column with any cell
    that is not a plain number stays text); every other column is read as text.
    """
    cells = pd.read_csv(
        source,
        sep=delimiter,
        encoding=encoding if isinstance(source, Path) else None,
        header=None,
        names=list(range(width + spare)) if spare else None,
        skiprows=header_idx + 1,
        dtype={i: object for i in range(width + spare) if i not in numeric},
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        engine="c",
        on_bad_lines="error",
        quoting=csv.QUOTE_MINIMAL,
    )
    if cells.shape[1] > width and not spare:
        extra = cells.iloc[:, width:]
        if extra.notna().any(axis=None):
            raise pd.errors.ParserError("more cells than header")
        cells = cells.iloc[:, :width]
    if cells.shape[1] < width:  # short rows only: pad with empty columns
        cells = cells.reindex(columns=range(width))
    if _maybe_split(cells.iloc[:, :width], width):
        raise _ShortPairs("two short rows in a row")
    lines = np.arange(len(cells), dtype=np.int64) + header_idx + 2
    cells, lines, blank = _drop_blank(cells, lines)
    ragged: dict[int, int] = {}
    if spare:  # the rows with cells in the spare columns: ragged, with their cell count
        filled = cells.iloc[:, width:].notna().to_numpy()
        rows = np.flatnonzero(filled.any(axis=1))
        found = width + spare - np.argmax(filled[rows, ::-1], axis=1)
        ragged = dict(zip(rows.tolist(), found.tolist(), strict=True))
        cells = cells.iloc[:, :width]
    return cells, lines, ragged, blank, {}


def _maybe_split(cells: pd.DataFrame, width: int) -> bool:
    """Whether two neighbouring rows could be one record a bare line break split: both end
    early, and their cells together (the broken cell counted once) fit the header exactly.
    Read from what is filled: a row whose last filled cell is at position k has k + 1 cells
    or more, so the halves' last positions add up to at most width - 1."""
    if len(cells) < 2 or width < 2:
        return False
    open_end = cells.iloc[:, width - 1].isna().to_numpy()  # a short row ends empty
    idx = np.flatnonzero(open_end)
    if not len(idx) or not (idx[1:] == idx[:-1] + 1).any():
        return False
    filled = cells.iloc[idx].notna().to_numpy()
    last = np.where(filled.any(axis=1), width - 1 - np.argmax(filled[:, ::-1], axis=1), -1)
    pair = (
        (idx[1:] == idx[:-1] + 1)
        & (last[:-1] >= 0)
        & (last[1:] >= 0)
        & (last[:-1] + last[1:] <= width - 1)
    )
    return bool(pair.any())


SPLIT_MOSTLY_FULL = 0.9  # rows not explained as halves must be this share full-width
SPLIT_MIN_FULL = 3  # and at least this many records must fill the header exactly


def _split_chains(
    counts: Sequence[int], firsts: Sequence[int], lasts: Sequence[int], width: int
) -> dict[int, int]:
    """Records a bare line break (CR or LF) inside an unquoted cell cut into pieces: runs of
    short records on adjacent lines whose cells add up (each break counted once) to the
    header's width exactly. First record -> last record of each run.

    A DMS that leaves out trailing empty cells writes short rows everywhere: where short rows
    that no run explains are more than a tenth of the file, or fewer than SPLIT_MIN_FULL
    records fill the header, nothing is called split."""
    chains: dict[int, int] = {}
    i, n = 0, len(counts)
    while i < n - 1:
        if counts[i] < width:
            total, j = counts[i], i
            while (
                j + 1 < n
                and total < width
                and counts[j + 1] < width
                and firsts[j + 1] == lasts[j] + 1
            ):
                j += 1
                total += counts[j] - 1
            if j > i and total == width:
                chains[i] = j
                i = j + 1
                continue
        i += 1
    pieces = sum(j - i + 1 for i, j in chains.items())
    unexplained = sum(c < width for c in counts) - pieces
    full = sum(c == width for c in counts)
    if full < SPLIT_MIN_FULL or unexplained > (1 - SPLIT_MOSTLY_FULL) * max(n - pieces, 1):
        return {}  # no evidence that a record of this file fills the header
    return chains


def _read_robust(text: str, delimiter: str, header_idx: int, width: int) -> _Parts:
    """Python's csv module, record by record: ragged rows are kept and flagged. A quote left
    open would swallow the rest of the file into one cell; the rest is then read line by line
    with quotes as plain characters, so every row is still a row. A record a bare line break
    split (:func:`_split_chains`) is joined back into one row, flagged with its lines."""
    rows: list[list[str | None]] = []
    lines: list[int] = []
    firsts: list[int] = []
    counts: list[int] = []
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
            counts.append(len(row))
            firsts.append(start)
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
    split: dict[int, tuple[int, int]] = {}
    chains = _split_chains(counts, firsts, lines, width)
    if chains:
        joined_rows: list[list[str | None]] = []
        joined_lines: list[int] = []
        joined_ragged: dict[int, int] = {}
        i = 0
        while i < len(rows):
            if i in chains:
                j = chains[i]
                cells_: list[str | None] = []
                for k in range(i, j + 1):  # the broken cell's halves joined by the break
                    piece = rows[k][: counts[k]]
                    if cells_:
                        cells_[-1] = f"{cells_[-1] or ''}\n{piece[0] or ''}"
                        piece = piece[1:]
                    cells_.extend(piece)
                split[len(joined_rows)] = (firsts[i], lines[j])
                joined_rows.append(cells_)
                joined_lines.append(firsts[i])
                i = j + 1
                continue
            if i in ragged:
                joined_ragged[len(joined_rows)] = ragged[i]
            joined_rows.append(rows[i])
            joined_lines.append(lines[i])
            i += 1
        rows, lines, ragged = joined_rows, joined_lines, joined_ragged
    cells = pd.DataFrame(rows, columns=range(width), dtype=object)
    return cells, np.asarray(lines, dtype=np.int64), ragged, blank, split


# --------------------------------------------------------------------------- workbooks
def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # beyond 15 significant digits Excel has already rounded the number (an 18-digit id
        # stored as a number): written as Excel shows it, so an id is reported as spoiled
        return f"{value:.15E}" if abs(value) >= 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def read_workbook(path: Path, data: bytes, score_header: ScoreHeader) -> list[RawTable]:
    """Every visible sheet of a workbook that holds a table; an error if none does.

    An .xlsx is looked at first (:func:`.workbooks.inspect_xlsx`): formulas without a cached
    value and error cells are flagged per cell, stray cells far from the table taken out and
    accounted for. Merged cells are filled with their value (a note says where); hidden
    sheets are skipped and named."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    from .workbooks import inspect_xlsx

    suffix = path.suffix.lower()
    facts: dict[str, SheetFacts] = {}
    if data.startswith(_ZIP_MAGIC):
        data, facts = inspect_xlsx(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for broken files
        if data.startswith(_OLE_MAGIC) and suffix != ".xls":
            raise InputError("encrypted_xlsx", path=path) from None
        raise InputError("bad_workbook", path=path, reason=str(exc).splitlines()[0][:120]) from None
    hidden = [m.name for m in workbook.sheets_metadata if m.visible != SheetVisibleEnum.Visible]
    tables: list[RawTable] = []
    for name in workbook.sheet_names:
        if name in hidden:
            continue
        try:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except Exception as exc:
            raise InputError(
                "bad_workbook", path=path, reason=f"{name}: {str(exc).splitlines()[0][:100]}"
            ) from None
        text_rows = [[_cell_text(v) for v in row] for row in rows]
        n_merged, filled = _fill_merged(text_rows, merged)
        table = _table_from_rows(
            path, name, suffix.lstrip("."), None, text_rows, score_header, facts.get(name)
        )
        if table is not None:
            if n_merged:
                table.notes.append(
                    ("merged_cells", {"file": table.label, "n": n_merged, "cells": filled})
                )
            tables.append(table)
    if hidden and tables:
        tables[0].notes.append(
            ("hidden_sheets", {"file": str(path), "sheets": ", ".join(hidden), "n": len(hidden)})
        )
    if not tables:
        if hidden:
            raise InputError("only_hidden_sheets", path=path, sheets=", ".join(hidden))
        raise _no_header(path)
    return tables


def _fill_merged(rows: list[list[str | None]], merged: list[Any]) -> tuple[int, str]:
    """Merged cells filled with the value of their first cell (Excel shows it across all of
    them; calamine gives it to the first only). How many ranges, and the first as A1."""
    from .workbooks import cell_ref

    done: list[str] = []
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value
        done.append(f"{cell_ref(r0, c0)}:{cell_ref(r1, c1)}")
    more = f" (+{len(done) - 5})" if len(done) > 5 else ""
    return len(done), ", ".join(done[:5]) + more


def _table_from_rows(
    path: Path,
    sheet: str | None,
    file_format: str,
    encoding: str | None,
    text_rows: list[list[str | None]],
    score_header: ScoreHeader,
    facts: SheetFacts | None = None,
) -> RawTable | None:
    """A table from rows of cells (a sheet, an HTML table): the header found by content,
    blank rows counted, rows longer than the header flagged; a workbook's cells read wrongly
    (``facts``) flagged per cell, its stray far cells rejected rows of their own."""
    header_idx, _ = find_header([[c or "" for c in r] for r in text_rows], score_header)
    if header_idx < 0:
        return None
    header = [c or "" for c in text_rows[header_idx]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    facts = facts or SheetFacts()
    flagged: dict[int, list[tuple[int, tuple[str, str]]]] = {}  # sheet row -> its cells
    for reason, cells_of in (
        ("r_formula_no_value", facts.formulas),
        ("r_excel_error", facts.errors),
    ):
        for (fr, fc), text in cells_of.items():
            flagged.setdefault(fr, []).append((fc, (reason, text)))
    body = text_rows[header_idx + 1 :]
    ragged: dict[int, int] = {}
    kept: list[list[str | None]] = []
    lines: list[int] = []
    cell_problems: dict[tuple[int, int], tuple[str, str]] = {}
    stray: dict[int, str] = {}
    blank = 0
    for offset, row in enumerate(body):
        r = header_idx + 1 + offset  # the sheet's 0-based row
        far = facts.stray.get(r, [])
        if not any(c is not None and c.strip() for c in row) and r not in flagged:
            if far:  # nothing but cells far outside the table: a row, rejected
                stray[len(kept)] = ", ".join(far)
                kept.append([None] * width)
                lines.append(r + 1)
            else:
                blank += 1
            continue
        if far or (len(row) > width and any(c is not None and c.strip() for c in row[width:])):
            ragged[len(kept)] = sum(c is not None for c in row) + len(far)
        for fc, problem in flagged.get(r, []):
            if fc < width:
                cell_problems[(len(kept), fc)] = problem
        row = (row + [None] * width)[:width]
        kept.append(row)
        lines.append(r + 1)
    for r in sorted(k for k in facts.stray if k >= header_idx + 1 + len(body)):
        stray[len(kept)] = ", ".join(facts.stray[r])  # below the cells calamine read
        kept.append([None] * width)
        lines.append(r + 1)
    cells = pd.DataFrame(kept, columns=range(width), dtype=object)
    table = RawTable(
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
    table.cell_problems, table.stray = cell_problems, stray
    above = [ref for r in sorted(facts.stray) if r <= header_idx for ref in facts.stray[r]]
    if above:  # far cells in the title rows: no data row, but not dropped unsaid
        table.notes.append(
            (
                "stray_above_header",
                {"file": table.label, "n": len(above), "cells": ", ".join(above)},
            )
        )
    return table


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
        rows, spans = _html_rows(table)
        raw = _table_from_rows(path, f"table {i}", "html", encoding, rows, score_header)
        if raw is not None:
            if spans:
                raw.notes.append(("html_spans", {"file": raw.label, "n": spans}))
            tables.append(raw)
    if not tables:
        raise _no_header(path)
    return tables


_MAX_SPAN = 1000  # a colspan or rowspan beyond this is a broken page, not a layout


def _span(cell: Any, name: str) -> int:
    try:
        return min(max(int(str(cell.get(name) or 1).strip()), 1), _MAX_SPAN)
    except ValueError:
        return 1


def _html_rows(table: Any) -> tuple[list[list[str | None]], int]:
    """A ``<table>``'s own rows (not those of a table nested in one of its cells: a layout
    table around the data is read once, as the data) with every colspan and rowspan laid out
    on the grid the page shows, the spanning cell's text in each place it covers; and how
    many cells spanned more than one place."""
    rows: list[list[str | None]] = []
    below: dict[int, tuple[int, str | None]] = {}  # column -> (rows still covered, text)
    spans = 0
    for tr in table.iter("tr"):
        if next(tr.iterancestors("table"), None) is not table:
            continue
        row: list[str | None] = []

        def covered_from_above(row: list[str | None] = row) -> None:
            while len(row) in below:
                left, text = below.pop(len(row))
                if left > 1:
                    below[len(row)] = (left - 1, text)
                row.append(text)

        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            covered_from_above()
            text = cell.text_content().strip() or None
            wide, tall = _span(cell, "colspan"), _span(cell, "rowspan")
            spans += wide > 1 or tall > 1
            for _ in range(wide):
                if tall > 1:
                    below[len(row)] = (tall - 1, text)
                row.append(text)
        covered_from_above()
        for column in sorted(c for c in below if c > len(row)):  # covered cells further right
            row.extend([None] * (column - len(row)))
            covered_from_above()
        rows.append(row)
    return rows, spans


# --------------------------------------------------------------------------- dispatch
def read_file(
    path: Path, score_header: ScoreHeader, numeric_columns: NumericColumns = _no_numbers
) -> list[RawTable]:
    """The tables in one export file, recognised by content rather than by suffix."""
    if not path.exists():
        raise InputError("file_not_found", path=path)
    if not path.is_file():  # a named pipe would block the reader for ever; a device, worse
        raise InputError("not_a_file", path=path)
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
