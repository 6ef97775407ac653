"""Moving a fund from one GPU generation to the next: the weights of the move and the rule around it.

Sources: a move between chips is a roll by quantity weight, ``1 / window`` of
the contracts a day (as the S&P GSCI rolls 20% a day over five days, S&P GSCI
Methodology, "Roll period"); the combined weight of a contract is its
generation's weight times the inner rule's weight, so weights sum to 1 on
every invested date (DESIGN.md, Roll schedule); the excess-return index is
``ER(t) / ER(t-1) = sum_i q_i(t-1) F_i(t) / sum_i q_i(t-1) F_i(t-1)`` with
the quantities fixed at the previous close (DESIGN.md, Index); the chained
spot of the generations held moves by the same quantity-weighted return
(etfsim.curves.market_curve).  Expected values are computed here from the
curve's prices and listings, not through the functions under test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etfsim.curves.families import generation_weights
from etfsim.curves.market_curve import MarketCurve, chained_spot
from etfsim.curves.market_sim import Holding, MarketPaths
from etfsim.curves.simulate import simulation_grid
from etfsim.exceptions import ConfigError
from etfsim.fund.summary import FundSummary
from etfsim.pipeline import run_strategy
from etfsim.pipeline.strategy import resolve_strategy
from etfsim.roll.generations import Generations
from etfsim.roll.rules import FrontMonth, MonthlyWindow, Strip
from tests.curves.market_cases import leg, market, one_chunk

DATES = simulation_grid("NYSE", "2026-04-01", years=3.0)
MONTHS = (
    (DATES.astype("datetime64[M]").astype(np.int64) // 12 + 1970) * 100
    + DATES.astype("datetime64[M]").astype(np.int64) % 12
    + 1
)
MONTH_STARTS = np.nonzero(np.r_[True, MONTHS[1:] != MONTHS[:-1]])[0]  # first business day of each month


def _months_after(ym: int, k: int) -> int:
    total = (ym // 100) * 12 + ym % 100 - 1 + k
    return (total // 12) * 100 + total % 12 + 1


def _due_rows(
    launch: list[int], oi: list[np.ndarray | None], threshold: float | None, age: int | None, window: int
) -> list[int | None]:
    """The first row of each move, worked out date by date from the rule in words."""
    out: list[int | None] = [0]
    free = 1  # the fund's first close is in the first generation
    for g in range(1, len(launch)):
        found = None
        for t in range(max(launch[g], free), len(DATES)):
            by_age = age is not None and MONTHS[t] >= _months_after(int(MONTHS[launch[g]]), age)
            by_oi = threshold is not None and oi[g] is not None and oi[g][t] >= threshold  # type: ignore[index]
            no_rule = age is None and (threshold is None or oi[g] is None)
            if by_age or by_oi or no_rule:
                found = t
                break
        out.append(found)
        if found is None:
            break
        free = found + window
    return out + [None] * (len(launch) - len(out))


@st.composite
def _switches(draw: st.DrawFn) -> dict[str, Any]:
    gens = draw(st.integers(2, 4))
    launch = [0] + [int(MONTH_STARTS[draw(st.integers(0, len(MONTH_STARTS) - 1))]) for _ in range(gens - 1)]
    years = (DATES - DATES[0]).astype(np.int64) / 365.0
    oi: list[np.ndarray | None] = [None]
    for _ in range(gens - 1):
        if draw(st.booleans()):
            oi.append(draw(st.floats(500, 20_000)) * np.exp(draw(st.floats(0.0, 1.5)) * years))
        else:
            oi.append(None)
    threshold = draw(st.one_of(st.none(), st.floats(1_000, 50_000)))
    age = draw(st.one_of(st.none(), st.integers(0, 12)))
    return dict(launch=launch, oi=oi, threshold=threshold, age=age, window=draw(st.integers(1, 25)))


@settings(max_examples=150, deadline=None)
@given(case=_switches())
def test_generation_weights_move_as_the_rule_says(case: dict[str, Any]) -> None:
    launch, window = case["launch"], case["window"]
    w = generation_weights(DATES, launch, case["oi"], case["threshold"], case["age"], window)
    assert w.shape == (len(launch), len(DATES))
    assert (w >= 0).all()
    np.testing.assert_allclose(w.sum(axis=0), 1.0, rtol=0, atol=1e-14)
    due = _due_rows(launch, case["oi"], case["threshold"], case["age"], window)
    assert w[0, 0] == 1.0
    for g in range(1, len(launch)):
        t0 = due[g]
        if t0 is None:  # never due: this generation and the later ones are never held
            assert (w[g:] == 0).all()
            break
        assert t0 >= launch[g]
        assert (w[g, :t0] == 0).all()  # not before it is due
        moved = np.diff(np.r_[0.0, w[g]])
        end = min(t0 + window, len(DATES))
        np.testing.assert_allclose(moved[t0:end], 1.0 / window, rtol=1e-12)  # 1/window a day, window days
        np.testing.assert_allclose(-np.diff(np.r_[w[g - 1, t0 - 1], w[g - 1, t0:end]]), 1.0 / window, rtol=1e-12)
        nxt = due[g + 1] if g + 1 < len(launch) else None
        stop = len(DATES) if nxt is None else nxt
        if t0 + window <= stop:
            assert (w[g, t0 + window - 1 : stop] == 1.0).all()  # all in, until the next move starts
        assert (w[g + 1 :, :end] == 0).all()  # later generations wait until this move is over


def test_due_by_age_or_open_interest_whichever_first() -> None:
    rubin = int(np.searchsorted(DATES, np.datetime64("2027-01-01")))
    years = (DATES - DATES[rubin]).astype(np.int64) / 365.0
    slow = 2_000 * 7.5**years  # the default Rubin liquidity: 2,000 contracts at launch, 15,000 a year later
    fast = 2_000 * 400.0**years  # reaches 10,000 in about three months
    day = {str(d): i for i, d in enumerate(DATES)}
    w = generation_weights(DATES, [0, rubin], [None, slow], 10_000, 6, 10)
    assert int(np.argmax(w[1] > 0)) == day["2027-07-01"]  # six months of trading came first
    w = generation_weights(DATES, [0, rubin], [None, fast], 10_000, 6, 10)
    t0 = int(np.argmax(w[1] > 0))
    assert t0 == int(np.argmax(fast >= 10_000)) and t0 < day["2027-07-01"]  # open interest came first
    w = generation_weights(DATES, [0, rubin], [None, None], None, None, 10)
    assert int(np.argmax(w[1] > 0)) == rubin  # neither given: at launch


def test_generation_weights_refuse_bad_input() -> None:
    with pytest.raises(ConfigError, match="first generation"):
        generation_weights(DATES, [5, 10], [None, None], None, None, 5)
    with pytest.raises(ConfigError, match="switch_window"):
        generation_weights(DATES, [0, 10], [None, None], None, None, 0)


# -- the Generations rule on a market curve of successive chips ----------------------------------------------------
def _succession(paths: int = 3) -> tuple[MarketPaths, MarketCurve]:
    liquidity = (("2026-10-01", 2_000.0, 400.0), ("2027-10-01", 30_000.0, 6_000.0))
    legs = [
        leg("b200", 5.48, root="SDB2", chi0=0.1, ratio=2.5, liquidity=(("2026-04-01", 14_000.0, 2_800.0),)),
        leg("rubin", 9.0, root="SDVR", launch="2026-10", ratio=5.0, steps_down={"b200": 0.1}, liquidity=liquidity),
    ]
    chunk = one_chunk(market(legs, correlation=((1.0, 0.7), (0.7, 1.0)), years=1.5, paths=paths))
    holding = Holding(generations=("b200", "rubin"), switch_age_months=2, switch_window=5)
    return chunk, chunk.curve(holding)


@pytest.mark.parametrize(
    "inner",
    [FrontMonth(days_before_expiry=23, window=5), MonthlyWindow(first_day=5, last_day=9), Strip(contracts=3)],
    ids=["front month", "gsci window", "strip"],
)
def test_generations_weights_are_generation_times_inner(inner: Any) -> None:
    _, curve = _succession()
    assert curve.generation is not None
    sched = Generations(inner).schedule(curve)
    w = sched.weights
    d = curve.block_depth
    invested = sched.invested
    assert invested.sum() > 0.9 * curve.n_dates
    np.testing.assert_allclose(w.sum(axis=2)[:, invested], 1.0, rtol=0, atol=1e-12)
    assert (w >= 0).all()
    empty = curve.contracts == ""
    assert empty[: curve.blocks[1].first_row, d:].all()  # Rubin lists nothing before its launch
    assert (w[:, empty] == 0).all()
    for b in range(2):
        sub = curve.block_curve(b)
        own = inner.schedule(sub).weights
        off = sub.row0
        want = curve.generation[b, off:][None, :, None] * own
        np.testing.assert_allclose(w[:, off:, b * d : (b + 1) * d], np.broadcast_to(want, w[:, off:, :d].shape),
                                   rtol=0, atol=1e-15)  # fmt: skip
        assert (w[:, :off, b * d : (b + 1) * d] == 0).all()
    moving = (curve.generation > 0).sum(axis=0) > 1
    assert moving.sum() == 4 and sched.rolling[moving].all()  # a five-day move: both chips held on four closes


def test_generations_needs_a_curve_of_successive_chips() -> None:
    chunk, _ = _succession()
    with pytest.raises(ConfigError, match="generations"):
        Generations(FrontMonth()).schedule(chunk.curve("b200"))


def _expected_er(curve: MarketCurve, weights: np.ndarray) -> np.ndarray:
    """``ER(t) / ER(t-1)`` from the held contracts' prices, following each contract by its code."""
    prices = curve.prices
    codes = curve.contracts
    q = weights[0]  # a calendar rule: one row for every path
    out = np.full((curve.n_paths, curve.n_dates), np.nan)
    for t in range(1, curve.n_dates):
        held = np.nonzero(q[t - 1] > 0)[0]
        if not len(held):
            continue
        now = {c: k for k, c in enumerate(codes[t]) if c}
        num = sum(q[t - 1, k] * prices[:, t, now[codes[t - 1, k]]] for k in held)
        den = sum(q[t - 1, k] * prices[:, t - 1, k] for k in held)
        out[:, t] = num / den
    return out


def test_run_strategy_on_successive_chips() -> None:
    chunk, curve = _succession(paths=4)
    strat = resolve_strategy("compute_default")
    assert strat.fund is not None
    run = run_strategy(curve, strat, strat.fund, summarise=True)
    assert isinstance(run.fund, FundSummary) and run.fund.n_paths == 4
    sched = Generations(strat.rule).schedule(curve)
    er = run.index.er
    got = er[:, 1:] / er[:, :-1]
    want = _expected_er(curve, sched.weights)[:, 1:]
    ok = np.isfinite(want) & np.isfinite(got)
    assert ok[:, -60:].all()  # the index runs to the end, across the move
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-12)
    move = np.nonzero((curve.generation > 0).sum(axis=0) > 1)[0]
    assert len(move) == 4 and ok[:, move].all()  # the curve's five-day move, whatever the strategy's [holding] says
    recorded = run_strategy(curve, strat, strat.fund, summarise=False)
    cols = [c for c in run.fund.metrics.columns if c in recorded.stats.columns]
    assert cols
    np.testing.assert_allclose(
        run.stats[cols].to_numpy(dtype=float), recorded.stats[cols].to_numpy(dtype=float), rtol=1e-9, equal_nan=True
    )


def test_chained_spot_follows_the_chips_held() -> None:
    _, curve = _succession()
    gen = curve.generation
    assert gen is not None
    spots = [b.spot() for b in curve.blocks]
    s = curve.spot
    ret = s[:, 1:] / s[:, :-1]
    held = [np.nan_to_num(x) for x in spots]
    num = sum(gen[b, :-1] * held[b][:, 1:] for b in range(2))
    den = sum(gen[b, :-1] * held[b][:, :-1] for b in range(2))
    np.testing.assert_allclose(ret, num / den, rtol=1e-12)
    np.testing.assert_allclose(s[:, 0], spots[0][:, 0], rtol=0)
    first_in = int(np.argmax(gen[1] > 0))
    day = first_in + 1  # the first close priced with both chips held
    r_old, r_new = spots[0][:, day] / spots[0][:, day - 1], spots[1][:, day] / spots[1][:, day - 1]
    lo, hi = np.minimum(r_old, r_new), np.maximum(r_old, r_new)
    assert ((ret[:, day - 1] >= lo - 1e-15) & (ret[:, day - 1] <= hi + 1e-15)).all()  # no jump to the dearer chip
    level_jump = spots[1][:, day] / spots[0][:, day]
    assert (level_jump > 1.3).all()  # Rubin rents for far more an hour than B200: a level would jump by this
    after = int(np.nonzero(gen[1] == 1.0)[0][0]) + 1
    np.testing.assert_allclose(ret[:, after:], spots[1][:, after + 1 :] / spots[1][:, after:-1], rtol=1e-12)


def test_the_term_structure_is_the_front_two_of_the_chip_held_most() -> None:
    """A market curve's contango shares: its front two contracts of the chip with the larger generation weight,
    counted here from the full price cube (what ``etfsim run``'s curve table prints)."""
    from etfsim.curves.curve import term_structure_shares

    _, curve = _succession()
    full = curve.to_curve().prices  # every block's slots side by side
    first = curve.current_block() * curve.block_depth  # (dates,) the held chip's first slot
    f0 = np.take_along_axis(full, first[None, :, None], axis=2)[:, :, 0]
    f1 = np.take_along_axis(full, first[None, :, None] + 1, axis=2)[:, :, 0]
    ok = np.isfinite(f0) & np.isfinite(f1)
    state = curve.term_structure_state()
    assert state["contango"] == (ok & (f1 > f0)).sum() / ok.sum()
    assert state["backwardation"] == (ok & (f1 < f0)).sum() / ok.sum()
    assert term_structure_shares(curve.front_two()) == state
    assert 0.0 < state["contango"] < 1.0 and len(set(first.tolist())) == 2  # both chips held on some dates


def test_chained_spot_by_hand() -> None:
    g = np.array([[1.0, 0.5, 0.0], [0.0, 0.5, 1.0]])
    a = np.array([[2.0, 2.2, 2.4]])
    b = np.array([[np.nan, 4.0, 5.0]])  # the new chip has no index before launch
    out = chained_spot([a, b], g)
    # day 1: all in the old chip, 2.0 -> 2.2; day 2: half each by quantity: (2.4 + 5.0) / (2.2 + 4.0)
    np.testing.assert_allclose(out, [[2.0, 2.2, 2.2 * (2.4 + 5.0) / (2.2 + 4.0)]], rtol=1e-15)
