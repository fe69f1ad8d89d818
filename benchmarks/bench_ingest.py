"""Issue 2 benchmark: fourS_analytics.load against a bare pandas.read_csv of the same file.

Writes a 1,000,000-row repair-order CSV with realistic columns (UTF-8, and the same rows in
GB18030), then, each in a fresh process so peak memory is its own:
  - bare ``pandas.read_csv(path)`` (GB18030: ``encoding="gb18030"``),
  - ``fourS_analytics.load(path)``.
Targets: load <= 3x the bare read (UTF-8), <= 4x (GB18030); peak memory <= 2 GB.

``--readers FILE`` (issue 16): the bare reads a user could pick instead, side by side on one
CSV (default: the 1M-RO store's repair_orders.csv of ``bench_sample.py --keep``), each in a
fresh process, each reading every column as text and with type inference: pandas' C engine,
pandas' pyarrow engine, pyarrow's own CSV reader (to pandas with Arrow-backed strings) and
polars; beside them ``fourS_analytics.load`` of the same file. pyarrow and polars are not
dependencies of the toolkit: install them in the benchmark's environment
(``pip install pyarrow polars``).

Usage: python benchmarks/bench_ingest.py [--rows 1000000] [--repeat 3]
       python benchmarks/bench_ingest.py --readers [FILE] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

WORK = Path(__file__).parent / "_work"

RO_TYPES = ["定保", "首保", "一般维修", "钣喷", "事故车", "索赔", "洗车", "内部"]
PAY_TYPES = ["自费", "自费", "自费", "索赔", "保险", "自费+索赔", "内部"]
ADVISORS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏"]
TECHS = [f"技师{i:02d}" for i in range(30)]
PROVINCES = list("粤京沪苏浙鲁川鄂湘闽")


def write_export(rows: int, path_utf8: Path, path_gb: Path, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    customers = rows // 5
    cust = rng.integers(0, customers, rows)
    start = np.datetime64("2021-01-01T00:00")
    minutes = np.sort(rng.integers(0, 5 * 365 * 24 * 60, rows)).astype("timedelta64[m]")
    open_time = start + minutes
    hours = rng.gamma(2.0, 1.5, rows)
    done = open_time + (hours * 60).astype("timedelta64[m]")
    labor = np.round(rng.gamma(2.0, 200.0, rows), 2)
    parts = np.round(rng.gamma(1.5, 400.0, rows), 2)
    vin_tail = np.char.zfill(cust.astype(str), 7)
    frame = pd.DataFrame(
        {
            "工单号": np.char.add("RO", np.char.zfill(np.arange(rows).astype(str), 9)),
            "客户编号": np.char.add("C", np.char.zfill(cust.astype(str), 7)),
            "车架号": np.char.add("LSVAB4BR5E", vin_tail.astype("<U7").astype(str))[:, None]
            .astype(str)
            .ravel(),
            "车牌号": np.char.add(
                np.array(PROVINCES)[cust % 10],
                np.char.add("A", np.char.zfill((cust % 99999).astype(str), 5)),
            ),
            "进厂时间": pd.Series(open_time).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "竣工时间": pd.Series(done).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "交车时间": pd.Series(done + np.timedelta64(30, "m")).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "结算时间": pd.Series(done + np.timedelta64(20, "m")).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "维修类型": np.array(RO_TYPES)[rng.integers(0, len(RO_TYPES), rows)],
            "结算方式": np.array(PAY_TYPES)[rng.integers(0, len(PAY_TYPES), rows)],
            "工时费": [f"{v:,.2f}" for v in labor],
            "材料费": [f"{v:,.2f}" for v in parts],
            "工时": np.round(hours, 1),
            "进厂里程": (rng.gamma(3.0, 15000.0, rows)).astype(int),
            "服务顾问": np.array(ADVISORS)[rng.integers(0, len(ADVISORS), rows)],
            "维修技师": np.array(TECHS)[rng.integers(0, len(TECHS), rows)],
            "是否预约": np.where(rng.random(rows) < 0.4, "是", "否"),
            "联系电话": np.char.add(
                "13", np.char.zfill(rng.integers(0, 999_999_999, rows).astype(str), 9)
            ),
        }
    )
    frame.to_csv(path_utf8, index=False, encoding="utf-8")
    frame.to_csv(path_gb, index=False, encoding="gb18030")


READERS = (
    "pandas-c-text",
    "pandas-c-infer",
    "pandas-pyarrow-text",
    "pandas-pyarrow-infer",
    "pyarrow-csv-text",
    "polars-text",
    "polars-infer",
    "fours-load",
)


def _read(kind: str, path: str) -> int:
    """One bare read of ``path`` (UTF-8): its row count."""
    if kind == "pandas-c-text":
        return len(pd.read_csv(path, dtype=str, keep_default_na=False))
    if kind == "pandas-c-infer":
        return len(pd.read_csv(path))
    if kind == "pandas-pyarrow-text":
        return len(pd.read_csv(path, engine="pyarrow", dtype="string[pyarrow]"))
    if kind == "pandas-pyarrow-infer":
        return len(pd.read_csv(path, engine="pyarrow", dtype_backend="pyarrow"))
    if kind == "pyarrow-csv-text":
        import pyarrow as pa
        from pyarrow import csv

        with open(path, encoding="utf-8-sig") as f:
            header = f.readline().rstrip("\r\n").split(",")
        types = {name: pa.string() for name in header}
        table = csv.read_csv(path, convert_options=csv.ConvertOptions(column_types=types))
        return len(table.to_pandas(types_mapper=pd.ArrowDtype))
    if kind == "polars-text":
        import polars as pl

        return pl.read_csv(path, infer_schema=False).height
    if kind == "polars-infer":
        import polars as pl

        return pl.read_csv(path).height
    raise ValueError(kind)


def _child(kind: str, path: str, encoding: str) -> None:
    import fourS_analytics as fours  # imported before the clock starts, as pandas is

    if kind.startswith(("pandas-pyarrow", "pyarrow")):
        import pyarrow  # noqa: F401  (its import is not the read)
    if kind.startswith("polars"):
        import polars  # noqa: F401
    start = time.perf_counter()
    if kind == "bare":
        frame = pd.read_csv(path, encoding=encoding)
        rows = len(frame)
    elif kind in READERS and kind != "fours-load":
        rows = _read(kind, path)
    else:
        data = fours.load(path)
        rows = len(data.repair_orders)
        assert data.adds_up
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": rows}))


def measure(kind: str, path: Path, encoding: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), encoding],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3)
    parser.add_argument("--readers", nargs="?", const="", default=None, metavar="FILE")
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.readers is not None:
        readers(
            Path(args.readers or WORK / "store_200000_5y_1s" / "repair_orders.csv"), args.repeat
        )
        return
    WORK.mkdir(exist_ok=True)
    utf8, gb = WORK / f"ro_{args.rows}_utf8.csv", WORK / f"ro_{args.rows}_gb18030.csv"
    if not (utf8.exists() and gb.exists()):
        t0 = time.perf_counter()
        write_export(args.rows, utf8, gb)
        print(
            f"wrote {args.rows:,} rows in {time.perf_counter() - t0:.1f}s "
            f"({utf8.stat().st_size / 1e6:.0f} MB UTF-8, {gb.stat().st_size / 1e6:.0f} MB "
            "GB18030)"
        )
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}, pandas {pd.__version__}"
    )
    for label, path, encoding, target in (
        ("UTF-8", utf8, "utf-8", 3.0),
        ("GB18030", gb, "gb18030", 4.0),
    ):
        bare = [measure("bare", path, encoding) for _ in range(args.repeat)]
        load = [measure("load", path, encoding) for _ in range(args.repeat)]
        b = min(r["seconds"] for r in bare)
        f = min(r["seconds"] for r in load)
        peak = max(r["peak_mb"] for r in load)
        print(
            f"{label:8s} bare read_csv {b:6.2f}s  fours.load {f:6.2f}s  ratio {f / b:5.2f}x "
            f"(target <= {target:.0f}x: {'met' if f / b <= target else 'MISSED'})  "
            f"load peak {peak:,.0f} MB (target <= 2048 MB: "
            f"{'met' if peak <= 2048 else 'MISSED'})  rows {load[0]['rows']:,}"
        )


def readers(path: Path, repeat: int) -> None:
    import polars
    import pyarrow

    print(
        f"machine: {platform.platform()}, python {platform.python_version()}, pandas "
        f"{pd.__version__}, pyarrow {pyarrow.__version__}, polars {polars.__version__}; "
        f"{path} ({path.stat().st_size / 1e6:.0f} MB)"
    )
    base = None
    for kind in READERS:
        runs = [measure(kind, path, "utf-8") for _ in range(repeat)]
        best = min(r["seconds"] for r in runs)
        base = base or best
        print(
            f"{kind:22s} {best:6.2f} s  ({best / base:4.2f}x pandas-c-text)  "
            f"peak {max(r['peak_mb'] for r in runs):,.0f} MB  rows {runs[0]['rows']:,}"
        )


if __name__ == "__main__":
    main()
