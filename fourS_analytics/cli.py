"""The ``fours`` command line: parse options, call one library function, print the result.

Errors of the library (:class:`~fourS_analytics.errors.FoursError`) become a one-line
``Error: …`` in the user's language and an exit code here, in :class:`FoursGroup`, and
nowhere else. Exit codes: 0 ok, 1 bad data or missing file, 2 bad usage or config.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import click
import pandas as pd

from . import __version__
from .config import ingest_options, read_toml
from .dataset import DATE_ORDERS, Dataset
from .errors import FoursError, InputError, UsageError
from .i18n import default_language, t
from .ingest import load
from .render import problems_frame, validation_text

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
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
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
                       if isinstance(value, dict) and name in cli.commands}


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
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], mapping: str | None,
             date_order: str | None, table: tuple[str, ...], format: str,
             rejects: str, no_rejects: bool) -> None:
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

        rejects_path = write_csv(problems_frame(dataset, state.lang), rejects, private=True)
    if format == "json":
        payload = dataset.to_dict()
        payload["rejects_file"] = str(rejects_path) if rejects_path else None
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return
    state.say(validation_text(dataset, state.lang, verbose=state.verbose > 0))
    if rejects_path:
        state.say(t("v_rejects_written", state.lang, path=rejects_path))


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
@click.pass_context
def sample(ctx: click.Context, out: str, vehicles: int, years: int, end: str | None,
           stores: int, seed: int, header_lang: str | None, encoding: str, format: str,
           xlsx_table: tuple[str, ...], mess: float) -> None:
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
        manifest = generate(out, params, seed=seed, lang=header_lang or state.lang,
                            encoding=encoding, file_format=format, xlsx_tables=xlsx_table)
    except OSError as exc:
        raise InputError("output_not_writable", path=out,
                         reason=exc.strerror or str(exc)) from None
    files = ", ".join(f for names in manifest["files"].values() for f in names)
    state.say(t("sample_written", state.lang, path=out, files=files))


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


def main() -> None:
    cli(prog_name="fours")


if __name__ == "__main__":  # pragma: no cover
    main()
