"""Open interest and daily volume as paths by date: interpolation, validation, TOML, and what reads them.

The ledger cases reuse the five-day walk-through of ``test_ledger.py`` (40 contracts of 100 units bought at
$50.00 on Thu 26 Mar 2026, one unit created on Mon 30 Mar, 4 more contracts bought at $50.50).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim.exceptions import ConfigError, ScenarioError
from etfsim.fund import FundConfig, simulate_fund
from etfsim.fund.config import load_fund
from etfsim.fund.liquidity import liquidity_on
from etfsim.roll import FrontMonth, roll_schedule
from tests.fund.test_ledger import tiny_curve

DAYS = np.array(["2026-03-20", "2026-03-26", "2026-03-28", "2026-03-30", "2026-04-05"], dtype="datetime64[D]")


def path(values: list[float], dates: list[str]) -> pd.Series:
    return pd.Series(values, index=pd.to_datetime(dates))


def test_log_linear_between_the_dates_and_flat_outside() -> None:
    # 100 on 26 Mar, 400 on 30 Mar: constant growth of 4**(1/4) a day, so 200 on 28 Mar (the geometric mean)
    got = liquidity_on(path([100.0, 400.0], ["2026-03-26", "2026-03-30"]), DAYS)
    np.testing.assert_allclose(got, [100.0, 100.0, 200.0, 400.0, 400.0], rtol=1e-14)
    assert liquidity_on(1_500.0, DAYS).tolist() == [1_500.0] * 5  # a number is the same every day
    assert liquidity_on(path([7.0], ["2026-03-28"]), DAYS).tolist() == pytest.approx([7.0] * 5, rel=1e-15)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (path([1.0, 2.0], ["2026-03-30", "2026-03-26"]), "open_interest's dates .* must be strictly increasing: "
         "2026-03-26 follows 2026-03-30"),
        (path([1.0, 2.0], ["2026-03-26", "2026-03-26"]), "must be strictly increasing"),
        (path([1.0, 0.0], ["2026-03-26", "2026-03-30"]), "open_interest must be > 0 contracts, got 0 on 2026-03-30"),
        (path([1.0, math.nan], ["2026-03-26", "2026-03-30"]), "open_interest must be finite"),
        (pd.Series([], dtype=float), "open_interest's dates .* is empty"),
        (-3.0, "open_interest must be > 0 contracts, got -3"),
    ],
)  # fmt: skip
def test_bad_paths_name_the_key(value: object, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        FundConfig(open_interest=value)


def _write(tmp_path: Path, liquidity: str, extra: str = "") -> Path:
    file = tmp_path / "fund.toml"
    file.write_text(f"[fund]\ncreation_unit = 1_000\n{extra}\n[fund.liquidity]\n{liquidity}\n", encoding="utf-8")
    return file


def test_a_liquidity_table_in_toml(tmp_path: Path) -> None:
    file = _write(
        tmp_path,
        'dates = ["2026-04-01", "2028-01-03"]\nopen_interest = [100_000, 1_500_000]\ndaily_volume = [15_000, 200_000]',
    )
    cfg, _ = load_fund(file)
    assert isinstance(cfg.open_interest, pd.Series) and cfg.open_interest.tolist() == [100_000.0, 1_500_000.0]
    assert cfg.daily_volume.index[1] == pd.Timestamp("2028-01-03")
    only_oi, _ = load_fund(_write(tmp_path, 'dates = ["2026-04-01"]\nopen_interest = [5e5]', "daily_volume = 9e4"))
    assert only_oi.daily_volume == 9e4 and only_oi.open_interest.tolist() == [5e5]


@pytest.mark.parametrize(
    ("liquidity", "extra", "words"),
    [
        ('dates = ["2026-04-01", "2026-01-01"]\nopen_interest = [1, 2]', "",
         r"\[fund.liquidity\] dates must be strictly increasing: 2026-01-01 follows 2026-04-01"),
        ('dates = ["2026-04-01", "2027-01-01"]\nopen_interest = [1]', "",
         r"\[fund.liquidity\] open_interest must have one value per date \(2 dates\), got 1"),
        ('dates = ["2026-04-01"]\ndaily_volume = [-5]', "",
         r"\[fund.liquidity\] daily_volume must be > 0 contracts, got -5 on 2026-04-01"),
        ('dates = ["2026-04-01"]\nvolume = [5]', "", r"unknown key 'volume' in \[fund.liquidity\]; valid keys: "
         "daily_volume, dates, open_interest"),
        ("open_interest = [5]", "", r"\[fund.liquidity\] needs dates"),
        ('dates = ["2026-04-01"]', "", r"\[fund.liquidity\] needs open_interest = \[...\] or daily_volume"),
        ('dates = ["2026-04-01"]\nopen_interest = [5]', "open_interest = 7",
         r"give open_interest in \[fund\] or in \[fund.liquidity\], not both"),
        ('dates = ["spring"]\nopen_interest = [5]', "", r"\[fund.liquidity\] dates must be dates like 2026-04-01"),
    ],
)  # fmt: skip
def test_a_bad_liquidity_table_names_the_file_and_the_key(
    tmp_path: Path, liquidity: str, extra: str, words: str
) -> None:
    with pytest.raises(ConfigError, match=f"^fund.toml: {words}"):
        load_fund(_write(tmp_path, liquidity, extra))


def test_an_unknown_fund_key_lists_liquidity_among_the_valid_ones(tmp_path: Path) -> None:
    file = tmp_path / "fund.toml"
    file.write_text("[fund]\nliquidty = 5\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="unknown key 'liquidty' in \\[fund\\]; valid keys: .*liquidity"):
        load_fund(file)


WALK = dict(
    nav_per_share=20.0, initial_shares=10_000, expense_ratio=0.01, creation_unit=1_000, creation_fee=100.0,
    redemption_fee=100.0, commission=2.0, half_spread_ticks=1.0, ap_spread=0.0, impact_coefficient=0.01,
)  # fmt: skip


def test_impact_reads_the_volume_on_the_day_of_the_trade() -> None:
    # front-month volume 500 contracts a day on 26 Mar growing to 2,000 on 30 Mar (the walk-through's creation):
    # impact = k * F * multiplier * contracts^2 / volume on that day
    curve = tiny_curve()
    cfg = FundConfig(**WALK, daily_volume=path([500.0, 2_000.0], ["2026-03-26", "2026-03-30"]))
    flows = pd.Series([15_000.0], index=pd.to_datetime(["2026-03-30"]))
    d = simulate_fund(curve, roll_schedule(curve, FrontMonth()), cfg, flows=flows).daily_frame(0)
    assert d["impact_cost"].iloc[0] == pytest.approx(0.01 * 50.00 * 100 * 40**2 / 500, rel=1e-12)  # 80 on 1,000
    assert d["creations"].iloc[2] == 1
    assert d["impact_cost"].iloc[2] == pytest.approx(0.01 * 50.50 * 100 * 4**2 / 2_000, rel=1e-12)


def test_a_share_of_open_interest_reads_the_open_interest_of_the_day() -> None:
    # 25% of a front month's open interest of 80 on 26 Mar growing to 320 on 1 Apr (6 calendar days, doubling
    # every 3): 20, 20 * 2**(1/3), 20 * 2**(4/3), 20 * 2**(5/3) x 0.8 (the fund holds April, slot 1, on 31 Mar),
    # 80 contracts, whole ones; the fund wants about 40, so the limit binds on the first two days
    curve = tiny_curve()
    oi = path([80.0, 320.0], ["2026-03-26", "2026-04-01"])
    cfg = FundConfig(**WALK, open_interest=oi, volume_decay=0.8, position_limit_oi_share=0.25)
    res = simulate_fund(curve, roll_schedule(curve, FrontMonth()), cfg)
    held = np.nan_to_num(res.positions[0]).sum(axis=1)
    limit = [20, math.floor(20 * 2 ** (1 / 3)), math.floor(20 * 2 ** (4 / 3)), math.floor(20 * 2 ** (5 / 3) * 0.8), 80]
    assert res.limits[0].contracts.tolist() == limit
    assert held[:2].tolist() == limit[:2] and (held[2:] < limit[2:]).all()


def test_a_constant_path_runs_as_the_number() -> None:
    curve = tiny_curve()
    sched = roll_schedule(curve, FrontMonth())
    flat = path([1_000.0, 1_000.0], ["2026-03-26", "2026-04-01"])
    cfg = FundConfig(**WALK, daily_volume=1_000.0, open_interest=100.0, position_limit_oi_share=0.39)
    a = simulate_fund(curve, sched, cfg)
    b = simulate_fund(curve, sched, FundConfig(**{**WALK, "daily_volume": flat, "open_interest": flat / 10},
                                               position_limit_oi_share=0.39))  # fmt: skip
    np.testing.assert_allclose(a.nav, b.nav, rtol=1e-13)
    np.testing.assert_array_equal(a.positions, b.positions)


def test_a_strategy_file_carries_its_liquidity(tmp_path: Path) -> None:
    from etfsim.pipeline import load_strategy

    file = tmp_path / "new_market.toml"
    file.write_text(
        '[strategy]\nname = "new_market"\n[roll]\nrule = "front_month"\n[fund]\nposition_limit_oi_share = 0.25\n'
        '[fund.liquidity]\ndates = ["2026-04-01", "2029-01-02"]\nopen_interest = [2e5, 1.5e6]\n',
        encoding="utf-8",
    )
    fund = load_strategy(file).fund
    assert fund is not None and fund.open_interest.tolist() == [2e5, 1.5e6]
    assert fund.limit("position_limit").describe() == "25% of open interest"
