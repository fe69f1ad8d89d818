"""The analysis commands: validate, loyalty, churn, kpi, workload, report.

Each one: settings from the config with the typed options on top, the exports read, the
pipeline run for the steps it shows, its outputs written and a summary printed. An option
left out is ``None`` and leaves the config's value alone.
"""

from __future__ import annotations

import json
from typing import Any

import click
import pandas as pd

from .. import kpi as kpi_module
from ..errors import UsageError
from ..i18n import Message, t
from ..output import write_csv
from ..privacy import mask_name
from ..render import problems_frame, validation_text
from ..timeframe import (
    Period,
    compare_period,
    parse_date,
    parse_days,
    parse_period,
    period_from,
)
from . import State, _state, cli, stage, step_lines
from .options import (
    include_contact,
    ingest_flags,
    load_data,
    out_folder,
    output_format,
    show_staff_option,
)


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    return parse_date(value, f"--{param.name.replace('_', '-')}") if value else None


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> Period | None:
    return parse_period(value, option="--period") if value else None


def period_option(func: Any) -> Any:
    return click.option(
        "--period",
        "period_arg",
        default=None,
        callback=_period,
        help="The period: 2025, 2025-11, 2025-01..2025-06, last-month or last-year.",
    )(func)


def _one_way(period: Period | None, **others: object) -> None:
    """--period, or the older --year/--from/--to/--as-of: not both."""
    given = [f"--{k.replace('_', '-')}" for k, v in others.items() if v is not None]
    if period is not None and given:
        raise UsageError(
            "bad_option",
            option="period_arg",
            reason=Message("rs_not_both", {"others": ", ".join(given)}),
        )


def as_of_option(func: Any) -> Any:
    return click.option(
        "--as-of",
        "as_of",
        default=None,
        callback=_as_of,
        help="Analyse as of this day, included whole (default: the day of the last repair order).",
    )(func)


# --------------------------------------------------------------------------- validate
@cli.command()
@ingest_flags
@output_format("table", "json")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    default="fours_rejects.csv",
    show_default=True,
    help="Where to write the row problems (rejected rows, conflicting duplicates, emptied values).",
)
@click.option(
    "--no-rejects", "no_rejects", is_flag=True, help="Do not write the row problems file."
)
@include_contact
@click.pass_context
def validate(
    ctx: click.Context,
    paths: tuple[str, ...],
    mapping: str | None,
    date_order: str | None,
    table: tuple[str, ...],
    format: str,
    rejects: str,
    no_rejects: bool,
    include_contact: bool | None,
) -> None:
    """Read exports and account for every row: accepted, duplicate, summary or rejected.

    PATHS are export files (CSV, TXT, XLSX, XLS) and/or folders of them. Each file's
    table is recognised from its headers; the printout shows the header mapping and the
    row accounting per file and in total. The row problems file masks personal data
    unless --include-contact.

    \b
    Example:
      fours validate exports/ --rejects problems.csv
      fours validate ro.csv --table repair_orders=ro.csv --format json
    """
    state = _state(ctx)
    settings = state.with_options({"privacy": {"include_contact": include_contact}})
    dataset = load_data(state, paths, mapping, date_order, table)
    rejects_path = None
    if not no_rejects and len(dataset.problems):
        rejects_path = write_csv(
            problems_frame(dataset, state.lang, include_contact=settings.privacy.include_contact),
            rejects,
            private=True,
        )
    if format == "json":
        payload = dataset.to_dict()
        payload["rejects_file"] = str(rejects_path) if rejects_path else None
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return
    state.say(validation_text(dataset, state.lang, verbose=state.verbose > 0))
    if rejects_path:
        state.say(t("v_rejects_written", state.lang, path=rejects_path))


# --------------------------------------------------------------------------- loyalty
@cli.command()
@ingest_flags
@as_of_option
@period_option
@out_folder("fours_loyalty")
@click.option(
    "--top-n",
    "--top",
    "top_n",
    type=click.IntRange(min=1),
    default=None,
    help="Size of the invitation list of core customers (default 100).",
)
@include_contact
@output_format("table", "json")
@click.pass_context
def loyalty(
    ctx: click.Context,
    paths: tuple[str, ...],
    mapping: str | None,
    date_order: str | None,
    table: tuple[str, ...],
    as_of: pd.Timestamp | None,
    period_arg: Period | None,
    out: str,
    top_n: int | None,
    include_contact: bool | None,
    format: str,
) -> None:
    """Score loyalty from return visits and customer quality; list the core customers.

    Writes loyalty.csv (every customer: components, score 0-100, tier, expected visits in
    12 months, lifetime value), loyal_top.csv (the invitation list), loyalty_summary.csv,
    loyalty_model.json and two SVG charts. Contacts are masked unless --include-contact.

    \b
    Example:
      fours loyalty exports/ -o out/ --as-of 2025-12-31
      fours loyalty exports/ --top-n 50 --include-contact
    """
    from ..pipeline import analyse_store, check_as_of
    from ..publish import write_loyalty
    from . import printers

    state = _state(ctx)
    settings = state.with_options(
        {"loyalty": {"top_n": top_n}, "privacy": {"include_contact": include_contact}}
    )
    _one_way(period_arg, as_of=as_of)
    data = load_data(state, paths, mapping, date_order, table)
    as_of = period_arg.end if period_arg is not None else as_of  # as of the period's end
    check_as_of(data, as_of, "period_arg" if period_arg is not None else "as_of")
    results = analyse_store(
        data, settings, as_of=as_of, steps=("loyalty",), on_step=step_lines(state)
    )
    result = results.require("loyalty")
    files = write_loyalty(
        result,
        results.require_contacts(),
        out,
        lang=state.lang,
        top_n=settings.loyalty.top_n,
        include_contact=settings.privacy.include_contact,
    )
    if format == "json":
        click.echo(printers.to_json(printers.loyalty_json(result, files, state.lang)))
        return
    state.say(printers.loyalty_text(result, state.lang))
    state.say(printers.written(out, files, state.lang))


# --------------------------------------------------------------------------- lists
@cli.command("lists")
@ingest_flags
@as_of_option
@period_option
@click.option(
    "--weeks",
    type=click.IntRange(min=1),
    default=None,
    help="Service due within this many weeks (default 4).",
)
@click.option(
    "--event-date",
    "event_date",
    default=None,
    help="The event the invitation list is for (default: two weeks after the as-of day).",
)
@click.option(
    "--workbook-rows",
    "workbook_rows",
    type=click.IntRange(min=0),
    default=None,
    help="lists.xlsx holds each list's first N rows (default 5000; 0: all). The CSVs hold all.",
)
@click.option(
    "--model",
    type=click.Choice(["bgnbd", "schedule", "supervised"]),
    default=None,
    help="Rank the service calls with this churn model, fitted without the backtest that "
    "picks one (quicker; fours churn compares them).",
)
@out_folder("fours_lists")
@include_contact
@output_format("table", "json")
@click.pass_context
def lists_command(
    ctx: click.Context,
    paths: tuple[str, ...],
    mapping: str | None,
    date_order: str | None,
    table: tuple[str, ...],
    as_of: pd.Timestamp | None,
    period_arg: Period | None,
    weeks: int | None,
    event_date: str | None,
    workbook_rows: int | None,
    model: str | None,
    out: str,
    include_contact: bool | None,
    format: str,
) -> None:
    """The week's call lists: service due (保养招揽), insurance renewal due (续保提醒),
    serviced here but not insured here (在修不在保), first service due and lost (首保招揽,
    首保流失, with a vehicle_sales export), declined work (未修项目, with a declined-work
    column) and the event invitations (活动邀请, core customers first).

    Writes one CSV per list (UTF-8 with BOM), lists.xlsx (a sheet per list, its first
    --workbook-rows rows) and lists.json
    (counts and figures). Each row: the customer, the advisor, the reason in words and a
    priority, the calls most worth making first. Contacts are masked unless
    --include-contact (the files are then readable by their owner only).

    \b
    Example:
      fours lists exports/ -o lists/ --as-of 2025-12-31 --weeks 4
      fours lists exports/ --event-date 2026-01-18 --include-contact
      fours lists exports/ --model bgnbd    # weekly, without churn's backtest
    """
    from ..pipeline import analyse_store, check_as_of
    from ..publish import write_lists
    from . import printers

    state = _state(ctx)
    if event_date is not None:
        event_date = str(parse_date(event_date, "--event-date").date())
    settings = state.with_options(
        {
            "lists": {"weeks": weeks, "event_date": event_date, "workbook_rows": workbook_rows},
            "churn": {"model": model, "backtest": False if model else None},
            "privacy": {"include_contact": include_contact},
        }
    )
    _one_way(period_arg, as_of=as_of)
    data = load_data(state, paths, mapping, date_order, table)
    as_of = period_arg.end if period_arg is not None else as_of
    check_as_of(data, as_of, "period_arg" if period_arg is not None else "as_of")
    results = analyse_store(
        data, settings, as_of=as_of, steps=("lists",), on_step=step_lines(state)
    )
    result = results.require("lists")
    files = write_lists(
        result,
        results.require_contacts(),
        out,
        lang=state.lang,
        include_contact=settings.privacy.include_contact,
        workbook_rows=settings.lists.workbook_rows,
    )
    if format == "json":
        click.echo(
            printers.to_json(
                printers.lists_json(result, files, state.lang, settings.lists.workbook_rows)
            )
        )
        return
    state.say(printers.lists_text(result, state.lang, settings.lists.workbook_rows))
    state.say(printers.written(out, files, state.lang))


# --------------------------------------------------------------------------- churn
def _days(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    return parse_days(value, "--horizon-days") if value is not None else None


@cli.command()
@ingest_flags
@as_of_option
@period_option
@click.option(
    "--horizon-days",
    "--horizon",
    "horizon_days",
    default=None,
    callback=_days,
    help="Churn = no visit within this many days (365, or a span: 12m, 1y; default 365).",
)
@click.option(
    "--model",
    type=click.Choice(["bgnbd", "schedule", "supervised"]),
    default=None,
    help="Use this model instead of the backtest's best.",
)
@click.option(
    "--calibration-end",
    "calibration_end",
    default=None,
    callback=_as_of,
    help="Fit on data up to this date and score the period after it.",
)
@click.option(
    "--holdout-end",
    "holdout_end",
    default=None,
    callback=_as_of,
    help="End of that scored period (default: --as-of).",
)
@out_folder("fours_churn")
@include_contact
@output_format("table", "json")
@click.pass_context
def churn(
    ctx: click.Context,
    paths: tuple[str, ...],
    mapping: str | None,
    date_order: str | None,
    table: tuple[str, ...],
    as_of: pd.Timestamp | None,
    period_arg: Period | None,
    horizon_days: int | None,
    model: str | None,
    calibration_end: pd.Timestamp | None,
    holdout_end: pd.Timestamp | None,
    out: str,
    include_contact: bool | None,
    format: str,
) -> None:
    """Flag likely churn with reasons, list lapsed and lost customers, find the drivers.

    Three models (BG/NBD, a schedule-aware model, a supervised model) are backtested on the
    last complete horizon; the best ROC AUC is used unless --model names one. Writes
    churn.csv, winback.csv, lapsed.csv, drivers.csv, model.json and SVG charts
    (calibration, lift, drivers). Contacts are masked unless --include-contact.

    \b
    Example:
      fours churn exports/ -o out/ --as-of 2025-12-31 --horizon-days 365
      fours churn exports/ --calibration-end 2024-12-31 --holdout-end 2025-12-31
    """
    from ..pipeline import analyse_store, check_as_of
    from ..publish import write_churn
    from . import printers

    state = _state(ctx)
    settings = state.with_options(
        {
            "churn": {"horizon_days": horizon_days, "model": model},
            "privacy": {"include_contact": include_contact},
        }
    )
    _one_way(period_arg, as_of=as_of)
    as_of = period_arg.end if period_arg is not None else as_of  # as of the period's end
    data = load_data(state, paths, mapping, date_order, table)
    check_as_of(data, as_of, "period_arg" if period_arg is not None else "as_of")
    results = analyse_store(
        data,
        settings,
        as_of=holdout_end or as_of,
        steps=("churn",),
        calibration_end=calibration_end,
        on_step=step_lines(state),
    )
    result = results.require("churn")
    files = write_churn(
        result,
        results.require_contacts(),
        out,
        lang=state.lang,
        include_contact=settings.privacy.include_contact,
    )
    if format == "json":
        click.echo(printers.to_json(printers.churn_json(result, files, state.lang)))
        return
    state.say(printers.churn_text(result, state.lang))
    state.say(printers.written(out, files, state.lang))


# --------------------------------------------------------------------------- kpi
@cli.command()
@ingest_flags
@click.option(
    "--year",
    type=click.IntRange(1970, 2099),
    default=None,
    help="The calendar year (default: the year of the last repair order).",
)
@click.option("--from", "start", default=None, help="First day of the period.")
@click.option("--to", "end", default=None, help="Last day of the period (included).")
@period_option
@click.option(
    "--compare",
    default="prev",
    show_default=True,
    help="Compare with: prev (the same span a year earlier), none, YYYY, DATE..DATE.",
)
@click.option(
    "--targets",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="TOML file of targets per KPI (and [monthly.KPI] per month).",
)
@click.option(
    "--by",
    type=click.Choice(list(kpi_module.BREAKDOWNS)),
    default=None,
    help="Also break the KPIs down by this.",
)
@show_staff_option
@output_format("table", "csv", "json")
@click.pass_context
def kpi(
    ctx: click.Context,
    paths: tuple[str, ...],
    mapping: str | None,
    date_order: str | None,
    table: tuple[str, ...],
    year: int | None,
    start: str | None,
    end: str | None,
    period_arg: Period | None,
    compare: str,
    targets: str | None,
    by: str | None,
    show_staff: bool | None,
    format: str,
) -> None:
    """The department's KPIs for a period, against the compared period and targets.

    intake, revenue (labour, parts), revenue per RO, output per head, labour hours per RO,
    effective labour rate, technician efficiency, gross profit and margins, appointment,
    no-show, comeback and first-time-fix rates, on-time delivery, renewal, retention and
    churn, the active base, CSI, turnaround and the first-service rate, as DOMAIN.md defines
    them, against the same span a year before (同比) and, for a period under a year, the span
    just before (环比); then the pay-type mix, the active base by visits and the retention
    ladder. A KPI whose data is missing is n/a with the reason. Rates are fractions 0-1 in
    CSV and JSON.

    \b
    Example:
      fours kpi exports/ --year 2025 --targets targets.toml
      fours kpi exports/ --from 2025-01-01 --to 2025-06-30 --by month --format json
    """
    from ..i18n import in_words
    from ..pipeline import analyse_store, check_period, last_opened
    from . import printers

    state = _state(ctx)
    settings = state.with_options(
        {"kpi": {"targets": targets}, "privacy": {"show_staff": show_staff}}
    )
    data = load_data(state, paths, mapping, date_order, table)
    _one_way(period_arg, year=year, **{"from": start, "to": end})
    period = period_arg or period_from(year=year, start=start, end=end, last=last_opened(data))
    option = "period_arg" if period_arg else "year" if year else "from"
    check_period(data, period, option)  # no ROs at all: not a table of 0s
    compared = compare_period(compare, period)
    results = analyse_store(
        data, settings, period, steps=("kpi",), compare=compared, on_step=step_lines(state)
    )
    rows = results.require("kpi")
    parts = (
        kpi_module.breakdown(data, period.start, period.end, by, settings.schedule) if by else None
    )
    if parts is not None and by in ("advisor", "technician") and not settings.privacy.show_staff:
        parts[by] = parts[by].map(mask_name)  # people's names, as the report shows them
    tables = results.kpi_tables
    if format == "json":
        click.echo(
            printers.to_json(
                printers.kpi_json(rows, period, compared, parts, by, state.lang, tables)
            )
        )
    elif format == "csv" and parts is not None:  # one table a stream: the groups and all
        whole = kpi_module.compute(data, period.start, period.end, settings.schedule)
        values = {k: v.value for k, v in whole.items()}
        click.echo(printers.breakdown_csv(parts, values, state.lang), nl=False)
    elif format == "csv":
        click.echo(in_words(rows, state.lang).to_csv(index=False), nl=False)
    else:
        extra = [
            printers.pay_mix_text(tables["pay_mix"], state.lang),
            printers.frequency_text(tables["visit_frequency"], state.lang),
        ]
        if len(tables["retention_ladder"]):
            extra.append(printers.ladder_text(tables["retention_ladder"], state.lang))
        state.say(printers.kpi_text(rows, period, compared, parts, state.lang, extra))


# --------------------------------------------------------------------------- workload
@cli.command()
@ingest_flags
@click.option(
    "--from", "start", default=None, help="First day of the period (default: a year before --to)."
)
@click.option("--to", "end", default=None, help="Last day (default: the last repair order).")
@period_option
@click.option(
    "--technicians",
    type=click.IntRange(min=1),
    default=None,
    help="Technicians on shift (default: as seen in the repair orders).",
)
@click.option("--bays", type=click.IntRange(min=1), default=None, help="Workshop bays.")
@click.option(
    "--target-wait-minutes",
    "--target-wait",
    "target_wait_minutes",
    type=click.FloatRange(min=1),
    default=None,
    help="Wait target, minutes (default 30).",
)
@click.option(
    "--target-utilisation",
    "target_utilisation",
    type=click.FloatRange(0.1, 1.0),
    default=None,
    help="Utilisation target per hour (default 0.85).",
)
@click.option(
    "--growth",
    type=click.FloatRange(min=-0.9),
    default=None,
    help="Demand growth for the staffing what-if (0.1 = +10 %; default 0.1).",
)
@click.option(
    "--week", default=None, callback=_as_of, help="Capacity board for the week of this date."
)
@out_folder("fours_workload")
@click.pass_context
def workload(
    ctx: click.Context,
    paths: tuple[str, ...],
    mapping: str | None,
    date_order: str | None,
    table: tuple[str, ...],
    start: str | None,
    end: str | None,
    period_arg: Period | None,
    technicians: int | None,
    bays: int | None,
    target_wait_minutes: float | None,
    target_utilisation: float | None,
    growth: float | None,
    week: pd.Timestamp | None,
    out: str,
) -> None:
    """Model hour-of-week load, waits and staffing; plan appointment slots to level peaks.

    Arrivals per weekday x hour (appointments and walk-ins), work content per RO type,
    utilisation against the technicians on shift, observed and simulated waits, an
    appointment plan checked in the simulation before and after, technicians needed for the
    wait target today and with growth, and (with --week) the capacity board of free hours.

    \b
    Example:
      fours workload exports/ -o out/ --target-wait-minutes 30 --growth 0.1
      fours workload exports/ --technicians 12 --week 2026-01-05
    """
    from ..pipeline import analyse_store, check_period, last_opened
    from ..publish import write_workload
    from . import printers

    state = _state(ctx)
    settings = state.with_options(
        {
            "workload": {
                "technicians": technicians,
                "bays": bays,
                "target_wait_minutes": target_wait_minutes,
                "target_utilisation": target_utilisation,
                "growth": growth,
            }
        }
    )
    data = load_data(state, paths, mapping, date_order, table)
    _one_way(period_arg, **{"from": start, "to": end})
    span = period_arg or _workload_span(start, end, last_opened(data))
    if period_arg is not None:
        check_period(data, span, "period_arg")
    results = analyse_store(
        data,
        settings,
        span,
        steps=("workload",),
        workload_span=span,
        week=week,
        as_of=span.end,
        on_step=step_lines(state),
    )
    result = results.require("workload")
    files = write_workload(result, out, lang=state.lang)
    state.say(printers.workload_text(result, settings, state.lang))
    state.say(printers.written(out, files, state.lang))


def _workload_span(start: str | None, end: str | None, last: pd.Timestamp) -> Period:
    """--from/--to, or the twelve months up to the last repair order."""
    if start is None and end is None:
        return Period(
            "12m",
            last.normalize() - pd.DateOffset(years=1) + pd.Timedelta(days=1),
            last.normalize(),
        )
    return period_from(start=start, end=end, last=last)


# --------------------------------------------------------------------------- report
def _formats(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, ...] | None:
    return tuple(f.strip() for f in value.split(",") if f.strip()) if value else None


@cli.command()
@ingest_flags
@click.option(
    "--year",
    type=click.IntRange(1970, 2099),
    default=None,
    help="The year (or --period: its year up to the period's end).",
)
@period_option
@out_folder("fours_report")
@click.option(
    "--formats",
    "--format",
    "formats",
    default=None,
    callback=_formats,
    help="Comma-separated: html, pptx, md (default: all three).",
)
@click.option(
    "--store-name",
    "store_name",
    default=None,
    help="The store's (or the group's) name for the title.",
)
@click.option(
    "--presenter",
    default=None,
    help="Who presents the report (the deck's title slide).",
)
@click.option(
    "--targets",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="TOML file of targets per KPI.",
)
@click.option(
    "--notes",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="TOML file of the manager's remarks: review, experience, plans.",
)
@click.option(
    "--template-dir",
    "template_dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Folder of your own jinja2 templates (report.html, report.md), rendered in a sandbox.",
)
@click.option(
    "--compare-years",
    "compare_years",
    type=click.IntRange(1, 10),
    default=None,
    help="Earlier years in the KPI table and monthly charts (default 1).",
)
@show_staff_option
@click.pass_context
def report(
    ctx: click.Context,
    paths: tuple[str, ...],
    mapping: str | None,
    date_order: str | None,
    table: tuple[str, ...],
    year: int | None,
    period_arg: Period | None,
    out: str,
    formats: tuple[str, ...] | None,
    store_name: str | None,
    presenter: str | None,
    targets: str | None,
    notes: str | None,
    template_dir: str | None,
    compare_years: int | None,
    show_staff: bool | None,
) -> None:
    """The three-part year-end report: 情况回顾 review, 经验体会 experience, 今后打算 plans.

    Every claim is backed by its figure from the store's own data. Writes one
    self-contained HTML file (prints to A4), a 16:9 PPTX deck with native charts and
    speaker notes, and Markdown for editing. With several stores in the data: one report
    per store (a folder each) and a group report comparing them (_group/).

    \b
    Example:
      fours report exports/ --year 2025 -o out/ --store-name "xx汽车"
      fours --lang en report exports/ --year 2025 --formats html --targets targets.toml
    """
    from ..pipeline import analyse_group, analyse_store, check_period, notes_of
    from ..report import write_group_report, write_report

    state = _state(ctx)
    settings = state.with_options(
        {
            "report": {
                "formats": formats,
                "store_name": store_name,
                "presenter": presenter,
                "notes": notes,
                "template_dir": template_dir,
                "compare_years": compare_years,
            },
            "kpi": {"targets": targets},
            "privacy": {"show_staff": show_staff},
        }
    )
    _one_way(period_arg, year=year)
    if period_arg is None and year is None:
        raise UsageError("bad_option", option="year", reason=Message("rs_year_or_period"))
    data = load_data(state, paths, mapping, date_order, table)
    period = period_arg or Period.of_year(int(year or 0))
    check_period(data, period, "period_arg" if period_arg else "year")
    remarks = notes_of(settings)
    if len(data.stores) > 1:
        group = analyse_group(data, settings, period, on_step=step_lines(state))
        with stage(state, "writing"):
            files = write_group_report(
                group, out, lang=state.lang, notes=remarks, settings=settings
            )
    else:
        store = data.stores[0] if data.stores else ""
        results = analyse_store(data, settings, period, store=store, on_step=step_lines(state))
        with stage(state, "writing"):
            files = write_report(results, out, lang=state.lang, notes=remarks)
    _say_report(state, out, files)


def _say_report(state: State, out: str, files: dict[str, Any]) -> None:
    state.say(t("report_written", state.lang, path=out))
    for label, path in files.items():
        state.say(f"  {label}: {path}")
