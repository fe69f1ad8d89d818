"""The one place that sequences the analyses.

    import fourS_analytics as fours
    data = fours.load("exports/")
    results = fours.analyse(data, period="2025")       # analyse_store
    results.kpis, results.loyalty, results.churn, results.workload, results.report

``analyse_store(dataset, settings, period)`` runs the steps asked for (and the steps they need:
churn uses loyalty's lifetime values, the report cites all of them) once each, in order, and
returns :class:`StoreResults`. A step whose data are missing, or that the data cannot support
(too short a history, no contrast), is *skipped*: the result says which step, why, and what
data would enable it, and the other steps go on. ``analyse_group`` does the same per store
for a dataset with a store column, plus the group's KPIs.

Every command, ``fours demo``, ``fours run`` and the report call these; the report only
renders what is here. Results carry codes and numbers, never words: rendering them in
Chinese or English happens at the edge (the report, the lists, the terminal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import pandas as pd

from . import kpi as kpi_module
from .churn import ChurnResult
from .churn import analyse as analyse_churn
from .config import Settings, load_settings, read_notes, read_targets
from .customers import CustomerBase
from .customers import build as build_base
from .dataset import Dataset
from .errors import InputError, MissingTableError, UsageError
from .i18n import Message
from .lists import ListsResult
from .lists import build as build_lists
from .loyalty import LoyaltyResult, contacts_of
from .loyalty import score as score_loyalty
from .report.results import Results
from .threads import runtime
from .timeframe import AsOf, Period, opened_span, parse_period
from .workload import WorkloadResult
from .workload import analyse as analyse_workload

ANALYSES = ("kpi", "loyalty", "churn", "workload", "lists", "report")
_FIELDS = {step: "kpis" if step == "kpi" else step for step in ANALYSES}  # a step's result
# everything a step sets on its StoreResults (a step run by another process hands them back)
STEP_FIELDS = {
    "kpi": ("kpis", "kpi_by_month", "kpi_by_store", "kpi_tables"),
    "loyalty": ("base", "loyalty"),
    "churn": ("churn",),
    "workload": ("workload",),
    "lists": ("base", "lists"),
    "report": ("report",),
}
# what a step needs before it runs: churn scores value at risk with loyalty's lifetime values;
# the lists rank calls by value and churn risk; the report cites everything
DEPENDS = {
    "churn": ("loyalty",),
    "lists": ("loyalty", "churn"),
    "report": ("kpi", "loyalty", "churn", "workload", "lists"),
}


@dataclass(frozen=True)
class Skipped:
    """A step that did not run: a message key with its parameters (words at the edge)."""

    step: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        from .i18n import t

        return t(
            "step_skipped",
            lang,
            step=t(f"step_{self.step}", lang),
            reason=t(self.key, lang, **self.params),
        )


@dataclass
class StoreResults:
    """Everything one store's analyses produced for a period; ``None`` where a step did not
    run (``skipped`` says why)."""

    store: str
    period: Period
    as_of: AsOf
    settings: Settings
    kpis: pd.DataFrame | None = None  # kpi.report for the period, against ``compare``
    compare: Period | None = None
    kpi_by_month: pd.DataFrame | None = None  # when the period spans several months
    kpi_by_store: pd.DataFrame | None = None  # when the data hold several stores
    # the period's pay-type mix, the active base's visit frequency and the retention ladder
    kpi_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    base: CustomerBase | None = None
    loyalty: LoyaltyResult | None = None
    churn: ChurnResult | None = None
    workload: WorkloadResult | None = None
    lists: ListsResult | None = None  # the call lists
    report: Results | None = None  # the year-end report's figures (year to date)
    contacts: pd.DataFrame | None = None  # plate, VIN, name, phone per unit (for lists)
    skipped: dict[str, Skipped] = field(default_factory=dict)

    def __repr__(self) -> str:
        """What ran and what was skipped, not the results themselves."""
        done = [step for step in ANALYSES if getattr(self, _FIELDS[step]) is not None]
        skipped = ", ".join(f"{step} ({reason.key})" for step, reason in self.skipped.items())
        return (
            f"StoreResults(store={self.store!r}, period={self.period.label!r}, "
            f"as_of={self.as_of.day.date()}, done=[{', '.join(done)}]"
            + (f", skipped=[{skipped}]" if skipped else "")
            + ")"
        )

    def require_contacts(self) -> pd.DataFrame:
        """Plate, VIN, name and phone per analysis unit (empty without repair orders)."""
        return self.contacts if self.contacts is not None else pd.DataFrame()

    def require(self, step: str) -> Any:
        """The result of ``step``, or the error that says why it is missing."""
        value = getattr(self, _FIELDS.get(step, step))
        if value is None:
            reason = self.skipped.get(step)
            if reason is None:
                raise InputError("step_not_run", step=step, reason="not asked for")
            if reason.key == "needs_table":
                raise MissingTableError(
                    str(reason.params["table"]), headers=str(reason.params["headers"])
                )
            raise InputError(reason.key, **reason.params)  # what stopped it, as it said
        return value


@dataclass
class GroupResults:
    """A dealer group: each store's results and the group's own KPIs."""

    period: Period
    stores: dict[str, StoreResults]
    kpis: pd.DataFrame | None  # the whole group's KPIs (store-level ones over all stores)
    kpi_by_store: pd.DataFrame | None

    def __repr__(self) -> str:
        return f"GroupResults(period={self.period.label!r}, stores={list(self.stores)})"


def _needs_repair_orders(dataset: Dataset) -> Skipped | None:
    if "repair_orders" in dataset.tables and len(dataset.tables["repair_orders"]):
        return None
    error = no_repair_orders(dataset)
    return Skipped("", error.key, error.params)


def targets_of(settings: Settings) -> dict[str, Any]:
    """The KPI targets file of the settings, read (``{}`` without one)."""
    if not settings.kpi.targets:
        return {}
    return read_targets(settings.kpi.targets, kpi_module.KPI_IDS)


def notes_of(settings: Settings) -> dict[str, str]:
    """The manager's remarks for the report (review, experience, plans)."""
    if not settings.report.notes:
        return {}
    return read_notes(settings.report.notes)


def no_repair_orders(dataset: Dataset) -> InputError:
    """The error for exports without a repair order: no RO file at all (which headers would
    make one), or RO files whose rows were all rejected or that hold none."""
    files = [f for f in dataset.files if f.table == "repair_orders"]
    if not files:
        return MissingTableError("repair_orders")
    return InputError(
        "ro_no_rows",
        files=", ".join(f.label for f in files),
        rows=sum(f.rows for f in files),
        rejected=sum(f.rejected for f in files),
    )


def last_opened(dataset: Dataset) -> pd.Timestamp:
    """When the last repair order was opened (a missing-table error without any)."""
    ros = dataset.tables.get("repair_orders")
    if ros is None or ros.empty or ros["open_time"].isna().all():
        raise no_repair_orders(dataset)
    return pd.Timestamp(ros["open_time"].max())


def default_period(dataset: Dataset) -> Period:
    """The calendar year of the last repair order."""
    return Period.of_year(int(last_opened(dataset).year))


def _as_period(period: Period | str | int | None, dataset: Dataset) -> Period:
    if period is None:
        return default_period(dataset)
    if isinstance(period, Period):
        return period
    return parse_period(str(period))


def _expand(steps: Iterable[str]) -> list[str]:
    wanted = set(steps)
    unknown = wanted - set(ANALYSES)
    if unknown:
        raise InputError(
            "step_unknown", steps=", ".join(sorted(unknown)), known=", ".join(ANALYSES)
        )
    for step in list(wanted):
        wanted.update(DEPENDS.get(step, ()))
    return [s for s in ANALYSES if s in wanted]


class StorePipeline:
    """One store's analyses, run step by step (``fours run`` times each step) or all at once
    (:func:`analyse_store`). A step runs once; asking again returns what it gave."""

    def __init__(
        self,
        dataset: Dataset,
        settings: Settings | None = None,
        period: Period | str | int | None = None,
        *,
        as_of: object | None = None,
        compare: Period | str | None = "prev",
        workload_span: Period | None = None,
        week: object | None = None,
        calibration_end: object | None = None,
        store: str = "",
        targets: Mapping[str, Any] | None = None,
        on_step: Callable[[str, str], None] | None = None,
    ) -> None:
        self.dataset = dataset
        # told (step, "start") and (step, "done") around each step: the CLI's progress lines
        self.on_step = on_step
        self.settings = settings or load_settings()
        self.week = week
        self.calibration_end = calibration_end
        self.done: set[str] = set()
        self.missing = _needs_repair_orders(dataset)
        if self.missing is not None:
            period_ = period if isinstance(period, Period) else Period.of_year(2000)
            self.results = StoreResults(store, period_, AsOf(period_.end), self.settings)
            return
        period_ = _as_period(period, dataset)
        ros = dataset.repair_orders
        last = ros["open_time"].max()
        day = AsOf.parse(as_of).day if as_of is not None else min(period_.end, last.normalize())
        self.results = StoreResults(store, period_, AsOf(day), self.settings)
        self.results.contacts = contacts_of(ros)
        self.targets = dict(targets) if targets is not None else targets_of(self.settings)
        self.results.compare = (
            period_.year_before()
            if compare == "prev"
            else parse_period(compare, option="compare")
            if isinstance(compare, str)
            else compare
        )
        self.workload_span = workload_span or period_.trailing_year()

    def run(self, steps: Iterable[str] = ANALYSES) -> StoreResults:
        for step in _expand(steps):
            self.step(step)
        return self.results

    @cached_property
    def flags(self) -> pd.Series:
        """The comeback flag of each customer RO, for the KPIs and the report: made when one
        of them first asks (the lists and loyalty do not; 0.4 s on the 1M-RO store)."""
        return kpi_module.comeback_flags(self.dataset.repair_orders, self.settings.schedule)

    def handed_over(self, steps: Iterable[str]) -> dict[str, Any]:
        """What ``steps`` made, to hand to this pipeline in another process (which forked
        from this one before they ran): :meth:`take_over` there."""
        steps = [s for s in steps if s in self.done]
        out = self.results
        return {
            "steps": steps,
            "fields": {f: getattr(out, f) for s in steps for f in STEP_FIELDS[s]},
            "skipped": {s: out.skipped[s] for s in steps if s in out.skipped},
        }

    def take_over(self, made: Mapping[str, Any]) -> None:
        """The steps another process ran for this pipeline, as if they had run here."""
        out = self.results
        for name, value in made["fields"].items():
            setattr(out, name, value)
        self.done.update(made["steps"])
        skipped = {**out.skipped, **made["skipped"]}
        out.skipped = {s: skipped[s] for s in ANALYSES if s in skipped}  # the steps' order

    def step(self, name: str) -> Any:
        """Run one step (after the steps it needs); its result, or ``None`` if skipped."""
        out = self.results
        if name not in ANALYSES:
            raise InputError("step_unknown", steps=name, known=", ".join(ANALYSES))
        if name in self.done:
            return getattr(out, "kpis" if name == "kpi" else name)
        for need in DEPENDS.get(name, ()):
            self.step(need)
        self.done.add(name)
        if self.missing is not None:
            out.skipped[name] = Skipped(name, self.missing.key, self.missing.params)
            return None
        if name == "churn" and "loyalty" in out.skipped:
            out.skipped[name] = out.skipped["loyalty"]
            return None
        if self.on_step is not None:
            self.on_step(name, "start")
        try:
            with runtime():  # from Python as from the command line (threads.py)
                value = getattr(self, f"_{name}")()
        except MissingTableError as exc:
            out.skipped[name] = Skipped(name, "needs_table", exc.params)
            return None
        except InputError as exc:  # the data cannot support this analysis: said, not fatal
            out.skipped[name] = Skipped(name, exc.key, exc.params)
            return None
        finally:
            if self.on_step is not None:
                self.on_step(name, "done")
        setattr(out, "kpis" if name == "kpi" else name, value)
        return value

    def _kpi(self) -> pd.DataFrame:
        out, data, schedule = self.results, self.dataset, self.settings.schedule
        period, compare = out.period, out.compare
        table = kpi_module.report(
            data,
            period.start,
            period.end,
            compare=(compare.start, compare.end) if compare else None,
            targets=self.targets,
            schedule=schedule,
            comebacks=self.flags,
            previous=(period.previous().start, period.previous().end),
        )
        if period.months > 1:
            out.kpi_by_month = kpi_module.breakdown(
                data, period.start, period.end, "month", schedule, comebacks=self.flags
            )
        if len(data.stores) > 1:
            out.kpi_by_store = kpi_module.breakdown(
                data, period.start, period.end, "store", schedule
            )
        out.kpi_tables = kpi_module.tables(data, period.start, period.end, schedule)
        return table

    def _loyalty(self) -> LoyaltyResult:
        out = self.results
        out.base = build_base(self.dataset, out.as_of, self.settings.schedule)
        return score_loyalty(out.base, self.settings.loyalty)

    def _churn(self) -> ChurnResult:
        out, settings = self.results, self.settings
        value = out.loyalty.customers["clv"] if out.loyalty is not None else None
        result = analyse_churn(
            self.dataset,
            out.as_of,
            config=settings.churn,
            schedule=settings.schedule,
            model=settings.churn.model,
            base=out.base,
            clv=value,
            calibration_end=self.calibration_end,
        )
        if out.loyalty is not None:
            result.model_info["gamma_gamma"] = out.loyalty.models.get("gamma_gamma")
        return result

    def _workload(self) -> WorkloadResult:
        span = self.workload_span
        return analyse_workload(
            self.dataset,
            start=span.start,
            end=span.end,
            config=self.settings.workload,
            week=self.week,
        )

    def _lists(self) -> ListsResult:
        out, settings = self.results, self.settings
        if out.base is None:
            out.base = build_base(self.dataset, out.as_of, settings.schedule)
        return build_lists(
            self.dataset,
            out.base,
            config=settings.lists,
            schedule=settings.schedule,
            lapsed_days=settings.loyalty.lapsed_days,
            loyalty=out.loyalty,
            churn=out.churn,
            workload=out.workload,
        )

    def _report(self) -> Results:
        out = self.results
        span = out.period.year_to_date()
        # the period is the report's year to date (a calendar year, say): its KPI step made
        # the same table and the same months already, with the same targets
        same = (
            out.kpis is not None
            and out.compare is not None
            and (out.period.start, out.period.end) == (span.start, span.end)
            and (out.compare.start, out.compare.end)
            == (span.year_before().start, span.year_before().end)
        )
        return report_figures(
            self.dataset,
            out.period,
            self.settings,
            out,
            flags=self.flags,
            targets=self.targets,
            kpis=out.kpis if same else None,
            monthly=out.kpi_by_month if same else None,
            tables=out.kpi_tables if same else None,
        )


def analyse_store(
    dataset: Dataset,
    settings: Settings | None = None,
    period: Period | str | int | None = None,
    *,
    steps: Iterable[str] = ANALYSES,
    **options: Any,
) -> StoreResults:
    """Run ``steps`` (and what they need) on one store's data for ``period``.

    - ``period``: a :class:`Period`, its text (``2025``, ``2025-11``, ``A..B``) or ``None``
      for the calendar year of the last repair order. KPIs are the period's, compared with
      ``compare`` (``"prev"``: the same span a year before; ``None``: no comparison).
    - Loyalty and churn look back from ``as_of`` (default: the period's last day, or the last
      repair order's day if that is earlier: an export that stops in November is not scored as
      if December had passed without visits). The day is included whole.
    - The workload models ``workload_span`` (default: the twelve months to the period's end)
      and, given ``week`` (a date), the capacity board of that week's free hours.
    - The report's figures are the period's year to date, citing the steps above.

    ``options``: ``as_of``, ``compare``, ``workload_span``, ``week``, ``calibration_end``,
    ``store``, ``targets`` (a parsed targets table instead of the settings' file),
    ``on_step`` (called with the step and ``"start"`` / ``"done"`` around each step).
    """
    return StorePipeline(dataset, settings, period, **options).run(steps)


def report_figures(
    dataset: Dataset,
    period: Period,
    settings: Settings,
    results: StoreResults,
    *,
    flags: pd.Series | None = None,
    targets: Mapping[str, Any] | None = None,
    kpis: pd.DataFrame | None = None,
    monthly: pd.DataFrame | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> Results:
    """The year-end report's figures: the KPIs of the period's year to date against the same
    span ``compare_years`` years before, month by month, by RO type and by person, citing the
    store's loyalty, churn and workload results (``None`` where a step was skipped).
    ``kpis``, ``monthly`` and ``tables`` (pay mix, visit frequency, retention ladder): that
    year to date's KPI table, monthly breakdown and KPI tables, when the caller has them
    already (the pipeline's KPI step, for a calendar year)."""
    span = period.year_to_date()
    year, start, end = span.year, span.start, span.end
    ros = dataset.repair_orders
    if not span.contains(ros["open_time"]).any():
        raise InputError(
            "report_no_year",
            year=year,
            first=f"{ros['open_time'].min():%Y-%m-%d}",
            last=f"{ros['open_time'].max():%Y-%m-%d}",
        )
    schedule = settings.schedule
    flags = flags if flags is not None else kpi_module.comeback_flags(ros, schedule)
    back = pd.DateOffset(years=1)
    if kpis is None:
        kpis = kpi_module.report(
            dataset,
            start,
            end,
            compare=(start - back, end - back),
            targets=dict(targets or {}),
            comebacks=flags,
            schedule=schedule,
            previous=(span.previous().start, span.previous().end),
        )
    first = ros["open_time"].min()
    earlier: dict[int, dict[str, float | None]] = {
        year - 1: dict(zip(kpis["kpi"], kpis["compared"], strict=True))
    }
    monthly_earlier: dict[int, pd.DataFrame] = {}
    for years_back in range(1, settings.report.compare_years + 1):
        y = year - years_back
        whole = Period.of_year(y)
        if pd.isna(first) or whole.end < first:
            break
        if years_back > 1:
            values = kpi_module.compute(dataset, whole.start, whole.end, schedule, comebacks=flags)
            earlier[y] = {k: values[k].value for k in kpi_module.KPI_IDS}
            if kpi_module.coverage_gap(dataset, whole.start, whole.end) is not None:
                earlier[y] = dict.fromkeys(kpi_module.KPI_IDS)  # part of a year: no figures
        monthly_earlier[y] = kpi_module.breakdown(
            dataset, whole.start, whole.end, "month", schedule, comebacks=flags
        )
    policies = dataset.tables.get("insurance_policies")
    next_year = None
    if policies is not None and len(policies):
        next_year = int(Period.of_year(year + 1).contains(policies["end_date"]).sum())

    def by(what: str) -> pd.DataFrame:
        return kpi_module.breakdown(dataset, start, end, what, schedule, comebacks=flags)

    tables = tables or kpi_module.tables(dataset, start, end, schedule)

    return Results(
        year,
        kpis,
        monthly if monthly is not None else by("month"),
        monthly_earlier.get(year - 1, pd.DataFrame()),
        results.loyalty,
        results.churn,
        results.workload,
        settings.report.store_name or results.store,
        earlier,
        monthly_earlier,
        by("ro_type"),
        by("technician"),
        by("advisor"),
        next_year,
        skipped={k: v for k, v in results.skipped.items() if k != "report"},
        coverage=kpi_module.coverage_gap(dataset, start, end),
        data_span=(ros["open_time"].min(), ros["open_time"].max()),
        departed=_departed(dataset, end),
        span=(start, end),
        lists=results.lists,
        pay_mix=tables["pay_mix"],
        visit_frequency=tables["visit_frequency"],
        ladder=tables["retention_ladder"],
    )


def _departed(dataset: Dataset, end: pd.Timestamp) -> frozenset[str]:
    """Names on the staff table who left on or before ``end``."""
    staff = dataset.tables.get("staff")
    if staff is None or staff.empty or "leave_date" not in staff:
        return frozenset()
    gone = staff[staff["leave_date"].notna() & (staff["leave_date"] <= end)]
    return frozenset(gone["name"].astype(str))


def check_period(dataset: Dataset, period: Period, option: str = "year") -> None:
    """A usage error when no repair order was opened in ``period`` (a typo in the year, an
    export that does not reach it), naming the span the exports cover."""
    ros = dataset.tables.get("repair_orders")
    if ros is None or ros.empty:
        raise no_repair_orders(dataset)
    if not period.contains(ros["open_time"]).any():
        raise UsageError(
            "bad_option",
            option=option,
            reason=Message(
                "rs_no_ro_in_period",
                {"period": period.label, **opened_span(ros)},
            ),
        )


def check_as_of(dataset: Dataset, day: object | None, option: str = "as_of") -> None:
    """A usage error when the analyses would look back from a day before the first repair
    order (a typo in the year): nothing to score from it."""
    ros = dataset.tables.get("repair_orders")
    if day is None or ros is None or ros.empty:
        return
    moment = AsOf.parse(day).day
    if moment < ros["open_time"].min().normalize():
        raise UsageError(
            "bad_option",
            option=option,
            reason=Message("rs_before_data", {"day": f"{moment:%Y-%m-%d}", **opened_span(ros)}),
        )


def analyse_group(
    dataset: Dataset,
    settings: Settings | None = None,
    period: Period | str | int | None = None,
    *,
    steps: Iterable[str] = ANALYSES,
    **options: Any,
) -> GroupResults:
    """Each store of a dataset with a store column on its own (:func:`analyse_store`), and
    the group's KPIs over all of them."""
    settings = settings or load_settings()
    period_ = _as_period(period, dataset)
    stores: dict[str, StoreResults] = {}
    for store in dataset.stores:
        part = dataset.for_store(store)
        # each store's report is titled with the store (the group's name is the group's)
        own = replace(settings, report=replace(settings.report, store_name=store))
        stores[store] = analyse_store(part, own, period_, steps=steps, store=store, **options)
    kpis = by_store = None
    if "kpi" in _expand(steps) or "report" in steps:
        whole = analyse_store(
            dataset, settings, period_, steps=("kpi",), targets=options.get("targets")
        )
        kpis, by_store = whole.kpis, whole.kpi_by_store
    return GroupResults(period_, stores, kpis, by_store)


def analyse(
    dataset: Dataset,
    settings: Settings | None = None,
    period: Period | str | int | None = None,
    **options: Any,
) -> StoreResults:
    """The notebook entry point: :func:`analyse_store` (see there)."""
    return analyse_store(dataset, settings, period, **options)
