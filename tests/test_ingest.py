"""Golden tests: each messy export under tests/data/ with its exact accounting and mapping."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics.errors import InputError, UsageError


def _counts(report: fours.FileReport) -> tuple[int, ...]:
    return (
        report.rows,
        report.accepted,
        report.duplicates,
        report.conflicting_duplicates,
        report.summary_rows,
        report.rejected,
    )


def test_gb18030_export_with_title_lines_total_row_and_duplicates(data_dir: Path) -> None:
    data = fours.load(data_dir / "ro_gbk_title_total.csv")
    (report,) = data.files
    assert report.encoding == "gb18030"
    assert report.header_line == 3
    assert report.blank_lines == 1
    # 8 data rows = 3 accepted + 2 duplicates (1 conflicting) + 1 合计 + 2 rejected
    assert _counts(report) == (8, 3, 2, 1, 1, 2)
    assert report.warnings == {"phone": 1, "mileage": 1}
    assert report.mapping["工时费(元)"] == "labor_amount"
    assert report.mapping["材料费（元）"] == "parts_amount"
    assert report.mapping["进厂里程（km）"] == "mileage"
    ros = data.repair_orders
    assert ros["ro_id"].tolist() == ["RO2501001", "RO2501002", "RO2501003"]
    assert ros["labor_amount"].tolist() == [1234.5, 800.0, 2000.0]
    assert ros["total_amount"].tolist() == [1534.5, 2000.0, 5000.0]  # labour + parts
    assert ros["pay_type"].tolist() == ["customer", "customer+warranty", "insurance"]
    assert ros["phone"].isna().tolist() == [False, True, False]  # 1.38E+10 emptied
    assert ros["open_time"].iloc[0] == pd.Timestamp("2025-03-05 08:07")
    assert ros["unit_id"].tolist() == ["C001", "C002", "C003"]
    rejected = data.problems[data.problems["status"] == "rejected"]
    assert sorted(zip(rejected["line"], rejected["column"], rejected["reason"], strict=True)) == [
        (8, "open_time", "r_bad_date"),
        (11, "ro_id", "r_missing"),
    ]
    conflict = data.problems[data.problems["status"] == "duplicate"].iloc[0]
    assert conflict["line"] == 10
    assert conflict["params"]["line"] == 5
    assert conflict["params"]["columns"] == "delivered_time"


def test_utf8_bom_english_headers_us_dates(data_dir: Path) -> None:
    data = fours.load(data_dir / "ro_utf8bom_english.csv")
    (report,) = data.files
    assert report.encoding == "utf-8-sig"
    assert _counts(report) == (4, 3, 0, 0, 1, 0)
    assert report.mapping == {
        "RO Number": "ro_id",
        "Customer No": "customer_id",
        "License Plate": "plate",
        "Open Date": "open_time",
        "Promise Time": "promised_time",
        "Pickup Date": "delivered_time",
        "RO Type": "ro_type",
        "Pay Type": "pay_type",
        "Labor Sale": "labor_amount",
        "Parts Sale": "parts_amount",
        "Flag Hours": "labor_hours",
        "Odometer": "mileage",
        "Service Advisor": "advisor",
        "Technician": "technician",
        "Appointment Flag": "is_appointment",
    }
    ros = data.repair_orders
    assert ros["open_time"].tolist() == [
        pd.Timestamp("2025-03-15 08:07"),
        pd.Timestamp("2025-03-16 13:30"),
        pd.Timestamp("2025-04-02 10:00"),
    ]
    assert ros["labor_amount"].tolist() == [120.0, 0.0, -50.0]  # (50.00) is negative
    assert ros["ro_type"].tolist() == ["maintenance", "repair", "body_paint"]
    assert ros["is_appointment"].tolist() == [True, False, False]
    assert ros["labor_hours"].tolist() == [1.5, 3.0, 6.0]


def test_labour_hour_unit_is_configurable(data_dir: Path) -> None:
    data = fours.load(
        data_dir / "ro_utf8bom_english.csv", fours.IngestOptions(labor_hour_minutes=5)
    )
    assert data.repair_orders["labor_hours"].tolist() == pytest.approx([0.125, 0.25, 0.5])


def test_xlsx_with_two_title_lines(data_dir: Path) -> None:
    data = fours.load(data_dir / "ro_two_titles.xlsx")
    (report,) = data.files
    assert (report.sheet, report.header_line) == ("工单", 3)
    assert _counts(report) == (3, 2, 0, 0, 0, 1)
    assert report.warnings == {"phone": 1}
    ros = data.repair_orders
    assert ros["open_time"].tolist() == [
        pd.Timestamp("2025-03-05 08:07"),
        pd.Timestamp("2025-03-05 09:00"),
    ]  # serial 45721.375
    assert ros["phone"].tolist()[0] == "13812345678"  # a number cell, not 1.38E+10
    assert ros["ro_type"].tolist() == ["warranty", "wash"]


def test_excel_unicode_text_export(data_dir: Path) -> None:
    data = fours.load(data_dir / "ro_unicode_text.txt")
    (report,) = data.files
    assert (report.encoding, report.delimiter) == ("utf-16", "\t")
    assert _counts(report) == (2, 2, 0, 0, 0, 0)
    assert data.repair_orders["unit_id"].tolist() == [
        "LSVAB4BR5EN100009",
        "LSVAB4BR5EN100010",
    ]  # VIN fallback


def test_other_tables_are_recognised_from_their_headers(data_dir: Path) -> None:
    data = fours.load(
        [data_dir / n for n in ("appointments.csv", "csi.csv", "staff.csv", "insurance.csv")]
    )
    assert [f.table for f in data.files] == [
        "appointments",
        "csi_surveys",
        "staff",
        "insurance_policies",
    ]
    assert data.tables["appointments"]["status"].tolist() == ["shown", "no_show", "cancelled"]
    assert data.tables["staff"]["role"].tolist() == ["technician", "technician", "advisor"]
    csi = data.tables["csi_surveys"]
    assert csi["score_scale"].tolist() == [5, 5]
    assert csi["score"].tolist() == [1.0, 0.5]
    ins = data.tables["insurance_policies"]
    assert ins["premium"].tolist() == [3500.0, 4200.0]
    assert ins["renewed_here"].tolist() == [True, False]


def test_a_folder_loads_every_export_and_the_totals_add_up(data_dir: Path) -> None:
    data = fours.load(data_dir)
    totals = data.totals()
    assert totals["files"] == 8
    assert totals["rows"] == 27
    assert (
        totals["accepted"],
        totals["duplicates"],
        totals["summary_rows"],
        totals["rejected"],
    ) == (20, 2, 2, 3)
    assert data.adds_up
    assert len(data.repair_orders) == 3 + 3 + 2 + 2


def test_duplicates_across_overlapping_exports(tmp_path: Path) -> None:
    head = "工单号,客户编号,进厂时间,维修金额\n"
    (tmp_path / "jan.csv").write_text(
        head + "R1,C1,2025-01-05,100\nR2,C2,2025-01-20,200\n", encoding="utf-8"
    )
    (tmp_path / "jan_feb.csv").write_text(
        head + "R2,C2,2025-01-20,200\nR3,C3,2025-02-01,300\nR1,C1,2025-01-05,150\n",
        encoding="utf-8",
    )
    data = fours.load(tmp_path)
    first, second = data.files
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (second.accepted, second.duplicates, second.conflicting_duplicates) == (1, 2, 1)
    assert data.repair_orders["total_amount"].tolist() == [100.0, 200.0, 300.0]


def test_same_ro_id_in_two_stores_is_not_a_duplicate(tmp_path: Path) -> None:
    (tmp_path / "group.csv").write_text(
        "门店,工单号,客户编号,进厂时间\nS1,R1,C1,2025-01-05\nS2,R1,C9,2025-01-06\n",
        encoding="utf-8",
    )
    data = fours.load(tmp_path / "group.csv")
    assert data.files[0].accepted == 2
    assert data.stores == ["S1", "S2"]
    s2 = data.for_store("S2")
    assert s2.repair_orders["customer_id"].tolist() == ["C9"]
    assert len(data.repair_orders) == 2  # the original is untouched


def test_a_header_mapping_maps_unknown_headers(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("单据编码,会员卡号,到店时刻\nR1,C1,2025-01-05 09:00\n", encoding="utf-8")
    options = fours.IngestOptions(
        headers={"单据编码": "ro_id", "会员卡号": "customer_id", "到店时刻": "open_time"}
    )
    data = fours.load(path, options)
    assert data.files[0].mapping == {
        "单据编码": "ro_id",
        "会员卡号": "customer_id",
        "到店时刻": "open_time",
    }
    assert data.files[0].accepted == 1


def test_table_override_names_the_table(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "工单号,回访日期,满意度,进厂时间,客户编号\nR1,2025-01-06,5,2025-01-05,C1\n",
        encoding="utf-8",
    )
    assert fours.load(path).files[0].table == "repair_orders"
    data = fours.load(path, fours.IngestOptions(tables={str(path): "csi_surveys"}))
    assert data.files[0].table == "csi_surveys"


def test_missing_required_column_names_the_file_and_the_fix(data_dir: Path) -> None:
    with pytest.raises(InputError) as info:
        fours.load(data_dir / "bad" / "ro_missing_open_time.csv")
    message = str(info.value)
    assert "ro_missing_open_time.csv: required column open_time" in message
    assert "--mapping" in message


def test_missing_customer_columns_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_text("工单号,进厂时间\nR1,2025-01-05\n", encoding="utf-8")
    with pytest.raises(InputError, match="no customer column"):
        fours.load(path)


def test_ambiguous_dates_name_the_column_and_the_setting(data_dir: Path) -> None:
    with pytest.raises(InputError, match=r"column open_time: dates such as '03/05/2025'"):
        fours.load(data_dir / "bad" / "ro_ambiguous_dates.csv")
    data = fours.load(
        data_dir / "bad" / "ro_ambiguous_dates.csv", fours.IngestOptions(date_order="dmy")
    )
    assert data.repair_orders["open_time"].tolist() == [
        pd.Timestamp("2025-05-03"),
        pd.Timestamp("2025-06-04"),
    ]


def test_repeated_header_rows_are_rejected_with_their_reason(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_text(
        "工单号,客户编号,进厂时间\nR1,C1,2025-01-05\n工单号,客户编号,进厂时间\nR2,C2,2025-01-06\n",
        encoding="utf-8",
    )
    data = fours.load(path)
    assert (data.files[0].accepted, data.files[0].rejected) == (2, 1)
    assert data.problems["reason"].tolist() == ["r_repeated_header"]


def test_ragged_row_is_rejected_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_text(
        "工单号,客户编号,进厂时间\nR1,C1,2025-01-05\nR2,C2,2025-01-06,x,y\n", encoding="utf-8"
    )
    data = fours.load(path)
    assert (data.files[0].rows, data.files[0].accepted, data.files[0].rejected) == (2, 1, 1)
    assert data.problems.iloc[0]["params"] == {"found": 5, "expected": 3}


def test_bad_options_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="date_order"):
        fours.IngestOptions(date_order="ymd")
    with pytest.raises(UsageError, match="labor_hour_minutes"):
        fours.IngestOptions(labor_hour_minutes=0)
    with pytest.raises(UsageError, match="not one of"):
        fours.IngestOptions(categories={"ro_type": {"快修": "quick"}})


def test_canonical_dtypes(data_dir: Path) -> None:
    ros = fours.load(data_dir / "ro_utf8bom_english.csv").repair_orders
    assert str(ros["open_time"].dtype) == "datetime64[ns]"
    assert str(ros["settled_time"].dtype) == "datetime64[ns]"  # absent: all missing
    assert ros["labor_amount"].dtype == "float64"
    assert isinstance(ros["ro_type"].dtype, pd.CategoricalDtype)
    assert str(ros["is_appointment"].dtype) == "boolean"
    assert pd.api.types.is_string_dtype(ros["ro_id"])


def test_subtotal_rows_with_a_valid_date_are_summary_rows(tmp_path: Path) -> None:
    path = tmp_path / "ro.csv"
    path.write_text(
        "工单号,客户编号,进厂时间,维修金额\nR1,C1,2025-01-05,100\n"
        "小计,,2025-01-05,100\nR2,C2,2025-01-06,50\n合计：,,,150\n",
        encoding="utf-8",
    )
    data = fours.load(path)
    assert (data.files[0].accepted, data.files[0].summary_rows) == (2, 2)


def test_a_folder_under_a_hidden_directory_loads(tmp_path: Path) -> None:
    # an installed package lives under .venv/...: its sample store must still load
    folder = tmp_path / ".venv" / "site-packages" / "store"
    folder.mkdir(parents=True)
    (folder / "ro.csv").write_text("工单号,客户编号,进厂时间\nR1,C1,2025-01-05\n", encoding="utf-8")
    (folder / ".hidden.csv").write_text("junk", encoding="utf-8")
    (folder / "~$ro.xlsx").write_text("lock", encoding="utf-8")
    data = fours.load(folder)
    assert [Path(f.path).name for f in data.files] == ["ro.csv"]


def test_two_columns_with_one_header_read_the_one_with_values(tmp_path: Path) -> None:
    """An export with an empty 电话 column before the real one: the phones are kept (the
    first column used to win and every phone was lost), and the file says what it did."""
    (tmp_path / "ro.csv").write_text(
        "工单号,车牌号,进厂时间,电话,电话\n"
        "R1,粤A00001,2025-03-01 09:00,,13800138000\n"
        "R2,粤A00002,2025-03-02 09:00,,13900139000\n",
        encoding="utf-8",
    )
    data = fours.load(tmp_path)
    assert list(data.repair_orders["phone"]) == ["13800138000", "13900139000"]
    (report,) = data.files
    (note,) = report.notes
    assert note.key == "duplicate_header" and note.params["column"] == 5
    assert "2 columns are headed '电话'; column 5 was read" in note.render("en")
    assert report.ignored == ["电话"]


def test_a_notebook_sees_counts_and_steps_not_whole_tables(sample: fours.Dataset) -> None:
    text = repr(sample)
    ros = len(sample.repair_orders)
    assert text.startswith("Dataset(") and f"repair_orders={ros:,}" in text
    assert f"{len(sample.problems):,} problems" in text
    assert len(text) < 400 and "\n" not in text  # not the tables' own reprs
    results = fours.analyse(sample, fours.Settings(), period="2025", steps=("kpi",))
    assert repr(results) == ("StoreResults(store='', period='2025', as_of=2025-12-31, done=[kpi])")


def _loaded(paths: list[Path]) -> list[object]:
    """Each path's outcome: its tables, problems and file reports, or its error."""
    out: list[object] = []
    for path in paths:
        try:
            data = fours.load(path)
        except InputError as error:
            out.append((type(error), error.key, error.params))
            continue
        out.append((data.tables, data.problems, [repr(f) for f in data.files]))
    return out


def _same_outcomes(a: list[object], b: list[object]) -> None:
    for one, two in zip(a, b, strict=True):
        if isinstance(one[0], dict):  # type: ignore[index]
            for name, table in one[0].items():  # type: ignore[index]
                pd.testing.assert_frame_equal(table, two[0][name], check_exact=True)  # type: ignore[index]
            pd.testing.assert_frame_equal(one[1], two[1], check_exact=True)  # type: ignore[index]
            assert one[2] == two[2]  # type: ignore[index]
        else:
            assert one == two


def test_a_file_parsed_by_two_processes_gives_the_same_dataset(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    children_started: list[str],
    dies_in_a_child: Callable[[object, str], None],
) -> None:
    """With a spare core a forked child parses every other column of a long file (issue 16):
    on every hostile file of the corpus and every fixture, the same tables, problems, file
    reports and errors (a date column's problem raised from either process); a child that
    dies has its columns parsed here, the same again."""
    import importlib

    from fourS_analytics import forks

    load_module = importlib.import_module("fourS_analytics.ingest.load")  # the function shadows it

    started = children_started
    # the undecidable dates in the parent's columns (ro_id, open_time) and in the child's
    # (ro_id, plate | customer_id, open_time)
    theirs = tmp_path / "ro_dates_in_the_child.csv"
    theirs.write_text(
        "RO Number,Customer No,Plate,Open Date\nA1,K1,P1,03/05/2025\nA2,K2,P2,04/06/2025\n"
    )
    paths = [
        *sorted((data_dir / "bad" / "corpus").iterdir()),
        data_dir / "bad" / "ro_ambiguous_dates.csv",
        theirs,
        data_dir / "ro_gbk_title_total.csv",
        data_dir / "ro_utf8bom_english.csv",
        data_dir,
    ]
    alone = _loaded(paths)
    with forks.spare_cores(1):  # a spare core, but short files: one process
        _same_outcomes(alone[-3:], _loaded(paths[-3:]))
    assert started == []
    monkeypatch.setattr(load_module, "SPLIT_MIN_ROWS", 0)
    with forks.spare_cores(1):
        two = _loaded(paths)
    assert len(started) > len(paths) // 2  # a child for every table parsed (not the unreadable)
    _same_outcomes(alone, two)
    assert two[-5][:2] == two[-4][:2] == (InputError, "ambiguous_dates")  # type: ignore[index]
    dies_in_a_child(load_module, "_parse_column")
    with forks.spare_cores(1):  # (the fixtures only: time)
        _same_outcomes(alone[-4:], _loaded(paths[-4:]))
