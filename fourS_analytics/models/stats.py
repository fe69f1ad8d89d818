"""Small statistics the analyses share: logistic regression with standard errors (IRLS) and
the scores of a churn model (ROC AUC, PR AUC, Brier, lift)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# the normal quantile and tail from scipy.special, the functions scipy.stats.norm calls:
# importing scipy.stats costs a command ~1 s
from scipy.special import ndtr, ndtri

# odds ratios outside this range come from (near-)separated data, where the tiny ridge alone
# keeps the estimate finite: the drivers table does not call them reliable and the drivers
# chart does not draw them (its log axis' range)
ODDS_PLAUSIBLE = (1e-3, 1e3)


@dataclass(frozen=True)
class LogitFit:
    coef: np.ndarray  # intercept first
    se: np.ndarray
    converged: bool

    def odds_ratios(
        self, level: float = 0.95
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Odds ratio, interval low and high, and two-sided p-value, per coefficient."""
        z = ndtri(0.5 + level / 2)
        p = 2 * ndtr(-np.abs(self.coef / self.se))
        return (
            np.exp(self.coef),
            np.exp(self.coef - z * self.se),
            np.exp(self.coef + z * self.se),
            p,
        )


def logistic_regression(
    x: np.ndarray, y: np.ndarray, *, ridge: float = 1e-6, max_iter: int = 50
) -> LogitFit:
    """Maximum-likelihood logistic regression by iteratively reweighted least squares; an
    intercept is added. A tiny ridge keeps separated data finite."""
    design = np.column_stack([np.ones(len(x)), np.asarray(x, dtype=float)])
    y = np.asarray(y, dtype=float)
    beta = np.zeros(design.shape[1])
    converged = False
    for _ in range(max_iter):
        eta = design @ beta
        mu = 1 / (1 + np.exp(-eta))
        w = np.clip(mu * (1 - mu), 1e-10, None)
        hess = design.T @ (design * w[:, None]) + ridge * np.eye(len(beta))
        step = np.linalg.solve(hess, design.T @ (y - mu) - ridge * beta)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            converged = True
            break
    mu = 1 / (1 + np.exp(-(design @ beta)))
    w = np.clip(mu * (1 - mu), 1e-10, None)
    cov = np.linalg.inv(design.T @ (design * w[:, None]) + ridge * np.eye(len(beta)))
    return LogitFit(beta, np.sqrt(np.diag(cov)), converged)


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    y = np.asarray(y, dtype=bool)
    ranks = _average_ranks(np.asarray(score, dtype=float))
    n_pos, n_neg = y.sum(), (~y).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, tied values sharing the mean of their ranks (each NaN a value of its
    own, as ``!=`` sees it): (start + end + 1) / 2 of each run of equal sorted values."""
    n = len(values)
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    bounds = np.flatnonzero(sorted_values[1:] != sorted_values[:-1]) + 1
    starts = np.r_[0, bounds]
    ends = np.r_[bounds, n]
    ranks = np.empty(n)
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def pr_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Average precision: the mean of the precision at each positive, best scores first."""
    y = np.asarray(y, dtype=bool)
    if not y.any():
        return float("nan")
    order = np.argsort(-np.asarray(score, dtype=float), kind="mergesort")
    hits = y[order]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def top_decile_lift(y: np.ndarray, score: np.ndarray) -> float:
    """Churn rate among the top 10 % by score over the overall churn rate."""
    y = np.asarray(y, dtype=float)
    if not y.mean():
        return float("nan")
    k = max(1, int(np.ceil(0.1 * len(y))))
    top = np.argsort(-np.asarray(score, dtype=float), kind="mergesort")[:k]
    return float(y[top].mean() / y.mean())


def bootstrap_aucs(
    y: np.ndarray, scores: list[np.ndarray], *, resamples: int = 100, seed: int = 0
) -> np.ndarray:
    """ROC AUCs of several scores on the same Poisson-bootstrap resamples (each customer drawn
    Poisson(1) times per resample, seeded, so the same data give the same figures): one row
    per resample, one column per score. The same weights for every score make the rows
    paired, so a difference of two columns is the bootstrap of the difference. Each score is
    sorted once; a resample is two weighted counts per tied score, so 100 resamples of
    200,000 customers take about a second per score."""
    y = np.asarray(y, dtype=bool)
    if len(y) == 0 or y.all() or not y.any():
        return np.full((0, len(scores)), np.nan)
    prepared = []
    for score in scores:
        score = np.asarray(score, dtype=float)
        order = np.argsort(score, kind="mergesort")
        _, tie = np.unique(score[order], return_inverse=True)  # tied scores share a group
        prepared.append((order, tie, int(tie.max()) + 1))
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(resamples):
        w = rng.poisson(1.0, len(y)).astype(float)
        wp, wn = np.where(y, w, 0.0), np.where(y, 0.0, w)
        total_p, total_n = wp.sum(), wn.sum()
        if total_p == 0 or total_n == 0:
            continue
        row = []
        for order, tie, groups in prepared:
            neg = np.bincount(tie, wn[order], minlength=groups)
            pos = np.bincount(tie, wp[order], minlength=groups)
            below = np.cumsum(neg) - neg  # negatives scored strictly lower; ties count half
            row.append(float((pos * (below + 0.5 * neg)).sum() / (total_p * total_n)))
        rows.append(row)
    return np.array(rows, dtype=float).reshape(len(rows), len(scores))


def percentile_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return float("nan"), float("nan")
    low, high = np.percentile(values, [50 - 50 * level, 50 + 50 * level])
    return float(low), float(high)


def auc_interval(
    y: np.ndarray, score: np.ndarray, *, resamples: int = 100, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """A percentile bootstrap interval of the ROC AUC (see :func:`bootstrap_aucs`)."""
    aucs = bootstrap_aucs(y, [score], resamples=resamples, seed=seed)
    return percentile_interval(aucs[:, 0], level)
