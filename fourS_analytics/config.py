"""The TOML config: global keys, ``[ingest]`` settings and one table per command.

Every command option has a config key: ``[validate] format = "json"`` sets the default of
``fours validate --format``; flags on the command line override the file. Header mappings
live in ``[ingest.headers]`` (or in a separate mapping file given with ``--mapping``).
"""

from __future__ import annotations

import tomllib
import types
from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from .dataset import IngestOptions
from .errors import ConfigError

GLOBAL_KEYS = ("lang", "verbose", "quiet")


def read_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("bad_config", path=path, reason="file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("bad_config", path=path, reason=f"not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError("bad_config", path=path, reason=exc.strerror or str(exc)) from None


def read_mapping(path: str | Path) -> dict[str, str]:
    """A header mapping file: ``"客户名" = "customer_name"`` lines, optionally under
    ``[headers]``."""
    data = read_toml(path)
    headers = data.get("headers", data)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise ConfigError("bad_config", path=path,
                          reason='expected lines such as "客户名" = "customer_name"')
    return dict(headers)


def ingest_options(config: dict[str, Any], *, mapping: str | Path | None = None,
                   date_order: str | None = None, tables: dict[str, str] | None = None,
                   config_path: str | Path = "config") -> IngestOptions:
    """IngestOptions from a config's ``[ingest]`` table, with command-line overrides."""
    values = dict(config.get("ingest", {}))
    if not isinstance(values, dict):
        raise ConfigError("bad_config", path=config_path, reason="[ingest] must be a table")
    headers = dict(values.pop("headers", {}))
    if mapping:
        headers.update(read_mapping(mapping))
    values["headers"] = headers
    if date_order:
        values["date_order"] = date_order
    if tables:
        values["tables"] = {**values.get("tables", {}), **tables}
    return IngestOptions.from_mapping(values)


def section(config: dict[str, Any], name: str, cls: type, *, skip: tuple[str, ...] = (),
            config_path: str | Path = "config", **overrides: Any) -> Any:
    """A settings dataclass from the config table ``[name]``: keys that are fields of
    ``cls`` are used; command options (``skip``) belong to the command and are left out;
    any other key is an error that names the known ones."""
    values = dict(config.get(name, {}) or {})
    fields = {f.name for f in dataclass_fields(cls)}
    unknown = sorted(set(values) - fields - set(skip))
    if unknown:
        raise ConfigError("bad_config", path=config_path,
                          reason=f"[{name}] has unknown key(s) {', '.join(unknown)}; known: "
                          + ", ".join(sorted(fields | set(skip))))
    chosen = {k: v for k, v in values.items() if k in fields}
    chosen.update({k: v for k, v in overrides.items() if v is not None})
    hints = get_type_hints(cls)
    for key, value in chosen.items():
        expected = _type_name(hints[key])
        if not _fits(value, hints[key]):
            raise ConfigError("bad_config", path=config_path,
                              reason=f"[{name}] {key} = {value!r} must be {expected}"
                                     + (" (without quotes: true or false)"
                                        if expected == "true or false" else ""))
    try:
        return cls(**chosen)
    except TypeError as exc:
        raise ConfigError("bad_config", path=config_path, reason=f"[{name}]: {exc}") from None


def _fits(value: Any, hint: Any) -> bool:
    """Whether a TOML value has the type a settings field declares: a boolean is only
    ``true``/``false`` (never the string "false", which Python would take as true), a whole
    number is not a boolean, a decimal may be written as a whole number."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_fits(value, a) for a in get_args(hint) if a is not type(None))
    if hint is Any:
        return True
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in (list, tuple):
        args = [a for a in get_args(hint) if a is not Ellipsis]
        return isinstance(value, list | tuple) and all(_fits(v, args[0]) for v in value) \
            if args else isinstance(value, list | tuple)
    if origin in (dict, Mapping) or hint is dict:
        kv = get_args(hint)
        return isinstance(value, dict) and (not kv or all(
            _fits(k, kv[0]) and _fits(v, kv[1]) for k, v in value.items()))
    return True  # a type this check does not know: the dataclass decides


def _type_name(hint: Any) -> str:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(hint) if a is not type(None))
    if origin in (list, tuple):
        args = [a for a in get_args(hint) if a is not Ellipsis]
        plural = {str: 'texts in quotes, e.g. ["html", "md"]', int: "whole numbers",
                  float: "numbers"}
        return f"a list of {plural.get(args[0], _type_name(args[0]))}" if args else "a list"
    return {bool: "true or false", int: "a whole number", float: "a number",
            str: "a text in quotes"}.get(hint, getattr(hint, "__name__", str(hint)))
