"""Across every output of a pack (CSV lists, JSON, SVG charts, HTML, Markdown, the PPTX deck):
a name that is a script or a spreadsheet formula comes out inert, and no phone number of the
input appears unless --include-contact asked for the call lists."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from fourS_analytics.cli import cli
from fourS_analytics.sample import StoreParams, generate

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    folder = tmp_path_factory.mktemp("evil")
    generate(folder, replace(StoreParams(), vehicles=700, years=3), seed=11)
    shutil.rmtree(folder / "ground_truth")
    (folder / "manifest.json").unlink()
    path = folder / "repair_orders.csv"
    ros = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    customers = ros["客户编号"].value_counts().index
    ros.loc[ros["客户编号"] == customers[0], "客户名称"] = SCRIPT
    ros.loc[ros["客户编号"] == customers[1], "客户名称"] = FORMULA
    busiest = ros["维修技师"].value_counts().index[0]
    ros.loc[ros["维修技师"] == busiest, "维修技师"] = SCRIPT  # staff names reach the report
    ros.to_csv(path, index=False, encoding="utf-8-sig")
    phones = {p for p in ros["联系电话"] if re.fullmatch(r"1\d{10}", p)}
    assert len(phones) > 100
    return folder, phones


def run(store: Path, out: Path, *extra: str) -> Path:
    settings = out.parent / f"{out.name}.toml"
    settings.write_text(
        f'[run]\ndata = "{store}"\nout = "{out}"\nperiod = "2025"\nshow_staff = true\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--lang", "en", "run", "--config", str(settings), *extra])
    assert result.exit_code == 0, result.output
    return out / "latest"


def texts(pack: Path) -> dict[str, str]:
    """Every output as text; the deck's and workbooks' XML parts one by one."""
    out = {}
    for path in pack.rglob("*"):
        if not path.is_file():
            continue
        rel = str(path.relative_to(pack))
        if path.suffix in (".pptx", ".xlsx"):
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    data = z.read(name)
                    if name.endswith((".xlsx",)):
                        with zipfile.ZipFile(io.BytesIO(data)) as inner:
                            for n in inner.namelist():
                                out[f"{rel}!{name}!{n}"] = inner.read(n).decode("utf-8", "replace")
                    else:
                        out[f"{rel}!{name}"] = data.decode("utf-8", "replace")
        else:
            out[rel] = path.read_bytes().decode("utf-8-sig", "replace")
    return out


def test_every_output_is_inert_and_masked(
    store: tuple[Path, set[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """... and the whole run opens no network connection (every connect raises)."""
    import socket

    attempts: list[object] = []

    def refuse(*args: object, **_kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network use in a test of fours run")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    folder, phones = store
    pack = run(folder, tmp_path / "packs")
    assert attempts == []
    files = texts(pack)
    assert len(files) > 60
    for name, text in files.items():
        assert SCRIPT not in text or name.endswith((".csv", ".json")), name
        if name.endswith((".html", ".svg", ".md")) or "!" in name:
            assert "<script" not in text.lower(), name
        leaked = [p for p in phones if p in text]
        assert not leaked, f"{name} holds full phone numbers, e.g. {leaked[:1]}"
    html = files["report/report_2025.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the technician, shown escaped
    for name, text in files.items():
        if name.endswith(".csv"):
            for row in csv.reader(io.StringIO(text)):
                for cell in row:
                    if cell.startswith(FORMULA_START):
                        float(cell)  # only a number (e.g. -3.5) may start so


def test_call_lists_with_contact_are_private_and_inert(
    store: tuple[Path, set[str]], tmp_path: Path
) -> None:
    folder, phones = store
    pack = run(folder, tmp_path / "packs", "--include-contact")
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    assert manifest["contains_personal_data"] is True
    personal = {o["path"] for o in manifest["outputs"] if o["personal_data"]}
    assert {"loyalty/loyal_top.csv", "churn/winback.csv"} <= personal
    for rel in personal:
        assert (pack / rel).stat().st_mode & 0o777 == 0o600
    assert {"lists/service_due.csv", "lists/lists.xlsx"} <= personal
    files = texts(pack)
    # a workbook's XML parts (texts() reads them one by one) are personal as it is
    personal = {n for n in files if n in personal or n.split("!")[0] in personal}
    lists = "".join(files[p] for p in personal)
    assert any(p in lists for p in phones)  # the call lists do hold the numbers now
    for name, text in files.items():  # ... and nothing else does
        if name not in personal:
            assert not [p for p in phones if p in text], name
    tables = [rel for rel in personal if rel.endswith(".csv")]
    for rel in tables:
        for row in csv.reader(io.StringIO(files[rel])):
            for cell in row:
                if cell.startswith(FORMULA_START):
                    float(cell)
                assert cell != FORMULA
    assert any(
        FORMULA in cell
        for rel in tables
        for row in csv.reader(io.StringIO(files[rel]))
        for cell in row
    )
    sheets = [n for n in personal if n.startswith("lists/lists.xlsx!xl/worksheets/")]
    assert sheets and not any("<f>" in files[n] for n in sheets)  # text cells, no formulas


def test_the_workbook_writes_each_cell_with_its_type(tmp_path: Path) -> None:
    """Every cell comes out in its place and typed: text as text (a formula stays text),
    finite numbers as numbers, booleans as booleans, dates as text, and missing, NaN and
    infinite cells empty."""
    import math

    import openpyxl
    import pandas as pd

    from fourS_analytics.output import write_xlsx

    frame = pd.DataFrame(
        {
            "name": ["=1+1", "张三", None],
            "amount": [1.5, math.nan, math.inf],
            "flag": [True, False, None],
            "day": [pd.Timestamp("2025-03-01"), pd.NaT, pd.Timestamp("2025-12-31 13:00")],
        }
    )
    path = write_xlsx({"one": frame, "two": frame.iloc[:1]}, tmp_path / "x.xlsx", stamp="2025")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["one", "two"]
    rows = [[c.value for c in row] for row in book["one"].iter_rows()]
    assert rows == [
        ["name", "amount", "flag", "day"],
        ["=1+1", 1.5, True, "2025-03-01"],
        ["张三", None, False, None],
        [None, None, None, "2025-12-31"],
    ]
    assert book["one"].cell(2, 1).data_type == "s"  # text, not a formula
    assert book["one"].freeze_panes == "A2"
    assert book["two"].max_row == 2


def test_the_workbooks_columns_typed_by_dtype_are_the_cells_typed_one_by_one(tmp_path) -> None:
    """The fast path (numbers and pandas strings typed by their column) writes the same
    workbook, byte for byte, as every cell typed on its own (the same frame as objects)."""
    import math

    import pandas as pd

    from fourS_analytics.output import write_xlsx

    frame = pd.DataFrame(
        {
            "text": pd.array(["=1+1", "张三", None, "a longer piece of text"], dtype="str"),
            "count": pd.array([3, None, -2, 7], dtype="Int64"),
            "plain_int": [1, 2, 3, 4],
            "amount": [1.5, math.nan, math.inf, -0.25],
            "kind": pd.Categorical(["a", "b", None, "a"]),
            "flag": [True, False, True, False],
            "mixed": ["x", 2, None, 3.5],
            "day": pd.to_datetime(
                ["2025-03-01", None, "2025-12-31 13:00", "2024-02-29"], format="ISO8601"
            ),
        }
    )
    typed = write_xlsx({"t": frame}, tmp_path / "typed.xlsx", stamp="2025")
    by_cell = write_xlsx({"t": frame.astype(object)}, tmp_path / "cells.xlsx", stamp="2025")
    assert typed.read_bytes() == by_cell.read_bytes()
    back = pd.read_excel(typed, engine="calamine")
    assert list(back["plain_int"]) == [1, 2, 3, 4] and back["count"].isna().sum() == 1
    assert back["text"].tolist()[:2] == ["=1+1", "张三"]
