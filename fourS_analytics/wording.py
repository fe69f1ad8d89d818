"""The analyses' codes said in words, at the edge (lists, report, terminal).

The analyses return codes (a churn factor ``post_warranty``, reason codes
``"overdue;comeback"``, an action ``ac_comeback``, a tier ``core``) and the figures behind
them; these functions turn them into the user's language with :func:`~.i18n.t`, so one set of
results renders in Chinese and in English.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pandas as pd

from .i18n import MESSAGES, t
from .numbers import whole_slots


def factor_label(factor: str, lang: str) -> str:
    """A churn driver's name: ``post_warranty`` -> 保修期已过; ``advisor:王芳`` -> 服务顾问 王芳."""
    if factor.startswith("advisor:"):
        return t("f_advisor", lang, name=factor.split(":", 1)[1])
    return t(f"f_{factor}", lang)


def drivers_in_words(drivers: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The drivers table with a ``label`` column beside each factor, and its notes in words."""
    out = drivers.copy()
    out.insert(1, "label", [factor_label(str(f), lang) for f in out["factor"]])
    if "note" in out:
        out["note"] = [
            t(n, lang) if isinstance(n, str) and n.startswith("na_") else n for n in out["note"]
        ]
    return out


def _reason(key: str, row: dict[Any, Any], lang: str) -> str:
    if key == "overdue":
        return t("rs_overdue", lang, days=int(_number(row.get("overdue_days"))))
    if key == "post_warranty":
        return t("rs_warranty", lang, years=f"{_number(row.get('vehicle_age_years')):.1f}")
    if key == "old_vehicle":
        return t("rs_old", lang, years=f"{_number(row.get('vehicle_age_years')):.1f}")
    if key == "high_price":
        return t("rs_price", lang, pct=round((_number(row.get("price_ratio"), 1.0) - 1) * 100))
    return t(
        {
            "comeback": "rs_comeback",
            "long_wait": "rs_long_wait",
            "late_delivery": "rs_late",
            "low_csi": "rs_low_csi",
            "one_visit": "rs_one_visit",
        }[key],
        lang,
    )


def _number(value: object, default: float = 0.0) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return default if np.isnan(v) else v


def _figures(scores: pd.DataFrame) -> dict[str, np.ndarray] | None:
    """Per row, the figure each reason code says, as :func:`_reason` makes it (the days
    overdue, the vehicle's age to a tenth, the price above the average in per cent), for the
    whole column at once; None where a figure is not finite or beyond 1e15 (the row-by-row
    rules decide)."""

    def numbers(column: str, default: float) -> np.ndarray | None:
        if column not in scores:
            return np.full(len(scores), default)
        values = pd.to_numeric(scores[column], errors="coerce").to_numpy(dtype=float)
        values = np.where(np.isnan(values), default, values)
        # an integer of int64 (a figure beyond 1e15 days or per cent is not one to say)
        return values if (np.abs(values) < 1e15).all() else None

    overdue = numbers("overdue_days", 0.0)
    age = numbers("vehicle_age_years", 0.0)
    price = numbers("price_ratio", 1.0)
    if overdue is None or age is None or price is None:
        return None
    years = np.array([f"{v:.1f}" for v in age.tolist()], dtype=object)
    return {
        "overdue": np.trunc(overdue).astype(np.int64),  # int(): towards zero
        "post_warranty": years,
        "old_vehicle": years,
        "high_price": np.rint((price - 1) * 100).astype(np.int64),  # round(): half to even
    }


_FIGURE_WORDS = {
    "overdue": ("rs_overdue", "days"),
    "post_warranty": ("rs_warranty", "years"),
    "old_vehicle": ("rs_old", "years"),
    "high_price": ("rs_price", "pct"),
}


def reason_text(scores: pd.DataFrame, lang: str) -> pd.Series:
    """Each customer's reasons (codes in ``reasons``) in words, with the customer's own
    figures: "逾期 45 天未保养；保修期已过（车龄 3.4 年）". Each distinct (reason, figure) is
    put in words once: a list of 100,000 customers says a few thousand different things."""
    sep = "；" if lang == "zh" else "; "
    figures = _figures(scores)
    if figures is None:  # a figure the whole-column rules cannot take: row by row
        used = [c for c in ("overdue_days", "vehicle_age_years", "price_ratio") if c in scores]
        rows = scores[used].to_dict("records")  # plain dicts: iterrows is 20x slower
        texts = []
        for codes, row in zip(scores["reasons"], rows, strict=True):
            keys = [k for k in codes.split(";") if k] if isinstance(codes, str) else []
            texts.append(sep.join(_reason(k, row, lang) for k in keys))
        return pd.Series(texts, index=scores.index, dtype=object)
    said: dict[tuple[str, object], str] = {}

    def words(key: str, i: int) -> str:
        figure = figures[key][i] if key in figures else None
        text = said.get((key, figure))
        if text is None:
            if key in _FIGURE_WORDS:
                message, name = _FIGURE_WORDS[key]
                text = t(message, lang, **{name: figure})
            else:
                text = _reason(key, {}, lang)
            said[(key, figure)] = text
        return text

    texts = []
    for i, codes in enumerate(scores["reasons"]):
        keys = [k for k in codes.split(";") if k] if isinstance(codes, str) else []
        texts.append(sep.join(words(k, i) for k in keys))
    return pd.Series(texts, index=scores.index, dtype=object)


def churn_list_in_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A scores, win-back or lapsed list with its codes said: reasons, action, status."""
    out = frame.copy()
    if "reasons" in out:
        out["reason_codes"] = out["reasons"]
        out["reasons"] = reason_text(frame, lang)
    if "action" in out:
        out["action"] = [t(a, lang) for a in out["action"]]
    if "status" in out:
        out["status_label"] = [t(f"st_{s}", lang) for s in out["status"]]
    return out


def visits_bucket(bucket: object, lang: str) -> str:
    """A visit-frequency bucket in words: "1 visit", "3-4 visits", "5+ 次"."""
    if str(bucket) == "1":
        return t("rp_visits_bucket_1", lang)
    return t("rp_visits_bucket", lang, n=bucket)


def tier_label(tier: object, lang: str) -> str:
    return t(f"tier_{tier}", lang)


def model_label(model: str, lang: str) -> str:
    """A churn scorer's name: ``schedule`` -> 保养周期模型, ``baseline:recency`` -> a rule."""
    return t(model_key(model), lang)


def model_key(name: str) -> str:
    """The message key of a scorer's name (``baseline:recency`` -> ``cm_baseline_recency``)."""
    return "cm_" + name.replace("baseline:", "baseline_")


def source_label(source: str, lang: str) -> str:
    """Where a finding comes from, in words: ``kpi.breakdown.technician`` -> 按技师的指标;
    a source without words of its own takes its parent's (``pipeline.churn`` -> 分析步骤)."""
    key = source
    while key:
        if f"src_{key}" in MESSAGES:
            return t(f"src_{key}", lang)
        key = key.rpartition(".")[0]
    return source


def feature_label(key: str, lang: str) -> str:
    """A loyalty weight's or a left-out feature's name: ``no_bad`` -> 无未解决的不良体验,
    ``price_vs_peers`` -> 价格对比 (the key itself where it has no words)."""
    for prefix in ("lw_", "uf_"):
        if f"{prefix}{key}" in MESSAGES:
            return t(f"{prefix}{key}", lang)
    return key


def listing(items: list[str], lang: str) -> str:
    """Items joined as the language joins them: 、 in Chinese, ", " in English."""
    return ("、" if lang == "zh" else ", ").join(items)


DECIMALS = {"vehicle_age_years": 1, "price_ratio": 2, "interval_days": 0, "overdue_days": 0}


def call_list(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A call list as the desk reads it in Excel: figures rounded (车龄 5.5, not 5.5441...),
    and in Chinese the headers in words (流失概率, 风险价值（元）); the English list keeps the
    canonical column names, as the JSON does."""
    out = frame.copy()
    if "tier" in out.columns and "tier_label" not in out.columns:
        at = int(out.columns.get_loc("tier")) + 1  # type: ignore[arg-type]
        out.insert(at, "tier_label", [tier_label(x, lang) for x in out["tier"]])
    for column, digits in DECIMALS.items():
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").round(digits)
    if lang == "zh":
        out.columns = [t(f"h_{c}", lang) if f"h_{c}" in MESSAGES else str(c) for c in out.columns]
    return out


def appointment_plan(plan: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The appointment plan as the booking desk uses it: the weekday in words, the slots
    whole, the expected arrivals to one decimal; Chinese headers in Chinese."""
    out = plan.copy()
    if "weekday" in out.columns:
        out.insert(1, "weekday_label", [t(f"wd_{int(d)}", lang) for d in out["weekday"]])
    if "appointment_slots" in out.columns:
        out["appointment_slots"] = whole_slots(out["appointment_slots"])
    for column in ("appointments", "walk_ins", "walk_in_reserve", "spare_capacity"):
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").round(1)
    return call_list(out, lang)


def _day(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _int(value: object) -> int:
    return round(_number(value))


_REASON_FIGURES = (
    "reason",
    "due_date",
    "interval_days",
    "days_to_due",
    "end_date",
    "days_left",
    "visits",
    "last_visit",
    "sale_date",
    "months_since_sale",
    "ro_date",
    "declined_work",
    "days_since",
    "score",
)


def list_reason(row: dict[Any, Any], lang: str) -> str:
    """One call-list row's reason (a code with the row's own figures, the columns of
    ``_REASON_FIGURES``) in words."""
    code = str(row["reason"])
    key = f"lr_{code}"
    if code == "service_due":
        return t(key, lang, due=_day(row.get("due_date")), interval=_int(row.get("interval_days")))
    if code == "service_overdue":
        return t(key, lang, due=_day(row.get("due_date")), days=-_int(row.get("days_to_due")))
    if code.startswith("renewal_"):
        return t(key, lang, end=_day(row.get("end_date")), days=_int(row.get("days_left")))
    if code == "insure_here":
        return t(key, lang, visits=_int(row.get("visits")), last=_day(row.get("last_visit")))
    if code == "first_service_due":
        return t(key, lang, sale=_day(row.get("sale_date")), due=_day(row.get("due_date")))
    if code == "first_service_overdue":
        return t(key, lang, sale=_day(row.get("sale_date")), days=-_int(row.get("days_to_due")))
    if code == "first_service_lost":
        return t(
            key,
            lang,
            sale=_day(row.get("sale_date")),
            months=f"{_number(row.get('months_since_sale')):.0f}",
        )
    if code == "declined":
        return t(
            key,
            lang,
            day=_day(row.get("ro_date")),
            work=_day(row.get("declined_work")),
            days=_int(row.get("days_since")),
        )
    return t(key, lang, score=f"{_number(row.get('score')):.1f}")


def _reasons_once(figures: pd.DataFrame, lang: str) -> list[str]:
    """:func:`list_reason` of every row, worded once per distinct row of figures (a list's
    rows share their due days and intervals). A row whose figures cannot be compared as a
    key (a missing value beside another on a hash collision) is worded on its own."""
    said: dict[tuple[Any, ...], str] = {}
    out = []
    for row in figures.to_dict("records"):
        key = tuple(row.values())
        try:
            text = said.get(key)
        except TypeError:
            text = None
        if text is None:
            text = list_reason(row, lang)
            with contextlib.suppress(TypeError):
                said[key] = text
        out.append(text)
    return out


def list_in_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A call list as the desk reads it: the reason in words beside its code, the loyalty
    tier in words, figures rounded, Chinese headers in Chinese (see :func:`call_list`)."""
    out = frame.copy()
    used = [c for c in _REASON_FIGURES if c in out.columns]  # what list_reason reads
    at = int(out.columns.get_loc("reason"))  # type: ignore[arg-type]
    reasons = _reasons_once(out[used], lang)
    out = out.rename(columns={"reason": "reason_codes"})
    out.insert(at, "reason", reasons)
    if "tier" in out.columns:
        where = int(out.columns.get_loc("tier")) + 1  # type: ignore[arg-type]
        labels = [tier_label(x, lang) if isinstance(x, str) else "" for x in out["tier"]]
        out.insert(where, "tier_label", labels)
    if "slot_weekday" in out.columns:  # the suggested booking: 周二 10:00
        slots = [
            "" if pd.isna(d) or pd.isna(h) else f"{t(f'wd_{int(d)}', lang)} {int(h):02d}:00"
            for d, h in zip(out["slot_weekday"], out["slot_hour"], strict=True)
        ]
        where = int(out.columns.get_loc("slot_weekday"))  # type: ignore[arg-type]
        out = out.drop(columns=["slot_weekday", "slot_hour"])
        out.insert(where, "slot", slots)
    if "renewed_last" in out.columns:
        yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
        out["renewed_last"] = [
            "" if pd.isna(x) else yes if bool(x) else no for x in out["renewed_last"]
        ]
    return call_list(out, lang)
