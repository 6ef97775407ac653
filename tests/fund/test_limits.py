"""Position limits given three ways: in contracts, in dollars of notional, as a share of open interest.

The walk-through reuses the five-day ledger of ``test_ledger.py`` (a contract of
100 units near $50, $200,000 at launch, 40 contracts wanted): a limit in dollars
becomes ``dollars / (price * 100)`` contracts each day, a share of open interest
``share * open interest * decay**slot``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from etfsim.exceptions import ConfigError
from etfsim.fund import FundConfig, InvestorDemand, simulate_fund
from etfsim.fund.config import LIMIT_NAMES, fund_from_tables
from etfsim.fund.records import EXPOSURE_CAPPED, HALT_ACCOUNTABILITY, HALT_ALL_MONTHS, HALT_POSITION_LIMIT
from etfsim.fund.summary import summarise_fund
from etfsim.roll import FrontMonth, roll_schedule
from etfsim.scenario import load_scenario
from tests.fund.test_ledger import tiny_curve

PLAIN = dict(
    nav_per_share=20.0, initial_shares=10_000, creation_unit=1_000, expense_ratio=0.0, commission=0.0,
    half_spread_ticks=0.0,
)  # fmt: skip


@pytest.mark.parametrize("name", LIMIT_NAMES)
@pytest.mark.parametrize(("a", "b"), [("", "_notional"), ("", "_oi_share"), ("_notional", "_oi_share")])
def test_a_limit_given_two_ways_is_refused_by_both_keys(name: str, a: str, b: str) -> None:
    values = {"": 1_000.0, "_notional": 1e6, "_oi_share": 0.25}
    with pytest.raises(ConfigError, match=f"^give {name}{a} or {name}{b}, not both"):
        FundConfig(**{name + a: values[a], name + b: values[b]})


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("position_limit_oi_share", 25, r"position_limit_oi_share must be a fraction of open interest in \(0, 1\] "
         r"\(0.25 = 25%\), got 25; did you give a percentage\?"),
        ("all_months_limit_oi_share", 0.0, "all_months_limit_oi_share must be a fraction of open interest"),
        ("accountability_level_notional", -5.0, "accountability_level_notional must be > 0 or left out, got -5"),
        ("position_limit", 0, "position_limit must be > 0 contracts or left out, got 0"),
        ("all_months_limit_notional", "lots", "all_months_limit_notional must be a number, got str 'lots'"),
    ],
)  # fmt: skip
def test_bad_limits_name_the_key_and_the_fix(key: str, value: object, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        FundConfig(**{key: value})


def test_the_terms_say_which_way_each_limit_was_given() -> None:
    cfg = FundConfig(position_limit_oi_share=0.25, accountability_level=40_000, all_months_limit_notional=2e9)
    assert [(t.key, t.basis, t.value) for t in cfg.limits] == [
        ("position_limit_oi_share", "oi_share", 0.25),
        ("accountability_level", "contracts", 40_000.0),
        ("all_months_limit_notional", "notional", 2e9),
    ]
    assert [t.describe() for t in cfg.limits] == [
        "25% of open interest", "40,000 contracts", "$2,000,000,000 of futures notional"
    ]  # fmt: skip
    assert FundConfig().limits == () and FundConfig().limit("position_limit") is None


def test_limits_from_toml_keys() -> None:
    cfg, _ = fund_from_tables("fund.toml", {"position_limit_oi_share": 0.1, "all_months_limit_notional": 5e8}, None)
    assert cfg.limit("position_limit").basis == "oi_share" and cfg.limit("all_months_limit").value == 5e8
    with pytest.raises(ConfigError, match="^fund.toml: give position_limit or position_limit_oi_share, not both"):
        fund_from_tables("fund.toml", {"position_limit": 10.0, "position_limit_oi_share": 0.1}, None)


def _front(cfg: FundConfig) -> np.ndarray:
    curve = tiny_curve()
    res = simulate_fund(curve, roll_schedule(curve, FrontMonth()), cfg)
    return np.nan_to_num(res.positions[0]).sum(axis=1), res


def test_a_limit_in_dollars_is_whole_contracts_at_each_day_price() -> None:
    # $150,000 of notional: 150,000 / (50.00 * 100) = 30 contracts at launch, then at 51.00 29.41 -> 29,
    # at 50.50 29.70 -> 29, at 50.80 (the March contract's last day: the fund holds April at 51.60) 29.07 -> 29,
    # and at 52.00 28.85 -> 28; the fund wants about 40 each day, so the cap binds every day
    held, res = _front(FundConfig(**PLAIN, position_limit_notional=150_000.0))
    assert held.tolist() == [30, 29, 29, 29, 28]
    assert (res.status[0] & EXPOSURE_CAPPED).all()
    # the same contracts as a limit in contracts, where its count is the same
    same, _ = _front(FundConfig(**PLAIN, position_limit=30))
    assert same[0] == 30


def test_a_limit_as_a_share_of_open_interest_follows_the_month() -> None:
    # open interest 100 in the front month and 80 in the second (decay 0.8): 35% is 35 and 28 contracts;
    # the fund holds March (slot 0) through 31 Mar and April, then slot 0, on 1 Apr.  On 31 Mar it holds
    # April in slot 1: 28 contracts
    cfg = FundConfig(**PLAIN, open_interest=100, volume_decay=0.8, position_limit_oi_share=0.35)
    held, res = _front(cfg)
    assert held.tolist() == [35, 35, 35, 28, 35]
    (limit,) = res.limits
    assert limit.contracts.tolist() == [35, 35, 35, 28, 35]
    assert limit.describe("2026-03-31") == "position limit: 35% of open interest (about 28 contracts on 2026-03-31)"
    assert res.limit_lines() == ["position limit: 35% of open interest (about 35 contracts on 2026-03-26)"]
    assert res.limit_lines()[0] in res.summary()


def test_all_months_limits_in_dollars_and_in_total_open_interest() -> None:
    # all months at most $160,000: 160,000 / 5,000 = 32 contracts at launch
    held, res = _front(FundConfig(**PLAIN, all_months_limit_notional=160_000.0))
    assert held[0] == 32 and res.status[0, 0] & EXPOSURE_CAPPED
    # 20% of the total open interest of 3 listed months, 100 + 80 + 64 = 244: 48.8 -> 48 contracts, not binding;
    # 15%: 36.6 -> 36
    held, res = _front(FundConfig(**PLAIN, open_interest=100, volume_decay=0.8, all_months_limit_oi_share=0.15))
    assert held.tolist() == [36] * 5
    assert res.limits[0].contracts[0] == 36


@pytest.mark.parametrize(
    "cfg",
    [
        FundConfig(position_limit_notional=1_000.0, **PLAIN),
        FundConfig(accountability_level_oi_share=0.001, open_interest=1_000, **PLAIN),
        FundConfig(all_months_limit_notional=1_000.0, **PLAIN),
    ],
)
def test_limits_below_one_unit_at_launch_are_refused_by_key(cfg: FundConfig) -> None:
    (term,) = cfg.limits
    with pytest.raises(ConfigError, match=f"^{term.key} \\(.* contracts\\) is below one creation unit's futures"):
        _front(cfg)


@pytest.fixture(scope="module")
def compute():
    curve = dataclasses.replace(load_scenario(), years=3).simulate(paths=4, seed=2)
    return curve, roll_schedule(curve, "gsci")


def _month_notional(res, curve) -> np.ndarray:
    pos = np.nan_to_num(res.positions[:, res.start :])
    return np.abs(pos * np.nan_to_num(curve.prices[:, res.start :]) * res.multipliers[None, res.start :])


def test_a_fund_never_holds_more_than_its_limits_in_dollars_and_halts_creations(compute) -> None:
    curve, sched = compute
    cfg = FundConfig(collateral_rate=0.04, position_limit_notional=1.3e8, accountability_level_notional=1.2e8,
                     all_months_limit_notional=1.35e8)  # fmt: skip
    res = simulate_fund(curve, sched, cfg, flows=InvestorDemand(mean=0.004, volatility=0.01, seed=3))
    dollars = _month_notional(res, curve)
    assert dollars.max() <= 1.3e8 and dollars.sum(axis=2).max() <= 1.35e8
    st = res.status[:, res.start :]
    assert ((st & HALT_ACCOUNTABILITY) != 0).any()  # the lowest of the three stops creations first
    # rising prices may carry a month past $120m, but no creation does: on a day units are created, each
    # month's notional is within $120m (and half a contract's rounding)
    created = res.ledger.creations[:, res.start :] > 0
    assert created.sum() > 20
    one = np.nanmax(curve.prices) * 1_000
    assert (dollars.max(axis=2)[created] <= 1.2e8 + one / 2).all()


def test_shares_of_open_interest_bind_as_a_deflating_contract_needs_more_contracts(compute) -> None:
    curve, sched = compute
    cfg = FundConfig(collateral_rate=0.04, position_limit_oi_share=0.04, all_months_limit_oi_share=0.0065)
    res = simulate_fund(curve, sched, cfg, flows=InvestorDemand(mean=0.001, volatility=0.01, seed=3))
    pos = np.nan_to_num(res.positions[:, res.start :])
    oi = cfg.open_interest * cfg.volume_decay ** np.arange(curve.depth)
    assert (pos <= np.floor(0.04 * oi)).all()
    total = cfg.open_interest * (1 - cfg.volume_decay**24) / (1 - cfg.volume_decay)
    assert pos.sum(axis=2).max() <= math.floor(0.0065 * total)
    st = res.status[:, res.start :]
    assert ((st & (HALT_POSITION_LIMIT | HALT_ALL_MONTHS)) != 0).any()
    summary = summarise_fund(curve, sched, cfg, flows=InvestorDemand(mean=0.001, volatility=0.01, seed=3))
    assert summary.limit_lines() == res.limit_lines() and res.limit_lines()[1] in str(summary)


def test_a_share_of_interpolated_open_interest_is_not_one_contract_short() -> None:
    # 0.4 x 72,000 is 28,800 contracts; the product of floats is 28,799.999999999996, which a bare floor makes 28,799
    from etfsim.fund.limits import _whole

    oi = np.array([72_000.0, 1_000.5])
    np.testing.assert_array_equal(
        _whole(np.array([28_799.999999999996, 0.4 * oi[0], 0.4 * oi[1]])), [28_800.0, 28_800.0, 400.0]
    )
    np.testing.assert_array_equal(
        _whole(np.array([28_799.5, 28_799.999])), [28_799.0, 28_799.0]
    )  # a real fraction stays
