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
    "xlsx_18_digit_ids.xlsx": (5, 5, 0, 0, 0, 5),  # rounded by Excel: spoiled, never merged
    "xlsx_formulas_without_values.xlsx": (5, 5, 0, 0, 0, 2),  # flagged per cell
    "xlsx_merged_cells.xlsx": (5, 5, 0, 0, 0, 0),  # filled with a note
    "xlsx_na_error.xlsx": (5, 5, 0, 0, 0, 1),  # #N/A: a warning, not a silent blank
    "xlsx_hidden_sheet.xlsx": (5, 5, 0, 0, 0, 0),  # its hidden sheet skipped and named
    "xlsx_stray_cell_xfd.xlsx": (6, 5, 0, 0, 1, 0),  # used to abort the process
    "xlsx_stray_cell_t.xlsx": (6, 5, 0, 0, 1, 0),  # used to cost 950 MB
    "xlsx_stray_cell_above_header.xlsx": (5, 5, 0, 0, 0, 0),  # in the title row: a note
    "html_two_row_header.xls": (5, 5, 0, 0, 0, 0),  # colspan/rowspan laid out
    "html_rowspan_in_body.xls": (5, 5, 0, 0, 0, 0),  # no shifted columns
    "html_nested_layout_table.xls": (5, 5, 0, 0, 0, 0),  # read once
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


def test_workbook_cells_calamine_alone_reads_wrongly_are_flagged_or_filled() -> None:
    import fourS_analytics as fours

    data = fours.load(CORPUS / "xlsx_formulas_without_values.xlsx")
    problems = data.problems.set_index("line")
    assert problems.loc[2, "reason"] == problems.loc[3, "reason"] == "r_formula_no_value"
    assert (problems.loc[2, "value"], problems.loc[3, "value"]) == ("=100+580", "=SUM(1200)")
    assert data.repair_orders["total_amount"].isna().sum() == 2  # not 0, not silently 300
    na = fours.load(CORPUS / "xlsx_na_error.xlsx").problems
    assert list(zip(na["line"], na["reason"], na["value"], strict=True)) == [
        (4, "r_excel_error", "#N/A")
    ]
    ids = fours.load(CORPUS / "xlsx_18_digit_ids.xlsx")
    assert set(ids.problems["reason"]) == {"r_spoiled_id"}
    assert ids.problems["value"].iloc[0] == "1.234567890123457E+17"  # as Excel shows it
    assert ids.repair_orders["unit_id"].nunique() == 4  # by plate: RO001 and RO004 share one
    merged = fours.load(CORPUS / "xlsx_merged_cells.xlsx")
    assert merged.repair_orders.set_index("ro_id").at["RO002", "customer_id"] == "C01"
    assert [n.key for n in merged.files[0].notes] == ["merged_cells"]
    hidden = fours.load(CORPUS / "xlsx_hidden_sheet.xlsx")
    assert [f.sheet for f in hidden.files] == ["工单"]
    assert [(n.key, n.params["sheets"]) for n in hidden.files[0].notes] == [
        ("hidden_sheets", "旧数据")
    ]
    for name, ref in (
        ("xlsx_stray_cell_xfd.xlsx", "XFD1048576"),
        ("xlsx_stray_cell_t.xlsx", "T1048576"),
    ):
        stray = fours.load(CORPUS / name).problems
        assert list(stray["reason"]) == ["r_stray_cell"] and list(stray["line"]) == [1048576]
        assert stray["params"].iloc[0] == {"cells": ref}
    above = fours.load(CORPUS / "xlsx_stray_cell_above_header.xlsx")
    assert [(n.key, n.params["cells"]) for n in above.files[0].notes] == [
        ("stray_above_header", "XFD1")
    ]


def test_html_spans_are_laid_out_as_the_page_shows_them() -> None:
    import fourS_analytics as fours

    body = fours.load(CORPUS / "html_rowspan_in_body.xls").repair_orders.set_index("ro_id")
    assert body.at["RO002", "customer_id"] == "C01"  # the spanning cell, not a shifted row
    assert str(body.at["RO002", "open_time"]) == "2025-03-02 10:00:00"
    assert body.at["RO002", "total_amount"] == 1200
    two = fours.load(CORPUS / "html_two_row_header.xls")
    assert two.files[0].header_line == 2 and len(two.repair_orders) == 5
    nested = fours.load(CORPUS / "html_nested_layout_table.xls")
    assert len(nested.files) == 1 and nested.files[0].rows == 5


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_unusable_files_get_one_clear_line(case: str, tmp_path: Path) -> None:
    code, out = validate(CORPUS / case, tmp_path)
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert str(CORPUS / case) in lines[0] and ERRORS[case] in lines[0]
