"""Generations launching at a random month (a leg's ``arrival_rate``): draws, hazard pricing, refusals.

Sources: a futures price under the pricing measure is a martingale (Harrison &
Pliska 1981), so with a successor that may launch any month the older chip's
futures must carry the chance of its step (etfsim.curves.arrivals derives
the multiplier 1 + (e^s - 1) q); the launch month is geometric, P(at least k
months to wait) = exp(-lambda k / 12), the monthly count of a Poisson process.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.arrivals import hazard_log_multiplier, launch_months, launch_rows
from etfsim.curves.families import month_of
from etfsim.curves.legs import Family
from etfsim.curves.market import Market
from etfsim.curves.overlays import Overlays
from etfsim.exceptions import ConfigError
from etfsim.scenario import load_market
from tests.curves.market_cases import contract, leg, market, one_chunk
from tests.test_market_scenario import SMALL

RATE = 1.5  # launches a year: the successor arrives within the year on about 78% of paths
STEP = 0.20  # the older chip's rental falls 20% when it does


def _pair(
    settlement: str = "monthly_average", measure: str = "risk_neutral", steps: float = STEP, **kw: float
) -> Market:
    """H100 trading, a successor that may launch any month from July 2026 and steps H100 down."""
    old = leg("h100", 2.35, root="SDH1", chi0=0.25, settlement=settlement, **kw)
    new = replace(
        leg("next", 9.0, root="SDNX", launch="2026-07", ratio=5.0, steps_down={"h100": steps}, settlement=settlement),
        arrival_rate=RATE,
    )
    return market([old, new], years=1.5, paths=4000, measure=measure, holding="h100")


def test_launch_months_are_geometric_with_the_poisson_rate() -> None:
    u = 1.0 - np.random.default_rng(7).random(200_000)
    months = launch_months(u, RATE, 202607)
    waited = (months // 100 - 2026) * 12 + months % 100 - 7
    assert waited.min() == 0
    for k in (1, 3, 12):
        p = (waited >= k).mean()
        expected = math.exp(-RATE * k / 12.0)
        assert abs(p - expected) < 4 * math.sqrt(expected * (1 - expected) / len(u))


def test_hazard_multiplier_is_the_chance_of_a_launch_by_delivery() -> None:
    # the closed form against the sum over launch months of p (1 - p)^(k - 1)
    p = 1.0 - math.exp(-RATE / 12.0)
    rows = np.array([202604, 202606, 202607, 202610])
    delivery = np.array(
        [[202605, 202607, 202612], [202606, 202607, 202701], [202607, 202608, 202612], [0, 202611, 202612]]
    )
    got = hazard_log_multiplier(math.log(1 - STEP), RATE, 202607, rows, delivery)

    def count(ym: int) -> int:
        return (ym // 100) * 12 + ym % 100 - 1

    for i, ym in enumerate(rows):
        first = max(count(ym) + 1, count(202607))  # the month after the date, or July 2026
        for k, d in enumerate(delivery[i]):
            n = count(d) - first + 1 if d else 0
            q = sum(p * (1 - p) ** j for j in range(max(n, 0)))
            assert got[i, k] == pytest.approx(math.log(1 + (1 - STEP - 1) * q), abs=1e-14)
    assert got[0, 0] == 0.0 and got[3, 0] == 0.0  # before the first launch month; no contract


def test_each_path_steps_down_on_its_own_launch_day() -> None:
    stepped, flat = one_chunk(replace(_pair(), paths=50)), one_chunk(replace(_pair(steps=0.0), paths=50))
    rows = stepped.arrival_rows["next"]
    np.testing.assert_array_equal(rows, flat.arrival_rows["next"])  # the launch draws do not depend on the step
    assert len(np.unique(rows)) > 5 and (rows >= launch_rows(np.array([202607]), month_of(stepped.dates))[0]).all()
    dxi = stepped.parts[0].xi - flat.parts[0].xi
    after = np.arange(len(stepped.dates))[None, :] >= rows[:, None]
    np.testing.assert_allclose(dxi[after], math.log(1 - STEP), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(dxi[~after], 0.0)
    np.testing.assert_array_equal(stepped.parts[1].xi, flat.parts[1].xi)


def test_random_launches_leave_other_draws_alone() -> None:
    # the successor's uniforms come after a path's factor draws: the held leg's shocks are the same with a
    # scheduled successor
    m = _pair(steps=0.0)
    scheduled = replace(m, legs=(m.legs[0], replace(m.legs[1], arrival_rate=0.0)))
    a, b = one_chunk(replace(m, paths=20)), one_chunk(replace(scheduled, paths=20))
    np.testing.assert_array_equal(a.parts[0].chi, b.parts[0].chi)
    np.testing.assert_array_equal(a.parts[0].xi, b.parts[0].xi)


@pytest.mark.parametrize("settlement", ["final", "monthly_average"])
def test_older_chip_futures_are_martingales_through_a_random_launch(settlement: str) -> None:
    m = _pair(settlement)
    n = m.paths
    part = one_chunk(m).parts[0]
    code = part.contracts[0, 9]  # delivering in early 2027: the launch may or may not come first
    rows = np.nonzero((part.contracts == code).any(axis=1))[0]
    slot = np.where(part.contracts == code, np.arange(part.depth)[None, :], -1).max(axis=1)[:, None]
    prices = part.price_slots(slot)[:, :, 0]
    f0 = prices[0, 0]
    np.testing.assert_allclose(prices[:, 0], f0, rtol=1e-13)
    for row in (rows[len(rows) // 2], rows[-1]):
        f = prices[:, row]
        assert abs(f.mean() - f0) < 3 * f.std(ddof=1) / math.sqrt(n), (row, f.mean(), f0)
    # priced without the hazard (as if no successor could come), the same contract's futures fall on average
    plain = replace(part, arrivals=None).price_slots(slot)[:, :1, 0]
    band = 3 * prices[:, rows[-1]].std(ddof=1) / math.sqrt(n)
    assert plain[0, 0] - prices[:, rows[-1]].mean() > 5 * band


def test_no_predictable_return_from_the_launch_under_the_real_measure() -> None:
    # no risk premia: the real-world measure prices as the pricing measure, so buying the older chip before a
    # likely launch earns nothing on average
    m = _pair(measure="real", lambda_chi=0.0, mu_xi_star=0.0)
    part = one_chunk(m).parts[0]
    code = part.contracts[0, 6]
    rows = np.nonzero((part.contracts == code).any(axis=1))[0]
    slot = np.where(part.contracts == code, np.arange(part.depth)[None, :], -1).max(axis=1)[:, None]
    prices = part.price_slots(slot)[:, :, 0]
    ret = prices[:, rows[-1]] / prices[:, 0] - 1.0
    assert abs(ret.mean()) < 3 * ret.std(ddof=1) / math.sqrt(m.paths)


@pytest.mark.parametrize("floor", [0.0, 0.9])
@pytest.mark.parametrize("settlement", ["final", "monthly_average"])
def test_the_hazard_leaves_cells_not_selected_as_they_are(settlement: str, floor: float) -> None:
    """A market fills one array block by block (``only_selected``): the hazard scales this block's cells only.

    With a price floor the hazard scales the part above it (the floor broadcast over the paths).
    """
    extra = {"overlays": Overlays(floor=floor)} if floor else {}
    part = one_chunk(replace(_pair(settlement, **extra), paths=20)).parts[0]
    assert part.arrivals is not None and (part.plan.floor is not None) == (floor > 0)
    sel = np.where(part.contracts[:, :3] != "", np.arange(3)[None, :], -1)
    sel[::3, 0] = -1  # another block's cells
    held = np.full((part.n_paths, part.n_dates, 3), 4.5)
    got = part.price_slots(sel, out=held.copy(), only_selected=True)
    mine = np.broadcast_to(sel >= 0, got.shape)
    assert (got[~mine] == 4.5).all()
    np.testing.assert_array_equal(got[mine], part.price_slots(sel)[mine])
    # bit for bit: -0.0 stays -0.0 (a pass of (x - 0) * 1 + 0 over every cell would make it +0.0)
    zeros = part.price_slots(sel, out=np.full(held.shape, -0.0), only_selected=True)
    assert np.signbit(zeros[~mine]).all()


def test_price_rows_and_price_slots_agree_with_the_hazard() -> None:
    part = one_chunk(replace(_pair(), paths=30)).parts[0]
    rows = np.array([0, 40, 120, 300])
    by_rows = part.price_rows(rows)
    full = part.prices
    np.testing.assert_allclose(by_rows, full[:, rows], rtol=1e-13, equal_nan=True)
    sub = part.select_paths([3, 7])
    np.testing.assert_allclose(sub.prices, full[[3, 7]], rtol=1e-13, equal_nan=True)


def _refused(build: object, pattern: str) -> None:
    with pytest.raises(ConfigError) as exc:
        build()  # type: ignore[operator]
    assert "\n" not in str(exc.value) and re.search(pattern, str(exc.value)), str(exc.value)


def test_bad_random_launches_are_refused_in_one_line() -> None:
    m = _pair()
    _refused(lambda: replace(m.legs[1], arrival_rate=-1.0), r"arrival_rate must be >= 0")
    _refused(lambda: replace(m.legs[1], launch=None, steps_down={}), r"arrival_rate needs a launch month")
    _refused(lambda: replace(m, holding="next"), r"leg 'next' launches at a random month.*remove arrival_rate")
    fam = Family("avg", "AVG", "mean", ("h100", "next"), contract("AVGX"))
    replace(m, families=(fam,))  # a mean over it is priced by the mixture of outcomes (test_random_generations.py)
    _refused(
        lambda: replace(m, families=(fam,), holding="avg"), r"family 'avg' includes 'next'.*strategy's \[holding\]"
    )
    final = replace(fam, contract=contract("AVGX", "final"))
    _refused(lambda: replace(m, families=(final,)), r"needs method 'mean', 'usage' or 'normalised', monthly-average")
    # a final-settled member's step goes by its expiry's month, the family's membership by delivery month
    old_final = replace(m.legs[0], contract=contract("SDH1", "final"))
    mixed = replace(m, legs=(old_final, replace(m.legs[1], contract=contract("SDNX", "final"))))
    _refused(lambda: replace(mixed, families=(fam,)), r"monthly-average settlement of the family and of every leg")
    _refused(lambda: replace(m, basis=("h100", "next")), r"or through a family over it, not alone or as a basis")
    med = Family("med", "MED", "median", ("h100", "other"), contract("MEDX"))
    other = leg("other", 3.0, root="SDOT")
    three = market([*m.legs, other], years=1.5, holding="h100")
    _refused(lambda: replace(three, families=(med,)), r"method 'median' cannot price the random-launch step")
    _refused(lambda: one_chunk(replace(m, paths=2)).curve("next"), r"holds it only as a later generation")


def test_a_scenario_file_gives_arrival_rate(tmp_path: Path) -> None:
    text = SMALL[: SMALL.index("[[families]]")].replace(
        "performance_ratio = 2.5\n",
        'performance_ratio = 2.5\nlaunch = "2026-08"\narrival_rate = 0.75\nsteps_down = { h100 = 0.1 }\n',
    )
    path = tmp_path / "market.toml"
    path.write_text(text, encoding="utf-8")
    m = load_market(path)
    assert m.leg("b200").arrival_rate == 0.75 and m.leg("b200").launch == "2026-08"
    chunk = one_chunk(m)
    assert chunk.parts[0].arrivals is not None and chunk.parts[1].arrivals is None
    path.write_text(text.replace("arrival_rate = 0.75", 'arrival_rate = "often"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="arrival_rate"):
        load_market(path)
