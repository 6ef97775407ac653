"""A fund holding a generation that launches at a random month: the paths grouped by launch month.

The rule under test (etfsim.curves.launch_groups): on a path where the
successor arrives in month m, the fund is the same fund on the scheduled
market with the launch in m, so its move starts at that path's launch and
not a day before, a path on which the successor never arrives holds the old
chip alone, and a path's figures do not depend on which other paths share its
chunk (its investor demand is drawn from its own stream).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest

from etfsim.curves.arrivals import NEVER_YM
from etfsim.curves.families import family_weights, generation_weights, month_of
from etfsim.curves.launch_groups import LaunchGroups, held_curve
from etfsim.curves.legs import Family
from etfsim.curves.market import Market
from etfsim.curves.market_sim import Holding
from etfsim.curves.overlays import Overlays
from etfsim.exceptions import ConfigError
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.pipeline import Strategy, run_strategy
from etfsim.report import run_study
from etfsim.roll.generations import Generations
from etfsim.roll.rules import FrontMonth
from tests.curves.market_cases import contract, leg, market, one_chunk

WINDOW = 10  # business days of the move from the old chip to the successor
LIQUIDITY = (("2026-07-01", 500.0, 50.0), ("2027-07-01", 20_000.0, 2_000.0))  # dated at the first possible month
DEMAND = InvestorDemand(volatility=0.01, seed=7)


def _market(rate: float = 0.4, paths: int = 40) -> Market:
    """H100 from the start and a successor that may launch any month from July 2026 (rate a year)."""
    old = leg("h100", 2.35, root="SDH1", chi0=0.25, liquidity=(("2026-04-01", 60_000.0, 9_000.0),))
    new = leg("next", 9.0, root="SDNX", launch="2026-07", ratio=5.0, steps_down={"h100": 0.2}, liquidity=LIQUIDITY)
    return market([old, replace(new, arrival_rate=rate)], years=3.0, paths=paths, holding="h100")


HOLD = Holding(generations=("h100", "next"), switch_window=WINDOW)


def _run(curve: object, demand: InvestorDemand | None = DEMAND) -> object:
    return run_strategy(curve, "front_month", FundConfig(), demand, summarise=True)  # type: ignore[arg-type]


def test_groups_are_the_launch_months_drawn() -> None:
    chunk = one_chunk(_market())
    groups = held_curve(chunk, HOLD)
    assert isinstance(groups, LaunchGroups)
    rows = chunk.arrival_rows["next"]
    assert len(groups.groups) == len(np.unique(rows))
    assert sorted(np.concatenate([idx for idx, _ in groups.groups]).tolist()) == list(range(chunk.n_paths))
    for idx, curve in groups.groups:
        assert len(set(rows[idx].tolist())) == 1 and curve.n_paths == len(idx)


def test_the_move_starts_on_each_paths_launch_day() -> None:
    chunk = one_chunk(_market())
    groups = held_curve(chunk, HOLD)
    assert isinstance(groups, LaunchGroups)
    n = len(chunk.dates)
    checked = 0
    for idx, curve in groups.groups:
        row = int(chunk.arrival_rows["next"][idx[0]])
        assert curve.generation is not None
        g = curve.generation
        # the scheduled rule with the launch on this path's row: nothing in the successor before it
        want = generation_weights(chunk.dates, [0, min(row, n)], [None, None], None, None, WINDOW)
        np.testing.assert_array_equal(g, want)
        if row < n - WINDOW:
            assert (g[1, :row] == 0).all() and g[1, row] == pytest.approx(1.0 / WINDOW) and g[1, -1] == 1.0
            weights = Generations(FrontMonth()).schedule(curve).weights[0]  # (dates, both chips' slots)
            held_next = weights[:, curve.block_depth :].sum(axis=1)
            assert held_next[:row].max() == 0.0 and held_next[row + WINDOW : -1].min() == pytest.approx(1.0)
            checked += 1
    assert checked >= 3


def test_a_path_is_the_same_in_any_chunk() -> None:
    m = _market()
    whole = _run(held_curve(one_chunk(m), HOLD))
    for p in (0, 9, 31):
        (alone,) = m.iter_markets(paths=1, chunk_size=1, first_path=p)
        one = _run(held_curve(alone, HOLD))
        np.testing.assert_array_equal(whole.stats.iloc[p].to_numpy(float), one.stats.iloc[0].to_numpy(float))


def test_paths_it_never_reaches_hold_the_old_chip_alone() -> None:
    chunk = one_chunk(_market(rate=0.3))
    never = np.nonzero(chunk.arrival_rows["next"] >= len(chunk.dates))[0]
    assert 5 <= len(never) < chunk.n_paths  # exp(-0.3 * 2.75) of the paths, about 44%
    both = _run(held_curve(chunk, HOLD)).stats.iloc[never]
    alone = _run(chunk.curve("h100")).stats.iloc[never]
    # equal but for rounding: the held spot is chained day by day (a product of daily ratios of the chips held)
    np.testing.assert_allclose(both.to_numpy(float), alone.to_numpy(float), rtol=1e-12, atol=0)
    fund = ["nav_return", "tracking_difference", "tracking_error", "roll_trades"]
    np.testing.assert_array_equal(both[fund].to_numpy(float), alone[fund].to_numpy(float))


def test_the_successors_market_grows_from_its_own_launch() -> None:
    chunk = one_chunk(_market())
    groups = held_curve(chunk, HOLD)
    assert isinstance(groups, LaunchGroups)
    first = int(np.searchsorted(chunk.dates, np.datetime64("2026-07-01")))
    for idx, curve in groups.groups:
        row = int(chunk.arrival_rows["next"][idx[0]])
        if row >= len(chunk.dates) - WINDOW:
            continue
        assert curve.liquidity is not None
        oi_next = (curve.liquidity[0] - curve.generation[0] * 60_000.0) / np.where(
            curve.generation[1] > 0, curve.generation[1], np.nan
        )
        # on the launch day its open interest is the first point's, whatever the month; a year on, the second's
        assert oi_next[row] == pytest.approx(500.0, rel=1e-9)
        shift = (chunk.dates[row] - chunk.dates[first]).astype("timedelta64[D]")
        year_on = int(np.searchsorted(chunk.dates, np.datetime64("2027-07-01") + shift))
        if year_on < len(chunk.dates):
            assert oi_next[year_on] == pytest.approx(20_000.0, rel=0.01)


def test_random_generations_refused_where_one_listing_is_needed() -> None:
    chunk = one_chunk(_market(paths=4))
    with pytest.raises(ConfigError, match="held_curve"):
        chunk.curve(HOLD)
    with pytest.raises(ConfigError, match=r"summarised path by path \(summarise=True\)"):
        run_strategy(held_curve(chunk, HOLD), "front_month", FundConfig())
    head = Strategy("gens", "", FrontMonth(), holding=HOLD)
    with pytest.raises(ConfigError) as exc:
        run_study(_market(paths=4), strategies=[head], headline="gens")
    assert "\n" not in str(exc.value)
    assert re.search(r"headline 'gens' holds 'next', which launches at a random month.*etfsim sweep", str(exc.value))
    # ... and a headline on a family with the random chip in it, before anything is simulated
    on_family = Strategy("avg", "", FrontMonth(), holding=Holding(index="avg"))
    with pytest.raises(ConfigError, match=r"headline 'avg' holds 'next', which launches at a random month"):
        run_study(_family_market(paths=4), strategies=[on_family], headline="avg")
    with pytest.raises(ConfigError, match=r"open_interest: 'next' launches at a random month"):
        held_curve(chunk, HOLD, open_interest={"next": np.ones(len(chunk.dates))})


def _family_market(paths: int = 4000) -> Market:
    """H100 (floor 0.60) and a successor (floor 1.00) that may launch any month from July 2026, in two families."""
    old = leg("h100", 2.35, root="SDH1", chi0=0.25, overlays=Overlays(floor=0.60))
    new = leg(
        "next", 9.0, root="SDNX", launch="2026-07", ratio=5.0, steps_down={"h100": 0.2}, overlays=Overlays(floor=1.0)
    )
    families = (
        Family("avg", "AVG", "mean", ("h100", "next"), contract("AVGX")),
        Family("ref", "REF", "normalised", ("h100", "next"), contract("REFX"), splice_lag_months=2),
    )
    return market([old, replace(new, arrival_rate=1.5)], families, years=1.5, paths=paths, measure="risk_neutral")


def _one_contract(groups: LaunchGroups, col: int) -> tuple[np.ndarray, np.ndarray]:
    """Every path's price of the contract in slot ``col`` on the first date, on each date it is listed."""
    codes = groups.groups[0][1].contracts
    code = codes[0, col]
    rows = np.nonzero((codes == code).any(axis=1))[0]
    slot = np.where(codes == code, np.arange(codes.shape[1])[None, :], -1).max(axis=1)[:, None]
    return groups.in_order([c.price_slots(slot)[:, :, 0] for _, c in groups.groups]), rows


@pytest.mark.parametrize("family", ["avg", "ref"])
def test_a_family_over_a_random_member_is_a_martingale(family: str) -> None:
    # Harrison & Pliska (1981): under the pricing measure a futures price is the expectation of its settlement;
    # before the launch the family's futures mix the outcomes (in the index by delivery, launched, not launched)
    chunk = one_chunk(_family_market())
    groups = held_curve(chunk, Holding(index=family))
    assert isinstance(groups, LaunchGroups) and len(groups.groups) > 5
    prices, rows = _one_contract(groups, 9)  # delivering in early 2027: the launch may or may not come first
    f0 = prices[0, 0]
    # on the first date no path knows its launch: every group prices the same (nothing looks ahead)
    np.testing.assert_allclose(prices[:, 0], f0, rtol=1e-12)
    for row in (rows[len(rows) // 2], rows[-1]):
        f = prices[:, row]
        assert abs(f.mean() - f0) < 3 * f.std(ddof=1) / math.sqrt(len(f)), (row, f.mean(), f0)


def test_a_family_without_the_mixture_would_look_ahead() -> None:
    # the control for the test above: weighting each group by its own launch month from the first date (what a
    # scheduled family would do) prices the same contract differently on the first date, group by group
    chunk = one_chunk(_family_market(paths=200))
    groups = held_curve(chunk, Holding(index="avg"))
    assert isinstance(groups, LaunchGroups)
    months, delivery = month_of(chunk.dates), chunk.parts[0].plan.listing.delivery
    seen = []
    for idx, curve in (groups.groups[0], groups.groups[-1]):  # the earliest launch, and the latest (or none)
        row = int(chunk.arrival_rows["next"][idx[0]])
        ym = int(months[row]) if row < len(months) else NEVER_YM
        blk = curve.blocks[0]
        weights = family_weights(chunk.market.family("avg"), [0, ym], [1.0, 5.0], delivery)
        seen.append(replace(blk, coef=weights, offset=None).price_rows(np.array([0]))[0, 0, 9])
    prices, _ = _one_contract(groups, 9)
    assert abs(seen[0] - seen[1]) > 0.05 * prices[0, 0], (seen, prices[0, 0])


def test_a_fund_on_the_family_is_the_same_path_in_any_chunk() -> None:
    m = _family_market(paths=30)
    hold = Holding(index="ref")
    whole = _run(held_curve(one_chunk(m), hold))
    assert np.isfinite(whole.stats["nav_return"]).all()
    for p in (4, 22):
        (alone,) = m.iter_markets(paths=1, chunk_size=1, first_path=p)
        one = _run(held_curve(alone, hold))
        np.testing.assert_array_equal(whole.stats.iloc[p].to_numpy(float), one.stats.iloc[0].to_numpy(float))
