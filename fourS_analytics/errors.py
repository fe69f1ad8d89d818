"""The package's one exception hierarchy.

Each error carries a message key and its parameters, so the CLI can say it in the user's
language; ``str(error)`` is the English text. The CLI maps the classes to exit codes in one
place (``cli.py``): :class:`InputError` -> 1, :class:`UsageError` and :class:`ConfigError` -> 2.
"""

from __future__ import annotations

from .i18n import t


class FoursError(Exception):
    """Base class of every error the toolkit raises on purpose."""

    exit_code = 1

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(t(key, "en", **params))

    def render(self, lang: str = "en") -> str:
        return t(self.key, lang, **self.params)


class InputError(FoursError):
    """An input file or its data cannot be used (exit code 1)."""


class UsageError(FoursError):
    """An option or argument is wrong (exit code 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """The config or mapping file is wrong (exit code 2)."""


class MissingTableError(InputError):
    """A table the analysis needs is not in the exports: names the table and the headers of
    a file that would provide it."""

    def __init__(self, table: str, *, headers: str = "") -> None:
        if not headers:
            from .schema import example_headers

            headers = example_headers(table)
        super().__init__("needs_table", table=table, headers=headers)
