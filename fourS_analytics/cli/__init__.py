"""The ``fours`` command line: parse options, call one library function, print the result.

The commands live in :mod:`.analyses` (validate, loyalty, churn, kpi, workload, report) and
:mod:`.pack` (sample, demo, init, run); what they print, in :mod:`.printers`. Errors of the
library (:class:`~fourS_analytics.errors.FoursError`) become a one-line ``Error: …`` in the
user's language and an exit code here, in :class:`FoursGroup`, and nowhere else. Exit codes:
0 ok, 1 bad data or missing file, 2 bad usage or config, 3 (``fours run``) a data-quality
warning. Nothing in the package imports this module.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import click

from .. import __version__, forks
from ..config import Settings, load_settings
from ..errors import FoursError
from ..i18n import default_language, t
from ..threads import runtime
from . import click_zh, help_zh

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass
class State:
    """What the group's options and the config file set for every command."""

    lang: str = "en"
    verbose: int = 0
    quiet: bool = False
    settings: Settings = field(default_factory=Settings)

    def say(self, message: str = "", *, err: bool = False) -> None:
        if not self.quiet:
            click.echo(message, err=err)

    def with_options(self, overrides: Mapping[str, Mapping[str, Any]]) -> Settings:
        """The config's settings with what the user typed on the command line on top."""
        return self.settings.with_overrides(overrides)


class _CodedError(click.ClickException):
    """A ClickException with the exit code of the library error it reports."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code  # type: ignore[misc]


def _help_language(ctx: click.Context) -> str:
    """The language of ``--help``: the command's (``--lang``, the config, the locale) once
    the group has read them, else what ``--lang`` the words typed give."""
    state = ctx.find_root().obj  # a State once the group's callback has run
    if isinstance(state, State):
        return state.lang
    typed = ctx.meta.get("fours.lang")
    return typed if typed in ("zh", "en") else default_language()


@contextmanager
def _said_in(ctx: click.Context, commands: list[click.Command]) -> Iterator[bool]:
    """The commands' help and their options' help in the help's language while it is
    written (the English texts stay in the code, :mod:`.help_zh` says them in Chinese)."""
    if _help_language(ctx) != "zh":
        yield False
        return
    saved: list[tuple[Any, str, Any]] = []
    for command in commands:
        saved.append((command, "help", command.help))
        name = "fours" if isinstance(command, click.Group) else command.name or ""
        command.help = help_zh.command_help(name, command.help)
        for param in command.params:
            if isinstance(param, click.Option):
                saved.append((param, "help", param.help))
                param.help = help_zh.option_help(param.help)
    try:
        yield True
    finally:
        for obj, name, value in saved:
            setattr(obj, name, value)


def _zh_headings(formatter: click.HelpFormatter) -> None:
    """Click's headings (Usage, Options, Commands) in Chinese."""
    heads = {"Options:\n": "选项：\n", "Commands:\n": "命令：\n"}
    for i, piece in enumerate(formatter.buffer):
        for english, chinese in help_zh.WORDS.items():
            piece = formatter.buffer[i] = piece.replace(english, chinese)
        if piece.lstrip(" ").startswith("Usage: "):
            formatter.buffer[i] = piece.replace("Usage: ", help_zh.HEADINGS["usage"], 1)
        elif piece.lstrip(" ") in heads:
            formatter.buffer[i] = piece.replace(piece.strip() + "\n", heads[piece.lstrip(" ")])


class FoursCommand(click.Command):
    """A command whose ``--help`` follows ``--lang`` (issue 13)."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _said_in(ctx, [self]) as zh:
            super().format_help(ctx, formatter)
        if zh:
            _zh_headings(formatter)


class FoursGroup(click.Group):
    """Maps the library's errors to one ``Error:`` line and an exit code, in one place; and
    takes the global options after the subcommand too (``fours kpi data --lang en``)."""

    command_class = FoursCommand

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = self._globals_first(args)
        for i, word in enumerate(args):  # for --help, which click answers before --lang
            if word.startswith("--lang="):
                ctx.meta["fours.lang"] = word.split("=", 1)[1]
            elif word == "--lang" and i + 1 < len(args):
                ctx.meta["fours.lang"] = args[i + 1]
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:  # `fours --bogus`: said in the user's language
            raise _in_language(ctx, exc) from None

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _said_in(ctx, [self, *self.commands.values()]) as zh:
            super().format_help(ctx, formatter)
        if zh:
            _zh_headings(formatter)

    def _globals_first(self, args: list[str]) -> list[str]:
        """Global options typed after the subcommand moved before it, unless the subcommand
        has an option of that name itself (``fours sample --lang``, ``fours run --config``)."""
        takes_value: dict[str, bool] = {}
        for param in self.params:
            if isinstance(param, click.Option) and param.name not in ("version", "help"):
                for opt in param.opts:
                    takes_value[opt] = not (param.is_flag or param.count)
        position = 0  # the subcommand's place: the first word that is not a global option
        while position < len(args):
            word = args[position]
            if word == "--":
                return args
            name = word.split("=", 1)[0]
            if name in takes_value:
                position += 2 if takes_value[name] and "=" not in word else 1
                continue
            break
        if position >= len(args) or args[position] not in self.commands:
            return args
        command = self.commands[args[position]]
        own = {o for param in command.params for o in getattr(param, "opts", [])}
        head, tail, moved = list(args[: position + 1]), [], []
        i = position + 1
        while i < len(args):
            word = args[i]
            if word == "--":
                tail += args[i:]
                break
            name = word.split("=", 1)[0]
            if name in takes_value and name not in own:
                width = 2 if takes_value[name] and "=" not in word and i + 1 < len(args) else 1
                moved += args[i : i + width]
                i += width
                continue
            tail.append(word)
            i += 1
        return head[:position] + moved + head[position:] + tail

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with runtime():  # every command: one BLAS/OpenMP thread, Arrow's pool
                return super().invoke(ctx)
        except FoursError as exc:
            state = ctx.obj if isinstance(ctx.obj, State) else State()
            raise _CodedError(self._as_flags(ctx, exc).render(state.lang), exc.exit_code) from None
        except click.UsageError as exc:  # a subcommand's own: said in the user's language
            raise _in_language(ctx, exc) from None
        except (
            click.ClickException,
            click.exceptions.Exit,
            click.Abort,
            KeyboardInterrupt,
            BrokenPipeError,
        ):
            raise
        except Exception as exc:  # a bug: one line, the traceback only with -v
            state = ctx.obj if isinstance(ctx.obj, State) else State()
            if state.verbose:
                traceback.print_exc()
            error = click.ClickException(
                f"internal error ({type(exc).__name__}: {exc}). Please report it; "
                "run with -v for the traceback."
            )
            raise error from None

    def _as_flags(self, ctx: click.Context, exc: FoursError) -> FoursError:
        """The library names parameters (``template_dir``); on the command line an error
        names the flag that sets it (``--template-dir``): mapped here, once."""
        name = exc.params.get("option")
        command = self.commands.get(ctx.invoked_subcommand or "")
        if not isinstance(name, str) or command is None:
            return exc
        for param in command.params:
            flags = [o for o in getattr(param, "opts", []) if o.startswith("--")]
            if param.name == name and flags:
                exc.params = {**exc.params, "option": flags[0]}
                break
        return exc


def _in_language(ctx: click.Context, error: click.UsageError) -> click.ClickException:
    """Click's own usage error in the user's language (its messages are English)."""
    return click_zh.in_chinese(error) if _help_language(ctx) == "zh" else error


def _state(ctx: click.Context) -> State:
    return ctx.ensure_object(State)


@click.group(cls=FoursGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="fours")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    help="Language of messages and labels (default: config, else the locale).",
)
@click.option("-v", "--verbose", count=True, help="More detail; -v shows tracebacks of bugs.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="TOML config; every option has a key there, flags override it.",
)
@click.pass_context
def cli(
    ctx: click.Context, lang: str | None, verbose: int, quiet: bool, config_path: str | None
) -> None:
    """fourS_analytics: aftersales analytics for 4S dealerships from DMS exports.

    \b
    Example:
      fours validate exports/            # read and check every export in a folder
      fours --lang en demo -o fours_demo # run everything on the embedded sample store
    """
    ctx.obj = State(lang=lang or default_language(), verbose=verbose, quiet=quiet)
    settings = load_settings(config_path)  # a bad config is one Error: line (FoursGroup)
    ctx.obj = State(
        lang=lang or settings.lang or default_language(),
        verbose=verbose or settings.verbose,
        quiet=quiet or settings.quiet,
        settings=settings,
    )
    ctx.default_map = {name: dict(values) for name, values in settings.command_defaults.items()}
    # a command on a machine of two cores or more may start one child beside itself (churn's
    # backtest while its final model is fitted); `fours run` says its own (--workers)
    ctx.with_resource(forks.spare_cores(min(1, forks.cores() - 1)))


@contextmanager
def progress(state: State, label: str, length: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on a terminal; silent under cron or with --quiet."""
    if not _shown(state):
        yield lambda _item: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda _item: bar.update(1)


def _shown(state: State) -> bool:
    return not state.quiet and sys.stderr.isatty()


def step_lines(state: State) -> Callable[[str, str], None] | None:
    """A line on a terminal as each analysis step starts and ends (with its time); ``None``
    (nothing said) under cron or with --quiet. Given to the pipeline as ``on_step``."""
    if not _shown(state):
        return None
    started: dict[str, float] = {}

    def say(step: str, event: str) -> None:
        name = t(f"step_{step}", state.lang)
        if event == "start":
            started[step] = time.perf_counter()
            click.echo(t("progress_step", state.lang, step=name), err=True)
        else:
            seconds = time.perf_counter() - started.pop(step, time.perf_counter())
            click.echo(t("progress_step_done", state.lang, step=name, seconds=seconds), err=True)

    return say


@contextmanager
def stage(state: State, key: str) -> Iterator[None]:
    """One progress line for a long step the pipeline does not run (writing the report)."""
    say = step_lines(state)
    if say is None:
        yield
        return
    say(key, "start")
    yield
    say(key, "done")


def main() -> None:
    try:
        cli(prog_name="fours")
    except BrokenPipeError:  # `fours ... | head` closed the pipe: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


from . import analyses, pack  # noqa: E402,F401  (the commands register themselves)

__all__ = ["FoursCommand", "FoursGroup", "State", "cli", "main", "progress", "stage", "step_lines"]
