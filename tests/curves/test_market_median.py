"""A median composite across chips: its futures are the expected median of the legs under the pricing measure.

Sources: a futures price is the expected settlement under the pricing
measure (Harrison & Pliska 1981), here ``E_t[median_j S_j(T)]`` (final) or the
mean over the delivery month of the daily median (monthly average); the legs'
log prices at a fixing are jointly Gaussian given today's factors (Schwartz &
Smith 2000, eq. 4, one Gaussian vector across legs), so the expectation is
checked against a brute-force Monte Carlo of the legs at maturity, within its
standard error plus the quadrature's measured error (etfsim.curves.median:
at most about 9e-4 of the price at the nodes used).  The median of two
numbers is their mean, and the median of numbers that are all equal is any
one of them: both are exact.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.legs import Family, Leg
from etfsim.curves.market import Market
from etfsim.curves.median import median_nodes
from etfsim.curves.overlays import Overlays, Regime
from etfsim.exceptions import ConfigError
from etfsim.scenario import load_market
from tests.curves.market_cases import contract, leg, market, one_chunk

CORR = [[1.0, 0.6, 0.5], [0.6, 1.0, 0.7], [0.5, 0.7, 1.0]]
QUADRATURE = 1e-3  # the nodes' largest error measured against 16,384 nodes, as a share of the price


def _legs(settlement: str) -> list[Leg]:
    h100 = Overlays(floor=0.5, floor_growth=0.02, seasonal_amplitude=0.03, seasonal_peak_month=12)
    return [
        leg("h100", 2.35, root="SDH1", chi0=0.25, settlement=settlement, overlays=h100),
        leg("h200", 3.00, root="SDH2", chi0=0.10, settlement=settlement, overlays=Overlays(floor=0.5), sigma_chi=0.3),
        leg("b200", 2.80, root="SDB2", chi0=-0.1, settlement=settlement, overlays=Overlays(floor=0.7), sigma_xi=0.2),
    ]


def _median(settlement: str, names: tuple[str, ...] = ("h100", "h200", "b200")) -> Family:
    return Family("med", "median composite", "median", names, contract("MEDN", settlement))


def _market(settlement: str, paths: int = 4, measure: str = "real", **kw: object) -> Market:
    fams = [_median(settlement), Family("avg", "mean", "mean", ("h100", "h200", "b200"), contract("AVGX", settlement))]
    return market(_legs(settlement), fams, CORR, years=1.0, paths=paths, measure=measure, **kw)  # type: ignore[arg-type]


def _settled(dates: np.ndarray, spot: np.ndarray, expiry: np.datetime64, settlement: str) -> np.ndarray:
    """Each path's settlement of the contract expiring on ``expiry``: the index then, or its month's mean."""
    if settlement == "final":
        return spot[:, int(np.searchsorted(dates, expiry))]
    month = dates.astype("datetime64[M]") == np.datetime64(str(expiry)[:7], "M")
    return spot[:, month].mean(axis=1)


@pytest.mark.parametrize("settlement", ["final", "monthly_average"])
def test_median_future_is_the_brute_force_expected_median_at_maturity(settlement: str) -> None:
    chunk = one_chunk(_market(settlement, paths=20000, measure="risk_neutral"))
    curve = chunk.curve("med")
    today = curve.select_paths([0]).price_rows(np.array([0]))[0, 0]  # every path starts in the same state
    for k in (0, 2, 5, 9):
        got = _settled(curve.dates, curve.spot, curve.expiries[0, k], settlement)
        se = got.std() / np.sqrt(len(got))
        assert abs(today[k] - got.mean()) < 4 * se + QUADRATURE * today[k], (k, today[k], got.mean(), se)


def test_a_leg_joining_and_the_steps_it_causes_are_priced() -> None:
    # Rubin launches in July 2026 and lowers H100 10% then: contracts delivering before July settle on the mean
    # of two legs, those after on the median of three, with the step in H100's forwards; brute force as above
    settlement = "monthly_average"
    legs = _legs(settlement)[:2] + [
        leg("rubin", 3.2, root="SDVR", launch="2026-07", settlement=settlement, steps_down={"h100": 0.10})
    ]
    chunk = one_chunk(market(legs, [_median(settlement, ("h100", "h200", "rubin"))], CORR, years=1.0,
                             paths=20000, measure="risk_neutral"))  # fmt: skip
    curve = chunk.curve("med")
    today = curve.select_paths([0]).price_rows(np.array([0]))[0, 0]
    months = [str(e)[:7] for e in curve.expiries[0, :6]]
    assert months[2] == "2026-06" and months[3] == "2026-07"
    for k in (1, 2, 3, 5):
        got = _settled(curve.dates, curve.spot, curve.expiries[0, k], settlement)
        se = got.std() / np.sqrt(len(got))
        assert abs(today[k] - got.mean()) < 4 * se + QUADRATURE * today[k], (k, today[k], got.mean(), se)


@pytest.mark.parametrize("settlement", ["final", "monthly_average"])
def test_median_future_is_a_martingale_under_the_pricing_measure(settlement: str) -> None:
    # E_0[F(t1)] = F(0) for one contract, followed by its code from the first date to a date a quarter later
    chunk = one_chunk(_market(settlement, paths=8000, measure="risk_neutral"))
    curve = chunk.curve("med")
    code = curve.contracts[0, 6]
    t1 = 63
    k1 = int(np.nonzero(curve.contracts[t1] == code)[0][0])
    f0 = curve.select_paths([0]).price_rows(np.array([0]))[0, 0, 6]
    f1 = curve.price_rows(np.array([t1]))[:, 0, k1]
    se = f1.std() / np.sqrt(len(f1))
    assert abs(f1.mean() - f0) < 4 * se + QUADRATURE * f0, (f0, f1.mean(), se)


@pytest.mark.parametrize("settlement", ["final", "monthly_average"])
def test_with_two_legs_the_median_is_the_mean(settlement: str) -> None:
    legs = _legs(settlement)[:2]
    fams = [_median(settlement, ("h100", "h200")), Family("avg", "mean", "mean", ("h100", "h200"), contract("AVGX"))]
    chunk = one_chunk(market(legs, fams, [[1.0, 0.6], [0.6, 1.0]], years=1.0, paths=3))
    med, avg = chunk.curve("med"), chunk.curve("avg")
    np.testing.assert_allclose(med.prices, avg.prices, rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(med.spot, avg.spot, rtol=1e-12)


@pytest.mark.parametrize("settlement", ["final", "monthly_average"])
def test_legs_that_move_as_one_have_their_own_future_as_median(settlement: str) -> None:
    # three copies of one leg with correlation 1: the median is the leg; the copies' factors agree to the
    # simulation's ridge for a singular step covariance (about 1e-7)
    one = leg("h100", 2.35, root="SDH1", chi0=0.25, settlement=settlement, overlays=Overlays(floor=0.5))
    legs = [one] + [
        leg(f"copy{i}", 2.35, chi0=0.25, settlement=settlement, overlays=Overlays(floor=0.5)) for i in (1, 2)
    ]
    fam = Family("med", "median", "median", ("h100", "copy1", "copy2"), contract("MEDN", settlement))
    chunk = one_chunk(market(legs, [fam], np.ones((3, 3)), years=1.0, paths=3))
    np.testing.assert_allclose(chunk.curve("med").prices, chunk.curve("h100").prices, rtol=1e-6)


def test_spot_is_the_median_of_the_legs_trading() -> None:
    # Rubin launches in January 2027: before that the median is of two legs (their mean), from then on of three
    legs = _legs("monthly_average")[:2] + [leg("rubin", 9.0, root="SDVR", launch="2027-01", ratio=5.0)]
    fam = Family("med", "median", "median", ("h100", "h200", "rubin"), contract("MEDN"))
    chunk = one_chunk(market(legs, [fam], CORR, years=1.5, paths=3))
    spot = chunk.curve("med").spot
    spots = np.stack([p.spot for p in chunk.parts])
    launched = chunk.dates >= np.datetime64("2027-01-01")
    np.testing.assert_allclose(spot[:, ~launched], spots[:2, :, ~launched].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(spot[:, launched], np.median(spots[:, :, launched], axis=0), rtol=1e-12)


def test_a_contract_settles_on_the_index_it_is_written_on() -> None:
    # final: on its expiry the future is the median spot; monthly average: on its last fixing, the month's mean
    for settlement in ("final", "monthly_average"):
        curve = one_chunk(_market(settlement)).curve("med")
        code, expiry = curve.contracts[0, 1], curve.expiries[0, 1]
        row = int(np.searchsorted(curve.dates, expiry))
        k = int(np.nonzero(curve.contracts[row] == code)[0][0])
        price = curve.price_rows(np.array([row]))[:, 0, k]
        np.testing.assert_allclose(price, _settled(curve.dates, curve.spot, expiry, settlement), rtol=1e-12)


def test_same_seed_same_bytes_and_a_rule_runs_on_it() -> None:
    import etfsim

    a = one_chunk(_market("monthly_average")).curve("med")
    b = one_chunk(_market("monthly_average")).curve("med")
    assert a.prices.tobytes() == b.prices.tobytes()
    run = etfsim.run_strategy(a, "front_month")
    assert np.isfinite(np.asarray(run.index.er)).all()


def test_nodes_are_mirrored_and_whitened() -> None:
    z = median_nodes(3, 64, blocks=5)
    assert z.shape == (5, 128, 3)
    np.testing.assert_allclose(z.mean(axis=1), 0.0, atol=1e-12)
    for b in range(5):
        np.testing.assert_allclose(z[b].T @ z[b] / 128, np.eye(3), atol=1e-12)
    assert not np.allclose(z[0], z[1])  # each day ahead its own block
    assert median_nodes(3, 64, blocks=5).tobytes() == z.tobytes()


# -- bad input: one line naming the field and the fix ---------------------------------------------------


def test_a_median_over_fewer_than_two_legs_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"family 'med': method 'median' needs at least two legs, got \['h100'\]"):
        Family("med", "median", "median", ("h100",), contract("MEDN"))


def test_a_median_over_legs_with_a_priced_regime_is_refused() -> None:
    reg = Regime(("normal", "shortage"), (0.0, 0.3), ((0.0, 1.0), (2.0, 0.0)))
    legs = [leg(n, 2.0 + i, overlays=Overlays(regime=reg)) for i, n in enumerate(("h100", "h200", "b200"))]
    with pytest.raises(
        ConfigError, match=r"family 'med'.*regime_levels of leg 'h100'.*set its regime_levels to 0"
    ) as e:
        market(legs, [_median("monthly_average")], regime=Regime(reg.names, (0.0, 0.0), reg.rates))
    assert "\n" not in str(e.value)
    flat = Regime(("normal", "shortage"), (0.0, 0.0), reg.rates)  # levels all 0: nothing to price, accepted
    legs = [leg(n, 2.0 + i, overlays=Overlays(regime=flat)) for i, n in enumerate(("h100", "h200", "b200"))]
    market(legs, [_median("monthly_average")], regime=flat)


def test_a_median_over_legs_with_jumps_or_another_settlement_is_refused() -> None:
    legs = _legs("monthly_average")
    jumpy = [legs[0], legs[1], leg("b200", 2.8, overlays=Overlays(jump_intensity=0.5, jump_mean=-0.1))]
    with pytest.raises(ConfigError, match=r"family 'med'.*generation jumps of leg 'b200'.*jump_intensity to 0"):
        market(jumpy, [_median("monthly_average")])
    with pytest.raises(ConfigError, match=r"family 'med': its contract settles 'final' but leg 'h100'.*settlement"):
        market(legs, [_median("final")])


def test_a_market_file_declares_a_median_family(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "data" / "median_market.toml").read_text()
    m = load_market(_write(tmp_path, text))
    assert m.family("med").method == "median"
    curve = one_chunk(m, paths=2).curve("med")
    assert np.isfinite(curve.price_rows(np.array([0]))).any()
    regime = text.replace("regime_levels = [0.0, 0.0, 0.0]", "regime_levels = [0.0, 0.35, -0.25]", 1)
    with pytest.raises(
        ConfigError, match=r"^median\.toml: family 'med': method 'median' cannot price the regime_levels of leg 'h100'"
    ):
        load_market(_write(tmp_path, regime))


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "median.toml"
    p.write_text(text)
    return p
