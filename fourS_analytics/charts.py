"""Charts as SVG whose text stays text, so Chinese labels render with the viewer's own fonts
on any machine (no font file needs to be installed for the toolkit). Each function takes
``ax=None`` and returns the Axes; :func:`save` writes the figure. No pyplot global state."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .i18n import t
from .models.stats import ODDS_PLAUSIBLE
from .wording import factor_label

# matplotlib is imported where a chart is drawn, not with this module: the pipeline imports
# the report and a command that draws nothing (fours lists, kpi) would pay ~0.3 s for it
if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FONTS = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "WenQuanYi Micro Hei",
    "DejaVu Sans",
    "sans-serif",
]
STYLE: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "fourS_analytics",
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
}
COLORS = ["#1f6f8b", "#4ea8a0", "#99c9a8", "#e8a33d", "#c8553d"]


def _axes(ax: Axes | None, size: tuple[float, float] = (7, 4)) -> Axes:
    if ax is not None:
        return ax
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(STYLE):
        fig = Figure(figsize=size)
        return fig.subplots()


def save(ax: Axes, path: str | Path) -> Path:
    from matplotlib import rc_context

    path = Path(path)
    fig = cast("Figure", ax.get_figure(root=True))
    with rc_context(STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig.tight_layout()
        fig.savefig(path, format="svg", metadata={"Date": None})  # same chart, same bytes
    return path


def svg_text(ax: Axes) -> str:
    """The figure as SVG markup without the XML prologue, to sit inside an HTML page."""
    import io

    from matplotlib import rc_context

    buffer = io.StringIO()
    fig = cast("Figure", ax.get_figure(root=True))
    with rc_context(STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig.tight_layout()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def tier_distribution(summary: pd.DataFrame, lang: str, ax: Axes | None = None) -> Axes:
    ax = _axes(ax)
    labels = [t(f"tier_{tier}", lang) for tier in summary.index]
    ax.bar(labels, summary["customers"], color=COLORS[: len(labels)])
    share = summary["revenue_share"].to_numpy()
    for i, (n, s) in enumerate(zip(summary["customers"], share, strict=True)):
        ax.annotate(
            t("ch_revenue_share", lang, pct=f"{100 * s:.0f}"),
            (i, n),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_title(t("ch_tiers", lang))
    ax.set_ylabel(t("ch_customers", lang))
    return ax


def frequency_recency(customers: pd.DataFrame, lang: str, ax: Axes | None = None) -> Axes:
    """Customers by visits (rows) and months since the last visit (columns)."""
    ax = _axes(ax)
    visits = pd.cut(
        customers["visits"], [0, 1, 2, 4, 7, np.inf], labels=["1", "2", "3-4", "5-7", "8+"]
    )
    months = pd.cut(
        customers["days_since_last"] / 30.44,
        [-0.01, 3, 6, 12, 24, np.inf],
        labels=["0-3", "3-6", "6-12", "12-24", "24+"],
    )
    table = pd.crosstab(visits, months).reindex(
        index=visits.cat.categories, columns=months.cat.categories, fill_value=0
    )
    ax.imshow(table.to_numpy(), cmap="YlGnBu", aspect="auto")
    ax.set_xticks(range(len(table.columns)), table.columns)
    ax.set_yticks(range(len(table.index)), table.index)
    for (i, j), v in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=9)
    ax.set_xlabel(t("ch_months_since", lang))
    ax.set_ylabel(t("ch_visits", lang))
    ax.set_title(t("ch_freq_recency", lang))
    return ax


def calibration(table: pd.DataFrame, lang: str, ax: Axes | None = None) -> Axes:
    ax = _axes(ax, (5, 5))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1)
    ax.plot(table["predicted"], table["actual"], marker="o", color=COLORS[0])
    ax.set_xlabel(t("ch_predicted", lang))
    ax.set_ylabel(t("ch_actual", lang))
    ax.set_title(t("ch_calibration", lang))
    return ax


def lift(table: pd.DataFrame, lang: str, ax: Axes | None = None) -> Axes:
    ax = _axes(ax)
    overall = table["actual"].mean()
    ordered = table.sort_values("decile", ascending=False)
    ax.bar(
        [str(10 - int(d)) for d in ordered["decile"]], ordered["actual"] / overall, color=COLORS[1]
    )
    ax.axhline(1.0, color="#999999", linestyle="--", linewidth=1)
    ax.set_xlabel(t("ch_decile", lang))
    ax.set_ylabel(t("ch_lift", lang))
    ax.set_title(t("ch_lift_title", lang))
    return ax


ODDS_SHOWN = ODDS_PLAUSIBLE  # the odds ratios the drivers chart draws (its log axis' range)


def drivers(table: pd.DataFrame, lang: str, ax: Axes | None = None) -> Axes:
    # a factor whose odds ratio is beyond 1e-3..1e3 is a separation artefact (churn.drivers
    # never calls it reliable): left off; an interval reaching past the bounds is cut there,
    # so a near-separated factor's 1e300 does not stretch the log axis out of floats
    odds = table["odds_ratio"]
    rows = table[odds.between(ODDS_SHOWN[0], ODDS_SHOWN[1])].iloc[::-1]
    ax = _axes(ax, (7, 0.5 * len(rows) + 1.5))
    y = np.arange(len(rows))
    low = rows["ci_low"].clip(lower=ODDS_SHOWN[0]).fillna(rows["odds_ratio"])
    high = rows["ci_high"].clip(upper=ODDS_SHOWN[1]).fillna(rows["odds_ratio"])
    ax.errorbar(
        rows["odds_ratio"],
        y,
        xerr=[rows["odds_ratio"] - low, high - rows["odds_ratio"]],
        fmt="o",
        color=COLORS[0],
        capsize=3,
    )
    ax.axvline(1.0, color="#999999", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.set_yticks(y, [factor_label(str(f), lang) for f in rows["factor"]])
    ax.set_xlabel(t("ch_odds_ratio", lang))
    ax.set_title(t("ch_drivers", lang))
    return ax


def week_heatmap(
    by_hour: pd.DataFrame,
    column: str,
    title_key: str,
    lang: str,
    ax: Axes | None = None,
    vmax: float | None = None,
) -> Axes:
    """Weekday x opening hour heatmap of one column of the hour-of-week table."""
    ax = _axes(ax, (8, 3.6))
    open_rows = by_hour[by_hour["open"]]
    table = open_rows.pivot(index="weekday", columns="hour", values=column).sort_index()
    image = ax.imshow(table.to_numpy(dtype=float), cmap="YlOrRd", aspect="auto", vmin=0, vmax=vmax)
    ax.set_xticks(range(len(table.columns)), [f"{h}:00" for h in table.columns], fontsize=8)
    ax.set_yticks(range(len(table.index)), [t(f"wd_{d}", lang) for d in table.index])
    for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
        if np.isfinite(v):
            ax.text(
                j, i, f"{v:.2f}" if v < 10 else f"{v:.0f}", ha="center", va="center", fontsize=7
            )
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(t(title_key, lang))
    return ax


def staffing_curve(staffing: pd.DataFrame, lang: str, ax: Axes | None = None) -> Axes:
    ax = _axes(ax, (9, 3.6))
    x = np.arange(len(staffing))
    for column, color in (
        ("technicians_now", COLORS[0]),
        ("needed_today", COLORS[3]),
        ("needed_with_growth", COLORS[4]),
    ):
        ax.step(x, staffing[column], where="mid", color=color, label=t(f"sf_{column}", lang))
    starts = np.flatnonzero(np.r_[True, np.diff(staffing["weekday"].to_numpy()) != 0])
    ax.set_xticks(starts, [t(f"wd_{d}", lang) for d in staffing["weekday"].iloc[starts]])
    ax.set_ylabel(t("sf_technicians", lang))
    ax.set_title(t("sf_title", lang))
    ax.legend(fontsize=8)
    return ax


def _thousands(value: float, _pos: int | None = None) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.1f}"


def _percent(value: float, _pos: int | None = None) -> str:
    return f"{100 * value:.0f}%"


PALER = [COLORS[2], COLORS[3], COLORS[1], COLORS[4]]


def document_chart(chart: Any) -> str:
    """A report chart (``report.document.Chart``: categories and series) as inline SVG, with
    thousands separators (or percentages) on the value axis."""
    horizontal = chart.kind == "bar"
    height = max(3.0, 0.35 * len(chart.categories) + 1.2) if horizontal else 3.2
    ax = _axes(None, (8, height))
    n = len(chart.series)
    x = np.arange(len(chart.categories))
    for i, (name, values) in enumerate(chart.series):
        y = np.array([np.nan if v is None else float(v) for v in values])
        # the latest (last) series in the strong colour, earlier ones paler
        color = COLORS[0] if i == n - 1 else PALER[(n - 2 - i) % len(PALER)]
        if chart.kind == "line":
            ax.plot(x, y, marker="o", label=name, color=color)
        elif horizontal:
            width = 0.8 / n
            ax.barh(x + (i - (n - 1) / 2) * width, y, height=width, label=name, color=color)
        else:
            width = 0.8 / n
            ax.bar(x + (i - (n - 1) / 2) * width, y, width=width, label=name, color=color)
    value_axis = ax.xaxis if horizontal else ax.yaxis
    from matplotlib.ticker import FuncFormatter

    value_axis.set_major_formatter(FuncFormatter(_percent if chart.percent else _thousands))
    if horizontal:
        ax.set_yticks(x, chart.categories)
        ax.invert_yaxis()
    else:
        ax.set_xticks(x, chart.categories)
    ax.set_title(chart.title)
    if n > 1:
        ax.legend(fontsize=8)
    return svg_text(ax)
