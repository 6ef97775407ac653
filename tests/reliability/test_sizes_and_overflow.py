"""Work sized before it starts, parameters that overflow refused, and a ledger that stays finite or wipes out.

Before: ``run --paths 1000000000`` failed on a 3.6 TiB allocation, ``curves
simulate`` of 10^9 paths would have written about 48 TB, ``sigma_chi = 1e6``
wrote infinite and NaN prices and ``deflation = 1e4`` zeros, and dollar flows
of 1e300 wrapped the creation units to -4.6e23 (NAV -1.1e25, then NaN); on
the day a fund was wiped out the ledger reported the notional of the
positions it had just set to zero.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.curve import FuturesCurve
from etfsim.fund import FundConfig, simulate_fund
from etfsim.fund.records import LIQUIDATED
from etfsim.roll import RollSchedule, roll_schedule
from etfsim.scenario import default_scenario_path, load_scenario
from tests.cli.runner import in_process, in_subprocess
from tests.fund.fund_cases import FUND_CASES
from tests.reliability.refusal import refused

H100 = default_scenario_path().parent / "h100.toml"


@pytest.fixture(scope="module")
def fund_curve() -> tuple[FuturesCurve, RollSchedule]:
    curve = replace(load_scenario(), years=1.0).simulate(paths=2, seed=11)
    return curve, roll_schedule(curve, "front_month")


def _scenario(tmp_path: Path, old: str, new: str) -> Path:
    text = H100.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "s.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_main_job_too_big_for_memory_is_refused_with_the_fix(tmp_path: Path) -> None:
    out = in_process(["run", "--paths", "1000000000", "--out-dir", tmp_path / "r"])
    refused(out, "1,000,000,000 paths need about")
    assert "of memory" in out.stderr and "etfsim sweep" in out.stderr
    assert not (tmp_path / "r").exists()


def test_a_curve_file_too_big_for_the_disk_is_refused_before_simulating(tmp_path: Path) -> None:
    out = in_process(["curves", "simulate", "--scenario", H100, "--paths", "1000000000", "-o", tmp_path / "c.parquet"])
    refused(out, "a curve file of 1,000,000,000 paths x 2,512 dates x 24 slots needs about")
    assert "of disk" in out.stderr and "--paths" in out.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("sigma_chi = 0.6", "sigma_chi = 1e6", "is infinite (the model's parameters overflow double precision)"),
        ("deflation = 0.15", "deflation = 1e4", "is zero (the model's parameters underflow double precision)"),
    ],
)
@pytest.mark.parametrize("etfsim", [in_process, in_subprocess], ids=["runner", "subprocess"])
def test_parameters_that_overflow_are_refused_at_the_first_bad_price(
    tmp_path: Path, old: str, new: str, words: str, etfsim
) -> None:  # type: ignore[no-untyped-def]
    # in a subprocess stderr is what a user sees: numpy's overflow warnings must not come before the line
    target = tmp_path / "c.parquet"
    out = etfsim(["curves", "simulate", "--scenario", _scenario(tmp_path, old, new), "--paths", "2", "-o", target])
    line = refused(out, words)
    assert " on path 0 " in line and "the price of GPU" in line  # the contract, the date and the path
    assert not target.exists()
    assert not list(tmp_path.glob(".c.parquet.*"))  # no temporary file left either


@pytest.mark.parametrize("amount", [1e300, -1e300, 1e200])
def test_absurd_flows_are_capped_by_the_aps_and_every_figure_stays_finite(
    fund_curve: tuple[FuturesCurve, RollSchedule], amount: float
) -> None:
    curve, sched = fund_curve
    cfg = FundConfig(collateral_rate=0.04)
    flows = np.zeros(curve.n_dates)
    flows[5] = amount
    res = simulate_fund(curve, sched, cfg, flows)
    live = slice(res.start, None)
    for name in ("nav", "shares", "cash", "notional", "creations", "redemptions", "fees"):
        values = getattr(res.ledger, name)[:, live]
        assert np.isfinite(values).all(), name
    assert (res.ledger.nav[:, live] > 0).all() and (res.ledger.shares[:, live] > 0).all()
    units = res.ledger.creations + res.ledger.redemptions
    assert units.max() <= cfg.ap_capacity_units  # the APs' capacity caps a day's units
    assert units.max() == cfg.ap_capacity_units  # ... and such demand uses all of it
    assert not (res.status & LIQUIDATED).any()


def test_the_wipe_out_day_reports_what_is_held_nothing(fund_curve: tuple[FuturesCurve, RollSchedule]) -> None:
    from etfsim.scenario import load_scenario as _load

    curve = _load().simulate(paths=3, seed=5)
    sched = roll_schedule(curve, "gsci")
    cfg, demand = FUND_CASES["wiped out by impact"]
    res = simulate_fund(curve, sched, cfg, flows=demand)
    wiped = (res.status & LIQUIDATED) != 0
    assert wiped.any(axis=1).all()
    for p in range(res.n_paths):
        t = int(np.argmax(wiped[p]))
        assert (np.nan_to_num(res.positions[p, t]) == 0).all()
        assert res.ledger.notional[p, t] == 0.0  # was the notional of the positions just set to zero
        assert res.ledger.margin[p, t] == 0.0
        assert res.ledger.nav[p, t] <= 0.0  # the day's NAV is what the costs left: nothing
        assert np.isnan(res.ledger.nav[p, t + 1 :]).all()  # the ledger stops
