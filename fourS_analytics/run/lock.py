"""One run at a time per output folder: an advisory ``flock`` on ``OUT/.fours.lock``.

The kernel releases the lock when its holder dies, even by SIGKILL, so a lock is never stale
in the kernel's eyes; the file's content (PID, start time, host) says who holds it. Content
left behind by a holder that did not release cleanly is reported as recovered."""

from __future__ import annotations

import fcntl
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ..errors import InputError

LOCK_NAME = ".fours.lock"


@dataclass
class Lock:
    path: Path
    handle: IO[str]
    recovered: dict[str, Any] | None  # what a dead holder left behind, if anything

    def release(self) -> None:
        if self.handle.closed:
            return
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.flush()
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read(handle: IO[str]) -> dict[str, Any] | None:
    handle.seek(0)
    text = handle.read().strip()
    if not text:
        return None
    try:
        info = json.loads(text)
    except json.JSONDecodeError:
        return {"pid": "?", "started": "?", "raw": text[:100]}
    return info if isinstance(info, dict) else None


def acquire(folder: Path) -> Lock:
    """Take the folder's lock or raise :class:`InputError` naming the running holder."""
    path = folder / LOCK_NAME
    try:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
    except OSError as exc:
        raise InputError("run_out_unusable", path=folder, reason=exc.strerror or str(exc)) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read(handle) or {}
        handle.close()
        raise InputError(
            "run_locked",
            path=folder,
            pid=holder.get("pid", "?"),
            started=holder.get("started", "?"),
        ) from None
    recovered = _read(handle)
    try:  # a full disk (or quota) fails here, before any output: said as the folder's
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "started": datetime.now().isoformat(timespec="seconds"),
                }
            )
        )
        handle.flush()
    except OSError as exc:
        handle.close()
        raise InputError("run_out_unusable", path=folder, reason=exc.strerror or str(exc)) from None
    return Lock(path, handle, recovered)
