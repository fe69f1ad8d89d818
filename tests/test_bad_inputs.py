"""The bad-input corpus (tests/data/bad/corpus, written by make_corpus.py): every broken
export gets a clear one-line error that names the file, or row-level accounting that adds
up; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fourS_analytics.cli import cli

CORPUS = Path(__file__).parent / "data" / "bad" / "corpus"

# case -> (rows, accepted, duplicates, summary rows, rejected, values emptied with a warning)
ACCOUNTED = {
    "all_empty_columns.csv": (5, 5, 0, 0, 0, 0),
    "amounts_as_text.csv": (5, 5, 0, 0, 0, 1),  # 六百八 emptied, ¥1,200元 read as 1200
    "bom_in_the_middle.csv": (5, 5, 0, 0, 0, 0),  # two exports glued together
    "control_characters.csv": (5, 5, 0, 0, 0, 0),
    "csv_named_xlsx.xlsx": (5, 5, 0, 0, 0, 0),  # read as the CSV it is
    "dates_in_1900.csv": (5, 4, 0, 0, 1, 0),  # out of range: the required date rejects
    "dates_in_2100.csv": (5, 4, 0, 0, 1, 0),
    "duplicate_header_names.csv": (5, 5, 0, 0, 0, 0),
    "enc_gbk.csv": (5, 5, 0, 0, 0, 0),
    "enc_utf16le_bom.csv": (5, 5, 0, 0, 0, 0),
    "enc_utf16le_no_bom.csv": (5, 5, 0, 0, 0, 0),  # told by its zero bytes
    "formula_in_cells.csv": (5, 5, 0, 0, 0, 0),  # data, made inert on output
    "header_only.csv": (0, 0, 0, 0, 0, 0),
    "header_repeated_in_body.csv": (6, 5, 0, 0, 1, 0),
    "huge_cell.csv": (5, 5, 0, 0, 0, 0),
    "html_table_named_xls.xls": (5, 5, 0, 0, 0, 0),  # an HTML table saved as "Excel", GBK
    "mixed_line_endings.csv": (5, 5, 0, 0, 0, 0),
    "negative_durations.csv": (5, 5, 0, 0, 0, 2),  # completed/delivered before opened
    "nul_bytes.csv": (5, 5, 0, 0, 0, 0),  # a stray NUL byte is not data
    "quote_left_open.csv": (5, 5, 0, 0, 0, 0),  # the rest read line by line, not swallowed
    "ragged_rows.csv": (5, 4, 0, 0, 1, 0),  # extra cells reject the row
    "same_file_twice": (10, 5, 5, 0, 0, 0),  # the second copy: duplicates
    "summary_rows_only.csv": (2, 0, 0, 2, 0, 0),  # 合计 / 总计
    "truncated_mid_character.csv": (5, 5, 0, 0, 0, 0),  # the cut character only is lost
    "truncated_mid_row.csv": (5, 5, 0, 0, 0, 1),
    # issue 14
    "enc_windows_1252.csv": (5, 5, 0, 0, 0, 0),  # Müller read as Müller, with a note
    "bare_lf_in_cell.csv": (5, 4, 0, 0, 1, 0),  # the halves: one row, rejected (lines 3-4)
    "bare_cr_in_cell.csv": (5, 4, 0, 0, 1, 0),
    "one_cell_right_of_header.csv": (6, 5, 0, 0, 1, 0),  # a cell beyond the header: ragged
    "vertical_tab_form_feed.csv": (5, 5, 0, 0, 0, 0),  # VT/FF are no binary content
}
# case -> what the one-line error says
ERRORS = {
    "binary_junk.csv": "not a text table (binary content at byte",
    "empty.csv": "the file is empty",
    "only_blank_lines.csv": "the file is empty",
    "enc_big5.csv": "no header row found",
    "enc_double_utf8.csv": "not a text table",
    "enc_mixed_gbk_utf8.csv": "line 1 is UTF-8 but line 7 is not: the file mixes two encodings",
    "enc_gbk_then_utf8_rows.csv": "line 7 is UTF-8 but line 1 is not",
    "bad_byte_on_line_3002.csv": "bytes at offset 302490 (line 3002) are neither UTF-8",
    "html_named_xls.xls": "no header row found",
    "missing_required_column.csv": "required column open_time",
    "no_header_row.csv": "no header row found",
    "password_protected.xlsx": "the workbook is password-protected",
    "pdf_named_csv.csv": "no header row found",
    "unknown_headers.csv": "--mapping",
    "xlsx_truncated.xlsx": "cannot read the workbook",
    "zip_not_xlsx.xlsx": "cannot read the workbook",
}


def test_the_corpus_has_every_case_and_at_least_30() -> None:
    cases = {p.name for p in CORPUS.iterdir()}
    assert cases == set(ACCOUNTED) | set(ERRORS)
    assert len(cases) >= 30


def validate(path: Path, tmp_path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "validate",
            str(path),
            "--format",
            "json",
            "--rejects",
            str(tmp_path / "rejects.csv"),
        ],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("case", sorted(ACCOUNTED))
def test_rows_are_accounted_for(case: str, tmp_path: Path) -> None:
    code, out = validate(CORPUS / case, tmp_path)
    assert code == 0, out
    report = json.loads(out)
    t = report["totals"]
    got = (
        t["rows"],
        t["accepted"],
        t["duplicates"],
        t["summary_rows"],
        t["rejected"],
        t["warnings"],
    )
    assert got == ACCOUNTED[case]
    for f in report["files"]:
        assert f["rows"] == f["accepted"] + f["duplicates"] + f["summary_rows"] + f["rejected"]
    problems = got[4] + got[5]
    if problems:  # each rejected row and emptied value has its line in the rejects file
        lines = (tmp_path / "rejects.csv").read_text("utf-8-sig").strip().splitlines()
        assert len(lines) - 1 >= problems


def test_a_western_export_reads_its_accents_and_says_how_it_was_read() -> None:
    import fourS_analytics as fours

    data = fours.load(CORPUS / "enc_windows_1252.csv")
    assert set(data.repair_orders["customer_name"]) == {"Müller Jörg"}
    (report,) = data.files
    assert report.encoding == "cp1252"
    assert [n.key for n in report.notes] == ["western_encoding"]


def test_a_gbk_export_with_rare_characters_is_not_taken_for_western_or_mixed(
    tmp_path: Path,
) -> None:
    """Names outside GB2312 (喆, 堃, 镕: GBK pairs whose second byte is ASCII-range or whose
    first is below 0xA1) are still GBK: neither Windows-1252 nor two encodings."""
    import fourS_analytics as fours

    rows = [
        f"RO{i},C{i},{name},1380000000{i},粤A1234{i},2025-03-0{i} 09:00,2025-03-0{i} 11:00,"
        f"2025-03-0{i} 11:30,定保,680"
        for i, name in enumerate(["王喆", "李堃", "张镕", "赵燊", "陈犇"], start=1)
    ]
    path = tmp_path / "rare.csv"
    header = "工单号,客户编号,客户名称,联系电话,车牌号,进厂时间,竣工时间,交车时间,维修类型,结算金额"
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("gbk"))
    data = fours.load(path)
    assert data.files[0].encoding == "gb18030" and data.files[0].notes == []
    assert list(data.repair_orders["customer_name"]) == ["王喆", "李堃", "张镕", "赵燊", "陈犇"]


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_unusable_files_get_one_clear_line(case: str, tmp_path: Path) -> None:
    code, out = validate(CORPUS / case, tmp_path)
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert str(CORPUS / case) in lines[0] and ERRORS[case] in lines[0]
