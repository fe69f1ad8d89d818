"""``fours demo``: every analysis the toolkit has, run on the embedded sample store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .config import Settings, load_settings
from .errors import InputError
from .ingest import load
from .output import ensure_dir, write_csv
from .pipeline import analyse_store, default_period
from .publish import write_store
from .render import problems_frame, validation_text
from .report import write_report
from .sample import sample_data_dir


def run_demo(
    out_dir: str | Path,
    *,
    lang: str = "zh",
    settings: Settings | None = None,
    on_step: Callable[[str, str], None] | None = None,
) -> dict[str, Path]:
    """Run the pipeline on the sample store (the calendar year of its last repair order)
    and write everything; return what was written, by label. ``on_step`` is told each
    step's start and end (``"writing"`` for the outputs), as the pipeline's is."""
    settings = settings or load_settings()
    data_dir = sample_data_dir()
    if not (data_dir / "manifest.json").exists():
        raise InputError("sample_missing", path=data_dir)
    out = ensure_dir(out_dir)
    if on_step is not None:
        on_step("reading", "start")
    dataset = load(data_dir, settings.ingest)
    if on_step is not None:
        on_step("reading", "done")
    outputs: dict[str, Path] = {}
    validation = out / "validation.json"
    validation.write_text(
        json.dumps(dataset.to_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    outputs["validation (JSON)"] = validation
    summary = out / "validation.txt"
    summary.write_text(validation_text(dataset, lang) + "\n", encoding="utf-8")
    outputs["validation (text)"] = summary
    if len(dataset.problems):
        outputs["row problems"] = write_csv(
            problems_frame(dataset, lang, include_contact=settings.privacy.include_contact),
            out / "rejects.csv",
            private=True,
        )
    last = dataset.repair_orders["open_time"].max()
    results = analyse_store(
        dataset,
        settings,
        default_period(dataset),
        week=last - pd.Timedelta(days=6),
        on_step=on_step,
    )
    if on_step is not None:
        on_step("writing", "start")
    outputs.update(write_store(results, out, lang=lang))
    for label, path in write_report(results, out / "report", lang=lang).items():
        outputs[f"report: {label}"] = path
    if on_step is not None:
        on_step("writing", "done")
    return outputs
