"""Family indices of a compute market: their futures and spot are fixed combinations of the legs'.

Sources: a family's membership and weights change only on a month's first
business day (etfsim.curves.legs.Family), so within a delivery month the family
is ``sum_i w_i S_i`` with constant ``w_i`` and, the futures price being the
expected average (or final) index under the pricing measure, which is linear,
``F_family = sum_i w_i F_i`` for that month (Harrison & Pliska 1981).  The
usage weights renormalise over the legs trading in the month, as a
transacted-price composite does (Ornn's OCPI: executed trades only, so a chip
that does not rent yet has no weight); the normalised family is the newest
spliced generation divided by its performance ratio, a chained index whose
splice factor is the ratio.  The expected values here are computed from the
legs' own curves, cell by cell, not through etfsim.curves.families.
"""

from __future__ import annotations

import numpy as np
import pytest

from etfsim.curves.legs import Family
from etfsim.curves.market_sim import MarketPaths
from tests.curves.market_cases import chips, contract, market, one_chunk

USAGE = (0.4, 0.3, 0.3)
LAG = 3  # Rubin launches in January 2027 and joins the normalised index in April


def _market_paths(settlement: str = "monthly_average") -> MarketPaths:
    legs = chips(settlement=settlement)
    names = tuple(x.name for x in legs)
    fams = [
        Family("ocpi", "OCPI", "usage", names, contract("OCPI", settlement), weights=USAGE),
        Family("ref", "H100-equivalent hour", "normalised", names, contract("SDEQ", settlement), splice_lag_months=LAG),
        Family("avg", "equal-weighted", "mean", names, contract("AVGX", settlement)),
    ]
    return one_chunk(market(legs, fams, correlation=np.full((3, 3), 0.5) + 0.5 * np.eye(3), years=1.5, paths=3))


def _ym(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days).astype("datetime64[M]").astype(np.int64)
    return np.where(np.isnat(np.asarray(days)), 0, (d // 12 + 1970) * 100 + d % 12 + 1)


def _months_after(ym: int, k: int) -> int:
    total = (ym // 100) * 12 + ym % 100 - 1 + k
    return (total // 12) * 100 + total % 12 + 1


def _weights(method: str, months: np.ndarray) -> np.ndarray:
    """``(legs, *months.shape)``: h100 and b200 trade from the start, Rubin from January 2027."""
    launch = np.array([0, 0, 202701])
    ratio = np.array([1.0, 2.5, 5.0])
    trading = launch[:, None] <= months.ravel()[None, :]
    if method == "normalised":
        joined = np.array([_months_after(int(y), LAG) if y else 0 for y in launch])[:, None] <= months.ravel()[None, :]
        newest = 2 - np.argmax(joined[::-1], axis=0)
        w = np.zeros(trading.shape)
        w[newest, np.arange(months.size)] = 1.0 / ratio[newest]
    else:
        base = np.array(USAGE if method == "usage" else (1.0, 1.0, 1.0))[:, None]
        w = np.where(trading, base, 0.0)
        w = w / w.sum(axis=0)
    w[:, months.ravel() == 0] = 0.0
    return w.reshape((3,) + months.shape)


def _month_code(codes: np.ndarray) -> np.ndarray:
    """``"F27"`` of ``"SDH1F27"``: every root here has four letters."""
    return np.array([[c[4:] for c in row] for row in codes], dtype=object)


def _expected_prices(chunk: MarketPaths, family: str) -> np.ndarray:
    fam = chunk.curve(family)
    codes = fam.contracts
    months = _ym(fam.expiries)  # a compute contract expires on its delivery month's last business day
    w = _weights(chunk.market.family(family).method, months)
    out = np.zeros((chunk.n_paths,) + codes.shape)
    for i, part in enumerate(chunk.parts):
        # the same slot of every leg delivers in the same month as the family's (same listing rule)
        assert (_month_code(np.asarray(part.contracts)) == _month_code(codes)).all()
        out += w[i][None] * part.prices  # a leg not launched yet still has closed-form prices
    return np.where(codes != "", out, np.nan)


@pytest.mark.parametrize("settlement", ["final", "monthly_average"])
@pytest.mark.parametrize("family", ["ocpi", "ref", "avg"])
def test_family_futures_are_the_legs_futures_combined(settlement: str, family: str) -> None:
    chunk = _market_paths(settlement)
    curve = chunk.curve(family)
    want = _expected_prices(chunk, family)
    np.testing.assert_allclose(curve.prices, want, rtol=1e-12, atol=0, equal_nan=True)
    rng = np.random.default_rng(3)
    sel = rng.integers(-1, curve.depth, size=(curve.n_dates, 4))  # some cells ask for nothing (-1)
    got = curve.price_slots(sel)
    picked = np.take_along_axis(want, np.broadcast_to(np.where(sel >= 0, sel, 0)[None], got.shape), axis=2)
    picked = np.where((sel >= 0)[None], picked, np.nan)
    np.testing.assert_allclose(got, picked, rtol=1e-12, atol=0, equal_nan=True)
    rows = np.array([0, 5, 150, 190, 250, curve.n_dates - 1])
    np.testing.assert_allclose(curve.price_rows(rows), want[:, rows], rtol=1e-12, atol=0, equal_nan=True)


@pytest.mark.parametrize("family", ["ocpi", "ref", "avg"])
def test_family_spot_is_the_legs_spot_combined(family: str) -> None:
    chunk = _market_paths()
    w = _weights(chunk.market.family(family).method, _ym(chunk.dates))
    spots = np.stack([p.spot for p in chunk.parts])
    rubin = chunk.launch_rows[2]
    spots[2][:, :rubin] = 0.0  # no index before launch; its weight is 0 there
    want = (w[:, None, :] * spots).sum(axis=0)
    np.testing.assert_allclose(chunk.curve(family).spot, want, rtol=1e-12, atol=0)


def test_usage_weights_renormalise_over_the_legs_trading() -> None:
    chunk = _market_paths()
    curve, (h100, b200, rubin) = chunk.curve("ocpi"), chunk.parts
    t = 0  # April 2026: slot 8 delivers in December 2026, slot 9 in January 2027, when Rubin trades
    assert curve.contracts[t, 8] == "OCPIZ26" and curve.contracts[t, 9] == "OCPIF27"
    f = curve.prices[:, t]
    np.testing.assert_allclose(f[:, 8], (0.4 * h100.prices[:, t, 8] + 0.3 * b200.prices[:, t, 8]) / 0.7, rtol=1e-12)
    both = 0.4 * h100.prices[:, t, 9] + 0.3 * b200.prices[:, t, 9] + 0.3 * rubin.prices[:, t, 9]
    np.testing.assert_allclose(f[:, 9], both, rtol=1e-12)


def test_normalised_family_splices_the_newest_generation_at_its_ratio() -> None:
    chunk = _market_paths()
    curve, (h100, b200, rubin) = chunk.curve("ref"), chunk.parts
    codes = curve.contracts[0]
    mar, apr = list(codes).index("SDEQH27"), list(codes).index("SDEQJ27")
    np.testing.assert_allclose(curve.prices[:, 0, mar], b200.prices[:, 0, mar] / 2.5, rtol=1e-12)
    np.testing.assert_allclose(curve.prices[:, 0, apr], rubin.prices[:, 0, apr] / 5.0, rtol=1e-12)
    days = chunk.dates.astype("datetime64[D]")
    in_april = (days >= np.datetime64("2027-04-01")) & (days < np.datetime64("2027-05-01"))
    np.testing.assert_allclose(curve.spot[:, in_april], rubin.spot[:, in_april] / 5.0, rtol=1e-12)
    before = days < np.datetime64("2027-04-01")
    np.testing.assert_allclose(curve.spot[:, before], b200.spot[:, before] / 2.5, rtol=1e-12)
    assert not np.allclose(h100.spot[:, before], curve.spot[:, before])  # the newest, not the first
