"""Options several commands share, each named as its setting (flag = TOML key), and the
one way the commands read exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..config import ingest_options
from ..dataset import DATE_ORDERS, Dataset
from ..errors import UsageError
from ..i18n import t
from ..ingest import expand_paths, load
from . import State, progress


def output_format(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format`` with the given choices (the first is the default)."""
    return click.option(
        "--format",
        "format",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


def out_folder(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-o",
        "--out",
        "out",
        default=default,
        show_default=True,
        type=click.Path(file_okay=False),
        help="Folder for the outputs.",
    )


def include_contact(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--include-contact`` (setting ``[privacy] include_contact``)."""
    return click.option(
        "--include-contact",
        "include_contact",
        is_flag=True,
        default=None,
        help="Full names, phones, plates and VINs in the lists (written "
        "owner-only); masked by default.",
    )(func)


def show_staff_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--show-staff",
        "show_staff",
        is_flag=True,
        default=None,
        help="Advisors' and technicians' names in full (masked by default).",
    )(func)


def ingest_flags(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command that reads exports shares."""
    func = click.option(
        "--table",
        "table",
        multiple=True,
        metavar="TABLE=FILE",
        help="Say which table a file holds (repair_orders, appointments, "
        "insurance_policies, csi_surveys, staff, vehicle_sales).",
    )(func)
    func = click.option(
        "--mapping",
        type=click.Path(exists=True, dir_okay=False),
        help="TOML file mapping unknown headers to canonical columns.",
    )(func)
    func = click.option(
        "--cache-dir",
        "cache_dir",
        type=click.Path(file_okay=False),
        default=None,
        expose_value=False,  # read by load_data: no command takes it as a parameter
        callback=_remember_cache_dir,
        help="Keep the loaded exports in this folder; the next run on the same files reads "
        "them back instead of parsing (config: [ingest] cache_dir).",
    )(func)
    func = click.option(
        "--date-order",
        "date_order",
        type=click.Choice(list(DATE_ORDERS)),
        default=None,
        help="For dates such as 03/05/2025: day/month or month/day (default: decided per column).",
    )(func)
    return click.argument("paths", nargs=-1, required=True, type=click.Path())(func)


_CACHE_DIR = "fours.cache_dir"


def _remember_cache_dir(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta[_CACHE_DIR] = value


def _parse_overrides(values: tuple[str, ...]) -> dict[str, str]:
    from ..schema import TABLES

    overrides = {}
    for value in values:
        name, sep, file = value.partition("=")
        if not sep or name not in TABLES or not file:
            raise UsageError("bad_table_override", value=value, tables=", ".join(TABLES))
        overrides[file] = name
    return overrides


def load_data(
    state: State,
    paths: tuple[str, ...],
    mapping: str | None,
    date_order: str | None,
    table: tuple[str, ...],
) -> Dataset:
    context = click.get_current_context(silent=True)
    options = ingest_options(
        state.settings,
        mapping=mapping,
        date_order=date_order,
        tables=_parse_overrides(table),
        cache_dir=context.meta.get(_CACHE_DIR) if context else None,
    )
    files, _ = expand_paths(paths)
    with progress(state, t("progress_reading", state.lang), len(files)) as tick:
        dataset = load(paths, options, progress=tick)
    if dataset.cache is not None:
        from ..ingest.cache import said

        warning, text = said(dataset.cache, state.lang)
        if warning or state.verbose:
            state.say(text, err=True)
    return dataset


def option_names(command: click.Command) -> tuple[str, ...]:
    return tuple(p.name for p in command.params if p.name)
