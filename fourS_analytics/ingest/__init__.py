"""Reading exports: bytes to cells (:mod:`.readers`), cells to values (:mod:`.parsers`), and
the mapping, row accounting and de-duplication that make a :class:`~..dataset.Dataset`
(:mod:`.load`)."""

from __future__ import annotations

from .load import PROBLEM_COLUMNS, expand_paths, load

__all__ = ["PROBLEM_COLUMNS", "expand_paths", "load"]
