"""Names from the data made safe as path components, and writes kept under their root.

A store name, a technician or any other value read from an export may become a folder name
(one folder per store in a pack). Such a value is never used as it stands: :func:`safe_name`
reduces it to one harmless component (no separators, no ``..``, no control characters, no
leading dot, no name Windows reserves, bounded length), :func:`folder_names` gives several
values distinct folders (also on case-insensitive file systems), and :func:`join_under`
refuses a path that would leave its root whatever it was built from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .errors import UsageError

MAX_CHARS = 64  # a component's length, before the collision suffix
# characters that separate paths or mean something to a shell or Windows
_UNSAFE = re.compile(r"(?:[\\/:*?\"<>|\s]|\.{2,})+")  # ".." runs too
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex: the run's manifest of inputs and outputs, and
    the key of the cache of loaded exports."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _digest(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()[:6]


def safe_name(value: object, *, reserved: Iterable[str] = (), fallback: str = "store") -> str:
    """One path component for ``value``: letters (Chinese included), digits and ``-_.``
    kept, anything else replaced by ``_``; never empty, ``.``/``..``, hidden (leading dot) or a
    reserved device name; at most :data:`MAX_CHARS` characters (a cut name gets a short hash so
    that two long names stay apart); a name in ``reserved`` gets a trailing ``_``."""
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")  # controls, ...
    name = _UNSAFE.sub("_", text).strip(". ")
    if len(name) > MAX_CHARS:
        name = f"{name[:MAX_CHARS].rstrip('._ ')}-{_digest(text)}"
    if not name.strip("_"):
        name = fallback
    if _WINDOWS_RESERVED.match(name):
        name = f"_{name}"
    if name.casefold() in {r.casefold() for r in reserved}:
        name = f"{name}_"
    return name


def folder_names(
    values: Iterable[str], *, reserved: Iterable[str] = (), fallback: str = "store"
) -> dict[str, str]:
    """A distinct folder name for each value: :func:`safe_name`, and where two values would
    share a folder (``a/b`` and ``a_b``; ``A`` and ``a`` on a case-insensitive disk) the
    later one gets a suffix from a hash of its own value. Values that are safe names as they
    stand come first, so such a store keeps its plain folder when others come or go, and a
    changed one keeps its hashed folder."""
    reserved = tuple(reserved)
    names: dict[str, str] = {}
    taken: set[str] = set()
    slugs = {v: safe_name(v, reserved=reserved, fallback=fallback) for v in set(values)}
    for value in sorted(slugs, key=lambda v: (slugs[v] != str(v), str(v))):
        name = slugs[value]
        if name.casefold() in taken:
            name = f"{name}-{_digest(value)}"
            while name.casefold() in taken:  # a hash collision on top: count up
                name = f"{name}_"
        taken.add(name.casefold())
        names[value] = name
    return names


def join_under(root: str | Path, *parts: str) -> Path:
    """``root / parts``, refused (``UsageError``) when the result would not lie inside
    ``root`` once ``..`` and links are resolved."""
    root_path = Path(root)
    path = root_path.joinpath(*parts)
    base = root_path.resolve()
    target = path.resolve()
    if target != base and base not in target.parents:
        raise UsageError("path_outside", path=path, root=root_path)
    return path
