"""``manifest.json``: what a pack was made from and what it holds, file by file."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Settings, as_plain
from ..dataset import COUNT_FIELDS
from ..paths import file_sha256 as sha256
from ..timeframe import Period

# the call lists (and the rejects' original values) that --include-contact unmasks
CALL_LISTS = {  # fours lists: the week's calls
    "service_due.csv": "call list: services falling due (保养招揽)",
    "renewal_due.csv": "call list: insurance policies ending (续保提醒)",
    "insure_here.csv": "call list: serviced here, not insured here (在修不在保)",
    "first_service_due.csv": "call list: new cars due for the first service (首保招揽)",
    "first_service_lost.csv": "call list: new cars that missed the first service (首保流失)",
    "declined.csv": "call list: declined work not yet done (未修项目)",
    "events.csv": "call list: event invitations, core customers first (活动邀请)",
    "lists.xlsx": "every call list, a sheet each",
}
PERSONAL_FILES = frozenset(
    {"loyal_top.csv", "winback.csv", "lapsed.csv", "rejects.csv", *CALL_LISTS}
)
# files whose rows name customers or vehicles, always masked (ids, plates, VINs)
MASKED_FILES = frozenset({"loyalty.csv", "churn.csv"})
# what each output holds, for the manifest (by file name, then by suffix)
HOLDS = {
    "loyal_top.csv": "call list: core customers to invite",
    "winback.csv": "call list: customers at risk to win back",
    "lapsed.csv": "call list: lapsing and lost customers",
    "rejects.csv": "row problems, with the rejected rows' original cells",
    **CALL_LISTS,
    "loyalty.csv": "loyalty score and tier per customer",
    "churn.csv": "churn risk and reasons per customer",
    "validation.json": "row accounting per input file",
    "validation.txt": "row accounting per input file",
    ".html": "year-end report",
    ".pptx": "year-end report (deck)",
    ".md": "year-end report (Markdown)",
    ".svg": "chart",
    ".json": "figures and settings",
    ".csv": "table of figures",
}


def holds(name: str) -> str:
    return HOLDS.get(name) or HOLDS.get(Path(name).suffix, "other")


def outputs(pack: Path, settings: Settings) -> list[dict[str, Any]]:
    """Every file of the pack: size, SHA-256, what it holds, whether personal data is in it in
    full or masked, and whether it names staff."""
    privacy = settings.privacy
    found = []
    for path in sorted(p for p in pack.rglob("*") if p.is_file()):
        full = privacy.include_contact and path.name in PERSONAL_FILES
        masked = not full and path.name in PERSONAL_FILES | MASKED_FILES
        staff = privacy.show_staff and path.parent.name == "report"
        found.append(
            {
                "path": str(path.relative_to(pack)),
                "bytes": path.stat().st_size,
                "sha256": sha256(path),
                "holds": holds(path.name),
                "personal_data": full,
                "personal_data_masked": masked,
                "staff_names": staff,
            }
        )
    return found


def write(
    pack: Path,
    *,
    name: str,
    started: datetime,
    period: Period,
    settings: Settings,
    inputs: list[dict[str, Any]],
    steps: list[dict[str, Any]],
    rates: dict[str, float],
    banner: str,
    code: int,
    reports: list[Any],
    stores: list[str],
    runs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    manifest = {
        "fours_version": __version__,
        "pack": name,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now().isoformat(timespec="seconds"),
        "period": {
            "label": period.label,
            "start": f"{period.start:%Y-%m-%d}",
            "end": f"{period.end:%Y-%m-%d}",
        },
        "config": {
            "path": settings.source,
            "settings": {
                k: v
                for k, v in as_plain(settings).items()
                if k not in ("command_defaults", "source")
            },
        },
        "inputs": inputs,
        "stores": [x for x in stores if x],
        "accounting": {
            "totals": {k: sum(getattr(f, k) for f in reports) for k in COUNT_FIELDS},
            "adds_up": all(f.adds_up for f in reports) if reports else None,
            "files": [f.to_dict() for f in reports],
        },
        "data_quality": {
            "reject_rates": rates,
            "max_reject_rate": settings.run.max_reject_rate,
            "passed": not banner,
            "banner": banner,
        },
        "steps": steps,
        # per store: which worker ran it (host:pid; "local" in the run's own process), how
        # long it and each of its steps took, its peak memory, and whether it failed
        "store_runs": runs or [],
        "outputs": outputs(pack, settings),
        "contains_personal_data": settings.privacy.include_contact,
        "exit_code": code,
    }
    (pack / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return manifest
