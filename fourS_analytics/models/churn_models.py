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
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, gammainc, gammaincc

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
        # the horizon: the days after the cutoff day, the last one included
        counts = customers.visit_days_after(dataset, cutoff, horizon_days, schedule)
        visits_after = counts.reindex(c.index).fillna(0).astype(int)
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


def upper_gamma(k: float, x: np.ndarray) -> np.ndarray:
    """The regularised upper incomplete Gamma function Q(k, x). Below x = 1 it is taken as
    1 - P(k, x): scipy's gammaincc is 10-40 times slower there for k < 1, and Q is not small
    there (it is at least Q(k, 1)), so nothing is lost to cancellation (checked to 2e-14)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    small = x < 1.0
    out[small] = 1.0 - gammainc(k, x[small])
    out[~small] = gammaincc(k, x[~small])
    return out


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
        pi = expit(theta[1] + theta[2] * post)
        surv_s, visit_if_here = ScheduleChurn._survival(np.exp(theta[0]), s, interval, horizon)
        here = pi * surv_s / (pi * surv_s + 1 - pi)
        return here, visit_if_here

    @staticmethod
    def _survival(
        k: float, s: np.ndarray, interval: np.ndarray, horizon: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """S(s), the chance of no visit yet after ``s`` days, and P(a visit within the
        horizon | none yet) for a customer still here, under Gamma(k, interval / k) gaps."""
        surv_s = upper_gamma(k, k * s / interval)
        surv_sh = upper_gamma(k, k * (s + horizon) / interval)
        with np.errstate(divide="ignore", invalid="ignore"):
            visit_if_here = np.where(surv_s > 1e-300, 1 - surv_sh / surv_s, 1.0)
        return surv_s, np.clip(visit_if_here, 0, 1)

    def _terms(
        self, theta: np.ndarray, c: pd.DataFrame, horizon: float
    ) -> tuple[np.ndarray, np.ndarray]:
        return self._terms_of(theta, *self._arrays(c, horizon))

    GRID = 9  # log k values the profile likelihood is first evaluated at
    K_TOL = 1e-4  # of log k: k to 0.01 %

    @classmethod
    def _profile_fit(
        cls,
        post: np.ndarray,
        s: np.ndarray,
        interval: np.ndarray,
        horizon: np.ndarray,
        y: np.ndarray,
    ) -> np.ndarray:
        """Maximum likelihood by profiling over k. For a fixed k the survival terms are
        fixed, and logit P(still here) = logit pi + log S(s) is linear in the two pi
        parameters: that inner fit has an exact gradient and costs no Gamma function. The
        outer search over log k (a grid, then Brent between the best point's neighbours)
        evaluates the two incomplete Gamma functions once per k, where a joint numerical
        gradient needed eight evaluations per step."""
        lo, hi = cls.BOUNDS[0]
        inner_start = np.array([1.5, -0.5])
        found: dict[float, tuple[float, np.ndarray]] = {}

        def profile(log_k: float) -> float:
            log_k = float(min(max(log_k, lo), hi))
            if log_k in found:
                return found[log_k][0]
            surv_s, visit = cls._survival(np.exp(log_k), s, interval, horizon)
            with np.errstate(divide="ignore"):
                log_surv = np.log(surv_s)  # -inf where the customer is surely gone
            start = min(found.values(), key=lambda f: f[0])[1] if found else inner_start
            value, ab = cls._inner_fit(post, log_surv, visit, y, start)
            found[log_k] = (value, ab)
            return value

        grid = np.linspace(lo, hi, cls.GRID)
        values = [profile(g) for g in grid]
        i = int(np.argmin(values))
        left, right = grid[max(i - 1, 0)], grid[min(i + 1, cls.GRID - 1)]
        minimize_scalar(
            profile, bounds=(left, right), method="bounded", options={"xatol": cls.K_TOL}
        )
        # the best k evaluated: a bound itself (a grid point) where the optimum lies on it
        best = min(found, key=lambda g: found[g][0])
        return np.array([best, *found[best][1]])

    @classmethod
    def _inner_fit(
        cls,
        post: np.ndarray,
        log_surv: np.ndarray,
        visit: np.ndarray,
        y: np.ndarray,
        start: np.ndarray,
    ) -> tuple[float, np.ndarray]:
        """The pi parameters for fixed survival terms: the negative log-likelihood and its
        exact gradient (P(visit) = visit * expit(eta), eta = a + b * post + log S)."""
        low, high = 1e-9, 1 - 1e-9

        def neg_ll(ab: np.ndarray) -> tuple[float, np.ndarray]:
            eta = ab[0] + ab[1] * post + log_surv
            here = expit(eta)
            p = visit * here
            inside = (p > low) & (p < high)  # the clip's flat parts have no slope
            p = np.clip(p, low, high)
            value = -float(np.sum(np.where(y, np.log(p), np.log1p(-p))))
            with np.errstate(invalid="ignore"):
                slope = np.where(y, 1 / p, -1 / (1 - p)) * visit * here * (1 - here)
            d_eta = np.where(inside & np.isfinite(eta), slope, 0.0)
            return value, -np.array([d_eta.sum(), (d_eta * post).sum()])

        res = minimize(neg_ll, start, jac=True, method="L-BFGS-B", bounds=cls.BOUNDS[1:])
        return float(res.fun), np.asarray(res.x, dtype=float)

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

        post, since, interval, horizon = columns
        theta = self._profile_fit(post, since, interval, horizon, y)
        self.theta_ = theta
        self.params_ = {
            "k": float(np.exp(theta[0])),
            "pi_in_warranty": float(expit(theta[1])),
            "pi_post_warranty": float(expit(theta[1] + theta[2])),
        }
        # a parameter the optimiser left on its bound is not an estimate: said, not hidden
        names = ("k", "pi_in_warranty", "post_warranty_shift")
        self.at_bound_ = [
            name
            for name, x, (low, high) in zip(names, theta, self.BOUNDS, strict=True)
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


class _HeldOutCalibrated:
    """A booster and the isotonic map fitted on rows it did not learn from."""

    def __init__(self, booster: Any, isotonic: Any) -> None:
        self.booster, self.isotonic = booster, isotonic

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = self.isotonic.predict(self.booster.predict_proba(x)[:, 1])
        return np.column_stack([1 - p, p])


class SupervisedChurn:
    name = "supervised"

    def __init__(
        self, max_rows: int = 200_000, random_state: int = 0, holdout_rows: int = 50_000
    ) -> None:
        self.max_rows = max_rows
        self.random_state = random_state
        # from this many labelled rows on, one booster learns from four fifths and the fifth
        # it did not see calibrates it; below, three cross-fitted boosters are averaged
        self.holdout_rows = holdout_rows

    def fit(self, snaps: list[Snapshot]) -> SupervisedChurn:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        from sklearn.isotonic import IsotonicRegression

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
            if len(y) >= self.holdout_rows:
                order = rng.permutation(len(y))
                held, learn = order[: len(y) // 5], order[len(y) // 5 :]
                booster.fit(x[learn], y[learn])
                isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
                isotonic.fit(booster.predict_proba(x[held])[:, 1], y[held])
                self.classifier_: Any = _HeldOutCalibrated(booster, isotonic)
            else:
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
