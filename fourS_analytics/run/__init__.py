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

import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import STEPS, RunSettings, Settings
from ..dataset import Dataset
from ..errors import FoursError, InputError
from ..forks import cores as available_cores
from ..i18n import t
from ..paths import join_under
from ..pipeline import notes_of, targets_of
from ..timeframe import Period, parse_period
from . import manifest as manifest_file
from . import pack as packs
from .engine import run_jobs
from .lock import acquire
from .logs import say, setup_logging, to_log_file
from .stores import (
    GROUP,
    StepRecord,
    StoreJob,
    StoreOutcome,
    check_period,
    load_exports,
    merge_records,
    reject_rates,
    store_dirs,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_GATE = 0, 1, 2, 3

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
    "StepRecord",
    "parse_period",
    "reject_rates",
    "setup_logging",
    "to_log_file",
]


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
            raise InputError("run_no_data", path=self.data.absolute())
        if exports(self.data):
            return [("", self.data)]
        stores = [
            p
            for p in sorted(self.data.iterdir())
            if p.is_dir() and not p.name.startswith((".", "_")) and exports(p)
        ]
        if not stores:
            raise InputError("run_no_data", path=self.data.absolute())
        return [(p.name, p) for p in stores]

    def input_files(self) -> list[Path]:
        from ..ingest import expand_paths

        return [Path(f) for _, folder in self.units() for f in expand_paths([folder])[0]]

    def load(self, folder: Path | None = None) -> Dataset:
        return load_exports(self.settings, folder or self.data)

    def _check_period(self, dataset: Dataset, folder: Path) -> None:
        check_period(self.period, dataset, folder)

    # ---- the dry run
    def plan(self) -> dict[str, Any]:
        files = self.input_files()
        units = self.units()
        rates: dict[str, float] = {}
        totals: dict[str, int] = {}
        stores: list[str] = []
        empty: list[dict[str, Any]] = []  # the period error's key ("error") and parameters
        for store, folder in units:
            dataset = self.load(folder)
            try:  # the real run stops on a period the exports do not reach: so does the plan
                self._check_period(dataset, folder)
            except InputError as exc:
                empty.append({"error": exc.key, **exc.params})
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
                summary=True,  # the line cron's mail gets
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
        units = self.units()
        inputs = [self._input_record(p) for p in self.input_files()]
        folders = store_dirs([u for u, _ in units if u])
        # one unit runs in this process: the other cores may write its files meanwhile
        cores = available_cores() if run.workers is None else run.workers
        spare = cores - 1 if len(units) == 1 and run.scheduler is None else 0
        jobs = [
            StoreJob(
                self.settings,
                self.period,
                self.lang,
                self.targets,
                self.notes,
                store,
                folder,
                join_under(pack, folders[store]) if store else pack,
                pack,
                # one unit's first failure ends the run: the command line says it (below)
                ends_the_run=len(units) == 1 and not run.keep_going,
                spare_cores=spare,
            )
            for store, folder in units
        ]
        outcomes = run_jobs(
            jobs,
            workers=run.workers,
            scheduler=run.scheduler,
            progress=self._progress if len(jobs) > 1 else None,
            log=lambda n, workers, where: say(
                logging.INFO,
                t("run_cluster", self.lang, n=n, workers=workers, where=where),
                workers=workers,
            ),
        )
        failed = [o for o in outcomes if o.failed]
        if failed and len(units) == 1 and not run.keep_going:
            step_, reason = _first_failure(failed[0])
            raise InputError("run_step_failed", step=step_, reason=reason)
        records = merge_records(outcomes)
        reports = [f for o in outcomes for f in o.reports]  # every file's accounting
        banners = [o.banner for o in outcomes if o.banner]
        # a store that failed is named on the group's report, with why
        banners += [t("run_store_failed", self.lang, store=o.store, reason=o.error) for o in failed]
        self._kpi_tables = {o.store: o.kpi_table for o in outcomes if o.kpi_table is not None}
        group = {o.store: o.figures for o in outcomes if o.figures is not None}

        def step(name_: str, func: Callable[[], list[Path]]) -> None:
            """The group's own steps, after every store's."""
            record = records[name_]
            if name_ not in run.steps:
                return
            begin = time.perf_counter()
            try:
                record.outputs += sorted(str(p.relative_to(pack)) for p in func())
            except (FoursError, OSError) as exc:
                error = exc.render(self.lang) if isinstance(exc, FoursError) else str(exc)
                record.status, record.error = (
                    "failed",
                    "; ".join(x for x in (record.error, f"{GROUP}: {error}") if x),
                )
                say(logging.ERROR, t("run_step_failed", self.lang, step=name_, reason=error))
            record.seconds = round(record.seconds + time.perf_counter() - begin, 3)

        if len(units) > 1:
            step("kpi", lambda: self._group_kpi(pack))
            step("report", lambda: self._group_report(pack, group, "\n".join(banners)))
        rates = reject_rates(reports)
        code = (
            EXIT_FAILED
            if failed or any(r.status == "failed" for r in records.values())
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
            runs=[
                {
                    "store": o.store,
                    "status": "failed" if o.failed else "ok",
                    "error": o.error,
                    "worker": o.worker,
                    "seconds": o.seconds,
                    "cpu_seconds": o.cpu_seconds,
                    "cache": o.cache or None,
                    "peak_rss_mb": round(o.peak_rss_mb, 1) if o.peak_rss_mb else None,
                    "steps": {r.name: r.seconds for r in o.records.values() if r.seconds},
                }
                for o in outcomes
            ],
        )
        return manifest, code

    def _progress(self, done: int, total: int, outcome: StoreOutcome, eta: float) -> None:
        """A finished store: its log lines (kept by the worker), then stores done / total and
        the time left at the pace so far (terminal and log file; not under cron, where only
        the warnings and the summary reach the mail)."""
        for level, message, fields in outcome.events:
            say(level, message, **fields)
        say(
            logging.INFO,
            t(
                "run_progress",
                self.lang,
                done=done,
                total=total,
                store=outcome.store,
                seconds=f"{outcome.seconds:.0f}",
                status=t("run_store_ok" if not outcome.failed else "run_store_bad", self.lang),
                eta=_duration(eta),
            ),
            progress=f"{done}/{total}",
            store=outcome.store,
            worker=outcome.worker,
        )

    # ---- steps
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


def _first_failure(outcome: StoreOutcome) -> tuple[str, str]:
    for record in outcome.records.values():
        if record.status == "failed":
            return record.name, record.error
    return "validate", outcome.error


def _duration(seconds: float) -> str:
    seconds = max(round(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


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
# workers = 4                    # a group's stores at once, on a local Dask cluster (default:
#                                # one per core; 1: one after another in this process)
# scheduler = "tcp://host:8786"  # or on an existing Dask cluster (shared data and out paths)

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
# cache_dir = "cache"            # keep the loaded exports: the next run on the same files
#                                # reads them back (the entries hold the exports' personal data)

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
