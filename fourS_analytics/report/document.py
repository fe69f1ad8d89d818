"""The year-end report as data: a document of three parts, each of sections whose findings are
claims backed by their figures (观点与材料统一: no claim without data, no table without a point).

Renderers (Markdown, HTML; a PPTX deck to come) read this structure; none of them computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Finding:
    """One point: the claim in words, the figures that back it (name -> value as shown),
    where it comes from, and optionally a chart (SVG text) or a table."""

    claim: str
    figures: dict[str, str]
    source: str  # which analysis produced it, e.g. "kpi", "churn.drivers"
    weight: float = 0.0  # how much it matters (for choosing and ordering)
    chart_svg: str | None = None
    table: Table | None = None


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


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    lang: str
    parts: list[Part]
    banner: str = ""  # e.g. a data-quality warning shown on every output
