"""The churn models and the labelled snapshots they learn from.

A snapshot is the customer base as of a cutoff, restricted to customers seen within
``eligible_days`` before it, labelled with their visits in ``(cutoff, cutoff + horizon]``.
Every model answers, per customer: P(no visit within the horizon) and the expected visits.

- :class:`BGNBDChurn`: BG/NBD fitted on the history up to the cutoff (no labels needed).
- :class:`ScheduleChurn`: service visits come on a personal schedule. The time to the next
  visit of a customer who is still here is Gamma(k, interval / k) (Erlang-k for whole k);
  the chance of still being here, pi, depends on the warranty status; given the days already
  without a visit, Bayes gives P(still here) and from it P(a visit within the horizon). k and
  pi are fitted by maximum likelihood on labelled snapshots of earlier cutoffs.
- :class:`SupervisedChurn`: gradient boosting on the customer features, trained on labelled
  snapshots of several earlier cutoffs, probabilities calibrated (isotonic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, gammaincc

from .. import customers
from ..dataset import Dataset
from ..errors import InputError, UsageError
from ..i18n import Message
from .btyd import BetaGeo
from .stats import logistic_regression

FEATURES = (
    "days_since_last",
    "interval_days",
    "overdue_ratio",
    "visits",
    "visits_per_year",
    "tenure_days",
    "customer_pay_per_year",
    "on_schedule",
    "appointment_share",
    "csi_mean",
    "comeback_12m",
    "long_wait_12m",
    "late_12m",
    "price_ratio",
    "low_csi_12m",
    "post_warranty",
    "vehicle_age_years",
    "renewal_share",
    "insured_here",
    "km_per_year",
)


@dataclass
class Snapshot:
    cutoff: pd.Timestamp
    horizon_days: int
    customers: pd.DataFrame  # eligible customers' features (CustomerBase.customers rows)
    visits_after: pd.Series | None  # visits in the horizon (None when it is not over yet)
    unavailable: dict[str, str]
    everyone: pd.DataFrame  # every customer seen by the cutoff (the base before eligibility)

    @property
    def churned(self) -> np.ndarray:
        if self.visits_after is None:
            raise UsageError(
                "bad_option",
                option="snapshot",
                reason=Message("rs_no_labels"),
            )
        return self.visits_after.to_numpy() == 0


def snapshot(
    dataset: Dataset,
    cutoff: pd.Timestamp,
    horizon_days: int,
    schedule: customers.Schedule,
    eligible_days: int = 730,
    label: bool = True,
    base: customers.CustomerBase | None = None,
) -> Snapshot:
    """``base``: the customer base as of ``cutoff`` if the caller has it already."""
    cutoff = pd.Timestamp(cutoff).normalize()  # a whole day, included in the features
    if base is None or base.as_of != cutoff:
        base = customers.build(dataset, cutoff, schedule)
    c = base.customers
    c = c[c["days_since_last"] <= eligible_days].copy()
    c["customer_pay_per_year"] = c["customer_pay"] / np.maximum(c["tenure_days"] / 365.25, 0.5)
    visits_after = None
    if label:
        ros = dataset.repair_orders
        # the horizon: the days after the cutoff day, the last one included
        first, stop = cutoff + pd.Timedelta(days=1), cutoff + pd.Timedelta(days=horizon_days + 1)
        later = ros[
            (ros["open_time"] >= first)
            & (ros["open_time"] < stop)
            & (ros["ro_type"].astype(str) != "internal")
        ]
        days = later.assign(day=later["open_time"].dt.normalize()).drop_duplicates(
            ["unit_id", "day"]
        )
        visits_after = days["unit_id"].value_counts().reindex(c.index).fillna(0).astype(int)
    return Snapshot(cutoff, horizon_days, c, visits_after, base.unavailable, base.customers)


def feature_matrix(c: pd.DataFrame) -> np.ndarray:
    return np.column_stack(
        [
            pd.to_numeric(c[f], errors="coerce").astype(float).to_numpy()
            if f in c.columns
            else np.full(len(c), np.nan)
            for f in FEATURES
        ]
    )


MIN_REPEATERS = 5  # customers with a repeat visit BG/NBD needs to be fitted at all


class BGNBDChurn:
    name = "bgnbd"

    def fit(self, snap: Snapshot) -> BGNBDChurn:
        """Fitted on every customer seen by the snapshot's cutoff (no labels needed)."""
        full = snap.everyone
        if int((full["frequency"] > 0).sum()) < MIN_REPEATERS:  # nothing to learn a rate from
            raise InputError("model_no_data", model="BG/NBD")
        self.model_ = BetaGeo().fit(full["frequency"], full["recency"], full["age"])
        return self

    def predict(self, snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
        c = snap.customers
        h = float(snap.horizon_days)
        p_none = self.model_.p_no_visit(h, c["frequency"], c["recency"], c["age"])
        visits = self.model_.expected_visits(h, c["frequency"], c["recency"], c["age"])
        return np.clip(p_none, 0, 1), visits


class ScheduleChurn:
    name = "schedule"
    # log k, logit pi in warranty, the post-warranty shift of logit pi
    BOUNDS = ((float(np.log(0.2)), float(np.log(50.0))), (-6.0, 8.0), (-6.0, 6.0))

    def __init__(self, max_rows: int = 150_000, random_state: int = 0) -> None:
        self.max_rows = max_rows  # three parameters: a seeded sample of rows pins them down
        self.random_state = random_state

    @staticmethod
    def _arrays(c: pd.DataFrame, horizon: float) -> tuple[np.ndarray, ...]:
        n = len(c)
        return (
            c["post_warranty"].to_numpy(dtype=float),
            c["days_since_last"].to_numpy(dtype=float),
            c["interval_days"].to_numpy(dtype=float),
            np.full(n, float(horizon)),
        )

    @staticmethod
    def _terms_of(
        theta: np.ndarray,
        post: np.ndarray,
        s: np.ndarray,
        interval: np.ndarray,
        horizon: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        k = np.exp(theta[0])
        pi = expit(theta[1] + theta[2] * post)
        surv_s = gammaincc(k, k * s / interval)
        surv_sh = gammaincc(k, k * (s + horizon) / interval)
        with np.errstate(divide="ignore", invalid="ignore"):
            visit_if_here = np.where(surv_s > 1e-300, 1 - surv_sh / surv_s, 1.0)
        here = pi * surv_s / (pi * surv_s + 1 - pi)
        return here, np.clip(visit_if_here, 0, 1)

    def _terms(
        self, theta: np.ndarray, c: pd.DataFrame, horizon: float
    ) -> tuple[np.ndarray, np.ndarray]:
        return self._terms_of(theta, *self._arrays(c, horizon))

    def fit(self, snaps: list[Snapshot]) -> ScheduleChurn:
        labelled = [s for s in snaps if s.visits_after is not None and len(s.customers)]
        if not labelled:
            raise InputError("model_no_data", model="schedule")
        parts = [self._arrays(s.customers, s.horizon_days) for s in labelled]
        columns = [np.concatenate([p[i] for p in parts]) for i in range(4)]
        y = np.concatenate([~s.churned for s in labelled])
        if len(y) > self.max_rows:
            pick = np.sort(
                np.random.default_rng(self.random_state).choice(
                    len(y), self.max_rows, replace=False
                )
            )
            columns, y = [col[pick] for col in columns], y[pick]

        def neg_ll(theta: np.ndarray) -> float:
            here, visit = self._terms_of(theta, *columns)
            p_visit = np.clip(here * visit, 1e-9, 1 - 1e-9)
            return -float(np.sum(np.where(y, np.log(p_visit), np.log1p(-p_visit))))

        best = None
        for start in ([np.log(3.0), 1.5, -0.5], [np.log(1.0), 0.5, 0.0], [np.log(8.0), 2.5, -1.0]):
            res = minimize(neg_ll, np.array(start), method="L-BFGS-B", bounds=self.BOUNDS)
            if best is None or res.fun < best.fun:
                best = res
        best = cast(Any, best)  # three starts: never None
        self.theta_ = best.x
        self.params_ = {
            "k": float(np.exp(best.x[0])),
            "pi_in_warranty": float(expit(best.x[1])),
            "pi_post_warranty": float(expit(best.x[1] + best.x[2])),
        }
        # a parameter the optimiser left on its bound is not an estimate: said, not hidden
        names = ("k", "pi_in_warranty", "post_warranty_shift")
        self.at_bound_ = [
            name
            for name, x, (low, high) in zip(names, best.x, self.BOUNDS, strict=True)
            if min(abs(x - low), abs(x - high)) < 1e-6 * max(1.0, abs(x))
        ]
        return self

    def predict(self, snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
        c = snap.customers
        here, visit = self._terms(self.theta_, c, snap.horizon_days)
        p_visit = here * visit
        interval = c["interval_days"].to_numpy(dtype=float)
        expected = p_visit * (1 + snap.horizon_days / (2 * interval))
        return 1 - p_visit, expected


class SupervisedChurn:
    name = "supervised"

    def __init__(self, max_rows: int = 200_000, random_state: int = 0) -> None:
        self.max_rows = max_rows
        self.random_state = random_state

    def fit(self, snaps: list[Snapshot]) -> SupervisedChurn:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        labelled = [s for s in snaps if s.visits_after is not None and len(s.customers)]
        x = np.vstack([feature_matrix(s.customers) for s in labelled]) if labelled else None
        if x is None or len(x) < 200:  # too few labelled rows to learn and calibrate
            raise InputError("model_no_data", model="supervised")
        y = np.concatenate([s.churned for s in labelled])
        visits = np.concatenate(
            [s.visits_after.to_numpy() for s in labelled if s.visits_after is not None]
        )
        if y.all() or not y.any():
            raise InputError("model_no_data", model="supervised")
        rng = np.random.default_rng(self.random_state)
        if len(x) > self.max_rows:
            keep = rng.choice(len(x), self.max_rows, replace=False)
            x, y, visits = x[keep], y[keep], visits[keep]
        # a feature that is empty or constant throughout (no CSI, no appointment flag in this
        # export) carries nothing, and scikit-learn refuses an all-empty one: left out, named
        self.features_ = [
            i
            for i in range(x.shape[1])
            if np.isfinite(x[:, i]).any() and np.nanmin(x[:, i]) < np.nanmax(x[:, i])
        ]
        self.dropped_ = [FEATURES[i] for i in range(x.shape[1]) if i not in self.features_]
        if not self.features_:
            raise InputError("model_no_data", model="supervised")
        x = x[:, self.features_]
        booster = HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.08,
            max_leaf_nodes=31,
            l2_regularization=1.0,
            random_state=self.random_state,
        )
        cv = 3 if min(y.sum(), (~y).sum()) >= 30 else 2
        method = "isotonic" if len(y) >= 1000 else "sigmoid"  # isotonic overfits small data
        try:
            self.classifier_ = CalibratedClassifierCV(booster, method=method, cv=cv).fit(x, y)
            self.regressor_ = HistGradientBoostingRegressor(
                loss="poisson", max_iter=100, learning_rate=0.08, random_state=self.random_state
            ).fit(x, visits)
        except ValueError as exc:  # degenerate training data: say what scikit-learn said
            raise InputError(
                "model_failed_because", model="supervised", reason=str(exc).splitlines()[0][:200]
            ) from None
        return self

    def predict(self, snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
        x = feature_matrix(snap.customers)[:, self.features_]
        return self.classifier_.predict_proba(x)[:, 1], self.regressor_.predict(x)


BASELINES = ("recency", "overdue_ratio", "frequency")


def baseline_score(c: pd.DataFrame, name: str) -> np.ndarray:
    """A plain rule that ranks customers by how likely they are to leave: days since the last
    visit, that over the personal interval, or fewer visits. What a model must beat."""
    if name == "recency":
        score = c["days_since_last"]
    elif name == "overdue_ratio":
        score = c["days_since_last"] / c["interval_days"]
    else:
        score = -c["visits"]
    values = pd.to_numeric(score, errors="coerce").astype(float)
    return values.fillna(values.median() if values.notna().any() else 0.0).to_numpy()


class BaselineChurn:
    """A baseline as a churn model: its score turned into a probability by a logistic fit on
    a labelled snapshot; expected visits are not part of a baseline (NaN)."""

    def __init__(self, baseline: str) -> None:
        self.baseline = baseline
        self.name = f"baseline:{baseline}"

    def fit(self, snap: Snapshot) -> BaselineChurn:
        y = snap.churned
        if len(y) < 2 or y.all() or not y.any():
            raise InputError("model_no_data", model=self.name)
        x = baseline_score(snap.customers, self.baseline)
        scale = float(np.std(x)) or 1.0
        self.scale_ = scale
        self.coef_ = logistic_regression((x / scale)[:, None], y).coef
        return self

    def predict(self, snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
        x = baseline_score(snap.customers, self.baseline) / self.scale_
        p = 1 / (1 + np.exp(-(self.coef_[0] + self.coef_[1] * x)))
        return p, np.full(len(x), np.nan)
