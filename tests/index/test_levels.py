"""Index levels (ER, TR, spot) and attribution.

Hand-computed walk-throughs on tiny curves, the S&P GSCI T-bill formula
(S&P GSCI Methodology, "Total Return Index") and the EIA's negative WTI print of
20 April 2020 (``shared/data/reference/eia_wti/README.md``, "Known prints").
"""

from __future__ import annotations

from decimal import Decimal, getcontext

import numpy as np
import pandas as pd
import pytest
from numpy.typing import ArrayLike

from etfsim.curves import SchwartzSmith, simulate_curve
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError
from etfsim.index import IndexResult, compute_index, index_levels
from etfsim.index.levels import fill_by_contract
from etfsim.roll.schedule import RollSchedule, next_slot_map

# -- builders -------------------------------------------------------------------------------
EXPIRY = {
    "GPUF24": "2024-01-26",
    "GPUG24": "2024-02-28",
    "GPUH24": "2024-03-27",
    "GPUJ24": "2024-04-26",
    "CLK20": "2020-04-21",
    "CLM20": "2020-05-19",
}


def _curve(
    dates: list[str], contracts: list[list[str]], prices: list[list[float]], spot: list[float] | None = None
) -> FuturesCurve:
    c = np.array(contracts, dtype=object)
    exp = np.array([[EXPIRY.get(x, "NaT") for x in row] for row in contracts], dtype="datetime64[D]")
    return FuturesCurve(
        np.array(dates, dtype="datetime64[ns]"),
        np.array([prices], dtype=float),
        c,
        exp,
        spot=None if spot is None else np.array([spot], dtype=float),
    )


def _schedule(curve: FuturesCurve, weights: ArrayLike, invested: np.ndarray | None = None) -> RollSchedule:
    w = np.asarray(weights, dtype=float)
    if w.ndim == 2:
        w = w[None]
    inv = np.abs(w[0].sum(axis=1) - 1) < 1e-12 if invested is None else invested
    return RollSchedule.for_curve(curve, w, inv, np.zeros(curve.n_dates, bool), "hand", {})


# Wed 24 .. Mon 29 Jan 2024.  GPUF24 last trades Friday 26 Jan; on Monday GPUG24
# has moved from slot 1 to slot 0 and GPUJ24 is listed in slot 2.
ROLL_DATES = ["2024-01-24", "2024-01-25", "2024-01-26", "2024-01-29"]
ROLL_CONTRACTS = [
    ["GPUF24", "GPUG24", "GPUH24"],
    ["GPUF24", "GPUG24", "GPUH24"],
    ["GPUF24", "GPUG24", "GPUH24"],
    ["GPUG24", "GPUH24", "GPUJ24"],
]
ROLL_PRICES = [
    [10.0, 11.0, 12.0],
    [10.2, 11.1, 12.3],
    [10.4, 11.5, 12.2],
    [11.3, 12.6, 13.0],
]
ROLL_SPOT = [9.8, 10.0, 10.1, 10.3]
# quantity weights by slot: all F, then 50/50 F/G, then all G (slot 1 on Friday, slot 0 on Monday)
ROLL_WEIGHTS: list[list[float]] = [[1, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [1, 0, 0]]


def _roll_example() -> tuple[FuturesCurve, RollSchedule]:
    curve = _curve(ROLL_DATES, ROLL_CONTRACTS, ROLL_PRICES, spot=ROLL_SPOT)
    return curve, _schedule(curve, ROLL_WEIGHTS)


def _tbr(rate: str, delta: int) -> float:
    """S&P GSCI T-bill return, written out in 50-digit decimals: (1/(1 - 91/360 TBAR))^(Delta/91) - 1."""
    getcontext().prec = 50
    one = Decimal(1)
    return float((one / (one - Decimal(91) / Decimal(360) * Decimal(rate))) ** (Decimal(delta) / Decimal(91)) - one)


# -- hand-worked walk-through ----------------------------------------------------------------
def test_three_day_roll_walk_through() -> None:
    curve, schedule = _roll_example()
    res = compute_index(curve, schedule, collateral_rate=0.05)
    # Wed: first invested date, ER = 100.
    # Thu: held 1 x GPUF24 from Wed:  100 * 10.2 / 10.0                         = 102
    # Fri: held .5 F + .5 G from Thu: 102 * (.5*10.4 + .5*11.5) / (.5*10.2 + .5*11.1)
    #                                = 102 * 10.95 / 10.65                       = 104.87323943661971
    # Mon: held 1 x GPUG24 from Fri (slot 1 on Fri, slot 0 on Mon):
    #                                  104.873... * 11.3 / 11.5                  = 103.04935701163502
    #      (following the slot instead of the contract would give 12.6 / 11.5: +9.6%)
    np.testing.assert_allclose(res.er[0], [100.0, 102.0, 104.87323943661971, 103.04935701163502], rtol=0, atol=1e-12)
    # TR at 5%: TBR(1 day) = (1/(1 - 91/360*0.05))^(1/91) - 1 = 0.000139783824614005
    #           TBR(3 days, Fri -> Mon)                      = 0.000419410095126195
    # Thu: 100 * (1.02 + 0.000139783824614)                         = 102.01397838246140
    # Fri: 102.0139... * (10.95/10.65 + 0.000139783824614)          = 104.90187148039594
    # Mon: 104.9018... * (11.3/11.5 + 0.000419410095126)            = 103.12148801072035
    assert _tbr("0.05", 1) == pytest.approx(0.000139783824614005, abs=1e-18)
    np.testing.assert_allclose(
        res.tr[0], [100.0, 102.01397838246140, 104.90187148039594, 103.12148801072035], rtol=0, atol=1e-12
    )
    # spot: 100 * S / S(Wed)
    np.testing.assert_allclose(res.spot[0], 100.0 * np.array(ROLL_SPOT) / 9.8, rtol=0, atol=1e-12)
    assert res.start == 0 and res.rule == "hand"


def test_not_yet_invested_dates_are_nan_and_base_rebases() -> None:
    curve = _curve(ROLL_DATES, ROLL_CONTRACTS, ROLL_PRICES, spot=ROLL_SPOT)
    weights: list[list[float]] = [[0, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [1, 0, 0]]
    res = compute_index(curve, _schedule(curve, weights), base=1000.0)
    assert np.isnan(res.er[0, 0]) and np.isnan(res.tr[0, 0]) and np.isnan(res.spot[0, 0])
    # Thu = 1000; Fri = 1000 * 10.95/10.65; Mon = that * 11.3/11.5
    np.testing.assert_allclose(res.er[0, 1:], [1000.0, 1028.1690140845071, 1010.2878138395591], rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.spot[0, 1:], 1000.0 * np.array(ROLL_SPOT[1:]) / 10.0, rtol=0, atol=1e-12)
    assert res.start == 1


def test_indices_on_one_read_only_spot_share_its_rebased_levels() -> None:
    """A study's rules on one simulated curve rebase the same spot once; a spot that can change is rebased each time."""
    curve = _curve(ROLL_DATES, ROLL_CONTRACTS, ROLL_PRICES, spot=ROLL_SPOT)
    assert curve.spot is not None and not curve.spot.flags.writeable
    weights: list[list[float]] = [[0, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [1, 0, 0]]
    a = compute_index(curve, _schedule(curve, weights), base=1000.0)
    b = compute_index(curve, _schedule(curve, [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0]]), base=1000.0)
    assert a.spot is b.spot and not a.spot.flags.writeable
    other_base = compute_index(curve, _schedule(curve, weights), base=100.0)
    np.testing.assert_array_equal(other_base.spot[0, 1:], 100.0 * np.array(ROLL_SPOT[1:]) / 10.0)
    # a spot of memory that can still be written is never kept: new numbers there give new levels
    own = np.array([ROLL_SPOT], dtype=float)
    view = own[:, :]
    view.setflags(write=False)  # read-only itself, but its owner is not
    first = compute_index(
        FuturesCurve(curve.dates, curve.prices, curve.contracts, curve.expiries, view), _schedule(curve, weights)
    )
    own[0, 2] = 20.0
    again = compute_index(
        FuturesCurve(curve.dates, curve.prices, curve.contracts, curve.expiries, view), _schedule(curve, weights)
    )
    assert first.spot[0, 2] != again.spot[0, 2] and again.spot[0, 2] == 100.0 * 20.0 / 10.0


# -- total return -----------------------------------------------------------------------------
def test_tr_weekend_step_is_three_days_of_tbill_interest() -> None:
    # S&P GSCI Methodology, "Total Return Index": with a flat price the TR grows by
    # TBR = (1/(1 - 91/360 * TBAR))^(Delta/91) - 1; Friday -> Monday is Delta = 3.
    # By hand at TBAR = 5%: 91/360 * 0.05 = 0.0126388...; 1/(1 - that) = 1.0128006752...;
    # ^(3/91) -> 1.000419410095126; TR(Mon) = 100.0419410095126.
    curve = _curve(["2024-01-19", "2024-01-22"], [["GPUF24"], ["GPUF24"]], [[10.0], [10.0]])
    res = compute_index(curve, _schedule(curve, [[1], [1]]), collateral_rate=0.05)
    assert res.er[0, 1] == 100.0
    assert res.tr[0, 1] == pytest.approx(100.0419410095126, abs=1e-12)
    assert res.tr[0, 1] == pytest.approx(100 * (1 + _tbr("0.05", 3)), abs=1e-12)
    # one day, Thursday -> Friday
    one_day = _curve(["2024-01-18", "2024-01-19"], [["GPUF24"], ["GPUF24"]], [[10.0], [10.0]])
    tr1 = compute_index(one_day, _schedule(one_day, [[1], [1]]), collateral_rate=0.05).tr[0, 1]
    assert tr1 == pytest.approx(100 * (1 + _tbr("0.05", 1)), abs=1e-12)
    # three days compound one day's return three times, not three times simply
    assert res.tr[0, 1] / 100 == pytest.approx((tr1 / 100) ** 3, abs=1e-14)
    assert res.tr[0, 1] - 100 == pytest.approx(3 * (tr1 - 100), abs=1e-5)
    assert res.tr[0, 1] - 100 != pytest.approx(3 * (tr1 - 100), abs=1e-6)


def test_zero_collateral_makes_tr_equal_er() -> None:
    curve, schedule = _roll_example()
    res = compute_index(curve, schedule)
    np.testing.assert_array_equal(res.tr, res.er)
    assert (res.er[0, 1:] != 100).all()


def test_collateral_series_is_forward_filled() -> None:
    curve, schedule = _roll_example()
    # 4% from Wed; 6% from Fri.  Thu has no quote: Wed's 4% carries.  The step into a
    # date earns the rate of the date before (TBAR(t-1)).
    rates = pd.Series([0.04, np.nan, 0.06], index=pd.to_datetime(["2024-01-24", "2024-01-25", "2024-01-26"]))
    res = compute_index(curve, schedule, collateral_rate=rates)
    np.testing.assert_array_equal(res.collateral_rate[:3], [0.04, 0.04, 0.06])
    assert np.isnan(res.collateral_rate[3])  # no step leaves Monday
    # Thu: 100 * (1.02 + TBR(4%, 1)); Fri: * (10.95/10.65 + TBR(4%, 1)); Mon: * (11.3/11.5 + TBR(6%, 3))
    expected = [100.0, 102.01116828909897, 104.89611522759938, 103.12469813521868]
    np.testing.assert_allclose(res.tr[0], expected, rtol=0, atol=1e-12)
    # a series that starts before the curve, on a weekend, also works
    early = pd.Series([0.04], index=pd.to_datetime(["2023-12-31"]))
    res2 = compute_index(curve, schedule, collateral_rate=early)
    np.testing.assert_array_equal(res2.collateral_rate[:3], [0.04, 0.04, 0.04])


def test_collateral_series_starting_late_names_the_first_date_needed() -> None:
    curve, schedule = _roll_example()
    late = pd.Series([0.04], index=pd.to_datetime(["2024-01-25"]))
    with pytest.raises(DataError, match=r"starts on 2024-01-25 .* needs a rate from 2024-01-24"):
        compute_index(curve, schedule, collateral_rate=late)


@pytest.mark.parametrize("rate", [5.0, float("nan"), "0.05"])
def test_bad_collateral_rate_is_a_config_error(rate: object) -> None:
    curve, schedule = _roll_example()
    with pytest.raises(ConfigError, match="collateral_rate"):
        compute_index(curve, schedule, collateral_rate=rate)


def test_collateral_series_in_percent_is_refused() -> None:
    curve, schedule = _roll_example()
    with pytest.raises(ConfigError, match=r"collateral_rate on 2024-01-24 .*0\.05 for a 5%.*got 5\.0"):
        compute_index(curve, schedule, collateral_rate=pd.Series([5.0], index=pd.to_datetime(["2024-01-01"])))


# -- negative prices (EIA RCLC1/RCLC2, 17-21 April 2020) ----------------------------------------
WTI_DATES = ["2020-04-17", "2020-04-20", "2020-04-21"]
WTI_CONTRACTS = [["CLK20", "CLM20"]] * 3
WTI_PRICES = [[18.27, 25.03], [-37.63, 20.43], [10.01, 11.57]]  # EIA README "Known prints"


def test_negative_front_price_with_positive_denominator() -> None:
    curve = _curve(WTI_DATES, WTI_CONTRACTS, WTI_PRICES)
    res = compute_index(curve, _schedule(curve, [[0.2, 0.8]] * 3))
    # Mon: 100 * (0.2*-37.63 + 0.8*20.43) / (0.2*18.27 + 0.8*25.03) = 100 * 8.818 / 23.678 = 37.24132105752175
    # Tue: 37.2413... * (0.2*10.01 + 0.8*11.57) / 8.818                             = 47.54624545992060
    np.testing.assert_allclose(res.er[0], [100.0, 37.24132105752175, 47.54624545992060], rtol=0, atol=1e-12)


def test_negative_price_drives_er_below_zero_then_refuses() -> None:
    # all in the May contract: Friday -> Monday loses 100 * 56.1 / 18.27 = 305% of the index
    two_days = _curve(WTI_DATES[:2], WTI_CONTRACTS[:2], WTI_PRICES[:2])
    res = compute_index(two_days, _schedule(two_days, [[1, 0]] * 2))
    assert res.er[0, 1] == pytest.approx(-205.96606458675424, abs=1e-12)  # 100 * -37.63 / 18.27
    with pytest.raises(DataError, match=r"ER index is -205\.966 <= 0 on 2020-04-20"):
        res.attribution()
    assert "attribution unavailable" in res.summary()
    # one more day: the position at Monday's close is worth -37.63: no ratio exists
    curve = _curve(WTI_DATES, WTI_CONTRACTS, WTI_PRICES)
    with pytest.raises(DataError) as info:
        compute_index(curve, _schedule(curve, [[1, 0]] * 3))
    msg = str(info.value)
    for part in ("2020-04-20", "CLK20 at -37.63", "<= 0", "back_adjust(method='panama')", "rolls earlier"):
        assert part in msg


# -- missing prints ---------------------------------------------------------------------------
def _gappy() -> FuturesCurve:
    prices = [row[:] for row in ROLL_PRICES]
    prices[2][1] = np.nan  # GPUG24 has no print on Friday (slot 1) ...
    prices[3][0] = 11.8  # ... and prints 11.8 on Monday (slot 0)
    return _curve(ROLL_DATES, ROLL_CONTRACTS, prices)


def test_missing_print_raises_by_default() -> None:
    curve = _gappy()
    schedule = _schedule(curve, ROLL_WEIGHTS)
    msg = r"no price for contract GPUG24 on 2024-01-26, held from the close of 2024-01-25.*missing='previous'"
    with pytest.raises(DataError, match=msg):
        compute_index(curve, schedule)


def test_missing_print_previous_carries_the_contracts_last_price() -> None:
    curve = _gappy()
    res = compute_index(curve, _schedule(curve, ROLL_WEIGHTS), missing="previous")
    assert res.missing == "previous"
    # Fri: G is stale at Thursday's 11.1: 102 * (.5*10.4 + .5*11.1) / 10.65 = 102 * 10.75 / 10.65
    # Mon: G (now slot 0) prints 11.8 against the stale 11.1:          * 11.8 / 11.1
    fri = 102 * 10.75 / 10.65
    np.testing.assert_allclose(res.er[0], [100.0, 102.0, fri, fri * 11.8 / 11.1], rtol=0, atol=1e-12)


def test_missing_print_at_the_previous_close_raises() -> None:
    # bought at Thursday's close without a Thursday print: the denominator is unknown
    prices = [row[:] for row in ROLL_PRICES]
    prices[1][1] = np.nan
    curve = _curve(ROLL_DATES, ROLL_CONTRACTS, prices)
    with pytest.raises(DataError, match="no price for contract GPUG24 on 2024-01-25"):
        compute_index(curve, _schedule(curve, ROLL_WEIGHTS))
    # 'previous' carries G's Wednesday print (11.0) into Thursday
    res = compute_index(curve, _schedule(curve, ROLL_WEIGHTS), missing="previous")
    assert res.er[0, 2] == pytest.approx(102 * 10.95 / (0.5 * 10.2 + 0.5 * 11.0), abs=1e-12)
    prices[0][1] = np.nan  # no earlier print at all
    never = _curve(ROLL_DATES, ROLL_CONTRACTS, prices)
    with pytest.raises(DataError, match="no earlier valid price"):
        compute_index(never, _schedule(never, ROLL_WEIGHTS), missing="previous")


def test_unknown_missing_choice_lists_the_choices() -> None:
    curve, schedule = _roll_example()
    with pytest.raises(ConfigError, match=r"missing must be one of 'raise', 'previous', got 'zero'"):
        compute_index(curve, schedule, missing="zero")


def test_fill_kernel_compiled_equals_python() -> None:
    rng = np.random.default_rng(7)
    curve = _gappy()
    prices = np.repeat(curve.prices, 3, axis=0) + rng.normal(size=(3, 4, 3))
    prices[rng.random(prices.shape) < 0.3] = np.nan
    nxt = next_slot_map(curve.contracts)
    fast, slow = np.empty_like(prices), np.empty_like(prices)
    fill_by_contract(prices, nxt, fast)
    fill_by_contract.py_func(prices, nxt, slow)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(fast, slow)
    # Monday's slot 0 (GPUG24) inherits Friday's slot 1 when Monday has no print
    gap = np.isnan(prices[:, 3, 0])
    np.testing.assert_array_equal(fast[gap, 3, 0], fast[gap, 2, 1])


def test_one_pass_levels_equal_the_cumulative_products_of_the_step_ratios() -> None:
    # compute_index runs the numba one-pass kernel; the array path (step ratios, then cumprod) is its
    # fallback on errors: both must give the same bytes, compiled or as plain Python
    from etfsim.index.levels import _levels, _step_ratios, tbill_returns
    from etfsim.roll import roll_schedule

    model = SchwartzSmith(kappa=1.5, sigma_chi=0.3, lambda_chi=0.1, mu_xi=0.0, sigma_xi=0.15, rho=0.3, mu_xi_star=0.02)
    curve = simulate_curve(model, paths=4, start="2024-01-02", years=2, seed=3, spot=2.35, depth=6)
    for rule in ("gsci", "front_month"):
        sched = roll_schedule(curve, rule)
        invested = np.asarray(sched.invested, dtype=bool)
        start = int(np.argmax(invested))
        tbr = tbill_returns(np.full(curve.n_dates, 0.04), curve.dates)
        nxt = next_slot_map(curve.contracts)
        ratio = _step_ratios(curve.prices, sched.weights, nxt, invested, curve, 0, "raise")[:, start:]
        for kernel in (_levels, _levels.py_func):  # type: ignore[attr-defined]
            er = np.full((4, curve.n_dates), np.nan)
            tr = np.full((4, curve.n_dates), np.nan)
            assert kernel(curve.prices, sched.weights, nxt, invested, tbr, start, 100.0, er, tr)
            np.testing.assert_array_equal(er[:, start + 1 :], 100.0 * np.cumprod(ratio, axis=1))
            np.testing.assert_array_equal(tr[:, start + 1 :], 100.0 * np.cumprod(ratio + tbr[None, start:], axis=1))


# -- bad schedules ----------------------------------------------------------------------------
def test_contract_held_past_its_listing_is_named() -> None:
    curve = _curve(ROLL_DATES, ROLL_CONTRACTS, ROLL_PRICES)
    late_roll = [[1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0]]  # still in GPUF24 at its last close
    with pytest.raises(DataError) as info:
        compute_index(curve, _schedule(curve, late_roll))
    assert str(info.value) == (
        "contract GPUF24 held at the close of 2024-01-26 is not on the curve on 2024-01-29 (the next date); "
        "the rule must roll out of it by its last trading day"
    )


def test_schedule_from_another_curve_is_refused() -> None:
    curve, _ = _roll_example()
    other = _curve(["2024-01-23", *ROLL_DATES[1:]], ROLL_CONTRACTS, ROLL_PRICES)
    with pytest.raises(DataError, match="built on another curve"):
        compute_index(curve, _schedule(other, ROLL_WEIGHTS))
    never = _schedule(curve, np.zeros((4, 3)), invested=np.zeros(4, bool))
    with pytest.raises(DataError, match="never invested"):
        compute_index(curve, never)
    with pytest.raises(ConfigError, match="base must be a positive number"):
        compute_index(curve, _schedule(curve, ROLL_WEIGHTS), base=0.0)


# -- many paths -------------------------------------------------------------------------------
def _front_schedule(curve: FuturesCurve, per_path: bool = False) -> RollSchedule:
    """Front month, rolled into slot 1 at the close of the front's last trading day."""
    last_day = curve.expiries[:, 0] == curve.dates.astype("datetime64[D]")
    w = np.zeros((curve.n_dates, curve.depth))
    w[~last_day, 0] = 1.0
    w[last_day, 1] = 1.0
    weights = np.repeat(w[None], curve.n_paths, axis=0) if per_path else w[None]
    return RollSchedule.for_curve(curve, weights, np.ones(curve.n_dates, bool), last_day, "front (test)", {})


@pytest.fixture(scope="module")
def sim() -> FuturesCurve:
    model = SchwartzSmith(kappa=1.5, sigma_chi=0.3, lambda_chi=0.1, mu_xi=0.0, sigma_xi=0.15, rho=0.3, mu_xi_star=0.02)
    return simulate_curve(model, paths=4, start="2024-01-02", years=1, seed=11, spot=2.35, depth=4)


def test_shared_schedule_equals_per_path_computations(sim: FuturesCurve) -> None:
    shared = _front_schedule(sim)
    assert shared.shared
    res = compute_index(sim, shared, collateral_rate=0.03)
    assert res.er.shape == (4, sim.n_dates)
    assert len({round(float(x), 6) for x in res.er[:, -1]}) == 4  # the paths really differ
    for p in range(4):
        one = sim.select(paths=p)
        alone = compute_index(one, _front_schedule(one), collateral_rate=0.03)
        np.testing.assert_allclose(res.er[p], alone.er[0], rtol=1e-14)
        np.testing.assert_allclose(res.tr[p], alone.tr[0], rtol=1e-14)
        np.testing.assert_allclose(res.spot[p], alone.spot[0], rtol=1e-14)
    per_path = compute_index(sim, _front_schedule(sim, per_path=True), collateral_rate=0.03)
    np.testing.assert_array_equal(per_path.er, res.er)


def test_index_levels_frames(sim: FuturesCurve) -> None:
    many = index_levels(sim, _front_schedule(sim))
    assert list(many.columns) == ["er", "tr", "spot"]
    assert many.index.names == ["path", "date"] and len(many) == 4 * sim.n_dates
    np.testing.assert_array_equal(many.loc[2, "er"].to_numpy(), compute_index(sim, _front_schedule(sim)).er[2])
    curve, schedule = _roll_example()
    one = index_levels(curve, schedule)
    assert isinstance(one.index, pd.DatetimeIndex) and one.index.name == "date"
    assert one["er"].iloc[-1] == pytest.approx(103.04935701163502, abs=1e-12)


def test_spot_index_is_nan_without_spot() -> None:
    curve = _curve(ROLL_DATES, ROLL_CONTRACTS, ROLL_PRICES)
    res = compute_index(curve, _schedule(curve, ROLL_WEIGHTS))
    assert np.isnan(res.spot).all()
    table = res.attribution()
    assert table["spot"].isna().all() and table["term_structure"].isna().all()
    assert table["er"].notna().all()


# -- attribution ------------------------------------------------------------------------------
def test_attribution_components_add_up(sim: FuturesCurve) -> None:
    res = compute_index(sim, _front_schedule(sim), collateral_rate=0.04)
    table = res.attribution()
    assert list(table.columns) == ["er", "spot", "term_structure", "collateral", "tr"]
    assert len(table) == 4 * (sim.n_dates - 1)
    np.testing.assert_allclose(table["er"], table["spot"] + table["term_structure"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["tr"], table["er"] + table["collateral"], rtol=0, atol=1e-12)
    # each component is the log return of its own level series
    p1 = res.attribution(path=1)
    assert sim.spot is not None
    np.testing.assert_allclose(p1["er"], np.diff(np.log(res.er[1])), rtol=0, atol=1e-12)
    np.testing.assert_allclose(p1["spot"], np.diff(np.log(sim.spot[1])), rtol=0, atol=1e-12)
    np.testing.assert_allclose(p1["tr"], np.diff(np.log(res.tr[1])), rtol=0, atol=1e-12)
    assert (p1["collateral"] > 0).all()  # 4% T-bills earn every day


def test_annualised_attribution(sim: FuturesCurve) -> None:
    res = compute_index(sim, _front_schedule(sim), collateral_rate=0.04)
    years = (sim.dates[-1] - sim.dates[0]) / np.timedelta64(1, "D") / 365
    table = res.annualised()
    assert list(table.index) == [0, 1, 2, 3]
    daily = res.attribution()
    for col in ("er", "spot", "term_structure", "collateral", "tr"):
        sums = daily[col].groupby(level="path").sum().to_numpy()
        np.testing.assert_allclose(table[col].to_numpy(), sums / years, rtol=1e-10)
    np.testing.assert_allclose(table["er_return"], (res.er[:, -1] / 100) ** (1 / years) - 1, rtol=1e-12)
    np.testing.assert_allclose(table["tr_return"], (res.tr[:, -1] / 100) ** (1 / years) - 1, rtol=1e-12)
    row = res.annualised_attribution(2)
    assert row["er"] == table.loc[2, "er"] and row["tr_return"] == table.loc[2, "tr_return"]
    text = str(res)
    assert "5%" in text and "95%" in text and "term structure" in text and "roll yield" not in text
    with pytest.raises(DataError, match="path 9 out of range"):
        res.annualised_attribution(9)


@pytest.mark.parametrize(("mu_xi_star", "sign"), [(0.10, -1), (-0.10, 1)])
def test_term_structure_sign_in_contango_and_backwardation(mu_xi_star: float, sign: int) -> None:
    # No volatility and no real-world drift: the spot stays put, while the risk-neutral
    # drift puts futures above spot (contango) or below (backwardation).  Futures
    # converge to spot as they age, so the index loses in contango and gains in
    # backwardation, all of it term structure.
    model = SchwartzSmith(
        kappa=1.5, sigma_chi=0.0, lambda_chi=0.0, mu_xi=0.0, sigma_xi=0.0, rho=0.0, mu_xi_star=mu_xi_star
    )
    curve = simulate_curve(model, paths=2, start="2024-01-02", years=1, seed=1, chi0=0.0, spot=2.0, depth=3)
    state = curve.term_structure_state()
    assert state["contango" if sign < 0 else "backwardation"] == 1.0
    table = compute_index(curve, _front_schedule(curve)).annualised()
    np.testing.assert_allclose(table["spot"], 0.0, atol=1e-12)
    assert (np.sign(table["term_structure"]) == sign).all()
    assert (table["term_structure"].abs() > 0.01).all()


def test_result_is_read_only() -> None:
    curve, schedule = _roll_example()
    res = compute_index(curve, schedule)
    assert isinstance(res, IndexResult)
    with pytest.raises(ValueError, match="read-only"):
        res.er[0, 0] = 1.0
    with pytest.raises(AttributeError):
        res.base = 1.0  # type: ignore[misc]


def test_a_result_keeps_its_own_copy_of_a_callers_levels() -> None:
    """compute_index hands over its new arrays as they are; a caller's arrays, even read-only ones, are copied."""
    er = np.full((1, 3), 100.0)
    er.setflags(write=False)  # read-only and owning its data: still the caller's, who may make it writable again
    dates = np.array(["2026-01-02", "2026-01-05", "2026-01-06"], dtype="datetime64[ns]")
    res = IndexResult(er, er.copy(), er.copy(), dates, 0, 100.0, np.zeros(3))
    assert not np.shares_memory(res.er, er) and not res.er.flags.writeable
    er.setflags(write=True)
    er[0, 1] = 1.0
    assert res.er[0, 1] == 100.0
