"""Click's own usage errors (a misspelt option, a value out of range, a missing argument)
said in Chinese when the user's language is Chinese (issue 13).

Click writes these messages in English through :mod:`gettext`, which needs a compiled
catalogue and the process's locale; instead the few message shapes click has are matched
here on the English text and said again. A message of a shape not listed stays English (a
new click release may add one): the meaning is kept, only the language is not.
"""

from __future__ import annotations

import re
from typing import IO, Any

import click

from . import help_zh

# click's wording of a value's problem (click.types), as the text after "Invalid value ...:"
_VALUE = [
    (r"'(?P<v>.*)' is not one of (?P<c>.+)\.", "“{v}”不是 {c} 之一。"),
    (r"(?P<v>.+) is not in the range (?P<r>.+)\.", "{v} 不在允许的范围 {r} 内。"),
    (r"'(?P<v>.*)' is not a valid integer\.", "“{v}”不是有效的整数。"),
    (r"'(?P<v>.*)' is not a valid integer range\.", "“{v}”不是有效的整数。"),
    (r"'(?P<v>.*)' is not a valid float\.", "“{v}”不是有效的数字。"),
    (r"'(?P<v>.*)' is not a valid float range\.", "“{v}”不是有效的数字。"),
    (r"'(?P<v>.*)' is not a valid boolean\.", "“{v}”不是有效的 true/false 值。"),
    (r"(?P<k>File|Directory|Path) '(?P<v>.*)' does not exist\.", "{k}“{v}”不存在。"),
    (r"(?P<k>File|Directory|Path) '(?P<v>.*)' is a directory\.", "{k}“{v}”是文件夹。"),
    (r"(?P<k>File|Directory|Path) '(?P<v>.*)' is a file\.", "{k}“{v}”是文件，不是文件夹。"),
    (r"(?P<k>File|Directory|Path) '(?P<v>.*)' is not readable\.", "{k}“{v}”不可读。"),
    (r"(?P<k>File|Directory|Path) '(?P<v>.*)' is not writable\.", "{k}“{v}”不可写。"),
]
_KIND = {"File": "文件", "Directory": "文件夹", "Path": "路径"}
# click's usage errors, whole (click.exceptions, click.parser, click.core)
_USAGE = [
    (r"No such command '(?P<c>[^']+)'\.", "没有命令“{c}”。"),
    (r"Missing argument '(?P<a>[^']+)'\.", "缺少参数 {a}。"),
    (r"Missing option '(?P<o>[^']+)'\.", "缺少选项 {o}。"),
    (r"Missing parameter: (?P<a>.+)", "缺少参数 {a}。"),
    (r"Missing command\.", "缺少命令。"),
    (r"Option '(?P<o>[^']+)' requires an argument\.", "选项 {o} 需要一个值。"),
    (r"Option '(?P<o>[^']+)' requires (?P<n>\d+) arguments\.", "选项 {o} 需要 {n} 个值。"),
    (r"Option '(?P<o>[^']+)' does not take a value\.", "选项 {o} 不接受值。"),
    (r"Got unexpected extra arguments? \((?P<a>.+)\)", "多余的参数（{a}）。"),
    (r"Argument '(?P<a>[^']+)' takes (?P<n>\d+) values\.", "参数 {a} 需要 {n} 个值。"),
]


def _match(table: list[tuple[str, str]], text: str) -> str | None:
    for pattern, chinese in table:
        found = re.fullmatch(pattern, text, flags=re.DOTALL)
        if found:
            parts = {k: v or "" for k, v in found.groupdict().items()}
            if "k" in parts:
                parts["k"] = _KIND[parts["k"]]
            return chinese.format(**parts)
    return None


def message_zh(error: click.ClickException) -> str | None:
    """Click's message in Chinese, or None where its shape is not one listed here."""
    if isinstance(error, click.BadParameter) and not isinstance(error, click.MissingParameter):
        value = _match(_VALUE, error.message.strip())
        if value is None:
            return None
        hint: Any = error.param_hint
        if hint is None and error.param is not None:
            hint = error.param.get_error_hint(error.ctx) if error.ctx else error.param.name
        if isinstance(hint, list | tuple):
            hint = " / ".join(hint)
        hint = str(hint or "").strip("'")
        return f"{hint} 的值无效：{value}" if hint else f"值无效：{value}"
    if isinstance(error, click.NoSuchOption):
        if error.message != f"No such option {error.option_name!r}.":
            return None
        said = f"没有选项 {error.option_name}。"
        if error.possibilities:
            said += f"是否想写 {'、'.join(error.possibilities)}？"
        return said
    return _match(_USAGE, error.format_message().strip())


class ZhUsageError(click.UsageError):
    """A click usage error said in Chinese: the usage line and the hint too."""

    def __init__(self, message: str, ctx: click.Context | None, code: int) -> None:
        super().__init__(message, ctx)
        self.exit_code = code  # type: ignore[misc]

    def show(self, file: IO[Any] | None = None) -> None:
        if self.ctx is not None:
            usage = self.ctx.get_usage().replace("Usage: ", help_zh.HEADINGS["usage"], 1)
            help_option = next(iter(self.ctx.help_option_names), "--help")
            click.echo(
                f"{usage}\n请运行 '{self.ctx.command_path} {help_option}' 查看帮助。\n",
                file=file,
                err=True,
                color=self.ctx.color,
            )
        click.echo(f"Error: {self.format_message()}", file=file, err=True)


def in_chinese(error: click.ClickException) -> click.ClickException:
    """``error`` said in Chinese where click's message has a known shape, else as it is."""
    if isinstance(error, ZhUsageError) or not isinstance(error, click.UsageError):
        return error
    said = message_zh(error)
    if said is None:
        return error
    return ZhUsageError(said, error.ctx, error.exit_code)
