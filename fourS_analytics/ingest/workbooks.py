"""What python-calamine does not say about an .xlsx, read from the sheets' XML (issue 14).

calamine gives a formula's cached value, and an empty cell where a formula has none (a file
written by a program that never calculated it) or where the cell holds an Excel error
(``#N/A``); it also builds every sheet as one rectangle from A1 to its farthest cell, so one
stray cell at XFD1048576 asks for 16384 x 1048576 cells and aborts the process. Before
calamine sees a workbook, :func:`inspect_xlsx` scans each sheet's XML (regular expressions
over the bytes, only where the cheap checks say there is something to find) for

- formulas without a cached value and error cells: flagged per cell, so the ingest layer
  rejects or empties the value with a warning that says why, never a silent blank;
- stray cells far outside the table: taken out of the XML (so the used range is the table's)
  and handed back, so each is accounted for as a rejected row.

Merged cells and hidden sheets calamine reports itself (:mod:`.readers` fills merged cells
down and skips hidden sheets, saying so).
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

# a sheet whose used range is this many cells or more, and mostly empty, is checked for
# stray cells
SPARSE_AREA = 2_000_000
SPARSE_FILL = 0.05  # cells present / used range below this: mostly empty
ROW_GAP = 1000  # rows after an empty stretch this long are outside the table

_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"')
_LAST_ROW = re.compile(rb'<row\b[^>]*?\br="([0-9]+)"')
_VALUE = re.compile(rb"<v>([^<]+)</v>")
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>([^<]*)</f>)")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass
class SheetFacts:
    """One sheet's cells calamine would read wrongly; rows and columns are 0-based."""

    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # no cached value
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # #N/A, #DIV/0!, ...
    stray: dict[int, list[str]] = field(default_factory=dict)  # row -> refs taken out


def column_index(letters: bytes | str) -> int:
    """0-based index of a column's letters: A = 0, Z = 25, AA = 26, XFD = 16383."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_ref(row: int, col: int) -> str:
    """The A1 reference of a 0-based cell."""
    letters, n = "", col + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member of its XML, from the workbook and its relationships."""
    try:
        book = etree.fromstring(archive.read("xl/workbook.xml"))
        rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, etree.XMLSyntaxError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts: dict[str, str] = {}
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if member in archive.namelist():
            parts[sheet.get("name", "")] = member
    return parts


def _sparse(xml: bytes) -> bool:
    """Whether the sheet's used range is large and mostly empty (or reaches column AAA and
    beyond, which no export has): then its stray cells are looked for."""
    if re.search(rb'<c r="[A-Z]{3}[0-9]', xml):
        return True
    cells = xml.count(b"<c ") + xml.count(b"<c>")
    dim = _DIMENSION.search(xml)
    if dim is not None and dim.group(3):
        rows = int(dim.group(4)) - int(dim.group(2)) + 1
        cols = column_index(dim.group(3)) - column_index(dim.group(1)) + 1
        area = rows * cols
    else:
        last_rows = _LAST_ROW.findall(xml[-4096:])
        area = int(last_rows[-1]) * 64 if last_rows else 0
    return area >= SPARSE_AREA and cells < SPARSE_FILL * area


def _stray_cells(xml: bytes) -> set[tuple[int, int]]:
    """Cells outside the table: in rows after an empty stretch of ROW_GAP rows or more, or in
    a column no second row uses, right of every column two rows share."""
    cells = [(int(m.group(2)) - 1, column_index(m.group(1))) for m in _REF.finditer(xml)]
    if not cells:
        return set()
    rows = sorted({r for r, _ in cells})
    end = rows[-1]
    for before, after in itertools.pairwise(rows):
        if after - before > ROW_GAP:
            end = before
            break
    inside = [(r, c) for r, c in cells if r <= end]
    uses: dict[int, int] = {}
    for _, c in inside:
        uses[c] = uses.get(c, 0) + 1
    shared = [c for c, n in uses.items() if n >= 2]
    last_col = max(shared) if shared else max(uses)
    return {(r, c) for r, c in cells if r > end or c > last_col}


def _flags(xml: bytes, facts: SheetFacts) -> None:
    """Formulas without a cached value and error cells, by cell."""
    for match in _CELL.finditer(xml):
        attrs, body = match.group(1), match.group(2) or b""
        ref = _REF.search(attrs)
        if ref is None:
            continue
        cell = (int(ref.group(2)) - 1, column_index(ref.group(1)))
        if b't="e"' in attrs:
            value = _VALUE.search(body)
            facts.errors[cell] = value.group(1).decode("utf-8", "replace") if value else "#N/A"
        elif b"<f" in body and not (_VALUE.search(body) or b"<is>" in body):
            formula = _FORMULA.search(body)
            text = (
                formula.group(1).decode("utf-8", "replace") if formula and formula.group(1) else ""
            )
            facts.formulas[cell] = f"={text}" if text else "="


def _without(xml: bytes, stray: set[tuple[int, int]]) -> bytes:
    """The sheet's XML with the stray cells taken out and its used range their table's."""

    def keep(match: re.Match[bytes]) -> bytes:
        ref = _REF.search(match.group(1))
        if ref is None:
            return match.group(0)
        cell = (int(ref.group(2)) - 1, column_index(ref.group(1)))
        return b"" if cell in stray else match.group(0)

    out = _CELL.sub(keep, xml)
    # the dimension is only a hint; calamine sizes the sheet from the cells left
    return _DIMENSION.sub(b'<dimension ref="A1"', out, count=1)


def inspect_xlsx(data: bytes) -> tuple[bytes, dict[str, SheetFacts]]:
    """The workbook as calamine should read it (stray cells taken out) and, per sheet, the
    cells it would read wrongly. A file that is no readable zip is returned as it is (the
    reader's own error says what is wrong with it)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = _sheet_parts(archive)
    except (zipfile.BadZipFile, OSError, ValueError):
        return data, {}
    facts: dict[str, SheetFacts] = {}
    rewritten: dict[str, bytes] = {}
    for name, member in parts.items():
        try:
            xml = archive.read(member)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError):
            continue
        sheet = SheetFacts()
        if b"<f" in xml or b't="e"' in xml:
            _flags(xml, sheet)
        if _sparse(xml):
            stray = _stray_cells(xml)
            if stray:
                for r, c in sorted(stray):
                    sheet.stray.setdefault(r, []).append(cell_ref(r, c))
                    sheet.formulas.pop((r, c), None)
                    sheet.errors.pop((r, c), None)
                rewritten[member] = _without(xml, stray)
        facts[name] = sheet
    if not rewritten:
        return data, facts
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            out.writestr(info, rewritten.get(info.filename) or archive.read(info.filename))
    return buffer.getvalue(), facts
