"""The year-end report as data: a document of three parts, each of sections whose findings are
claims backed by their figures (观点与材料统一: no claim without data, no table without a point).

Renderers (HTML, Markdown, the PPTX deck, a user's own templates) read this structure; none of
them computes a figure. Charts are data too (categories and series), so the HTML draws them as
SVG and the deck as native, editable PowerPoint charts from the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: tuple[bool, ...] = ()  # per column: right-aligned figures

    def is_numeric(self, i: int) -> bool:
        return i < len(self.numeric) and self.numeric[i]


@dataclass(frozen=True)
class Chart:
    """A chart as its numbers. ``kind``: line (months), column (categories) or bar
    (horizontal, long labels). ``percent``: the values are fractions shown as %."""

    kind: str
    title: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    percent: bool = False


@dataclass(frozen=True)
class Finding:
    """One point: the claim in words, the figures that back it (name -> value as shown),
    where it comes from, and optionally a chart or a table."""

    claim: str
    figures: dict[str, str]
    source: str  # which analysis produced it, e.g. "kpi", "churn.drivers"
    weight: float = 0.0  # how much it matters (for choosing and ordering)
    chart: Chart | None = None
    table: Table | None = None
    notes: str = ""  # what the presenter says (the deck's speaker notes)


@dataclass(frozen=True)
class Section:
    title: str
    findings: list[Finding] = field(default_factory=list)
    table: Table | None = None
    note: str = ""  # the manager's own remarks, merged where they belong


@dataclass(frozen=True)
class Part:
    key: str  # review | experience | plans
    title: str
    sections: list[Section]
    closing: tuple[str, ...] = ()  # plans: next year's targets, numbered, as said on stage


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    lang: str
    parts: list[Part]
    banner: str = ""  # e.g. a data-quality warning shown on every output
    kind: str = "store"  # store | group
    presenter: str = ""  # who presents it (the deck's title slide)
    # the closing slide: its title and next year's targets, numbered
    closing_title: str = ""
    closing: tuple[str, ...] = ()
    source_words: dict[str, str] = field(default_factory=dict)  # source -> words in lang
