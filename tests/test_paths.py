"""Names from the data as path components: never a separator, a parent or a device."""

from __future__ import annotations

from pathlib import Path

import pytest

from fourS_analytics.errors import UsageError
from fourS_analytics.paths import MAX_CHARS, folder_names, join_under, safe_name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("广州天河店", "广州天河店"),
        ("广州/天河 店", "广州_天河_店"),
        ("../../../x", "_x"),
        ("/etc/cron.d/evil", "_etc_cron.d_evil"),
        ("a..b", "a_b"),
        ("C:\\Windows\\System32", "C_Windows_System32"),
        ("..", "store"),
        (".", "store"),
        ("", "store"),
        (".hidden", "hidden"),
        ("a\x00b\nc\td e", "abcd_e"),  # control characters dropped
        ("CON", "_CON"),
        ("lpt1.txt", "_lpt1.txt"),
        ("=cmd|' /C calc'!A0", "=cmd_'_C_calc'!A0"),
        ("ＡＢＣ１２３", "ABC123"),  # full-width forms folded
    ],
)
def test_safe_name_reduces_a_value_to_one_harmless_component(value: str, expected: str) -> None:
    assert safe_name(value) == expected


def test_a_long_name_is_cut_and_keeps_a_hash_so_two_long_names_stay_apart() -> None:
    a, b = "店" * 200 + "A", "店" * 200 + "B"
    assert len(safe_name(a)) == MAX_CHARS + 7  # the cut name, "-" and six hex digits
    assert safe_name(a) != safe_name(b)


def test_reserved_names_get_a_trailing_underscore_whatever_their_case() -> None:
    assert safe_name("_group", reserved=("_group",)) == "_group_"
    assert safe_name("Latest", reserved=("latest",)) == "Latest_"


def test_folder_names_are_distinct_even_on_a_case_insensitive_disk() -> None:
    names = folder_names(["a/b", "a_b", "A_B", "..", ".", "x"])
    assert len({n.casefold() for n in names.values()}) == 6
    assert names["A_B"] == "A_B"  # safe as it stands, and sorts first
    assert names["a_b"].startswith("a_b-") and names["a/b"].startswith("a_b-")


def test_a_store_keeps_its_folder_when_another_store_comes() -> None:
    before = folder_names(["a/b", "a_b"])
    after = folder_names(["a/b", "a_b", "A/B"])
    assert before["a_b"] == after["a_b"] and before["a/b"] == after["a/b"]


def test_join_under_refuses_a_path_that_leaves_its_root(tmp_path: Path) -> None:
    assert join_under(tmp_path, "a", "b") == tmp_path / "a" / "b"
    for parts in (("..", "x"), ("/etc",), ("a", "..", "..", "x")):
        with pytest.raises(UsageError, match="outside"):
            join_under(tmp_path, *parts)
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(UsageError, match="outside"):
        join_under(tmp_path, "link", "x")
