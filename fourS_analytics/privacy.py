"""Masking personal data: names 张*, phones 138****5678, plates 粤A***45, VINs all but the
last six characters. Every list and report masks by default; full values only behind an
explicit flag (``--include-contact``)."""

from __future__ import annotations

import re

import pandas as pd

from .dataset import arrow_strings


def mask_name(name: object) -> object:
    if not isinstance(name, str) or not name:
        return name
    if name.isascii():  # "Wei Zhang" -> "W** Z****"
        return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())
    return name[0] + "*" * (len(name) - 1)


# what a mask keeps of a phone, a plate, a VIN: characters at the start, at the end, and
# the shortest value it masks (a shorter one is left as it is); the masks of one cell and of
# a whole column of Arrow strings (_mask_arrow) both follow it
_KEEP = {"phone": (3, 4, 7), "plate": (2, 2, 4), "vin": (0, 6, 7)}


def _keep_ends(value: object, head: int, tail: int, shortest: int) -> object:
    if not isinstance(value, str) or len(value) < shortest:
        return value
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_phone(phone: object) -> object:
    return _keep_ends(phone, *_KEEP["phone"])


def mask_plate(plate: object) -> object:
    return _keep_ends(plate, *_KEEP["plate"])


def mask_vin(vin: object) -> object:
    return _keep_ends(vin, *_KEEP["vin"])


MASKS = {
    "customer_name": mask_name,
    "name": mask_name,
    "phone": mask_phone,
    "plate": mask_plate,
    "vin": mask_vin,
}


def _mask_arrow(column: pd.Series, head: int, tail: int, shortest: int) -> pd.Series | None:
    """``column`` masked as :func:`mask_phone`, :func:`mask_plate` or :func:`mask_vin`
    would mask each cell (characters counted as Python counts them), by Arrow's string
    kernels on the whole column; None for a column that is not Arrow strings."""
    values = arrow_strings(column)
    if values is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    length = pc.utf8_length(values)
    long_enough = pc.greater_equal(length, shortest)
    star = pa.scalar("*", type=values.type)  # string or large_string, as the column's
    stars = pc.binary_repeat(star, pc.max_element_wise(pc.subtract(length, head + tail), 0))
    ends = pc.utf8_slice_codeunits(values, -tail) if tail else pc.utf8_slice_codeunits(values, 0, 0)
    start = pc.utf8_slice_codeunits(values, 0, head)
    masked = pc.binary_join_element_wise(start, stars, ends, pa.scalar("", type=values.type))
    out = pc.if_else(long_enough, masked, values)
    out = out.combine_chunks() if hasattr(out, "combine_chunks") else out  # one piece
    return pd.Series(pd.array(out, dtype=column.dtype), index=column.index, name=column.name)


def mask_frame(frame: pd.DataFrame, include_contact: bool = False) -> pd.DataFrame:
    """A copy with every personal column masked (unless ``include_contact``); a unit id that
    is really a VIN or plate (no customer number in the export) is masked like one."""
    if include_contact:
        return frame
    out = frame.copy()
    for column, mask in MASKS.items():
        if column in out.columns:
            fast = _mask_arrow(out[column], *_KEEP[column]) if column in _KEEP else None
            out[column] = fast if fast is not None else out[column].map(mask)
    if "unit_id" in out.columns:
        for column, mask in (("vin", mask_vin), ("plate", mask_plate)):
            if column in frame.columns:
                same = frame["unit_id"].astype(object) == frame[column].astype(object)
                out.loc[same.fillna(False), "unit_id"] = frame.loc[
                    same.fillna(False), "unit_id"
                ].map(mask)
    return out


# what a phone number, a VIN or a Chinese plate looks like wherever it stands
_PHONE = re.compile(r"^\+?[\d\- ()]{7,}$")
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$", re.IGNORECASE)
_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9·]{4,6}[\u4e00-\u9fff]?$")


def mask_by_look(value: str) -> str:
    """A cell masked as what it looks like (a phone, a VIN, a plate), else as it is."""
    text = value.strip()
    if _PHONE.match(text) and sum(ch.isdigit() for ch in text) >= 7:
        return str(mask_phone(text))
    if _VIN.match(text):
        return str(mask_vin(text))
    if _PLATE.match(text):
        return str(mask_plate(text))
    return value


def mask_original(cells: list[tuple[str, str, str | None]], *, shifted: bool) -> str:
    """A rejected row's raw cells ``(header, text, canonical column)`` as one masked line:
    personal columns masked as such, any other cell that looks like a phone, VIN or plate
    masked too. In a ``shifted`` (ragged) row no cell can be trusted to be in its column, so
    every cell that is not a number is masked as a name."""
    parts = []
    for header, text, column in cells:
        if column in MASKS:
            shown = str(MASKS[column](text))
        else:
            shown = mask_by_look(text)
            if shifted and shown == text and not _is_number(text):
                shown = str(mask_name(text))
        parts.append(f"{header}={shown}")
    return "; ".join(parts)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True
