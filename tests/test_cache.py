"""The cache of loaded exports (issue 15, ingest/cache.py): what it gives back is exactly what
parsing gives, on every hostile file of the corpus and every fixture; a changed byte, option
or toolkit is a miss; a damaged or unwritable cache never fails a load; the CLI and the run
say what they did with it, and a pack made from the cache is the pack made without it."""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import fourS_analytics as fours
from fourS_analytics.cli import cli
from fourS_analytics.config import load_settings
from fourS_analytics.dataset import Dataset, IngestOptions
from fourS_analytics.errors import InputError
from fourS_analytics.ingest import cache

RO = "RO Number,Customer No,Plate,Open Date,Total Amount\n"


def _same(one: Dataset, two: Dataset) -> None:
    assert list(one.tables) == list(two.tables)
    for name, table in one.tables.items():
        pd.testing.assert_frame_equal(table, two.tables[name], check_exact=True)
        assert list(table.dtypes) == list(two.tables[name].dtypes)
    pd.testing.assert_frame_equal(one.problems, two.problems, check_exact=True)
    for column in one.problems.columns:  # None stays None, a dict a dict, an int an int
        assert [repr(v) for v in one.problems[column]] == [repr(v) for v in two.problems[column]]
    assert [repr(f) for f in one.files] == [repr(f) for f in two.files]
    assert one.columns_present == two.columns_present
    assert one.notes == two.notes


def test_every_hostile_file_and_fixture_reads_back_exactly(data_dir: Path, tmp_path: Path) -> None:
    paths = [
        *sorted((data_dir / "bad" / "corpus").iterdir()),
        data_dir / "bad" / "ro_ambiguous_dates.csv",
        data_dir / "ro_gbk_title_total.csv",
        data_dir / "ro_two_titles.xlsx",
        data_dir,
    ]
    options = IngestOptions(cache_dir=str(tmp_path / "cache"))
    hits = errors = 0
    for path in paths:
        try:
            plain = fours.load(path)
        except InputError as error:  # an error is not kept: raised again, the same
            with pytest.raises(InputError) as again:
                fours.load(path, options)
            assert (again.value.key, again.value.params) == (error.key, error.params)
            errors += 1
            continue
        assert plain.cache is None
        stored = fours.load(path, options)
        assert stored.cache is not None and stored.cache.status == "stored", (path, stored.cache)
        hit = fours.load(path, options)
        assert hit.cache is not None and hit.cache.status == "hit", path
        assert hit.cache.entry == stored.cache.entry
        _same(plain, stored)
        _same(plain, hit)
        hits += 1
    assert hits >= 40 and errors >= 10  # the corpus has both kinds
    with_problems = [p for p in paths[:-1] if p.suffix == ".csv"]
    assert any(len(fours.load(p, options).problems) for p in with_problems)
    # one entry per loaded path: nothing for the errors, nothing half-written
    entries = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(entries) == hits and not any(e.startswith(".") for e in entries)


def test_the_sample_store_reads_back_exactly_and_quickly(sample: Dataset, tmp_path: Path) -> None:
    from fourS_analytics.sample import sample_data_dir

    options = IngestOptions(cache_dir=str(tmp_path / "c"))
    fours.load(sample_data_dir(), options)
    hit = fours.load(sample_data_dir(), options)
    assert hit.cache is not None and hit.cache.status == "hit"
    _same(sample, hit)


def _ro_file(folder: Path, rows: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "ro.csv"
    path.write_text(RO + rows, encoding="utf-8")
    return path


def test_a_changed_byte_is_a_miss_whatever_the_time_stamp_says(tmp_path: Path) -> None:
    path = _ro_file(tmp_path / "in", "A1,K1,P1,2025-03-05,100\nA2,K2,P2,2025-03-06,200\n")
    options = IngestOptions(cache_dir=str(tmp_path / "c"))
    first = fours.load(path, options)
    assert first.cache is not None
    before = path.stat()
    path.write_text(RO + "A1,K1,P1,2025-03-05,100\nA2,K2,P2,2025-03-06,900\n", encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, same mtime
    assert path.stat().st_size == before.st_size
    second = fours.load(path, options)
    assert second.cache is not None and second.cache.status == "stored"
    assert second.tables["repair_orders"]["total_amount"].tolist() == [100.0, 900.0]
    # the entry it replaces is removed; the new one is read next time
    assert [p.name for p in (tmp_path / "c").iterdir()] == [Path(second.cache.entry).name]
    third = fours.load(path, options)
    assert third.cache is not None and third.cache.status == "hit"
    assert third.tables["repair_orders"]["total_amount"].tolist() == [100.0, 900.0]


def test_other_options_or_another_toolkit_are_other_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _ro_file(tmp_path / "in", "A1,K1,P1,03/05/2025,100\nA2,K2,P2,04/06/2025,200\n")
    cache_dir = str(tmp_path / "c")
    dmy = fours.load(path, IngestOptions(date_order="dmy", cache_dir=cache_dir))
    mdy = fours.load(path, IngestOptions(date_order="mdy", cache_dir=cache_dir))
    assert dmy.cache is not None and mdy.cache is not None
    assert (dmy.cache.status, mdy.cache.status) == ("stored", "stored")
    assert dmy.tables["repair_orders"]["open_time"][0] == pd.Timestamp("2025-05-03")
    assert mdy.tables["repair_orders"]["open_time"][0] == pd.Timestamp("2025-03-05")
    again = fours.load(path, IngestOptions(date_order="dmy", cache_dir=cache_dir))
    assert again.cache is not None and again.cache.status == "hit"
    assert again.tables["repair_orders"]["open_time"][0] == pd.Timestamp("2025-05-03")
    assert len(list((tmp_path / "c").iterdir())) == 2  # both kept: other options
    # a changed line of the toolkit (or a new pandas) parses afresh
    monkeypatch.setattr(cache, "_code_digest", lambda: "another toolkit")
    changed = fours.load(path, IngestOptions(date_order="dmy", cache_dir=cache_dir))
    assert changed.cache is not None and changed.cache.status == "stored"


def test_the_same_file_named_another_way_is_another_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path as given is in the tables (source_file) and the accounting: kept apart."""
    path = _ro_file(tmp_path / "in", "A1,K1,P1,2025-03-05,100\n")
    options = IngestOptions(cache_dir=str(tmp_path / "c"))
    absolute = fours.load(path, options)
    monkeypatch.chdir(tmp_path)
    relative = fours.load(Path("in") / "ro.csv", options)
    assert relative.cache is not None and relative.cache.status == "stored"
    assert relative.files[0].path == str(Path("in") / "ro.csv")
    assert absolute.files[0].path == str(path)


def test_a_damaged_entry_is_removed_and_the_files_read(tmp_path: Path) -> None:
    path = _ro_file(tmp_path / "in", "A1,K1,P1,2025-03-05,100\nA2,K2,P2,bad date,200\n")
    options = IngestOptions(cache_dir=str(tmp_path / "c"))
    plain = fours.load(path)
    first = fours.load(path, options)
    assert first.cache is not None
    entry = Path(first.cache.entry)
    damages = [
        lambda: (entry / "table0.arrow").write_bytes(b"not arrow"),
        lambda: (entry / "problems.arrow").unlink(),
        lambda: (entry / cache.META).write_text("{", encoding="utf-8"),
    ]

    def fewer_accepted() -> None:  # the accounting edited: it no longer matches the table
        meta = json.loads((entry / cache.META).read_text(encoding="utf-8"))
        meta["files"][0]["accepted"] -= 1
        meta["files"][0]["rejected"] += 1
        (entry / cache.META).write_text(json.dumps(meta), encoding="utf-8")

    def other_dtype() -> None:
        meta = json.loads((entry / cache.META).read_text(encoding="utf-8"))
        meta["tables"]["repair_orders"]["dtypes"][0] = "int64"
        (entry / cache.META).write_text(json.dumps(meta), encoding="utf-8")

    for damage in [*damages, fewer_accepted, other_dtype]:
        damage()
        got = fours.load(path, options)
        assert got.cache is not None and got.cache.status == "unreadable", damage
        assert got.cache.detail
        _same(plain, got)
        again = fours.load(path, options)  # written anew
        assert again.cache is not None and again.cache.status == "hit"
        _same(plain, again)


def test_an_entry_naming_a_file_outside_itself_is_not_read(tmp_path: Path) -> None:
    path = _ro_file(tmp_path / "in", "A1,K1,P1,2025-03-05,100\n")
    options = IngestOptions(cache_dir=str(tmp_path / "c"))
    entry = Path(fours.load(path, options).cache.entry)  # type: ignore[union-attr]
    meta = json.loads((entry / cache.META).read_text(encoding="utf-8"))
    meta["problems"]["file"] = "../../in/ro.csv"
    (entry / cache.META).write_text(json.dumps(meta), encoding="utf-8")
    got = fours.load(path, options)
    assert got.cache is not None and got.cache.status == "unreadable"
    assert "not a file of the entry" in got.cache.detail
    assert path.exists()  # only the entry was removed


def test_a_file_that_cannot_be_hashed_or_a_table_arrow_refuses_never_fails_a_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa

    path = _ro_file(tmp_path / "in", "A1,K1,P1,2025-03-05,100\n")
    options = IngestOptions(cache_dir=str(tmp_path / "c"))
    plain = fours.load(path)

    def unreadable(_: Path) -> str:
        raise PermissionError(13, "Permission denied", str(path))

    with monkeypatch.context() as patch:
        patch.setattr(cache, "file_sha256", unreadable)
        got = fours.load(path, options)
    assert got.cache is not None and got.cache.status == "not_stored"
    assert got.cache.detail == f"Permission denied: {path}"
    _same(plain, got)

    def refused(frame: pd.DataFrame, where: Path) -> dict[str, object]:
        raise pa.ArrowInvalid("a type Arrow does not keep")

    with monkeypatch.context() as patch:
        patch.setattr(cache, "_write_frame", refused)
        got = fours.load(path, options)
    assert got.cache is not None and got.cache.status == "not_stored"
    assert got.cache.detail == "ArrowInvalid: a type Arrow does not keep"
    _same(plain, got)
    assert list((tmp_path / "c").iterdir()) == []  # nothing half-written left


def test_a_cache_that_cannot_be_written_never_fails_a_load(tmp_path: Path) -> None:
    path = _ro_file(tmp_path / "in", "A1,K1,P1,2025-03-05,100\n")
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder")
    got = fours.load(path, IngestOptions(cache_dir=str(blocked)))
    assert got.cache is not None and got.cache.status == "not_stored"
    assert str(blocked) in got.cache.detail
    assert got.tables["repair_orders"]["total_amount"].tolist() == [100.0]


def test_a_value_json_cannot_keep_exactly_is_not_stored(tmp_path: Path) -> None:
    data = fours.load(_ro_file(tmp_path / "in", "A1,K1,P1,2025-03-05,100\n"))
    problems = pd.DataFrame({"params": pd.Series([("a", 1)], dtype=object)})
    key = cache.key_for([Path(data.files[0].path)], IngestOptions())
    with pytest.raises(cache.NotCacheable, match="tuple"):
        cache.write(tmp_path / "c", key, replace(data, problems=problems))
    assert [p.name for p in (tmp_path / "c").iterdir()] == []  # nothing half-written left


def test_the_folder_is_its_owners_and_old_half_entries_go(tmp_path: Path) -> None:
    path = _ro_file(tmp_path / "in", "A1,K1,P1,2025-03-05,100\n")
    folder = tmp_path / "c"
    folder.mkdir(mode=0o755)
    dead = folder / ".tmp-left-by-a-killed-run"
    dead.mkdir()
    young = folder / ".tmp-being-written-now"
    young.mkdir()
    old = time.time() - 2 * 3600
    os.utime(dead, (old, old))
    got = fours.load(path, IngestOptions(cache_dir=str(folder)))
    assert got.cache is not None
    assert stat.S_IMODE(Path(got.cache.entry).stat().st_mode) == 0o700
    assert not dead.exists() and young.exists()
    fresh = tmp_path / "new" / "cache"
    fours.load(path, IngestOptions(cache_dir=str(fresh)))
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700


def test_the_commands_say_what_they_did_with_the_cache(tmp_path: Path) -> None:
    path = _ro_file(tmp_path / "in", "A1,K1,P1,2025-03-05,100\n")
    cache_dir = tmp_path / "c"
    runner = CliRunner()
    args = ["--lang", "en", "-v", "validate", str(path), "--cache-dir", str(cache_dir)]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "kept in the cache" in first.output
    second = runner.invoke(cli, args)
    assert second.exit_code == 0 and "read from the cache" in second.output
    quiet = runner.invoke(cli, [a for a in args if a != "-v"])  # a hit is a detail
    assert quiet.exit_code == 0 and "cache" not in quiet.output
    (tmp_path / "blocked").write_text("")
    blocked = runner.invoke(cli, ["--lang", "en", "validate", str(path), "--cache-dir"])
    assert blocked.exit_code == 2  # the flag needs its folder
    named_file = runner.invoke(
        cli, ["--lang", "en", "validate", str(path), "--cache-dir", str(tmp_path / "blocked")]
    )
    assert named_file.exit_code == 2 and "is a file" in named_file.output  # said at once
    below_a_file = str(tmp_path / "blocked" / "cache")  # found only when written
    warned = runner.invoke(
        cli, ["--lang", "en", "validate", str(path), "--cache-dir", below_a_file]
    )
    assert warned.exit_code == 0  # the load goes on; the warning says why
    assert "could not be kept in the cache" in warned.output


def test_the_config_names_the_folder_from_its_own_folder(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    toml = tmp_path / "conf" / "fours.toml"
    toml.write_text('[ingest]\ncache_dir = "cache"\n', encoding="utf-8")
    settings = load_settings(toml)
    assert settings.ingest.cache_dir == str(tmp_path / "conf" / "cache")
