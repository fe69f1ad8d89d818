"""The shared statistics against closed forms and hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from fourS_analytics.models import stats


def test_logistic_regression_on_a_2x2_table_gives_the_exact_odds_ratio() -> None:
    # exposed: 30 of 100 churn; unexposed: 10 of 100. OR = (30/70)/(10/90) = 27/7;
    # Woolf: SE(log OR) = sqrt(1/30 + 1/70 + 1/10 + 1/90)
    x = np.r_[np.ones(100), np.zeros(100)]
    y = np.r_[np.ones(30), np.zeros(70), np.ones(10), np.zeros(90)]
    fit = stats.logistic_regression(x[:, None], y)
    odds, low, _high, p = fit.odds_ratios()
    assert odds[1] == pytest.approx(27 / 7, rel=1e-6)
    se = np.sqrt(1 / 30 + 1 / 70 + 1 / 10 + 1 / 90)
    assert fit.se[1] == pytest.approx(se, rel=1e-5)
    assert low[1] == pytest.approx(27 / 7 * np.exp(-1.959964 * se), rel=1e-5)
    assert p[1] < 0.001
    assert fit.converged


def test_logistic_regression_recovers_simulated_coefficients() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20000, 2))
    y = rng.random(20000) < 1 / (1 + np.exp(-(-1.0 + 0.8 * x[:, 0] - 0.5 * x[:, 1])))
    fit = stats.logistic_regression(x, y)
    for est, se, truth in zip(fit.coef, fit.se, (-1.0, 0.8, -0.5), strict=True):
        assert abs(est - truth) < 4 * se


def test_roc_auc_hand_values() -> None:
    # positives 0.8, 0.4; negatives 0.6, 0.2: pairs won 3 of 4
    assert stats.roc_auc(np.array([1, 0, 1, 0]), np.array([0.8, 0.6, 0.4, 0.2])) == 0.75
    assert stats.roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5  # a tie counts half


def test_pr_auc_brier_and_lift_hand_values() -> None:
    y = np.array([1, 0, 1, 0])
    s = np.array([0.8, 0.6, 0.4, 0.2])
    # precision at the positives: 1/1 and 2/3
    assert stats.pr_auc(y, s) == pytest.approx((1 + 2 / 3) / 2)
    assert stats.brier(y, s) == pytest.approx((0.04 + 0.36 + 0.36 + 0.04) / 4)
    y10 = np.r_[np.ones(2), np.zeros(18)]
    s10 = np.linspace(1, 0, 20)
    assert stats.top_decile_lift(y10, s10) == pytest.approx(1.0 / 0.1)


def test_the_auc_interval_covers_the_auc_and_matches_a_plain_bootstrap() -> None:
    rng = np.random.default_rng(5)
    y = rng.random(3000) < 0.3
    score = np.round(rng.normal(y * 0.8, 1.0), 1)  # ties, as a rule's days-since score has
    auc = stats.roc_auc(y, score)
    low, high = stats.auc_interval(y, score)
    assert low < auc < high
    # independent: the textbook bootstrap (resample customers, recompute the AUC)
    boots = []
    for _ in range(400):
        pick = rng.integers(0, len(y), len(y))
        boots.append(stats.roc_auc(y[pick], score[pick]))
    plain = np.percentile(boots, [2.5, 97.5])
    assert low == pytest.approx(plain[0], abs=0.01) and high == pytest.approx(plain[1], abs=0.01)
    perfect = stats.auc_interval(y, y.astype(float))
    assert perfect == (1.0, 1.0)
    assert np.isnan(stats.auc_interval(np.ones(5, bool), np.arange(5.0))[0])  # no contrast


def test_paired_bootstrap_of_an_auc_difference_matches_a_plain_paired_bootstrap() -> None:
    """Two scores on the same resamples: the interval of their difference is far narrower
    than the two intervals side by side suggest, and matches resampling customers by hand."""
    rng = np.random.default_rng(11)
    y = rng.random(4000) < 0.3
    common = rng.normal(y * 0.9, 1.0)
    a = common + rng.normal(0, 0.3, len(y))  # two noisy copies of one signal
    b = common + rng.normal(0, 0.3, len(y))
    aucs = stats.bootstrap_aucs(y, [a, b], resamples=200)
    assert aucs.shape == (200, 2)
    low, high = stats.percentile_interval(aucs[:, 0] - aucs[:, 1])
    plain = []
    for _ in range(400):
        pick = rng.integers(0, len(y), len(y))
        plain.append(stats.roc_auc(y[pick], a[pick]) - stats.roc_auc(y[pick], b[pick]))
    p_low, p_high = np.percentile(plain, [2.5, 97.5])
    assert low == pytest.approx(p_low, abs=0.004) and high == pytest.approx(p_high, abs=0.004)
    single = stats.percentile_interval(aucs[:, 0])
    assert high - low < 0.5 * (single[1] - single[0])  # pairing removes the shared noise
    same = stats.bootstrap_aucs(y, [a, a], resamples=20)
    assert np.array_equal(same[:, 0], same[:, 1])
    assert stats.bootstrap_aucs(np.ones(4, bool), [a[:4]]).shape == (0, 1)
