"""BG/NBD and Gamma-Gamma against a hand-worked likelihood, Monte Carlo, and parameter
recovery on data simulated from the models themselves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fourS_analytics.errors import UsageError
from fourS_analytics.models import btyd
from fourS_analytics.models.btyd import BetaGeo, GammaGamma, lifetime_value

simulate_bgnbd = btyd.simulate_bgnbd


def test_log_likelihood_matches_the_hand_worked_value() -> None:
    # r=1, alpha=2, a=1, b=2, x=1, t_x=1, T=2:
    # B(1,3)/B(1,2) * G(2) 2 / 4^2 + B(2,2)/B(1,2) * G(2) 2 / 3^2 = 1/12 + 2/27 = 17/108
    ll = BetaGeo.log_likelihood(
        np.array([1.0, 2.0, 1.0, 2.0]), np.array([1.0]), np.array([1.0]), np.array([2.0])
    )
    assert ll[0] == pytest.approx(math.log(17 / 108), rel=1e-12)
    # no repeat visit: only the first term, B(1,2)/B(1,2) * (2/(2+2))^1 = 1/2
    ll0 = BetaGeo.log_likelihood(
        np.array([1.0, 2.0, 1.0, 2.0]), np.array([0.0]), np.array([0.0]), np.array([2.0])
    )
    assert ll0[0] == pytest.approx(math.log(0.5), rel=1e-12)


def test_p_alive_matches_the_hand_worked_value() -> None:
    model = BetaGeo()
    model.params_ = np.array([1.0, 2.0, 1.0, 2.0])
    # first term / likelihood = (1/12) / (17/108) = 9/17
    assert model.p_alive(np.array([1.0]), np.array([1.0]), np.array([2.0]))[0] == pytest.approx(
        9 / 17, rel=1e-12
    )
    assert model.p_alive(np.array([0.0]), np.array([0.0]), np.array([2.0]))[0] == 1.0


@pytest.fixture(scope="module")
def cdnow_like() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # the CDNOW estimates of Fader, Hardie & Lee (2005), weeks -> days
    return simulate_bgnbd(
        12000, 0.243, 4.414 * 7, 0.793, 2.426, 39 * 7, np.random.default_rng(20050101)
    )


def test_bgnbd_recovers_its_parameters(cdnow_like: tuple[np.ndarray, ...]) -> None:
    x, t_x, big_t = cdnow_like
    model = BetaGeo().fit(x, t_x, big_t)
    truth = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}
    summary = model.summary_
    assert summary.converged
    assert summary.n_customers == 12000
    for name, value in truth.items():
        est, se = summary.params[name], summary.standard_errors[name]
        assert abs(est - value) < 3.5 * se, (name, est, value, se)
        assert abs(est - value) / value < 0.35, name


def test_bgnbd_expected_visits_agree_with_monte_carlo() -> None:
    model = BetaGeo()
    model.params_ = np.array([0.5, 60.0, 1.5, 3.0])
    x, _, _ = simulate_bgnbd(40000, 0.5, 60.0, 1.5, 3.0, 365.0, np.random.default_rng(3))
    expected = model.expected_population(365.0)
    # 40,000 customers: the standard error of the mean count is about 0.02
    assert x.mean() == pytest.approx(float(expected), abs=0.06)


def test_p_no_visit_matches_the_hand_worked_value() -> None:
    model = BetaGeo()
    model.params_ = np.array([1.0, 2.0, 1.0, 2.0])
    # 1 - P(alive) (1 - ((a+T)/(a+T+t))^(r+x)) = 1 - 9/17 * (1 - (4/6)^2) = 12/17
    p0 = model.p_no_visit(2.0, np.array([1.0]), np.array([1.0]), np.array([2.0]))
    assert p0[0] == pytest.approx(12 / 17, rel=1e-12)


def _visit_times(
    n: int, r: float, alpha: float, a: float, b: float, horizon: float, rng: np.random.Generator
) -> list[list[float]]:
    lam = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    out = []
    for i in range(n):
        t, times = 0.0, []
        while True:
            t += rng.exponential(1 / lam[i])
            if t > horizon:
                break
            times.append(t)
            if rng.random() < drop[i]:
                break
        out.append(times)
    return out


def test_conditional_predictions_agree_with_monte_carlo() -> None:
    params = (0.8, 50.0, 1.2, 2.5)
    model = BetaGeo()
    model.params_ = np.array(params)
    big_t, t = 200.0, 150.0
    histories = _visit_times(60000, *params, big_t + t, np.random.default_rng(11))
    x = np.array([sum(v <= big_t for v in h) for h in histories], dtype=float)
    t_x = np.array([max([v for v in h if v <= big_t], default=0.0) for h in histories])
    later = np.array([sum(big_t < v <= big_t + t for v in h) for h in histories], dtype=float)
    for group in (x == 0, (x >= 2) & (t_x < 60)):  # never back; and back, but long ago
        n = int(group.sum())
        predicted_none = model.p_no_visit(t, x[group], t_x[group], np.full(n, big_t)).mean()
        predicted_visits = model.expected_visits(t, x[group], t_x[group], np.full(n, big_t)).mean()
        se_none = np.sqrt(predicted_none * (1 - predicted_none) / n)
        assert (later[group] == 0).mean() == pytest.approx(predicted_none, abs=4 * se_none)
        se_mean = later[group].std() / np.sqrt(n)
        assert later[group].mean() == pytest.approx(predicted_visits, abs=4 * se_mean)


def test_gamma_gamma_recovers_its_parameters() -> None:
    rng = np.random.default_rng(7)
    p, q, g = 6.25, 3.74, 15.44  # Fader, Hardie & Lee (2005), "RFM and CLV"
    n = 6000
    nu = rng.gamma(q, 1 / g, n)
    x = rng.integers(1, 8, n).astype(float)
    m = np.array([rng.gamma(p, 1 / nu[i], int(x[i])).mean() for i in range(n)])
    model = GammaGamma().fit(x, m)
    for name, value in {"p": p, "q": q, "gamma": g}.items():
        est, se = model.summary_.params[name], model.summary_.standard_errors[name]
        assert abs(est - value) < 3.5 * se, (name, est, value, se)
    # the conditional mean shrinks each customer's average toward the population mean
    spend = model.expected_spend(np.array([1.0, 50.0]), np.array([100.0, 100.0]))
    assert abs(spend[1] - 100) < abs(spend[0] - 100)


def test_lifetime_value_discounts() -> None:
    model = BetaGeo()
    model.params_ = np.array([0.5, 60.0, 1.5, 3.0])
    args = (np.array([3.0]), np.array([300.0]), np.array([365.0]))
    plain = lifetime_value(model, np.array([500.0]), *args, annual_discount=0.0)
    discounted = lifetime_value(model, np.array([500.0]), *args, annual_discount=0.10)
    undiscounted_visits = model.expected_visits(36 * 30.4375, *args)
    assert plain[0] == pytest.approx(500.0 * undiscounted_visits[0], rel=1e-9)
    assert 0 < discounted[0] < plain[0]


def test_unfitted_model_says_so() -> None:
    with pytest.raises(UsageError, match="not fitted"):
        BetaGeo().p_alive(np.array([1.0]), np.array([1.0]), np.array([2.0]))


def test_analytic_gradients_match_finite_differences() -> None:
    from scipy.optimize import approx_fprime

    x, t_x, big_t = simulate_bgnbd(500, 0.5, 40.0, 1.2, 2.5, 300.0, np.random.default_rng(5))
    captured = {}

    def spy(fun, x0, jac, **kw):  # type: ignore[no-untyped-def]
        captured["f"] = fun
        from scipy.optimize import minimize as real

        return real(fun, x0, jac=jac, **kw)

    import fourS_analytics.models.btyd as btyd

    original = btyd.minimize
    btyd.minimize = spy
    try:
        BetaGeo().fit(x, t_x, big_t)
        f_bg = captured["f"]
        rng = np.random.default_rng(2)
        m = rng.gamma(3, 100, 500)
        GammaGamma().fit(np.maximum(x, 1), m)
        f_gg = captured["f"]
    finally:
        btyd.minimize = original
    for f, point in ((f_bg, np.log([0.7, 30.0, 0.9, 2.0])), (f_gg, np.log([3.0, 4.0, 90.0]))):
        numeric = approx_fprime(point, lambda th, f=f: f(th)[0], 1e-7)
        assert np.allclose(f(point)[1], numeric, rtol=1e-4, atol=1e-7)


def test_grouping_counts_identical_rows() -> None:
    from fourS_analytics.models.btyd import _group

    rows, counts = _group(np.array([1.0, 0.0, 1.0, 1.0]), np.array([5.0, 0.0, 5.0, 6.0]))
    assert rows.tolist() == [[0.0, 0.0], [1.0, 5.0], [1.0, 6.0]]
    assert counts.tolist() == [1.0, 2.0, 1.0]


def test_fit_returns_the_estimator_and_summary_is_a_table_of_its_parameters() -> None:
    from fourS_analytics.models.btyd import simulate_bgnbd

    x, t_x, big_t = simulate_bgnbd(
        3000, r=0.8, alpha=40.0, a=0.9, b=2.5, age=720.0, rng=np.random.default_rng(3)
    )
    model = BetaGeo()
    assert model.fit(x, t_x, big_t) is model
    table = model.summary
    assert list(table.index) == ["r", "alpha", "a", "b"]
    assert np.allclose(table["estimate"].to_numpy(), model.params_)
    assert (table["ci_low"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_high"]).all()
    assert table.loc["r", "ci_low"] < 0.8 < table.loc["r", "ci_high"]  # the truth inside
    with pytest.raises(UsageError, match="not fitted"):
        _ = GammaGamma().summary


def test_expected_visits_match_the_published_value_for_a_below_one() -> None:
    """Fader, Hardie & Lee (2005), the CDNOW example in weeks: a customer with x=2,
    t_x=30.43, T=38.86 makes 1.226 visits in the next 39 weeks (their eq. 10)."""
    model = BetaGeo()
    model.params_ = np.array([0.2426, 4.4136, 0.7929, 2.4259])
    got = model.expected_visits(39, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert got[0] == pytest.approx(1.226, abs=5e-4)


def _by_integration(
    r: float, alpha: float, a: float, b: float, t: float, x: float, t_x: float, big_t: float
) -> float:
    """E[Y(t) | x, t_x, T] from the model's story, integrated numerically over the dropout
    probability p against its Beta(a, b) density (quadpack's algebraic weight takes the
    p^(a-1) (1-p)^(b-1) end points; the rate lambda integrated out by hand): alive with
    (1-p)^x lambda^x e^(-lambda T), and given alive (1/p)(1 - e^(-lambda p t)) visits to come."""
    from scipy.integrate import quad

    k, big_a = r + x, alpha + big_t

    def num(p: float) -> float:  # (1-p)^x A^-k (1 - (1 + p t / A)^-k) / p, stable at 0
        if p == 0:
            return big_a**-k * k * t / big_a
        return (1 - p) ** x * big_a**-k * -np.expm1(-k * np.log1p(p * t / big_a)) / p

    def den(p: float) -> float:
        dead = p * (1 - p) ** (x - 1) * (alpha + t_x) ** -k if x > 0 else 0.0
        return (1 - p) ** x * big_a**-k + dead

    weight = {"weight": "alg", "wvar": (a - 1, b - 1)}
    return quad(num, 0, 1, **weight)[0] / quad(den, 0, 1, **weight)[0]


@pytest.mark.parametrize("a", [0.45, 0.7929, 1.0, 1.6, 4.0])
@pytest.mark.parametrize(
    ("x", "t_x", "big_t"), [(0, 0.0, 20.0), (2, 30.43, 38.86), (7, 50.0, 52.0)]
)
def test_expected_visits_equal_a_numerical_integral_for_every_a(
    a: float, x: float, t_x: float, big_t: float
) -> None:
    r, alpha, b, t = 0.2426, 4.4136, 2.4259, 39.0
    model = BetaGeo()
    model.params_ = np.array([r, alpha, a, b])
    got = model.expected_visits(t, np.array([x]), np.array([t_x]), np.array([big_t]))[0]
    assert got == pytest.approx(_by_integration(r, alpha, a, b, t, x, t_x, big_t), rel=1e-6)


def test_expected_visits_stay_finite_in_the_poisson_limit() -> None:
    """A fit that runs off to r, alpha -> infinity (a Poisson rate r/alpha) makes 2F1 overflow;
    the confluent limit 1F1 takes over and agrees with a large but finite r."""
    x, t_x, big_t = np.array([5.0, 0.0]), np.array([750.0, 0.0]), np.array([1092.0, 300.0])
    rate = 0.005
    limit, finite = BetaGeo(), BetaGeo()
    limit.params_ = np.array([4.6e10, 4.6e10 / rate, 3e-5, 6e-5])
    finite.params_ = np.array([1e6, 1e6 / rate, 3e-5, 6e-5])
    got = limit.expected_visits(365, x, t_x, big_t)
    assert np.isfinite(got).all()
    assert got == pytest.approx(finite.expected_visits(365, x, t_x, big_t), rel=1e-3)


def _count_optimiser_calls(monkeypatch) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """Every scipy.optimize.minimize call of the fits as (method, evaluations), with the
    fit memo emptied so the data is fitted again."""
    calls: list[tuple[str, int]] = []
    real = btyd.minimize

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        calls.append((kwargs["method"], int(result.nfev)))
        return result

    monkeypatch.setattr(btyd, "minimize", counted)
    monkeypatch.setattr(btyd, "_FITS", {})
    return calls


def test_one_rate_for_all_is_found_without_walking_the_ridge(monkeypatch) -> None:
    """Every customer visits at the same rate (1 in 120 days: r, alpha huge) and drops out
    after a visit with a Beta(0.09, 1.06) chance. The likelihood is highest with r and alpha
    running off to infinity together; in log(r, alpha, a, b) L-BFGS-B stalled on that ridge
    and Nelder-Mead crawled along it. Searched with 1/r as a coordinate bounded at 1e-6, the
    gradient method stops at the bound (r = 1e6) with no polish, the rate r / alpha is found
    and the likelihood is at least the truth's (the fit maximises it on this very sample).
    The same data fitted again is the first fit's result, without optimising again."""
    x, t_x, age = simulate_bgnbd(300, 1e6, 1e6 * 120, 0.09, 1.06, 720.0, np.random.default_rng(3))
    calls = _count_optimiser_calls(monkeypatch)
    model = BetaGeo().fit(x, t_x, age)
    r, alpha = model.params_[0], model.params_[1]
    assert r / alpha == pytest.approx(1 / 120, rel=0.10)  # 1 / 114.7 on this sample
    assert r == pytest.approx(1e6, rel=1e-9)  # at the bound of 1/r
    assert "Nelder-Mead" not in [m for m, _ in calls]
    assert sum(n for _, n in calls) <= 200  # 135 here; 92 + 43 + 402 before
    assert model.summary_.converged
    truth = BetaGeo.log_likelihood(np.array([1e6, 1.2e8, 0.09, 1.06]), x, t_x, age).sum()
    assert model.summary_.log_likelihood >= truth
    fitted = len(calls)
    again = BetaGeo().fit(x, t_x, age)
    assert len(calls) == fitted  # remembered: no optimiser call
    np.testing.assert_array_equal(again.params_, model.params_)
    assert again.summary_ == model.summary_
    BetaGeo().fit(x[:-1], t_x[:-1], age[:-1])  # other data: fitted
    assert len(calls) > fitted


def test_no_spread_of_dropout_is_fitted_at_the_bound_in_one_search(monkeypatch) -> None:
    """Everyone drops out after a visit with the same chance 0.25 (a, b huge: the Beta is a
    point), visit rates Gamma(0.8, 40). In log(r, alpha, a, b) the likelihood rises without
    end as a and b grow together; in (log r/alpha, log 1/r, logit a/(a+b), log 1/(a+b)) the
    search stops at a + b = 1e6 after one L-BFGS-B run. The chance a / (a + b) is the
    truth's within its sampling error and the likelihood at least the truth's."""
    x, t_x, age = simulate_bgnbd(4000, 0.8, 40.0, 0.25e9, 0.75e9, 365.0, np.random.default_rng(11))
    calls = _count_optimiser_calls(monkeypatch)
    model = BetaGeo().fit(x, t_x, age)
    r, alpha, a, b = model.params_
    assert [m for m, _ in calls] == ["L-BFGS-B"]
    assert model.summary_.converged
    assert a + b == pytest.approx(1e6, rel=1e-9)
    assert a / (a + b) == pytest.approx(0.25, abs=0.03)
    assert r == pytest.approx(0.8, rel=0.15)
    assert r / alpha == pytest.approx(0.8 / 40, rel=0.08)  # the mean visit rate
    truth = BetaGeo.log_likelihood(np.array([0.8, 40.0, 0.25e9, 0.75e9]), x, t_x, age).sum()
    assert model.summary_.log_likelihood >= truth - 1e-6 * len(x)


def test_the_ridge_coordinates_give_the_published_likelihood_and_its_gradient() -> None:
    """The rewritten beta terms (products over j < x, finite at 1/(a+b) = 0) equal the
    closed form with beta functions at ordinary parameters; the analytic gradient in the
    new coordinates matches finite differences, with and without a penalizer; the
    coordinate change and its inverse round-trip."""
    from scipy.optimize import approx_fprime

    x, t_x, big_t = simulate_bgnbd(800, 0.6, 30.0, 0.8, 2.4, 400.0, np.random.default_rng(8))
    rows, weights = btyd._group(x, t_x, big_t)
    gx, gt, g_big_t = rows.T
    ux, inv = np.unique(gx, return_inverse=True)
    params = np.array([0.7, 30.0, 0.9, 2.0])
    theta = btyd._to_ridge(np.log(params))
    np.testing.assert_allclose(np.exp(btyd._from_ridge(theta)), params, rtol=1e-12)
    direct = -(weights @ BetaGeo.log_likelihood(params, gx, gt, g_big_t)) / weights.sum()
    for penalizer in (0.0, 0.01):
        objective = BetaGeo(penalizer)._ridge_objective(gx, gt, g_big_t, weights, ux, inv)
        value, grad = objective(theta)
        assert value == pytest.approx(direct + penalizer * float(np.sum(params**2)), rel=1e-12)
        numeric = approx_fprime(theta, lambda th, f=objective: f(th)[0], 1e-7)
        np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)


def test_expected_visits_by_distinct_visits_and_age_are_each_rows_own() -> None:
    """The hypergeometric factor is evaluated once per distinct (visits, age): every row's
    expectation is still eq. 10 of Fader, Hardie & Lee (2005) with its own figures, written
    out here row by row (a < 1, a > 1 and the mean either side of a = 1)."""
    from scipy.special import hyp2f1

    rng = np.random.default_rng(7)
    n = 5000
    x = rng.integers(0, 6, n).astype(float)
    big_t = rng.choice([100.0, 365.0, 730.0, 1000.5], n)  # few ages: rows share them
    t_x = np.where(x > 0, big_t * rng.uniform(0.1, 1.0, n), 0.0)

    def eq10(r: float, alpha: float, a: float, b: float, t: float) -> np.ndarray:
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + big_t + t))
        second = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp
        ratio = np.where(x > 0, a / np.maximum(b + x - 1, 1e-300), 0.0) * (
            (alpha + big_t) / (alpha + t_x)
        ) ** (r + x)
        return (a + b + x - 1) / (a - 1) * second / (1 + np.where(x > 0, ratio, 0.0))

    for params in ([0.24, 4.41, 0.79, 2.43], [0.5, 60.0, 1.5, 3.0], [0.5, 60.0, 1.0, 3.0]):
        model = BetaGeo()
        model.params_ = np.array(params)
        r, alpha, a, b = params
        horizons = (30.4375, 365.25)
        by_horizon = list(model.cumulative_visits(horizons, x, t_x, big_t))
        for t, got in zip(horizons, by_horizon, strict=True):
            if a == 1.0:
                want = (eq10(r, alpha, a - 1e-5, b, t) + eq10(r, alpha, a + 1e-5, b, t)) / 2
            else:
                want = eq10(r, alpha, a, b, t)
            np.testing.assert_allclose(got, np.clip(want, 0, None), rtol=1e-12, atol=0)
            assert np.array_equal(got, model.expected_visits(t, x, t_x, big_t))


def test_a_gradient_method_stopped_at_a_stationary_point_counts_as_converged() -> None:
    """L-BFGS-B may end "ABNORMAL" where its line search finds nothing lower only because the
    values agree to eleven digits: with every gradient below 1e-6 that is the optimum. A
    coordinate at its bound whose gradient pushes it outward does not count; one pushing it
    inward, or any other of 1e-3, does."""
    from types import SimpleNamespace

    bounds = [(-30.0, 30.0), (np.log(1e-6), 30.0)]
    at_floor = [0.5, np.log(1e-6)]
    end = SimpleNamespace(fun=31.9, x=np.array(at_floor), jac=np.array([-9e-8, 2.6e-7]))
    assert btyd._stationary(end, bounds)
    end.jac = np.array([-9e-8, 2e-3])  # pushes 1/r below its floor: held there by the bound
    assert btyd._stationary(end, bounds)
    end.jac = np.array([-9e-8, -2e-3])  # would lift 1/r off the floor: not an optimum
    assert not btyd._stationary(end, bounds)
    end.jac = np.array([1e-3, 0.0])
    assert not btyd._stationary(end, bounds)
    assert not btyd._stationary(end, None)
    end.jac, end.fun = np.array([0.0, 0.0]), np.nan
    assert not btyd._stationary(end, bounds)
