"""The CSV writer's fast path (output.csv_bytes): the same characters as pandas' to_csv, built
column by column by Arrow's kernels, on every kind of column the toolkit writes; anything it
does not know is left to pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from fourS_analytics.output import csv_bytes, neutralise_formulas, write_csv

TEXTS = ["x", "y,z", 'q"uote', "line\nbreak", "  sp ", "", "甲乙", "=SUM(A1)", "a;b"]


def _frame(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    spread = 10.0 ** rng.integers(-9, 21, n) * rng.random(n) * rng.choice([-1, 1], n)
    frame = pd.DataFrame(
        {
            "money": np.round(rng.normal(0, 1e4, n), 2),
            "share": rng.random(n),
            "spread": np.where(rng.random(n) < 0.1, np.nan, spread),
            "whole": rng.integers(-(10**6), 10**6, n).astype(float),
            "count": rng.integers(-5, 5, n),
            "text": np.where(rng.random(n) < 0.1, None, rng.choice(TEXTS, n)),
            "when": pd.to_datetime(rng.integers(15 * 10**17, 17 * 10**17, n)).floor("s"),
            "day": pd.to_datetime(rng.integers(15 * 10**17, 17 * 10**17, n)).floor("D"),
            "day_us": pd.to_datetime(rng.integers(15 * 10**17, 17 * 10**17, n))
            .floor("D")
            .as_unit("us"),
            "when_s": pd.to_datetime(rng.integers(15 * 10**17, 17 * 10**17, n))
            .floor("s")
            .as_unit("s"),
            "flag": rng.random(n) < 0.5,
            "visits": pd.array(
                np.where(rng.random(n) < 0.2, None, rng.integers(0, 99, n)), "Int64"
            ),
            "ratio": pd.array(np.where(rng.random(n) < 0.2, np.nan, rng.random(n)), "Float64"),
            "tier": pd.Categorical(rng.choice(["核心", "稳定", "c,d"], n)),
            "arrow": pd.array(rng.choice(TEXTS, n), dtype=pd.StringDtype("pyarrow")),
        }
    )
    edges = [0.0, -0.0, np.inf, -np.inf, 1e16, 9999999999999998.0, 1e-4, 9.99e-5, 5e-324, -12.0]
    frame.loc[: len(edges) - 1, "spread"] = edges
    frame.loc[3, ["when", "day", "day_us", "when_s"]] = pd.NaT
    return frame


def test_days_as_date_objects_and_columns_of_gaps_take_the_fast_path_too() -> None:
    """The call lists' days are datetime.date cells (with gaps: None or NaN) and a list may
    hold a column with no value at all (NaN objects): both written as pandas writes them,
    by Arrow, not handed back to pandas."""
    import datetime as dt

    rng = np.random.default_rng(5)
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 9000, 500)]
    days[3], days[7] = None, float("nan")  # type: ignore[call-overload]
    frame = pd.DataFrame(
        {
            "day": pd.Series(days, dtype=object),
            "advisor": pd.Series([np.nan] * 500, dtype=object),
            "name": rng.choice(TEXTS, 500),
        }
    )
    fast = csv_bytes(frame)
    assert fast is not None and fast == frame.to_csv(index=False).encode()
    assert b"\n,," in fast  # the row with no day: empty cells, as pandas writes them
    early = frame.assign(day=pd.Series([dt.date(999, 1, 1)] * 500, dtype=object))
    assert csv_bytes(early) is None  # a year before 1000: pandas decides


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_fast_path_writes_what_pandas_writes(seed: int) -> None:
    frame = _frame(seed)
    assert csv_bytes(frame) == frame.to_csv(index=False).encode()
    as_text = frame.astype({"text": "str"})  # pandas' own string dtype, gaps and all
    assert csv_bytes(as_text) == as_text.to_csv(index=False).encode()
    assert csv_bytes(frame.iloc[:0]) == frame.iloc[:0].to_csv(index=False).encode()
    part = frame.iloc[1000:1500]  # a slice: its Arrow arrays start past their buffers' start
    assert csv_bytes(part) == part.to_csv(index=False).encode()
    twice = pd.concat([part, frame.iloc[:700]], ignore_index=True)  # Arrow data in two pieces
    assert len(pa.array(twice["arrow"].array).chunks) == 2
    assert csv_bytes(twice) == twice.to_csv(index=False).encode()


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["a", "b\rc"] * 3),  # a lone carriage return: quoted or not by the Python
        pd.Series(["a", 1, 2.5] * 2, dtype=object),  # text mixed with numbers
        pd.Series(np.arange(6, dtype="float32")),
        pd.Series(np.array([2**64 - 1] * 6, dtype="uint64")),  # beyond int64
        pd.Series(pd.to_timedelta(np.arange(6), unit="h")),
        pd.Series(pd.date_range("2025-01-01 08:00:00.5", periods=6, freq="h")),  # below a second
        pd.Series(pd.date_range("2025-01-01", periods=6, tz="Asia/Shanghai")),
    ],
)
def test_what_the_fast_path_does_not_know_is_left_to_pandas(column: pd.Series) -> None:
    frame = pd.DataFrame({"id": range(6), "value": column})
    assert csv_bytes(frame) is None
    assert csv_bytes(frame[["id"]]) is None  # one column: the csv module quotes an empty row


def test_write_csv_gives_the_bytes_pandas_gave(tmp_path: Path) -> None:
    odd = pd.DataFrame({"id": range(4), "value": ["a", 1, "b\rc", None]}, dtype=object)
    for name, frame in (("fast", _frame(3, 500)), ("odd", odd)):
        ours = write_csv(frame, tmp_path / f"{name}.csv").read_bytes()
        before = tmp_path / "pandas.csv"  # what write_csv wrote before the fast path
        neutralise_formulas(frame).to_csv(before, index=False, encoding="utf-8-sig")
        assert ours == before.read_bytes(), name
    assert b"'=SUM(A1)" in (tmp_path / "fast.csv").read_bytes()  # the formula made text
