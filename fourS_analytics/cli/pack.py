"""The commands that make things: sample, demo, init, run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
import pandas as pd

from ..config import load_settings
from ..errors import FoursError, InputError, UsageError
from ..i18n import Message, t
from . import _state, cli, step_lines


# --------------------------------------------------------------------------- sample and demo
def _last_year_end() -> str:
    today = date.today()
    return f"{today.year - 1}-12-31"


@cli.command()
@click.option(
    "-o",
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write the exports into.",
)
@click.option(
    "--vehicles",
    type=click.IntRange(min=10),
    default=3000,
    show_default=True,
    help="Vehicles sold by the store (or group) over the simulated span.",
)
@click.option(
    "--years", type=click.IntRange(1, 30), default=3, show_default=True, help="Years of exports."
)
@click.option("--end", default=None, help="Last day of the exports (default: end of last year).")
@click.option(
    "--stores",
    type=click.IntRange(1, 500),
    default=1,
    show_default=True,
    help="Stores in the dealer group.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed: the same seed gives the same bytes.",
)
@click.option(
    "--lang",
    "header_lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of the export headers (default: the global --lang).",
)
@click.option(
    "--encoding",
    type=click.Choice(["utf-8-sig", "gb18030"]),
    default="utf-8-sig",
    show_default=True,
    help="Encoding of the CSV exports.",
)
@click.option(
    "--format",
    "format",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="File format of every export.",
)
@click.option(
    "--xlsx-table",
    "xlsx_table",
    multiple=True,
    type=click.Choice(
        [
            "repair_orders",
            "appointments",
            "insurance_policies",
            "csi_surveys",
            "staff",
            "vehicle_sales",
        ]
    ),
    help="Write this table as .xlsx even when --format is csv (repeatable).",
)
@click.option(
    "--mess",
    type=click.FloatRange(0, 0.2),
    default=0.0,
    show_default=True,
    help="Share of RO rows spoiled (bad dates, Excel-spoiled phones); above 0 "
    "also adds title lines, 合计 rows and overlapping exports.",
)
@click.option(
    "--split",
    is_flag=True,
    help="With --stores: one folder per store (S01/, S02/, ...), each simulated on "
    "its own; memory stays that of one store.",
)
@click.pass_context
def sample(
    ctx: click.Context,
    out: str,
    vehicles: int,
    years: int,
    end: str | None,
    stores: int,
    seed: int,
    header_lang: str | None,
    encoding: str,
    format: str,
    xlsx_table: tuple[str, ...],
    mess: float,
    split: bool,
) -> None:
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

    from ..sample import StoreParams, generate

    state = _state(ctx)
    try:
        end_day = pd.Timestamp(end or _last_year_end())
    except ValueError:
        raise UsageError(
            "bad_option", option="--end", reason=Message("rs_not_date", {"value": end})
        ) from None
    params = replace(
        StoreParams(),
        vehicles=vehicles,
        years=years,
        stores=stores,
        end=str(end_day.date()),
        mess_rate=mess,
    )
    try:
        if split:
            from ..sample import generate_split

            manifest = generate_split(
                out,
                params,
                seed=seed,
                lang=header_lang or state.lang,
                encoding=encoding,
                file_format=format,
                xlsx_tables=xlsx_table,
            )
        else:
            manifest = generate(
                out,
                params,
                seed=seed,
                lang=header_lang or state.lang,
                encoding=encoding,
                file_format=format,
                xlsx_tables=xlsx_table,
            )
    except OSError as exc:
        raise InputError("output_not_writable", path=out, reason=exc.strerror or str(exc)) from None
    files = ", ".join(f for names in manifest["files"].values() for f in names)
    state.say(
        t(
            "sample_written",
            state.lang,
            path=out,
            files=files if len(files) < 2000 else f"{len(manifest['files'])} store folders",
        )
    )


@cli.command()
@click.option(
    "-o",
    "--out",
    "out",
    default="fours_demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the demo outputs.",
)
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
    from ..demo import run_demo

    state = _state(ctx)
    outputs = run_demo(out, lang=state.lang, settings=state.settings, on_step=step_lines(state))
    state.say(t("demo_done", state.lang, path=out))
    for label, path in outputs.items():
        state.say(f"  {label}: {path}")


@cli.command("init")
@click.option(
    "-o",
    "--out",
    "out",
    default="fours.toml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the starter config.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_context
def init(ctx: click.Context, out: str, force: bool) -> None:
    """Write a commented starter config (fours.toml) for `fours run`.

    \b
    Example:
      fours init && fours run --config fours.toml --dry-run
    """
    from ..run import STARTER

    state = _state(ctx)
    path = Path(out)
    if path.exists() and not force:
        raise UsageError("init_exists", path=path)
    try:
        path.write_text(STARTER, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            "run_out_unusable", path=path.parent, reason=exc.strerror or str(exc)
        ) from None
    state.say(t("init_written", state.lang, path=path))


@cli.command("run")
@click.option(
    "--config",
    "run_config",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML config (see `fours init`); flags below override it.",
)
@click.option(
    "--data",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder of the DMS exports (config: [run] data).",
)
@click.option(
    "--out",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder of the packs (config: [run] out).",
)
@click.option(
    "--period",
    default=None,
    help="last-month, last-year, YYYY, YYYY-MM or DATE..DATE (config: [run] period; "
    "default last-month).",
)
@click.option(
    "--dry-run",
    "dry_run",
    is_flag=True,
    help="Check the config and the inputs; print what would be produced.",
)
@click.option(
    "--keep-going",
    "keep_going",
    is_flag=True,
    default=None,
    help="A failing step does not stop the others; it is marked in the manifest.",
)
@click.option(
    "--include-contact",
    "include_contact",
    is_flag=True,
    default=None,
    help="Full names and phones in the call lists (written owner-only).",
)
@click.option(
    "--keep", type=click.IntRange(min=0), default=None, help="Packs to keep (0: all; default 12)."
)
@click.option(
    "--max-reject-rate",
    "max_reject_rate",
    type=click.FloatRange(0, 1),
    default=None,
    help="Data-quality gate per table (default 0.05).",
)
@click.option(
    "--log-file",
    "log_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also log to this file, one timestamped line per event.",
)
@click.option(
    "--log-format",
    "log_format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="json: one JSON object per line (for log collectors).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Stores run at once, each in its own worker process on a local Dask cluster "
    "(default: one per core; 1: one after another in this process).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run the stores on an existing Dask cluster (tcp://host:8786); its workers must "
    "see the data and OUT folders at the same paths.",
)
@click.option(
    "--cache-dir",
    "cache_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Keep the loaded exports in this folder; the next run on the same files reads them "
    "back instead of parsing (config: [ingest] cache_dir).",
)
@click.pass_context
def run_command(
    ctx: click.Context,
    run_config: str | None,
    data: str | None,
    out: str | None,
    period: str | None,
    dry_run: bool,
    keep_going: bool | None,
    include_contact: bool | None,
    keep: int | None,
    max_reject_rate: float | None,
    log_file: str | None,
    log_format: str | None,
    workers: int | None,
    scheduler: str | None,
    cache_dir: str | None,
) -> None:
    """Everything for a period, unattended: validate, kpi, loyalty, churn, workload, report.

    Writes OUT/<period>_<timestamp>/ atomically, then points OUT/latest at it, with a
    manifest.json of inputs (SHA-256), settings, row accounting, outputs and step times.
    One run per OUT at a time. A step whose data are missing is skipped with its reason in
    the manifest and the log. Exit codes: 0 done; 1 a step failed, the inputs or OUT are
    unusable, or another run holds OUT; 2 bad usage or config; 3 done, but the rejected
    share of a table is above max_reject_rate (every report carries a warning banner).

    \b
    Example:
      fours run --data exports/ --out packs/ --period 2025
      fours run --config fours.toml              # from cron: see the README
    """
    import logging

    from ..run import Runner, setup_logging, to_log_file

    state = _state(ctx)
    settings = state.settings
    if run_config:
        settings = load_settings(run_config)
        if settings.lang and ctx.find_root().params.get("lang") is None:
            state.lang = settings.lang
    settings = settings.with_overrides(
        {
            "run": {
                "data": data,
                "out": out,
                "period": period,
                "keep_going": keep_going,
                "keep": keep,
                "max_reject_rate": max_reject_rate,
                "log_file": log_file,
                "log_format": log_format,
                "workers": workers,
                "scheduler": scheduler,
            },
            "privacy": {"include_contact": include_contact},
            # from the folder it was typed in, for a group's workers too
            "ingest": {"cache_dir": str(Path(cache_dir).absolute()) if cache_dir else None},
        }
    )
    runner = Runner(settings, lang=state.lang)
    if dry_run:
        plan = runner.plan()
        state.say(t("run_dry", state.lang))
        click.echo(json.dumps(plan, ensure_ascii=False, indent=2, default=str))
        if plan["empty_period"]:  # what the real run would fail on, with its exit code
            params = dict(plan["empty_period"][0])
            raise InputError(params.pop("error"), **params)
        return
    handlers = setup_logging(settings.run, quiet=state.quiet)
    try:
        result = runner.run()
    except FoursError as exc:
        if exc.key != "run_step_failed":  # a failed step's line is in the log already
            to_log_file(logging.ERROR, exc.render(state.lang))  # terminal: "Error: ..." below
        raise
    finally:
        for handler in handlers:
            handler.flush()
    ctx.exit(result.exit_code)
