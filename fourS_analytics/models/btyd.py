"""The "buy till you die" models of Fader, Hardie and Lee, written here on numpy/scipy.

- :class:`BetaGeo`: the BG/NBD model of repeat visits (Fader, Hardie & Lee 2005,
  "Counting your customers the easy way"), parameters ``r, alpha, a, b``.
- :class:`GammaGamma`: the Gamma-Gamma model of spend per visit (Fader, Hardie & Lee 2005,
  "RFM and CLV"), parameters ``p, q, gamma``.

Both are fitted by maximum likelihood on identical rows grouped with weights, in
log-parameters (so every parameter stays positive) with L-BFGS-B started from several points,
and report standard errors from the observed information (a central-difference Hessian).
Time is in days. The estimator contract follows scikit-learn: ``__init__`` stores settings,
``fit`` returns ``self``, learned state ends in ``_``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp1f1, hyp2f1

from ..errors import InputError, UsageError


@dataclass(frozen=True)
class FitSummary:
    """What a fitted model reports (also written to ``model.json``)."""

    params: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    n_customers: int
    converged: bool
    time_unit: str = "days"

    def table(self) -> pd.DataFrame:
        """The parameters as a DataFrame: estimate, standard error and 95 % interval."""
        rows = [
            {"param": k, "estimate": v, "se": self.standard_errors.get(k, np.nan)}
            for k, v in self.params.items()
        ]
        frame = pd.DataFrame(rows).set_index("param")
        frame["ci_low"] = frame["estimate"] - 1.96 * frame["se"]
        frame["ci_high"] = frame["estimate"] + 1.96 * frame["se"]
        return frame


def _distinct(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique rows of the columns (sorted), how often each occurs, and for every row the
    unique row it is (a lexsort: far faster than ``np.unique(axis=0)``, which sorts a
    structured view). A row holding NaN is a unique row of its own."""
    stacked = np.column_stack(columns)
    if len(stacked) == 0:
        return stacked, np.zeros(0), np.zeros(0, dtype=np.intp)
    order = np.lexsort(stacked.T[::-1])
    ordered = stacked[order]
    new = np.empty(len(ordered), dtype=bool)
    new[0] = True
    new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, len(ordered)))
    inverse = np.empty(len(ordered), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return ordered[starts], counts.astype(float), inverse


def _group(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique rows of the columns and how often each occurs."""
    rows, counts, _ = _distinct(*columns)
    return rows, counts


# Fitted BG/NBD models by their grouped data: one run fits the same customer base more than
# once (the loyalty scores' CLV, the churn model's P(alive) as of the same day); the fit is
# deterministic, so the second one is the first one's result. A few entries, oldest dropped.
_FITS: dict[bytes, tuple[np.ndarray, FitSummary]] = {}
_FITS_KEPT = 8


def _fit_key(name: str, penalizer: float, *arrays: np.ndarray) -> bytes:
    digest = hashlib.blake2b(f"{name}:{penalizer!r}".encode(), digest_size=20)
    for a in arrays:
        digest.update(str(a.shape).encode())
        digest.update(np.ascontiguousarray(a, dtype=float).tobytes())
    return digest.digest()


def _remember(key: bytes, fitted: tuple[np.ndarray, FitSummary]) -> None:
    while len(_FITS) >= _FITS_KEPT:
        del _FITS[next(iter(_FITS))]
    _FITS[key] = fitted


def _hessian_from_grad(grad, theta: np.ndarray, step: float = 1e-5) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Hessian by central differences of the analytic gradient (symmetrised)."""
    k = len(theta)
    h = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = step
        h[i] = (grad(theta + e) - grad(theta - e)) / (2 * step)
    return (h + h.T) / 2


# A gradient method's end is a stationary point where no coordinate's (projected) gradient of
# the mean negative log-likelihood exceeds this. scipy's L-BFGS-B (1.17.1 on the sample of
# test_btyd's one-rate ridge) can stop with "ABNORMAL" there: its line search finds no lower
# value because the values differ in their 11th digit, the gradient ~1e-7.
_STATIONARY = 1e-6


def _stationary(result, bounds: list[tuple[float, float]] | None) -> bool:  # type: ignore[no-untyped-def]
    """Whether L-BFGS-B's ``result`` is at a stationary point within ``bounds``: its gradient,
    with a coordinate at a bound pushing outwards counted as zero, is below _STATIONARY."""
    grad = getattr(result, "jac", None)
    if grad is None or not np.isfinite(result.fun):
        return False
    grad = np.asarray(grad, dtype=float).copy()
    if bounds is not None:
        x = np.asarray(result.x, dtype=float)
        low = np.array([b[0] for b in bounds])
        high = np.array([b[1] for b in bounds])
        grad[(x <= low + 1e-10) & (grad > 0)] = 0.0
        grad[(x >= high - 1e-10) & (grad < 0)] = 0.0
    return bool(np.isfinite(grad).all() and np.abs(grad).max() <= _STATIONARY)


def _minimise(
    value_and_grad,  # type: ignore[no-untyped-def]
    starts: list[np.ndarray],
    bounds: list[tuple[float, float]] | None = None,
) -> tuple[np.ndarray, float, bool] | None:
    """Minimise ``value_and_grad`` (value, analytic gradient) with L-BFGS-B; further
    starting points are tried only if the first does not converge (an end at a stationary
    point counts as converged, see _stationary), and Nelder-Mead polishes where the gradient
    method stalled. The point, its value and whether it converged; None
    where no start gave a finite value."""
    best = None
    for start in starts:
        result = minimize(
            value_and_grad,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-10},
        )
        if not result.success and _stationary(result, bounds):
            result.success = True  # the line search failed on rounding at the optimum
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
        if best is not None and best.success:
            break
    if best is None:
        return None
    polished_ok = False
    if not best.success:  # Nelder-Mead where the gradient method stalled on a flat surface
        # at most scipy's default of 200 evaluations per parameter: on a ridge that runs off
        # to infinity it would otherwise walk the ridge for tens of thousands of evaluations
        # and gain ~1e-8 of likelihood
        polished = minimize(
            lambda th: value_and_grad(th)[0],
            best.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-10, "fatol": 1e-12, "maxfev": 200 * len(best.x)},
        )
        polished_ok = bool(polished.success)
        if polished.fun < best.fun:
            best = polished
    return np.asarray(best.x, dtype=float), float(best.fun), bool(best.success or polished_ok)


def _summarise(
    value_and_grad,  # type: ignore[no-untyped-def]
    log_params: np.ndarray,
    names: tuple[str, ...],
    n: int,
    converged: bool,
) -> tuple[np.ndarray, FitSummary]:
    """The parameters at ``log_params`` with standard errors from the observed information
    (a central-difference Hessian of the mean negative log-likelihood in log-parameters,
    then the delta method) and the mean log-likelihood there."""
    params = np.exp(log_params)
    with np.errstate(all="ignore"):
        hess = _hessian_from_grad(lambda th: value_and_grad(th)[1], log_params)
        try:
            cov_log = np.linalg.inv(hess * n) if n else np.full_like(hess, np.nan)
            se = np.sqrt(np.clip(np.diag(cov_log), 0, None)) * params  # delta method
        except np.linalg.LinAlgError:
            se = np.full(len(params), np.nan)
    summary = FitSummary(
        dict(zip(names, map(float, params), strict=True)),
        dict(zip(names, map(float, se), strict=True)),
        float(-value_and_grad(log_params)[0]),
        n,
        converged,
    )
    return params, summary


def _fit(
    value_and_grad,
    starts: list[np.ndarray],
    names: tuple[str, ...],  # type: ignore[no-untyped-def]
    n: int,
) -> tuple[np.ndarray, FitSummary]:
    """Minimise the mean negative log-likelihood in log-parameters with its analytic
    gradient, and summarise the fit."""
    found = _minimise(value_and_grad, starts)
    if found is None:
        raise InputError("model_failed", model="/".join(names))
    log_params, _, converged = found
    return _summarise(value_and_grad, log_params, names, n, converged)


# The BG/NBD likelihood is highest at infinity in two directions that real stores take: no
# spread of visit rates (r, alpha -> infinity with r / alpha fixed: a Poisson rate) and no
# spread of dropout chances (a, b -> infinity with a / (a + b) fixed). In log(r, alpha, a, b)
# L-BFGS-B walks such a ridge until its line search fails, then Nelder-Mead crawls along it
# (the 1M-RO store: ~700 evaluations, 20 s). The fit therefore searches in
# (log r/alpha, log 1/r, logit a/(a+b), log 1/(a+b)), where both limits are the finite end
# of a coordinate: 1/r and 1/(a+b) stop at 1e-6 (r, a + b <= 1e6, where the gamma and the
# beta are points to six digits; on the 1M-RO store the likelihood there is 6e-8 per
# customer below its limit, and the old search's "gain" along the ridge was rounding in
# betaln at a, b ~ 1e10).
_RIDGE_FLOOR = float(np.log(1e-6))
_RIDGE_BOUNDS = [(-30.0, 30.0), (_RIDGE_FLOOR, 30.0), (-30.0, 30.0), (_RIDGE_FLOOR, 30.0)]


def _to_ridge(log_p: np.ndarray) -> np.ndarray:
    """log(r, alpha, a, b) -> (log r/alpha, log 1/r, logit a/(a+b), log 1/(a+b))."""
    log_r, log_alpha, log_a, log_b = log_p
    return np.array([log_r - log_alpha, -log_r, log_a - log_b, -np.logaddexp(log_a, log_b)])


def _from_ridge(theta: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_to_ridge`."""
    log_m, log_inv_r, eta, log_phi = theta
    log_mu, log_rest = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
    return np.array([-log_inv_r, -log_inv_r - log_m, log_mu - log_phi, log_rest - log_phi])


def _rate_gradient(
    r: float,
    alpha: float,
    x: np.ndarray,
    t_x: np.ndarray,
    big_t: np.ndarray,
    ux: np.ndarray,
    inv: np.ndarray,
    w3: np.ndarray,
    w4: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """d log L / d r and d log L / d alpha per grouped row of the BG/NBD likelihood (the
    gamma part, the same in every coordinate system); ``w3``, ``w4`` are the shares of the
    "still here" and "gone after the last visit" terms, ``ux[inv]`` the distinct x."""
    d_r = (
        (digamma(r + ux) - digamma(r))[inv]
        + np.log(alpha)
        - w3 * np.log(alpha + big_t)
        - w4 * np.log(alpha + t_x)
    )
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + big_t) + w4 / (alpha + t_x))
    return d_r, d_alpha


class BetaGeo:
    """BG/NBD: visits at a gamma-distributed Poisson rate until a beta-distributed dropout.

    ``fit(frequency, recency, age)``: repeat visits x, time of the last visit t_x and age T
    (days since the first visit to the end of the calibration period).
    """

    names = ("r", "alpha", "a", "b")

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    @staticmethod
    def log_likelihood(
        params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
    ) -> np.ndarray:
        """Per-customer log-likelihood (the published closed form)."""
        r, alpha, a, b = params
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = betaln(a, b + x) - betaln(a, b)
        a3 = -(r + x) * np.log(alpha + big_t)
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(
                x > 0,
                np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                -np.inf,
            )
        return a1 + a2 + np.logaddexp(a3, a4)

    def fit(self, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> BetaGeo:
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
        if len(x) == 0:
            raise InputError("model_no_data", model="BG/NBD")
        rows, weights = _group(x, t_x, big_t)
        key = _fit_key("bgnbd", self.penalizer, rows, weights)
        if key in _FITS:  # the same data fitted already in this process
            params, summary = _FITS[key]
            self.params_, self.summary_ = params.copy(), summary
            return self
        gx, gt, gT = rows[:, 0], rows[:, 1], rows[:, 2]
        total = weights.sum()
        scale = float(np.mean(big_t)) or 1.0

        has = gx > 0
        bx1 = np.where(has, gx - 1, 0.0)
        # the special functions depend on x only, which takes few values: compute them per
        # distinct x and index back
        ux, inv = np.unique(gx, return_inverse=True)

        def neg_ll(log_p: np.ndarray) -> tuple[float, np.ndarray]:
            p = np.exp(np.clip(log_p, -30, 30))
            r, alpha, a, b = p
            a1 = (gammaln(r + ux) - gammaln(r))[inv] + r * np.log(alpha)
            a2 = (betaln(a, b + ux) - betaln(a, b))[inv]
            a3 = -(r + gx) * np.log(alpha + gT)
            with np.errstate(divide="ignore", invalid="ignore"):
                a4 = np.where(
                    has,
                    np.log(a) - np.log(np.maximum(b + bx1, 1e-300)) - (r + gx) * np.log(alpha + gt),
                    -np.inf,
                )
            top = np.logaddexp(a3, a4)
            ll = a1 + a2 + top
            w4 = np.where(has, np.exp(a4 - top), 0.0)
            w3 = 1.0 - w4
            psi_abx = digamma(a + b + ux)
            d_r, d_alpha = _rate_gradient(r, alpha, gx, gt, gT, ux, inv, w3, w4)
            d_a = (digamma(a + b) - psi_abx)[inv] + w4 / a
            with np.errstate(divide="ignore", invalid="ignore"):
                d_b = (digamma(b + ux) - psi_abx - digamma(b) + digamma(a + b))[inv] - np.where(
                    has, w4 / (b + bx1), 0.0
                )
            grads = np.array([weights @ d_r, weights @ d_alpha, weights @ d_a, weights @ d_b])
            value = -(weights @ ll) / total + self.penalizer * float(np.sum(p**2))
            grad = -grads * p / total + self.penalizer * 2 * p**2
            if not np.isfinite(value):
                return 1e300, np.zeros(4)
            return float(value), grad

        starts = [
            np.log([0.5, scale / 4, 1.0, 2.0]),
            np.log([1.0, scale, 0.5, 1.0]),
            np.log([0.2, scale / 20, 2.0, 5.0]),
        ]
        if np.array_equal(ux, np.round(ux)) and ux.max() <= 100_000:  # visit counts
            ridge = self._ridge_objective(gx, gt, gT, weights, ux, inv)
            found = _minimise(ridge, [_to_ridge(s) for s in starts], _RIDGE_BOUNDS)
            if found is None:
                raise InputError("model_failed", model="/".join(self.names))
            log_params = _from_ridge(found[0])
            self.params_, summary = _summarise(neg_ll, log_params, self.names, int(total), found[2])
        else:  # counts that are not whole numbers (a caller's own data): log-parameters
            self.params_, summary = _fit(neg_ll, starts, self.names, int(total))
        self.summary_ = FitSummary(
            summary.params,
            summary.standard_errors,
            summary.log_likelihood * total,
            len(x),
            summary.converged,
        )
        _remember(key, (self.params_.copy(), self.summary_))
        return self

    def _ridge_objective(
        self,
        gx: np.ndarray,
        gt: np.ndarray,
        g_big_t: np.ndarray,
        weights: np.ndarray,
        ux: np.ndarray,
        inv: np.ndarray,
    ):  # type: ignore[no-untyped-def]
        """The mean negative log-likelihood and its gradient in the ridge coordinates
        (log m, log 1/r, logit mu, log phi) with m = r / alpha, mu = a / (a + b),
        phi = 1 / (a + b). The beta part is written so that it stays finite at phi = 0:
        B(a, b + x) / B(a, b) = prod_{j < x} (1 - mu + j phi) / (1 + j phi) and
        a / (b + x - 1) = mu / (1 - mu + (x - 1) phi), summed over j per distinct x."""
        total = weights.sum()
        has = gx > 0
        bx1 = np.where(has, gx - 1, 0.0)
        steps = np.arange(int(ux.max()), dtype=float)  # j = 0 .. max x - 1
        ends = ux.astype(np.int64)  # the sums over j < x are cumulative sums at x
        penalizer = self.penalizer

        def cumulative(terms: np.ndarray) -> np.ndarray:
            return np.concatenate(([0.0], np.cumsum(terms)))[ends][inv]

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            theta = np.clip(theta, -30, 30)
            log_m, log_inv_r, eta, log_phi = theta
            r = np.exp(-log_inv_r)
            alpha = r / np.exp(log_m)
            mu, rest = expit(eta), expit(-eta)  # a / (a + b) and b / (a + b)
            phi = np.exp(log_phi)
            near = rest + steps * phi  # 1 - mu + j phi
            far = 1 + steps * phi
            a1 = (gammaln(r + ux) - gammaln(r))[inv] + r * np.log(alpha)
            a2 = cumulative(np.log(near) - np.log(far))
            a3 = -(r + gx) * np.log(alpha + g_big_t)
            last = rest + bx1 * phi  # 1 - mu + (x - 1) phi
            with np.errstate(divide="ignore"):
                a4 = np.where(
                    has, np.log(mu) - np.log(last) - (r + gx) * np.log(alpha + gt), -np.inf
                )
            top = np.logaddexp(a3, a4)
            ll = a1 + a2 + top
            w4 = np.where(has, np.exp(a4 - top), 0.0)
            w3 = 1.0 - w4
            d_r, d_alpha = _rate_gradient(r, alpha, gx, gt, g_big_t, ux, inv, w3, w4)
            d_mu = cumulative(-1 / near) + w4 * (1 / mu + 1 / last)
            d_phi = cumulative(steps / near - steps / far) - w4 * bx1 / last
            g_r, g_alpha, g_mu, g_phi = (
                -(weights @ d) / total for d in (d_r, d_alpha, d_mu, d_phi)
            )
            value = -(weights @ ll) / total
            if penalizer:  # on (r, alpha, a, b), as in log-parameters
                a, b = mu / phi, rest / phi
                value += penalizer * (r * r + alpha * alpha + a * a + b * b)
                g_r += 2 * penalizer * r
                g_alpha += 2 * penalizer * alpha
                g_mu += 2 * penalizer * (a - b) / phi
                g_phi -= 2 * penalizer * (a * a + b * b) / phi
            grad = np.array(
                [-alpha * g_alpha, -r * g_r - alpha * g_alpha, mu * rest * g_mu, phi * g_phi]
            )
            if not np.isfinite(value) or not np.isfinite(grad).all():
                return 1e300, np.zeros(4)
            return float(value), grad

        return objective

    @property
    def summary(self) -> pd.DataFrame:
        """The fitted parameters (estimate, standard error, 95 % interval) as a DataFrame."""
        self._check()
        return self.summary_.table()

    def _check(self) -> np.ndarray:
        if not hasattr(self, "params_"):
            raise UsageError("not_fitted", model="BetaGeo")
        return self.params_

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> np.ndarray:
        """P(still a customer); 1 for customers without repeat visits (a known weakness)."""
        r, alpha, a, b = self._check()
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = np.where(
                x > 0,
                (a / np.maximum(b + x - 1, 1e-300)) * ((alpha + big_t) / (alpha + t_x)) ** (r + x),
                0.0,
            )
        return 1.0 / (1.0 + ratio)

    def expected_visits(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
    ) -> np.ndarray:
        """E[visits in (T, T + t]] given the history: the closed form of Fader, Hardie & Lee
        (2005, eq. 10), with the Gaussian hypergeometric function. It holds for every a > 0
        (for a < 1 both factors of the numerator are negative); at a = 1, where it is 0/0, the
        mean of the values just above and below is taken (the expectation is smooth in a)."""
        return next(self.cumulative_visits([t], frequency, recency, age))

    def cumulative_visits(
        self, ts: Sequence[float], frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
    ) -> Iterator[np.ndarray]:
        """:meth:`expected_visits` for each horizon of ``ts``, one after the other. The
        hypergeometric factor depends on a customer's visits and age only: it is evaluated
        once per distinct (visits, age), the rest row by row, so every value is the one a
        row alone gives."""
        r, alpha, a, b = self._check()
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
        pairs, _, inverse = _distinct(x, big_t)
        shapes = [a] if abs(a - 1) >= 1e-6 else [a - 1e-5, a + 1e-5]
        for t in ts:
            near = [
                BetaGeo._conditional(r, alpha, shape, b, t, x, t_x, big_t, (pairs, inverse))
                for shape in shapes
            ]
            value = near[0] if len(near) == 1 else (near[0] + near[1]) / 2
            yield np.clip(value, 0, None)

    @staticmethod
    def _conditional(
        r: float,
        alpha: float,
        a: float,
        b: float,
        t: float,
        x: np.ndarray,
        t_x: np.ndarray,
        big_t: np.ndarray,
        distinct: tuple[np.ndarray, np.ndarray],
    ) -> np.ndarray:
        """Eq. 10 row by row; ``distinct``: the distinct (visits, age) rows and each row's."""
        pairs, inverse = distinct
        ux, ut = pairs[:, 0], pairs[:, 1]
        z = t / (alpha + ut + t)
        with np.errstate(all="ignore"):
            hyp = np.asarray(hyp2f1(r + ux, b + ux, a + b + ux - 1, z), dtype=float)
            bad = ~np.isfinite(hyp)
            if bad.any():  # r and alpha very large (a Poisson limit): 2F1 -> 1F1(b; c; r z)
                limit = hyp1f1(b + ux, a + b + ux - 1, (r + ux) * z)
                hyp = np.where(bad, limit, hyp)
        hyp = hyp[inverse]
        first = (a + b + x - 1) / (a - 1)
        second = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            denom = 1 + np.where(
                x > 0,
                (a / np.maximum(b + x - 1, 1e-300)) * ((alpha + big_t) / (alpha + t_x)) ** (r + x),
                0.0,
            )
        return np.asarray(first * second / denom)

    def p_no_visit(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
    ) -> np.ndarray:
        """P(no visit in (T, T + t]): dead, or alive with no visit (dropout only follows a
        visit, so the first visit in the window needs only being alive)."""
        r, alpha, _, _ = self._check()
        x, big_t = np.asarray(frequency, dtype=float), np.asarray(age, dtype=float)
        alive = self.p_alive(x, recency, big_t)
        none_if_alive = ((alpha + big_t) / (alpha + big_t + t)) ** (r + x)
        return 1 - alive * (1 - none_if_alive)

    def expected_population(self, t: np.ndarray | float) -> np.ndarray:
        """E[X(t)] for a new customer (unconditional)."""
        r, alpha, a, b = self._check()
        t = np.asarray(t, dtype=float)
        return (
            (a + b - 1)
            / (a - 1)
            * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
        )


class GammaGamma:
    """Gamma-Gamma spend per visit: fitted on customers with at least one repeat visit and
    positive average spend."""

    names = ("p", "q", "gamma")

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    @staticmethod
    def log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        p, q, g = params
        return (
            gammaln(p * x + q)
            - gammaln(p * x)
            - gammaln(q)
            + q * np.log(g)
            + (p * x - 1) * np.log(m)
            + (p * x) * np.log(x)
            - (p * x + q) * np.log(g + m * x)
        )

    def fit(self, frequency: ArrayLike, monetary: ArrayLike) -> GammaGamma:
        x, m = np.asarray(frequency, dtype=float), np.asarray(monetary, dtype=float)
        keep = (x > 0) & (m > 0) & np.isfinite(m)
        if keep.sum() < 3:
            raise InputError("model_no_data", model="Gamma-Gamma")
        rows, weights = _group(x[keep], m[keep])
        gx, gm = rows[:, 0], rows[:, 1]
        total = weights.sum()
        scale = float(np.median(m[keep]))

        log_m, log_x = np.log(gm), np.log(gx)

        def neg_ll(log_p: np.ndarray) -> tuple[float, np.ndarray]:
            p = np.exp(np.clip(log_p, -30, 30))
            pp, q, g = p
            ll = self.log_likelihood(p, gx, gm)
            lg = np.log(g + gm * gx)
            psi = digamma(pp * gx + q)
            d_p = gx * (psi - digamma(pp * gx) + log_m + log_x - lg)
            d_q = psi - digamma(q) + np.log(g) - lg
            d_g = q / g - (pp * gx + q) / (g + gm * gx)
            grads = np.array([weights @ d_p, weights @ d_q, weights @ d_g])
            value = -(weights @ ll) / total + self.penalizer * float(np.sum(p**2))
            grad = -grads * p / total + self.penalizer * 2 * p**2
            if not np.isfinite(value):
                return 1e300, np.zeros(3)
            return float(value), grad

        starts = [
            np.log([2.0, 3.0, scale]),
            np.log([5.0, 10.0, scale * 2]),
            np.log([1.0, 2.0, scale / 2]),
        ]
        self.params_, summary = _fit(neg_ll, starts, self.names, int(total))
        self.summary_ = FitSummary(
            summary.params,
            summary.standard_errors,
            summary.log_likelihood * total,
            int(keep.sum()),
            summary.converged,
        )
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """The fitted parameters (estimate, standard error, 95 % interval) as a DataFrame."""
        if not hasattr(self, "params_"):
            raise UsageError("not_fitted", model="GammaGamma")
        return self.summary_.table()

    def expected_spend(self, frequency: ArrayLike, monetary: ArrayLike) -> np.ndarray:
        """E[spend per visit | x, m_x]; the population mean for customers without data."""
        if not hasattr(self, "params_"):
            raise UsageError("not_fitted", model="GammaGamma")
        p, q, g = self.params_
        x = np.asarray(frequency, dtype=float)
        m = np.nan_to_num(np.asarray(monetary, dtype=float), nan=0.0)
        return (p * (g + x * m)) / (p * x + q - 1)

    @property
    def population_mean(self) -> float:
        p, q, g = self.params_
        return float(p * g / (q - 1)) if q > 1 else float("nan")


def simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, age: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers from the BG/NBD story (for tests and benchmarks): Poisson visits at a
    Gamma(r, alpha) rate; after each repeat visit, gone with a Beta(a, b) probability.
    Returns frequency, recency and age (all observed over ``age``)."""
    lam = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > age:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < drop[i]:
                break
    return x, t_x, np.full(n, float(age))


def lifetime_value(
    model: BetaGeo,
    spend: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
    *,
    months: int = 36,
    annual_discount: float = 0.10,
) -> np.ndarray:
    """Discounted value of the expected visits over the next ``months``:
    sum over months of (expected visits in the month) x spend / (1 + d) ** (month / 12)."""
    spend = np.asarray(spend, dtype=float)
    value = np.zeros(len(np.asarray(frequency)))
    previous = np.zeros_like(value)
    horizons = [month * 30.4375 for month in range(1, months + 1)]
    by_month = model.cumulative_visits(horizons, frequency, recency, age)
    for month, cumulative in enumerate(by_month, start=1):
        value += (cumulative - previous) * spend / (1 + annual_discount) ** (month / 12)
        previous = cumulative
    return value
