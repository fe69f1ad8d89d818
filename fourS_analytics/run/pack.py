"""The pack transaction: a pack is built in a hidden sibling and renamed into place whole.

    OUT/
      2025-10_20251101T020000/      one pack
      latest -> 2025-10_20251101T020000
      .tmp-…                         a pack being built (or left by a run that died)

``latest`` is switched atomically (a new symlink renamed over the old one): readers see the
old pack or the new one, never half of one.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from pathlib import Path

LATEST = "latest"
TMP_PREFIX = ".tmp-"
PACK = re.compile(r"^(?P<period>[0-9A-Za-z.-]+)_(?P<stamp>\d{8}T\d{6})(?:-\d+)?$")


def pack_name(out: Path, label: str, started: datetime) -> str:
    """``<period>_<timestamp>``, with ``-2``, ``-3`` … when a pack of that second exists."""
    base = f"{label}_{started:%Y%m%dT%H%M%S}"
    name, n = base, 1
    while (out / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def temporary(out: Path, name: str) -> Path:
    tmp = out / f"{TMP_PREFIX}{name}-{os.getpid()}"
    tmp.mkdir()
    return tmp


def leftovers(out: Path) -> list[Path]:
    return sorted(out.glob(f"{TMP_PREFIX}*"))


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def publish(tmp: Path, out: Path, name: str) -> Path:
    """Rename the finished pack into place and point ``latest`` at it."""
    final = out / name
    os.rename(tmp, final)
    link = out / LATEST
    new_link = out / f"{TMP_PREFIX}{LATEST}-{os.getpid()}"
    new_link.unlink(missing_ok=True)
    os.symlink(name, new_link)
    os.replace(new_link, link)
    return final


def packs(out: Path) -> list[Path]:
    """The finished packs, oldest first."""
    found = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink() and PACK.match(p.name)]
    return sorted(found, key=lambda p: (PACK.match(p.name)["stamp"], p.name))  # type: ignore[index]


def prune(out: Path, keep: int, current: str) -> list[str]:
    """Delete all but the ``keep`` newest packs (0 keeps all); never ``current``."""
    if keep <= 0:
        return []
    old = [p for p in packs(out)[:-keep] if p.name != current]
    for p in old:
        shutil.rmtree(p, ignore_errors=True)
    return [p.name for p in old]
