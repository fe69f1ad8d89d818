"""Settings: one frozen dataclass per section of ``fours.toml``, loaded by one function.

Each setting has one name: the field here, its TOML key and its command-line flag
(``target_wait_minutes`` = ``[workload] target_wait_minutes`` = ``--target-wait-minutes``),
with its unit in the name. :func:`load_settings` reads the file, checks every key and type
(an unknown key or a value of the wrong type is a one-line error naming the key and the
file), resolves relative paths against the file's folder, and applies the overrides the
caller passes (the command line: only what the user typed). Every command and ``fours run``
get their settings from it, so the same file means the same thing everywhere.

Sections: ``lang`` (top level), ``[ingest]`` (+ ``[ingest.headers]``), ``[schedule]``,
``[loyalty]``, ``[churn]``, ``[workload]``, ``[report]``, ``[privacy]``, ``[run]``. A command's
own options that are not settings (``out``, ``format``, ...) may also stand in the table of
that command (``[validate] format = "json"``); :data:`COMMAND_KEYS` lists them.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Union, get_args, get_origin, get_type_hints

import numpy as np

from .dataset import IngestOptions
from .errors import ConfigError, UsageError
from .i18n import Message

LANGS = ("zh", "en")
HOURS = 168  # hours of the week, 0 = Monday 00:00
STEPS = ("validate", "kpi", "loyalty", "churn", "workload", "lists", "report")
REPORT_FORMATS = ("html", "pptx", "md")
LOYALTY_COMPONENTS = ("frequency", "schedule", "spend", "appointment", "insurance", "csi", "no_bad")
DEFAULT_WEIGHTS = MappingProxyType(
    {
        "frequency": 0.25,
        "schedule": 0.20,
        "spend": 0.20,
        "appointment": 0.10,
        "insurance": 0.10,
        "csi": 0.10,
        "no_bad": 0.05,
    }
)
CHURN_MODELS = ("bgnbd", "schedule", "supervised")


def _bad(section: str, key: str, reason: Message) -> ConfigError:
    return ConfigError("bad_option", option=f"{section}.{key}", reason=reason)


def _at_least(section: str, obj: object, minimum: float, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None and value < minimum:
            raise _bad(section, name, Message("rs_at_least", {"value": value, "minimum": minimum}))


@dataclass(frozen=True)
class Schedule:
    """``[schedule]``: the brand's service schedule and the trade's thresholds."""

    service_km: float = 7500.0
    service_months: float = 12.0
    warranty_years: float = 3.0
    comeback_days: int = 30  # a repair back within this many days after delivery
    long_wait_hours: float = 1.0  # open -> completed beyond the flag hours: waiting
    high_price_ratio: float = 1.15  # bill against the same model and RO type
    low_csi: float = 0.6  # normalised score at or below this is a low score
    on_schedule_slack: float = 1.3  # a gap up to this times the interval is on schedule
    # a new car's first service (首保) falls due this many months after sale; no first service
    # this many months after sale is 首保流失 (DOMAIN: 12), and 首保率 counts within it
    first_service_months: float = 6.0
    first_service_lost_months: float = 12.0

    def __post_init__(self) -> None:
        if self.first_service_months > self.first_service_lost_months:
            raise _bad(
                "schedule",
                "first_service_months",
                Message(
                    "rs_at_most_other",
                    {"other": f"first_service_lost_months ({self.first_service_lost_months:g})"},
                ),
            )
        _at_least("schedule", self, 0, "comeback_days", "long_wait_hours", "low_csi")
        _at_least(
            "schedule",
            self,
            1e-9,
            "service_km",
            "service_months",
            "warranty_years",
            "high_price_ratio",
            "on_schedule_slack",
            "first_service_months",
        )


@dataclass(frozen=True)
class LoyaltyConfig:
    """``[loyalty]``: the score's weights and tier thresholds, the invitation list."""

    weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    core_score: float = 75.0
    regular_score: float = 55.0
    at_risk_overdue_ratio: float = 1.5  # days since last visit over the personal interval
    lapsed_days: int = 365  # DOMAIN: 12-24 months lapsing (基础流失), over 24 lost (流失)
    expected_visits_per_year: float = 2.0
    clv_months: int = 36
    annual_discount: float = 0.10
    top_n: int = 100  # the invitation list's length

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise ConfigError(
                "bad_option",
                option="loyalty.weights",
                reason=Message(
                    "rs_unknown_parts",
                    {"unknown": ", ".join(sorted(unknown)), "known": ", ".join(DEFAULT_WEIGHTS)},
                ),
            )
        if any(w < 0 for w in self.weights.values()) or not sum(self.weights.values()) > 0:
            raise ConfigError(
                "bad_option",
                option="loyalty.weights",
                reason=Message("rs_weights"),
            )
        if not self.core_score > self.regular_score:
            raise _bad(
                "loyalty", "core_score", Message("rs_above_other", {"other": "regular_score"})
            )
        _at_least("loyalty", self, 1, "top_n", "lapsed_days", "clv_months")
        _at_least("loyalty", self, 0, "annual_discount", "at_risk_overdue_ratio")


@dataclass(frozen=True)
class ChurnConfig:
    """``[churn]``: what leaving means, the models and the lists."""

    horizon_days: int = 365
    eligible_days: int = 730  # customers seen this recently are scored
    lapsing_days: int = 365  # DOMAIN: 12-24 months since the last visit: lapsing (基础流失)
    lost_days: int = 730  # over 24 months: lost (流失)
    training_cutoffs: int = 4  # labelled snapshots for the supervised and schedule models
    cutoff_step_days: int = 91
    overdue_reason_days: int = 30
    old_vehicle_years: float = 6.0
    min_customers: int = 200
    winback_min_probability: float = 0.3
    model: str | None = None  # bgnbd | schedule | supervised (default: the backtest's best)
    # false: the named model scores without the backtest that picks and checks one (quicker
    # weekly lists; nothing validated in the run, which says so)
    backtest: bool = True

    def __post_init__(self) -> None:
        _at_least(
            "churn",
            self,
            1,
            "horizon_days",
            "eligible_days",
            "lapsing_days",
            "lost_days",
            "training_cutoffs",
            "cutoff_step_days",
        )
        _at_least(
            "churn",
            self,
            0,
            "overdue_reason_days",
            "old_vehicle_years",
            "min_customers",
            "winback_min_probability",
        )
        if self.lost_days < self.lapsing_days:
            raise _bad(
                "churn", "lost_days", Message("rs_at_least_other", {"other": "lapsing_days"})
            )
        if self.model is not None and self.model not in CHURN_MODELS:
            raise _bad("churn", "model", _not_one_of(self.model, CHURN_MODELS))
        if not self.backtest and self.model is None:
            raise _bad("churn", "backtest", Message("rs_backtest_needs_model"))


@dataclass(frozen=True)
class WorkloadConfig:
    """``[workload]``: opening hours, targets and the simulation."""

    open_hour: int = 8
    close_hour: int = 18
    open_days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)  # Monday = 0
    target_wait_minutes: float = 30.0
    target_utilisation: float = 0.85
    schedulable_walk_in_share: float = 0.3  # walk-ins that would take an appointment
    growth: float = 0.1
    technicians: int | None = None  # default: technicians seen at work, per weekday
    bays: int | None = None
    replications: int = 10
    weeks_simulated: int = 8
    seed: int = 0
    max_duration_hours: float = 72.0  # longer open -> completed is not a workshop stay
    shift_change_hour: int = 13  # morning shift until, afternoon shift from this hour

    def __post_init__(self) -> None:
        object.__setattr__(self, "open_days", tuple(self.open_days))
        if not 0 <= self.open_hour < self.close_hour <= 24:
            raise _bad("workload", "open_hour", Message("rs_open_hours"))
        if not self.open_days or any(not 0 <= d <= 6 for d in self.open_days):
            raise _bad("workload", "open_days", Message("rs_open_days"))
        if not 0 < self.target_utilisation <= 1:
            raise _bad("workload", "target_utilisation", Message("rs_above_zero_to_one"))
        if not 0 <= self.schedulable_walk_in_share <= 1:
            raise _bad("workload", "schedulable_walk_in_share", _between(0, 1))
        if self.growth <= -1:
            raise _bad("workload", "growth", Message("rs_above_minus_one"))
        _at_least(
            "workload",
            self,
            1,
            "target_wait_minutes",
            "technicians",
            "bays",
            "replications",
            "weeks_simulated",
            "max_duration_hours",
        )

    @property
    def open_mask(self) -> np.ndarray:
        mask = np.zeros(HOURS, dtype=bool)
        for day in self.open_days:
            mask[day * 24 + self.open_hour : day * 24 + self.close_hour] = True
        return mask


@dataclass(frozen=True)
class ListsConfig:
    """``[lists]``: the call lists the advisors and the customer-care desk work from."""

    weeks: int = 4  # service_due: services falling due within this many weeks
    # service_due: overdue by more than this, a customer is for the win-back list instead
    overdue_days: int = 90
    renewal_days: tuple[int, ...] = (30, 60, 90)  # renewal_due: policies ending within, banded
    declined_days: int = 180  # declined: work declined within this many days before the as-of
    event_date: str | None = None  # events: the invitation list for this day (default: +14 days)
    event_size: int = 200  # events: how many to invite
    # lists.xlsx holds each list's first this many rows, the calls most worth making (0: every
    # row); the CSVs always hold every row. A sheet of 60,000 rows is not worked through in a
    # week, and writing one cell at a time costs about 12 s a million cells
    workbook_rows: int = 5000

    def __post_init__(self) -> None:
        object.__setattr__(self, "renewal_days", tuple(sorted(self.renewal_days)))
        if not self.renewal_days:
            raise _bad("lists", "renewal_days", Message("rs_at_least", {"value": 0, "minimum": 1}))
        for days in self.renewal_days:
            if days < 1:
                raise _bad(
                    "lists", "renewal_days", Message("rs_at_least", {"value": days, "minimum": 1})
                )
        _at_least("lists", self, 1, "weeks", "declined_days", "event_size")
        _at_least("lists", self, 0, "overdue_days", "workbook_rows")
        if self.event_date is not None:
            import pandas as pd

            try:
                if pd.isna(pd.Timestamp(self.event_date)):
                    raise ValueError(self.event_date)
            except (ValueError, TypeError):
                raise _bad(
                    "lists", "event_date", Message("rs_not_date", {"value": self.event_date})
                ) from None


@dataclass(frozen=True)
class KpiSettings:
    """``[kpi]``: the KPIs' targets (the KPI table, the report and the pack use them)."""

    targets: str | None = None  # TOML file of targets per KPI (and [monthly.KPI] per month)


@dataclass(frozen=True)
class ReportSettings:
    """``[report]``: the year-end report."""

    formats: tuple[str, ...] = REPORT_FORMATS
    store_name: str = ""  # the store's (or group's) name for the title
    presenter: str = ""  # who presents the report (the deck's title slide)
    notes: str | None = None  # TOML file of the manager's remarks
    template_dir: str | None = None  # the user's own jinja2 templates (sandboxed)
    compare_years: int = 1  # earlier years in the KPI table and the monthly charts

    def __post_init__(self) -> None:
        object.__setattr__(self, "formats", tuple(self.formats))
        bad = [f for f in self.formats if f not in REPORT_FORMATS]
        if bad or not self.formats:
            raise _bad("report", "formats", _not_among(bad, REPORT_FORMATS))
        if not 1 <= self.compare_years <= 10:
            raise _bad("report", "compare_years", Message("rs_range_to", {"low": 1, "high": 10}))


@dataclass(frozen=True)
class PrivacySettings:
    """``[privacy]``: personal data in full only when asked (masked by default)."""

    include_contact: bool = False  # full names, phones, plates, VINs in lists (0600 files)
    show_staff: bool = False  # advisors' and technicians' names in full in the report


@dataclass(frozen=True)
class RunSettings:
    """``[run]``: the unattended pack."""

    data: str = "exports"  # the folder the DMS exports are dropped into
    out: str = "packs"
    period: str = "last-month"  # last-month | last-year | YYYY | YYYY-MM | DATE..DATE
    keep: int = 12  # packs kept; older ones are deleted (0 keeps all)
    max_reject_rate: float = 0.05  # per table; above it the pack gets a banner and exit 3
    steps: tuple[str, ...] = STEPS
    keep_going: bool = False
    log_file: str | None = None
    log_format: str = "text"  # text | json
    # the stores of a group as tasks on Dask: a local cluster of this many worker processes
    # (None: one per core; 1: one store after another in the run's own process)
    workers: int | None = None
    scheduler: str | None = None  # an existing Dask cluster's address (tcp://host:8786)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        if self.workers is not None and self.workers < 1:
            raise _bad(
                "run", "workers", Message("rs_at_least", {"value": self.workers, "minimum": 1})
            )
        bad = [s for s in self.steps if s not in STEPS]
        if bad or not self.steps:
            raise _bad("run", "steps", _not_among(bad, STEPS))
        if self.log_format not in ("text", "json"):
            raise _bad("run", "log_format", Message("rs_text_or_json"))
        if not 0 <= self.max_reject_rate <= 1:
            raise _bad("run", "max_reject_rate", _between(0, 1))
        if self.keep < 0:
            raise _bad("run", "keep", Message("rs_keep"))


SECTIONS: dict[str, type] = {
    "ingest": IngestOptions,
    "schedule": Schedule,
    "loyalty": LoyaltyConfig,
    "churn": ChurnConfig,
    "workload": WorkloadConfig,
    "lists": ListsConfig,
    "kpi": KpiSettings,
    "report": ReportSettings,
    "privacy": PrivacySettings,
    "run": RunSettings,
}
# settings that are paths: relative ones in the file are taken from the file's folder
PATH_KEYS = {
    ("ingest", "cache_dir"),
    ("run", "data"),
    ("run", "out"),
    ("run", "log_file"),
    ("kpi", "targets"),
    ("report", "notes"),
    ("report", "template_dir"),
}
# old names still read, each with the setting it now is (section, key)
ALIASES: dict[tuple[str, str], tuple[str, str]] = {
    ("loyalty", "top"): ("loyalty", "top_n"),
    ("churn", "horizon"): ("churn", "horizon_days"),
    ("workload", "target_wait"): ("workload", "target_wait_minutes"),
    ("run", "include_contact"): ("privacy", "include_contact"),
    ("run", "show_staff"): ("privacy", "show_staff"),
    ("run", "report_formats"): ("report", "formats"),
    ("run", "store_name"): ("report", "store_name"),
    ("run", "targets"): ("kpi", "targets"),
    ("run", "notes"): ("report", "notes"),
    ("run", "template_dir"): ("report", "template_dir"),
    ("run", "compare_years"): ("report", "compare_years"),
}
# a command's own options (not settings) that may stand in that command's table
COMMAND_KEYS: dict[str, frozenset[str]] = {
    "validate": frozenset({"format", "rejects", "no_rejects"}),
    "loyalty": frozenset({"out", "format"}),
    "churn": frozenset({"out", "format", "calibration_end", "holdout_end"}),
    "workload": frozenset({"out", "week"}),
    "kpi": frozenset({"format", "compare", "by"}),
    "report": frozenset({"out"}),
    "lists": frozenset({"out", "format"}),
}
TOP_LEVEL = ("lang", "verbose", "quiet")


@dataclass(frozen=True)
class Settings:
    """Every setting of the toolkit, one section each (see the module's docstring)."""

    lang: str | None = None  # zh | en; None: from the locale
    ingest: IngestOptions = field(default_factory=IngestOptions)
    schedule: Schedule = field(default_factory=Schedule)
    loyalty: LoyaltyConfig = field(default_factory=LoyaltyConfig)
    churn: ChurnConfig = field(default_factory=ChurnConfig)
    workload: WorkloadConfig = field(default_factory=WorkloadConfig)
    lists: ListsConfig = field(default_factory=ListsConfig)
    kpi: KpiSettings = field(default_factory=KpiSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    run: RunSettings = field(default_factory=RunSettings)
    verbose: int = 0
    quiet: bool = False
    source: str = ""  # the config file read ("" for none)
    # [validate], [loyalty], ... keys that are a command's own options (see COMMAND_KEYS)
    command_defaults: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> Settings:
        """A copy with ``{section: {key: value}}`` applied; ``None`` values are skipped (an
        option the user did not type). A bad value is a :class:`UsageError` naming the
        setting (the command line says which flag)."""
        changed: dict[str, Any] = {}
        for name, values in overrides.items():
            given = {k: v for k, v in values.items() if v is not None}
            if not given:
                continue
            if name not in SECTIONS:
                raise UsageError("bad_option", option=name, reason=Message("rs_no_section"))
            cls = SECTIONS[name]
            known = {f.name for f in fields(cls)}
            hints = get_type_hints(cls)
            for key, value in given.items():
                if key not in known:
                    raise UsageError(
                        "bad_option",
                        option=key,
                        reason=Message("rs_not_setting", {"section": name}),
                    )
                wrong = _wrong_type(value, hints[key])
                if wrong:
                    raise UsageError(
                        "bad_option",
                        option=key,
                        reason=Message("rs_value_why", {"value": repr(value), "why": wrong}),
                    )
            try:
                changed[name] = cls(**{**_values(getattr(self, name)), **given})
            except ConfigError as exc:  # a range or a choice
                option = str(exc.params.get("option", name)).split(".")[-1]
                raise UsageError(
                    "bad_option", option=option, reason=exc.params.get("reason", str(exc))
                ) from None
        return replace(self, **changed) if changed else self


def _values(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def read_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("bad_config", path=path, reason=Message("rs_file_not_found")) from None
    except IsADirectoryError:
        raise ConfigError("bad_config", path=path, reason=Message("rs_a_folder")) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            "bad_config", path=path, reason=Message("rs_not_toml", {"detail": str(exc)})
        ) from None
    except UnicodeDecodeError:
        raise ConfigError("bad_config", path=path, reason=Message("rs_not_utf8")) from None
    except OSError as exc:
        raise ConfigError("bad_config", path=path, reason=exc.strerror or str(exc)) from None


def _unknown_key(path: str | Path, section: str, key: str, known: list[str]) -> ConfigError:
    """``[section]`` has no ``key``: the error naming the file, with a "did you mean"."""
    return ConfigError(
        "bad_config",
        path=path,
        reason=Message(
            "rs_no_key",
            {
                "section": section,
                "field": key,
                "hint": _did_you_mean(key, known),
                "known": ", ".join(known),
            },
        ),
    )


NOTE_PARTS = ("review", "experience", "plans")  # the report's three parts


def read_notes(path: str | Path) -> dict[str, str]:
    """The manager's remarks for the report: ``review``, ``experience`` and ``plans`` as
    text; any other key (a typo would silently drop a remark) or a value that is not text is
    an error naming the file and the key."""
    notes = read_toml(path)
    for key, value in notes.items():
        if key not in NOTE_PARTS:
            raise _unknown_key(path, "notes", key, list(NOTE_PARTS))
        if not isinstance(value, str):
            raise ConfigError(
                "bad_config",
                path=path,
                reason=_setting_why(
                    "notes", key, value, Message("rs_must_be", {"expected": Message("ty_str")})
                ),
            )
    return dict(notes)


def read_targets(path: str | Path, known: Iterable[str]) -> dict[str, Any]:
    """A KPI targets file (``revenue = 6000000``, optionally under ``[targets]``, and
    ``[targets.monthly.revenue]`` with ``"2025-01" = 450000``), every key and value checked:
    a KPI id not among ``known`` (a typo would silently mean no target) or a value that is
    not a number is an error naming the file and the key."""
    data = read_toml(path)
    targets = data.get("targets", data)
    ids = sorted(known)

    def refuse(section: str, key: str, value: Any, why: Message) -> ConfigError:
        return ConfigError("bad_config", path=path, reason=_setting_why(section, key, value, why))

    def number(section: str, key: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise refuse(
                section, key, value, Message("rs_must_be", {"expected": Message("ty_float")})
            )
        if not math.isfinite(value):
            raise refuse(section, key, value, Message("rs_not_finite"))

    def kpi_id(section: str, key: str) -> None:
        if key not in ids:
            raise _unknown_key(path, section, key, ids)

    if not isinstance(targets, dict):
        raise ConfigError(
            "bad_config", path=path, reason=Message("rs_must_be_table", {"field": "targets"})
        )
    for key, value in targets.items():
        if key == "monthly":
            if not isinstance(value, dict):
                raise ConfigError(
                    "bad_config",
                    path=path,
                    reason=Message("rs_must_be_table", {"field": "monthly"}),
                )
            for kpi, months in value.items():
                kpi_id("targets.monthly", kpi)
                if not isinstance(months, dict):
                    raise ConfigError(
                        "bad_config",
                        path=path,
                        reason=Message("rs_must_be_table", {"field": f"monthly.{kpi}"}),
                    )
                for month, target in months.items():
                    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(month)):
                        raise refuse(
                            f"targets.monthly.{kpi}",
                            str(month),
                            target,
                            Message("rs_month_key"),
                        )
                    number(f"targets.monthly.{kpi}", str(month), target)
            continue
        kpi_id("targets", key)
        number("targets", key, value)
    return dict(targets)


def read_mapping(path: str | Path) -> dict[str, str]:
    """A header mapping file: ``"客户名" = "customer_name"`` lines, optionally under
    ``[headers]``."""
    data = read_toml(path)
    headers = data.get("headers", data)
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise ConfigError("bad_config", path=path, reason=Message("rs_mapping_lines"))
    return dict(headers)


def _did_you_mean(word: str, choices: list[str]) -> Message | str:
    close = difflib.get_close_matches(word, choices, n=1)
    return Message("rs_did_you_mean", {"word": close[0]}) if close else ""


def _between(low: float, high: float) -> Message:
    return Message("rs_between", {"low": low, "high": high})


def _not_one_of(value: object, choices: tuple[str, ...] | list[str]) -> Message:
    return Message("rs_not_one_of", {"value": value, "choices": ", ".join(choices)})


def _not_among(values: list[str], choices: tuple[str, ...]) -> Message:
    return Message("rs_not_among", {"value": ", ".join(values), "choices": ", ".join(choices)})


def _setting_why(section: str, key: str, value: Any, why: Message) -> Message:
    """``[section] key = value`` and why it is refused."""
    return Message(
        "rs_setting_why", {"section": section, "field": key, "value": repr(value), "why": why}
    )


def _check_section(
    name: str,
    values: Mapping[str, Any],
    path: str | Path,
    cls: type,
    extra: frozenset[str] = frozenset(),
) -> None:
    known = [f.name for f in fields(cls)]
    for key in values:
        if key not in known and key not in extra:
            raise _unknown_key(path, name, key, sorted({*known, *extra}))
    hints = get_type_hints(cls)
    for key, value in values.items():
        wrong = _wrong_type(value, hints[key]) if key in hints else None
        if wrong:
            raise ConfigError("bad_config", path=path, reason=_setting_why(name, key, value, wrong))


def _wrong_type(value: Any, hint: Any) -> Message | None:
    """What is wrong with a value's type for a field ("must be a whole number"), or None."""
    if _fits(value, hint):
        return None
    if hint is bool:
        return Message("rs_must_be_bool")
    if isinstance(value, float) and not math.isfinite(value):
        return Message("rs_not_finite")
    return Message("rs_must_be", {"expected": _type_name(hint)})


def _build(cls: type, values: dict[str, Any], path: str | Path, name: str) -> Any:
    try:
        return cls(**values)
    except ConfigError as exc:  # a range or choice: say which file
        raise ConfigError("bad_config", path=path, reason=_option_why(exc)) from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            "bad_config", path=path, reason=Message("rs_section_why", {"section": name, "why": exc})
        ) from None


def _option_why(exc: ConfigError | UsageError) -> Message | str:
    """A ``bad_option`` error's option and reason, to be said inside another message."""
    if exc.key == "bad_option":
        return Message(
            "rs_option_why", {"option": exc.params["option"], "why": exc.params["reason"]}
        )
    return exc.render("en").rstrip(".")


def load_settings(
    path: str | Path | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    data: Mapping[str, Any] | None = None,
) -> Settings:
    """The settings of a TOML file (or of ``data``, a parsed one; or the defaults), with
    ``overrides`` (``{section: {key: value}}``, ``None`` values skipped) applied last."""
    source = str(path) if path is not None else ""
    raw: dict[str, Any] = (
        dict(data) if data is not None else (read_toml(path) if path is not None else {})
    )
    where = source or "config"
    base_dir = Path(path).parent if path is not None else None
    tables: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    command_defaults: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for key, value in raw.items():
        if key in TOP_LEVEL:
            top[key] = value
        elif key in SECTIONS or key in COMMAND_KEYS:
            if not isinstance(value, dict):
                raise ConfigError(
                    "bad_config", path=where, reason=Message("rs_must_be_table", {"field": key})
                )
        else:
            raise ConfigError(
                "bad_config",
                path=where,
                reason=Message(
                    "rs_unknown_table",
                    {
                        "field": key,
                        "hint": _did_you_mean(key, [*TOP_LEVEL, *SECTIONS, *COMMAND_KEYS]),
                        "tables": ", ".join(sorted({*SECTIONS, *COMMAND_KEYS})),
                    },
                ),
            )
    for name, table in raw.items():
        if not isinstance(table, dict) or name in TOP_LEVEL:  # `lang = {…}`: said below
            continue
        for key, value in table.items():
            if (name, key) in ALIASES:
                section, new = ALIASES[(name, key)]
                if new in raw.get(section, {}) or new in tables[section]:
                    raise ConfigError(
                        "bad_config",
                        path=where,
                        reason=Message(
                            "rs_old_name",
                            {"name": name, "field": key, "section": section, "new": new},
                        ),
                    )
                value = _alias_value(name, key, value, where)
                hint = get_type_hints(SECTIONS[section]).get(new)
                wrong = _wrong_type(value, hint) if hint is not None else None
                if wrong:  # said with the name written
                    raise ConfigError(
                        "bad_config", path=where, reason=_setting_why(name, key, value, wrong)
                    )
                tables[section][new] = value
            elif (
                name in COMMAND_KEYS
                and key in COMMAND_KEYS[name]
                and (name not in SECTIONS or key not in {f.name for f in fields(SECTIONS[name])})
            ):
                command_defaults.setdefault(name, {})[key] = value
            elif name in SECTIONS:
                tables[name][key] = value
            else:
                raise ConfigError(
                    "bad_config",
                    path=where,
                    reason=Message(
                        "rs_no_key",
                        {
                            "section": name,
                            "field": key,
                            "hint": _did_you_mean(key, sorted(COMMAND_KEYS[name])),
                            "known": ", ".join(sorted(COMMAND_KEYS[name])),
                        },
                    ),
                )
    if "lang" in top and top["lang"] not in LANGS:
        raise ConfigError(
            "bad_config",
            path=where,
            reason=Message(
                "rs_top_why",
                {
                    "field": "lang",
                    "value": repr(top["lang"]),
                    "why": Message("rs_one_of", {"choices": ", ".join(LANGS)}),
                },
            ),
        )
    for flag, kind in (("verbose", int), ("quiet", bool)):
        if flag in top and not (
            isinstance(top[flag], kind) and (kind is bool or not isinstance(top[flag], bool))
        ):
            raise ConfigError(
                "bad_config",
                path=where,
                reason=Message(
                    "rs_top_why",
                    {
                        "field": flag,
                        "value": repr(top[flag]),
                        "why": Message("rs_must_be", {"expected": Message("ty_bool")})
                        if kind is bool
                        else Message("rs_must_be", {"expected": Message("ty_int")}),
                    },
                ),
            )
    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        values = tables[name]
        if name == "ingest":
            values = dict(values)
            headers = values.get("headers", {})
            if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
            ):
                raise ConfigError(
                    "bad_config",
                    path=where,
                    reason=Message("rs_headers_lines"),
                )
        _check_section(name, values, where, cls)
        if base_dir is not None:
            for key in list(values):
                if (name, key) in PATH_KEYS and values[key] and not Path(values[key]).is_absolute():
                    values[key] = str(base_dir / values[key])
        sections[name] = _build(cls, values, where, name)
    settings = Settings(
        lang=top.get("lang"),
        verbose=int(top.get("verbose", 0)),
        quiet=bool(top.get("quiet", False)),
        source=source,
        command_defaults=MappingProxyType(
            {k: MappingProxyType(v) for k, v in command_defaults.items()}
        ),
        **sections,
    )
    return settings.with_overrides(overrides or {})


def _alias_value(section: str, key: str, value: Any, where: str) -> Any:
    if (section, key) == ("churn", "horizon"):
        from .timeframe import parse_days

        try:
            return parse_days(value, "[churn] horizon")
        except UsageError as exc:  # said as a config error of this file
            raise ConfigError("bad_config", path=where, reason=_option_why(exc)) from None
    return value


def ingest_options(
    settings: Settings,
    *,
    mapping: str | Path | None = None,
    date_order: str | None = None,
    tables: dict[str, str] | None = None,
    cache_dir: str | Path | None = None,
) -> IngestOptions:
    """The settings' ``[ingest]`` with the command line's ``--mapping``, ``--date-order``,
    ``--table`` and ``--cache-dir`` on top."""
    options = settings.ingest
    changes: dict[str, Any] = {}
    if cache_dir:  # from the folder it was typed in (a config's: from the config's folder)
        changes["cache_dir"] = str(Path(cache_dir).absolute())
    if mapping:
        changes["headers"] = {**options.headers, **read_mapping(mapping)}
    if date_order:
        changes["date_order"] = date_order
    if tables:
        changes["tables"] = {**options.tables, **tables}
    return replace(options, **changes) if changes else options


def _fits(value: Any, hint: Any) -> bool:
    """Whether a TOML value has the type a settings field declares: a boolean is only
    ``true``/``false`` (never the string "false", which Python would take as true), a whole
    number is not a boolean, a decimal may be written as a whole number."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return value is None or any(_fits(value, a) for a in get_args(hint) if a is not type(None))
    if hint is Any:
        return True
    if hint is bool:
        return isinstance(value, bool | np.bool_)
    if hint is int:
        return isinstance(value, int | np.integer) and not isinstance(value, bool)
    if hint is float:  # TOML has nan and inf: no threshold or rate is either
        return (
            isinstance(value, int | float | np.number)
            and not isinstance(value, bool)
            and math.isfinite(value)
        )
    if hint is str:
        return isinstance(value, str)
    if origin in (list, tuple):
        args = [a for a in get_args(hint) if a is not Ellipsis]
        return (
            isinstance(value, list | tuple) and all(_fits(v, args[0]) for v in value)
            if args
            else isinstance(value, list | tuple)
        )
    if origin in (dict, Mapping) or hint is dict:
        kv = get_args(hint)
        return isinstance(value, Mapping) and (
            not kv or all(_fits(k, kv[0]) and _fits(v, kv[1]) for k, v in value.items())
        )
    return True  # a type this check does not know: the dataclass decides


_TYPE_WORDS = {bool: "ty_bool", int: "ty_int", float: "ty_float", str: "ty_str"}


def _type_name(hint: Any) -> Message | str:
    """A field's type in words ("a whole number"), said in the user's language."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        names = [_type_name(a) for a in get_args(hint) if a is not type(None)]
        said: Message | str = names[0]
        for name in names[1:]:
            said = Message("ty_or", {"a": said, "b": name})
        return said
    if origin in (list, tuple):
        args = [a for a in get_args(hint) if a is not Ellipsis]
        if not args:
            return Message("ty_list")
        if args[0] in (str, int, float):
            return Message(f"ty_list_{args[0].__name__}")
        return Message("ty_list_of", {"items": _type_name(args[0])})
    if origin in (dict, Mapping):
        return Message("ty_table")
    if hint in _TYPE_WORDS:
        return Message(_TYPE_WORDS[hint])
    return getattr(hint, "__name__", str(hint))


def as_plain(value: Any) -> Any:
    """Settings as plain data (dicts, lists, numbers, text) for JSON: the pack's manifest."""
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        return {f.name: as_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): as_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_plain(v) for v in value]
    return value
