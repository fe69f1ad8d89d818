from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from fourS_analytics.privacy import mask_frame, mask_name, mask_phone, mask_plate, mask_vin


def test_masks_follow_the_house_rules() -> None:
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳小明") == "欧***"
    assert mask_name("Wei Zhang") == "W** Z****"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_plate("粤A12345") == "粤A***45"
    assert mask_vin("LSVAB4BR5EN100001") == "***********100001"
    assert mask_name(None) is None
    assert pd.isna(mask_phone(float("nan")))


def test_mask_frame_masks_every_personal_column_and_vin_unit_ids() -> None:
    frame = pd.DataFrame(
        {
            "unit_id": ["C1", "LSVAB4BR5EN100001"],
            "customer_name": ["张伟", "李娜"],
            "phone": ["13812345678", "13900001111"],
            "plate": ["粤A12345", "粤B1"],
            "vin": ["LSVAB4BR5EN100009", "LSVAB4BR5EN100001"],
            "score": [90, 80],
        }
    )
    masked = mask_frame(frame)
    assert masked["unit_id"].tolist() == ["C1", "***********100001"]
    assert masked["phone"].tolist() == ["138****5678", "139****1111"]
    assert masked["score"].tolist() == [90, 80]
    full = mask_frame(frame, include_contact=True)
    assert full["phone"].tolist() == ["13812345678", "13900001111"]


def test_a_rejected_rows_original_cells_are_masked_by_column_and_by_look() -> None:
    from fourS_analytics.privacy import mask_original

    cells = [
        ("工单号", "RO1", "ro_id"),
        ("车主", "欧阳娜娜", "customer_name"),
        ("备注", "13912345678", None),
        ("VIN", "LSVGA4BX5N3709510", None),
        ("车牌", "粤A12345", None),
        ("工时费", "1,200.50", "labor_amount"),
    ]
    assert mask_original(cells, shifted=False) == (
        "工单号=RO1; 车主=欧***; 备注=139****5678; VIN=***********709510; 车牌=粤A***45; "
        "工时费=1,200.50"
    )
    # a ragged row: its cells may stand under the wrong header, so text is masked as a name
    shifted = [
        ("工单号", "RO1", "ro_id"),
        ("工时费", "欧阳娜娜", "labor_amount"),
        ("里程", "8330", "mileage"),
    ]
    assert mask_original(shifted, shifted=True) == "工单号=R**; 工时费=欧***; 里程=8330"


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=20),
            st.sampled_from(
                [
                    "",
                    "粤B12345",
                    "13812345678",
                    "LSVAB4BR5EN100001",
                    "abc",
                    "粤B12",
                    "123456",
                    "1234567",
                ]
            ),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_masking_arrow_columns_equals_masking_each_cell(cells) -> None:  # type: ignore[no-untyped-def]
    """The whole-column masks of Arrow strings say what the per-cell masks say."""
    for dtype in ("string[pyarrow]", "str"):  # pandas' NA strings and its default ones
        _check_masks(pd.DataFrame({c: pd.Series(cells, dtype=dtype) for c in _MASKED}), cells)


_MASKED = ("phone", "plate", "vin")


def _check_masks(frame: pd.DataFrame, cells: list[str | None]) -> None:
    got = mask_frame(frame)
    for column, mask in (("phone", mask_phone), ("plate", mask_plate), ("vin", mask_vin)):
        want = [None if c is None else mask(c) for c in cells]
        assert [None if pd.isna(v) else v for v in got[column]] == want
        assert got[column].dtype == frame[column].dtype  # Arrow strings stay Arrow strings
