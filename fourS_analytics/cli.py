"""The ``fours`` command line: parse options, call one library function, print the result.

Errors of the library (:class:`~fourS_analytics.errors.FoursError`) become a one-line
``Error: …`` in the user's language and an exit code here, in :class:`FoursGroup`, and
nowhere else. Exit codes: 0 ok, 1 bad data or missing file, 2 bad usage or config.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
import pandas as pd

from . import __version__
from .config import ingest_options, read_toml
from .dataset import DATE_ORDERS, Dataset
from .errors import FoursError, InputError, UsageError
from .i18n import default_language, t
from .ingest import load
from .render import problems_frame, text_table, validation_text

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass
class State:
    """What the group's options and the config file set for every command."""

    lang: str = "en"
    verbose: int = 0
    quiet: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    config_path: str = "config"

    def say(self, message: str = "", *, err: bool = False) -> None:
        if not self.quiet:
            click.echo(message, err=err)


class _CodedError(click.ClickException):
    """A ClickException with the exit code of the library error it reports."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code  # type: ignore[misc]


class FoursGroup(click.Group):
    """Maps the library's errors to one ``Error:`` line and an exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FoursError as exc:
            state = ctx.obj if isinstance(ctx.obj, State) else State()
            raise _CodedError(exc.render(state.lang), exc.exit_code) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt,
                BrokenPipeError):
            raise
        except Exception as exc:  # a bug: one line, the traceback only with -v
            state = ctx.obj if isinstance(ctx.obj, State) else State()
            if state.verbose:
                traceback.print_exc()
            error = click.ClickException(
                f"internal error ({type(exc).__name__}: {exc}). Please report it; "
                "run with -v for the traceback.")
            raise error from None


def _state(ctx: click.Context) -> State:
    return ctx.ensure_object(State)


@click.group(cls=FoursGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="fours")
@click.option("--lang", type=click.Choice(["zh", "en"]),
              help="Language of messages and labels (default: config, else the locale).")
@click.option("-v", "--verbose", count=True, help="More detail; -v shows tracebacks of bugs.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="TOML config; every option has a key there, flags override it.")
@click.pass_context
def cli(ctx: click.Context, lang: str | None, verbose: int, quiet: bool,
        config_path: str | None) -> None:
    """fourS_analytics: aftersales analytics for 4S dealerships from DMS exports.

    \b
    Example:
      fours validate exports/            # read and check every export in a folder
      fours --lang en demo -o fours_demo # run everything on the embedded sample store
    """
    config = read_toml(config_path) if config_path else {}
    state = State(lang=lang or config.get("lang") or default_language(),
                  verbose=verbose or int(config.get("verbose", 0)),
                  quiet=quiet or bool(config.get("quiet", False)),
                  config=config, config_path=config_path or "config")
    ctx.obj = state
    ctx.default_map = {name: value for name, value in config.items()
                       if isinstance(value, dict) and name in cli.commands and name != "run"}


# --------------------------------------------------------------------------- shared options
def output_format(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format`` with the given choices (the first is the default).

    Parameters are named as their flags so that config keys equal option names.
    """
    return click.option("--format", "format", type=click.Choice(list(choices)),
                        default=choices[0], show_default=True, help="Output format.")


def ingest_flags(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command that reads exports shares."""
    func = click.option("--table", "table", multiple=True, metavar="TABLE=FILE",
                        help="Say which table a file holds (repair_orders, appointments, "
                             "insurance_policies, csi_surveys, staff).")(func)
    func = click.option("--mapping", type=click.Path(exists=True, dir_okay=False),
                        help="TOML file mapping unknown headers to canonical columns.")(func)
    func = click.option("--date-order", type=click.Choice(list(DATE_ORDERS)), default=None,
                        help="For dates such as 03/05/2025: day/month or month/day "
                             "(default: decided per column).")(func)
    return func


def data_input(func: Callable[..., Any]) -> Callable[..., Any]:
    """The exports to read (PATHS), the ingest flags and --as-of: analysis commands share
    them."""
    func = click.option("--as-of", "as_of", default=None,
                        help="Analyse as of this date (default: the last repair order).")(func)
    func = ingest_flags(func)
    return click.argument("paths", nargs=-1, required=True, type=click.Path())(func)


def _parse_overrides(values: tuple[str, ...]) -> dict[str, str]:
    from .schema import TABLES

    overrides = {}
    for value in values:
        name, sep, file = value.partition("=")
        if not sep or name not in TABLES or not file:
            raise UsageError("bad_table_override", value=value, tables=", ".join(TABLES))
        overrides[file] = name
    return overrides


@contextmanager
def progress(state: State, label: str, length: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on a terminal; silent under cron or with --quiet."""
    if state.quiet or not sys.stderr.isatty():
        yield lambda _item: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda _item: bar.update(1)


def load_data(state: State, paths: tuple[str, ...], mapping: str | None,
              date_order: str | None, table_overrides: tuple[str, ...]) -> Dataset:
    options = ingest_options(state.config, mapping=mapping, date_order=date_order,
                             tables=_parse_overrides(table_overrides),
                             config_path=state.config_path)
    from .ingest import expand_paths

    files, _ = expand_paths(paths)
    with progress(state, t("progress_reading", state.lang), len(files)) as tick:
        return load(paths, options, progress=tick)


# --------------------------------------------------------------------------- validate
@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@ingest_flags
@output_format("table", "json")
@click.option("--rejects", type=click.Path(dir_okay=False), default="fours_rejects.csv",
              show_default=True, help="Where to write the row problems (rejected rows, "
                                      "conflicting duplicates, emptied values).")
@click.option("--no-rejects", is_flag=True, help="Do not write the row problems file.")
@click.option("--include-contact", is_flag=True,
              help="Full names, phones, plates and VINs in the row problems file (written "
                   "owner-only); masked by default.")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], mapping: str | None,
             date_order: str | None, table: tuple[str, ...], format: str,
             rejects: str, no_rejects: bool, include_contact: bool) -> None:
    """Read exports and account for every row: accepted, duplicate, summary or rejected.

    PATHS are export files (CSV, TXT, XLSX, XLS) and/or folders of them. Each file's
    table is recognised from its headers; the printout shows the header mapping and the
    row accounting per file and in total.

    \b
    Example:
      fours validate exports/ --rejects problems.csv
      fours validate ro.csv --table repair_orders=ro.csv --format json
    """
    state = _state(ctx)
    dataset = load_data(state, paths, mapping, date_order, table)
    rejects_path = None
    if not no_rejects and len(dataset.problems):
        from .output import write_csv

        rejects_path = write_csv(problems_frame(dataset, state.lang,
                                                include_contact=include_contact),
                                 rejects, private=True)
    if format == "json":
        payload = dataset.to_dict()
        payload["rejects_file"] = str(rejects_path) if rejects_path else None
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return
    state.say(validation_text(dataset, state.lang, verbose=state.verbose > 0))
    if rejects_path:
        state.say(t("v_rejects_written", state.lang, path=rejects_path))


# --------------------------------------------------------------------------- analyses
def _parse_days(value: str, option: str) -> int:
    """365, 365d, 52w, 12m or 1y -> days."""
    text = value.strip().lower()
    units = {"d": 1, "w": 7, "m": 30.44, "y": 365.25}
    try:
        if text[-1:] in units:
            return round(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise UsageError("bad_option", option=option,
                         reason=f"'{value}' is not a span such as 365d, 12m or 1y") from None


def _date(value: str | None, option: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except ValueError:
        raise UsageError("bad_option", option=option,
                         reason=f"'{value}' is not a date such as 2025-12-31") from None


def _option_names(ctx: click.Context, command: str | None = None) -> tuple[str, ...]:
    """The option names of a command (they may stand in its config table too)."""
    cmd = cli.commands[command] if command else ctx.command
    return tuple(p.name for p in cmd.params if p.name)


def settings_from_config(config: dict[str, Any], name: str, config_path: str) -> Any:
    """The settings of ``[loyalty]``, ``[churn]``, ``[workload]`` or ``[schedule]`` as the
    command of that name reads them (its option names may stand in the table too), for
    ``fours run``, which runs them all from one config."""
    from .churn import ChurnConfig
    from .config import section
    from .customers import Schedule
    from .loyalty import LoyaltyConfig
    from .workload import WorkloadConfig

    table = dict(config.get(name, {}) or {})
    skip = tuple(p.name for p in cli.commands[name].params if p.name) \
        if name in cli.commands else ()
    if name == "loyalty":
        return section(config, name, LoyaltyConfig, skip=skip, config_path=config_path,
                       top_n=table.get("top"))
    if name == "churn":
        days = _parse_days(str(table["horizon"]), "horizon") if "horizon" in table else None
        return section(config, name, ChurnConfig, skip=skip, config_path=config_path,
                       horizon_days=days)
    if name == "workload":
        return section(config, name, WorkloadConfig, skip=skip, config_path=config_path,
                       technicians=table.get("technicians"), bays=table.get("bays"),
                       target_wait_minutes=table.get("target_wait"),
                       target_utilisation=table.get("target_utilisation"),
                       growth=table.get("growth"))
    return section(config, name, Schedule, config_path=config_path)


def _print_written(state: State, out: str, written: dict[str, Path]) -> None:
    state.say(t("written", state.lang, path=out))
    for label, path in written.items():
        state.say(f"  {label}: {path}")


@cli.command()
@data_input
@click.option("-o", "--out", "out", default="fours_loyalty", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the outputs.")
@click.option("--top", type=click.IntRange(min=1), default=100, show_default=True,
              help="Size of the invitation list of core customers.")
@click.option("--include-contact", is_flag=True,
              help="Unmask names and phones in loyal_top.csv (written owner-only).")
@output_format("table", "json")
@click.pass_context
def loyalty(ctx: click.Context, paths: tuple[str, ...], mapping: str | None,
            date_order: str | None, table: tuple[str, ...], as_of: str | None, out: str,
            top: int, include_contact: bool, format: str) -> None:
    """Score loyalty from return visits and customer quality; list the core customers.

    Writes loyalty.csv (every customer: components, score 0-100, tier, expected visits in
    12 months, lifetime value), loyal_top.csv (the invitation list), loyalty_summary.csv,
    loyalty_model.json and two SVG charts. Contacts are masked unless --include-contact.

    \b
    Example:
      fours loyalty exports/ -o out/ --as-of 2025-12-31
      fours loyalty exports/ --top 50 --include-contact
    """
    from .config import section
    from .customers import Schedule, build
    from .loyalty import LoyaltyConfig, contacts_of, score
    from .publish import write_loyalty

    state = _state(ctx)
    settings = section(state.config, "loyalty", LoyaltyConfig, skip=_option_names(ctx),
                       config_path=state.config_path, top_n=top)
    schedule = section(state.config, "schedule", Schedule, config_path=state.config_path)
    data = load_data(state, paths, mapping, date_order, table)
    result = score(build(data, _date(as_of, "--as-of"), schedule), settings)
    written = write_loyalty(result, contacts_of(data.repair_orders), out, lang=state.lang,
                            top_n=top, include_contact=include_contact)
    if format == "json":
        summary = result.summary.reset_index()
        summary["tier"] = summary["tier"].astype(str)
        click.echo(json.dumps({"as_of": str(result.as_of.date()), "weights": result.weights,
                               "tiers": summary.to_dict("records"),
                               "unavailable": result.unavailable,
                               "outputs": {k: str(v) for k, v in written.items()}},
                              ensure_ascii=False, indent=2, default=str))
        return
    lang = state.lang
    state.say(t("lo_title", lang, date=result.as_of.date(), n=len(result.customers)))
    state.say(t("lo_weights", lang, weights=", ".join(f"{k} {v:.2f}"
                                                      for k, v in result.weights.items())))
    if result.unavailable:
        state.say(t("lo_unavailable", lang, what="; ".join(
            f"{k} ({v})" for k, v in result.unavailable.items())))
    rows = [[t(f"tier_{tier}", lang), int(r["customers"]), f"{100 * r['share']:.1f}%",
             f"{100 * r['revenue_share']:.1f}%", f"{r['mean_score']:.1f}"]
            for tier, r in result.summary.iterrows()]
    state.say(text_table([t(k, lang) for k in ("lo_tier", "lo_customers", "lo_share",
                                               "lo_revenue_share", "lo_mean_score")],
                         rows, [False, True, True, True, True]))
    _print_written(state, out, written)


@cli.command()
@data_input
@click.option("--horizon", default="365d", show_default=True,
              help="Churn = no visit within this span (365d, 12m, 1y).")
@click.option("--model", type=click.Choice(["bgnbd", "schedule", "supervised"]), default=None,
              help="Use this model instead of the backtest's best.")
@click.option("--calibration-end", "calibration_end", default=None,
              help="Fit on data up to this date and score the period after it.")
@click.option("--holdout-end", "holdout_end", default=None,
              help="End of that scored period (default: --as-of).")
@click.option("-o", "--out", "out", default="fours_churn", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the outputs.")
@click.option("--include-contact", is_flag=True,
              help="Unmask names and phones in the call lists (written owner-only).")
@output_format("table", "json")
@click.pass_context
def churn(ctx: click.Context, paths: tuple[str, ...], mapping: str | None,
          date_order: str | None, table: tuple[str, ...], as_of: str | None, horizon: str,
          model: str | None, calibration_end: str | None, holdout_end: str | None, out: str,
          include_contact: bool, format: str) -> None:
    """Flag likely churn with reasons, list lapsed and lost customers, find the drivers.

    Three models (BG/NBD, a schedule-aware model, a supervised model) are backtested on the
    last complete horizon; the best ROC AUC is used unless --model names one. Writes
    churn.csv, winback.csv, lapsed.csv, drivers.csv, model.json and SVG charts
    (calibration, lift, drivers). Contacts are masked unless --include-contact.

    \b
    Example:
      fours churn exports/ -o out/ --as-of 2025-12-31 --horizon 365d
      fours churn exports/ --calibration-end 2024-12-31 --holdout-end 2025-12-31
    """
    from .churn import ChurnConfig, analyse
    from .config import section
    from .customers import Schedule, build
    from .loyalty import LoyaltyConfig, contacts_of, score
    from .publish import write_churn

    state = _state(ctx)
    days = _parse_days(horizon, "--horizon")
    settings = section(state.config, "churn", ChurnConfig, skip=_option_names(ctx),
                       config_path=state.config_path, horizon_days=days)
    schedule = section(state.config, "schedule", Schedule, config_path=state.config_path)
    loyalty_settings = section(state.config, "loyalty", LoyaltyConfig,
                               skip=_option_names(ctx, "loyalty"),
                               config_path=state.config_path)
    data = load_data(state, paths, mapping, date_order, table)
    end = _date(holdout_end, "--holdout-end") or _date(as_of, "--as-of")
    base = build(data, end, schedule)
    loyalty_result = score(base, loyalty_settings)
    value = loyalty_result.customers["clv"]
    result = analyse(data, end, config=settings, schedule=schedule, model=model, base=base,
                     clv=value, calibration_end=_date(calibration_end, "--calibration-end"),
                     lang=state.lang)
    result.model_info["gamma_gamma"] = loyalty_result.models.get("gamma_gamma")
    written = write_churn(result, contacts_of(data.repair_orders), out, lang=state.lang,
                          include_contact=include_contact)
    if format == "json":
        click.echo(json.dumps({**result.model_info, "notes": result.notes,
                               "outputs": {k: str(v) for k, v in written.items()}},
                              ensure_ascii=False, indent=2, default=str))
        return
    lang = state.lang
    state.say(t("ch_title", lang, date=result.as_of.date(), n=len(result.scores)))
    bt = result.backtest
    rows = [[m, *(f"{bt.at[m, k]:.3f}" if k in bt and pd.notna(bt.at[m, k]) else "-"
                  for k in ("roc_auc", "pr_auc", "brier", "lift_top_decile"))]
            for m in bt.index]
    state.say(text_table([t("ch_model", lang), "ROC AUC", "PR AUC", "Brier", "Lift@10%"],
                         rows, [False, True, True, True, True]))
    state.say(t("ch_chosen", lang, why=result.why))
    if result.model_info.get("unavailable"):
        state.say(t("lo_unavailable", lang, what="; ".join(
            f"{k} ({v})" for k, v in result.model_info["unavailable"].items())))
    for note in result.notes:
        state.say(note)
    top = result.drivers.dropna(subset=["odds_ratio"]).head(3)
    state.say(t("ch_top_drivers", lang, drivers=", ".join(
        f"{r.label} (OR {r.odds_ratio:.2f})" for r in top.itertuples())))
    state.say(t("ch_lists", lang, n=len(result.winback),
                value=f"{result.winback['value_at_risk'].sum():,.0f}",
                lapsing=int((result.lapsed["status"] == "lapsing").sum()),
                lost=int((result.lapsed["status"] == "lost").sum())))
    _print_written(state, out, written)


def _period(year: int | None, start: str | None, end: str | None,
            last: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    if year is not None:
        return pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
    lo, hi = _date(start, "--from"), _date(end, "--to")
    if lo is None and hi is None:
        return pd.Timestamp(f"{last.year}-01-01"), pd.Timestamp(f"{last.year}-12-31")
    hi = hi or last.normalize()
    return lo or hi - pd.DateOffset(years=1) + pd.Timedelta(days=1), hi


def _compare_period(value: str, start: pd.Timestamp,
                    end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """prev (the same span a year earlier), none, YYYY, or DATE..DATE."""
    text = value.strip().lower()
    if text == "none":
        return None
    if text == "prev":
        return start - pd.DateOffset(years=1), end - pd.DateOffset(years=1)
    if text.isdigit() and len(text) == 4:
        return pd.Timestamp(f"{text}-01-01"), pd.Timestamp(f"{text}-12-31")
    lo, sep, hi = value.partition("..")
    if sep:
        a, b = _date(lo, "--compare"), _date(hi, "--compare")
        if a is not None and b is not None:
            return a, b
    raise UsageError("bad_option", option="--compare",
                     reason=f"'{value}' is not prev, none, a year or DATE..DATE")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@ingest_flags
@click.option("--year", type=click.IntRange(1970, 2099), default=None,
              help="The calendar year (default: the year of the last repair order).")
@click.option("--from", "start", default=None, help="First day of the period.")
@click.option("--to", "end", default=None, help="Last day of the period.")
@click.option("--compare", default="prev", show_default=True,
              help="Compare with: prev (the same span a year earlier), none, YYYY, "
                   "DATE..DATE.")
@click.option("--targets", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TOML file of targets per KPI (and [monthly.KPI] per month).")
@click.option("--by", type=click.Choice(["month", "quarter", "advisor", "technician",
                                         "ro_type", "store"]), default=None,
              help="Also break the KPIs down by this.")
@output_format("table", "csv", "json")
@click.pass_context
def kpi(ctx: click.Context, paths: tuple[str, ...], mapping: str | None,
        date_order: str | None, table: tuple[str, ...], year: int | None, start: str | None,
        end: str | None, compare: str, targets: str | None, by: str | None,
        format: str) -> None:
    """The department's KPIs for a period, against the compared period and targets.

    intake, revenue (labour, parts), revenue per RO, output per head, appointment, no-show,
    comeback and first-time-fix rates, on-time delivery, renewal, retention and churn, the
    active base, CSI and turnaround, as DOMAIN.md defines them. A KPI whose data is missing
    is n/a with the reason. Rates are fractions 0-1 in CSV and JSON.

    \b
    Example:
      fours kpi exports/ --year 2025 --targets targets.toml
      fours kpi exports/ --from 2025-01-01 --to 2025-06-30 --by month --format json
    """
    from .kpi import RATES, breakdown, report
    from .kpi import format_value as show

    state = _state(ctx)
    data = load_data(state, paths, mapping, date_order, table)
    lo, hi = _period(year, start, end, data.repair_orders["open_time"].max())
    compared = _compare_period(compare, lo, hi)
    goal = read_toml(targets) if targets else {}
    goal = dict(goal.get("targets", goal))
    rows = report(data, lo, hi, compare=compared, targets=goal)
    parts = breakdown(data, lo, hi, by) if by else None
    if format == "json":
        payload: dict[str, Any] = {
            "period": {"from": str(lo.date()), "to": str(hi.date())},
            "kpis": {r["kpi"]: r["value"] for r in rows.to_dict("records")},
            "n/a": {r["kpi"]: r["n/a"] for r in rows.to_dict("records") if r["n/a"]}}
        if compared:
            payload["compare"] = {"from": str(compared[0].date()), "to": str(compared[1].date()),
                                  "kpis": dict(zip(rows["kpi"], rows["compared"], strict=True)),
                                  "change": dict(zip(rows["kpi"], rows["change"], strict=True))}
        if "target" in rows:
            payload["targets"] = {r["kpi"]: {"target": r["target"], "of_target": r["of_target"]}
                                  for r in rows.to_dict("records") if pd.notna(r["target"])}
        if parts is not None:
            payload["breakdown"] = {"by": by, "rows": parts.to_dict("records")}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2,
                              default=lambda v: None if pd.isna(v) else str(v)))
        return
    if format == "csv":
        click.echo(rows.to_csv(index=False), nl=False)
        if parts is not None:
            click.echo(parts.to_csv(index=False), nl=False)
        return
    lang = state.lang
    state.say(t("kpi_title", lang, start=lo.date(), end=hi.date()))

    out_rows = []
    for r in rows.to_dict("records"):
        line = [t(f"k_{r['kpi']}", lang), show(r["kpi"], r["value"])]
        if compared:
            change = r["change"]
            if r["kpi"] in RATES and r["value"] is not None and pd.notna(r["compared"]):
                shown = f"{100 * (r['value'] - r['compared']):+.1f} pp"  # points, not percent
            else:
                shown = "" if change is None or pd.isna(change) else f"{100 * change:+.1f}%"
            line += [show(r["kpi"], r["compared"]), shown]
        if "target" in r:
            tgt = r.get("target")
            line += [show(r["kpi"], tgt) if pd.notna(tgt) else "",
                     f"{100 * r['of_target']:.0f}%" if pd.notna(r.get("of_target")) else ""]
        line.append(r["n/a"])
        out_rows.append(line)
    head = [t("kpi_name", lang), t("kpi_value", lang)]
    if compared:
        head += [t("kpi_compared", lang), t("kpi_change", lang)]
    if "target" in rows:
        head += [t("kpi_target", lang), t("kpi_of_target", lang)]
    head.append(t("kpi_na", lang))
    state.say(text_table(head, out_rows, [False] + [True] * (len(head) - 2) + [False]))
    if parts is not None:
        state.say("")
        state.say(parts.to_string(index=False))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@ingest_flags
@click.option("--from", "start", default=None, help="First day of the period (default: a "
                                                    "year before --to).")
@click.option("--to", "end", default=None, help="Last day (default: the last repair order).")
@click.option("--technicians", type=click.IntRange(min=1), default=None,
              help="Technicians on shift (default: as seen in the repair orders).")
@click.option("--bays", type=click.IntRange(min=1), default=None, help="Workshop bays.")
@click.option("--target-wait", "target_wait", type=click.FloatRange(min=1), default=30.0,
              show_default=True, help="Wait target, minutes.")
@click.option("--target-utilisation", "target_utilisation", type=click.FloatRange(0.1, 1.0),
              default=0.85, show_default=True, help="Utilisation target per hour.")
@click.option("--growth", type=click.FloatRange(min=-0.9), default=0.1, show_default=True,
              help="Demand growth for the staffing what-if (0.1 = +10 %).")
@click.option("--week", default=None, help="Capacity board for the week of this date.")
@click.option("-o", "--out", "out", default="fours_workload", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the outputs.")
@click.pass_context
def workload(ctx: click.Context, paths: tuple[str, ...], mapping: str | None,
             date_order: str | None, table: tuple[str, ...], start: str | None,
             end: str | None, technicians: int | None, bays: int | None, target_wait: float,
             target_utilisation: float, growth: float, week: str | None, out: str) -> None:
    """Model hour-of-week load, waits and staffing; plan appointment slots to level peaks.

    Arrivals per weekday x hour (appointments and walk-ins), work content per RO type,
    utilisation against the technicians on shift, observed and simulated waits, an
    appointment plan checked in the simulation before and after, technicians needed for the
    wait target today and with growth, and (with --week) the capacity board of free hours.

    \b
    Example:
      fours workload exports/ -o out/ --target-wait 30 --growth 0.1
      fours workload exports/ --technicians 12 --week 2026-01-05
    """
    from .config import section
    from .publish import write_workload
    from .workload import WorkloadConfig, analyse

    state = _state(ctx)
    settings = section(state.config, "workload", WorkloadConfig, skip=_option_names(ctx),
                       config_path=state.config_path, technicians=technicians, bays=bays,
                       target_wait_minutes=target_wait, target_utilisation=target_utilisation,
                       growth=growth)
    data = load_data(state, paths, mapping, date_order, table)
    result = analyse(data, start=_date(start, "--from"), end=_date(end, "--to"),
                     config=settings, week=_date(week, "--week"))
    written = write_workload(result, out, lang=state.lang)
    lang = state.lang
    bh = result.by_hour[result.by_hour["open"]]
    p = result.plan_summary
    state.say(t("wl_title", lang, start=result.period[0].date(), end=result.period[1].date(),
                arrivals=p["arrivals_per_week"], techs=bh["technicians"].mean(),
                service=p["service_mean_h"], cv=p["service_cv"]))
    state.say(t("wl_worst", lang))
    for row in bh.sort_values("modelled_wait_h", ascending=False).head(3).itertuples():
        state.say("  " + t("wl_hour", lang, day=t(f"wd_{row.weekday}", lang), hour=row.hour,
                           before=60 * row.modelled_wait_h, after=60 * row.planned_wait_h,
                           target=settings.target_wait_minutes,
                           share_b=100 * row.share_over_target,
                           share_a=100 * row.planned_share_over_target))
    state.say(t("wl_plan", lang, moved=p["moved_per_week"], arrivals=p["arrivals_per_week"],
                target=settings.target_wait_minutes, before=100 * p["share_over_before"],
                after=100 * p["share_over_after"], wb=60 * p["mean_wait_before_h"],
                wa=60 * p["mean_wait_after_h"], ob=p["overtime_before_h"],
                oa=p["overtime_after_h"]))
    opts = result.staffing_options.set_index("change")
    state.say(t("wl_staff", lang, now=int(result.staffing["technicians_now"].max()),
                today=int(result.staffing["needed_today"].max()),
                grown=int(result.staffing["needed_with_growth"].max()),
                growth=100 * settings.growth, oph=opts.at[0, "output_per_head_month"]))
    left_out = {k: v for k, v in result.excluded.items() if v}
    if left_out:
        state.say(t("wl_excluded", lang, what=", ".join(f"{k} {v}" for k, v in
                                                        left_out.items())))
    _print_written(state, out, written)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@ingest_flags
@click.option("--year", type=click.IntRange(1970, 2099), required=True, help="The year.")
@click.option("-o", "--out", "out", default="fours_report", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the report.")
@click.option("--format", "format", default="html,pptx,md", show_default=True,
              help="Comma-separated: html, pptx, md.")
@click.option("--store-name", "store_name", default="",
              help="The store's (or the group's) name for the title.")
@click.option("--targets", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TOML file of targets per KPI.")
@click.option("--notes", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TOML file of the manager's remarks: review, experience, plans.")
@click.option("--template-dir", "template_dir", type=click.Path(file_okay=False, exists=True),
              default=None, help="Folder of your own jinja2 templates (report.html, "
              "report.md), rendered in a sandbox.")
@click.option("--compare-years", "compare_years", type=click.IntRange(1, 10), default=1,
              show_default=True, help="Earlier years in the KPI table and monthly charts.")
@click.option("--show-staff", "show_staff", is_flag=True,
              help="Advisors' and technicians' names in full (masked by default).")
@click.pass_context
def report(ctx: click.Context, paths: tuple[str, ...], mapping: str | None,
           date_order: str | None, table: tuple[str, ...], year: int, out: str, format: str,
           store_name: str, targets: str | None, notes: str | None, template_dir: str | None,
           compare_years: int, show_staff: bool) -> None:
    """The three-part year-end report: 情况回顾 review, 经验体会 experience, 今后打算 plans.

    Every claim is backed by its figure from the store's own data. Writes one
    self-contained HTML file (prints to A4), a 16:9 PPTX deck with native charts and
    speaker notes, and Markdown for editing. With several stores in the data: one report
    per store (a folder each) and a group report comparing them (_group/).

    \b
    Example:
      fours report exports/ --year 2025 -o out/ --store-name "xx汽车"
      fours --lang en report exports/ --year 2025 --format html --targets targets.toml
    """
    from .report import make_report

    state = _state(ctx)
    data = load_data(state, paths, mapping, date_order, table)
    goal = read_toml(targets) if targets else {}
    remarks = {k: str(v) for k, v in (read_toml(notes) if notes else {}).items()}
    written = make_report(data, year, out, formats=tuple(
        f.strip() for f in format.split(",") if f.strip()), lang=state.lang,
        store_name=store_name, targets=dict(goal.get("targets", goal)), notes=remarks,
        template_dir=template_dir, compare_years=compare_years, show_staff=show_staff)
    state.say(t("report_written", state.lang, path=out))
    for label, path in written.items():
        state.say(f"  {label}: {path}")


# --------------------------------------------------------------------------- sample and demo
def _last_year_end() -> str:
    today = date.today()
    return f"{today.year - 1}-12-31"


@cli.command()
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder to write the exports into.")
@click.option("--vehicles", type=click.IntRange(min=10), default=3000, show_default=True,
              help="Vehicles sold by the store (or group) over the simulated span.")
@click.option("--years", type=click.IntRange(1, 30), default=3, show_default=True,
              help="Years of exports.")
@click.option("--end", default=None, help="Last day of the exports (default: end of last "
                                          "year).")
@click.option("--stores", type=click.IntRange(1, 500), default=1, show_default=True,
              help="Stores in the dealer group.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed: the same seed gives the same bytes.")
@click.option("--lang", "header_lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the export headers (default: the global --lang).")
@click.option("--encoding", type=click.Choice(["utf-8-sig", "gb18030"]), default="utf-8-sig",
              show_default=True, help="Encoding of the CSV exports.")
@click.option("--format", "format", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True, help="File format of every export.")
@click.option("--xlsx-table", "xlsx_table", multiple=True,
              type=click.Choice(["repair_orders", "appointments", "insurance_policies",
                                 "csi_surveys", "staff"]),
              help="Write this table as .xlsx even when --format is csv (repeatable).")
@click.option("--mess", type=click.FloatRange(0, 0.2), default=0.0, show_default=True,
              help="Share of RO rows spoiled (bad dates, Excel-spoiled phones); above 0 "
                   "also adds title lines, 合计 rows and overlapping exports.")
@click.option("--split", is_flag=True,
              help="With --stores: one folder per store (S01/, S02/, ...), each simulated on "
                   "its own; memory stays that of one store.")
@click.pass_context
def sample(ctx: click.Context, out: str, vehicles: int, years: int, end: str | None,
           stores: int, seed: int, header_lang: str | None, encoding: str, format: str,
           xlsx_table: tuple[str, ...], mess: float, split: bool) -> None:
    """Write a simulated store's DMS exports (and its ground truth) to a folder.

    The store follows what the trade reports: service on schedule, repairs at random,
    weekday-morning and Saturday peaks, the Spring Festival rush, appointments with
    no-shows, a queued workshop, comebacks, surveys, insurance renewals, staff changes and
    churn with known causes. Parameters: fourS_analytics/sample/params.py.

    \b
    Example:
      fours sample -o store/ --vehicles 3000 --years 3 --seed 7
      fours sample -o group/ --stores 5 --lang en --format xlsx --mess 0.002
    """
    from dataclasses import replace

    from .sample import StoreParams, generate

    state = _state(ctx)
    try:
        end_day = pd.Timestamp(end or _last_year_end())
    except ValueError:
        raise UsageError("bad_option", option="--end",
                         reason=f"'{end}' is not a date such as 2025-12-31") from None
    params = replace(StoreParams(), vehicles=vehicles, years=years, stores=stores,
                     end=str(end_day.date()), mess_rate=mess)
    try:
        if split:
            from .sample import generate_split

            manifest = generate_split(out, params, seed=seed, lang=header_lang or state.lang,
                                      encoding=encoding, file_format=format,
                                      xlsx_tables=xlsx_table)
        else:
            manifest = generate(out, params, seed=seed, lang=header_lang or state.lang,
                                encoding=encoding, file_format=format, xlsx_tables=xlsx_table)
    except OSError as exc:
        raise InputError("output_not_writable", path=out,
                         reason=exc.strerror or str(exc)) from None
    files = ", ".join(f for names in manifest["files"].values() for f in names)
    state.say(t("sample_written", state.lang, path=out, files=files if len(files) < 2000
                else f"{len(manifest['files'])} store folders"))


@cli.command()
@click.option("-o", "--out", "out", default="fours_demo", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the demo outputs.")
@click.pass_context
def demo(ctx: click.Context, out: str) -> None:
    """Run every analysis the toolkit has on the embedded sample store.

    The sample store is a simulated 4S store committed with the package (Chinese headers,
    the repair orders in GB18030, the appointments as .xlsx). The outputs go to one folder;
    the command prints where each is.

    \b
    Example:
      fours demo -o fours_demo
      fours --lang en demo
    """
    from .demo import run_demo

    state = _state(ctx)
    outputs = run_demo(out, lang=state.lang)
    state.say(t("demo_done", state.lang, path=out))
    for label, path in outputs.items():
        state.say(f"  {label}: {path}")


# --------------------------------------------------------------------------- run and init
@cli.command("init")
@click.option("-o", "--out", "out", default="fours.toml", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the starter config.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_context
def init(ctx: click.Context, out: str, force: bool) -> None:
    """Write a commented starter config (fours.toml) for `fours run`.

    \b
    Example:
      fours init && fours run --config fours.toml --dry-run
    """
    from .run import STARTER

    state = _state(ctx)
    path = Path(out)
    if path.exists() and not force:
        raise UsageError("init_exists", path=path)
    try:
        path.write_text(STARTER, encoding="utf-8")
    except OSError as exc:
        raise InputError("run_out_unusable", path=path.parent,
                         reason=exc.strerror or str(exc)) from None
    state.say(t("init_written", state.lang, path=path))


@cli.command("run")
@click.option("--config", "run_config", type=click.Path(dir_okay=False), default=None,
              help="TOML config (see `fours init`); flags below override it.")
@click.option("--data", default=None, type=click.Path(file_okay=False),
              help="Folder of the DMS exports (config: [run] data).")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Folder of the packs (config: [run] out).")
@click.option("--period", default=None,
              help="last-month, last-year, YYYY, YYYY-MM or DATE..DATE (config: [run] period; "
                   "default last-month).")
@click.option("--dry-run", "dry_run", is_flag=True,
              help="Check the config and the inputs; print what would be produced.")
@click.option("--keep-going", "keep_going", is_flag=True, default=None,
              help="A failing step does not stop the others; it is marked in the manifest.")
@click.option("--include-contact", "include_contact", is_flag=True, default=None,
              help="Full names and phones in the call lists (written owner-only).")
@click.option("--keep", type=click.IntRange(min=0), default=None,
              help="Packs to keep (0: all; default 12).")
@click.option("--max-reject-rate", "max_reject_rate", type=click.FloatRange(0, 1),
              default=None, help="Data-quality gate per table (default 0.05).")
@click.option("--log-file", "log_file", type=click.Path(dir_okay=False), default=None,
              help="Also log to this file, one timestamped line per event.")
@click.option("--log-format", "log_format", type=click.Choice(["text", "json"]), default=None,
              help="json: one JSON object per line (for log collectors).")
@click.pass_context
def run_command(ctx: click.Context, run_config: str | None, data: str | None, out: str | None,
                period: str | None, dry_run: bool, keep_going: bool | None,
                include_contact: bool | None, keep: int | None,
                max_reject_rate: float | None, log_file: str | None,
                log_format: str | None) -> None:
    """Everything for a period, unattended: validate, kpi, loyalty, churn, workload, report.

    Writes OUT/<period>_<timestamp>/ atomically, then points OUT/latest at it, with a
    manifest.json of inputs (SHA-256), config, row accounting, outputs and step times.
    One run per OUT at a time. Exit codes: 0 done; 1 a step failed, the inputs or OUT are
    unusable, or another run holds OUT; 2 bad usage or config; 3 done, but the rejected
    share of a table is above max_reject_rate (every report carries a warning banner).

    \b
    Example:
      fours run --data exports/ --out packs/ --period 2025
      fours run --config fours.toml              # from cron: see the README
    """
    from .config import section
    from .run import Runner, RunSettings, setup_logging

    state = _state(ctx)
    config, config_path = state.config, state.config_path
    if run_config:
        config, config_path = read_toml(run_config), run_config
        if "lang" in config and ctx.find_root().params.get("lang") is None:
            state.lang = str(config["lang"])
    overrides: dict[str, Any] = {
        "data": data, "out": out, "period": period, "keep_going": keep_going,
        "include_contact": include_contact, "keep": keep, "max_reject_rate": max_reject_rate,
        "log_file": log_file, "log_format": log_format}
    settings = section(config, "run", RunSettings, config_path=config_path, **overrides)
    runner = Runner(settings, config, config_path=config_path, lang=state.lang)
    if dry_run:
        plan = runner.plan()
        state.say(t("run_dry", state.lang))
        click.echo(json.dumps(plan, ensure_ascii=False, indent=2, default=str))
        return
    handlers = setup_logging(settings, quiet=state.quiet)
    try:
        result = runner.run()
    except FoursError as exc:
        import logging

        logging.getLogger("fours.run").error(exc.render(state.lang))
        raise
    finally:
        for handler in handlers:
            handler.flush()
    ctx.exit(result.exit_code)


def main() -> None:
    try:
        cli(prog_name="fours")
    except BrokenPipeError:  # `fours ... | head` closed the pipe: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
