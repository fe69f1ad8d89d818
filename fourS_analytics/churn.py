"""Churn: who is leaving, why, and whom to win back. Pure: a Dataset in, a ChurnResult out.

1. **Backtest** (always): every model is fitted as of ``as_of - horizon`` (the supervised and
   schedule models on labelled snapshots before that) and scored on what happened in the
   horizon after it: ROC AUC, PR AUC, Brier score, top-decile lift, predicted vs actual
   visits. The best ROC AUC is chosen unless a model is named.
2. **Scoring**: the chosen model, refitted on the latest labelled history, scores every
   customer seen within ``eligible_days`` before ``as_of``.
3. **Reasons** per customer, each backed by the customer's own values, ordered by how strongly
   the factor separates leavers from stayers in this store (the drivers table).
4. **Drivers**: a logistic regression of "no visit within the horizon" on the factors, in the
   backtest snapshot, as odds ratios with 95 % intervals.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
import pandas as pd

from . import customers, forks
from .config import CHURN_MODELS, ChurnConfig
from .dataset import Dataset
from .errors import FoursError, InputError, UsageError
from .i18n import Message
from .models import stats
from .models.churn_models import (
    BASELINES,
    BaselineChurn,
    BGNBDChurn,
    ScheduleChurn,
    Snapshot,
    SupervisedChurn,
    baseline_score,
    snapshot,
)
from .numbers import margin_figures
from .timeframe import AsOf
from .wording import model_key

MODELS = CHURN_MODELS
# (factor, column, test) -> the drivers table and the reasons
FACTORS = (
    ("post_warranty", "warranty ended"),
    ("old_vehicle", "vehicle 6 years or older"),
    ("comeback", "comeback in the last 12 months"),
    ("long_wait", "long wait, last 12 months"),
    ("late_delivery", "late delivery, last 12 months"),
    ("high_price", "price above peers"),
    ("low_csi", "low CSI, last 12 months"),
    ("appointment_use", "appointment use (share)"),
    ("one_visit", "only one visit"),
)


@dataclass
class ChurnResult:
    scores: pd.DataFrame  # per scored customer: p_churn, expected visits, p_alive, reasons
    lapsed: pd.DataFrame  # lapsing and lost customers
    drivers: pd.DataFrame
    winback: pd.DataFrame
    backtest: pd.DataFrame  # per model: metrics
    calibration: pd.DataFrame  # chosen model, backtest: predicted vs actual by decile
    chosen: str
    why: Message
    model_info: dict[str, Any]
    as_of: pd.Timestamp
    notes: list[Message] = field(default_factory=list)


def _factor_frame(
    c: pd.DataFrame, schedule: customers.Schedule, config: ChurnConfig | None = None
) -> pd.DataFrame:
    """The factors, each measured so that it is not a count of visits: the experience at the
    customer's last visit (a frequent visitor has more chances of one bad visit, a customer
    already gone has no recent visit at all)."""
    old = (config or ChurnConfig()).old_vehicle_years
    return pd.DataFrame(
        {
            "post_warranty": c["post_warranty"].astype(float),
            "old_vehicle": (c["vehicle_age_years"] >= old)
            .astype(float)
            .where(c["vehicle_age_years"].notna()),
            "comeback": c["last_comeback"].astype(float),
            "long_wait": c["last_long_wait"].astype(float),
            "late_delivery": c["last_late"].astype(float),
            "high_price": (c["price_ratio"] > schedule.high_price_ratio).astype(float),
            "low_csi": (c["last_csi"] <= schedule.low_csi)
            .astype(float)
            .where(c["last_csi"].notna(), 0.0),
            "appointment_use": c["appointment_share"].astype(float),
            "one_visit": (c["visits"] == 1).astype(float),
        },
        index=c.index,
    )


def drivers(
    snap: Snapshot, schedule: customers.Schedule, unavailable: dict[str, str]
) -> pd.DataFrame:
    """Odds ratios of leaving (no visit within the horizon) per factor, each adjusted for the
    others, with 95 % intervals. Not adjusted for how overdue a customer is: being overdue
    is what leaving looks like, so it would absorb the causes."""
    factors = _factor_frame(snap.customers, schedule)
    usable = [
        f for f in factors.columns if factors[f].notna().mean() > 0.5 and factors[f].nunique() > 1
    ]
    x = factors[usable].fillna(factors[usable].median())
    y = snap.churned
    fit = stats.logistic_regression(x.to_numpy(), y)
    odds, low, high, p = fit.odds_ratios()
    rows = []
    for i, factor in enumerate(usable, start=1):
        has = factors[factor] > (0.5 if factor != "appointment_use" else factors[factor].median())
        rows.append(
            {
                "factor": factor,
                "odds_ratio": odds[i],
                "ci_low": low[i],
                "ci_high": high[i],
                "p_value": p[i],
                "customers_with": int(has.sum()),
                "churn_rate_with": float(y[has.to_numpy()].mean()) if has.any() else 0.0,
                "churn_rate_without": float(y[~has.to_numpy()].mean()) if (~has).any() else 0.0,
            }
        )
    for factor in factors.columns:
        if factor not in usable:
            rows.append(
                {
                    "factor": factor,
                    "odds_ratio": np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "p_value": np.nan,
                    "customers_with": 0,
                    "churn_rate_with": 0.0,
                    "churn_rate_without": float(y.mean()),
                    "note": unavailable.get(factor, "na_no_variation"),
                }
            )
    rows.extend(_advisor_rows(snap, x.to_numpy(), y))
    out = pd.DataFrame(rows)
    out["strength"] = np.abs(np.log(out["odds_ratio"]))
    # what a factor costs: the customers it touches times the churn it adds (or, for a
    # protective one, saves) among them; a factor on 1 % of customers does not lead one on
    # a third because its odds ratio is larger
    gap = (out["churn_rate_with"] - out["churn_rate_without"]).abs()
    out["impact"] = (out["customers_with"] * gap).round(1)
    n = len(y)
    out["reliable"] = (
        ((out["ci_low"] > 1) | (out["ci_high"] < 1))  # the interval excludes no effect
        & (out["customers_with"] >= MIN_FACTOR_CUSTOMERS)
        & (n - out["customers_with"] >= MIN_FACTOR_CUSTOMERS)
        & out["odds_ratio"].between(*stats.ODDS_PLAUSIBLE)  # not a separation artefact
    )
    return out.sort_values(
        ["reliable", "impact", "strength"], ascending=False, na_position="last"
    ).reset_index(drop=True)


def _advisor_rows(
    snap: Snapshot, x: np.ndarray, y: np.ndarray, min_customers: int = 30
) -> list[dict[str, Any]]:
    """Each advisor's customers against all others, adjusted for the other factors."""
    advisor = snap.customers["advisor"]
    counts = advisor.value_counts()
    rows = []
    for name, n in counts.items():
        if n < min_customers or n > len(advisor) - min_customers:
            continue
        is_this = (advisor == name).to_numpy(dtype=float)
        fit = stats.logistic_regression(np.column_stack([x, is_this]), y)
        odds, low, high, p = (v[-1] for v in fit.odds_ratios())
        has = is_this > 0
        rows.append(
            {
                "factor": f"advisor:{name}",
                "odds_ratio": odds,
                "ci_low": low,
                "ci_high": high,
                "p_value": p,
                "customers_with": int(n),
                "churn_rate_with": float(y[has].mean()),
                "churn_rate_without": float(y[~has].mean()),
            }
        )
    return rows


REASONS = (
    "overdue",
    "post_warranty",
    "comeback",
    "long_wait",
    "late_delivery",
    "high_price",
    "low_csi",
    "old_vehicle",
    "one_visit",
)


def reasons(
    c: pd.DataFrame, schedule: customers.Schedule, config: ChurnConfig, order: list[str]
) -> tuple[pd.Series, pd.Series]:
    """Up to three reason codes per customer (``"overdue;post_warranty"``), ranked by how
    strongly each separates leavers from stayers here, and the first of them. Each reason's
    figure is the customer's own (``overdue_days``, ``vehicle_age_years``, ``price_ratio``);
    :func:`fourS_analytics.wording.reason_text` says them in words."""
    f = _factor_frame(c, schedule, config)
    present: dict[str, pd.Series] = {
        "overdue": c["overdue_days"] > config.overdue_reason_days,
        **{key: f[key] > 0 for key in REASONS if key != "overdue"},
    }
    ranked = ["overdue"] + [o for o in order if o in present and o != "overdue"]
    ranked += [k for k in REASONS if k not in ranked]
    n = len(c)
    joined = np.full(n, "", dtype=object)
    top = np.full(n, "", dtype=object)
    count = np.zeros(n, dtype=np.int64)
    for key in ranked:  # the first three present reasons, column by column
        take = present[key].fillna(False).to_numpy(dtype=bool) & (count < 3)
        later = take & (count > 0)
        joined[later] = joined[later] + ";"
        joined[take] = joined[take] + key
        top[take & (count == 0)] = key
        count[take] += 1
    return pd.Series(joined, index=c.index), pd.Series(top, index=c.index)


ACTIONS = {
    "comeback": "ac_comeback",
    "long_wait": "ac_wait",
    "late_delivery": "ac_wait",
    "high_price": "ac_price",
    "low_csi": "ac_csi",
    "post_warranty": "ac_warranty",
    "overdue": "ac_overdue",
    "old_vehicle": "ac_warranty",
    "one_visit": "ac_overdue",
    "": "ac_courtesy",
}


def _metrics(
    y: np.ndarray, p: np.ndarray, visits_pred: np.ndarray, visits_true: np.ndarray
) -> dict[str, float]:
    return {
        "roc_auc": stats.roc_auc(y, p),
        "pr_auc": stats.pr_auc(y, p),
        "brier": stats.brier(y, p),
        "lift_top_decile": stats.top_decile_lift(y, p),
        "predicted_visits": float(np.sum(visits_pred)),
        "actual_visits": float(np.sum(visits_true)),
        "customers": len(y),
        "churn_rate": float(np.mean(y)),
    }


MIN_SCORING_DAYS = 28  # below this, repeat visits cannot show yet: no churn at all
MIN_HISTORY_DAYS = 120  # history before a cutoff, for its features
BACKTEST_FLOOR_DAYS = 60  # the shortest backtest horizon worth a verdict
# the backtest runs beside the final fit (a spare core) from this many customers on: on the
# sample store (2,243) the fit guessed ahead made churn 2.4 -> 3.0 s; on 1M ROs 28 -> 22 s
BESIDE_MIN_CUSTOMERS = 20_000
MIN_FACTOR_CUSTOMERS = 20  # a churn driver is reported from this many customers with it
DRIVER_COLUMNS = [
    "factor",
    "odds_ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "customers_with",
    "churn_rate_with",
    "churn_rate_without",
    "strength",
    "impact",
    "reliable",
]


def _backtest(
    dataset: Dataset,
    target: Snapshot,
    config: ChurnConfig,
    snap: Callable[..., Snapshot],
    model: str | None,
    back_cutoff: pd.Timestamp,
    horizon: int,
) -> tuple[pd.DataFrame, pd.DataFrame, str, Message, dict[str, Any], dict[str, Any]]:
    """Every model fitted before ``back_cutoff`` and scored on what happened in the
    ``horizon`` days after it: the table, the chosen model's calibration, the choice and why."""
    y = target.churned
    train = _training(dataset, back_cutoff, config, snap)
    rows, fitted, preds = [], {}, {}
    for name in MODELS:
        try:
            if name != "bgnbd" and not train:  # they learn from labelled earlier periods
                raise InputError(
                    "model_no_training",
                    model=name,
                    horizon=horizon,
                    cutoff=str(back_cutoff.date()),
                    history=MIN_HISTORY_DAYS,
                    needs=2 * horizon + MIN_HISTORY_DAYS,
                )
            fitted[name] = _fit_model(name, train, target)
            p, v = fitted[name].predict(target)
            preds[name] = (p, v)
            actual = cast(pd.Series, target.visits_after)  # labelled: snap(label=True)
            rows.append({"model": name, **_metrics(y, p, v, actual.to_numpy())})
        except FoursError as exc:
            rows.append({"model": name, "error": str(exc)})
    # the baselines a model must beat: plain rules, scored on the same customers
    scores_by = {name: p for name, (p, _v) in preds.items()}
    for name in BASELINES:
        score = baseline_score(target.customers, name)
        scores_by[f"baseline:{name}"] = score
        rows.append(
            {
                "model": f"baseline:{name}",
                "roc_auc": stats.roc_auc(y, score),
                "lift_top_decile": stats.top_decile_lift(y, score),
                "customers": len(y),
                "churn_rate": float(np.mean(y)),
            }
        )
    backtest = pd.DataFrame(rows).set_index("model")
    if (
        "roc_auc" not in backtest
        or backtest.loc[[m for m in MODELS if m in backtest.index], "roc_auc"].isna().all()
    ):
        raise InputError("model_no_data", model="any churn")
    # is "best" more than noise? every scorer on the same resamples, so differences pair
    names = list(scores_by)
    boot = stats.bootstrap_aucs(y, [scores_by[n] for n in names])
    for i, name in enumerate(names):
        low, high = stats.percentile_interval(boot[:, i])
        backtest.loc[name, "roc_auc_low"], backtest.loc[name, "roc_auc_high"] = low, high
    backtest["kind"] = [
        "baseline" if str(m).startswith("baseline:") else "model" for m in backtest.index
    ]
    auc = backtest["roc_auc"]
    model_auc = auc[[m for m in MODELS if m in preds]]
    base_auc = auc[[f"baseline:{b}" for b in BASELINES]].dropna()
    best = str(model_auc.idxmax())
    best_base = str(base_auc.idxmax()) if len(base_auc) else ""
    if model:
        chosen = model
    elif best_base and not model_auc.max() > base_auc.max():
        chosen = best_base  # no model beats the plain rule here: the rule is used
    else:
        chosen = best
    if chosen not in scores_by:
        raise InputError("model_no_data", model=chosen)
    margin: dict[str, Any] = {}
    if best_base:  # the best model against the best rule, paired over the same resamples
        diff = boot[:, names.index(best)] - boot[:, names.index(best_base)]
        low, high = stats.percentile_interval(diff)
        margin = {
            "model": best,
            "baseline": best_base,
            "difference": float(auc[best] - auc[best_base]),
            "low": low,
            "high": high,
            "beyond_noise": bool(low > 0 or high < 0),
        }
    others = ", ".join(f"{m} {auc[m]:.3f}" for m in auc.index if m != chosen and pd.notna(auc[m]))
    why = Message(
        "churn_why_named"
        if model
        else "churn_why_baseline"
        if chosen.startswith("baseline:")
        else "churn_why_best",
        {
            "model": chosen,
            "auc": f"{auc[chosen]:.3f}",
            "cutoff": str(back_cutoff.date()),
            "days": horizon,  # the backtest's real horizon
            "others": Message("churn_others", {"others": others})
            if others
            else Message("churn_no_others"),
        },
    )
    p_bt = scores_by[chosen]
    if chosen.startswith("baseline:"):  # its probabilities, as the final one will give them
        p_bt = BaselineChurn(chosen.split(":", 1)[1]).fit(target).predict(target)[0]
    deciles = pd.qcut(pd.Series(p_bt).rank(method="first"), 10, labels=False)
    calibration = (
        pd.DataFrame({"predicted": p_bt, "actual": y.astype(float), "decile": deciles})
        .groupby("decile")
        .mean()
        .reset_index()
    )
    return backtest, calibration, chosen, why, fitted, margin


def _fit_model(name: str, train: list[Snapshot], target: Snapshot) -> Any:
    if name.startswith("baseline:"):  # a rule turned into probabilities on labelled data
        labelled = [s for s in [*train, target] if s.visits_after is not None]
        if not labelled:
            raise InputError("model_no_data", model=name)
        return BaselineChurn(name.split(":", 1)[1]).fit(labelled[0])
    if name == "bgnbd":
        return BGNBDChurn().fit(target)
    if name == "schedule":
        return ScheduleChurn().fit(train)
    return SupervisedChurn().fit(train)


def _fit_ahead(name: str, train: list[Snapshot], now: Snapshot) -> dict[str, Any]:
    """The scoring's fits, made before the backtest has chosen: ``name`` on ``train`` and
    BG/NBD on ``now`` (its P(alive)); a fit that fails is left to the scoring, to fail there
    as it would have."""
    out: dict[str, Any] = {}
    for model, rows in ((name, train), ("bgnbd", [])):
        if model not in out:
            with contextlib.suppress(FoursError):
                out[model] = _fit_model(model, rows, now)
    return out


def _training(
    dataset: Dataset,
    cutoff: pd.Timestamp,
    config: ChurnConfig,
    snap: Callable[[pd.Timestamp, int], Snapshot],
) -> list[Snapshot]:
    """Labelled snapshots whose horizon ends by ``cutoff``."""
    first = dataset.repair_orders["open_time"].min()
    snaps = []
    for i in range(config.training_cutoffs):
        c = cutoff - pd.Timedelta(days=config.horizon_days + i * config.cutoff_step_days)
        if c - first < pd.Timedelta(days=MIN_HISTORY_DAYS):
            break
        snaps.append(snap(c, config.horizon_days))
    return snaps


def analyse(
    dataset: Dataset,
    as_of: object | None = None,
    *,
    config: ChurnConfig | None = None,
    schedule: customers.Schedule | None = None,
    model: str | None = None,
    clv: pd.Series | None = None,
    calibration_end: object | None = None,
    base: customers.CustomerBase | None = None,
) -> ChurnResult:
    """``base``: the customer base as of ``as_of`` if the caller has it (saves building it)."""
    config = config or ChurnConfig()
    schedule = schedule or customers.Schedule()
    if model is not None and model not in MODELS:
        raise UsageError(
            "bad_option",
            option="model",
            reason=Message("rs_use_one_of", {"choices": ", ".join(MODELS)}),
        )
    model = model if model is not None else config.model  # config: named with backtest off
    ros = dataset.repair_orders
    if ros.empty:
        raise InputError("churn_too_little", customers=0, days=0)
    moment = AsOf.parse(as_of, last=ros["open_time"].max()).day  # included whole
    notes: list[Message] = []
    span_days = (moment - ros["open_time"].min().normalize()).days  # whole days
    if span_days < MIN_SCORING_DAYS:
        raise InputError("churn_too_little", customers=ros["unit_id"].nunique(), days=span_days)
    asked = config.horizon_days
    if calibration_end is not None:
        back_cutoff = AsOf.parse(calibration_end).day
        horizon = (moment - back_cutoff).days
        if horizon <= 0 or (back_cutoff - ros["open_time"].min()).days < MIN_HISTORY_DAYS:
            raise InputError("churn_too_little", customers=ros["unit_id"].nunique(), days=span_days)
    else:  # the longest backtest the history allows, down to the floor
        horizon = min(asked, span_days - MIN_HISTORY_DAYS)
        back_cutoff = moment - pd.Timedelta(days=max(horizon, 0))
        if 0 < horizon < asked and horizon >= BACKTEST_FLOOR_DAYS:
            notes.append(Message("churn_short_backtest", {"days": horizon, "asked": asked}))
    memo: dict[tuple[pd.Timestamp, int, bool], Snapshot] = {}

    def snap(cutoff: pd.Timestamp, days: int, label: bool = True) -> Snapshot:
        """Each snapshot is built once: the backtest target is also the first snapshot the
        final model trains on, and the scoring base is the caller's if it has one."""
        key = (cutoff, days, label)
        if key not in memo:
            memo[key] = snapshot(
                dataset, cutoff, days, schedule, config.eligible_days, label=label, base=base
            )
        return memo[key]

    now = snap(moment, asked, label=False)
    # the scoring model learns from the latest labelled history (with the asked horizon where
    # the history is long enough, else the backtest's)
    train_horizon = asked if span_days - asked >= MIN_HISTORY_DAYS else max(horizon, 1)

    def final_training() -> list[Snapshot]:
        return _training(dataset, moment, replace(config, horizon_days=train_horizon), snap)

    ahead: dict[str, Any] = {}  # the scoring's fits made while the backtest ran beside
    early: dict[str, Any] = {}  # ... and their forecasts for now, made while it still ran
    validated = horizon >= BACKTEST_FLOOR_DAYS and config.backtest
    if validated:
        target = snap(back_cutoff, horizon)
        y = target.churned
        if y.all() or not y.any():
            validated = False
            notes.append(Message("churn_no_contrast", {"cutoff": str(back_cutoff.date())}))
    if validated:
        n = len(target.customers)
        if n < config.min_customers:
            notes.append(Message("churn_few_customers", {"n": n, "minimum": config.min_customers}))
        short = replace(config, horizon_days=horizon)

        def backtested() -> tuple[Any, ...]:
            found = _backtest(dataset, target, short, snap, model, back_cutoff, horizon)
            return (*found, drivers(target, schedule, target.unavailable))

        # with a spare core the backtest runs in a child while this process fits the model
        # the scoring most likely needs (the one named, else the supervised one, the dearest)
        # and BG/NBD; the same fits the scoring would make after it, so the same figures
        child = (
            forks.beside("churn-backtest", backtested)
            if n >= BESIDE_MIN_CUSTOMERS
            else None  # a few seconds' work: a guessed fit would cost more than it saves
        )
        given = None
        if child is not None:
            ahead = _fit_ahead(model or "supervised", final_training() or [target], now)
            for name, fit in ahead.items():  # the backtest takes longer: forecast meanwhile
                with contextlib.suppress(FoursError):  # (left to the scoring, to fail there)
                    early[name] = fit.predict(now)
            given = child.join().value  # None if it failed: then again here, to say why
        found = given if given is not None else backtested()
        backtest, calibration, chosen, why, fitted, margin, driver_table = found
        if margin and margin["difference"] > 0 and not margin["beyond_noise"]:
            notes.append(  # the model leads, but not by more than the noise
                Message(
                    "churn_margin_noise",
                    {
                        "model": Message(model_key(margin["model"])),
                        "baseline": Message(model_key(margin["baseline"])),
                        **margin_figures(margin),
                    },
                )
            )
    elif not config.backtest:  # the model named scores, unchecked here: quicker lists
        notes.append(Message("churn_not_backtested", {"model": Message(model_key(str(model)))}))
        chosen = str(model)
        why = Message("churn_why_unbacktested", {"model": Message(model_key(chosen))})
    else:  # no room for a backtest: BG/NBD needs no labels; the lists are rules
        notes.append(
            Message(
                "churn_not_validated",
                {"days": span_days, "needs": BACKTEST_FLOOR_DAYS + MIN_HISTORY_DAYS},
            )
        )
        chosen = "bgnbd"
        why = Message("churn_why_unvalidated", {"days": span_days})
    if not validated:
        backtest = pd.DataFrame(columns=["roc_auc", "pr_auc", "brier", "lift_top_decile"])
        backtest.index.name = "model"
        calibration = pd.DataFrame(columns=["decile", "predicted", "actual"])
        driver_table = pd.DataFrame(columns=DRIVER_COLUMNS)
        fitted, margin = {}, {}

    def scoring_fit(name: str, train: list[Snapshot]) -> Any:
        return ahead[name] if name in ahead else _fit_model(name, train, now)

    def forecast(name: str, fit: Any) -> tuple[np.ndarray, np.ndarray]:
        return early[name] if name in early and ahead.get(name) is fit else fit.predict(now)

    # ---- score now, with the chosen model refitted on the latest labelled history
    # BG/NBD fits on the scoring day's base alone: no labelled snapshots to build for it
    final_train = [] if chosen == "bgnbd" else final_training()
    try:
        final = scoring_fit(chosen, final_train or ([target] if validated else []))
    except FoursError:
        if chosen == "bgnbd":
            raise
        notes.append(Message("churn_fallback", {"model": chosen}))
        chosen, final = "bgnbd", scoring_fit("bgnbd", [])
    p_now, v_now = forecast(chosen, final)
    if np.isnan(v_now).all():  # a baseline forecasts no visits: BG/NBD's, where it fits
        try:
            v_now = forecast("bgnbd", scoring_fit("bgnbd", []))[1]
        except FoursError:
            v_now = np.zeros(len(p_now))
    c = now.customers
    scores = pd.DataFrame(index=c.index)
    scores["p_churn"] = np.round(np.clip(p_now, 0, 1), 4)
    scores["expected_visits"] = np.round(np.clip(v_now, 0, None), 3)
    try:  # P(alive) where BG/NBD can be fitted, as of now
        alive = final if chosen == "bgnbd" else scoring_fit("bgnbd", [])
        p_alive = alive.model_.p_alive(c["frequency"], c["recency"], c["age"])
        scores["p_alive"] = np.where(c["frequency"] > 0, np.round(p_alive, 4), np.nan)
    except FoursError:
        scores["p_alive"] = np.nan
    for column in (
        "days_since_last",
        "interval_days",
        "overdue_days",
        "visits",
        "last_visit",
        "advisor",
        "model",
        "vehicle_age_years",
        "customer_pay",
        "price_ratio",
    ):
        scores[column] = c[column]
    odds = driver_table.set_index("factor")["odds_ratio"].astype(float)
    order = [str(f) for f, v in odds.items() if pd.notna(v) and v > 1]
    scores["reasons"], scores["top_reason"] = reasons(c, schedule, config, order)

    value = clv.reindex(scores.index).fillna(0.0) if clv is not None else c["customer_pay"]
    scores["value"] = np.round(value, 2)
    scores["value_at_risk"] = np.round(scores["p_churn"] * value, 2)
    winback = (
        scores[scores["p_churn"] >= config.winback_min_probability]
        .sort_values("value_at_risk", ascending=False)
        .copy()
    )
    winback["action"] = [ACTIONS.get(k, "ac_courtesy") for k in winback["top_reason"]]
    winback.insert(0, "rank", range(1, len(winback) + 1))

    base_all = now.everyone
    gone = base_all[base_all["days_since_last"] > config.lapsing_days]
    lapsed = pd.DataFrame(
        {
            "status": np.where(gone["days_since_last"] > config.lost_days, "lost", "lapsing"),
            "last_visit": gone["last_visit"],
            "days_since_last": gone["days_since_last"],
            "visits": gone["visits"],
            "customer_pay": gone["customer_pay"],
            "advisor": gone["advisor"],
            "model": gone["model"],
        },
        index=gone.index,
    )
    lapsed = lapsed.sort_values("customer_pay", ascending=False)

    info: dict[str, Any] = {
        "chosen": chosen,
        "why": why.to_dict(),
        "moment": str(moment.date()),
        "validated": validated,
        "backtest_cutoff": str(back_cutoff.date()) if validated else None,
        "horizon_days": horizon if validated else None,  # the backtest's
        "forecast_horizon_days": asked,
        "backtest": backtest.reset_index().replace({np.nan: None}).to_dict("records"),
        "margin_over_baseline": margin or None,  # best model - best rule, paired interval
        "time_unit": "days",
        "unavailable": now.unavailable,
    }
    if not validated:  # the scoring's own fit, made as of now
        fitted = {chosen: final}
    fitted_as_of = str((back_cutoff if validated else moment).date())
    if "bgnbd" in fitted:
        s = fitted["bgnbd"].model_.summary_
        info["bgnbd"] = {
            "params": s.params,
            "standard_errors": s.standard_errors,
            "log_likelihood": s.log_likelihood,
            "customers": s.n_customers,
            "converged": s.converged,
            "fitted_as_of": fitted_as_of,
        }
    if "supervised" in fitted:  # features the data left empty or constant, not used
        info["supervised"] = {"dropped_features": list(fitted["supervised"].dropped_)}
    if "schedule" in fitted:
        sched = fitted["schedule"]
        info["schedule"] = {
            "params": sched.params_,
            "at_bound": list(sched.at_bound_),
            "fitted_as_of": fitted_as_of,
        }
        for name in sched.at_bound_:
            shown = sched.params_.get(name, sched.theta_[2])
            notes.append(
                Message(
                    "churn_param_at_bound",
                    {"model": "schedule", "param": name, "value": f"{shown:.3g}"},
                )
            )
    return ChurnResult(
        scores,
        lapsed,
        driver_table,
        winback,
        backtest,
        calibration,
        chosen,
        why,
        info,
        moment,
        notes,
    )
