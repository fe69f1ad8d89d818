"""``fours run``: every analysis for a period, unattended, into one pack per run.

    OUT/
      2025-10_20251101T020000/      one pack: kpi/, loyalty/, churn/, workload/, report/,
                                     validation.json, rejects.csv, manifest.json
      latest -> 2025-10_20251101T020000
      .fours.lock                    who is running (see lock.py)

A pack is built in a hidden sibling (``.tmp-…``) and renamed into place only when complete;
``latest`` is then switched atomically (a new symlink renamed over the old one). A run that
dies leaves the previous packs and ``latest`` untouched; the next run removes what it left.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .config import ingest_options
from .dataset import COUNT_FIELDS, Dataset
from .errors import ConfigError, FoursError, InputError, UsageError
from .i18n import t
from .lock import acquire
from .paths import join_under

STEPS = ("validate", "kpi", "loyalty", "churn", "workload", "report")
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_GATE = 0, 1, 2, 3
LATEST = "latest"
GROUP = "_group"  # the group's outputs when the data are one folder per store
TMP_PREFIX = ".tmp-"
RESERVED = (GROUP, LATEST, "manifest.json")  # names a store folder must not take
PACK = re.compile(r"^(?P<period>[0-9A-Za-z.-]+)_(?P<stamp>\d{8}T\d{6})(?:-\d+)?$")
# the call lists (and the rejects' original values) that --include-contact unmasks
PERSONAL_FILES = frozenset({"loyal_top.csv", "winback.csv", "lapsed.csv", "rejects.csv"})
# files whose rows name customers or vehicles, always masked (ids, plates, VINs)
MASKED_FILES = frozenset({"loyalty.csv", "churn.csv"})
# what each output holds, for the manifest (by file name, then by suffix)
HOLDS = {"loyal_top.csv": "call list: core customers to invite",
         "winback.csv": "call list: customers at risk to win back",
         "lapsed.csv": "call list: lapsing and lost customers",
         "rejects.csv": "row problems, with the rejected rows' original cells",
         "loyalty.csv": "loyalty score and tier per customer",
         "churn.csv": "churn risk and reasons per customer",
         "validation.json": "row accounting per input file",
         "validation.txt": "row accounting per input file",
         ".html": "year-end report", ".pptx": "year-end report (deck)",
         ".md": "year-end report (Markdown)", ".svg": "chart", ".json": "figures and settings",
         ".csv": "table of figures"}
log = logging.getLogger("fours.run")


@dataclass
class RunSettings:
    """The ``[run]`` table of the config; command-line flags override it."""

    data: str = "exports"
    out: str = "packs"
    period: str = "last-month"
    keep: int = 12  # packs kept; older ones are deleted (0 keeps all)
    max_reject_rate: float = 0.05  # per table; above it the pack gets a banner and exit 3
    steps: list[str] = field(default_factory=lambda: list(STEPS))
    report_formats: list[str] = field(default_factory=lambda: ["html", "pptx", "md"])
    include_contact: bool = False  # unmask the call lists (written owner-only)
    keep_going: bool = False
    log_file: str | None = None
    log_format: str = "text"  # text | json
    targets: str | None = None  # TOML file of targets
    notes: str | None = None  # TOML file of the manager's remarks
    store_name: str = ""
    template_dir: str | None = None
    compare_years: int = 1
    show_staff: bool = False

    def check(self, config_path: str) -> None:
        bad = [s for s in self.steps if s not in STEPS]
        if bad or not self.steps:
            raise ConfigError("bad_config", path=config_path,
                              reason=f"[run] steps: '{', '.join(bad)}' not among "
                                     f"{', '.join(STEPS)}")
        if self.log_format not in ("text", "json"):
            raise ConfigError("bad_config", path=config_path,
                              reason="[run] log_format must be text or json")
        if not 0 <= self.max_reject_rate <= 1:
            raise ConfigError("bad_config", path=config_path,
                              reason="[run] max_reject_rate must be between 0 and 1")
        if self.keep < 0:
            raise ConfigError("bad_config", path=config_path,
                              reason="[run] keep must be 0 (keep all) or more")


@dataclass(frozen=True)
class Period:
    label: str
    start: pd.Timestamp
    end: pd.Timestamp  # the last day, included

    @property
    def year(self) -> int:
        return int(self.end.year)


def parse_period(text: str, today: date | None = None) -> Period:
    """last-month | last-year | YYYY | YYYY-MM | DATE..DATE (both days included)."""
    today = today or date.today()
    spec = text.strip()
    try:
        if spec == "last-month":
            first = pd.Timestamp(today.replace(day=1)) - pd.DateOffset(months=1)
            return Period(f"{first:%Y-%m}", first, first + pd.offsets.MonthEnd(0))
        if spec == "last-year":
            year = today.year - 1
            return Period(str(year), pd.Timestamp(f"{year}-01-01"),
                          pd.Timestamp(f"{year}-12-31"))
        if re.fullmatch(r"\d{4}", spec):
            return Period(spec, pd.Timestamp(f"{spec}-01-01"), pd.Timestamp(f"{spec}-12-31"))
        if re.fullmatch(r"\d{4}-\d{2}", spec):
            first = pd.Timestamp(f"{spec}-01")
            return Period(spec, first, first + pd.offsets.MonthEnd(0))
        if ".." in spec:
            a, b = (pd.Timestamp(x.strip()) for x in spec.split("..", 1))
            if b < a:
                raise ValueError("the end is before the start")
            return Period(f"{a:%Y%m%d}-{b:%Y%m%d}", a.normalize(), b.normalize())
    except (ValueError, TypeError) as exc:
        raise UsageError("bad_option", option="--period", reason=f"'{text}': {exc}") from None
    raise UsageError("bad_option", option="--period",
                     reason=f"'{text}' is not last-month, last-year, YYYY, YYYY-MM or "
                            "DATE..DATE")


# --------------------------------------------------------------------------- logging
class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created).isoformat(timespec="seconds"),
                 "level": record.levelname.lower(), "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings: RunSettings, *, quiet: bool) -> list[logging.Handler]:
    """Human lines on the terminal (stderr), and timestamped or JSON lines in the log file."""
    log.setLevel(logging.INFO)
    log.propagate = False
    for old in list(log.handlers):
        log.removeHandler(old)
        old.close()
    handlers: list[logging.Handler] = []
    if not quiet:
        terminal = logging.StreamHandler(sys.stderr)
        terminal.setFormatter(_JsonFormatter() if settings.log_format == "json"
                              and not settings.log_file else logging.Formatter("%(message)s"))
        handlers.append(terminal)
    if settings.log_file:
        path = Path(settings.log_file)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            to_file = logging.FileHandler(path, encoding="utf-8")
        except OSError as exc:
            raise UsageError("bad_option", option="--log-file",
                             reason=f"{path}: {exc.strerror or exc}") from None
        to_file.setFormatter(_JsonFormatter() if settings.log_format == "json" else
                             logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                               "%Y-%m-%dT%H:%M:%S"))
        handlers.append(to_file)
    for handler in handlers:
        log.addHandler(handler)
    return handlers


def _say(level: int, message: str, **fields: Any) -> None:
    log.log(level, message, extra={"fields": fields})


# --------------------------------------------------------------------------- files
def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    from .paths import folder_names

    return folder_names(stores, reserved=RESERVED)


# --------------------------------------------------------------------------- the run
@dataclass
class StepRecord:
    name: str
    status: str = "pending"  # ok | failed | skipped
    seconds: float = 0.0
    error: str = ""
    outputs: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    exit_code: int
    pack: Path | None
    manifest: dict[str, Any]


class Runner:
    def __init__(self, settings: RunSettings, config: dict[str, Any], *, config_path: str,
                 lang: str, today: date | None = None) -> None:
        settings.check(config_path)
        self.settings = settings
        self.config = config
        self.config_path = config_path
        self.lang = lang
        self.period = parse_period(settings.period, today)
        self.data = Path(settings.data)
        self.out = Path(settings.out)
        self.options = ingest_options(config, config_path=config_path)
        from .config import read_toml

        self.targets: dict[str, Any] = {}
        if settings.targets:
            goal = read_toml(settings.targets)
            self.targets = dict(goal.get("targets", goal))
        self.notes = ({k: str(v) for k, v in read_toml(settings.notes).items()}
                      if settings.notes else {})
        from .cli import settings_from_config  # the tables read as their commands read them

        self.schedule = settings_from_config(config, "schedule", config_path)
        self.loyalty_settings = settings_from_config(config, "loyalty", config_path)
        self.churn_settings = settings_from_config(config, "churn", config_path)
        self.workload_settings = settings_from_config(config, "workload", config_path)

    # ---- inputs
    def units(self) -> list[tuple[str, Path]]:
        """What is loaded at once: the data folder (``("", data)``), or, when it holds no
        exports but one folder per store, each store's folder in turn (``(store, folder)``),
        so that memory is that of one store however many the group has."""
        from .ingest import expand_paths

        def exports(folder: Path) -> bool:
            try:
                return bool(expand_paths([folder])[0])
            except InputError:  # a folder with no export in it
                return False

        if not self.data.is_dir():
            raise InputError("run_no_data", path=self.data)
        if exports(self.data):
            return [("", self.data)]
        stores = [p for p in sorted(self.data.iterdir()) if p.is_dir()
                  and not p.name.startswith((".", "_")) and exports(p)]
        if not stores:
            raise InputError("run_no_data", path=self.data)
        return [(p.name, p) for p in stores]

    def input_files(self) -> list[Path]:
        from .ingest import expand_paths

        return [Path(f) for _, folder in self.units() for f in expand_paths([folder])[0]]

    def load(self, folder: Path | None = None) -> Dataset:
        from .ingest import load

        return load([folder or self.data], self.options)

    def _check_period(self, dataset: Dataset, folder: Path) -> None:
        """A period the exports do not reach (a stale export folder, a typo in --period) is
        one clear error, not a failure deep inside an analysis."""
        ros = dataset.tables.get("repair_orders")
        p = self.period
        opened = ros["open_time"] if ros is not None else pd.Series(dtype="datetime64[ns]")
        if not ((opened >= p.start) & (opened < p.end + pd.Timedelta(days=1))).any():
            span = (f"{opened.min():%Y-%m-%d} to {opened.max():%Y-%m-%d}" if len(opened)
                    else "none")
            raise InputError("run_empty_period", path=folder, period=p.label, span=span)

    # ---- the dry run
    def plan(self) -> dict[str, Any]:
        files = self.input_files()
        units = self.units()
        rates: dict[str, float] = {}
        totals: dict[str, int] = {}
        stores: list[str] = []
        for store, folder in units:
            dataset = self.load(folder)
            for table, rate in reject_rates(dataset.files).items():
                rates[f"{store}/{table}" if store else table] = rate
            for k, v in dataset.totals().items():
                totals[k] = totals.get(k, 0) + int(v)
            stores += [store] if store else dataset.stores
            del dataset
        return {"period": {"label": self.period.label, "start": f"{self.period.start:%Y-%m-%d}",
                           "end": f"{self.period.end:%Y-%m-%d}"},
                "data": str(self.data), "out": str(self.out),
                "pack": f"{self.period.label}_<timestamp>",
                "inputs": [{"path": str(p), "bytes": p.stat().st_size} for p in files],
                "rows": totals, "reject_rates": rates,
                "gate": {"max_reject_rate": self.settings.max_reject_rate,
                         "would_pass": all(r <= self.settings.max_reject_rate
                                           for r in rates.values())},
                "steps": list(self.settings.steps), "stores": stores,
                "outputs": self._expected_outputs(units),
                "report_formats": list(self.settings.report_formats)}

    def _expected_outputs(self, units: list[tuple[str, Path]]) -> list[str]:
        folders = {"validate": ["validation.json", "validation.txt", "rejects.csv"],
                   "kpi": ["kpi/"], "loyalty": ["loyalty/"], "churn": ["churn/"],
                   "workload": ["workload/"],
                   "report": [f"report/report_{self.period.year}.{f}"
                              for f in self.settings.report_formats]}
        chosen = [x for step in STEPS if step in self.settings.steps for x in folders[step]]
        if len(units) == 1:
            return [*chosen, "manifest.json"]
        names = store_dirs([u for u, _ in units])
        return [*(f"{names[u]}/{x}" for u, _ in units for x in chosen),
                f"{GROUP}/kpi_by_store.csv", f"{GROUP}/report/", "manifest.json"]

    # ---- the real run
    def run(self) -> RunResult:
        started = datetime.now()
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError("run_out_unusable", path=self.out,
                             reason=exc.strerror or str(exc)) from None
        if not os.access(self.out, os.W_OK | os.X_OK):
            raise InputError("run_out_unusable", path=self.out, reason="not writable")
        with acquire(self.out) as lock:
            if lock.recovered:
                _say(logging.WARNING, t("run_lock_recovered", self.lang,
                                        pid=lock.recovered.get("pid", "?"),
                                        started=lock.recovered.get("started", "?")))
            self._remove_leftovers()
            name = self._pack_name(started)
            tmp = self.out / f"{TMP_PREFIX}{name}-{os.getpid()}"
            tmp.mkdir()
            final = self.out / name
            try:
                manifest, code = self._build(tmp, name, started)
                os.rename(tmp, final)
                self._point_latest(name)
            except OSError as exc:  # the output folder itself failed (full, removed, ...)
                shutil.rmtree(tmp, ignore_errors=True)
                raise InputError("run_out_unusable", path=self.out,
                                 reason=exc.strerror or str(exc)) from None
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            removed = self._prune(name)
            if removed:
                _say(logging.INFO, t("run_pruned", self.lang, n=len(removed)),
                     removed=removed)
            _say(logging.INFO, t("run_done", self.lang, path=final, code=code),
                 pack=str(final), exit_code=code)
            return RunResult(code, final, manifest)

    def _pack_name(self, started: datetime) -> str:
        base = f"{self.period.label}_{started:%Y%m%dT%H%M%S}"
        name, n = base, 1
        while (self.out / name).exists():
            n += 1
            name = f"{base}-{n}"
        return name

    def _remove_leftovers(self) -> None:
        """Temporary folders of runs that died (we hold the lock, so none is running)."""
        for path in self.out.glob(f"{TMP_PREFIX}*"):
            _say(logging.WARNING, t("run_leftover", self.lang, path=path.name))
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def _point_latest(self, name: str) -> None:
        link = self.out / LATEST
        tmp = self.out / f"{TMP_PREFIX}{LATEST}-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(name, tmp)
        os.replace(tmp, link)  # atomic: readers see the old pack or the new one

    def packs(self) -> list[Path]:
        return sorted((p for p in self.out.iterdir() if p.is_dir() and not p.is_symlink()
                       and PACK.match(p.name)), key=lambda p: (PACK.match(p.name)["stamp"],  # type: ignore[index]
                                                                p.name))

    def _prune(self, current: str) -> list[str]:
        if self.settings.keep <= 0:
            return []
        packs = self.packs()
        old = [p for p in packs[:-self.settings.keep] if p.name != current]
        for p in old:
            shutil.rmtree(p, ignore_errors=True)
        return [p.name for p in old]

    def _build(self, pack: Path, name: str, started: datetime) -> tuple[dict[str, Any], int]:
        s = self.settings
        records = {name_: StepRecord(name_) for name_ in STEPS}
        for name_ in STEPS:
            if name_ not in s.steps:
                records[name_].status = "skipped"
        records["validate"].status = "pending"  # the data are loaded in any case
        units = self.units()
        inputs = [{"path": str(p), "bytes": p.stat().st_size, "sha256": sha256(p)}
                  for p in self.input_files()]
        failed = False
        banners: list[str] = []
        reports: list[Any] = []  # every file's accounting
        group: dict[str, Any] = {}  # store -> slim report results, for the group report
        self._kpi_tables: dict[str, pd.DataFrame] = {}

        def step(name_: str, func: Callable[[], list[Path]]) -> None:
            nonlocal failed
            record = records[name_]
            if record.status == "skipped" or (failed and not s.keep_going):
                return
            _say(logging.INFO, t("run_step", self.lang, step=name_), step=name_)
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
                _say(logging.ERROR, t("run_step_failed", self.lang, step=name_,
                                      reason=error), step=name_, error=error)
                if not s.keep_going:
                    raise InputError("run_step_failed", step=name_, reason=error)
            elif record.status != "failed":
                record.status = "ok"

        folders = store_dirs([u for u, _ in units if u])
        for store, folder in units:
            if store:
                _say(logging.INFO, t("run_store", self.lang, store=store), store=store)
            target = join_under(pack, folders[store]) if store else pack
            target.mkdir(exist_ok=True)
            context: dict[Any, Any] = {}

            # the data are needed by every step: loading is part of "validate"
            def load(folder: Path = folder, target: Path = target,
                     context: dict[Any, Any] = context, store: str = store) -> list[Path]:
                dataset = self.load(folder)
                reports.extend(dataset.files)
                self._check_period(dataset, folder)
                context["dataset"] = dataset
                over = {k: v for k, v in reject_rates(dataset.files).items()
                        if v > s.max_reject_rate}
                if over:
                    banner = t("run_banner", self.lang, tables=", ".join(
                        f"{k} {100 * v:.1f}%" for k, v in sorted(over.items())),
                        limit=f"{100 * s.max_reject_rate:.1f}%")
                    context["banner"] = f"{store}: {banner}" if store else banner
                    banners.append(context["banner"])
                    _say(logging.WARNING, context["banner"], reject_rates=over)
                return (self._write_validation(target, dataset) if "validate" in s.steps
                        else [])

            step("validate", load)
            if "dataset" not in context:
                continue
            dataset = context["dataset"]
            step("kpi", partial(self._kpi, target, dataset, store))
            step("loyalty", partial(self._loyalty, target, dataset, context))
            step("churn", partial(self._churn, target, dataset, context))
            step("workload", partial(self._workload, target, dataset, context))
            step("report", partial(self._report, target, dataset, context, store, group))
            context.clear()  # one store at a time in memory
            dataset = None
            gc.collect()
        if len(units) > 1:
            step("kpi", partial(self._group_kpi, pack))
            step("report", partial(self._group_report, pack, group, "\n".join(banners)))
        rates = reject_rates(reports)
        code = EXIT_FAILED if any(r.status == "failed" for r in records.values()) else (
            EXIT_GATE if banners else EXIT_OK)
        manifest = self._manifest(pack, name, started, inputs, records, rates,
                                  "\n".join(banners), code, reports, [u for u, _ in units])
        return manifest, code

    # ---- steps
    def _write_validation(self, pack: Path, dataset: Dataset) -> list[Path]:
        from .output import write_csv
        from .render import problems_frame, validation_text

        written = [pack / "validation.json", pack / "validation.txt"]
        info = dataset.to_dict()
        written[0].write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str),
                              encoding="utf-8")
        written[1].write_text(validation_text(dataset, self.lang) + "\n", encoding="utf-8")
        if len(dataset.problems):
            written.append(write_csv(problems_frame(
                dataset, self.lang, include_contact=self.settings.include_contact),
                pack / "rejects.csv", private=True))
        return written

    def _kpi(self, pack: Path, dataset: Dataset, store: str = "") -> list[Path]:
        from .kpi import breakdown, report
        from .output import ensure_dir, write_csv

        folder = ensure_dir(pack / "kpi")
        p = self.period
        compare = (p.start - pd.DateOffset(years=1), p.end - pd.DateOffset(years=1))
        table = report(dataset, p.start, p.end, compare=compare, targets=self.targets,
                       schedule=self.schedule)
        self._kpi_tables[store] = table
        written = [write_csv(table, folder / "kpi.csv")]
        payload: dict[str, Any] = {
            "period": {"start": f"{p.start:%Y-%m-%d}", "end": f"{p.end:%Y-%m-%d}"},
            "kpis": {r["kpi"]: _number(r["value"]) for r in table.to_dict("records")},
            "compared": {r["kpi"]: _number(r.get("compared"))
                         for r in table.to_dict("records")}}
        if len(pd.period_range(p.start, p.end, freq="M")) > 1:
            months = breakdown(dataset, p.start, p.end, "month", self.schedule)
            written.append(write_csv(months, folder / "kpi_by_month.csv"))
        if len(dataset.stores) > 1:
            stores = breakdown(dataset, p.start, p.end, "store", self.schedule)
            written.append(write_csv(stores, folder / "kpi_by_store.csv"))
        (folder / "kpi.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2),
                                         encoding="utf-8")
        written.append(folder / "kpi.json")
        return written

    def _parts(self, dataset: Dataset, pack: Path,
               step: str) -> list[tuple[str, Path, Dataset]]:
        """Each store of a dataset with a store column (or the whole dataset), with the
        folder its ``step`` outputs go to: a safe name under ``pack/step``."""
        stores = dataset.stores
        if len(stores) <= 1:
            return [("", pack / step, dataset)]
        folders = store_dirs(stores)
        return [(s, join_under(pack / step, folders[s]), dataset.for_store(s))
                for s in stores]

    def _loyalty(self, pack: Path, dataset: Dataset, context: dict[Any, Any]) -> list[Path]:
        from .customers import build
        from .loyalty import contacts_of, score
        from .publish import write_loyalty

        written: list[Path] = []
        for store, folder, part in self._parts(dataset, pack, "loyalty"):
            base = build(part, self.period.end, self.schedule)
            result = score(base, self.loyalty_settings)
            context[("base", store)] = base
            context[("loyalty", store)] = result
            written += write_loyalty(result, contacts_of(part.repair_orders), folder,
                                     lang=self.lang, top_n=self.loyalty_settings.top_n,
                                     include_contact=self.settings.include_contact).values()
        return written

    def _churn(self, pack: Path, dataset: Dataset, context: dict[Any, Any]) -> list[Path]:
        from .churn import analyse
        from .loyalty import contacts_of
        from .publish import write_churn

        written: list[Path] = []
        for store, folder, part in self._parts(dataset, pack, "churn"):
            loyalty = context.get(("loyalty", store))
            result = analyse(part, self.period.end, config=self.churn_settings,
                             schedule=self.schedule,
                             clv=loyalty.customers["clv"] if loyalty is not None else None,
                             base=context.get(("base", store)), lang=self.lang)
            context[("churn", store)] = result
            written += write_churn(result, contacts_of(part.repair_orders), folder,
                                   lang=self.lang,
                                   include_contact=self.settings.include_contact).values()
        return written

    def _workload(self, pack: Path, dataset: Dataset,
                  context: dict[Any, Any] | None = None) -> list[Path]:
        from .publish import write_workload
        from .workload import analyse

        written: list[Path] = []
        start = self.period.end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        for store, folder, part in self._parts(dataset, pack, "workload"):
            result = analyse(part, start=max(start, self.period.start - pd.DateOffset(years=1)),
                             end=self.period.end,
                             config=self.workload_settings,
                             week=self.period.end + pd.Timedelta(days=1))
            if context is not None:
                context[("workload", store)] = result
            written += write_workload(result, folder, lang=self.lang).values()
        return written

    def _report(self, pack: Path, dataset: Dataset, context: dict[Any, Any],
                store: str = "", group: dict[str, Any] | None = None) -> list[Path]:
        """The year's report (the year to date for a shorter period), reusing the run's
        loyalty and churn (as of the period's end) and, for a calendar year, its workload."""
        from dataclasses import replace as dc_replace

        from .report import build, compute_results, make_report, write_document

        s = self.settings
        banner = context.get("banner", "")
        p = self.period
        whole_year = p.start == pd.Timestamp(f"{p.year}-01-01") and p.end == pd.Timestamp(
            f"{p.year}-12-31")
        if not store and len(dataset.stores) > 1:  # a store column: per store and group
            written = make_report(dataset, self.period.year, pack / "report",
                                  formats=tuple(s.report_formats), lang=self.lang,
                                  store_name=s.store_name, targets=self.targets,
                                  notes=self.notes, template_dir=s.template_dir,
                                  compare_years=s.compare_years, show_staff=s.show_staff,
                                  banner=banner)
            return list(written.values())
        results = compute_results(dataset, self.period.year, store_name=store or s.store_name,
                                  targets=self.targets, lang=self.lang,
                                  compare_years=s.compare_years, through=p.end,
                                  # the steps keep a one-store dataset's results under ""
                                  loyalty=context.get(("loyalty", "")),
                                  churn=context.get(("churn", "")),
                                  workload=context.get(("workload", "")) if whole_year
                                  else None, schedule=self.schedule)
        doc = dc_replace(build(results, self.lang, self.notes, show_staff=s.show_staff),
                         banner=banner)
        folder = pack / "report"
        folder.mkdir(exist_ok=True)
        written = write_document(doc, folder, self.period.year, tuple(s.report_formats),
                                 template_dir=s.template_dir)
        if group is not None:  # what the group report needs, not the customer lists
            churn, loyalty = results.churn, results.loyalty
            group[store] = dc_replace(
                results, loyalty=dc_replace(loyalty, customers=loyalty.customers.iloc[:0]),
                churn=dc_replace(churn, scores=churn.scores.iloc[:0],
                                 lapsed=churn.lapsed.iloc[:0],
                                 winback=churn.winback[["value_at_risk"]]),
                by_technician=None, by_advisor=None)
        return list(written.values())

    def _group_kpi(self, pack: Path) -> list[Path]:
        from .output import write_csv

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
        from dataclasses import replace as dc_replace

        from .report import build_group, write_document

        if not group:
            return []
        rows = []
        for kpi_id in ("revenue", "intake"):
            values = [r.kpis.set_index("kpi").loc[kpi_id] for r in group.values()]
            now = float(sum(float(v["value"] or 0) for v in values))
            then = float(sum(float(v["compared"]) for v in values if pd.notna(v["compared"])))
            rows.append({"kpi": kpi_id, "value": now, "compared": then or None,
                         "change": (now - then) / then if then else None})
        doc = build_group(group, pd.DataFrame(rows), self.period.year, self.lang,
                          self.settings.store_name, self.notes)
        folder = pack / GROUP / "report"
        folder.mkdir(parents=True, exist_ok=True)
        written = write_document(dc_replace(doc, banner=banner), folder, self.period.year,
                                 tuple(self.settings.report_formats),
                                 template_dir=self.settings.template_dir)
        return list(written.values())

    # ---- the manifest
    def _manifest(self, pack: Path, name: str, started: datetime, inputs: list[dict[str, Any]],
                  records: dict[str, StepRecord], rates: dict[str, float], banner: str,
                  code: int, reports: list[Any], stores: list[str]) -> dict[str, Any]:
        outputs = []
        for path in sorted(p for p in pack.rglob("*") if p.is_file()):
            full = self.settings.include_contact and path.name in PERSONAL_FILES
            masked = not full and path.name in PERSONAL_FILES | MASKED_FILES
            staff = self.settings.show_staff and path.parent.name == "report"
            outputs.append({"path": str(path.relative_to(pack)), "bytes": path.stat().st_size,
                            "sha256": sha256(path), "holds": _holds(path.name),
                            "personal_data": full, "personal_data_masked": masked,
                            "staff_names": staff})
        manifest = {
            "fours_version": __version__, "pack": name,
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now().isoformat(timespec="seconds"),
            "period": {"label": self.period.label, "start": f"{self.period.start:%Y-%m-%d}",
                       "end": f"{self.period.end:%Y-%m-%d}"},
            "config": {"path": self.config_path, "run": asdict(self.settings),
                       "other": {k: v for k, v in self.config.items() if k != "run"}},
            "inputs": inputs,
            "stores": [x for x in stores if x],
            "accounting": {"totals": {k: sum(getattr(f, k) for f in reports)
                                      for k in COUNT_FIELDS},
                           "adds_up": all(f.adds_up for f in reports) if reports else None,
                           "files": [f.to_dict() for f in reports]},
            "data_quality": {"reject_rates": rates,
                             "max_reject_rate": self.settings.max_reject_rate,
                             "passed": not banner, "banner": banner},
            "steps": [asdict(r) for r in records.values()],
            "outputs": outputs,
            "contains_personal_data": self.settings.include_contact,
            "exit_code": code,
        }
        (pack / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2,
                                                       default=str), encoding="utf-8")
        return manifest


def _holds(name: str) -> str:
    return HOLDS.get(name) or HOLDS.get(Path(name).suffix, "other")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if v != v else v


STARTER = '''# fours.toml: the settings of `fours run` (and of every other command).
# Flags on the command line override this file. Documented in the README.

lang = "zh"                      # zh | en: messages, labels, the report

[run]
data = "exports"                 # the folder the DMS exports are dropped into
out = "packs"                    # the packs go here; OUT/latest points at the newest
period = "last-month"            # last-month | last-year | YYYY | YYYY-MM | DATE..DATE
keep = 12                        # packs kept (0: all)
max_reject_rate = 0.05           # above it in any table: warning banner and exit code 3
steps = ["validate", "kpi", "loyalty", "churn", "workload", "report"]
report_formats = ["html", "pptx", "md"]
include_contact = false          # true: full names and phones in the call lists (0600 files)
keep_going = false               # true: a failing step does not stop the others
# log_file = "packs/fours.log"
log_format = "text"              # text | json (for log collectors)
# targets = "targets.toml"       # per KPI; see `fours kpi --targets`
# notes = "notes.toml"           # the manager's remarks: review, experience, plans
store_name = ""
compare_years = 1
show_staff = false               # true: advisors' and technicians' names in full

[ingest]
date_order = "auto"              # auto | dmy | mdy

[ingest.headers]                 # your DMS's own headers -> canonical columns
# "车辆识别代码" = "vin"

[schedule]
comeback_days = 30

[workload]
target_wait = 30
open_hour = 8
close_hour = 18
'''
