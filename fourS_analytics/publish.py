"""Writing the analyses' results for people: CSV lists (UTF-8 with BOM, personal data masked
unless asked), ``model.json`` and SVG charts. Returns what was written, by label."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import charts, forks
from .churn import ChurnResult
from .i18n import Message, in_words, t
from .lists import LISTS, ListsResult
from .loyalty import LoyaltyResult, invitation_list
from .output import ensure_dir, write_csv, write_xlsx
from .privacy import mask_frame
from .wording import (
    appointment_plan,
    call_list,
    churn_list_in_words,
    drivers_in_words,
    list_in_words,
)
from .workload import WorkloadResult

if TYPE_CHECKING:
    from .config import Settings
    from .pipeline import StoreResults


def _json_default(value: Any) -> Any:
    if isinstance(value, Message):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)


def _said(value: Any, lang: str) -> Any:
    """Every :class:`Message` inside ``value`` said in ``lang`` (for the JSON outputs)."""
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, dict):
        return {k: _said(v, lang) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_said(v, lang) for v in value]
    return value


def _write_json(info: dict[str, Any], path: Path, lang: str = "en") -> Path:
    path.write_text(
        json.dumps(_said(info, lang), ensure_ascii=False, indent=2, default=_json_default),
        encoding="utf-8",
    )
    return path


def write_loyalty(
    result: LoyaltyResult,
    contacts: pd.DataFrame,
    out_dir: str | Path,
    *,
    lang: str = "zh",
    top_n: int = 100,
    include_contact: bool = False,
) -> dict[str, Path]:
    out = Path(out_dir)
    ensure_dir(out)
    written: dict[str, Path] = {}
    table = result.customers.copy()
    table.insert(
        int(table.columns.get_loc("tier")) + 1,  # type: ignore[arg-type]
        "tier_label",
        [t(f"tier_{tier}", lang) for tier in table["tier"]],
    )
    table = table.join(contacts[[c for c in ("plate", "vin") if c in contacts.columns]])
    written["loyalty"] = write_csv(mask_frame(table.reset_index()), out / "loyalty.csv")
    top = invitation_list(result, contacts, top_n)
    written["loyal_top"] = write_csv(
        call_list(mask_frame(top, include_contact), lang),
        out / "loyal_top.csv",
        private=include_contact,
    )
    summary = result.summary.copy()
    summary.insert(0, "tier_label", [t(f"tier_{tier}", lang) for tier in summary.index])
    written["summary"] = write_csv(summary.reset_index(), out / "loyalty_summary.csv")
    info = {
        "as_of": str(result.as_of.date()),
        "weights": result.weights,
        "unavailable": {k: t(v, lang) for k, v in result.unavailable.items()},
        "models": result.models,
        "contains_personal_data": include_contact,
    }
    written["model"] = _write_json(info, out / "loyalty_model.json", lang)
    written["chart_tiers"] = charts.save(
        charts.tier_distribution(result.summary, lang), out / "loyalty_tiers.svg"
    )
    written["chart_heatmap"] = charts.save(
        charts.frequency_recency(result.customers, lang), out / "frequency_recency.svg"
    )
    return written


def write_churn(
    result: ChurnResult,
    contacts: pd.DataFrame,
    out_dir: str | Path,
    *,
    lang: str = "zh",
    include_contact: bool = False,
) -> dict[str, Path]:
    out = Path(out_dir)
    ensure_dir(out)
    written: dict[str, Path] = {}
    plates = contacts[[c for c in ("plate", "vin") if c in contacts.columns]]
    scores = churn_list_in_words(result.scores, lang).drop(columns=["top_reason"]).join(plates)
    written["churn"] = write_csv(mask_frame(scores.reset_index()), out / "churn.csv")
    winback = churn_list_in_words(result.winback, lang).drop(columns=["top_reason"]).join(contacts)
    written["winback"] = write_csv(
        call_list(mask_frame(winback.reset_index(), include_contact), lang),
        out / "winback.csv",
        private=include_contact,
    )
    lapsed = churn_list_in_words(result.lapsed, lang).join(contacts)
    written["lapsed"] = write_csv(
        call_list(mask_frame(lapsed.reset_index(), include_contact), lang),
        out / "lapsed.csv",
        private=include_contact,
    )
    written["drivers"] = write_csv(drivers_in_words(result.drivers, lang), out / "drivers.csv")
    info = dict(result.model_info)
    info["why"] = result.why
    info["notes"] = result.notes
    info["contains_personal_data"] = include_contact
    written["model"] = _write_json(info, out / "model.json", lang)
    written["chart_calibration"] = charts.save(
        charts.calibration(result.calibration, lang), out / "calibration.svg"
    )
    written["chart_lift"] = charts.save(charts.lift(result.calibration, lang), out / "lift.svg")
    written["chart_drivers"] = charts.save(
        charts.drivers(result.drivers, lang), out / "drivers.svg"
    )
    return written


def write_workload(
    result: WorkloadResult, out_dir: str | Path, *, lang: str = "zh"
) -> dict[str, Path]:
    out = Path(out_dir)
    ensure_dir(out)
    written: dict[str, Path] = {
        "by_hour": write_csv(result.by_hour, out / "workload_by_hour.csv"),
        "work_content": write_csv(result.work_content, out / "work_content.csv"),
        "appointment_plan": write_csv(
            appointment_plan(result.plan, lang), out / "appointment_plan.csv"
        ),
        "staffing": write_csv(result.staffing, out / "staffing.csv"),
        "staffing_by_shift": write_csv(result.staffing_by_shift, out / "staffing_by_shift.csv"),
        "staffing_options": write_csv(result.staffing_options, out / "staffing_options.csv"),
        "monthly": write_csv(result.monthly.astype({"month": str}), out / "monthly.csv"),
        "growth": write_csv(result.growth, out / "growth.csv"),
    }
    if result.capacity_board is not None:
        written["capacity_board"] = write_csv(result.capacity_board, out / "capacity_board.csv")
    info = {
        "period": [str(result.period[0].date()), str(result.period[1].date())],
        "plan": result.plan_summary,
        "excluded": result.excluded,
        "notes": result.notes,
    }
    written["summary"] = _write_json(info, out / "workload.json", lang)
    bh = result.by_hour
    top = float(np.nanmax(bh[["modelled_wait_h", "planned_wait_h"]].to_numpy()))
    for name, column, key, vmax in (
        ("arrivals", "arrivals", "hm_arrivals", None),
        ("utilisation", "utilisation", "hm_utilisation", 1.0),
        ("wait_before", "modelled_wait_h", "hm_wait_before", top),
        ("wait_after", "planned_wait_h", "hm_wait_after", top),
    ):
        written[f"chart_{name}"] = charts.save(
            charts.week_heatmap(bh, column, key, lang, vmax=vmax), out / f"heatmap_{name}.svg"
        )
    written["chart_staffing"] = charts.save(
        charts.staffing_curve(result.staffing, lang), out / "staffing.svg"
    )
    return written


def write_kpis(table: pd.DataFrame, path: Path, lang: str) -> Path:
    """A KPI table as CSV, its n/a reasons in words."""
    return write_csv(in_words(table, lang), path)


def write_kpi_folder(results: StoreResults, folder: str | Path, lang: str) -> list[Path]:
    """A pack's ``kpi/``: the KPI table (``kpi.csv``), the monthly and per-store breakdowns
    where the period has them, ``pay_mix.csv``, ``visit_frequency.csv`` and
    ``retention_ladder.csv``, and ``kpi.json`` (the values and the compared ones as numbers)."""
    folder = ensure_dir(folder)
    table = results.require("kpi")
    written = [write_kpis(table, folder / "kpi.csv", lang)]
    for frame, name in (
        (results.kpi_by_month, "kpi_by_month"),
        (results.kpi_by_store, "kpi_by_store"),
    ):
        if frame is not None:
            written.append(write_csv(frame, folder / f"{name}.csv"))
    for name, frame in results.kpi_tables.items():  # pay mix, visit frequency, ladder
        written.append(write_csv(frame, folder / f"{name}.csv"))
    p = results.period
    rows = table.to_dict("records")
    payload = {
        "period": {"start": f"{p.start:%Y-%m-%d}", "end": f"{p.end:%Y-%m-%d}"},
        "kpis": {r["kpi"]: _number(r["value"]) for r in rows},
        "compared": {r["kpi"]: _number(r.get("compared")) for r in rows},
    }
    written.append(_write_json(payload, folder / "kpi.json", lang))
    return written


def _number(value: Any) -> float | None:
    """A KPI cell as a JSON number, or null when it is n/a."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if v != v else v


def write_analysis(
    name: str,
    result: Any,
    contacts: pd.DataFrame,
    folder: Path,
    settings: Settings,
    *,
    lang: str = "zh",
) -> dict[str, Path]:
    """The files of one analysis' result (``loyalty``, ``churn``, ``workload`` or ``lists``)
    in ``folder``, with the settings' privacy and sizes; what was written, by label. The
    pack (one store or a group's stores) and :func:`write_store` both write through here."""
    include = settings.privacy.include_contact
    if name == "loyalty":
        return write_loyalty(
            result,
            contacts,
            folder,
            lang=lang,
            top_n=settings.loyalty.top_n,
            include_contact=include,
        )
    if name == "churn":
        return write_churn(result, contacts, folder, lang=lang, include_contact=include)
    if name == "lists":
        return write_lists(
            result,
            contacts,
            folder,
            lang=lang,
            include_contact=include,
            workbook_rows=settings.lists.workbook_rows,
        )
    if name == "workload":
        return write_workload(result, folder, lang=lang)
    raise ValueError(f"no files for the step {name!r}")  # a caller's mistake, not the user's


def write_store(results: StoreResults, out_dir: str | Path, *, lang: str = "zh") -> dict[str, Path]:
    """Every list and table of one store's results (the steps that ran): ``kpi.csv``,
    ``loyalty/``, ``churn/``, ``workload/`` and ``lists/``; returns what was written, by
    label."""
    out = ensure_dir(out_dir)
    contacts = results.require_contacts()
    written: dict[str, Path] = {}
    if results.kpis is not None:
        written["kpi"] = write_kpis(results.kpis, out / "kpi.csv", lang)
    for name in ("loyalty", "churn", "workload", "lists"):
        result = getattr(results, name)
        if result is not None:
            for label, path in write_analysis(
                name, result, contacts, out / name, results.settings, lang=lang
            ).items():
                written[f"{name}: {label}"] = path
    return written


def write_lists(
    result: ListsResult,
    contacts: pd.DataFrame,
    out_dir: str | Path,
    *,
    lang: str = "zh",
    include_contact: bool = False,
    workbook_rows: int = 5000,
) -> dict[str, Path]:
    """Each call list as CSV (UTF-8 with BOM) and all of them in one ``lists.xlsx``, a sheet
    per list holding its first ``workbook_rows`` rows (0: all; the summary sheet says which
    sheets hold fewer rows than their CSV); contacts masked unless ``include_contact`` (then
    the files are owner-only); ``lists.json``: the counts, the figures and why a list was not
    built."""
    out = ensure_dir(out_dir)
    in_book = result.in_workbook(workbook_rows)

    def shown(name: str, rows: int | None = None) -> pd.DataFrame:
        """The list (its first ``rows``) as the desk reads it, contacts masked or not."""
        frame = result.lists[name] if rows is None else result.lists[name].head(rows)
        own = [c for c in ("customer_name", "phone", "plate", "vin") if c in frame.columns]
        missing = [c for c in contacts.columns if c not in own]
        if missing and len(contacts):
            frame = frame.join(contacts[missing], on="unit_id")
        return list_in_words(mask_frame(frame, include_contact), lang)

    def note(name: str) -> str:
        if name in result.skipped:
            return result.skipped[name].render(lang)
        if in_book[name] < len(result.lists[name]):
            return t("ls_book_head", lang, rows=f"{in_book[name]:,}", file=f"{name}.csv")
        return ""

    def workbook(full: dict[str, pd.DataFrame] | None = None) -> Path:
        """``full``: the lists as the CSVs hold them, whose first rows the sheets are."""
        summary = pd.DataFrame(
            {
                "list": list(LISTS),
                "label": [t(f"ln_{n}", lang) for n in LISTS],
                "count": [len(result.lists[n]) if n in result.lists else None for n in LISTS],
                "in_workbook": [in_book.get(n) for n in LISTS],
                "note": [note(n) for n in LISTS],
            }
        )
        if lang == "zh":
            summary.columns = ["名单代码", "名单", "数量", "工作簿行数", "说明"]
        sheets = {
            t(f"ln_{n}", lang): full[n].head(in_book[n]) if full else shown(n, in_book[n])
            for n in result.lists
        }
        return write_xlsx(
            {t("h_list", lang): summary, **sheets},
            out / "lists.xlsx",
            private=include_contact,
            stamp=result.as_of,
        )

    # with a spare core a child writes the workbook (XlsxWriter's cells, in Python, were
    # 60 % of the files' time) while this process writes the CSVs; if it fails, here
    child = forks.beside("lists-workbook", workbook)
    full = {name: shown(name) for name in result.lists}
    written = {
        name: write_csv(frame, out / f"{name}.csv", private=include_contact)
        for name, frame in full.items()
    }
    made = child.join().value if child is not None else None
    written["workbook"] = made if made is not None else workbook(full)  # no words twice
    info = {
        "as_of": str(result.as_of.date()),
        "lists": {n: result.summary[n] for n in LISTS if n in result.summary},
        "workbook_rows": {n: in_book[n] for n in LISTS if n in in_book},
        "not_built": {n: result.skipped[n] for n in LISTS if n in result.skipped},
        "looked_back": result.looked_back,
        "notes": result.notes,
        "contains_personal_data": include_contact,
    }
    written["summary"] = _write_json(info, out / "lists.json", lang)
    return written
