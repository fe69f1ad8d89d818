"""``fours run``: every analysis for a period, unattended, into one pack per run.

    OUT/
      2025-10_20251101T020000/      one pack: kpi/, loyalty/, churn/, workload/, report/,
                                     validation.json, rejects.csv, manifest.json
      latest -> 2025-10_20251101T020000
      .fours.lock                    who is running (see lock.py)

The jobs apart: :mod:`.pack` (the transaction: a hidden sibling renamed into place, ``latest``
switched atomically), :mod:`.lock` (one run per OUT), :mod:`.manifest`, :mod:`.logs`. This
module runs the steps: each store through the one pipeline
(:class:`~fourS_analytics.pipeline.StorePipeline`), timed step by step; a step whose data are
missing is skipped with its reason (the pack still comes out), a step that fails stops the
run unless ``keep_going``.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import STEPS, RunSettings, Settings
from ..dataset import Dataset
from ..errors import FoursError, InputError
from ..i18n import t
from ..paths import folder_names, join_under
from ..pipeline import GroupResults, StorePipeline, notes_of, targets_of
from ..timeframe import Period, parse_period
from . import manifest as manifest_file
from . import pack as packs
from .lock import acquire
from .logs import say, setup_logging

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_GATE = 0, 1, 2, 3
GROUP = "_group"  # the group's outputs when the data are one folder per store
# what makes a step "degraded" in the manifest: it ran, but not as fully as asked
DEGRADING = frozenset({"churn_not_validated", "churn_short_backtest", "churn_fallback"})
RESERVED = (GROUP, packs.LATEST, "manifest.json")  # names a store folder must not take

__all__ = [
    "EXIT_FAILED",
    "EXIT_GATE",
    "EXIT_OK",
    "EXIT_USAGE",
    "STARTER",
    "STEPS",
    "RunResult",
    "RunSettings",
    "Runner",
    "parse_period",
    "reject_rates",
    "setup_logging",
]


def reject_rates(files: list[Any]) -> dict[str, float]:
    """Rejected share of each table's data rows, over the files' accounting."""
    rows: dict[str, list[int]] = {}
    for f in files:
        counts = rows.setdefault(f.table, [0, 0])
        counts[0] += f.rejected
        counts[1] += f.rows
    return {table: (r / n if n else 0.0) for table, (r, n) in rows.items()}


def store_dirs(stores: list[str]) -> dict[str, str]:
    """A safe, distinct folder per store (a store name from the data is never a path)."""
    return folder_names(stores, reserved=RESERVED)


@dataclass
class StepRecord:
    name: str
    status: str = "pending"  # ok | failed | skipped
    seconds: float = 0.0
    error: str = ""
    outputs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a store's analysis did not run
    degraded: list[str] = field(default_factory=list)  # what it did instead of the full job


@dataclass
class RunResult:
    exit_code: int
    pack: Path | None
    manifest: dict[str, Any]


class Runner:
    def __init__(self, settings: Settings, *, lang: str, today: date | None = None) -> None:
        self.settings = settings
        self.lang = lang
        self.period: Period = parse_period(settings.run.period, today)
        self.data = Path(settings.run.data)
        self.out = Path(settings.run.out)
        self.targets = targets_of(settings)
        self.notes = notes_of(settings)

    # ---- inputs
    def units(self) -> list[tuple[str, Path]]:
        """What is loaded at once: the data folder (``("", data)``), or, when it holds no
        exports but one folder per store, each store's folder in turn (``(store, folder)``),
        so that memory is that of one store however many the group has."""
        from ..ingest import expand_paths

        def exports(folder: Path) -> bool:
            try:
                return bool(expand_paths([folder])[0])
            except InputError:  # a folder with no export in it
                return False

        if not self.data.is_dir():
            raise InputError("run_no_data", path=self.data)
        if exports(self.data):
            return [("", self.data)]
        stores = [
            p
            for p in sorted(self.data.iterdir())
            if p.is_dir() and not p.name.startswith((".", "_")) and exports(p)
        ]
        if not stores:
            raise InputError("run_no_data", path=self.data)
        return [(p.name, p) for p in stores]

    def input_files(self) -> list[Path]:
        from ..ingest import expand_paths

        return [Path(f) for _, folder in self.units() for f in expand_paths([folder])[0]]

    def load(self, folder: Path | None = None) -> Dataset:
        from ..ingest import load

        return load([folder or self.data], self.settings.ingest)

    def _check_period(self, dataset: Dataset, folder: Path) -> None:
        """A period the exports do not reach (a stale export folder, a typo in --period) is
        one clear error, not a failure deep inside an analysis."""
        ros = dataset.tables.get("repair_orders")
        opened = ros["open_time"] if ros is not None else pd.Series(dtype="datetime64[ns]")
        if not self.period.contains(opened).any():
            span = f"{opened.min():%Y-%m-%d} to {opened.max():%Y-%m-%d}" if len(opened) else "none"
            raise InputError("run_empty_period", path=folder, period=self.period.label, span=span)

    # ---- the dry run
    def plan(self) -> dict[str, Any]:
        files = self.input_files()
        units = self.units()
        rates: dict[str, float] = {}
        totals: dict[str, int] = {}
        stores: list[str] = []
        empty: list[dict[str, Any]] = []  # the run_empty_period error's parameters
        for store, folder in units:
            dataset = self.load(folder)
            try:  # the real run stops on a period the exports do not reach: so does the plan
                self._check_period(dataset, folder)
            except InputError as exc:
                empty.append(dict(exc.params))
            for table, rate in reject_rates(dataset.files).items():
                rates[f"{store}/{table}" if store else table] = rate
            for k, v in dataset.totals().items():
                totals[k] = totals.get(k, 0) + int(v)
            stores += [store] if store else dataset.stores
            del dataset
        run = self.settings.run
        return {
            "period": {
                "label": self.period.label,
                "start": f"{self.period.start:%Y-%m-%d}",
                "end": f"{self.period.end:%Y-%m-%d}",
            },
            "data": str(self.data),
            "out": str(self.out),
            "pack": f"{self.period.label}_<timestamp>",
            "inputs": [{"path": str(p), "bytes": p.stat().st_size} for p in files],
            "rows": totals,
            "reject_rates": rates,
            "gate": {
                "max_reject_rate": run.max_reject_rate,
                "would_pass": all(r <= run.max_reject_rate for r in rates.values()),
            },
            "empty_period": empty,
            "steps": list(run.steps),
            "stores": stores,
            "outputs": self._expected_outputs(units),
            "report_formats": list(self.settings.report.formats),
        }

    def _expected_outputs(self, units: list[tuple[str, Path]]) -> list[str]:
        folders = {
            "validate": ["validation.json", "validation.txt", "rejects.csv"],
            "kpi": ["kpi/"],
            "loyalty": ["loyalty/"],
            "churn": ["churn/"],
            "workload": ["workload/"],
            "lists": ["lists/"],
            "report": [
                f"report/report_{self.period.year}.{f}" for f in self.settings.report.formats
            ],
        }
        chosen = [x for step in STEPS if step in self.settings.run.steps for x in folders[step]]
        if len(units) == 1:
            return [*chosen, "manifest.json"]
        names = store_dirs([u for u, _ in units])
        return [
            *(f"{names[u]}/{x}" for u, _ in units for x in chosen),
            f"{GROUP}/kpi_by_store.csv",
            f"{GROUP}/report/",
            "manifest.json",
        ]

    # ---- the real run
    def run(self) -> RunResult:
        started = datetime.now()
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                "run_out_unusable", path=self.out, reason=exc.strerror or str(exc)
            ) from None
        if not os.access(self.out, os.W_OK | os.X_OK):
            raise InputError("run_out_unusable", path=self.out, reason="not writable")
        with acquire(self.out) as lock:
            if lock.recovered:
                say(
                    logging.WARNING,
                    t(
                        "run_lock_recovered",
                        self.lang,
                        pid=lock.recovered.get("pid", "?"),
                        started=lock.recovered.get("started", "?"),
                    ),
                )
            for path in packs.leftovers(self.out):  # runs that died (we hold the lock)
                say(logging.WARNING, t("run_leftover", self.lang, path=path.name))
                packs.remove(path)
            name = packs.pack_name(self.out, self.period.label, started)
            tmp = packs.temporary(self.out, name)
            try:
                manifest, code = self._build(tmp, name, started)
                final = packs.publish(tmp, self.out, name)
            except OSError as exc:  # the output folder itself failed (full, removed, ...)
                shutil.rmtree(tmp, ignore_errors=True)
                raise InputError(
                    "run_out_unusable", path=self.out, reason=exc.strerror or str(exc)
                ) from None
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            removed = packs.prune(self.out, self.settings.run.keep, name)
            if removed:
                say(logging.INFO, t("run_pruned", self.lang, n=len(removed)), removed=removed)
            say(
                logging.INFO,
                t("run_done", self.lang, path=final, code=code),
                pack=str(final),
                exit_code=code,
            )
            return RunResult(code, final, manifest)

    def packs(self) -> list[Path]:
        return packs.packs(self.out)

    @staticmethod
    def _input_record(path: Path) -> dict[str, Any]:
        """An input file's size and hash for the manifest; a file that cannot be read is an
        error naming it (not an OSError the run would blame on the output folder)."""
        try:
            return {
                "path": str(path),
                "bytes": path.stat().st_size,
                "sha256": manifest_file.sha256(path),
            }
        except OSError as exc:
            raise InputError(
                "unreadable", path=path, reason=exc.strerror or type(exc).__name__
            ) from None

    def _build(self, pack: Path, name: str, started: datetime) -> tuple[dict[str, Any], int]:
        run = self.settings.run
        records = {name_: StepRecord(name_) for name_ in STEPS}
        for name_ in STEPS:
            if name_ not in run.steps:
                records[name_].status = "skipped"
        records["validate"].status = "pending"  # the data are loaded in any case
        units = self.units()
        inputs = [self._input_record(p) for p in self.input_files()]
        failed = False
        banners: list[str] = []
        reports: list[Any] = []  # every file's accounting
        group: dict[str, Any] = {}  # store folder -> slim report figures, for the group report
        self._kpi_tables: dict[str, pd.DataFrame] = {}

        def step(name_: str, func: Callable[[], list[Path]]) -> None:
            nonlocal failed
            record = records[name_]
            if record.status == "skipped" or (failed and not run.keep_going):
                return
            say(logging.INFO, t("run_step", self.lang, step=name_), step=name_)
            begin = time.perf_counter()
            error = ""
            try:
                record.outputs += sorted(str(p.relative_to(pack)) for p in func())
            except FoursError as exc:
                error = exc.render(self.lang)
            except MemoryError:
                error = "out of memory"
            except OSError as exc:
                error = f"{exc.strerror or exc}: {exc.filename or ''}".strip(": ")
            except Exception as exc:  # a bug: said in one line, the run goes on or stops
                error = f"internal error ({type(exc).__name__}: {exc})"
            record.seconds = round(record.seconds + time.perf_counter() - begin, 3)
            if error:
                record.status = "failed"
                record.error = "; ".join(x for x in (record.error, error) if x)
                failed = True
                say(
                    logging.ERROR,
                    t("run_step_failed", self.lang, step=name_, reason=error),
                    step=name_,
                    error=error,
                )
                if not run.keep_going:
                    raise InputError("run_step_failed", step=name_, reason=error)
            elif record.status != "failed":
                # ran, but not all of it: the reasons are in the record
                record.status = (
                    "skipped"
                    if record.skipped and not record.outputs and not record.degraded
                    else "degraded"
                    if record.skipped or record.degraded
                    else "ok"
                )

        folders = store_dirs([u for u, _ in units if u])
        for store, folder in units:
            if store:
                say(logging.INFO, t("run_store", self.lang, store=store), store=store)
            target = join_under(pack, folders[store]) if store else pack
            target.mkdir(exist_ok=True)
            context: dict[str, Any] = {}

            # the data are needed by every step: loading is part of "validate"
            def load(
                folder: Path = folder,
                target: Path = target,
                context: dict[str, Any] = context,
                store: str = store,
            ) -> list[Path]:
                dataset = self.load(folder)
                reports.extend(dataset.files)
                self._check_period(dataset, folder)
                context["dataset"] = dataset
                over = {
                    k: v for k, v in reject_rates(dataset.files).items() if v > run.max_reject_rate
                }
                if over:
                    banner = t(
                        "run_banner",
                        self.lang,
                        tables=", ".join(f"{k} {100 * v:.1f}%" for k, v in sorted(over.items())),
                        limit=f"{100 * run.max_reject_rate:.1f}%",
                    )
                    context["banner"] = f"{store}: {banner}" if store else banner
                    banners.append(context["banner"])
                    say(logging.WARNING, context["banner"], reject_rates=over)
                return self._write_validation(target, dataset) if "validate" in run.steps else []

            step("validate", load)
            if "dataset" not in context:
                continue
            pipes = self._pipelines(context["dataset"], store)
            for name_ in ("kpi", "loyalty", "churn", "workload", "lists", "report"):
                step(
                    name_,
                    partial(
                        self._step, name_, target, pipes, context, store, group, records[name_]
                    ),
                )
            context.clear()  # one store at a time in memory
            del pipes
            gc.collect()
        if len(units) > 1:
            step("kpi", lambda: self._group_kpi(pack))
            step("report", lambda: self._group_report(pack, group, "\n".join(banners)))
        rates = reject_rates(reports)
        code = (
            EXIT_FAILED
            if any(r.status == "failed" for r in records.values())
            else (EXIT_GATE if banners else EXIT_OK)
        )
        manifest = manifest_file.write(
            pack,
            name=name,
            started=started,
            period=self.period,
            settings=self.settings,
            inputs=inputs,
            steps=[asdict(r) for r in records.values()],
            rates=rates,
            banner="\n".join(banners),
            code=code,
            reports=reports,
            stores=[u for u, _ in units],
        )
        return manifest, code

    # ---- steps
    def _pipelines(self, dataset: Dataset, unit: str) -> dict[str, StorePipeline]:
        """One pipeline for the unit's whole data ("") and, with a store column, one per
        store: the same period and targets, the capacity board of the week after it."""
        week = self.period.end + pd.Timedelta(days=1)
        options: dict[str, Any] = {"week": week, "targets": self.targets}
        whole = StorePipeline(dataset, self.settings, self.period, store=unit, **options)
        pipes = {"": whole}
        if len(dataset.stores) > 1:
            for store in dataset.stores:
                own = replace(self.settings, report=replace(self.settings.report, store_name=store))
                pipes[store] = StorePipeline(
                    dataset.for_store(store), own, self.period, store=store, **options
                )
        return pipes

    def _step(
        self,
        name: str,
        pack: Path,
        pipes: dict[str, StorePipeline],
        context: dict[str, Any],
        unit: str,
        group: dict[str, Any],
        record: StepRecord,
    ) -> list[Path]:
        from ..publish import write_churn, write_lists, write_loyalty, write_workload
        from ..report import write_group_report, write_report

        lang = self.lang
        whole = pipes[""]
        stores = {s: p for s, p in pipes.items() if s} or {"": whole}
        if name == "kpi":  # the unit's own KPIs, with the per-store table beside them
            return self._write_kpis(pack, whole, unit)
        if name == "report":
            banner = context.get("banner", "")
            if len(stores) > 1:
                for pipe in stores.values():
                    pipe.step("report")
                whole.step("kpi")
                grouped = GroupResults(
                    self.period,
                    {s: p.results for s, p in stores.items()},
                    whole.results.kpis,
                    whole.results.kpi_by_store,
                )
                reports = write_group_report(
                    grouped,
                    pack / "report",
                    lang=lang,
                    notes=self.notes,
                    banner=banner,
                    settings=self.settings,
                )
                return list(reports.values())
            whole.step("report")
            self._note_skipped(record, whole, "report")
            if whole.results.report is None:
                return []
            written = write_report(
                whole.results, pack / "report", lang=lang, notes=self.notes, banner=banner
            )
            figures = whole.results.report
            group[unit] = replace(  # what the group report needs, not the customer lists
                figures,
                loyalty=replace(figures.loyalty, customers=figures.loyalty.customers.iloc[:0])
                if figures.loyalty is not None
                else None,
                churn=replace(
                    figures.churn,
                    scores=figures.churn.scores.iloc[:0],
                    lapsed=figures.churn.lapsed.iloc[:0],
                    winback=figures.churn.winback[["value_at_risk"]],
                )
                if figures.churn is not None
                else None,
                by_technician=None,
                by_advisor=None,
                lists=replace(figures.lists, lists={}) if figures.lists is not None else None,
            )
            return list(written.values())
        names = store_dirs([s for s in stores if s])
        files: list[Path] = []
        privacy = self.settings.privacy
        for store, pipe in stores.items():
            result = pipe.step(name)
            self._note_skipped(record, pipe, name)
            if result is None:
                continue
            folder = join_under(pack / name, names[store]) if store else pack / name
            contacts = pipe.results.require_contacts()
            if name == "loyalty":
                files += write_loyalty(
                    result,
                    contacts,
                    folder,
                    lang=lang,
                    top_n=self.settings.loyalty.top_n,
                    include_contact=privacy.include_contact,
                ).values()
            elif name == "churn":
                files += write_churn(
                    result, contacts, folder, lang=lang, include_contact=privacy.include_contact
                ).values()
            elif name == "lists":
                files += write_lists(
                    result, contacts, folder, lang=lang, include_contact=privacy.include_contact
                ).values()
            else:
                files += write_workload(result, folder, lang=lang).values()
        return files

    def _note_skipped(self, record: StepRecord, pipe: StorePipeline, name: str) -> None:
        """A store's step that did not run, or ran in part (churn not validated on a short
        history), goes into the step's record and the log, with its reason."""
        who = f"{pipe.results.store}: " if pipe.results.store else ""
        skipped = pipe.results.skipped.get(name)
        if skipped is not None:
            record.skipped.append(who + skipped.render(self.lang))
            say(logging.WARNING, who + skipped.render(self.lang), step=name)
        churn = pipe.results.churn if name == "churn" else None
        for note in churn.notes if churn is not None else []:
            if note.key in DEGRADING:
                record.degraded.append(who + note.render(self.lang))
                say(logging.WARNING, who + note.render(self.lang), step=name)

    def _write_kpis(self, pack: Path, whole: StorePipeline, unit: str) -> list[Path]:
        from ..publish import write_kpi_folder

        table = whole.step("kpi")
        if table is None:
            return []
        self._kpi_tables[unit] = table
        return write_kpi_folder(whole.results, pack / "kpi", self.lang)

    def _write_validation(self, pack: Path, dataset: Dataset) -> list[Path]:
        from ..output import write_csv
        from ..render import problems_frame, validation_text

        written = [pack / "validation.json", pack / "validation.txt"]
        written[0].write_text(
            json.dumps(dataset.to_dict(), ensure_ascii=False, indent=2, default=str),
            encoding="utf-8",
        )
        written[1].write_text(validation_text(dataset, self.lang) + "\n", encoding="utf-8")
        if len(dataset.problems):
            written.append(
                write_csv(
                    problems_frame(
                        dataset, self.lang, include_contact=self.settings.privacy.include_contact
                    ),
                    pack / "rejects.csv",
                    private=True,
                )
            )
        return written

    def _group_kpi(self, pack: Path) -> list[Path]:
        from ..output import write_csv

        folder = pack / GROUP
        folder.mkdir(exist_ok=True)
        frames = [table.assign(store=store) for store, table in self._kpi_tables.items()]
        if not frames:
            return []
        wide = pd.concat(frames).pivot(index="store", columns="kpi", values="value")
        return [write_csv(wide.reset_index(), folder / "kpi_by_store.csv")]

    def _group_report(self, pack: Path, group: dict[str, Any], banner: str) -> list[Path]:
        """The stores compared; the group's revenue and intake are the stores' sums (each
        store's data were read on their own)."""
        from ..report import build_group, write_document

        if not group:
            return []
        rows = []
        for kpi_id in ("revenue", "intake"):
            values = [r.kpis.set_index("kpi").loc[kpi_id] for r in group.values()]
            now = float(sum(float(v["value"] or 0) for v in values))
            then = float(sum(float(v["compared"]) for v in values if pd.notna(v["compared"])))
            rows.append(
                {
                    "kpi": kpi_id,
                    "value": now,
                    "compared": then or None,
                    "change": (now - then) / then if then else None,
                }
            )
        doc = build_group(
            group,
            pd.DataFrame(rows),
            self.period.year,
            self.lang,
            self.settings.report.store_name,
            self.notes,
        )
        folder = pack / GROUP / "report"
        folder.mkdir(parents=True, exist_ok=True)
        written = write_document(
            replace(doc, banner=banner),
            folder,
            self.period.year,
            tuple(self.settings.report.formats),
            template_dir=self.settings.report.template_dir,
        )
        return list(written.values())


STARTER = """# fours.toml: the settings of `fours run` and of every other command (one name per
# setting: the TOML key here is the command-line flag). Relative paths are taken from this
# file's folder. Flags on the command line override this file. Documented in the README.

lang = "zh"                      # zh | en: messages, labels, the report

[run]
data = "exports"                 # the folder the DMS exports are dropped into
out = "packs"                    # the packs go here; OUT/latest points at the newest
period = "last-month"            # last-month | last-year | YYYY | YYYY-MM | DATE..DATE
keep = 12                        # packs kept (0: all)
max_reject_rate = 0.05           # above it in any table: warning banner and exit code 3
steps = ["validate", "kpi", "loyalty", "churn", "workload", "lists", "report"]
keep_going = false               # true: a failing step does not stop the others
# log_file = "packs/fours.log"
log_format = "text"              # text | json (for log collectors)

[privacy]
include_contact = false          # true: full names and phones in the call lists (0600 files)
show_staff = false               # true: advisors' and technicians' names in full

[kpi]
# targets = "targets.toml"       # per KPI; see `fours kpi --targets`

[report]
formats = ["html", "pptx", "md"]
store_name = ""
presenter = ""                   # who presents it: the deck's title slide
compare_years = 1
# notes = "notes.toml"           # the manager's remarks: review, experience, plans

[ingest]
date_order = "auto"              # auto | dmy | mdy
csi_scale = "auto"               # the CSI surveys' scale: auto | 1-5 | 1-10 | 0-10 | 0-100

[ingest.csi_scales]              # a scale per survey file (name or glob), if they differ
# "回访_2025*.xlsx" = "1-10"

[ingest.headers]                 # your DMS's own headers -> canonical columns
# "车辆识别代码" = "vin"

[schedule]
comeback_days = 30
first_service_months = 6         # a new car's first service falls due this long after sale
first_service_lost_months = 12   # no first service by then: 首保流失 (and 首保率's window)

[loyalty]
top_n = 100

[lists]
weeks = 4                        # service_due: services falling due within this many weeks
renewal_days = [30, 60, 90]      # renewal_due: policies ending within, banded

[churn]
horizon_days = 365

[workload]
target_wait_minutes = 30
open_hour = 8
close_hour = 18
"""
