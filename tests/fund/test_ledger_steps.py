"""Each step of the day loop on its own, worked by hand, compiled and as Python.

The steps (``etfsim/fund/ledger.py``) are inlined into the day loop when it
compiles; called from Python each is an ordinary kernel, and ``.py_func`` is
its Python source.  Every case below runs both and holds them to the same
hand-computed figures: a contract month of 100 units at $50, T-bills, a
creation unit of 1,000 shares.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etfsim.fund import flows as F
from etfsim.fund import ledger as L
from etfsim.fund.records import (
    CREATIONS_SUSPENDED,
    EXPOSURE_CAPPED,
    HALT_ACCOUNTABILITY,
    HALT_ALL_MONTHS,
    HALT_POSITION_LIMIT,
    LEFT_CURVE,
    LIQUIDATED,
    NO_PRICE,
    NO_PRICE_TO_BUY,
    REDEMPTIONS_CAPPED,
    REVERSE_SPLIT,
    SPREAD_LATER,
    Book,
    Ledger,
    LedgerArrays,
    LedgerTerms,
    Trades,
)

INF = math.inf


def terms(**changes: Any) -> LedgerTerms:
    """Plain terms: no limits, no splits, whole contracts; ``changes`` by field name."""
    base = LedgerTerms(
        nav0=1e6, shares0=10_000.0, creation_unit=1_000.0, creation_fee=100.0, redemption_fee=100.0,
        commission=2.0, commission_rate=0.0, spread_cost=1.0, impact=0.0, multiplier=100.0, redenominated=False, limits_by_date=True,
        position_limit=INF, all_months_limit=INF, accountability_priced=False, position_priced=False,
        all_months_dollars=False, leverage=1.0, split_below=0.0, split_ratio=4.0, fractional=False, ap_capacity=50.0,
        ap_spread=0.0, persistence=0.0, halted_persistence=0.0, swap_limit=INF, variable_fee=False, at_settlement=False, invest_next_day=False,
        demand_impact=1.0, chase=0.0, chase_window=2, margin_per_contract=0.0, band=0.0,
    )  # fmt: skip
    return base._replace(**changes)


def arrays(
    prices: list[list[float]], weights: list[list[float]] | None = None, limits: dict[str, float] | None = None
) -> LedgerArrays:
    """One path's inputs by date and slot (``prices[t][s]``); every contract stays in its slot, 100 units each.

    ``limits``: ``position_limit``, ``accountability_level`` (contracts in each month, or for a
    limit in dollars, dollars / multiplier) and ``all_months_limit``, the same on every date.
    """
    f = np.array([prices], dtype=float)
    _, n, depth = f.shape
    w = np.zeros((1, n, depth)) if weights is None else np.array([weights], dtype=float)
    given = limits or {}
    month = np.empty((2, n, depth))
    month[0], month[1] = given.get("accountability_level", INF), given.get("position_limit", INF)
    return LedgerArrays(
        prices=f, weights=w, next_slot=np.tile(np.arange(depth), (n - 1, 1)), tbill_return=np.zeros(n),
        fee_share=np.zeros(n), volume=np.full((n, depth), 1_000.0), volume_ref=np.ones((1, 1)),
        demand_frac=np.zeros((1, n)), demand_dollars=np.zeros((1, n)), room_per_notional=np.full((1, n), INF),
        room_limit=np.zeros((1, n), dtype=np.int64), multiplier=np.full((n, depth), 100.0), size=np.ones((n, depth)),
        month_limits=month, all_months_limit=np.full(n, given.get("all_months_limit", INF)),
        split_ratio=np.ones(n), creations_open=np.ones(n), spread_later=np.full(n, bool(given.get("spread_later", 0))),
        swap_on=np.full(n, bool(given.get("swap", 0))), swap_cost=np.zeros(n),
    )  # fmt: skip


def both(step: Callable[..., Any], *args: Any) -> Any:
    """Run ``step`` compiled and as Python on copies of ``args``; the results and the arrays written must agree."""
    fast_args = [_copy(a) for a in args]
    slow_args = [_copy(a) for a in args]
    fast = step(*fast_args)
    slow = step.py_func(*slow_args)
    np.testing.assert_equal(_plain(fast), _plain(slow))
    for a, b in zip(fast_args, slow_args, strict=True):
        np.testing.assert_equal(_plain(a), _plain(b))
    return fast, fast_args


def _copy(a: Any) -> Any:
    if isinstance(a, np.ndarray):
        return a.copy()
    if isinstance(a, tuple) and hasattr(a, "_fields"):
        return type(a)(*(_copy(v) for v in a))
    return a


def _plain(a: Any) -> Any:
    """Numbers as floats and tuples as lists, so numba's ints and numpy's compare as equal."""
    if isinstance(a, tuple):
        return [_plain(v) for v in a]
    if isinstance(a, (bool, np.bool_)):
        return bool(a)
    if isinstance(a, (int, float, np.integer, np.floating)):
        return float(a)
    return a


# -- 1. carry and variation margin ----------------------------------------------------------------------
def test_mark_settles_margin_and_follows_a_contract_into_the_front_slot() -> None:
    data = arrays([[50.0, 51.0], [50.5, 52.0]])
    data = data._replace(next_slot=np.array([[-1, 0]]))  # the front expired: yesterday's second month is today's front
    pos = np.array([[[0.0, 10.0], [0.0, 0.0]]])  # 10 contracts of the second month at yesterday's close
    (pnl, code), (_, _, _, _, _, _, _, carried) = both(L._mark, data, terms(), pos, 0, 0, 1, 0, np.empty(2))
    assert code == 0
    assert pnl == pytest.approx(10 * 100 * (50.5 - 51.0))  # it settles at today's front price
    assert carried.tolist() == [10.0, 0.0]


def test_mark_stops_on_a_contract_off_the_curve_or_without_a_price() -> None:
    pos = np.array([[[10.0, 0.0], [0.0, 0.0]]])
    gone = arrays([[50.0, 51.0], [50.5, 52.0]])._replace(next_slot=np.array([[-1, 0]]))
    assert both(L._mark, gone, terms(), pos, 0, 0, 1, 0, np.empty(2))[0][1] == LEFT_CURVE
    unpriced = arrays([[50.0, 51.0], [math.nan, 52.0]])
    assert both(L._mark, unpriced, terms(), pos, 0, 0, 1, 0, np.empty(2))[0][1] == NO_PRICE
    launch = both(L._mark, unpriced, terms(), pos, 0, 0, 1, 1, np.full(2, 7.0))  # t == start: nothing held yet
    assert launch[0] == (0.0, 0) and launch[1][-1].tolist() == [0.0, 0.0]


# -- 2. interest and the fee ----------------------------------------------------------------------------------
def test_accrue_pays_interest_on_yesterdays_cash_then_the_fee_on_the_day_net_assets() -> None:
    (book, interest, fee), _ = both(L._accrue, Book(1_000.0, 10.0, 0.01), 50.0, 0.001, 0.0002)
    assert interest == pytest.approx(1.0)  # on yesterday's 1,000, not on the margin
    assert fee == pytest.approx(1_051.0 * 0.0002)  # x / (1 + x) of pre-fee NAV
    assert book == pytest.approx(Book(1_051.0 - 1_051.0 * 0.0002, 10.0, 0.01))


# -- 3. demand and the APs ----------------------------------------------------------------------------------
def _ledger_row(n: int, nav: float = 1e6, shares: float = 10_000.0) -> Ledger:
    led = Ledger.empty(1, n)
    for field in led:
        field[:] = 0.0
    led.nav[:] = nav
    led.shares[:] = shares
    led.split[:] = 1.0
    return led


def test_demand_in_dollars_and_chasing_a_return_with_splits_undone() -> None:
    data = arrays([[50.0]] * 4)
    data = data._replace(demand_frac=np.array([[0, 0, 0, 0.01]]), demand_dollars=np.array([[0, 0, 0, 2e4]]))
    led = _ledger_row(4)
    led.nav[0, 2] = 1.1e6  # NAV per share up 10% over the window...
    led.shares[0, 2] = 2_500.0
    led.split[0, 2] = 4.0  # ...through a 4:1 reverse split, which is no return
    demand, _ = both(L._demand, data, terms(chase=0.5), led, 0, 0, 3, 0)
    assert demand == pytest.approx(0.01 + 2e4 / 1.1e6 + 0.5 * 0.10)


def test_aps_create_the_units_that_beat_their_band_on_average() -> None:
    # premium 3.5%; a unit is worth 100,000 = 10% of NAV and absorbs 10% of premium; band = 100 / 100,000 = 0.1%:
    # round((3.5% - 0.1%) / 10%) = round(0.34) = 0 units; at 8.5%, round(0.84) = 1 unit
    data = arrays([[50.0]] * 2, weights=[[1.0]] * 2)
    none, _ = both(L._flows, data, terms(), 0, 0, 1, Book(1e6, 10_000.0, 0.0), 0.035, False)
    assert none[1] == 0.0 and none[0].premium == pytest.approx(0.035)
    (book, units, st), _ = both(L._flows, data, terms(), 0, 0, 1, Book(1e6, 10_000.0, 0.0), 0.085, False)
    assert (units, st) == (1.0, 0)
    assert book.cash == pytest.approx(1e6 + 100_000.0 + 100.0) and book.shares == 11_000.0
    assert book.premium == pytest.approx(0.085 - 0.10)


def _units_in_full(p_star: float, cash: float, shares: float, t: LedgerTerms) -> float:
    """The units APs trade, worked out with the three divisions ``_flows`` saves on most days."""
    unit_value = t.creation_unit * (cash / shares)
    absorb = t.demand_impact * unit_value / cash
    if (p_star - t.ap_spread) * unit_value > t.creation_fee:
        band = t.creation_fee / unit_value + t.ap_spread
        return float(math.floor(min((p_star - band) / absorb + 0.5, t.ap_capacity)))
    if (-p_star - t.ap_spread) * unit_value > t.redemption_fee:
        band = t.redemption_fee / unit_value + t.ap_spread
        return -float(math.floor(min((-band - p_star) / absorb + 0.5, t.ap_capacity)))
    return 0.0


@settings(max_examples=400, deadline=None)
@given(
    x=st.floats(0.0, 0.6),  # the units the premium beats the band by (what _flows rounds), near the half
    side=st.sampled_from([1.0, -1.0]),
    cash=st.floats(1e-3, 1e250),
    per_share=st.floats(1e-6, 1e6),
    unit=st.floats(1.0, 1e7),
    fee=st.floats(0.0, 1e9),
    spread=st.floats(0.0, 0.05),
    impact=st.floats(1e-6, 1e3),
)
def test_units_are_those_of_the_full_working_when_no_whole_unit_trades(
    x: float, side: float, cash: float, per_share: float, unit: float, fee: float, spread: float, impact: float
) -> None:
    # the premium set so that (|p*| - band) / absorb is x: the shortcut must give exactly the units of the
    # full working (0 below a half, 1 above), the same book and no status bit, on both sides
    shares = max(cash / per_share, 3.0 * unit)  # at least three units: the cap on redemptions stays out of it
    t = terms(creation_unit=unit, creation_fee=fee, redemption_fee=fee, ap_spread=spread, demand_impact=impact)
    t = t._replace(shares0=shares)
    unit_value = unit * (cash / shares)
    demand = side * (fee / unit_value + spread + x * impact * unit_value / cash) / impact
    p_star = 0.0 * 0.0 + impact * demand  # as _flows makes it: no premium carried over (persistence 0)
    want = _units_in_full(p_star, cash, shares, t)
    data = arrays([[50.0]] * 2, weights=[[1.0]] * 2)
    book = Book(cash, shares, 0.0)
    (after, units, bits), _ = both(L._flows, data, t, 0, 0, 1, book, demand, False)
    assert _bits(units) == _bits(want) and bits == 0  # -0.0 for none redeemed, as the full working's sign
    if units == 0.0:  # nothing traded: the book as it was, the premium the demand made
        assert (after.cash, after.shares, after.premium) == (cash, book.shares, p_star)


def _bits(x: float) -> bytes:
    return np.float64(x).tobytes()


def test_no_whole_unit_is_sure_of_itself_only_below_a_quarter() -> None:
    # a fifth of a unit beyond the band is refused without dividing; 0.3 of one is worked out in full
    # (and rounds to none); so is a premium beyond 1e12 absorbs, and products beyond normal size
    unit_value, cash, impact = 1e5, 1e6, 1.0
    beyond = lambda x: x * impact * unit_value**2 / cash  # noqa: E731 - excess x cash / (impact x uv^2) = x
    assert F._no_whole_unit.py_func(beyond(0.2), cash, unit_value, 0.05, impact)
    assert not F._no_whole_unit.py_func(beyond(0.3), cash, unit_value, 0.05, impact)
    assert not F._no_whole_unit.py_func(beyond(0.2), cash, unit_value, 1e12, impact)
    assert not F._no_whole_unit.py_func(beyond(0.2), 1e200, 1e200, 0.05, impact)  # a bound beyond 1e300
    assert not F._no_whole_unit.py_func(0.0, 1.0, 1e-160, 1e-300, impact)  # a bound below 1e-300
    # absorb = impact x unit value / cash = 1.2e-323, subnormal, though the bound (3e-4) is not
    assert not F._no_whole_unit.py_func(1e-310, 1e300, 1e20, 1e-322, 1.21e-43)


def test_a_subnormal_absorb_is_worked_out_in_full() -> None:
    # one unit (1e20) of a fund of 1e300 absorbs 1.2e-323 of premium: x rounds to 0.5 in subnormal steps of
    # 5e-324, though it is about 0.2 in exact arithmetic; the units are the full working's (the reviewer's case)
    tiny = 5e-324
    t = terms(creation_unit=1.0, creation_fee=9.45 * (tiny * 1e20), redemption_fee=9.45 * (tiny * 1e20))
    t = t._replace(demand_impact=2.45 * (tiny * 1e280), persistence=1.0, ap_spread=0.0)
    data = arrays([[50.0]] * 2, weights=[[1.0]] * 2)
    book = Book(1e300, 1e280, 10 * tiny)
    (after, units, bits), _ = both(L._flows, data, t, 0, 0, 1, book, 0.0, False)
    want = _units_in_full(1.0 * (10 * tiny) + t.demand_impact * 0.0, 1e300, 1e280, t)
    assert want == 1.0 and _bits(units) == _bits(want) and bits == 0


def test_creations_stop_at_the_room_the_limits_leave_and_say_which_limit() -> None:
    # room: 1.15 dollars of NAV per dollar of notional; notional 50 * 100 * 1 = 5,000 per unit of weight, so
    # NAV may reach 1.15 * 5,000 * 200 = 1.15e6: one unit of 100,000 fits, not the three demand asks for
    data = arrays([[50.0]] * 2, weights=[[200.0]] * 2)
    data = data._replace(
        room_per_notional=np.full((1, 2), 1.15), room_limit=np.full((1, 2), HALT_POSITION_LIMIT, dtype=np.int64)
    )
    (book, units, st), _ = both(L._flows, data, terms(), 0, 0, 1, Book(1e6, 10_000.0, 0.0), 0.30, False)
    assert units == 1.0 and st == HALT_POSITION_LIMIT


def test_room_beyond_two_to_the_63_units_refuses_nothing() -> None:
    # room for 1e300 dollars of NAV against units of 1e5: 1e295 units fit, more than an integer holds; the
    # three units demand asks for are created, compiled as in Python (the compiled floor wrapped negative)
    data = arrays([[50.0]] * 2, weights=[[200.0]] * 2)
    data = data._replace(
        room_per_notional=np.full((1, 2), 1e300), room_limit=np.full((1, 2), HALT_POSITION_LIMIT, dtype=np.int64)
    )
    (book, units, st), _ = both(L._flows, data, terms(), 0, 0, 1, Book(1e6, 10_000.0, 0.0), 0.30, False)
    assert units == 3.0 and st == 0


def test_no_halt_when_aps_want_no_unit() -> None:
    # premium 3.5% rounds to 0 units (as above); the fund is already past the room its limit leaves
    # (NAV may reach 0.5 * 5,000 * 200 = 5e5 < 1e6): APs asked for nothing, so no creation was refused
    data = arrays([[50.0]] * 2, weights=[[200.0]] * 2)
    data = data._replace(
        room_per_notional=np.full((1, 2), 0.5), room_limit=np.full((1, 2), HALT_POSITION_LIMIT, dtype=np.int64)
    )
    (book, units, st), _ = both(L._flows, data, terms(), 0, 0, 1, Book(1e6, 10_000.0, 0.0), 0.035, False)
    assert units == 0.0 and st == 0 and book.premium == pytest.approx(0.035)
    (book, units, st), _ = both(L._flows, data, terms(), 0, 0, 1, Book(1e6, 10_000.0, 0.0), 0.085, False)
    assert units == 0.0 and st == HALT_POSITION_LIMIT  # one unit wanted, refused


@pytest.mark.parametrize(
    "limits, changes, units, bit",
    [
        # an accountability level of $1.2m at $50 x 100 units: 240 contracts, so NAV may reach $1.2m: two units fit
        ({"accountability_level": 12_000.0}, {"accountability_priced": True}, 2.0, HALT_ACCOUNTABILITY),
        # all months at most $1.15m of notional: NAV may reach $1.15m, one unit fits
        ({"all_months_limit": 1.15e6}, {"all_months_dollars": True}, 1.0, HALT_ALL_MONTHS),
        # a position limit in dollars halts creations too, unless the excess spreads into later months
        ({"position_limit": 11_000.0}, {"position_priced": True}, 1.0, HALT_POSITION_LIMIT),
    ],
)
def test_creations_stop_at_a_limit_in_dollars_at_the_day_price(
    limits: dict[str, float], changes: dict[str, Any], units: float, bit: int
) -> None:
    data = arrays([[50.0]] * 2, weights=[[1.0]] * 2, limits=limits)
    (book, made, st), _ = both(L._flows, data, terms(**changes), 0, 0, 1, Book(1e6, 10_000.0, 0.0), 0.30, False)
    assert made == units and st == bit and book.shares == 10_000.0 + 1_000.0 * units


def test_a_suspension_refuses_every_unit_and_says_so() -> None:
    data = arrays([[50.0]])._replace(creations_open=np.zeros(1))
    (book, units, st), _ = both(L._flows, data, terms(), 0, 0, 0, Book(1e6, 10_000.0, 0.0), 0.085, False)
    assert units == 0.0 and st == CREATIONS_SUSPENDED and book.premium == pytest.approx(0.085)
    # a day APs want no unit is not a refusal, and redemptions go on while creations are suspended
    (_, units, st), _ = both(L._flows, data, terms(), 0, 0, 0, Book(1e6, 10_000.0, 0.0), 0.001, False)
    assert units == 0.0 and st == 0
    (_, units, st), _ = both(L._flows, data, terms(), 0, 0, 0, Book(1e6, 10_000.0, 0.0), -0.085, False)
    assert units < 0.0 and st == 0


def test_the_day_after_a_refusal_the_premium_carries_over_at_halted_persistence() -> None:
    # yesterday's premium 10% with no demand today: 0.5 of it stays normally, all of it after a halt
    data = arrays([[50.0]])._replace(creations_open=np.zeros(1))
    t = terms(persistence=0.5, halted_persistence=1.0)
    yesterday = Book(1e6, 10_000.0, 0.10)
    (normal, *_), _ = both(L._flows, data, t, 0, 0, 0, yesterday, 0.0, False)
    (halted, *_), _ = both(L._flows, data, t, 0, 0, 0, yesterday, 0.0, True)
    assert normal.premium == pytest.approx(0.05) and halted.premium == pytest.approx(0.10)


def test_redemptions_leave_the_fund_its_last_unit() -> None:
    data = arrays([[50.0]] * 2)
    (book, units, st), _ = both(L._flows, data, terms(), 0, 0, 1, Book(1.5e5, 1_500.0, 0.0), -0.9, False)
    assert units == 0.0 and st == REDEMPTIONS_CAPPED and book.shares == 1_500.0
    # half a unit left (a unit is worth 3e5, twice the fund, and absorbs 200% of premium): a 10.1% discount beats
    # the band by 0.05 of a unit, so none is wanted, and the cap still says the fund is down to its last unit
    (book, units, st), _ = both(L._flows, data, terms(), 0, 0, 1, Book(1.5e5, 500.0, 0.0), -0.101, False)
    assert units == 0.0 and st == REDEMPTIONS_CAPPED and book.shares == 500.0


# -- 4. rebalance within the limits, the band, and the trades -------------------------------------------------
def test_roll_buys_whole_contracts_at_a_notional_equal_to_nav() -> None:
    data = arrays([[50.0, 52.0]], weights=[[0.75, 0.25]])  # per unit of weight: 0.75 * 5,000 + 0.25 * 5,200
    target = np.empty(2)
    st, (*_, target, _cut) = both(L._roll, data, terms(), 0, 0, 0, 1e6, target, np.empty(2))
    per_unit = 1e6 / (0.75 * 5_000 + 0.25 * 5_200)
    assert st == 0 and target.tolist() == [round(0.75 * per_unit), round(0.25 * per_unit)]


@pytest.mark.parametrize(
    "limits, changes, expected, bits",
    [
        ({"position_limit": 150.0}, {}, [150.0, 0.0], EXPOSURE_CAPPED),  # cut at the month's limit
        ({"position_limit": 150.0, "spread_later": 1.0}, {}, [150.0, 48.0], SPREAD_LATER),  # 50 * 50 / 52 = 48.08
        ({"all_months_limit": 120.0}, {}, [120.0, 0.0], EXPOSURE_CAPPED),
        # $760,000 of notional a month: 7,600 / 50 = 152 contracts of 100 units at $50
        ({"position_limit": 7_600.0}, {"position_priced": True}, [152.0, 0.0], EXPOSURE_CAPPED),
        # all months at most $600,000 of notional: 200 * 5,000 = $1m scaled by 0.6 to 120 contracts
        ({"all_months_limit": 6e5}, {"all_months_dollars": True}, [120.0, 0.0], EXPOSURE_CAPPED),
    ],
)
def test_position_limits_cap_or_spread_the_exposure(
    limits: dict[str, float], changes: dict[str, Any], expected: list[float], bits: int
) -> None:
    data = arrays([[50.0, 52.0]], weights=[[1.0, 0.0]], limits=limits)
    st, (*_, target, _cut) = both(
        L._roll, data, terms(**changes), 0, 0, 0, 1e6, np.empty(2), np.empty(2)
    )  # 200 contracts wanted
    assert st == bits and target.tolist() == expected


@pytest.mark.parametrize(
    "changes, expected, bits",
    [
        ({"position_limit": 150.0}, [150.0, 0.0], EXPOSURE_CAPPED),
        ({"position_limit": 150.0, "spread_later": 1.0}, [150.0, 48.0], SPREAD_LATER),
        ({"all_months_limit": 120.0}, [120.0, 0.0], EXPOSURE_CAPPED),
    ],
)
def test_counts_the_same_every_day_are_read_from_the_terms(
    changes: dict[str, float], expected: list[float], bits: int
) -> None:
    # the fast path: the arrays say there is no limit, the terms' counts bind (the response is by date)
    spread = {"spread_later": changes.pop("spread_later")} if "spread_later" in changes else {}
    data = arrays([[50.0, 52.0]], weights=[[1.0, 0.0]], limits=spread)
    st, (*_, target, _cut) = both(
        L._roll, data, terms(limits_by_date=False, **changes), 0, 0, 0, 1e6, np.empty(2), np.empty(2)
    )
    assert st == bits and target.tolist() == expected


def test_a_limit_in_dollars_is_whole_contracts_at_the_day_price() -> None:
    # $757,500 at $50 x 100 units is 151.5 contracts: 151 whole ones, or 151.5 in a fractional ledger
    data = arrays([[50.0, 52.0]], weights=[[1.0, 0.0]], limits={"position_limit": 7_575.0})
    _, (*_, whole, _cut) = both(L._roll, data, terms(position_priced=True), 0, 0, 0, 1e6, np.empty(2), np.empty(2))
    _, (*_, part, _cut) = both(
        L._roll, data, terms(position_priced=True, fractional=True), 0, 0, 0, 1e6, np.empty(2), np.empty(2)
    )
    assert whole.tolist() == [151.0, 0.0] and part.tolist() == [151.5, 0.0]


def test_a_weighted_contract_without_a_price_cannot_be_bought() -> None:
    data = arrays([[50.0, math.nan]], weights=[[0.5, 0.5]])
    assert both(L._roll, data, terms(), 0, 0, 0, 1e6, np.empty(2), np.empty(2))[0] == NO_PRICE_TO_BUY


def test_band_keeps_a_small_drift_in_a_contract_still_held() -> None:
    target = np.array([101.0, 0.0, 300.0])
    carried = np.array([100.0, 5.0, 280.0])
    data = arrays([[50.0, 50.0, 50.0]])
    _, (_, _, _, target, _) = both(L._band, data, terms(band=0.01), 0, target, carried)  # 1% of 401 contracts: 4
    assert target.tolist() == [100.0, 0.0, 300.0]  # the 1-contract drift is left; a sale to 0 and 20 more are not
    # the third month re-denominated to 10 base contracts each: 30 of them weigh 300, so 1% is 4.03 base contracts,
    # and a drift of one of its contracts (10 base contracts) is traded
    target = np.array([101.0, 0.0, 30.0])
    data = data._replace(size=np.array([[1.0, 1.0, 10.0]]))
    redenominated = terms(band=0.01, redenominated=True)
    _, (_, _, _, target, _) = both(L._band, data, redenominated, 0, target, np.array([100.0, 5.0, 29.0]))
    assert target.tolist() == [100.0, 0.0, 30.0]


def test_trade_pays_commission_half_the_spread_and_impact_on_each_contract_traded() -> None:
    data = arrays([[50.0, 51.0]])._replace(volume=np.array([[1_000.0, 800.0]]))
    carried, target = np.array([10.0, 0.0]), np.array([0.0, 12.0])
    pos = np.full((1, 1, 2), math.nan)
    trades, (_, _, pos, *_) = both(L._trade, data, terms(impact=0.001), pos, 0, 0, 0, 0, carried, target, 0.0)
    impact = 0.001 * 50 * 100 * 10**2 / 1_000 + 0.001 * 51 * 100 * 12**2 / 800
    assert trades == pytest.approx(Trades(2.0 * 22, 1.0 * 22, impact, 12.0, 12 * 51 * 100.0))
    assert pos[0, 0].tolist() == [0.0, 12.0]  # the fund now holds the target


def test_trade_scales_volume_with_the_price_when_liquidity_follows_it() -> None:
    data = arrays([[50.0], [25.0]])._replace(volume_ref=np.array([[50.0, 25.0]]))  # price halved: twice the contracts
    pos = np.zeros((1, 2, 1))
    trades, _ = both(L._trade, data, terms(impact=0.001), pos, 0, 0, 1, 0, np.array([0.0]), np.array([10.0]), 0.0)
    assert trades.impact_cost == pytest.approx(0.001 * 25 * 100 * 10**2 / (1_000 * 2.0))


def test_trade_prices_a_re_denominated_month_by_its_own_multiplier() -> None:
    # the second month lists 1,000 units a contract (10 of the base 100-unit contracts); its volume is 80 of them
    data = arrays([[50.0, 51.0]])._replace(
        multiplier=np.array([[100.0, 1_000.0]]), size=np.array([[1.0, 10.0]]), volume=np.array([[1_000.0, 80.0]])
    )
    carried, target = np.array([10.0, 0.0]), np.array([0.0, 2.0])
    pos = np.full((1, 1, 2), math.nan)
    trades, _ = both(L._trade, data, terms(impact=0.001, redenominated=True), pos, 0, 0, 0, 0, carried, target, 0.0)
    impact = 0.001 * 50 * 100 * 10**2 / 1_000 + 0.001 * 51 * 1_000 * 2**2 / 80
    # commission per contract; half the spread per base contract; margin counts base contracts
    assert trades == pytest.approx(Trades(2.0 * 12, 1.0 * (10 + 2 * 10), impact, 20.0, 2 * 51 * 1_000.0))


def test_mark_settles_a_contract_at_its_own_multiplier() -> None:
    data = arrays([[50.0, 51.0], [50.5, 52.0]])._replace(
        next_slot=np.array([[-1, 0]]), multiplier=np.array([[100.0, 1_000.0], [1_000.0, 1_000.0]])
    )
    pos = np.array([[[0.0, 3.0], [0.0, 0.0]]])  # 3 contracts of 1,000 units in the second month
    (pnl, code), _ = both(L._mark, data, terms(redenominated=True), pos, 0, 0, 1, 0, np.empty(2))
    assert code == 0 and pnl == pytest.approx(3 * 1_000 * (50.5 - 51.0))


# -- 5. wipe-out and reverse split; the record ------------------------------------------------------------
def test_close_stops_a_fund_whose_costs_take_all_its_assets() -> None:
    data = arrays([[50.0]])
    none = Trades(60.0, 30.0, 20.0, 0.0, 0.0)
    (book, code, ratio), _ = both(L._close, data, 0, Book(100.0, 10.0, 0.0), none, terms(), True)
    assert code == LIQUIDATED and book.cash == pytest.approx(-10.0) and ratio == 1.0


def test_close_splits_the_shares_below_the_threshold_but_not_at_launch() -> None:
    data = arrays([[50.0]])
    low = Book(40_000.0, 10_000.0, 0.0)  # $4 a share
    free = Trades(0.0, 0.0, 0.0, 0.0, 0.0)
    (book, code, ratio), _ = both(L._close, data, 0, low, free, terms(split_below=5.0), False)
    assert code == REVERSE_SPLIT and book.shares == 2_500.0 and ratio == 4.0
    assert both(L._close, data, 0, low, free, terms(split_below=5.0), True)[0][1] == 0


def test_close_splits_on_a_dated_event_at_its_own_ratio() -> None:
    # USO: 1-for-8 after the close of 28 April 2020, whatever the price; a dated split wins over the threshold
    data = arrays([[50.0], [50.0]])._replace(split_ratio=np.array([1.0, 8.0]))
    book = Book(4e5, 10_000.0, 0.0)  # $40 a share: above any threshold
    free = Trades(0.0, 0.0, 0.0, 0.0, 0.0)
    (after, code, ratio), _ = both(L._close, data, 1, book, free, terms(split_below=5.0), False)
    assert code == REVERSE_SPLIT and after.shares == 1_250.0 and ratio == 8.0
    (same, code, ratio), _ = both(L._close, data, 0, book, free, terms(split_below=5.0), False)
    assert code == 0 and same.shares == 10_000.0 and ratio == 1.0


def test_record_writes_each_field_by_name() -> None:
    led = _ledger_row(3)
    book = Book(1.2e6, 12_000.0, 0.004)
    trades = Trades(1.0, 2.0, 3.0, 40.0, 9e5)
    led.split[0, 1] = 4.0
    day = (-1.0, 5.0, 6.0, 7.0)  # one unit redeemed, the fee, margin P&L, interest
    _, (led, *_) = both(L._record, led, 0, 2, False, book, day, trades, terms(margin_per_contract=10.0), 4.0)
    written = {name: float(field[0, 2]) for name, field in zip(Ledger._fields, led, strict=True)}
    assert written == {
        "nav": 1.2e6, "shares": 12_000.0, "cash": 1.2e6, "fees": 5.0, "commission": 1.0, "spread_cost": 2.0,
        "impact_cost": 3.0, "creations": 0.0, "redemptions": 1.0, "premium_arb": 0.004, "pnl": 6.0, "interest": 7.0,
        "margin": 400.0, "notional": 9e5, "split": 16.0, "swap": float(written["swap"]),
    }  # fmt: skip
