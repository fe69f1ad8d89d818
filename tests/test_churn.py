"""Churn on the embedded sample store (the issue's bars, seed fixed) and on thin input."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fourS_analytics as fours
from fourS_analytics import churn, customers, loyalty
from fourS_analytics.errors import InputError


@pytest.fixture(scope="module")
def result(sample_results: fours.StoreResults) -> churn.ChurnResult:
    return sample_results.churn


def test_the_chosen_model_beats_bgnbd_in_the_backtest(result: churn.ChurnResult) -> None:
    auc = result.backtest["roc_auc"]
    models = result.backtest[result.backtest["kind"] == "model"]
    assert result.chosen == models["roc_auc"].idxmax()
    assert auc[result.chosen] >= auc["bgnbd"] + 0.03
    assert result.backtest.at[result.chosen, "lift_top_decile"] >= 2.5
    assert result.why.key == "churn_why_best" and "best backtest ROC AUC" in str(result.why)


def test_drivers_find_the_planted_causes(result: churn.ChurnResult) -> None:
    d = result.drivers.set_index("factor")
    for factor in ("post_warranty", "comeback", "long_wait", "low_csi"):
        assert d.at[factor, "odds_ratio"] > 1, factor
        assert d.at[factor, "ci_low"] > 1, factor  # the interval excludes "no effect"
    # the planted log-odds after the warranty is +1.5: odds ratio e^1.5 = 4.5
    assert d.at["post_warranty", "odds_ratio"] == pytest.approx(math.exp(1.5), rel=0.35)


def test_scores_are_calibrated_probabilities_without_nan(result: churn.ChurnResult) -> None:
    s = result.scores
    assert not s[["p_churn", "expected_visits", "value_at_risk"]].isna().any().any()
    assert s["days_since_last"].max() <= churn.ChurnConfig().eligible_days
    # against what happened in the backtest horizon (independent of the model): the mean
    # predicted churn matches the observed share within 2 points, decile by decile within
    # 12 points, and the observed share rises from the lowest decile to the highest
    cal = result.calibration
    assert abs(cal["predicted"].mean() - cal["actual"].mean()) < 0.02
    assert (cal["predicted"] - cal["actual"]).abs().max() < 0.12
    assert cal["actual"].iloc[-1] > 10 * cal["actual"].iloc[0]


def test_reasons_are_backed_by_the_customers_own_values(result: churn.ChurnResult) -> None:
    from fourS_analytics.wording import reason_text

    s = result.scores
    overdue = s[s["overdue_days"] > 30].iloc[[0]]
    assert overdue["reasons"].iloc[0].split(";")[0] == "overdue"  # codes, ranked
    days = int(overdue["overdue_days"].iloc[0])
    assert f"{days} days overdue for service" in reason_text(overdue, "en").iloc[0]
    assert f"逾期 {days} 天未保养" in reason_text(overdue, "zh").iloc[0]
    warranty = s[s["reasons"].str.contains("post_warranty")]
    assert len(warranty) and (warranty["vehicle_age_years"] > 3).all()
    assert reason_text(warranty.head(20), "en").str.contains("warranty ended").all()


def test_winback_is_ranked_by_value_at_risk_with_actions(result: churn.ChurnResult) -> None:
    w = result.winback
    assert w["value_at_risk"].is_monotonic_decreasing
    assert w["rank"].tolist() == list(range(1, len(w) + 1))
    assert w["action"].str.len().gt(0).all()
    assert (w["value_at_risk"] == (w["p_churn"] * w["value"]).round(2)).all()


def test_lapsed_and_lost_follow_the_definitions(result: churn.ChurnResult) -> None:
    lapsed = result.lapsed
    assert (lapsed.loc[lapsed["status"] == "lost", "days_since_last"] > 730).all()
    lapsing = lapsed.loc[lapsed["status"] == "lapsing", "days_since_last"]
    assert lapsing.between(366, 730).all()


def test_calibration_end_moves_the_backtest(sample: fours.Dataset) -> None:
    r = churn.analyse(sample, "2025-12-31", calibration_end="2025-06-30", model="schedule")
    assert r.model_info["backtest_cutoff"] == "2025-06-30"
    assert r.model_info["horizon_days"] == 184
    assert r.chosen == "schedule"
    assert r.why.key == "churn_why_named" and "named with --model" in str(r.why)


@pytest.mark.parametrize("model", ["schedule", "bgnbd"])
def test_a_named_model_scores_without_the_backtest_as_it_does_after_it(
    sample: fours.Dataset, model: str
) -> None:
    """``[churn] backtest = false`` (``fours lists --model``): no backtest figures, said so,
    and the named model's scores are those it gives after the backtest (the same fit on the
    same latest labelled history), its fit as of the scoring day."""
    from fourS_analytics.config import ChurnConfig

    checked = churn.analyse(sample, "2025-12-31", model=model)
    quick = churn.analyse(sample, "2025-12-31", config=ChurnConfig(model=model, backtest=False))
    assert quick.backtest.empty and not quick.model_info["validated"]
    assert quick.chosen == model and quick.why.key == "churn_why_unbacktested"
    assert "churn_not_backtested" in [n.key for n in quick.notes]
    assert "churn_not_backtested" not in [n.key for n in checked.notes]
    assert quick.model_info[model]["fitted_as_of"] == "2025-12-31"
    assert not checked.backtest.empty and checked.chosen == model
    for column in ("p_churn", "expected_visits", "p_alive"):
        pd.testing.assert_series_equal(quick.scores[column], checked.scores[column])


def test_bgnbd_unchecked_builds_the_scoring_base_alone(
    sample: fours.Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BG/NBD scores from the scoring day's base: named with the backtest off it built the
    labelled training snapshots a supervised or schedule model learns from as well (one
    customer base per cut-off: 2.1 s of `fours lists --model bgnbd` on the 1M-RO store).
    Now one base, the scoring day's; the schedule model still builds its training bases."""
    from fourS_analytics.config import ChurnConfig

    days: list[str] = []
    real = customers.build

    def counted(dataset, as_of=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        days.append(str(pd.Timestamp(as_of).date()))
        return real(dataset, as_of, *args, **kwargs)

    monkeypatch.setattr(customers, "build", counted)
    quick = churn.analyse(sample, "2025-12-31", config=ChurnConfig(model="bgnbd", backtest=False))
    assert days == ["2025-12-31"] and quick.chosen == "bgnbd"
    days.clear()
    churn.analyse(sample, "2025-12-31", config=ChurnConfig(model="schedule", backtest=False))
    assert days[0] == "2025-12-31" and len(days) == 1 + ChurnConfig().training_cutoffs


def _store(tmp_path: Path, rows: list[tuple[str, str, float]]) -> fours.Dataset:
    frame = pd.DataFrame(rows, columns=["客户编号", "进厂时间", "结算金额"])
    frame.insert(0, "工单号", [f"R{i}" for i in range(len(frame))])
    path = tmp_path / "ro.csv"
    frame.to_csv(path, index=False)
    return fours.load(path)


def test_a_single_day_of_data_is_a_clear_message(tmp_path: Path) -> None:
    data = _store(tmp_path, [(f"C{i}", "2025-03-01 09:00", 100.0) for i in range(300)])
    with pytest.raises(InputError, match="Too little history for churn: 300 customers"):
        churn.analyse(data)
    result = loyalty.score(customers.build(data))  # loyalty still works
    assert not result.customers[["score", "expected_visits_12m", "clv"]].isna().any().any()


def test_no_repeat_visits_and_zero_amounts_give_numbers_not_nan(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 900, 400), unit="D")
    data = _store(tmp_path, [(f"C{i}", str(d), 0.0) for i, d in enumerate(days)])
    result = loyalty.score(customers.build(data, "2025-12-31"))
    out = result.customers
    assert not out[["score", "expected_visits_12m", "clv"]].isna().any().any()
    assert (out["clv"] == 0).all()  # warranty-only customers are worth nothing here
    assert result.models["gamma_gamma"].key == "model_not_fitted"  # not fitted, and says why
    with pytest.raises(InputError):  # nobody ever comes back: nothing to backtest
        churn.analyse(data, "2025-12-31")


def test_few_customers_are_scored_with_a_warning(tmp_path: Path) -> None:
    rows = []
    for i in range(60):
        start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=i * 3)
        gone = i % 3 == 0
        for k in range(2 if gone else 6):
            rows.append((f"C{i}", str(start + pd.Timedelta(days=150 * k)), 500.0))
    data = _store(tmp_path, rows)
    r = churn.analyse(data, "2025-12-31")
    assert any("Only" in str(note) and "customers in the backtest" in str(note) for note in r.notes)
    assert not r.scores[["p_churn", "expected_visits"]].isna().any().any()


def test_advisors_appear_among_the_drivers(result: churn.ChurnResult) -> None:
    advisors = result.drivers[result.drivers["factor"].str.startswith("advisor:")]
    assert len(advisors) >= 3
    assert (advisors["customers_with"] >= 30).all()
    assert (advisors["ci_low"] < advisors["odds_ratio"]).all()
    assert (advisors["odds_ratio"] < advisors["ci_high"]).all()


def _beats_the_baselines_or_is_one(result: churn.ChurnResult) -> None:
    bt = result.backtest
    base = bt[bt["kind"] == "baseline"]["roc_auc"]
    models = bt[bt["kind"] == "model"]["roc_auc"].dropna()
    if result.chosen.startswith("baseline:"):
        assert result.chosen == base.idxmax() and models.max() <= base.max()
        assert "No model beats the plain rule" in str(result.why)
    else:
        assert bt.at[result.chosen, "roc_auc"] > base.max()


def test_every_backtest_scores_the_baselines_with_intervals(result: churn.ChurnResult) -> None:
    bt = result.backtest
    assert set(bt.index) == {
        "bgnbd",
        "schedule",
        "supervised",
        "baseline:recency",
        "baseline:overdue_ratio",
        "baseline:frequency",
    }
    scored = bt.dropna(subset=["roc_auc"])
    assert (scored["roc_auc_low"] < scored["roc_auc"]).all()
    assert (scored["roc_auc"] < scored["roc_auc_high"]).all()
    assert ((scored["roc_auc_high"] - scored["roc_auc_low"]) < 0.1).all()  # 2,000 customers
    # on this store recency ranks well (the simulator's customers leave by staying away)
    assert bt.at["baseline:recency", "roc_auc"] > 0.75
    _beats_the_baselines_or_is_one(result)
    assert result.chosen == "schedule"


def test_the_schedule_model_leads_recency_beyond_the_paired_interval(
    result: churn.ChurnResult,
) -> None:
    """Issue 12's bar for the regular-buyer model: on the sample its lead over the best plain
    rule is larger than the noise, judged on paired resamples (the two unpaired intervals
    overlap, which says nothing about the difference of two scores on the same customers)."""
    margin = result.model_info["margin_over_baseline"]
    assert margin["model"] == "schedule" and margin["baseline"] == "baseline:recency"
    bt = result.backtest
    assert margin["difference"] == pytest.approx(
        bt.at["schedule", "roc_auc"] - bt.at["baseline:recency", "roc_auc"]
    )
    assert 0 < margin["low"] < margin["difference"] < margin["high"]
    assert margin["beyond_noise"] is True
    assert not any(n.key == "churn_margin_noise" for n in result.notes)
    assert result.model_info["schedule"]["at_bound"] == []  # k = 6.3: an estimate


def test_the_terminal_names_a_margin_that_rounds_to_zero_without_a_sign(
    result: churn.ChurnResult,
) -> None:
    from dataclasses import replace

    from fourS_analytics.cli import printers

    margin = {**result.model_info["margin_over_baseline"], "low": -0.0004, "high": 0.0301}
    text = printers.churn_text(
        replace(result, model_info={**result.model_info, "margin_over_baseline": margin}), "en"
    )
    assert "-0.000" not in text
    assert "0.000" in text and "+0.030" in text


def test_a_schedule_parameter_at_its_bound_is_named() -> None:
    """Clockwork customers (every visit exactly 180 days after the last) want an infinitely
    sharp Gamma: k stops at its bound of 50 and the model says so."""
    from fourS_analytics.models.churn_models import ScheduleChurn, Snapshot

    rng = np.random.default_rng(3)
    n = 4000
    since = rng.uniform(0, 180, n)
    customers_ = pd.DataFrame(
        {"post_warranty": rng.random(n) < 0.3, "days_since_last": since, "interval_days": 180.0}
    )
    came = pd.Series((since + 30 >= 180).astype(int))  # the visit falls due in the 30 days
    snap = Snapshot(pd.Timestamp("2025-01-01"), 30, customers_, came, {}, customers_)
    model = ScheduleChurn().fit([snap])
    assert model.params_["k"] == pytest.approx(50.0, rel=1e-4)
    assert "k" in model.at_bound_
    regular = rng.gamma(4.0, 45.0, n)  # Gamma(4) gaps: an interior optimum
    came4 = pd.Series(((regular > since) & (regular <= since + 30)).astype(int))
    interior = ScheduleChurn().fit([Snapshot(snap.cutoff, 30, customers_, came4, {}, customers_)])
    assert "k" not in interior.at_bound_ and 1.0 < interior.params_["k"] < 20.0


def test_the_upper_gamma_matches_its_closed_forms() -> None:
    """Q(1, x) = exp(-x) and Q(1/2, x) = erfc(sqrt x), on both sides of the switch at x = 1."""
    from scipy.special import erfc

    from fourS_analytics.models.churn_models import upper_gamma

    x = np.array([0.0, 1e-6, 0.3, 0.999, 1.0, 1.001, 2.5, 30.0])
    assert upper_gamma(1.0, x) == pytest.approx(np.exp(-x), rel=1e-13)
    assert upper_gamma(0.5, x) == pytest.approx(erfc(np.sqrt(x)), rel=1e-13)


def test_the_profiled_schedule_fit_finds_the_joint_optimum() -> None:
    """Simulated customers with known truth (Gamma(4) gaps, pi 0.8 in warranty, 0.6 after):
    profiling over k reaches the likelihood a joint three-parameter search reaches (to 1e-6
    of it), and the estimates sit near the truth (tolerances: the spread of 4,000 rows)."""
    from scipy.optimize import minimize
    from scipy.special import expit, gammaincc

    from fourS_analytics.models.churn_models import ScheduleChurn, Snapshot

    rng = np.random.default_rng(11)
    n, k, h = 4000, 4.0, 365
    post = rng.random(n) < 0.3
    interval = rng.uniform(90, 400, n)
    since = rng.uniform(0, 600, n)
    pi = np.where(post, 0.6, 0.8)
    surv = gammaincc(k, k * since / interval)
    here = rng.random(n) < pi * surv / (pi * surv + 1 - pi)
    later = gammaincc(k, k * (since + h) / interval)
    came = here & (rng.random(n) < 1 - later / np.maximum(surv, 1e-300))
    c = pd.DataFrame({"post_warranty": post, "days_since_last": since, "interval_days": interval})
    model = ScheduleChurn().fit(
        [Snapshot(pd.Timestamp("2025-01-01"), h, c, pd.Series(came), {}, c)]
    )
    cols = ScheduleChurn._arrays(c, h)

    def neg_ll(theta: np.ndarray) -> float:
        p_here, visit = ScheduleChurn._terms_of(theta, *cols)
        p = np.clip(p_here * visit, 1e-9, 1 - 1e-9)
        return -float(np.sum(np.where(came, np.log(p), np.log1p(-p))))

    joint = min(
        (
            minimize(neg_ll, np.array(s), method="L-BFGS-B", bounds=ScheduleChurn.BOUNDS)
            for s in ([np.log(3.0), 1.5, -0.5], [np.log(8.0), 2.5, -1.0])
        ),
        key=lambda r: r.fun,
    )
    assert neg_ll(model.theta_) <= joint.fun * (1 + 1e-6)
    assert model.params_["k"] == pytest.approx(k, rel=0.2)
    assert model.params_["pi_in_warranty"] == pytest.approx(0.8, abs=0.05)
    assert model.params_["pi_post_warranty"] == pytest.approx(0.6, abs=0.07)
    assert float(expit(model.theta_[1])) == model.params_["pi_in_warranty"]


def test_a_large_training_set_is_calibrated_on_a_held_out_fifth() -> None:
    """60,000 labelled rows (above the 50,000 from which one booster learns from four fifths
    and the fifth it did not see calibrates it): with a known logistic truth, the scores are
    calibrated (each decile's mean prediction within 0.03 of its churn rate on fresh rows)
    and rank as well as the truth itself does (AUC within 0.01 of the true probability's)."""
    from scipy.special import expit

    from fourS_analytics.models import stats
    from fourS_analytics.models.churn_models import Snapshot, SupervisedChurn, _HeldOutCalibrated

    def rows(n: int, seed: int) -> tuple[Snapshot, np.ndarray]:
        rng = np.random.default_rng(seed)
        days = rng.uniform(0, 730, n)
        visits = rng.integers(1, 12, n).astype(float)
        truth = expit((days - 300) / 120 - 0.3 * (visits - 6))
        churned = rng.random(n) < truth
        c = pd.DataFrame({"days_since_last": days, "visits": visits})
        return Snapshot(pd.Timestamp("2025-01-01"), 365, c, pd.Series(~churned * 1), {}, c), truth

    train, _ = rows(60_000, 1)
    model = SupervisedChurn().fit([train])
    assert isinstance(model.classifier_, _HeldOutCalibrated)
    fresh, truth = rows(40_000, 2)
    p, _visits = model.predict(fresh)
    y = fresh.churned
    decile = pd.qcut(pd.Series(p).rank(method="first"), 10, labels=False)
    by = pd.DataFrame({"p": p, "y": y.astype(float)}).groupby(decile).mean()
    assert (by["p"] - by["y"]).abs().max() < 0.03
    assert stats.roc_auc(y, p) > stats.roc_auc(y, truth) - 0.01
    small = SupervisedChurn().fit([rows(5_000, 3)[0]])  # below: the cross-fitted ensemble
    assert not isinstance(small.classifier_, _HeldOutCalibrated)


def test_reasons_in_words_equal_the_row_by_row_rules() -> None:
    """The whole-column wording says what _reason says of each row, figures included (a
    missing figure, a negative one, halves rounded to even, -0.0), in both languages."""
    from fourS_analytics.wording import _reason, reason_text

    rng = np.random.default_rng(5)
    n = 400
    codes = ["overdue", "post_warranty", "old_vehicle", "high_price", "comeback", "one_visit"]
    picks = [rng.choice(codes, size=rng.integers(0, 4), replace=False) for _ in range(n)]
    reasons = [";".join(p) for p in picks]
    scores = pd.DataFrame(
        {
            "reasons": reasons,
            "overdue_days": rng.choice([np.nan, -3.7, 0.0, 12.9, 45.0, 400.2], size=n),
            "vehicle_age_years": rng.choice([np.nan, -0.0, 0.04, 3.45, 3.449, 11.0], size=n),
            "price_ratio": rng.choice([np.nan, 1.005, 1.015, 1.125, 1.257, 0.9, 2.0], size=n),
        }
    )
    scores.loc[3, "reasons"] = None
    for lang, sep in (("en", "; "), ("zh", "；")):
        rows = scores.to_dict("records")
        want = [
            sep.join(_reason(k, row, lang) for k in row["reasons"].split(";") if k)
            if isinstance(row["reasons"], str)
            else ""
            for row in rows
        ]
        assert reason_text(scores, lang).tolist() == want
        # without the figure columns each figure is its default, as row by row
        bare = scores[["reasons"]]
        want_bare = [
            sep.join(_reason(k, {}, lang) for k in r.split(";") if k) if isinstance(r, str) else ""
            for r in bare["reasons"]
        ]
        assert reason_text(bare, lang).tolist() == want_bare


def test_the_drivers_chart_leaves_separation_artefacts_off_and_cuts_wide_intervals() -> None:
    """A near-separated factor (odds 1e5, interval to 1e300) once stretched the log axis past
    floats (matplotlib: overflow in power): it is left off, an interval past 1e3 is cut."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from fourS_analytics import charts

    table = pd.DataFrame(
        {
            "factor": ["comeback", "long_wait", "post_warranty"],
            "odds_ratio": [2.0, 1e5, 0.5],
            "ci_low": [1.5, 3.0, 1e-250],
            "ci_high": [2.6, 1e300, 0.9],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = charts.drivers(table, "en")
        ax.figure.savefig(io.BytesIO(), format="svg")
    assert len(ax.get_yticks()) == 2  # the two real factors
    low, high = ax.get_xlim()
    assert 1e-4 < low < 1e-3 * 1.01 and 2.6 < high < 1e4


def _same_churn(a: churn.ChurnResult, b: churn.ChurnResult) -> None:
    for name in ("scores", "lapsed", "drivers", "winback", "backtest", "calibration"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert a.chosen == b.chosen and a.why == b.why and a.notes == b.notes
    assert a.model_info == b.model_info


@pytest.mark.parametrize("model", [None, "schedule"])  # the guess right, and wrong
def test_the_backtest_beside_the_final_fit_gives_the_same_result(
    sample: fours.Dataset,
    monkeypatch: pytest.MonkeyPatch,
    children_started: list[str],
    dies_in_a_child: Callable[[object, str], None],
    model: str | None,
) -> None:
    """With a spare core the backtest runs in a forked child while this process fits the
    scoring's models ahead (issue 16): the same figures as one process, whichever model the
    backtest chooses (a named model; else the supervised one is fitted ahead)."""

    from fourS_analytics import forks
    from fourS_analytics.threads import one_thread

    started = children_started
    alone = churn.analyse(sample, "2025-12-31", model=model)
    assert started == []  # no spare core given: one process
    if model is None:  # a spare core, but the sample's 2,243 customers: not worth a child
        with one_thread(), forks.spare_cores(1):
            churn.analyse(sample, "2025-12-31")
        assert started == []
    monkeypatch.setattr(churn, "BESIDE_MIN_CUSTOMERS", 0)
    with one_thread(), forks.spare_cores(1):  # as every step of the toolkit runs
        two = churn.analyse(sample, "2025-12-31", model=model)
    assert started == ["churn-backtest"]
    _same_churn(alone, two)
    # a child that dies (out of memory, say): the backtest is made here, the same again
    dies_in_a_child(churn, "_backtest")
    with one_thread(), forks.spare_cores(1):
        again = churn.analyse(sample, "2025-12-31", model=model)
    _same_churn(alone, again)
