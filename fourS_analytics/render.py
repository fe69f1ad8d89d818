"""Plain-text rendering for the terminal: aligned tables that respect CJK widths."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import pandas as pd

from .dataset import Dataset
from .i18n import t
from .privacy import MASKS


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[bool] | None = None
) -> str:
    """An aligned table; numeric columns are right-aligned."""
    cells = [[str(c) for c in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    numeric = numeric or [False] * len(headers)
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(_pad(c, widths[i], numeric[i]) for i, c in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def validation_text(dataset: Dataset, lang: str, *, verbose: bool = False) -> str:
    """The per-file accounting, each file's header mapping, and the totals."""
    headers = [
        t(k, lang)
        for k in (
            "v_file",
            "v_table",
            "v_encoding",
            "v_rows",
            "v_accepted",
            "v_duplicates",
            "v_summary",
            "v_rejected",
            "v_warnings",
        )
    ]
    rows: list[list[object]] = []
    for f in dataset.files:
        rows.append(
            [
                f.label,
                t(f"t_{f.table}", lang),
                f.encoding or f.file_format,
                f.rows,
                f.accepted,
                f.duplicates,
                f.summary_rows,
                f.rejected,
                sum(f.warnings.values()),
            ]
        )
    tot = dataset.totals()
    rows.append(
        [
            t("v_total", lang),
            "",
            "",
            tot["rows"],
            tot["accepted"],
            tot["duplicates"],
            tot["summary_rows"],
            tot["rejected"],
            tot["warnings"],
        ]
    )
    out = [
        t("v_title", lang, n=tot["files"]),
        "",
        text_table(headers, rows, [False, False, False] + [True] * 6),
        "",
    ]
    for f in dataset.files:
        out.append(f"{f.label}  ({t('v_header_line', lang, line=f.header_line)})")
        out.append(
            "  "
            + t("v_mapping", lang)
            + ": "
            + ", ".join(f"{h} → {c}" for h, c in f.mapping.items())
        )
        if f.ignored:
            out.append("  " + t("v_ignored", lang) + ": " + ", ".join(f.ignored))
        for note in f.notes:  # what to know about the file (a guessed survey scale)
            out.append("  " + t("v_warning", lang) + ": " + note.render(lang))
        for column, count in f.warnings.items():
            out.append("  " + t("v_warn_col", lang, column=column, count=count))
        if f.conflicting_duplicates:
            out.append("  " + t("v_conflicts", lang, count=f.conflicting_duplicates))
    out.append("")
    out.append(
        t(
            "v_all_ok",
            lang,
            rows=tot["rows"],
            accepted=tot["accepted"],
            duplicates=tot["duplicates"],
            summary=tot["summary_rows"],
            rejected=tot["rejected"],
        )
    )
    for note in dataset.notes:
        out.append(note)
    if verbose and len(dataset.problems):
        out.append("")
        out.append(problems_frame(dataset, lang).head(50).to_string(index=False))
    return "\n".join(out)


def problems_frame(dataset: Dataset, lang: str, *, include_contact: bool = False) -> pd.DataFrame:
    """Row problems with their reasons in words, for the rejects CSV. Personal data (names,
    phones, plates, VINs) are masked in the values and the rejected rows' original cells
    unless ``include_contact``."""
    problems = dataset.problems.copy()
    if not include_contact:
        if "original_masked" in problems.columns:
            problems["original"] = problems["original_masked"]
        personal = problems["column"].isin(list(MASKS))
        if personal.any():  # (assigning an empty list to an integer column fails in pandas)
            problems["value"] = problems["value"].astype(object)
            problems.loc[personal, "value"] = [  # type: ignore[index,assignment]
                MASKS[c](v)
                for c, v in zip(
                    problems.loc[personal, "column"], problems.loc[personal, "value"], strict=True
                )
            ]
    problems = problems.drop(columns=["original_masked"], errors="ignore")
    if problems.empty:
        return problems.drop(columns=["params"], errors="ignore")

    def reason(row: pd.Series) -> str:
        params = row["params"] if isinstance(row["params"], dict) else {}
        raw = row["value"]
        value = "" if raw is None or (pd.api.types.is_scalar(raw) and pd.isna(raw)) else str(raw)
        return t(row["reason"], lang, value=value[:80], **params)

    problems["reason"] = problems.apply(reason, axis=1)
    order = {"rejected": 0, "duplicate": 1, "warning": 2}
    problems["_order"] = problems["status"].map(order)
    problems = problems.sort_values(["file", "_order", "line"], kind="stable")
    return problems.drop(columns=["params", "_order"]).reset_index(drop=True)
