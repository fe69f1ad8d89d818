"""The queue engine against hand values, an exact closed form computed independently,
published Erlang C tables, simulation against the stationary formulas, and the compiled
event loop against a plain heapq one."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourS_analytics.errors import UsageError
from fourS_analytics.models import queueing as q
from fourS_analytics.models.queueing import MAX_DRAIN_CYCLES


def _erlang_c_exact(load: Fraction, servers: int) -> Fraction:
    """The textbook closed form with exact rationals (independent of the recursion)."""
    top = load**servers / math.factorial(servers) * Fraction(servers) / (servers - load)
    bottom = sum(load**k / math.factorial(k) for k in range(servers)) + top
    return top / bottom


def test_erlang_c_hand_value() -> None:
    # lambda = 2, mu = 1, c = 3: P(wait) = 4/9 and mean wait 4/9 (hours)
    m = q.erlang_c(2.0, 1.0, 3)
    assert float(m.p_wait) == pytest.approx(4 / 9, rel=1e-12)
    assert float(m.mean_wait) == pytest.approx(4 / 9, rel=1e-12)
    assert float(m.utilisation) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("load", "servers"),
    [(Fraction(10), 11), (Fraction(10), 12), (Fraction(7, 2), 5), (Fraction(45), 50)],
)
def test_erlang_c_matches_the_exact_closed_form(load: Fraction, servers: int) -> None:
    exact = _erlang_c_exact(load, servers)
    assert float(q.erlang_c(float(load), 1.0, servers).p_wait) == pytest.approx(
        float(exact), rel=1e-10
    )


def test_erlang_c_matches_published_tables() -> None:
    # Erlang C tables, offered load 10 Erlangs: 11, 12, 13 servers
    p = q.erlang_c(10.0, 1.0, np.array([11, 12, 13])).p_wait
    assert p == pytest.approx([0.6821, 0.4494, 0.2853], abs=5e-5)


def test_erlang_c_is_stable_for_hundreds_of_servers_and_honest_when_overloaded() -> None:
    big = q.erlang_c(480.0, 1.0, 500)
    assert 0 < float(big.p_wait) < 1 and np.isfinite(big.mean_wait)
    over = q.erlang_c(5.0, 1.0, 4)
    assert float(over.p_wait) == 1.0 and np.isinf(over.mean_wait)
    assert float(over.utilisation) == pytest.approx(1.25)
    assert float(q.erlang_c(0.0, 1.0, 2).mean_wait) == 0.0


def test_allen_cunneen_scales_the_wait() -> None:
    base = float(q.erlang_c(2.0, 1.0, 3).mean_wait)
    ac = float(q.allen_cunneen(2.0, 1.0, 3, cv_arrival=1.0, cv_service=0.5).mean_wait)
    assert ac == pytest.approx(base * (1 + 0.25) / 2)


def test_servers_needed_is_the_fewest_that_meet_the_target() -> None:
    need = q.servers_needed(np.array([2.0, 10.0, 0.0]), 1.0, 0.1)
    assert need.tolist() == [4, 13, 0]
    for lam, c in ((2.0, 4), (10.0, 13)):
        assert float(q.erlang_c(lam, 1.0, c).mean_wait) <= 0.1
        assert float(q.erlang_c(lam, 1.0, c - 1).mean_wait) > 0.1


def test_simulation_agrees_with_erlang_c_in_a_stationary_case() -> None:
    r = q.simulate(
        np.full(24, 2.0),
        np.full(24, 3),
        1.0,
        1.0,
        target_wait=0.5,
        cycles=400,
        warmup=5,
        replications=8,
        seed=1,
    )
    exact = 4 / 9
    assert abs(r.overall_mean_wait - exact) <= r.overall_mean_wait_ci  # inside the 95 % CI


def test_simulation_agrees_with_allen_cunneen_for_general_service() -> None:
    r = q.simulate(
        np.full(24, 2.0),
        np.full(24, 3),
        1.0,
        0.5,
        target_wait=0.5,
        cycles=400,
        warmup=5,
        replications=8,
        seed=2,
    )
    approx = float(q.allen_cunneen(2.0, 1.0, 3, 1.0, 0.5).mean_wait)
    # Allen-Cunneen is an approximation: within its usual 10 % and the simulation's CI
    assert abs(r.overall_mean_wait - approx) <= 0.1 * approx + r.overall_mean_wait_ci


def test_a_shift_change_never_adds_capacity() -> None:
    # one server by day, none at night: night arrivals wait for the morning
    servers = np.array([1] * 12 + [0] * 12)
    rates = np.array([0.5] * 12 + [0.2] * 12)
    r = q.simulate(rates, servers, 0.5, 0.5, target_wait=0.5, cycles=50, replications=3, seed=4)
    # nobody is served while no server is on duty: every night arrival waits for the
    # morning (kept overnight), and that night is not counted as waiting (open hours only)
    assert (r.overnight_share[12:] == 1.0).all()
    assert r.overnight_share[1:11].max() < 0.05  # by day the one server keeps up
    assert np.nanmax(r.mean_wait) < 2.0  # no wait runs through the night


def test_stationary_staffing_fails_after_a_peak_and_simulated_staffing_does_not() -> None:
    hours = np.arange(24)
    rates = 6 * (1 + 0.8 * np.sin(2 * np.pi * hours / 24))
    target = 0.1
    sipp = q.servers_needed(rates, 1.0, target)
    by_average = q.simulate(
        rates, sipp, 1.0, 1.0, target_wait=target, cycles=60, replications=6, seed=3
    )
    missed = np.flatnonzero(by_average.mean_wait - by_average.mean_wait_ci > target)
    assert len(missed) >= 3  # congestion lags: the hours after the peak miss
    staff, _ = q.staff_by_simulation(
        rates, 1.0, 1.0, target_wait=target, cycles=60, replications=6, seed=3
    )
    check = q.simulate(
        rates, staff, 1.0, 1.0, target_wait=target, cycles=60, replications=6, seed=99
    )  # a fresh seed, not the one tuned on
    assert np.nanmax(check.mean_wait) <= target
    # and it does not simply add: the hours before the peak need no more than SIPP says
    assert staff.sum() <= sipp.sum() + len(missed) + 2


def test_bad_simulation_input_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="one value per hour"):
        q.simulate(np.ones(24), np.ones(23, dtype=int), 1.0)
    with pytest.raises(UsageError, match="must not be negative"):
        q.simulate(-np.ones(24), np.ones(24, dtype=int), 1.0)


def test_share_intervals_are_never_degenerate() -> None:
    from fourS_analytics.models.queueing import _wilson_half_width

    # 0 of 100 customers: the Wilson interval reaches up to 3.7 %
    assert float(_wilson_half_width(np.array([0.0]), np.array([100]))[0]) == pytest.approx(
        0.037, abs=0.001
    )
    r = q.simulate(
        np.full(24, 0.2),
        np.full(24, 5),
        0.5,
        0.5,
        target_wait=0.5,
        cycles=10,
        replications=5,
        seed=1,
    )
    assert (r.share_over == 0).all()  # nobody waits with five idle servers
    assert (r.share_over_ci > 0).all()  # yet the interval is not zero-width


class _Fixed:
    """A stand-in for numpy's generator that gives the arrivals of a hand-worked case."""

    def __init__(self, counts: list[int], offsets: list[float]) -> None:
        self.counts, self.offsets = np.array(counts), np.array(offsets)

    def poisson(self, _lam: object) -> np.ndarray:
        return self.counts

    def random(self, n: int) -> np.ndarray:
        return self.offsets[:n]


def _two_arrivals(servers: list[int], service: float) -> tuple[np.ndarray, ...]:
    """Arrivals at 0.0 h and 0.5 h in a cycle of two hours, open in the first; one cycle."""
    from fourS_analytics.models.queueing import _one_run

    return _one_run(
        _Fixed([2, 0], [0.0, 0.5]),
        np.array([1.0, 0.0]),
        np.array(servers),
        service,
        0.0,
        cycles=1,
        warmup=0,
        slots=np.array([]),
        no_show=0.0,
        target=1.0,
        open_hours=np.array([True, False]),
    )


def test_a_customer_left_waiting_at_the_end_is_served_after_it_not_counted_as_zero() -> None:
    """One server in hour 0 and none in hour 1 (closed), 1.2 hours of work each: the first
    is served at once and runs past the close; the second, arrived at 0.5, waits until the
    server is back at the next cycle's hour 0 (2.0 h). In open hours that is 0.5 h (0.5 to
    1.0; the closed hour is not waiting) and the car is counted as kept overnight. The mean of
    hour 0 is (0 + 0.5) / 2 = 0.25 h, not 0 (what it was when the unserved one was averaged
    in as a wait of zero) and not 0.75 (what the clock says, counting the closed hour)."""
    mean_wait, over, arrivals, _overtime, overnight = _two_arrivals([1, 0], 1.2)
    assert mean_wait[0] == pytest.approx(0.25)
    assert over[0] == 0.0  # neither waited more than an open hour
    assert overnight[0] == pytest.approx(0.5)  # one of the two was kept overnight
    assert arrivals[0] == 2 and np.isnan(mean_wait[1])


def test_nobody_ever_on_shift_leaves_the_wait_unknown_and_everyone_over_target() -> None:
    mean_wait, over, _arrivals, _overtime, _overnight = _two_arrivals([0, 0], 1.0)
    assert np.isnan(mean_wait[0]) and over[0] == 1.0


def _reference_serve(arrivals, services, cap_times, cap_values, overtime_at, roster, total):
    """The event loop as plain Python with heapq and a deque (the toolkit's code before it
    was compiled): the oracle the compiled loop must match to the last bit."""
    import heapq
    from collections import deque

    period = len(roster)
    cap_times, cap_values = list(cap_times), list(cap_values)
    hot = set(np.flatnonzero(overtime_at).tolist())
    start = [float("nan")] * len(arrivals)
    busy: list[float] = []
    queue: deque[int] = deque()
    i = j = cap = drained = 0
    overtime, inf = 0.0, float("inf")
    while True:
        if j >= len(cap_times) and queue and not busy and drained < MAX_DRAIN_CYCLES:
            cap_times += [float((total + drained) * period + h) for h in range(period)]
            cap_values += [int(c) for c in roster]
            drained += 1
        nxt_a = arrivals[i] if i < len(arrivals) else inf
        nxt_c = cap_times[j] if j < len(cap_times) else inf
        nxt_d = busy[0] if busy else inf
        if nxt_d <= nxt_a and nxt_d <= nxt_c:
            if nxt_d == inf:
                break
            now = heapq.heappop(busy)
        elif nxt_c <= nxt_a:
            now, cap = nxt_c, cap_values[j]
            if int(now) in hot:
                overtime += sum(d - now for d in busy if d > now)
            j += 1
        else:
            now = nxt_a
            queue.append(i)
            i += 1
        while queue and len(busy) < cap:
            k = queue.popleft()
            start[k] = now
            heapq.heappush(busy, now + services[k])
        if i >= len(arrivals) and j >= len(cap_times) and not queue:
            break
    return np.asarray(start), overtime, drained


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10_000),
    st.sampled_from([6, 24]),
    st.floats(0.2, 8.0),
    st.sampled_from([0.0, 0.5, 1.5]),
)
def test_the_compiled_event_loop_matches_a_heapq_loop_to_the_bit(seed, period, load, cv) -> None:
    from fourS_analytics.models._serve import serve

    rng = np.random.default_rng(seed)
    total = int(rng.integers(1, 4))
    roster = rng.integers(0, 9, period)  # hours nobody is on: queues, drains, overtime
    caps = np.tile(roster, total)
    hours = np.flatnonzero(np.r_[True, caps[1:] != caps[:-1]])
    n = rng.poisson(load * period * total)
    arrivals = np.sort(rng.uniform(0, period * total, n))
    services = rng.gamma(1 / cv**2, cv**2, n) if cv else np.ones(n)
    overtime_at = np.zeros(period * total + 1, dtype=bool)
    overtime_at[rng.integers(0, period * total + 1, period)] = True
    args = (arrivals, services, hours.astype(float), caps[hours], overtime_at, roster, total)
    start, overtime, drained = serve(*args, MAX_DRAIN_CYCLES)
    want_start, want_overtime, want_drained = _reference_serve(*args)
    np.testing.assert_array_equal(start, want_start)  # NaN where never served, as there
    assert overtime == want_overtime and drained == want_drained


def test_where_no_cache_folder_is_writable_the_loop_is_compiled_uncached() -> None:
    from fourS_analytics.models._serve import compiled

    space: dict = {}
    exec(compile("def double(x):\n    return 2 * x\n", "<no file>", "exec"), space)
    with pytest.raises(RuntimeError, match="no locator"):  # what Numba does on its own
        __import__("numba").njit(cache=True)(space["double"])
    assert compiled(space["double"])(21) == 42
