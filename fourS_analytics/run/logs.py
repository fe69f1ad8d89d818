"""The run's log: human lines on the terminal (stderr), timestamped or JSON lines in a file."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import RunSettings
from ..errors import UsageError
from ..i18n import Message

log = logging.getLogger("fours.run")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings: RunSettings, *, quiet: bool) -> list[logging.Handler]:
    """The handlers of ``fours.run`` for these settings (returned, to flush at the end)."""
    log.setLevel(logging.INFO)
    log.propagate = False
    for old in list(log.handlers):
        log.removeHandler(old)
        old.close()
    handlers: list[logging.Handler] = []
    if not quiet:
        terminal = logging.StreamHandler(sys.stderr)
        terminal.addFilter(lambda record: not getattr(record, "log_file_only", False))
        if not _is_terminal(sys.stderr):  # cron: its mail gets the warnings, the errors and
            terminal.addFilter(_for_the_mail)  # the summary; the rest stays in the log file
        terminal.setFormatter(
            JsonFormatter()
            if settings.log_format == "json" and not settings.log_file
            else logging.Formatter("%(message)s")
        )
        handlers.append(terminal)
    if settings.log_file:
        path = Path(settings.log_file)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            to_file = logging.FileHandler(path, encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                "bad_option",
                option="log_file",
                reason=Message("rs_os_error", {"path": path, "detail": exc.strerror or exc}),
            ) from None
        to_file.setFormatter(
            JsonFormatter()
            if settings.log_format == "json"
            else logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S")
        )
        handlers.append(to_file)
    for handler in handlers:
        log.addHandler(handler)
    return handlers


def _for_the_mail(record: logging.LogRecord) -> bool:
    """What a run says when stderr is no terminal (cron mails it): warnings, errors and the
    run's summary line, not each step, store or progress line."""
    return record.levelno >= logging.WARNING or bool(getattr(record, "fields", {}).get("summary"))


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a file
        return False


def say(level: int, message: str, **fields: Any) -> None:
    log.log(level, message, extra={"fields": fields})


def to_log_file(level: int, message: str, **fields: Any) -> None:
    """A line for the log file alone: one the command line prints itself (the error that
    ends a run, said once on the terminal as "Error: ...")."""
    log.log(level, message, extra={"fields": fields, "log_file_only": True})
