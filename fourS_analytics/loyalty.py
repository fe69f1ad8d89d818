"""Loyalty: return visits and customer quality, as a 0-100 score, a tier, expected visits and
a lifetime value per customer. Pure: a CustomerBase in, a LoyaltyResult out.

Components (each 0-1; weights configurable, shown in the output):

- ``frequency``: visits per year against the brand's expected visits per year;
- ``schedule``: share of service-to-service gaps kept within the schedule;
- ``spend``: customer-pay spend per year, as a percentile among customers;
- ``appointment``: share of visits made by appointment;
- ``insurance``: insured here now, else the share of policies renewed here;
- ``csi``: mean normalised survey score;
- ``no_bad``: 0 when the last visit left a comeback, a long wait or a low score unresolved.

A component whose data is missing (no appointments flag, no policies, no surveys) is left out
and the other weights are renormalised; ``unavailable`` says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import LoyaltyConfig
from .customers import CustomerBase
from .errors import FoursError
from .i18n import Message
from .models.btyd import BetaGeo, GammaGamma, lifetime_value

TIERS = ("core", "regular", "occasional", "at_risk", "lapsed")


@dataclass
class LoyaltyResult:
    customers: pd.DataFrame  # one row per customer: components, score, tier, value
    weights: dict[str, float]  # the weights used, after leaving out unavailable components
    summary: pd.DataFrame  # per tier: customers, share, revenue share, mean score
    models: dict[str, object]  # fitted BG/NBD and Gamma-Gamma summaries (or why not)
    unavailable: dict[str, str]
    as_of: pd.Timestamp


def components(base: CustomerBase, config: LoyaltyConfig) -> tuple[pd.DataFrame, dict[str, str]]:
    c = base.customers
    unavailable = dict(base.unavailable)
    out = pd.DataFrame(index=c.index)
    out["frequency"] = (c["visits_per_year"] / config.expected_visits_per_year).clip(0, 1)
    out["schedule"] = c["on_schedule"].fillna(0.5)
    spend_year: pd.Series = c["customer_pay"] / np.maximum(c["tenure_days"] / 365.25, 0.5)
    out["spend"] = spend_year.rank(pct=True)
    if "appointment_use" not in unavailable:
        out["appointment"] = c["appointment_share"].fillna(0.0)
    if "insurance_renewal" not in unavailable:
        out["insurance"] = np.where(c["insured_here"], 1.0, c["renewal_share"].fillna(0.0))
    if "csi" not in unavailable:
        out["csi"] = c["csi_mean"].fillna(0.5)
    bad = c["last_comeback"] | c["last_long_wait"] | (c["last_csi"] <= 0.6).fillna(False)
    out["no_bad"] = (~bad).astype(float)
    return out, unavailable


def score(base: CustomerBase, config: LoyaltyConfig | None = None) -> LoyaltyResult:
    """Loyalty score, tier, expected visits (12 months) and lifetime value per customer."""
    config = config or LoyaltyConfig()
    comp, unavailable = components(base, config)
    weights = {k: float(w) for k, w in config.weights.items() if k in comp.columns and w > 0}
    total = sum(weights.values())
    weights = {k: w / total for k, w in weights.items()}
    c = base.customers
    result = comp.copy()
    weighted = pd.Series(0.0, index=comp.index)
    for k, w in weights.items():
        weighted = weighted + comp[k] * w
    result["score"] = (100 * weighted).round(1)
    tier = np.select(
        [
            c["days_since_last"] > config.lapsed_days,
            c["overdue_ratio"] >= config.at_risk_overdue_ratio,
            result["score"] >= config.core_score,
            result["score"] >= config.regular_score,
        ],
        ["lapsed", "at_risk", "core", "regular"],
        "occasional",
    )
    result["tier"] = pd.Categorical(tier, categories=TIERS)
    for column in (
        "visits",
        "first_visit",
        "last_visit",
        "days_since_last",
        "interval_days",
        "overdue_days",
        "visits_per_year",
        "customer_pay",
        "revenue",
        "km_per_year",
        "advisor",
        "model",
    ):
        result[column] = c[column]
    result["return_visits"] = c["visits"] - 1
    result["customer_pay_per_year"] = (
        c["customer_pay"] / np.maximum(c["tenure_days"] / 365.25, 0.5)
    ).round(2)

    models: dict[str, object] = {}
    try:
        bg = BetaGeo().fit(c["frequency"], c["recency"], c["age"])
        expected = bg.expected_visits(365.25, c["frequency"], c["recency"], c["age"])
        models["bgnbd"] = bg.summary_
    except FoursError as exc:  # too little history: a plain rate, said in the output
        bg = None
        expected = c["visits_per_year"].to_numpy()
        models["bgnbd"] = Message("model_not_fitted", {"reason": Message(exc.key, exc.params)})
    result["expected_visits_12m"] = np.round(expected, 3)
    try:
        gg = GammaGamma().fit(c["frequency"], c["monetary"])
        spend = gg.expected_spend(c["frequency"], c["monetary"])
        models["gamma_gamma"] = gg.summary_
    except FoursError as exc:
        spend = (c["customer_pay"] / c["visits"]).to_numpy()
        models["gamma_gamma"] = Message(
            "model_not_fitted", {"reason": Message(exc.key, exc.params)}
        )
    spend = np.nan_to_num(np.asarray(spend, dtype=float), nan=0.0)
    result["expected_spend_per_visit"] = np.round(spend, 2)
    if bg is not None:
        clv = lifetime_value(
            bg,
            spend,
            c["frequency"],
            c["recency"],
            c["age"],
            months=config.clv_months,
            annual_discount=config.annual_discount,
        )
    else:
        years = config.clv_months / 12
        clv = (
            expected
            * spend
            * sum((1 + config.annual_discount) ** -y for y in np.arange(1, years + 1))
            / max(years, 1)
            * years
        )
    result["clv"] = np.round(np.nan_to_num(clv, nan=0.0), 2)

    revenue = c["revenue"].sum()
    summary = result.groupby("tier", observed=False).agg(
        customers=("score", "size"),
        mean_score=("score", "mean"),
        revenue=("revenue", "sum"),
        clv=("clv", "sum"),
    )
    summary["share"] = summary["customers"] / max(len(result), 1)
    summary["revenue_share"] = summary["revenue"] / revenue if revenue else 0.0
    summary = summary.fillna(0.0)
    return LoyaltyResult(result, weights, summary, models, unavailable, base.as_of)


def invitation_list(result: LoyaltyResult, contacts: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The top core customers for priority service and event invitations, best first."""
    core = (
        result.customers[result.customers["tier"] == "core"]
        .sort_values(["score", "clv"], ascending=False)
        .head(top_n)
    )
    out = core[
        ["score", "tier", "visits", "last_visit", "expected_visits_12m", "clv", "advisor", "model"]
    ].join(contacts, how="left")
    out.insert(0, "rank", range(1, len(out) + 1))
    return out.reset_index()


def contacts_of(ros: pd.DataFrame) -> pd.DataFrame:
    """Name, phone, plate and VIN of each unit from its latest repair order."""
    cols = [c for c in ("customer_name", "phone", "plate", "vin") if c in ros.columns]
    # the columns it gives sorted, not the export's 32 (the same order: one key, one sort)
    few = ros[["open_time", "unit_id", *cols]].sort_values("open_time")
    return few.groupby("unit_id").tail(1).set_index("unit_id")[cols]
