"""``fours demo``: every analysis the toolkit has, run on the embedded sample store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .errors import InputError
from .ingest import load
from .output import ensure_dir, write_csv
from .render import problems_frame, validation_text
from .sample import sample_data_dir


def run_demo(out_dir: str | Path, *, lang: str = "zh") -> dict[str, Path]:
    """Run the analyses on the sample store; return what was written, by label."""
    data_dir = sample_data_dir()
    if not (data_dir / "manifest.json").exists():
        raise InputError("sample_missing", path=data_dir)
    out = ensure_dir(out_dir)
    dataset = load(data_dir)
    outputs: dict[str, Path] = {}
    validation = out / "validation.json"
    validation.write_text(json.dumps(dataset.to_dict(), ensure_ascii=False, indent=2,
                                     default=str), encoding="utf-8")
    outputs["validation (JSON)"] = validation
    summary = out / "validation.txt"
    summary.write_text(validation_text(dataset, lang) + "\n", encoding="utf-8")
    outputs["validation (text)"] = summary
    if len(dataset.problems):
        outputs["row problems"] = write_csv(problems_frame(dataset, lang), out / "rejects.csv",
                                            private=True)
    from .churn import analyse
    from .customers import build
    from .loyalty import LoyaltyConfig, contacts_of, score
    from .publish import write_churn, write_loyalty

    contacts = contacts_of(dataset.repair_orders)
    base = build(dataset)
    loyalty_result = score(base, LoyaltyConfig())
    for label, path in write_loyalty(loyalty_result, contacts, out / "loyalty",
                                     lang=lang).items():
        outputs[f"loyalty: {label}"] = path
    churn_result = analyse(dataset, clv=loyalty_result.customers["clv"], base=base, lang=lang)
    churn_result.model_info["gamma_gamma"] = loyalty_result.models.get("gamma_gamma")
    for label, path in write_churn(churn_result, contacts, out / "churn", lang=lang).items():
        outputs[f"churn: {label}"] = path
    from .kpi import report as kpi_report

    last = dataset.repair_orders["open_time"].max()
    year = (pd.Timestamp(f"{last.year}-01-01"), pd.Timestamp(f"{last.year}-12-31"))
    compared = (year[0] - pd.DateOffset(years=1), year[1] - pd.DateOffset(years=1))
    outputs["kpi"] = write_csv(kpi_report(dataset, *year, compare=compared), out / "kpi.csv")
    from .publish import write_workload
    from .workload import analyse as analyse_workload

    workload_result = analyse_workload(dataset, week=last - pd.Timedelta(days=6))
    for label, path in write_workload(workload_result, out / "workload", lang=lang).items():
        outputs[f"workload: {label}"] = path
    from .report import make_report

    for label, path in make_report(dataset, int(last.year), out / "report", lang=lang).items():
        outputs[f"report: {label}"] = path
    return outputs
