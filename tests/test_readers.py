"""Encodings, delimiters, header search and workbooks, on bytes written in the tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourS_analytics.errors import InputError
from fourS_analytics.ingest import readers

TEXT = "工单号,进厂时间,车牌号\nR1,2025-01-02 08:00,粤A1\nR2,2025-01-03 09:00,粤A2\n"


def _score(cells: list[str]) -> int:
    known = {"工单号", "进厂时间", "车牌号", "ronumber", "opendate"}
    return sum(c.strip().lower().replace(" ", "") in known for c in cells)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_every_export_encoding_is_detected(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "ro.csv"
    path.write_bytes(TEXT.encode(encoding))
    (table,) = readers.read_file(path, _score)
    assert table.encoding == expected
    assert table.header == ["工单号", "进厂时间", "车牌号"]
    assert table.cells[2].tolist() == ["粤A1", "粤A2"]


def test_utf8_is_tried_before_gb18030_so_utf8_is_not_garbled(tmp_path: Path) -> None:
    # these UTF-8 bytes also decode as GB18030, into different characters
    path = tmp_path / "ro.csv"
    path.write_bytes(TEXT.encode("utf-8"))
    (table,) = readers.read_file(path, _score)
    assert table.cells[2].tolist() == ["粤A1", "粤A2"]


def test_ascii_head_with_gb18030_rows_far_below_falls_back_to_gb18030(tmp_path: Path) -> None:
    # the sniffed head is plain ASCII; the first Chinese bytes come after it
    filler = "".join(f"R{i},2025-01-02 08:00,A{i}\n" for i in range(20000))
    text = "RO Number,Open Date,License Plate\n" + filler + "R-last,2025-01-03 09:00,粤A9\n"
    head_ascii = text.encode("gb18030")[: readers.HEAD_BYTES].isascii()
    path = tmp_path / "ro.csv"
    path.write_bytes(text.encode("gb18030"))
    (table,) = readers.read_file(path, _score)
    assert head_ascii
    assert table.encoding == "gb18030"
    assert table.cells.iloc[-1, 2] == "粤A9"
    assert len(table.cells) == 20001


def test_undecodable_bytes_name_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_bytes(TEXT.encode("utf-8") + b"R3,2025-01-04,\xff\xff\xff\n")
    neither = r"bytes at offset \d+ \(line 4\) are neither UTF-8 nor GB18030"
    with pytest.raises(InputError, match=neither):
        readers.read_file(path, _score)


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "ro.txt"
    path.write_text(TEXT.replace(",", delimiter), encoding="utf-8")
    (table,) = readers.read_file(path, _score)
    assert table.delimiter == delimiter
    assert table.cells.shape == (2, 3)


def test_header_is_found_under_title_lines_and_lines_are_numbered(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_text("某店 维修工单明细 2025年\n导出人: 张三\n\n" + TEXT, encoding="utf-8")
    (table,) = readers.read_file(path, _score)
    assert table.header_line == 4
    assert table.lines.tolist() == [5, 6]


def test_blank_lines_are_counted_not_read_as_rows(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_text(TEXT.replace("\nR2", "\n\n,,\nR2"), encoding="utf-8")
    (table,) = readers.read_file(path, _score)
    assert table.blank_lines == 2
    assert table.lines.tolist() == [2, 5]


def test_ragged_rows_are_kept_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_text(TEXT + "R3,2025-01-04 10:00,粤A3,extra,cells\n", encoding="utf-8")
    (table,) = readers.read_file(path, _score)
    assert len(table.cells) == 3
    assert table.ragged == {2: 5}
    assert table.lines.tolist() == [2, 3, 4]


def test_a_bom_in_the_middle_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_bytes(TEXT.encode("utf-8") + "\ufeffR3,2025-01-04 10:00,粤A3\n".encode())
    (table,) = readers.read_file(path, _score)
    assert table.cells[0].tolist() == ["R1", "R2", "R3"]


def test_binary_junk_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_bytes(b"\x00\x01\x02binary\xff\xfe" * 50)
    with pytest.raises(InputError) as info:
        readers.read_file(path, _score)
    assert info.value.key == "binary_file"


def test_no_header_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("hello,world\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no header row found in the first 30 lines"):
        readers.read_file(path, _score)


def test_an_xlsx_that_is_really_a_csv_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "ro.xlsx"
    path.write_text(TEXT, encoding="utf-8")
    (table,) = readers.read_file(path, _score)
    assert table.file_format == "csv"


def test_a_password_protected_xlsx_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.xlsx"  # encrypted workbooks are OLE containers, not zips
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(InputError) as info:
        readers.read_file(path, _score)
    assert info.value.key == "encrypted_xlsx"


def test_workbook_sheets_without_a_table_are_skipped(data_dir: Path) -> None:
    tables = readers.read_file(data_dir / "ro_two_titles.xlsx", _score_xlsx)
    assert [t.sheet for t in tables] == ["工单"]
    assert tables[0].header_line == 3
    assert tables[0].lines.tolist() == [4, 5, 6]
    assert tables[0].cells.iloc[0, 2] == "2025-03-05 08:07:00"  # a real Excel date


def _score_xlsx(cells: list[str]) -> int:
    return sum(c in {"委托书号", "接车时间", "维修金额"} for c in cells)


def test_unsupported_suffix_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(InputError, match=r"unsupported file type '\.pdf'"):
        readers.read_file(path, _score)


def test_unicode_line_separators_inside_cells_make_up_no_rows() -> None:
    """An open quote sends the rest of the file to the line-by-line reader; a U+2028, U+0085,
    VT or FF inside a cell stays in that cell there (str.splitlines would cut the row)."""
    from fourS_analytics.ingest.readers import _read_robust

    text = 'a,b,c\n"x,1,2\ny\u2028z,3,4\nw\x0bq,5,6\nv\x85u\x0ct,7,8\n'
    cells, lines, ragged, blank, split = _read_robust(text, ",", 0, 3)
    assert cells.values.tolist() == [
        ['"x', "1", "2"],
        ["y\u2028z", "3", "4"],
        ["w\x0bq", "5", "6"],
        ["v\x85u\x0ct", "7", "8"],
    ]
    assert lines.tolist() == [2, 3, 4, 5] and ragged == {} and blank == 0 and split == {}


def test_a_bare_line_break_in_an_unquoted_cell_is_one_rejected_row_naming_its_lines(
    tmp_path: Path,
) -> None:
    """The halves of a record a bare LF or CR cut are one row, rejected with both lines; a
    DMS that leaves out trailing empty cells (short rows everywhere) is not taken for one."""
    import fourS_analytics as fours

    head = "工单号,客户编号,进厂时间,维修类型,结算金额(元)\n"
    rows = [f"RO{i},C{i},2025-03-0{i} 09:00,定保,{i}00\n" for i in range(1, 6)]
    for brk in ("\n", "\r"):
        broken = [*rows[:2], f"RO9,C9,2025-03-09 09:00,一般{brk}维修,900\n", *rows[2:]]
        path = tmp_path / "split.csv"
        path.write_text(head + "".join(broken), encoding="utf-8")
        data = fours.load(path)
        report = data.files[0]
        assert (report.rows, report.accepted, report.rejected) == (6, 5, 1)
        problem = data.problems.iloc[0]
        assert problem["reason"] == "r_split_row" and problem["line"] == 4
        assert problem["params"] == {"first": 4, "last": 5}
        assert "RO9" not in set(data.repair_orders["ro_id"])
    # trailing empty cells left out on every row: short rows are the file's style, and two
    # of three cells each would add up to the header's five
    short = [f"RO{i},C{i},2025-03-0{i} 09:00\n" for i in range(1, 6)]
    path.write_text(head + "".join(short), encoding="utf-8")
    report = fours.load(path).files[0]
    assert (report.rows, report.accepted, report.rejected) == (5, 5, 0)


def test_a_named_pipe_is_refused_at_once_not_read_for_ever(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "ro.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        readers.read_file(fifo, _score)


def test_a_ragged_row_is_read_by_the_c_parser_with_spare_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row a few cells longer than the header no longer sends the whole file to the csv
    module's Python lists (2.4x the memory of a clean read, issue 14)."""

    def no_robust(*_args: object) -> None:
        raise AssertionError("the csv module read the file")

    monkeypatch.setattr(readers, "_read_robust", no_robust)
    path = tmp_path / "ro.csv"
    path.write_text(
        "工单号,进厂时间,车牌号\nR1,2025-01-02,粤A1\nR2,2025-01-03,粤A2,x,y,z\n\nR3,2025-01-04,粤A3\n",
        encoding="utf-8",
    )
    (table,) = readers.read_file(path, _score)
    assert table.cells.shape == (3, 3) and table.lines.tolist() == [2, 3, 5]
    assert table.ragged == {1: 6} and table.blank_lines == 1
    far = "R2,2025-01-03,粤A2" + ",x" * (readers.SPARE_CELLS + 1)  # beyond the spare cells
    path.write_text(f"工单号,进厂时间,车牌号\nR1,2025-01-02,粤A1\n{far}\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="the csv module read the file"):
        readers.read_file(path, _score)


def test_two_short_records_alone_are_not_taken_for_a_split_one(tmp_path: Path) -> None:
    """Found by hypothesis: 5 and 6 cells under a 10-cell header add up to one record, but
    with no record in the file that fills the header there is no evidence of a split."""
    import fourS_analytics as fours

    header = "工单号,客户编号,客户名称,联系电话,车牌号,进厂时间,竣工时间,交车时间,维修类型,结算金额"
    path = tmp_path / "two.csv"
    path.write_text(f'{header}\n"","","","",0\n"","","","","",0\n', encoding="utf-8")
    report = fours.load(path).files[0]
    assert report.rows == 2 and report.rejected == 2


def _cells_as_lists(cells) -> list[list[object]]:  # type: ignore[no-untyped-def]
    return [[None if v != v or v is None else v for v in row] for row in cells.to_numpy(object)]


def test_a_clean_file_is_read_by_arrow_into_the_c_parsers_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A well-formed export (title lines above the header, GB18030) is read by pyarrow:
    Arrow-backed strings, the numeric columns as pandas infers them (int64 when whole, float64
    with a gap), and the very cells, lines and counts pandas' C parser gives."""
    path = tmp_path / "ro.csv"
    text = (
        "某某4S店 工单明细\n导出时间 2025-12-31\n"
        "工单号,进厂时间,车牌号,工时,里程\n"
        'R1,2025-01-02 08:00,粤A1,1.5,12000\nR2,2025-01-03 09:00,"粤A,2",,13000\n'
        'R3, 2025-01-04 ,"a ""quoted"" word",2,007\n'
    )
    path.write_bytes(text.encode("gb18030"))
    (fast,) = readers.read_file(path, _score, lambda _header: {3, 4})
    assert fast.encoding == "gb18030" and fast.header_line == 3
    assert str(fast.cells[0].dtype) == "str" and fast.cells[0].array.dtype.storage == "pyarrow"
    assert str(fast.cells[3].dtype) == "float64" and str(fast.cells[4].dtype) == "int64"
    assert _cells_as_lists(fast.cells) == [
        ["R1", "2025-01-02 08:00", "粤A1", 1.5, 12000],
        ["R2", "2025-01-03 09:00", "粤A,2", None, 13000],
        ["R3", " 2025-01-04 ", 'a "quoted" word', 2.0, 7],
    ]
    monkeypatch.setattr(readers, "_read_arrow", lambda *_args: None)
    (slow,) = readers.read_file(path, _score, lambda _header: {3, 4})
    assert _cells_as_lists(slow.cells) == _cells_as_lists(fast.cells)
    assert [str(t) for t in slow.cells.dtypes[3:]] == ["float64", "int64"]
    assert slow.lines.tolist() == fast.lines.tolist() == [4, 5, 6]


@pytest.mark.parametrize(
    "body",
    [
        "R1,2025-01-02\nR2,2025-01-03,粤A2\n",  # a short row
        "R1,2025-01-02,粤A1,x\n",  # a long row
    ],
)
def test_what_arrow_does_not_read_as_pandas_would_goes_to_the_c_parser(
    tmp_path: Path, body: str
) -> None:
    path = tmp_path / "ro.csv"
    path.write_text("工单号,进厂时间,车牌号\n" + body, encoding="utf-8")
    assert readers._read_arrow(path, "utf-8", ",", 0, 3, set()) is None
    (table,) = readers.read_file(path, _score)
    assert str(table.cells[0].dtype) == "object"  # the C parser's cells


def test_arrow_counts_a_blank_line_and_numbers_the_rows_after_it(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_text("工单号,进厂时间,车牌号\nR1,2025-01-02,粤A1\n\nR2,2025-01-03,粤A2\n")
    cells, lines, ragged, blank, split = readers._read_arrow(path, "utf-8", ",", 0, 3, set())
    assert _cells_as_lists(cells) == [["R1", "2025-01-02", "粤A1"], ["R2", "2025-01-03", "粤A2"]]
    assert lines.tolist() == [2, 4] and blank == 1 and ragged == {} and split == {}
    c_cells, c_lines, _, c_blank, _ = readers._read_c(path, "utf-8", ",", 0, 3, set())
    assert _cells_as_lists(c_cells) == _cells_as_lists(cells)
    assert c_lines.tolist() == [2, 4] and c_blank == 1


_TRICKY = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t1.-e粤\u3000')), max_size=6),
    st.sampled_from(["", " ", "1", "007", "-2.5", "1e5", " 3", "inf", "nan", "NA", "1,5", "N/A"]),
)


@given(
    width=st.integers(1, 4),
    rows=st.lists(st.lists(_TRICKY, min_size=4, max_size=4), max_size=12),
)
@settings(max_examples=200, deadline=None)
def test_arrow_and_the_c_parser_agree_on_any_file_arrow_accepts(
    width: int, rows: list[list[str]]
) -> None:
    """Random cells with quotes, delimiters, line breaks and number-like text, written as
    CSV: wherever the Arrow reader accepts the file, its cells, number columns, lines and
    blank rows are the C parser's."""
    import csv
    import io
    import tempfile

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f"h{i}" for i in range(width)])
    writer.writerows(row[:width] for row in rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        fast = readers._read_arrow(path, "utf-8", ",", 0, width, {0})
        if fast is None:
            return
        try:
            slow = readers._read_c(path, "utf-8", ",", 0, width, {0})
        except (pd.errors.ParserError, ValueError):
            return  # the csv module's case, where both give way
    fast_cells, slow_cells = fast[0], slow[0]
    if fast_cells[0].dtype.kind == "O" and slow_cells[0].dtype.kind in "fi":
        # a number form Arrow leaves to the parsers (1e5, " 3", +5, inf): the same number
        assert [float(v) if isinstance(v, str) else v for v in fast_cells[0]] == pytest.approx(
            slow_cells[0].tolist(), nan_ok=True
        )
        fast_cells, slow_cells = fast_cells.iloc[:, 1:], slow_cells.iloc[:, 1:]
    assert _cells_as_lists(fast_cells) == _cells_as_lists(slow_cells)
    assert [t.kind for t in fast_cells.dtypes] == [t.kind for t in slow_cells.dtypes]
    assert fast[1].tolist() == slow[1].tolist() and fast[3] == slow[3]
