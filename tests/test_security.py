"""Hostile names and cells in the exports: nothing is written outside the pack, nothing in
any output is a live formula, the rejects file is personal data masked by default, and a
config value of the wrong type is refused instead of read as truthy."""

from __future__ import annotations

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

FORMULA_STORE = "=cmd|' /C calc'!A0"
FORMULA_TECH = '=HYPERLINK("http://x","y")'
FORMULA_TAG = re.compile(rb"<f[\s>/]")  # a cell formula in a worksheet (SpreadsheetML)
# a chart's <c:f> may only point at its own data range
CHART_REF = re.compile(rb"<c:f>(.*?)</c:f>")
RANGE = re.compile(rb"Sheet1!\$[A-Z]+\$\d+(?::\$[A-Z]+\$\d+)?")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A store export whose store column names a parent folder, an absolute folder and a
    formula; a technician named by a formula; one rejected row holding a name and phone."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "exports"
    generate(data, replace(StoreParams(), vehicles=600, years=3), seed=5)
    shutil.rmtree(data / "ground_truth")
    (data / "manifest.json").unlink()
    path = data / "repair_orders.csv"
    ros = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    absolute = str(root / "absolute_target")
    names = ["../../../escaped", absolute, FORMULA_STORE]
    ros.insert(0, "门店", [names[i % 3] for i in range(len(ros))])
    busiest = ros["维修技师"].value_counts().index[0]
    ros.loc[ros["维修技师"] == busiest, "维修技师"] = FORMULA_TECH
    bad = ros.iloc[[0]].copy()
    bad["工单号"], bad["进厂时间"] = "RO-BAD-1", "not a date"
    bad["客户名称"], bad["联系电话"] = "欧阳娜娜", "13912345678"
    pd.concat([ros, bad]).to_csv(path, index=False, encoding="utf-8-sig")
    return {"root": root, "data": data, "absolute": Path(absolute), "stores": names}


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _run(hostile: dict[str, object], out: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "run",
            "--data",
            str(hostile["data"]),
            "--out",
            str(out),
            "--period",
            "2025",
            *extra,
        ],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def _zip_parts(data: bytes, name: str) -> dict[str, bytes]:
    """Every member of a zip, and of the zips inside it (a deck's chart workbooks)."""
    parts: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for member in z.namelist():
            content = z.read(member)
            if content[:2] == b"PK":
                parts.update(_zip_parts(content, f"{name}!{member}"))
            else:
                parts[f"{name}!{member}"] = content
    return parts


@pytest.fixture(scope="module")
def pack(hostile: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = hostile["root"]
    assert isinstance(root, Path)
    before = _files(root)
    out = tmp_path_factory.mktemp("packs")
    code, text = _run(hostile, out, "--keep-going")
    assert code in (0, 3), text  # 3: one rejected row may pass the gate or not
    assert _files(root) == before, "fours run wrote beside the pack"
    assert not (root / "escaped").exists() and not Path("/escaped").exists()
    assert not hostile["absolute"].exists()  # type: ignore[attr-defined]
    return out / "latest"


def test_store_names_from_the_data_are_never_paths(pack: Path) -> None:
    every = [p for p in pack.resolve().rglob("*")]
    assert every and all(pack.resolve() in p.parents for p in every)
    for step in ("loyalty", "churn", "workload"):
        folders = sorted(p.name for p in (pack / step).iterdir() if p.is_dir())
        assert len(folders) == 3, (step, folders)
        assert all("/" not in f and ".." not in f and not f.startswith(".") for f in folders)
    reports = [p for p in (pack / "report").iterdir() if p.is_dir()]
    assert len(reports) == 4  # one per store and the group's


def test_no_output_holds_a_live_formula(pack: Path) -> None:
    decks = list(pack.rglob("*.pptx"))
    assert len(decks) == 4
    checked = 0
    for path in pack.rglob("*"):
        if path.is_file() and path.read_bytes()[:2] == b"PK":
            for name, content in _zip_parts(path.read_bytes(), path.name).items():
                if name.endswith(".xml"):
                    checked += 1
                    assert not FORMULA_TAG.search(content), name
                    assert all(RANGE.fullmatch(ref) for ref in CHART_REF.findall(content)), name
    assert checked > 50
    # the hostile store name is in a chart workbook of the group deck, as a plain string
    group = next(p for p in decks if p.parent.name == "_group")
    strings = b"".join(
        v for k, v in _zip_parts(group.read_bytes(), "g").items() if k.endswith("sharedStrings.xml")
    )
    assert b"=cmd|'/Ccalc'!A0" in strings  # a store is an id: the ingest drops its spaces


def test_the_rejects_file_is_masked_by_default_and_the_manifest_says_so(pack: Path) -> None:
    rejects = pack / "rejects.csv"
    text = rejects.read_text("utf-8-sig")
    assert "RO-BAD-1" in text
    assert "13912345678" not in text and "欧阳娜娜" not in text
    assert "139****5678" in text and "欧***" in text
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    entry = next(o for o in manifest["outputs"] if o["path"] == "rejects.csv")
    assert entry["personal_data"] is False and entry["personal_data_masked"] is True
    assert entry["holds"].startswith("row problems")
    assert all(o["holds"] for o in manifest["outputs"])


def test_include_contact_puts_full_rejects_in_an_owner_only_file(
    hostile: dict[str, object], tmp_path: Path
) -> None:
    code, text = _run_steps(hostile, tmp_path)
    assert code in (0, 3), text
    rejects = tmp_path / "o" / "latest" / "rejects.csv"
    assert "13912345678" in rejects.read_text("utf-8-sig")
    assert rejects.stat().st_mode & 0o777 == 0o600
    manifest = json.loads((tmp_path / "o" / "latest" / "manifest.json").read_text("utf-8"))
    entry = next(o for o in manifest["outputs"] if o["path"] == "rejects.csv")
    assert entry["personal_data"] is True


def _run_steps(hostile: dict[str, object], tmp_path: Path) -> tuple[int, str]:
    config = tmp_path / "fours.toml"
    config.write_text(
        f'[run]\ndata = "{hostile["data"]}"\nout = "{tmp_path / "o"}"\n'
        'period = "2025"\nsteps = ["validate"]\ninclude_contact = true\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--lang", "en", "run", "--config", str(config)])
    return result.exit_code, result.output


def test_validate_masks_the_rejects_unless_asked(
    hostile: dict[str, object], tmp_path: Path
) -> None:
    ros = Path(str(hostile["data"])) / "repair_orders.csv"
    for extra, full in (((), False), (("--include-contact",), True)):
        rejects = tmp_path / f"rejects_{full}.csv"
        result = CliRunner().invoke(
            cli, ["--lang", "en", "validate", str(ros), "--rejects", str(rejects), *extra]
        )
        assert result.exit_code == 0, result.output
        assert ("13912345678" in rejects.read_text("utf-8-sig")) is full


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('include_contact = "false"', "[run] include_contact = 'false' must be true or false"),
        ('keep = "12"', "[run] keep = '12' must be a whole number"),
        ("keep = 1.5", "[run] keep = 1.5 must be a whole number"),
        ('report_formats = "html"', "[run] report_formats = 'html' must be a list of texts"),
        ('[report]\nformats = "html"', "[report] formats = 'html' must be a list of texts"),
    ],
)
def test_a_config_value_of_the_wrong_type_is_refused(
    tmp_path: Path, line: str, message: str
) -> None:
    config = tmp_path / "fours.toml"
    config.write_text(f'[run]\ndata = "{tmp_path}"\n{line}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--lang", "en", "run", "--config", str(config)])
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"Error: {config}: {message}"), lines


def test_neutralising_quotes_exactly_the_text_cells_a_spreadsheet_would_run() -> None:
    from fourS_analytics.output import neutralise_formulas

    frame = pd.DataFrame(
        {
            "arrow": pd.Series(["=1+1", "ok", None, "+86 139", "\tx", "-3", "@A1"], dtype="str"),
            "mixed": pd.Series(["=SUM(A1)", 5, None, b"=bytes", "plain", 2.5, "\rz"]),
            "numbers": pd.Series([1, -2, 3, 4, 5, 6, 7], dtype=object),  # no text: untouched
            "bytes": pd.Series([b"=x", b"y", b"+", b"-", b"@", b"\t", b"z"]),  # not text either
            "floats": [-1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    out = neutralise_formulas(frame)
    assert list(out["arrow"])[:2] == ["'=1+1", "ok"] and pd.isna(out["arrow"][2])
    assert list(out["arrow"])[3:] == ["'+86 139", "'\tx", "'-3", "'@A1"]
    assert list(out["mixed"]) == ["'=SUM(A1)", 5, None, b"=bytes", "plain", 2.5, "'\rz"]
    assert list(out["numbers"]) == [1, -2, 3, 4, 5, 6, 7] and out["floats"][0] == -1.0
    assert list(out["bytes"]) == list(frame["bytes"])
    assert frame["arrow"].iloc[0] == "=1+1"  # the caller's frame is left as it was
