"""The perpetual future (etfsim.curves.perpetual): funding clamp, the premium's OU law, the funding-adjusted price.

References: the funding clamp as BitMEX and Binance define it, F = P + clamp(I - P, -0.05%, 0.05%)
(restated at https://gate.io/futures/introduction/funding-rate-history); AX's daily funding on the
clamped premium (https://docs.sandbox.x.architect.co/guides/funding-settlement/funding-rate-payments);
AX's tier-1 fees 0.02% maker, 0.25% taker (https://architect.co/fee-schedule); the Ornstein-Uhlenbeck
transition law (Uhlenbeck and Ornstein 1930): mean m + (x - m) e^{-k h}, variance s^2 (1 - e^{-2 k h}) / 2k.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from etfsim.contracts.spec import COMPUTE_H100
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.perpetual import AX_MAKER_FEE, AX_TAKER_FEE, Perpetual, funding_rate, premium_paths
from etfsim.exceptions import ConfigError, DataError


def hand_curve(spot: list[float], days: list[str] | None = None, paths: int = 1) -> FuturesCurve:
    """A one-slot dated curve whose only use here is its spot index."""
    dates = pd.to_datetime(days or ["2026-04-01", "2026-04-02", "2026-04-03", "2026-04-04"][: len(spot)]).to_numpy()
    n = len(spot)
    s = np.tile(np.asarray(spot, dtype=float), (paths, 1))
    return FuturesCurve(
        dates=dates,
        prices=s[:, :, None],
        contracts=np.full((n, 1), "GPUZ26", dtype=object),
        expiries=np.full((n, 1), np.datetime64("2026-12-31")),
        spot=s,
        metadata={"contract": COMPUTE_H100.to_dict()},
    )


def test_funding_is_the_premium_clamped_at_the_cap() -> None:
    # AX: f = clamp(X, -cap, cap); a 0.5% cap
    got = funding_rate(np.array([0.001, -0.002, 0.0071, -0.0123, 0.0]), cap=0.005)
    np.testing.assert_array_equal(got, [0.001, -0.002, 0.005, -0.005, 0.0])


def test_funding_with_an_interest_term_and_damper_as_bitmex_and_binance() -> None:
    # F = X + clamp(I - X, -0.05%, 0.05%), I = 0.01% a cycle, then capped at 0.75%:
    # X = 0.03%: I - X = -0.02% inside the damper, F = I = 0.01%
    # X = 0.10%: I - X = -0.09% -> -0.05%, F = 0.05%;  X = -0.20%: I - X = 0.21% -> 0.05%, F = -0.15%
    # X = 2%: F = 2% - 0.05% = 1.95% -> capped at 0.75%
    got = funding_rate(np.array([0.0003, 0.001, -0.002, 0.02]), cap=0.0075, interest=0.0001, damper=0.0005)
    np.testing.assert_allclose(got, [0.0001, 0.0005, -0.0015, 0.0075], rtol=0, atol=1e-15)


def test_the_funding_adjusted_price_by_hand() -> None:
    # no noise: the premium decays to its mean by half each calendar day (k = 365 ln 2)
    perp = Perpetual(
        premium_mean=0.002, premium_reversion=365 * math.log(2), premium_volatility=0.0, premium_initial=0.01
    )
    res = perp.simulate(hand_curve([100.0, 102.0, 101.0]))
    np.testing.assert_allclose(res.premium[0], [0.01, 0.006, 0.004], rtol=1e-12)
    np.testing.assert_allclose(res.price[0], [101.0, 102.612, 101.404], rtol=1e-12)
    np.testing.assert_allclose(res.funding_rate[0], [0.005, 0.005, 0.004], rtol=1e-12)  # 1% and 0.6% hit the cap
    # a long pays S f per unit: 102 x 0.005 = 0.51 on day 1, 101 x 0.004 = 0.404 on day 2
    np.testing.assert_allclose(res.funding[0], [0.0, 0.51, 0.404], rtol=1e-12)
    a1 = 101.0 * (102.612 - 0.51) / 101.0
    a2 = a1 * (101.404 - 0.404) / 102.612
    np.testing.assert_allclose(res.adjusted[0], [101.0, a1, a2], rtol=1e-12)
    # the venue's contracts for the ledger's: x A / P
    np.testing.assert_allclose(res.traded_contracts(np.ones((1, 3))), [[1.0, a1 / 102.612, a2 / 101.404]])


def test_the_perpetual_curve_is_one_slot_that_never_rolls() -> None:
    res = Perpetual(symbol="AXH100-PERP").simulate(hand_curve([2.0, 2.1, 2.2, 2.3]))
    c = res.curve
    assert c.depth == 1 and set(c.contracts[:, 0]) == {"AXH100-PERP"}
    assert (c.expiries[:, 0] == np.datetime64("2199-12-31")).all()
    np.testing.assert_array_equal(c.spot, [[2.0, 2.1, 2.2, 2.3]])
    assert c.metadata["prices"] == "funding-adjusted" and c.metadata["contract"]["multiplier"] == 1000.0
    assert res.contract.root == "AXH100PERP" and res.contract.listed_depth == 1
    assert Perpetual(multiplier=1.0).simulate(hand_curve([2.0, 2.1])).contract.multiplier == 1.0  # AX: multiplier 1


def test_a_perpetual_with_no_premium_is_the_spot() -> None:
    flat = Perpetual(premium_volatility=0.0, premium_initial=0.0)
    res = flat.simulate(hand_curve([2.0, 2.2, 1.9, 2.05]))
    np.testing.assert_array_equal(res.price, res.spot)
    np.testing.assert_array_equal(res.funding_rate, 0.0)
    np.testing.assert_allclose(res.adjusted, res.spot, rtol=1e-14)


def test_fees_are_the_published_schedule() -> None:
    p = Perpetual()
    assert (p.maker_fee, p.taker_fee) == (AX_MAKER_FEE, AX_TAKER_FEE) == (0.0002, 0.0025)
    assert p.fee_rate == 0.0025  # a fund trading at the close takes liquidity
    assert Perpetual(maker_share=1.0).fee_rate == 0.0002
    assert Perpetual(maker_share=0.5).fee_rate == pytest.approx(0.00135, abs=1e-15)


@pytest.fixture(scope="module")
def weekdays() -> np.ndarray:
    return pd.bdate_range("2026-04-06", periods=12).to_numpy()  # Monday to Tuesday a fortnight later


def test_the_premium_has_the_ou_moments(weekdays: np.ndarray) -> None:
    m, k, s = 0.001, 50.0, 0.04
    n = 20_000
    x = premium_paths(weekdays, n, m, k, s, None, seed=11)
    sd = s / math.sqrt(2 * k)
    # stationary from the first date: each date's cross-section is N(m, sd^2)
    for t in (0, 4, 11):
        assert abs(x[:, t].mean() - m) < 4 * sd / math.sqrt(n)
        assert abs(x[:, t].var() / sd**2 - 1) < 4 * math.sqrt(2 / n)

    # one calendar day (Mon -> Tue) and three (Fri -> Mon): the correlation is e^{-k h} on calendar time
    def corr(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(a, b)[0, 1])

    for t0, days in ((0, 1), (4, 3)):
        rho = math.exp(-k * days / 365)
        assert abs(corr(x[:, t0], x[:, t0 + 1]) - rho) < 4 * (1 - rho**2) / math.sqrt(n)


def test_a_premium_started_away_from_its_mean_decays_to_it(weekdays: np.ndarray) -> None:
    m, k, s, x0 = 0.0, 80.0, 0.03, 0.01
    n = 20_000
    x = premium_paths(weekdays, n, m, k, s, x0, seed=3)
    assert (x[:, 0] == x0).all()
    h = (weekdays[5] - weekdays[0]) / np.timedelta64(1, "D") / 365
    mean = m + (x0 - m) * math.exp(-k * h)
    var = s**2 * (1 - math.exp(-2 * k * h)) / (2 * k)
    assert abs(x[:, 5].mean() - mean) < 4 * math.sqrt(var / n)
    assert abs(x[:, 5].var() / var - 1) < 4 * math.sqrt(2 / n)


def test_same_seed_same_bytes_and_a_chunk_is_the_same_paths() -> None:
    curve = hand_curve([2.0, 2.1, 2.05, 2.2], paths=5)
    a = Perpetual(seed=9).simulate(curve)
    b = Perpetual(seed=9).simulate(curve)
    assert a.premium.tobytes() == b.premium.tobytes() and a.adjusted.tobytes() == b.adjusted.tobytes()
    assert a.premium.tobytes() != Perpetual(seed=10).simulate(curve).premium.tobytes()
    chunk = Perpetual(seed=9).simulate(curve.select(paths=[3, 4]))  # paths 3 and 4 of the run
    assert chunk.premium.tobytes() == a.premium[3:].tobytes()


def test_the_premium_stream_is_not_the_curves() -> None:
    # the curve's path i draws from SeedSequence(seed, spawn_key=(i,)); the premium must not reuse it
    days = pd.bdate_range("2026-04-01", periods=50).to_numpy()
    x = premium_paths(days, 1, 0.0, 10.0, 1.0, 0.0, seed=4)
    g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(4, spawn_key=(0,))))
    z = g.standard_normal(50)
    assert abs(np.corrcoef(np.diff(x[0]), z[1:])[0, 1]) < 0.5


def test_funding_cycles_per_calendar_day() -> None:
    # 8-hour funding every day: three cycles a day, so Friday -> Monday pays nine
    perp = Perpetual(premium_mean=0.0001, premium_volatility=0.0, premium_initial=0.0001, funding_cycles_per_day=3)
    res = perp.simulate(hand_curve([2.0, 2.0, 2.0], days=["2026-04-09", "2026-04-10", "2026-04-13"]))
    np.testing.assert_allclose(res.funding_rate[0], [0.0003, 0.0003, 0.0009], rtol=1e-12)


def test_summary_and_frame() -> None:
    res = Perpetual().simulate(hand_curve([2.0, 2.1, 2.05, 2.2], paths=3))
    text = res.summary()
    assert "maker 0.020%, taker 0.250%" in text and "half-life 2.1 days" in text
    frame = res.to_frame(1)
    assert list(frame.columns) == ["spot", "price", "premium", "funding_rate", "funding", "adjusted"]
    assert len(frame) == 4 and res.annual_funding().shape == (3,)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("funding_cap", 0.0),
        ("funding_cap", -0.01),
        ("funding_cap", 1.5),
        ("taker_fee", -0.0001),
        ("maker_fee", -0.0002),
        ("premium_volatility", -0.01),
        ("premium_reversion", 0.0),
        ("premium_mean", 0.9),
        ("maker_share", 1.5),
        ("funding_cycles_per_day", 0.0),
        ("funding_damper", -0.001),
        ("multiplier", 0.0),
        ("seed", -1),
        ("symbol", ""),
    ],
)
def test_bad_terms_are_one_line_errors_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError) as err:
        Perpetual(**{field: value})
    message = str(err.value)
    assert "\n" not in message
    assert field in message or (field == "seed" and "seed" in message)


def test_a_funding_cap_of_zero_says_what_the_cap_is() -> None:
    with pytest.raises(ConfigError, match=r"^funding_cap must be > 0 and < 1 .*got 0$"):
        Perpetual(funding_cap=0)


def test_a_curve_without_a_spot_index_is_refused() -> None:
    c = hand_curve([2.0, 2.1])
    bare = FuturesCurve(c.dates, c.prices, c.contracts, c.expiries, metadata=c.metadata)
    with pytest.raises(DataError, match="spot index"):
        Perpetual().simulate(bare)
    with pytest.raises(ConfigError, match="which contract"):
        Perpetual().simulate(FuturesCurve(c.dates, c.prices, c.contracts, c.expiries, spot=c.spot))
