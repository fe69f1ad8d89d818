"""Each parser against hand-written inputs and the values they must give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourS_analytics.ingest import parsers
from fourS_analytics.ingest.parsers import ColumnProblem


def _s(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025/3/5 8:07", "2025-03-05 08:07:00"),
        ("2025-03-05 08:07:00", "2025-03-05 08:07:00"),
        ("2025-03-05T08:07:00", "2025-03-05 08:07:00"),
        ("20250305", "2025-03-05 00:00:00"),
        ("2025年3月5日", "2025-03-05 00:00:00"),
        ("2025年3月5日 14时30分", "2025-03-05 14:30:00"),
        ("2025.3.5", "2025-03-05 00:00:00"),
        ("２０２５－０３－０５", "2025-03-05 00:00:00"),  # full-width digits and dash
        ("45721", "2025-03-05 00:00:00"),  # Excel serial: 45658 is 2025-01-01
        ("45721.5", "2025-03-05 12:00:00"),
        ("3/15/2025 8:07 PM", "2025-03-15 20:07:00"),
        ("3/15/2025 12:30 AM", "2025-03-15 00:30:00"),
        ("3/15/2025 12:30 PM", "2025-03-15 12:30:00"),
        ("  2025-03-05  ", "2025-03-05 00:00:00"),
    ],
)
def test_dates_in_every_export_form(raw: str, expected: str) -> None:
    parsed = parsers.parse_datetime(_s(raw))
    assert parsed.values.iloc[0] == pd.Timestamp(expected)
    assert parsed.problems[0] is None


def test_bad_and_out_of_range_dates_are_problems_not_values() -> None:
    parsed = parsers.parse_datetime(_s("2025/13/45", "garbage", "1900-01-01", "2150-01-01"))
    assert parsed.values.isna().all()
    assert list(parsed.problems) == ["r_bad_date", "r_bad_date", "r_date_range", "r_date_range"]


def test_empty_cells_are_missing_not_problems() -> None:
    parsed = parsers.parse_datetime(_s(None, "", "   ", "2025-01-02"))
    assert list(parsed.missing) == [True, True, True, False]
    assert list(parsed.problems) == [None, None, None, None]


def test_day_month_order_is_decided_for_the_whole_column() -> None:
    # 25/03/2025 can only be D/M, so 03/05/2025 in the same column is 3 May
    parsed = parsers.parse_datetime(_s("25/03/2025", "03/05/2025"))
    assert list(parsed.values) == [pd.Timestamp("2025-03-25"), pd.Timestamp("2025-05-03")]
    parsed = parsers.parse_datetime(_s("03/25/2025", "03/05/2025"))
    assert list(parsed.values) == [pd.Timestamp("2025-03-25"), pd.Timestamp("2025-03-05")]


def test_undecidable_date_order_is_an_error_unless_configured() -> None:
    with pytest.raises(ColumnProblem) as info:
        parsers.parse_datetime(_s("03/05/2025", "04/06/2025"))
    assert info.value.key == "ambiguous_dates"
    assert info.value.params["example"] == "03/05/2025"
    parsed = parsers.parse_datetime(_s("03/05/2025"), "dmy")
    assert parsed.values.iloc[0] == pd.Timestamp("2025-05-03")
    # the same day either way is not ambiguous
    assert parsers.parse_datetime(_s("03/03/2025")).values.iloc[0] == pd.Timestamp("2025-03-03")


def test_mixed_day_month_orders_in_one_column_are_an_error() -> None:
    with pytest.raises(ColumnProblem) as info:
        parsers.parse_datetime(_s("25/03/2025", "03/25/2025"))
    assert info.value.key == "inconsistent_dates"


def test_date_only_columns_drop_the_time() -> None:
    parsed = parsers.parse_datetime(_s("2025-03-05 08:07"), date_only=True)
    assert parsed.values.iloc[0] == pd.Timestamp("2025-03-05")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.5", 1234.5),
        ("1,234.50", 1234.5),
        ("¥1,234.50", 1234.5),
        ("￥99", 99.0),
        ("1 234元", 1234.0),
        ("(12.50)", -12.5),
        ("-7", -7.0),
        ("１２３", 123.0),
        ("RMB 10", 10.0),
        ("12-", -12.0),
    ],
)
def test_amounts(raw: str, expected: float) -> None:
    parsed = parsers.parse_amount(_s(raw))
    assert parsed.values.iloc[0] == pytest.approx(expected)
    assert parsed.problems[0] is None


def test_bad_amount_is_a_problem() -> None:
    parsed = parsers.parse_amount(_s("abc", "1.2.3"))
    assert parsed.values.isna().all()
    assert list(parsed.problems) == ["r_bad_number", "r_bad_number"]


def test_numbers_must_not_be_negative() -> None:
    parsed = parsers.parse_number(_s("12000", "-5", "1,000"))
    assert parsed.values.iloc[0] == 12000.0
    assert np.isnan(parsed.values.iloc[1])
    assert list(parsed.problems) == [None, "r_negative", None]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("TRUE", True),
        ("false", False),
        ("√", True),
    ],
)
def test_booleans(raw: str, expected: bool) -> None:
    values = parsers.parse_bool(_s(raw)).values
    assert str(values.dtype) == "boolean"
    assert bool(values.iloc[0]) == expected


def test_unknown_boolean_is_a_problem() -> None:
    parsed = parsers.parse_bool(_s("maybe"))
    assert parsed.values.isna().iloc[0]
    assert parsed.problems[0] == "r_bad_bool"


def test_phone_numbers_are_normalised_and_excel_spoiled_ones_rejected() -> None:
    parsed = parsers.parse_phone(
        _s(
            "138 1234 5678",
            "+86 138-1234-5678",
            "13812345678.0",
            "1.38E+10",
            "1.3812345678e10",
            "12",
            "020-12345678",
        )
    )
    assert parsed.values.iloc[0] == "13812345678"
    assert parsed.values.iloc[1] == "13812345678"
    assert parsed.values.iloc[2] == "13812345678"
    assert parsed.values.iloc[3:6].isna().all()  # never turned into a wrong number
    assert parsed.values.iloc[6] == "02012345678"
    assert list(parsed.problems[3:6]) == ["r_spoiled_phone", "r_spoiled_phone", "r_bad_phone"]


def test_vins_must_have_17_valid_characters() -> None:
    parsed = parsers.parse_vin(_s("lsvab4br5en100001", "LSVAB4BR5EN10000", "LSVAB4BR5EN10000I"))
    assert parsed.values.iloc[0] == "LSVAB4BR5EN100001"
    assert list(parsed.problems) == [None, "r_bad_vin", "r_bad_vin"]


def test_plates_are_upper_cased_without_separators() -> None:
    assert parsers.parse_plate(_s("粤a·12345")).values.iloc[0] == "粤A12345"


def test_ids_lose_spaces_and_excel_float_suffix() -> None:
    parsed = parsers.parse_id(_s(" RO 001 ", "12345.0"))
    assert list(parsed.values) == ["RO001", "12345"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("定保", "maintenance"),
        ("保养", "maintenance"),
        ("首保", "first_service"),
        ("一般维修", "repair"),
        ("机修", "repair"),
        ("钣喷", "body_paint"),
        ("喷漆", "body_paint"),
        ("事故车", "accident"),
        ("索赔", "warranty"),
        ("三包", "warranty"),
        ("内部", "internal"),
        ("洗车", "wash"),
        ("Maintenance", "maintenance"),
        ("维修-一般维修", "repair"),
    ],
)
def test_ro_types(raw: str, expected: str) -> None:
    assert parsers.parse_category(_s(raw), "ro_type").values.iloc[0] == expected


def test_unknown_ro_type_counts_as_other_with_a_problem_and_mapping_fixes_it() -> None:
    parsed = parsers.parse_category(_s("快修"), "ro_type")
    assert parsed.values.iloc[0] == "other"
    assert parsed.problems[0] == "r_bad_category"
    mapped = parsers.parse_category(_s("快修"), "ro_type", {"快修": "repair"})
    assert mapped.values.iloc[0] == "repair"
    assert mapped.problems[0] is None


def test_pay_types_can_be_several_in_one_cell() -> None:
    parsed = parsers.parse_multi_category(
        _s("自费+索赔", "索赔/自费", "保险理赔", "Customer Pay"), "pay_type"
    )
    assert list(parsed.values) == [
        "customer+warranty",
        "customer+warranty",
        "insurance",
        "customer",
    ]


def test_survey_scales_declared_or_decided() -> None:
    assert parsers.scale_spec(5) == (1, 5) and parsers.scale_spec("10") == (1, 10)
    assert parsers.scale_spec("0-10") == (0, 10) and parsers.scale_spec("100分") == (0, 100)
    assert parsers.scale_spec("1～5") == (1, 5) and parsers.scale_spec(10.0) == (1, 10)
    assert parsers.scale_spec("7") is None and parsers.scale_spec(None) is None
    # undeclared: the smallest scale holding the top answer, and a warning when unsure
    assert parsers.decide_scale(pd.Series([1.0, 5, 4])) == ((1, 5), "csi_scale_guessed")
    assert parsers.decide_scale(pd.Series([1.0, 9, 10])) == ((1, 10), "csi_scale_guessed")
    assert parsers.decide_scale(pd.Series([60.0, 95, 80])) == ((0, 100), None)
    mixed = pd.Series([4.0, 5, 3, 80, 95, 90, 85, 70])
    assert parsers.decide_scale(mixed) == ((0, 100), "csi_scale_mixed")
    assert parsers.decide_scale(pd.Series([], dtype=float)) == (None, None)


def test_all_match_scans_joined_values() -> None:
    assert parsers.all_match(_s("123", "4567"), r"\d+")
    assert not parsers.all_match(_s("123", "45a"), r"\d+")
    assert not parsers.all_match(_s("12\n3"), r"\d+")  # no separator can be faked
    assert parsers.parse_id(_s("12\n3")).values.tolist() == ["123"]
    assert parsers.all_match(_s(), r"\d+")


def test_clean_ids_stay_and_dirty_ones_are_cleaned_in_one_column() -> None:
    clean = [f"RO{i:05d}" for i in range(50)]
    parsed = parsers.parse_id(_s(*clean, "RO 7", "77.0", "ＲＯ８"))
    assert parsed.values.tolist() == [*clean, "RO7", "77", "RO8"]
    assert parsers.parse_id(_s("A1.0x", "V1.05")).values.tolist() == ["A1.0x", "V1.05"]


def test_an_amount_beyond_a_hundred_million_is_a_problem_not_a_figure() -> None:
    parsed = parsers.parse_amount(_s("1e308", "680.00", "-2e9", "inf", "99999999"))
    assert parsed.values.iloc[1] == 680.0 and parsed.values.iloc[4] == 99_999_999.0
    assert parsed.values.iloc[[0, 2, 3]].isna().all()
    assert list(parsed.problems[[0, 2]]) == ["r_implausible_amount"] * 2
    assert parsed.problems[3] is not None  # inf: not a number at all, or implausible
    mileage = parsers.parse_number(_s("120000", "1e12"))
    assert mileage.values.iloc[0] == 120000 and np.isnan(mileage.values.iloc[1])


def test_an_overflowed_amount_leaves_the_revenue_finite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import fourS_analytics as fours
    from fourS_analytics import kpi

    (tmp_path / "ro.csv").write_text(
        "工单号,车牌号,进厂时间,总金额\n"
        "R1,粤A00001,2025-03-01 09:00,1e308\n"
        "R2,粤A00002,2025-03-02 09:00,500\n",
        encoding="utf-8",
    )
    data = fours.load(tmp_path)
    (report,) = data.files
    assert (report.rows, report.accepted, report.warnings) == (2, 2, {"total_amount": 1})
    revenue = kpi.compute(data, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))["revenue"]
    assert revenue.value == 500.0
    # the limit is [ingest] max_amount: at 100 the 500 is beyond it too
    low = fours.load(tmp_path, fours.IngestOptions(max_amount=100))
    assert low.files[0].warnings == {"total_amount": 2}
    assert low.repair_orders["total_amount"].isna().all()
    with pytest.raises(fours.ConfigError, match="max_amount: must be above 0"):
        fours.IngestOptions(max_amount=0)


def test_ids_spoiled_by_excel_are_problems_not_merged_customers() -> None:
    parsed = parsers.parse_id(_s("1.23457E+11", "1.23457E+11", "5.3E+02", "C0001", "12345.0"))
    assert parsed.values.iloc[:3].isna().all()  # not one customer "1.23457E+11"
    assert list(parsed.problems[:3]) == ["r_spoiled_id"] * 3
    assert list(parsed.values.iloc[3:]) == ["C0001", "12345"]
    assert list(parsed.problems[3:]) == [None, None]
    assert parsers.parse_id(_s("A1E5", "2E10")).bad.tolist() == [False, False]  # no sign


def test_spoiled_customer_ids_do_not_merge_customers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import fourS_analytics as fours

    (tmp_path / "ro.csv").write_text(
        "工单号,客户编号,车牌号,进厂时间\n"
        "R1,1.23457E+11,粤A00001,2025-03-01 09:00\n"
        "R2,1.23457E+11,粤A00002,2025-03-02 09:00\n"
        "R3,1.23457E+11,粤A00003,2025-03-03 09:00\n",
        encoding="utf-8",
    )
    data = fours.load(tmp_path)
    (report,) = data.files
    assert report.accepted == 3 and report.warnings == {"customer_id": 3}
    assert data.repair_orders["unit_id"].nunique() == 3  # by plate, not one merged customer


def test_amounts_written_with_decimal_commas_are_read_as_such() -> None:
    """A ';' export from a European DMS: 680,00 is 680 (it was 68000) and 1.234,50 is
    1234.5 (it was 1.2345); a Chinese export's 1,234.50 stays 1234.5."""
    european = parsers.parse_amount(_s("1.234,50", "680,00", "12,5", None, "2.000.000,00"))
    assert european.values.tolist()[:3] == [1234.5, 680.0, 12.5]
    assert np.isnan(european.values.iloc[3]) and european.values.iloc[4] == 2_000_000.0
    chinese = parsers.parse_amount(_s("1,234.50", "680.00", "¥1,000"))
    assert chinese.values.tolist() == [1234.5, 680.0, 1000.0]
    # 1,234 alone could be either: thousands, as before
    assert parsers.parse_amount(_s("1,234", "5,678")).values.tolist() == [1234.0, 5678.0]
    assert parsers.decimal_comma(_s("680,00")) and not parsers.decimal_comma(_s("680.00", "1,5"))


# --------------------------------------------------------------------------- Arrow fast path
_TEXTY = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(
        [
            "",
            " ",
            "\u3000",
            "C001",
            " C001",
            "C001\u3000",
            "12345.0",
            "12.00",
            "1.23E+11",
            "5e-3",
            "id e+",
            "粤B12345",
            "粤b12345",
            "粤B·12345",
            "粤Ｂ12345",
            "LSVAB4BR5EN100001",
            "lsvab4br5en100001",
            "LSVAB4BR5EN10000",
            "LSVAB4BR5EN1000I1",
            "A\x1fB",
            "A\x85",
            "x\u00a0",
            "ＡＢＣ",
            "a b",
            "-",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_TEXTY, min_size=1, max_size=12), same=st.sampled_from(["C9", None]))
def test_arrow_backed_columns_parse_as_the_cell_by_cell_rules(cells, same) -> None:  # type: ignore[no-untyped-def]
    """A column of Arrow strings (what the CSV reader gives) passed as it is must equal the
    parsers' distinct-value rules on the same cells given as Python objects."""
    cells = [*cells, same]
    for parse in (parsers.parse_id, parsers.parse_text, parsers.parse_vin, parsers.parse_plate):
        fast = parse(pd.Series(cells, dtype="string[pyarrow]"))
        slow = parse(pd.Series(cells, dtype=object))
        pd.testing.assert_series_equal(fast.values, slow.values, check_exact=True)
        assert list(fast.problems) == list(slow.problems), parse.__name__
        assert fast.missing.tolist() == slow.missing.tolist(), parse.__name__


def test_a_clean_arrow_column_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def no(*args: object, **kwargs: object) -> None:
        raise AssertionError("the distinct-value rules ran on a clean column")

    monkeypatch.setattr(parsers, "by_unique", no)
    ids = pd.Series(["R1", "R2", None, "LSVAB4BR5EN100001"], dtype="string[pyarrow]")
    assert parsers.parse_id(ids).values.tolist()[:2] == ["R1", "R2"]
    assert (
        parsers.parse_vin(pd.Series(["LSVAB4BR5EN100001"], dtype="string[pyarrow]")).bad.sum() == 0
    )
    assert (
        parsers.parse_plate(pd.Series(["粤B12345"], dtype="string[pyarrow]")).values[0]
        == "粤B12345"
    )


def test_a_column_passed_as_it_is_comes_in_one_piece() -> None:
    import pyarrow as pa

    blocks = pa.chunked_array(
        [pa.array(["R1", "R2"], pa.large_string()), pa.array(["R3"], pa.large_string())]
    )
    raw = pd.Series(pd.arrays.ArrowStringArray(blocks))
    parsed = parsers.parse_id(raw)
    assert parsed.values.tolist() == ["R1", "R2", "R3"]
    assert parsed.values.array._pa_array.num_chunks == 1  # the reader's blocks joined


def test_the_written_out_spaces_are_those_python_strips():
    # the Arrow check of a text column relies on this list being Python's own
    assert set(parsers.PYTHON_SPACES) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert len(parsers.PYTHON_SPACES) == len(set(parsers.PYTHON_SPACES))
    # each escaped for RE2 once: "\x{3000}" for the ideographic space
    assert parsers._spaces().count("\\x{") == len(parsers.PYTHON_SPACES)
    assert "\\x{3000}" in parsers._spaces()
