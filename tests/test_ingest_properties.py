"""Property-based: random bytes and random cells never raise a traceback, and the accounting
always adds up."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import fourS_analytics as fours
from fourS_analytics.errors import FoursError

HEADER = [
    "工单号",
    "客户编号",
    "进厂时间",
    "交车时间",
    "维修类型",
    "结算方式",
    "工时费",
    "联系电话",
    "进厂里程",
    "是否预约",
]

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "合计",
            "2025/3/5 8:07",
            "20250305",
            "45721",
            "1.38E+10",
            "¥1,234.50",
            "(12)",
            "是",
            "否",
            "定保",
            "自费+索赔",
            "R1",
            "R2",
            "C1",
            "2025/13/45",
            "03/05/2025",
            "=1+1",
            "\u3000",
            "１２３",
        ]
    ),
)
row = st.lists(cell, min_size=0, max_size=len(HEADER) + 2)

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load_bytes(data: bytes, suffix: str = ".csv") -> fours.Dataset | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        path.write_bytes(data)
        try:
            return fours.load(path)
        except FoursError:
            return None  # a clear, expected error: fine


@_SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_a_clear_error(data: bytes) -> None:
    dataset = _load_bytes(data)
    if dataset is not None:
        assert dataset.adds_up


@_SETTINGS
@given(st.lists(row, max_size=25), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
# two short records whose cells add up to the header's: not a split row without full rows
@example(rows=[["", "", "", "", "0"], ["", "", "", "", "", "0"]], encoding="utf-8")
def test_random_cells_under_a_real_header_always_add_up(
    rows: list[list[str]], encoding: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    dataset = _load_bytes(data)
    if dataset is None:
        return
    (report,) = dataset.files
    assert dataset.adds_up
    non_blank = [r for r in rows if any(c.strip() for c in r)]
    # every non-blank record is one data row (cells with line breaks aside), or one of the
    # pieces of a row said to be split by a line break (rejected, naming its lines)
    split = dataset.problems[dataset.problems["reason"] == "r_split_row"]
    pieces = sum(p["last"] - p["first"] for p in split["params"])
    if not any("\n" in c or "\r" in c for r in rows for c in r):
        assert report.rows + pieces == len(non_blank)
    assert len(dataset.repair_orders) == report.accepted
