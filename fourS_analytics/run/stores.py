"""One store's part of ``fours run``, as a task that runs anywhere: in the run's own process
(``--workers 1``) or on a worker of a Dask cluster (:mod:`.engine`).

A :class:`StoreJob` holds everything the store needs (the settings, the period, its exports'
folder, its folder in the pack being built) and nothing of the run's process, so it pickles;
:meth:`StoreJob.run` loads the store's exports, runs the steps through the one pipeline, writes
the store's files and returns a :class:`StoreOutcome`: per step its time, outputs and what was
skipped, the files' row accounting, the KPI table and the slim figures the group report needs
(never the customer lists). The run merges the outcomes (:func:`merge_records`).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import STEPS, Settings
from ..dataset import Dataset
from ..errors import FoursError, InputError
from ..forks import spare_cores
from ..i18n import t
from ..paths import folder_names, join_under
from ..pipeline import GroupResults, StorePipeline
from ..threads import runtime
from ..timeframe import Period
from .background import Background, Task
from .logs import say, to_log_file

GROUP = "_group"  # the group's outputs when the data are one folder per store
LATEST = "latest"
RESERVED = (GROUP, LATEST, "manifest.json")  # names a store folder must not take
# what makes a step "degraded" in the manifest: it ran, but not as fully as asked
DEGRADING = frozenset({"churn_not_validated", "churn_short_backtest", "churn_fallback"})
ANALYSIS_STEPS = ("kpi", "loyalty", "churn", "workload", "lists", "report")
BESIDE = ("kpi", "workload")  # steps that need only the data: a child may run them (see run)
AFTER_BESIDE = ("lists", "report")  # steps that use what they make

Event = tuple[int, str, dict[str, Any]]  # a log line: level, message, its fields


def store_dirs(stores: list[str]) -> dict[str, str]:
    """A safe, distinct folder per store (a store name from the data is never a path)."""
    return folder_names(stores, reserved=RESERVED)


def reject_rates(files: list[Any]) -> dict[str, float]:
    """Rejected share of each table's data rows, over the files' accounting."""
    rows: dict[str, list[int]] = {}
    for f in files:
        counts = rows.setdefault(f.table, [0, 0])
        counts[0] += f.rejected
        counts[1] += f.rows
    return {table: (r / n if n else 0.0) for table, (r, n) in rows.items()}


def load_exports(settings: Settings, folder: Path) -> Dataset:
    from ..ingest import load

    return load([folder], settings.ingest)


def check_period(period: Period, dataset: Dataset, folder: Path) -> None:
    """A period the exports do not reach (a stale export folder, a typo in --period) is one
    clear error, not a failure deep inside an analysis."""
    ros = dataset.tables.get("repair_orders")
    opened = ros["open_time"] if ros is not None else pd.Series(dtype="datetime64[ns]")
    if not period.contains(opened).any():
        if not opened.notna().any():
            raise InputError("run_no_repair_orders", path=folder, period=period.label)
        # the dates as parameters, joined by each language's own words ("to", 至)
        first, last = f"{opened.min():%Y-%m-%d}", f"{opened.max():%Y-%m-%d}"
        raise InputError(
            "run_empty_period", path=folder, period=period.label, first=first, last=last
        )


@dataclass
class StepRecord:
    name: str
    status: str = "pending"  # ok | failed | skipped | degraded
    seconds: float = 0.0
    error: str = ""
    outputs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a store's analysis did not run
    degraded: list[str] = field(default_factory=list)  # what it did instead of the full job
    # a child writing the step's files while the run went on (background.py): its time
    background_seconds: float = 0.0
    beside: bool = False  # the step ran in a child beside the run's own steps


@dataclass
class StoreOutcome:
    """What a store's task gives back to the run (small: no customer lists)."""

    store: str
    records: dict[str, StepRecord]
    reports: list[Any]  # every file's accounting
    banner: str = ""
    figures: Any | None = None  # the slim report figures, for the group report
    kpi_table: pd.DataFrame | None = None
    failed: bool = False
    error: str = ""  # the first failure, in words
    worker: str = ""  # host:pid (in-process: "local")
    seconds: float = 0.0
    # CPU seconds (user + system) of the worker's process and its reaped children meanwhile:
    # beside the wall time, what tells a slow host (same CPU, longer wall) from extra work
    cpu_seconds: float = 0.0
    peak_rss_mb: float | None = None  # the process's peak resident memory so far
    # what the load did with the cache of loaded exports (hit, stored, not_stored,
    # unreadable; "" without a cache_dir)
    cache: str = ""
    events: list[Event] = field(default_factory=list)


def _cpu_seconds() -> float:
    """User and system CPU seconds of this process and of its children waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _peak_rss_mb() -> float | None:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    except (ImportError, OSError):  # not on Windows
        return None


@dataclass
class StoreJob:
    settings: Settings
    period: Period
    lang: str
    targets: Any
    notes: Any
    store: str  # "" when the data folder is the one unit
    folder: Path  # the store's exports
    target: Path  # the store's folder in the pack being built (the pack itself for one unit)
    pack: Path  # the pack being built: outputs are named relative to it
    log_live: bool = True  # say each line as it happens (in-process); else keep them
    # a failure ends the whole run, whose error the command line prints: the store's own
    # line of it goes to the log file only, so the terminal and cron's mail say it once
    ends_the_run: bool = False
    # cores beside the run's own that may write the store's files meanwhile (background.py)
    spare_cores: int = 0
    events: list[Event] = field(default_factory=list, repr=False)

    def say(self, level: int, message: str, **fields: Any) -> None:
        if self.log_live:
            say(level, message, **fields)
        else:
            self.events.append((level, message, fields))

    def run(self, worker: str = "local") -> StoreOutcome:
        """Every step for this store; a failing step ends the store's run (or, with
        ``keep_going``, only itself), said in the outcome, never raised: one store that fails
        does not sink the others."""
        begin = time.perf_counter()
        cpu_begin = _cpu_seconds()
        run = self.settings.run
        # a retried task (its worker died) starts from an empty folder
        if self.target != self.pack and self.target.exists():
            shutil.rmtree(self.target)
        self.target.mkdir(parents=True, exist_ok=True)
        records = {name: StepRecord(name) for name in STEPS}
        for name in STEPS:
            if name not in run.steps:
                records[name].status = "skipped"
        records["validate"].status = "pending"  # the data are loaded in any case
        outcome = StoreOutcome(self.store, records, [], worker=worker)
        context: dict[str, Any] = {}
        if self.store:
            self.say(logging.INFO, t("run_store", self.lang, store=self.store), store=self.store)

        def step(name: str, func: Callable[[], list[Path]]) -> None:
            record = records[name]
            if record.status == "skipped" or (outcome.failed and not run.keep_going):
                return
            self.say(logging.INFO, t("run_step", self.lang, step=name), step=name)
            start = time.perf_counter()
            error = ""
            try:
                record.outputs += sorted(str(p.relative_to(self.pack)) for p in func())
            except Exception as exc:  # said in one line, the run goes on or stops
                error = describe(exc, self.lang)
            record.seconds = round(record.seconds + time.perf_counter() - start, 3)
            if error:
                failed(record, error)
            else:
                record.status = status_of(record)

        def failed(record: StepRecord, error: str) -> None:
            name = record.name
            record.status = "failed"
            record.error = "; ".join(x for x in (record.error, error) if x)
            outcome.error = outcome.error or f"{name}: {error}"
            outcome.failed = True
            who = f"{self.store}: " if self.store else ""
            (to_log_file if self.ends_the_run and self.log_live else self.say)(
                logging.ERROR,
                who + t("run_step_failed", self.lang, step=name, reason=error),
                step=name,
                error=error,
            )

        def written_apart(background: Background) -> None:
            """The children's files and failures, in their steps' records."""
            for done in background.finish():
                record = records[done.step]
                paths = [str(p.relative_to(self.pack)) for p in done.paths]
                record.outputs = sorted(record.outputs + paths)
                record.background_seconds = round(record.background_seconds + done.seconds, 3)
                if done.error:
                    failed(record, done.error)
                elif record.status != "failed":
                    record.status = status_of(record)

        def load() -> list[Path]:
            dataset = load_exports(self.settings, self.folder)
            if dataset.cache is not None:
                from ..ingest.cache import said

                warning, text = said(dataset.cache, self.lang)
                who = f"{self.store}: " if self.store else ""
                self.say(logging.WARNING if warning else logging.INFO, who + text)
                outcome.cache = dataset.cache.status
            outcome.reports.extend(dataset.files)
            check_period(self.period, dataset, self.folder)
            context["dataset"] = dataset
            over = {k: v for k, v in reject_rates(dataset.files).items() if v > run.max_reject_rate}
            if over:
                banner = t(
                    "run_banner",
                    self.lang,
                    tables=", ".join(f"{k} {100 * v:.1f}%" for k, v in sorted(over.items())),
                    limit=f"{100 * run.max_reject_rate:.1f}%",
                )
                outcome.banner = f"{self.store}: {banner}" if self.store else banner
                self.say(logging.WARNING, outcome.banner, reject_rates=over)
            if "validate" not in run.steps:
                return []
            return background.write("validate", partial(self._write_validation, dataset))

        def run_steps(pipes: dict[str, StorePipeline], names: tuple[str, ...]) -> None:
            for name in names:
                step(name, partial(self._step, name, pipes, context, outcome))

        def beside(pipes: dict[str, StorePipeline]) -> dict[str, Any]:
            """In a child: the steps that need only the data, and what they made."""
            background.in_child()
            events = len(self.events)
            run_steps(pipes, BESIDE)
            for name in BESIDE:
                records[name].beside = records[name].status != "skipped"
            return {
                "records": {name: records[name] for name in BESIDE},
                "made": {key: pipe.handed_over(BESIDE) for key, pipe in pipes.items()},
                "kpi_table": outcome.kpi_table,
                "error": outcome.error,
                "events": self.events[events:],
            }

        def take_back(pipes: dict[str, StorePipeline], task: Task) -> None:
            done = background.join(task)
            if done.value is None:  # the child itself failed: the steps run here instead
                reason = done.error
                self.say(logging.WARNING, t("run_beside_lost", self.lang, reason=reason))
                run_steps(pipes, BESIDE)
                return
            given = done.value
            records.update(given["records"])
            for key, made in given["made"].items():
                pipes[key].take_over(made)
            if given["kpi_table"] is not None:
                outcome.kpi_table = given["kpi_table"]
            if given["error"]:
                outcome.failed = True
                outcome.error = outcome.error or given["error"]
            self.events.extend(given["events"])

        # a writer more than the spare cores: the lists' files start while the report is
        # made instead of after the churn step's writer ends (the two share a core a while)
        writers = self.spare_cores + 1 if self.spare_cores else 0
        background = Background(writers, partial(describe, lang=self.lang))
        context["background"] = background
        # the numeric libraries: one thread each (a worker owns one core); a spare core also
        # for an analysis's own child (churn's backtest beside its final fit)
        with runtime(), spare_cores(self.spare_cores):
            step("validate", load)
            if "dataset" in context:
                pipes = self._pipelines(context["dataset"])
                # with a spare core the KPIs and the workload (they need only the data) run
                # in a child beside loyalty and churn, and hand back what they made before
                # the lists (which book the workload's quiet hours) and the report
                wanted = [n for n in BESIDE if records[n].status != "skipped"]
                task = background.beside("kpi", partial(beside, pipes)) if wanted else None
                for name in ANALYSIS_STEPS:
                    if task is not None and name in BESIDE:
                        continue
                    if task is not None and name in AFTER_BESIDE:
                        take_back(pipes, task)
                        task = None
                    run_steps(pipes, (name,))
                if task is not None:
                    take_back(pipes, task)
                del pipes
            written_apart(background)
            context.clear()
            gc.collect()
        outcome.seconds = round(time.perf_counter() - begin, 3)
        outcome.cpu_seconds = round(_cpu_seconds() - cpu_begin, 3)
        outcome.peak_rss_mb = _peak_rss_mb()
        outcome.events = list(self.events)
        return outcome

    # ---- the steps
    def _pipelines(self, dataset: Dataset) -> dict[str, StorePipeline]:
        """One pipeline for the unit's whole data ("") and, with a store column, one per
        store: the same period and targets, the capacity board of the week after it."""
        week = self.period.end + pd.Timedelta(days=1)
        options: dict[str, Any] = {"week": week, "targets": self.targets}
        whole = StorePipeline(dataset, self.settings, self.period, store=self.store, **options)
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
        pipes: dict[str, StorePipeline],
        context: dict[str, Any],
        outcome: StoreOutcome,
    ) -> list[Path]:
        from ..publish import write_analysis
        from ..report import write_group_report, write_report

        lang, pack = self.lang, self.target
        record = outcome.records[name]
        whole = pipes[""]
        stores = {s: p for s, p in pipes.items() if s} or {"": whole}
        background: Background = context["background"]
        if name == "kpi":  # the unit's own KPIs, with the per-store table beside them
            table = whole.step("kpi")
            if table is None:
                return []
            outcome.kpi_table = table
            return background.write("kpi", partial(self._write_kpis, whole))
        if name == "report":
            banner = outcome.banner
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
            self._note_skipped(record, whole, name)
            if whole.results.report is None:
                return []
            written = write_report(
                whole.results, pack / "report", lang=lang, notes=self.notes, banner=banner
            )
            outcome.figures = slim(whole.results.report)
            return list(written.values())
        names = store_dirs([s for s in stores if s])
        files: list[Path] = []
        for store, pipe in stores.items():
            result = pipe.step(name)
            self._note_skipped(record, pipe, name)
            if result is None:
                continue
            folder = join_under(pack / name, names[store]) if store else pack / name
            contacts = pipe.results.require_contacts()
            files += background.write(
                name,
                partial(
                    _files, write_analysis, name, result, contacts, folder, self.settings, lang=lang
                ),
            )
        return files

    def _note_skipped(self, record: StepRecord, pipe: StorePipeline, name: str) -> None:
        """A store's step that did not run, or ran in part (churn not validated on a short
        history), goes into the step's record and the log, with its reason."""
        who = f"{pipe.results.store}: " if pipe.results.store else ""
        skipped = pipe.results.skipped.get(name)
        if skipped is not None:
            record.skipped.append(who + skipped.render(self.lang))
            self.say(logging.WARNING, who + skipped.render(self.lang), step=name)
        churn = pipe.results.churn if name == "churn" else None
        for note in churn.notes if churn is not None else []:
            if note.key in DEGRADING:
                record.degraded.append(who + note.render(self.lang))
                self.say(logging.WARNING, who + note.render(self.lang), step=name)

    def _write_kpis(self, whole: StorePipeline) -> list[Path]:
        from ..publish import write_kpi_folder

        return write_kpi_folder(whole.results, self.target / "kpi", self.lang)

    def _write_validation(self, dataset: Dataset) -> list[Path]:
        from ..output import write_csv
        from ..render import problems_frame, validation_text

        pack = self.target
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


def _files(write: Callable[..., dict[str, Path]], *args: Any, **kwargs: Any) -> list[Path]:
    """The files a writer that names them by label wrote."""
    return list(write(*args, **kwargs).values())


def describe(exc: BaseException, lang: str) -> str:
    """A failed step's reason in one line: the toolkit's own error in words, a file the
    system refused, or a bug named by its type."""
    if isinstance(exc, FoursError):
        return exc.render(lang)
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".strip(": ")
    return f"internal error ({type(exc).__name__}: {exc})"


def slim(figures: Any) -> Any:
    """What the group report needs of a store's report figures, not the customer lists."""
    return replace(
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


def status_of(record: StepRecord) -> str:
    """ran, but not all of it: the reasons are in the record"""
    if record.status == "failed":
        return "failed"
    if record.skipped and not record.outputs and not record.degraded:
        return "skipped"
    return "degraded" if record.skipped or record.degraded else "ok"


def merge_records(outcomes: list[StoreOutcome]) -> dict[str, StepRecord]:
    """The stores' step records as the run's: times added, outputs, reasons and errors in
    the stores' order; a step failed if it failed for any store."""
    merged = {name: StepRecord(name) for name in STEPS}
    for name, record in merged.items():
        own = [o.records[name] for o in outcomes]
        if not own:
            continue
        record.seconds = round(sum(r.seconds for r in own), 3)
        record.background_seconds = round(sum(r.background_seconds for r in own), 3)
        record.beside = any(r.beside for r in own)
        for r in own:
            record.outputs += r.outputs
            record.skipped += r.skipped
            record.degraded += r.degraded
        errors = [
            (f"{o.store}: " if o.store and len(outcomes) > 1 else "") + o.records[name].error
            for o in outcomes
            if o.records[name].error
        ]
        record.error = "; ".join(errors)
        statuses = {r.status for r in own}
        if "failed" in statuses:
            record.status = "failed"
        elif statuses == {"skipped"}:
            record.status = "skipped"
        elif statuses == {"pending"}:
            record.status = "pending"  # never reached (an earlier failure)
        else:
            record.status = status_of(record)
    return merged


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
