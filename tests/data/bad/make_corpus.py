"""Write the bad-input corpus: one broken export per case (issue 7).

    python tests/data/bad/make_corpus.py

The files are committed; this script documents how each was made. The password-protected
workbook needs msoffcrypto-tool (`pip install msoffcrypto-tool`), a development tool only.
"""

from __future__ import annotations

import io
import random
import shutil
from pathlib import Path

HERE = Path(__file__).parent / "corpus"
HEADER = "工单号,客户编号,客户名称,联系电话,车牌号,进厂时间,竣工时间,交车时间,维修类型,结算金额(元)"
ROWS = [
    "RO001,C01,张伟,13812345678,粤A12345,2025-03-01 09:10,2025-03-01 11:00,2025-03-01 11:30,定保,680",
    "RO002,C02,李娜,13987654321,粤B54321,2025-03-02 10:00,2025-03-02 15:00,2025-03-02 16:00,一般维修,1200",
    "RO003,C03,王芳,13700001111,粤A88888,2025-03-03 08:30,2025-03-03 09:30,2025-03-03 10:00,洗车,30",
    "RO004,C01,张伟,13812345678,粤A12345,2025-04-01 09:00,2025-04-01 10:00,2025-04-01 10:10,一般维修,450",
    "RO005,C04,赵磊,13600002222,粤C11111,2025-04-05 14:00,2025-04-05 17:00,2025-04-05 17:30,钣喷,3600",
]


def text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


GOOD = text(*ROWS)


def write(name: str, data: str | bytes, encoding: str = "utf-8") -> None:
    path = HERE / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))


def main() -> None:
    if HERE.exists():
        shutil.rmtree(HERE)
    HERE.mkdir(parents=True)
    rng = random.Random(7)
    # --- encodings
    write("enc_utf16le_bom.csv", GOOD, "utf-16")
    write("enc_utf16le_no_bom.csv", GOOD, "utf-16-le")
    write("enc_gbk.csv", GOOD, "gbk")
    write("enc_big5.csv", GOOD.encode("big5", errors="replace"))  # Traditional-Chinese DMS
    write("enc_double_utf8.csv", GOOD.encode("utf-8").decode("latin-1").encode("utf-8"))
    write("enc_mixed_gbk_utf8.csv", GOOD.encode("utf-8") + text(
        "RO006,C05,孙丽,13500003333,粤D22222,2025-05-01 09:00,2025-05-01 10:00,"
        "2025-05-01 10:30,定保,700", header="").lstrip("\n").encode("gbk"))
    # --- broken bytes and structure
    write("empty.csv", b"")
    write("only_blank_lines.csv", "\n\n\r\n\n")
    write("header_only.csv", HEADER + "\n")
    write("binary_junk.csv", bytes(rng.randrange(256) for _ in range(4096)))
    write("nul_bytes.csv", GOOD.replace("李娜", "李\x00娜"))
    write("truncated_mid_row.csv", GOOD[: GOOD.rindex(",2025-04-05") + 6])
    cut = GOOD.encode("utf-8")
    write("truncated_mid_character.csv", cut[: cut.rindex("钣".encode()) + 1])
    write("bom_in_the_middle.csv", GOOD.replace("\nRO003", "\n\ufeffRO003"))
    write("quote_left_open.csv", GOOD.replace("RO002,C02,李娜", 'RO002,C02,"李娜'))
    write("ragged_rows.csv", text(ROWS[0] + ",extra,fields", ROWS[1].rsplit(",", 3)[0],
                                  *ROWS[2:]))
    write("header_repeated_in_body.csv", text(ROWS[0], ROWS[1], HEADER, *ROWS[2:]))
    write("all_empty_columns.csv", text(*(",".join(r.split(",")[:3] + ["", ""]
                                                   + r.split(",")[5:]) for r in ROWS)))
    write("huge_cell.csv", text(ROWS[0].replace("张伟", "张" * 100_000), *ROWS[1:]))
    write("dates_in_1900.csv", text(ROWS[0].replace("2025-03-01 09:10", "1900-01-01 09:10"),
                                    *ROWS[1:]))
    write("dates_in_2100.csv", text(ROWS[0].replace("2025-03-01 09:10", "2100-03-01 09:10"),
                                    *ROWS[1:]))
    write("negative_durations.csv", text(
        ROWS[0].replace("2025-03-01 11:00,2025-03-01 11:30", "2025-02-27 11:00,2025-02-27 11:30"),
        *ROWS[1:]))
    write("no_header_row.csv", "\n".join(ROWS) + "\n")
    write("unknown_headers.csv", text(*ROWS, header="a,b,c,d,e,f,g,h,i,j"))
    write("duplicate_header_names.csv", text(*(r + ",2025-01-01" for r in ROWS),
                                             header=HEADER + ",进厂时间"))
    write("amounts_as_text.csv", text(ROWS[0].replace(",680", ",六百八"),
                                      ROWS[1].replace(",1200", ',"¥1,200元"'), *ROWS[2:]))
    write("summary_rows_only.csv", text("合计,,,,,,,,,5000", "总计,,,,,,,,,5000"))
    write("mixed_line_endings.csv", HEADER + "\r\n" + ROWS[0] + "\r" + ROWS[1] + "\n"
          + "\r\n".join(ROWS[2:]) + "\r\n")
    write("control_characters.csv", GOOD.replace("王芳", "王\x1b[31m芳\x07"))
    write("formula_in_cells.csv", GOOD.replace("李娜", '"=HYPERLINK(""http://x"",""y"")"')
          .replace("王芳", "<script>alert(1)</script>"))
    write("missing_required_column.csv", text(*(",".join(r.split(",")[:5] + r.split(",")[6:])
                                                for r in ROWS),
                                              header=HEADER.replace("进厂时间,", "")))
    # --- a file is not what its name says
    write("csv_named_xlsx.xlsx", GOOD)
    write("html_named_xls.xls", "<html><body><table><tr><td>工单号</td></tr></table></body>"
                                "</html>")
    write("html_table_named_xls.xls", _html_table(GOOD), "gbk")  # how many DMSs "export Excel"
    write("zip_not_xlsx.xlsx", _zip({"hello.txt": b"not a workbook"}))
    write("pdf_named_csv.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    write("xlsx_truncated.xlsx", _xlsx()[:700])
    write("password_protected.xlsx", _encrypted(_xlsx()))
    # --- the same file given twice (a folder case)
    twice = HERE / "same_file_twice"
    twice.mkdir()
    (twice / "ro_a.csv").write_text(GOOD, encoding="utf-8")
    (twice / "ro_b.csv").write_text(GOOD, encoding="utf-8")
    issue_14()
    print(f"wrote {sum(1 for _ in HERE.rglob('*') if _.is_file())} files to {HERE}")


EN_HEADER = ("RO Number,Customer ID,Customer Name,Phone,Plate,Open Date,Close Date,"
             "Delivery Date,Repair Type,Total Amount")


def issue_14() -> None:
    """The hostile and odd exports of issue 14 (``python make_corpus.py --issue-14`` writes
    only these)."""
    western = [f"R{i},C{i},Müller Jörg,0171{i:07d},B-AB {i},2025-03-0{i} 09:00,"
               f"2025-03-0{i} 11:00,2025-03-0{i} 12:00,Service,12{i}.50" for i in range(1, 6)]
    write("enc_windows_1252.csv", text(*western, header=EN_HEADER), "cp1252")
    write("enc_gbk_then_utf8_rows.csv", GOOD.encode("gbk") + (
        "RO006,C05,陈静,13500003333,粤D22222,2025-05-01 09:00,2025-05-01 10:00,"
        "2025-05-01 10:30,定保,700\n").encode("utf-8"))
    write("bare_lf_in_cell.csv", GOOD.replace("一般维修,1200", "一般\n维修,1200"))
    write("bare_cr_in_cell.csv", GOOD.replace("一般维修,1200", "一般\r维修,1200"))
    write("one_cell_right_of_header.csv", GOOD + ",,,,,,,,,,x\n")
    write("vertical_tab_form_feed.csv", GOOD.replace("张伟", "张\x0b伟").replace("李娜", "李\x0c娜"))
    rows = [ROWS[i % 5].replace(f"RO00{i % 5 + 1}", f"RO{i:06d}") for i in range(4000)]
    body = text(*rows).encode("gbk")
    cut = body.index(b"RO003000")
    write("bad_byte_on_line_3002.csv", body[:cut] + b"\x80\xff" + body[cut:])
    # workbooks: what calamine alone reads wrongly
    cells = [r.split(",") for r in ROWS]
    for r in cells:
        r[-1] = float(r[-1])
    long_ids = [[*r[:1], 123456789012345678 + i, *r[2:]] for i, r in enumerate(cells)]
    write("xlsx_18_digit_ids.xlsx", _book(long_ids))
    write("xlsx_formulas_without_values.xlsx", _book(cells, formulas={"J2": "=100+580",
                                                                      "J3": "=SUM(1200)"}))
    write("xlsx_merged_cells.xlsx", _book(cells, merge="B2:B3"))
    with_na = [list(r) for r in cells]
    with_na[2][-1] = "#N/A"
    write("xlsx_na_error.xlsx", _book(with_na, errors={"J4": "#N/A"}))
    write("xlsx_hidden_sheet.xlsx", _book(cells, hidden=cells[:1]))
    write("xlsx_stray_cell_xfd.xlsx", _book(cells, stray="XFD1048576"))
    write("xlsx_stray_cell_t.xlsx", _book(cells, stray="T1048576"))
    write("xlsx_stray_cell_above_header.xlsx", _book(cells, stray="XFD1", title="维修工单报表"))
    # HTML "Excel" exports with spans and layout tables
    head = "".join(f"<th>{h}</th>" for h in HEADER.split(","))
    body_rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r.split(",")) + "</tr>"
                        for r in ROWS)
    two = ("<tr><th rowspan=2>工单号</th><th colspan=4>客户</th><th colspan=3>时间</th>"
           "<th rowspan=2>维修类型</th><th rowspan=2>结算金额(元)</th></tr><tr><th>客户编号</th>"
           "<th>客户名称</th><th>联系电话</th><th>车牌号</th><th>进厂时间</th><th>竣工时间</th>"
           "<th>交车时间</th></tr>")
    write("html_two_row_header.xls", f"<html><body><table>{two}{body_rows}</table></body></html>")
    first, second, *rest = [r.split(",") for r in ROWS]
    spanned = ("<tr>" + "".join(f"<td rowspan=2>{c}</td>" if j == 1 else f"<td>{c}</td>"
                                for j, c in enumerate(first)) + "</tr>"
               + "<tr>" + "".join(f"<td>{c}</td>" for j, c in enumerate(second) if j != 1)
               + "</tr>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>"
                                   for r in rest))
    write("html_rowspan_in_body.xls",
          f"<html><body><table><tr>{head}</tr>{spanned}</table></body></html>")
    write("html_nested_layout_table.xls",
          "<html><body><table><tr><td>维修工单报表</td></tr><tr><td>"
          f"<table><tr>{head}</tr>{body_rows}</table></td></tr></table></body></html>")


def _book(rows: list[list[object]], *, formulas: dict[str, str] | None = None,
          merge: str | None = None, errors: dict[str, str] | None = None,
          hidden: list[list[object]] | None = None, stray: str | None = None,
          title: str | None = None) -> bytes:
    """An .xlsx of the header and rows, written by openpyxl (which stores no cached value
    for a formula), with the oddity asked for."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "工单"
    if title:  # a title row above the header, as many DMS reports have
        ws.append([title])
    ws.append(HEADER.split(","))
    for row in rows:
        ws.append(row)
    for ref, formula in (formulas or {}).items():
        ws[ref] = formula
    for ref, value in (errors or {}).items():
        ws[ref] = value
        ws[ref].data_type = "e"
    if merge:
        ws.merge_cells(merge)
    if hidden:
        old = wb.create_sheet("旧数据")
        old.append(HEADER.split(","))
        for row in hidden:
            old.append(row)
        old.sheet_state = "hidden"
    if stray:
        ws[stray] = "x"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _html_table(csv_text: str) -> str:
    rows = [line.split(",") for line in csv_text.strip().splitlines()]
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
            f"</head><body><table border=1>\n{body}</table></body></html>\n")


def _zip(members: dict[str, bytes]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for line in GOOD.splitlines():
        ws.append(line.split(","))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _encrypted(blob: bytes) -> bytes:
    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(blob)).encrypt("secret", out)
    assert msoffcrypto.OfficeFile(io.BytesIO(out.getvalue())).is_encrypted()
    return out.getvalue()


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--issue-14"]:
        issue_14()
    else:
        main()
