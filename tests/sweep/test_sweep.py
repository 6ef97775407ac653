"""Scale: lazy model curves, chunked Monte Carlo, resumable sweeps on Dask.

The reference for every fast path is the plain pipeline on a fully priced curve:
``simulate -> roll_schedule -> compute_index / simulate_fund``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim.exceptions import ConfigError
from etfsim.fund import FundConfig, InvestorDemand, simulate_fund
from etfsim.fund import ledger as _ledger
from etfsim.pipeline import load_strategy
from etfsim.roll import restrict, roll_schedule
from etfsim.scenario import load_scenario
from etfsim.sweep import ChunkSpec, read_sweep, run_chunk, run_sweep

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def short():
    return replace(load_scenario(), years=1.5)


@pytest.fixture(scope="module")
def strategies():
    return [load_strategy(ROOT / "strategies" / f"{n}.toml") for n in ("gsci", "front_month", "compute_default")]


def test_model_curve_prices_equal_the_materialised_curve(short) -> None:
    (lazy,) = list(short.iter_chunks(paths=4, chunk_size=4, lazy_prices=True))
    full = short.simulate(paths=4)
    np.testing.assert_array_equal(lazy.prices, full.prices)
    sched = roll_schedule(lazy, "gsci")
    small, small_sched, slots = restrict(lazy, sched)
    assert small.depth <= 3 < full.depth
    # every price the small curve holds is the full curve's price of the same contract
    rows, cols = np.nonzero(slots >= 0)
    np.testing.assert_array_equal(small.prices[:, rows, cols], full.prices[:, rows, slots[rows, cols]])
    assert (small.contracts[rows, cols] == full.contracts[rows, slots[rows, cols]]).all()
    np.testing.assert_allclose(small_sched.weights.sum(axis=2), sched.weights.sum(axis=2))
    # the restricted schedule skips the checks of a new schedule: it must pass them, per-path rules included
    from etfsim.roll.schedule import RollSchedule

    for s in (sched, roll_schedule(lazy, "optimum_yield")):
        curve_s, small_s, _ = restrict(lazy, s)
        checked = RollSchedule(
            small_s.weights.copy(), small_s.dates, small_s.contracts, small_s.expiries,
            small_s.invested, small_s.rolling, small_s.rule, small_s.params,
        )  # fmt: skip
        np.testing.assert_array_equal(checked.weights, small_s.weights)
        assert not small_s.weights.flags.writeable and small_s.shared == s.shared


def test_a_chunk_equals_the_plain_pipeline_and_does_not_depend_on_chunking(short, strategies) -> None:
    comp = strategies[2]
    spec = ChunkSpec(short, comp, comp.fund, comp.demand, 0, 12)
    rows = run_chunk(spec)
    curve = short.simulate(paths=12)
    sched = roll_schedule(curve, comp.rule)
    fund = simulate_fund(curve, sched, comp.fund, flows=comp.demand)
    from etfsim.fund.metrics import fund_metrics

    m = fund_metrics(fund)
    np.testing.assert_allclose(rows["nav_return"], m["nav_return"], rtol=1e-12)
    np.testing.assert_allclose(rows["impact_costs"], m["impact_costs"], rtol=1e-12)
    np.testing.assert_allclose(rows["creations"], m["creations"])
    later = run_chunk(replace(spec, first=5, count=7))
    pd.testing.assert_frame_equal(
        rows.iloc[5:].drop(columns="monthly_nav").reset_index(drop=True), later.drop(columns="monthly_nav")
    )


def test_compiled_ledger_equals_python(short) -> None:
    curve = short.simulate(paths=2)
    sched = roll_schedule(curve, "gsci")
    cfg = FundConfig(collateral_rate=0.03, impact_coefficient=0.002, position_limit=60_000)
    fast = simulate_fund(curve, sched, cfg, flows=InvestorDemand(volatility=0.01, seed=2))
    kernels = [name for name, obj in vars(_ledger).items() if hasattr(obj, "py_func")]  # the day loop and its steps
    compiled = {name: getattr(_ledger, name) for name in kernels}
    try:
        for name in kernels:
            setattr(_ledger, name, compiled[name].py_func)
        slow = simulate_fund(curve, sched, cfg, flows=InvestorDemand(volatility=0.01, seed=2))
    finally:
        for name in kernels:
            setattr(_ledger, name, compiled[name])
    for name, a, b in zip(fast.ledger._fields, fast.ledger, slow.ledger, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True, err_msg=name)
    assert (fast.status == slow.status).all()


def test_sweep_resumes_without_recomputing_and_refuses_other_settings(tmp_path, short, strategies) -> None:
    out = tmp_path / "sweep"
    first = run_sweep([short], strategies[:2], 60, out, chunk_size=20)
    assert first.computed == 6 and first.skipped == 0 and len(first.rows) == 120
    files = sorted(out.glob("scenario=*/rule=*/chunk-*.parquet"))
    stamps = {f: f.stat().st_mtime_ns for f in files}
    files[1].unlink()
    again = run_sweep([short], strategies[:2], 60, out, chunk_size=20)
    assert again.computed == 1 and again.skipped == 5
    assert all(f.stat().st_mtime_ns == stamps[f] for f in files if f != files[1])
    pd.testing.assert_frame_equal(first.rows.drop(columns="monthly_nav"), again.rows.drop(columns="monthly_nav"))
    with pytest.raises(ConfigError, match="holds a sweep with other settings"):
        run_sweep([short], strategies[:2], 80, out, chunk_size=20)


def test_local_cluster_equals_in_process(tmp_path, short, strategies) -> None:
    from distributed import LocalCluster

    local = run_sweep([short], strategies[:2], 40, tmp_path / "a", chunk_size=20)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run_sweep(
            [short], strategies[:2], 40, tmp_path / "b", chunk_size=20, scheduler=cluster.scheduler_address
        )
    pd.testing.assert_frame_equal(local.rows.drop(columns="monthly_nav"), remote.rows.drop(columns="monthly_nav"))
    for a, b in zip(local.rows["monthly_nav"], remote.rows["monthly_nav"], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_killed_sweep_resumes_with_no_duplicate_and_no_torn_file(tmp_path) -> None:
    out = tmp_path / "killed"
    scen = tmp_path / "short.toml"
    from etfsim.scenario import default_scenario_path

    scen.write_text(default_scenario_path().read_text().replace("years = 10 ", "years = 3 "))
    cmd = [
        sys.executable,
        "-m",
        "etfsim",
        "sweep",
        "--out",
        str(out),
        "--scenario",
        str(scen),
        "--paths",
        "480",
        "--chunk-size",
        "30",
        "-s",
        "gsci",
    ]
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        done = list(out.glob("scenario=*/rule=*/chunk-*.parquet"))
        if len(done) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_with = len(list(out.glob("scenario=*/rule=*/chunk-*.parquet")))
    assert 3 <= killed_with < 16, "the sweep must be killed part-way through"
    read_sweep(out)  # whatever is there is whole
    finish = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert finish.returncode == 0, finish.stderr
    assert f"{16 - killed_with} chunk(s) computed, {killed_with} already there" in finish.stdout
    rows = read_sweep(out)
    assert sorted(rows["path"]) == list(range(480))
    assert not list(out.glob("**/.chunk-*"))
    clean = tmp_path / "clean"
    subprocess.run([*cmd[:5], str(clean), *cmd[6:]], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    pd.testing.assert_frame_equal(rows.drop(columns="monthly_nav"), read_sweep(clean).drop(columns="monthly_nav"))


def test_prices_on_chosen_dates_equal_the_full_cube(short) -> None:
    (lazy,) = list(short.iter_chunks(paths=3, chunk_size=3, lazy_prices=True, first_path=2))
    full = lazy.prices
    rows = np.array([0, 5, 17, 40, 41, 200, lazy.n_dates - 1])  # includes days inside delivery months
    np.testing.assert_array_equal(lazy.price_rows(rows), full[:, rows])
    # and optimum yield gives the same schedule on the lazy curve as on the priced one
    a = roll_schedule(lazy, "optimum_yield")
    b = roll_schedule(lazy.to_curve(), "optimum_yield")
    np.testing.assert_array_equal(a.weights, b.weights)


def test_a_sweep_takes_strategy_names_as_the_library_does(tmp_path, short) -> None:
    by_name = run_sweep([short], ["gsci"], 20, tmp_path / "names", chunk_size=20)
    by_object = run_sweep([short], [load_strategy("gsci")], 20, tmp_path / "objects", chunk_size=20)
    pd.testing.assert_frame_equal(by_name.to_frame(), by_object.to_frame())
