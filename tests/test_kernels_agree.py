"""Every numba kernel against its Python twin: the same numbers, compiled or not.

``etfsim._numba.jit`` keeps each kernel's Python function as ``.py_func``
(arch's pattern, ``arch/tests/univariate/test_recursions.py``).  A kernel that
calls other kernels would, through ``.py_func`` alone, still call their
compiled versions, so :func:`python_twin` rebuilds the Python function with
every kernel it calls replaced by that kernel's own twin: the whole call tree
runs as Python.  Each test feeds small arrays of the kind the library passes
(prices near $2.35 a GPU-hour, a roll from one contract to the next, NaN for a
missing print where the kernel reads NaN) and compares every output and every
array argument after the call.

``test_every_kernel_has_an_agreement_test`` walks the package for kernels and
fails on one that no test here reaches, directly or as a callee of a tested
kernel.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import pkgutil
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import etfsim
from etfsim import metrics
from etfsim._numba import readonly
from etfsim._random import path_generators
from etfsim.curves import kernels as curve_kernels
from etfsim.curves import market_kernels, pcg64
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.history_kernels import kalman_filter
from etfsim.fund import FundConfig, InvestorDemand
from etfsim.fund import ledger as _ledger
from etfsim.fund.engine import ledger_inputs
from etfsim.fund.limits import room_per_notional
from etfsim.fund.records import METRICS, Ledger, Reduction
from etfsim.index import levels
from etfsim.roll import pairs, roll_schedule, schedule
from etfsim.roll.schedule import RollSchedule
from etfsim.scenario import load_scenario
from tests.fund.fund_cases import FUND_CASES

Kernel = Any  # a numba dispatcher, or (without numba) the function itself with .py_func set
TESTED: set[str] = set()
"""Kernels an agreement test calls directly, marked by :func:`covers` (their callees are tested through them)."""


def _is_kernel(obj: object) -> bool:
    return callable(obj) and hasattr(obj, "py_func")


def _name(kernel: Kernel) -> str:
    return f"{kernel.py_func.__module__}.{kernel.py_func.__qualname__}"


def _names_used(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):  # a nested function or comprehension
            yield from _names_used(const)


def callees(kernel: Kernel) -> dict[str, Kernel]:
    """The kernels ``kernel`` calls by a global name."""
    fn = kernel.py_func
    found = {name: fn.__globals__.get(name) for name in set(_names_used(fn.__code__))}
    return {name: obj for name, obj in found.items() if _is_kernel(obj) and obj is not kernel}


def python_twin(kernel: Kernel, _memo: dict[int, Callable[..., Any]] | None = None) -> Callable[..., Any]:
    """``kernel.py_func`` with every kernel it calls (at any depth) running as Python too."""
    memo = {} if _memo is None else _memo
    if id(kernel) in memo:
        return memo[id(kernel)]
    fn = kernel.py_func
    scope = dict(fn.__globals__)
    twin = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)
    twin.__kwdefaults__ = fn.__kwdefaults__
    memo[id(kernel)] = twin
    for name, callee in callees(kernel).items():
        scope[name] = python_twin(callee, memo)
    return twin


def _fresh(value: Any) -> Any:
    """A copy each run may write into (arrays, and tuples or lists of them); the rest as it is."""
    if isinstance(value, np.ndarray):
        # a read-only input cannot be written; a copy would be writable, and numba would compile anew for it
        return value.copy() if value.flags.writeable else value
    if hasattr(value, "_fields"):  # a NamedTuple of arrays and numbers (the ledger's records)
        return type(value)(*(_fresh(v) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_fresh(v) for v in value)
    return value


def assert_same(fast: Any, slow: Any, what: str, rtol: float) -> None:
    if isinstance(fast, np.ndarray) or isinstance(slow, np.ndarray):
        fast, slow = np.asarray(fast), np.asarray(slow)
        assert fast.shape == slow.shape and fast.dtype == slow.dtype, what
        if np.issubdtype(fast.dtype, np.floating):
            np.testing.assert_allclose(fast, slow, rtol=rtol, atol=0.0, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(fast, slow, err_msg=what)
    elif isinstance(fast, tuple) and isinstance(slow, tuple):
        assert len(fast) == len(slow), what
        for i, (f, s) in enumerate(zip(fast, slow, strict=True)):
            assert_same(f, s, f"{what}[{i}]", rtol)
    elif isinstance(fast, np.random.Generator):  # both runs must have drawn as many numbers
        assert fast.bit_generator.state == slow.bit_generator.state, what
    elif isinstance(fast, float) or isinstance(slow, float):
        assert math.isclose(fast, slow, rel_tol=rtol) or (math.isnan(fast) and math.isnan(slow)), what
    else:
        assert fast == slow, what


def agree(kernel: Kernel, make_args: Callable[[], tuple[Any, ...]], rtol: float = 1e-13) -> tuple[Any, tuple[Any, ...]]:
    """Run the compiled kernel and its Python twin on fresh copies of the same inputs; compare everything.

    Returns the compiled run's result and arguments (for a test's own checks).
    """
    assert _name(kernel) in TESTED, f"mark the test with @covers({kernel.py_func.__name__})"
    args_fast = tuple(_fresh(a) for a in make_args())
    args_slow = tuple(_fresh(a) for a in make_args())
    fast = kernel(*args_fast)
    slow = python_twin(kernel)(*args_slow)
    assert_same(fast, slow, f"{_name(kernel)}: result", rtol)
    for i, (a, b) in enumerate(zip(args_fast, args_slow, strict=True)):
        assert_same(a, b, f"{_name(kernel)}: argument {i} after the call", rtol)
    return fast, args_fast


def covers(*kernels: Kernel) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a test as the agreement test of ``kernels`` (for the meta-test, before any test runs)."""
    TESTED.update(_name(k) for k in kernels)
    return lambda test: test


# -- inputs: a small futures curve, a roll, and its slot map ----------------------------------------------------
N_DATES, DEPTH, N_PATHS = 14, 3, 3
EXPIRY = 8  # the front contract's last day: from date 9 every contract sits one slot nearer


def _slot_map(n: int = N_DATES, depth: int = DEPTH, expiry: int = EXPIRY) -> np.ndarray:
    """``nxt[t-1, s]``: the slot on ``t`` of the contract in slot ``s`` on ``t-1`` (-1: it expired)."""
    nxt = np.tile(np.arange(depth, dtype=np.int64), (n - 1, 1))
    nxt[expiry] = np.arange(-1, depth - 1)  # the step from the expiry date to the next
    return nxt


def _prices(seed: int = 3, holes: bool = True) -> np.ndarray:
    """(paths, dates, depth) settlement prices near $2.35 in contango, with missing prints where ``holes``."""
    rng = np.random.default_rng(seed)
    walk = np.exp(np.cumsum(rng.normal(0.0, 0.02, (N_PATHS, N_DATES, 1)), axis=1))
    prices = 2.35 * walk * (1.0 + 0.015 * np.arange(DEPTH))
    if holes:
        prices[0, 3, 2] = np.nan  # a far contract without a print (not held)
        prices[1, 0, 1] = np.nan  # no print yet on the first date
        prices[2, 5:7, 1] = np.nan  # two missing days of the second month
    return prices


def _roll_weights(paths: int = 1) -> np.ndarray:
    """Front-month quantity weights, rolled into the second month over the 3 closes before expiry."""
    w = np.zeros((paths, N_DATES, DEPTH))
    w[:, :, 0] = 1.0
    for j, t in enumerate(range(EXPIRY - 3, EXPIRY)):
        w[:, t, 0], w[:, t, 1] = 1.0 - (j + 1) / 3, (j + 1) / 3
    w[:, EXPIRY:, 0], w[:, EXPIRY:, 1] = 0.0, 1.0  # still the second slot on the expiry close
    w[:, EXPIRY + 1 :, 0], w[:, EXPIRY + 1 :, 1] = 1.0, 0.0  # it is the front from the next date
    w[:, 0, :] = 0.0  # not invested before the rule's first decision
    return w


# -- curves/kernels.py ------------------------------------------------------------------------------------------
def _grid_steps(n: int = 30) -> np.ndarray:
    dt = np.full(n - 1, 1.0 / 365.0)
    dt[4::5] = 3.0 / 365.0  # weekends
    return dt


@covers(curve_kernels.path_draws)
@pytest.mark.parametrize("overlays", ["regime and jumps", "neither"])
def test_path_draws(overlays: str) -> None:
    dt = _grid_steps()
    lam_dt = 40.0 * dt if overlays == "regime and jumps" else np.zeros(0)  # many jump days: counts above 1
    m = len(dt)

    def args() -> tuple[Any, ...]:
        (g,) = path_generators(11, [2])  # a fresh generator for each run: both draw the same stream
        return g, lam_dt, overlays != "neither", -0.1, 0.2, np.empty((m, 2)), np.zeros(m), np.empty(m)

    _, out = agree(curve_kernels.path_draws, args, rtol=0.0)
    assert np.isfinite(out[5]).all() and (out[7] != 0.0).any() == (overlays != "neither")


@covers(pcg64._seed_states)
def test_seed_states() -> None:
    """SeedSequence(seed, spawn_key=(i,)) and PCG64's seeding: compiled, as Python, and numpy's own generators."""
    ids = np.array([0, 3, 2**32 - 1])
    for entropy in ([7, 0, 0, 0], [1, 2, 3, 4, 5]):  # a seed padded to the pool; one with a word beyond it

        def args(entropy: list[int] = entropy) -> tuple[Any, ...]:
            return np.array(entropy, dtype=np.uint64), ids, np.empty((3, 4), dtype=np.uint64)

        with np.errstate(over="ignore"):  # the Python twin's 128-bit arithmetic wraps numpy's uint64 words
            _, out = agree(pcg64._seed_states, args, rtol=0.0)
        seed = sum(w << (32 * i) for i, w in enumerate(entropy))
        np.testing.assert_array_equal(out[2], pcg64.pcg_states(path_generators(seed, ids.tolist())))


@covers(pcg64.standard_normals)
def test_standard_normals() -> None:
    """Each row from its own path's state: compiled, as Python, and numpy's ``standard_normal``."""

    def args() -> tuple[Any, ...]:
        return pcg64.pcg_states(path_generators(4, [1, 6])), np.empty((2, 3_000))

    with np.errstate(over="ignore"):
        _, out = agree(pcg64.standard_normals, args, rtol=0.0)
    np.testing.assert_array_equal(out[1], np.stack([g.standard_normal(3_000) for g in path_generators(4, [1, 6])]))


@covers(curve_kernels.paths_draws)
@pytest.mark.parametrize("overlays", ["regime and jumps", "neither"])
def test_paths_draws(overlays: str) -> None:
    """Every path's draws from its generator's state: compiled, as Python, and as path_draws from the generators."""
    dt = _grid_steps()
    lam_dt = 40.0 * dt if overlays == "regime and jumps" else np.zeros(0)  # many jump days: counts above 1
    m = len(dt)

    def args() -> tuple[Any, ...]:
        states = pcg64.pcg_states(path_generators(11, [2, 5]))  # fresh states for each run
        return states, lam_dt, overlays != "neither", -0.1, 0.2, np.empty((2, m, 2)), np.zeros((2, m)), np.empty((2, m))

    with np.errstate(over="ignore"):  # the Python twin's 128-bit arithmetic wraps numpy's uint64 words on purpose
        _, out = agree(curve_kernels.paths_draws, args, rtol=0.0)
    for row, g in enumerate(path_generators(11, [2, 5])):
        z, u, jumps = np.empty((m, 2)), np.zeros(m), np.empty(m)
        curve_kernels.path_draws(g, lam_dt, overlays != "neither", -0.1, 0.2, z, u, jumps)
        np.testing.assert_array_equal(out[5][row], z)
        np.testing.assert_array_equal(out[6][row], u)
        np.testing.assert_array_equal(out[7][row], jumps)


def _factor_inputs() -> tuple[Any, ...]:
    kappa, sigma_chi, sigma_xi, rho, mu_xi = 4.0, 0.6, 0.2, 0.3, -0.05
    dt = _grid_steps()
    e = np.exp(-kappa * dt)
    var_chi = sigma_chi**2 * (1.0 - e**2) / (2.0 * kappa)
    cov = rho * sigma_chi * sigma_xi * (1.0 - e) / kappa
    l11 = np.sqrt(var_chi)
    l21 = cov / l11
    l22 = np.sqrt(sigma_xi**2 * dt - l21**2)
    drift = (mu_xi - 0.5 * sigma_xi**2) * dt
    levels_ = np.array([0.0, 0.4, -0.3])  # normal, shortage, glut
    rates = np.array([[-30.0, 20.0, 10.0], [60.0, -60.0, 0.0], [40.0, 0.0, -40.0]])  # switches a year: several here
    trans = np.eye(3)[None] + rates[None] * dt[:, None, None]  # over one short step
    trans_cum = np.cumsum(trans, axis=2)
    rng = np.random.default_rng(5)
    z = rng.standard_normal((N_PATHS, len(dt), 2))
    u = rng.random((N_PATHS, len(dt)))
    jumps = np.where(rng.random((N_PATHS, len(dt))) < 0.1, rng.normal(-0.1, 0.05, (N_PATHS, len(dt))), 0.0)
    chi, xi = np.empty((N_PATHS, len(dt) + 1)), np.empty((N_PATHS, len(dt) + 1))
    regime = np.empty((N_PATHS, len(dt) + 1), dtype=np.int64)
    return 0.25, math.log(2.35) - 0.25, 0, e, l11, l21, l22, drift, levels_, trans_cum, z, u, jumps, chi, xi, regime


@covers(curve_kernels.factor_paths)
def test_factor_paths() -> None:
    _, out = agree(curve_kernels.factor_paths, _factor_inputs)
    chi, xi, regime = out[-3:]
    assert np.isfinite(chi).all() and np.isfinite(xi).all() and len(np.unique(regime)) > 1


def _regime_path() -> np.ndarray:
    """(paths, dates) int64: path 0 stays normal, path 1 enters a shortage on date 4, path 2 a glut on date 9."""
    regime = np.zeros((N_PATHS, N_DATES), dtype=np.int64)
    regime[1, 4:] = 1
    regime[2, 9:] = 2
    return regime


@covers(curve_kernels.price_final)
@pytest.mark.parametrize(("priced_regime", "floored"), [(False, False), (True, False), (True, True), (False, True)])
def test_price_final(priced_regime: bool, floored: bool) -> None:
    kappa = 4.0
    rng = np.random.default_rng(8)
    chi = rng.normal(0.2, 0.3, (N_PATHS, N_DATES))
    xi = rng.normal(math.log(2.35), 0.05, (N_PATHS, N_DATES))
    tau = (np.arange(DEPTH)[None, :] + 1.0 - np.arange(N_DATES)[:, None] / 21.0) / 12.0  # years to each expiry
    a = np.exp(-kappa * tau)
    c = -0.01 * tau
    c[-2:, -1] = np.nan  # the last dates list no third contract yet
    if priced_regime:  # ln W_r: a shortage lifts the near contracts most, a glut lowers them
        c = np.ascontiguousarray(c[None] + np.array([0.0, 0.3, -0.2])[:, None, None] * (1.0 - a)[None])
    regime = _regime_path() if priced_regime else None
    floor = np.full((N_DATES, DEPTH), 0.9) * np.exp(0.02 * tau) if floored else None  # $0.90 a GPU-hour, growing

    def args() -> tuple[Any, ...]:
        return chi, xi, a, c, np.empty((N_PATHS, N_DATES, DEPTH)), regime, floor

    _, out = agree(curve_kernels.price_final, args)
    prices = out[4]
    assert np.isnan(prices[:, -2:, -1]).all() and np.isfinite(prices[:, :-2, :]).all()
    if floored:
        prices = prices - floor[None]
    if priced_regime:  # each close reads its own regime's coefficients
        lift = np.log(prices / np.exp(a[None] * chi[:, :, None] + xi[:, :, None] - 0.01 * tau[None]))
        np.testing.assert_allclose(lift[1, 4:, 0], 0.3 * (1.0 - a[4:, 0]), rtol=1e-12)
        np.testing.assert_allclose(lift[:, :4, :2], 0.0, atol=1e-12)


@covers(curve_kernels.price_final)
def test_price_final_keep() -> None:
    """With ``keep`` a cell without a contract (c NaN) is left as ``out`` held it; the others are the same prices."""
    rng = np.random.default_rng(9)
    chi, xi = rng.normal(0.2, 0.3, (N_PATHS, N_DATES)), rng.normal(math.log(2.35), 0.05, (N_PATHS, N_DATES))
    a = np.exp(-4.0 * (np.arange(DEPTH)[None, :] + 1.0) / 12.0) * np.ones((N_DATES, 1))
    c = np.full((N_DATES, DEPTH), -0.01)
    c[3:7, 1] = np.nan  # another block's cells: this one prices none of them
    c[9] = np.nan  # a date with no cell of this block

    def args(keep: bool) -> tuple[Any, ...]:
        return chi, xi, a, c, np.full((N_PATHS, N_DATES, DEPTH), -7.0), None, None, keep

    _, kept = agree(curve_kernels.price_final, lambda: args(True))
    _, blank = agree(curve_kernels.price_final, lambda: args(False))
    hole = np.isnan(c)[None].repeat(N_PATHS, axis=0)
    assert (kept[4][hole] == -7.0).all() and np.isnan(blank[4][hole]).all()
    np.testing.assert_array_equal(kept[4][~hole], blank[4][~hole])


@covers(curve_kernels.running_sums)
def test_running_sums() -> None:
    """The running sums of a spot with a gap (NaN before a block lists): numpy's cumsum, bit for bit."""
    spot = 2.35 * np.exp(np.cumsum(np.random.default_rng(4).normal(0.0, 0.02, (N_PATHS, N_DATES)), axis=1))
    spot[1, :3] = np.nan

    def args() -> tuple[Any, ...]:
        return readonly(spot), np.full((N_PATHS, N_DATES + 1), -1.0)

    _, out = agree(curve_kernels.running_sums, args, rtol=0.0)
    want = np.zeros((N_PATHS, N_DATES + 1))
    np.cumsum(spot, axis=1, out=want[:, 1:])
    np.testing.assert_array_equal(out[1], want)


def _monthly_average_inputs() -> tuple[Any, ...]:
    """Compute contracts settling on the average of a 21-day delivery month: the front one is in delivery."""
    kappa, n, depth, days = 4.0, 6, 3, 21
    terms = curve_kernels.EXPANSION_TERMS
    rng = np.random.default_rng(13)
    chi = rng.normal(0.0, 0.5, (N_PATHS, n))
    chi[0, 3], chi[1, 2] = 6.0, -6.0  # a shortage spike and a glut: too far out for the series, summed by day
    xi = rng.normal(math.log(2.35), 0.05, (N_PATHS, n))
    spot = np.exp(chi + xi)
    spot_cum = np.zeros((N_PATHS, n + 1))
    np.cumsum(spot, axis=1, out=spot_cum[:, 1:])
    listed = np.ones((n, depth), dtype=bool)
    listed[:2, 2] = False  # the third month lists from date 2
    n_days = np.full((n, depth), days, dtype=np.int64)
    first_fixed = np.full((n, depth), -1, dtype=np.int64)
    first_fixed[:, 0] = 0  # the front month's delivery began on the grid's first date
    pre_fixed = np.zeros((n, depth))
    pre_fixed[:, 0] = 4.0  # and 4 of its days fixed before the grid starts
    day_a = np.zeros((n, depth, days))
    day_w = np.zeros((n, depth, days))
    abar = np.zeros((n, depth))
    dmax = np.zeros((n, depth))
    moments = np.zeros((n, depth, terms))
    for i in range(n):
        for k in range(depth):
            fixed = 4 + i + 1 if k == 0 else 0  # days of the front month fixed by date i
            tau = (k * days + np.arange(days) - i) / 252.0
            unfixed = np.arange(days) >= fixed
            day_a[i, k, unfixed] = np.exp(-kappa * tau[unfixed])
            day_w[i, k, unfixed] = np.exp(-0.01 * tau[unfixed]) / days
            abar[i, k] = day_a[i, k, unfixed].mean()
            dev = day_a[i, k, unfixed] - abar[i, k]
            dmax[i, k] = np.abs(dev).max()
            moments[i, k] = [np.sum(day_w[i, k, unfixed] * dev**j) / math.factorial(j) for j in range(terms)]
    out = np.empty((N_PATHS, n, depth))
    return chi, xi, spot_cum, 2.35, listed, n_days, first_fixed, pre_fixed, abar, dmax, moments, day_a, day_w, out


def _monthly_average_regime_inputs() -> tuple[Any, ...]:
    """The same month with weights per regime (normal, shortage 20% dearer, glut 15% cheaper) and a regime path."""
    args = list(_monthly_average_inputs())
    scale = np.array([1.0, 1.2, 0.85])[:, None, None, None]
    args[10] = np.ascontiguousarray(scale * args[10][None])  # moments
    args[12] = np.ascontiguousarray(scale * args[12][None])  # day_w
    regime = np.zeros((N_PATHS, args[0].shape[1]), dtype=np.int64)
    regime[1, 2:] = 1
    regime[2, 4:] = 2
    return (*args, regime)


def _monthly_average_floor_inputs() -> tuple[Any, ...]:
    """The month with regimes and a $0.90 floor on the days still to fix (the front month's fixed days have none)."""
    args = _monthly_average_regime_inputs()
    n, depth = args[4].shape
    floor = np.full((n, depth), 0.9)
    floor[:, 0] *= 1.0 - (4.0 + np.arange(n) + 1.0) / 21.0  # the share of the front month still to fix
    return (*args, floor)


@covers(curve_kernels.price_monthly_average)
@pytest.mark.parametrize("case", ["plain", "priced regime", "regime and floor"])
def test_price_monthly_average(case: str) -> None:
    chi, dmax = _monthly_average_inputs()[0], _monthly_average_inputs()[9]
    y = np.abs(chi)[:, :, None] * dmax[None]
    assert (y <= curve_kernels.EXPANSION_LIMIT).any() and (y > curve_kernels.EXPANSION_LIMIT).any()
    make = {
        "plain": _monthly_average_inputs,
        "priced regime": _monthly_average_regime_inputs,
        "regime and floor": _monthly_average_floor_inputs,
    }[case]
    _, out = agree(curve_kernels.price_monthly_average, make)
    prices = out[13]
    assert np.isnan(prices[:, :2, 2]).all() and np.isfinite(prices[:, 2:, :]).all()
    if case == "regime and floor":  # the floor adds its part to every listed cell
        _, no_floor = agree(curve_kernels.price_monthly_average, _monthly_average_regime_inputs)
        floor = np.where(np.isnan(prices), np.nan, out[15][None])  # an unlisted slot stays NaN
        np.testing.assert_allclose(prices - no_floor[13], floor, rtol=1e-12, equal_nan=True)
    if case == "priced regime":  # the forward part of a shortage close is 20% dearer; realised fixings are not
        _, plain = agree(curve_kernels.price_monthly_average, _monthly_average_inputs)
        np.testing.assert_allclose(prices[0], plain[13][0], rtol=1e-14, equal_nan=True)
        np.testing.assert_allclose(prices[1, 2:, 1:], 1.2 * plain[13][1, 2:, 1:], rtol=1e-12)


@covers(curve_kernels.price_monthly_average)
def test_price_monthly_average_keep() -> None:
    """``keep`` leaves the cells not listed as they were, and a date with none listed costs nothing; else NaN."""
    base = list(_monthly_average_inputs())
    listed = base[4].copy()
    listed[4] = False  # no cell listed on date 4: the kernel skips the date
    base[4] = listed

    def args(keep: bool) -> tuple[Any, ...]:
        out = np.full(base[13].shape, -7.0)
        return (*base[:13], out, None, None, keep)

    _, kept = agree(curve_kernels.price_monthly_average, lambda: args(True))
    _, blank = agree(curve_kernels.price_monthly_average, lambda: args(False))
    hole = np.broadcast_to(~listed, kept[13].shape)
    assert (kept[13][hole] == -7.0).all() and np.isnan(blank[13][hole]).all()
    np.testing.assert_array_equal(kept[13][~hole], blank[13][~hole])
    _, full = agree(curve_kernels.price_monthly_average, _monthly_average_inputs)
    np.testing.assert_array_equal(blank[13][~hole], full[13][~hole])  # the other dates' prices are untouched


@covers(curve_kernels.price_monthly_average)
def test_price_monthly_average_weighted() -> None:
    """``weight``: each listed cell adds weight x price into ``out``, the numbers of pricing, then add_weighted."""
    base = list(_monthly_average_inputs())
    weight = np.full(base[4].shape, 0.5)
    weight[:, 1] = -0.25  # a leg that counts against the family in the second slot
    start = np.random.default_rng(5).normal(2.0, 0.1, base[13].shape)  # the legs added before this one

    def args() -> tuple[Any, ...]:
        return (*base[:13], start.copy(), None, None, False, weight)

    _, added = agree(curve_kernels.price_monthly_average, args)
    _, priced = agree(curve_kernels.price_monthly_average, _monthly_average_inputs)
    want = start.copy()
    market_kernels.add_weighted(want, readonly(priced[13]), readonly(weight))
    np.testing.assert_array_equal(added[13], want)
    assert (added[13][:, :2, 2] == start[:, :2, 2]).all()  # the cells not listed are left as they were


@covers(curve_kernels.average_moments)
def test_average_moments() -> None:
    # the front month's first days fixed (weight 0), the rest spread around their mean; three regimes
    rng = np.random.default_rng(4)
    cells, days, terms = 6, 21, curve_kernels.EXPANSION_TERMS
    a = np.exp(-4.0 * rng.uniform(0.0, 0.5, (cells, days)))
    fixed = np.arange(days)[None, :] < np.array([0, 3, 7, 20, 21, 0])[:, None]
    delta = np.where(fixed, 0.0, a - a.mean(axis=1, keepdims=True))
    w = np.where(fixed[None], 0.0, rng.uniform(0.03, 0.06, (3, cells, days)))
    factorial = np.array([math.factorial(j) for j in range(terms)], dtype=np.float64)

    def args() -> tuple[Any, ...]:
        return w, delta, factorial, np.full((3, cells, terms), np.nan)

    _, out = agree(curve_kernels.average_moments, args, rtol=0.0)
    # the array expression it replaces in the pricing plan, number for number
    powers = np.empty((cells, days, terms))
    powers[..., 0] = 1.0
    for j in range(1, terms):
        powers[..., j] = powers[..., j - 1] * delta
    want = (w[..., None] * powers).sum(axis=-2) / factorial
    assert np.array_equal(out[3], want) and not np.signbit(out[3][:, 4]).any()


# -- curves/market_kernels.py -----------------------------------------------------------------------------------
MARKET_LEGS = 3  # h100, b200 and memory: six correlated factors


@covers(market_kernels.market_path_draws)
@pytest.mark.parametrize("overlays", ["regime and jumps", "neither"])
def test_market_path_draws(overlays: str) -> None:
    dt = _grid_steps()
    m = len(dt)
    lam_dt = np.zeros((MARKET_LEGS, m))
    if overlays != "neither":
        lam_dt[1] = 40.0 * dt  # only b200 has launch jumps, many a day: counts above 1
    jumping = lam_dt.sum(axis=1) > 0
    jump_mean, jump_std = np.array([0.0, -0.1, 0.0]), np.array([0.0, 0.2, 0.0])

    def args() -> tuple[Any, ...]:
        (g,) = path_generators(11, [2])  # a fresh generator for each run: both draw the same stream
        z, u, jumps = np.empty((m, 2 * MARKET_LEGS)), np.zeros(m), np.empty((m, MARKET_LEGS))
        return g, lam_dt, jumping, overlays != "neither", jump_mean, jump_std, z, u, jumps

    _, out = agree(market_kernels.market_path_draws, args, rtol=0.0)
    jumps = out[8]
    assert np.isfinite(out[6]).all() and (out[7] != 0.0).any() == (overlays != "neither")
    assert (jumps[:, [0, 2]] == 0.0).all() and (jumps[:, 1] != 0.0).any() == (overlays != "neither")


@covers(market_kernels.market_state_draws)
def test_market_state_draws() -> None:
    """One path's market draws from its generator's state, then the launch uniforms: compiled and as Python."""
    dt = _grid_steps()
    m = len(dt)
    lam_dt = np.zeros((MARKET_LEGS, m))
    lam_dt[1] = 40.0 * dt  # one leg jumps, often
    jumping = lam_dt.sum(axis=1) > 0
    jump_mean, jump_std = np.array([0.0, -0.1, 0.0]), np.array([0.0, 0.05, 0.0])

    def args() -> tuple[Any, ...]:
        states = pcg64.pcg_states(path_generators(11, [2, 3]))
        z, u, jumps = np.empty((m, 2 * MARKET_LEGS)), np.zeros(m), np.empty((m, MARKET_LEGS))
        return states, 1, lam_dt, jumping, True, jump_mean, jump_std, z, u, jumps, np.empty(2)

    with np.errstate(over="ignore"):  # the Python twin's 128-bit arithmetic wraps numpy's uint64 words on purpose
        _, out = agree(market_kernels.market_state_draws, args, rtol=0.0)
    assert (out[0][0] == pcg64.pcg_states(path_generators(11, [2]))[0]).all()  # only path 1's generator stepped
    assert (out[9][:, 1] != 0.0).any() and (out[9][:, [0, 2]] == 0.0).all() and (out[10] > 0.0).all()


def _market_factor_inputs(needed: np.ndarray) -> tuple[Any, ...]:
    kappa = np.array([4.0, 4.0, 1.4])
    dt = _grid_steps()
    m, legs = len(dt), MARKET_LEGS
    decay = np.exp(-np.outer(dt, kappa))
    corr = np.kron(np.array([[1.0, 0.7, 0.2], [0.7, 1.0, 0.2], [0.2, 0.2, 1.0]]), np.array([[1.0, 0.3], [0.3, 1.0]]))
    sd = np.sqrt(np.outer(dt, [0.6**2, 0.2**2, 0.5**2, 0.15**2, 0.45**2, 0.15**2]))  # about sigma sqrt(dt)
    chol = np.linalg.cholesky(corr[None] * sd[:, :, None] * sd[:, None, :])
    step_kind = np.arange(m, dtype=np.int64)  # one factor per step: the kernel indexes them, whatever their number
    xi_drift = np.outer(dt, [-0.15, -0.15, -0.05])
    levels_ = np.array([[0.0, 0.35, -0.25], [0.0, 0.4, -0.3], [0.0, 0.0, 0.0]])  # memory has its own cycle
    rates = np.array([[-30.0, 20.0, 10.0], [60.0, -60.0, 0.0], [40.0, 0.0, -40.0]])  # switches a year: several here
    trans_cum = np.cumsum(np.eye(3)[None] + rates[None] * dt[:, None, None], axis=2)
    rng = np.random.default_rng(9)
    z = rng.standard_normal((N_PATHS, m, 2 * legs))
    u = rng.random((N_PATHS, m))
    jumps = np.zeros((N_PATHS, m, legs))
    jumps[:, :, 1] = np.where(rng.random((N_PATHS, m)) < 0.1, rng.normal(-0.1, 0.05, (N_PATHS, m)), 0.0)
    chi = np.full((legs, N_PATHS, m + 1), np.nan)  # a leg skipped stays NaN
    xi = np.full((legs, N_PATHS, m + 1), np.nan)
    regime = np.full((N_PATHS, m + 1), -1, dtype=np.int64)
    chi0, xi0 = np.array([0.25, 0.1, 0.6]), np.log([2.35, 5.48, 100.0]) - np.array([0.25, 0.1, 0.6])
    return chi0, xi0, 1, decay, chol, step_kind, xi_drift, levels_, trans_cum, z, u, jumps, needed, chi, xi, regime


@covers(market_kernels.market_factor_paths)
def test_market_factor_paths() -> None:
    every = np.ones(MARKET_LEGS, dtype=bool)
    _, out = agree(market_kernels.market_factor_paths, lambda: _market_factor_inputs(every))
    chi, xi, regime = out[-3:]
    assert np.isfinite(chi).all() and np.isfinite(xi).all() and len(np.unique(regime)) > 1
    some = np.array([False, True, False])  # a fund holding b200 alone: the other legs are skipped
    _, part = agree(market_kernels.market_factor_paths, lambda: _market_factor_inputs(some))
    assert np.isnan(part[-3][[0, 2]]).all() and np.isnan(part[-2][[0, 2]]).all()
    np.testing.assert_array_equal(part[-3][1], chi[1])  # the legs kept are the same numbers
    np.testing.assert_array_equal(part[-2][1], xi[1])
    np.testing.assert_array_equal(part[-1], regime)


@covers(market_kernels.market_state_paths)
def test_market_state_paths() -> None:
    """A chunk's draws and factor paths in one call: compiled, as Python, and the per-path kernels it replaces."""
    dt = _grid_steps()
    m = len(dt)
    lam_dt = np.zeros((MARKET_LEGS, m))
    lam_dt[1] = 40.0 * dt
    jumping = lam_dt.sum(axis=1) > 0
    draw = (lam_dt, jumping, True, np.array([0.0, -0.1, 0.0]), np.array([0.0, 0.05, 0.0]))
    factors = _market_factor_inputs(np.array([True, False, True]))
    model, needed, outputs = factors[:9], factors[12], factors[13:]
    scratch = (np.empty((1, m, 2 * MARKET_LEGS)), np.zeros((1, m)), np.empty((1, m, MARKET_LEGS)))

    def args() -> tuple[Any, ...]:
        states = pcg64.pcg_states(path_generators(11, range(N_PATHS)))
        return states, *draw, *model, needed, *scratch, *(a.copy() for a in outputs), np.empty((N_PATHS, 2))

    with np.errstate(over="ignore"):  # the Python twin's 128-bit arithmetic wraps numpy's uint64 words on purpose
        _, out = agree(market_kernels.market_state_paths, args, rtol=0.0)
    states = pcg64.pcg_states(path_generators(11, range(N_PATHS)))
    chi, xi, regime = (a.copy() for a in outputs)
    for row in range(N_PATHS):  # the two kernels a path, as the chunk called them before
        z, u, jumps = np.empty((1, m, 2 * MARKET_LEGS)), np.zeros((1, m)), np.empty((1, m, MARKET_LEGS))
        arrive = np.empty(2)
        with np.errstate(over="ignore"):
            market_kernels.market_state_draws(states, row, *draw, z[0], u[0], jumps[0], arrive)
        market_kernels.market_factor_paths(
            *model, z, u, jumps, needed, chi[:, row : row + 1], xi[:, row : row + 1], regime[row : row + 1]
        )
        np.testing.assert_array_equal(out[-1][row], arrive)
    for got, want in zip(out[-4:-1], (chi, xi, regime), strict=True):
        np.testing.assert_array_equal(got, want)
    assert np.isnan(out[-4][1]).all() and np.isfinite(out[-4][[0, 2]]).all()  # b200 not needed: left as it was


@covers(market_kernels.chain_spot)
def test_chain_spot() -> None:
    """The chained spot in one pass: compiled, as Python, and the block-by-block sums it replaced."""
    rng = np.random.default_rng(4)
    n = 40
    old = np.exp(rng.normal(0.0, 0.02, (N_PATHS, n)).cumsum(axis=1))
    new = np.exp(rng.normal(0.3, 0.02, (N_PATHS, n)).cumsum(axis=1))
    new[:, :12] = np.nan  # a chip before its launch: no level, counts as 0
    new[1, 17] = np.nan  # a missing print while both chips are held
    old[0, 30:] = 0.0  # a chip whose level fell to 0 while it was still all that was held: the chain stops
    weight = np.clip((np.arange(n) - 15) / 5.0, 0.0, 1.0)  # moved into over five days, none before day 16
    weights = np.stack([1.0 - weight, weight])
    weights[1, 30:] = 0.0  # ... and back out of it on day 31, onto the first chip alone
    weights[0, 30:] = 1.0
    spots = tuple(readonly(x) for x in (old, new))
    _, out = agree(market_kernels.chain_spot, lambda: (spots, weights, np.full(N_PATHS, 5.0), np.empty((N_PATHS, n))))
    levels_ = out[-1]
    num, den = np.zeros((N_PATHS, n - 1)), np.zeros((N_PATHS, n - 1))
    for x, w in zip((old, new), weights, strict=True):  # block by block, a zero weight adding nothing
        add = w[:-1] != 0.0
        num[:, add] += w[:-1][add] * np.nan_to_num(x[:, 1:][:, add])
        den[:, add] += w[:-1][add] * np.nan_to_num(x[:, :-1][:, add])
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(den > 0.0, num / den, np.nan)
    np.testing.assert_array_equal(levels_[:, 0], 5.0)
    np.testing.assert_array_equal(levels_[:, 1:], 5.0 * np.cumprod(step, axis=1))
    assert np.isnan(levels_[0, 31:]).all() and np.isfinite(levels_[0, :31]).all()
    assert np.isfinite(levels_[1]).all()  # the missing print counted 0 on both sides of its steps


@covers(market_kernels.add_weighted)
def test_add_weighted() -> None:
    """A family's leg added into its prices: bit for bit the three array steps it replaced (nan_to_num, *, +=)."""
    rng = np.random.default_rng(12)
    prices = np.exp(rng.normal(0.85, 0.1, (N_PATHS, 7, 3)))
    prices[0, 2, 1] = np.nan  # a cell this leg does not price
    prices[1, 4, 0] = np.inf  # nan_to_num's largest float, times a weight
    prices[2, 5, 2] = -np.inf
    coef = rng.uniform(0.0, 1.0, (7, 3))
    coef[3] = 0.0  # a date this leg does not count
    out0 = rng.normal(2.0, 0.1, (N_PATHS, 7, 3))  # another leg already in
    _, res = agree(market_kernels.add_weighted, lambda: (out0.copy(), readonly(prices), readonly(coef)), rtol=0.0)
    want = out0.copy()
    step = np.nan_to_num(prices.copy(), copy=False)
    step *= coef[None]
    want += step
    np.testing.assert_array_equal(res[0], want)
    assert res[0][0, 2, 1] == out0[0, 2, 1] and np.isfinite(res[0][1, 4, 0])


def _median_inputs() -> tuple[Any, ...]:
    """Four legs on 6 dates, 2 slots, 3 fixings a contract; cells with 4, 3 and 1 members, fixed days, one empty."""
    rng = np.random.default_rng(11)
    legs, n, rows, slots = 4, 6, 3, 2
    chi, xi = rng.normal(0.0, 0.3, (legs, N_PATHS, n)), rng.normal(0.8, 0.2, (legs, N_PATHS, n))
    spot = np.exp(rng.normal(0.9, 0.1, (N_PATHS, n)))
    cum = np.zeros((N_PATHS, n + 1))
    cum[:, 1:] = spot.cumsum(axis=1)
    date_off = np.array([0, 1, 2, 5, 6, 7], dtype=np.int64)
    day_off = np.array([[[5, 6, 7], [30, 31, 32]], [[5, 6, 7], [30, 31, 32]], [[5, 6, 7], [-1, -1, -1]]])
    n_days = np.array([[3.0, 3.0], [3.0, 3.0], [3.0, 0.0]])  # the last cell lists nothing
    first_fixed = np.array([[-1, -1], [3, -1], [3, -1]], dtype=np.int64)  # rows 0, 3, 4: two fixings known on 4
    pre_fixed = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    member = np.ones((rows, slots, legs), dtype=np.bool_)
    member[0, 1, 3] = False  # three members: the middle one
    member[1, 0, 1:] = False  # one member: its own forward
    gnodes = np.exp(rng.normal(0.0, 0.2, (40, 8, legs)))
    return (
        chi, xi, cum, 2.5, np.array([0, 3, 4], dtype=np.int64), date_off, day_off, n_days, first_fixed, pre_fixed,
        member, np.array([4.0, 2.0, 1.0, 3.0]), rng.normal(0.0, 0.05, (legs, 40)), rng.normal(0.0, 0.02, (legs, 40)),
        np.array([0.5, 0.0, 0.7, 0.5]), np.array([0.02, 0.0, 0.0, 0.01]), gnodes, np.empty((N_PATHS, rows, slots)),
    )  # fmt: skip


@covers(market_kernels.price_median)
def test_median_prices() -> None:
    _, out = agree(market_kernels.price_median, _median_inputs)
    prices = out[-1]
    assert np.isnan(prices[:, 2, 1]).all() and np.isfinite(prices[:, :2]).all() and np.isfinite(prices[:, 2, 0]).all()
    # by hand, the one-member cell (grid row 3, day 5): its fixing today from the running sum, then leg 0's forwards
    chi, xi, cum, a_tab, s_tab = out[0], out[1], out[2], out[12], out[13]
    fwd = [0.5 * np.exp(0.02 * d / 365) + np.exp(a_tab[0, d - 5] + s_tab[0, d] + xi[0, :, 3] + np.exp(-4.0 * (d - 5) / 365) * chi[0, :, 3]) for d in (6, 7)]  # fmt: skip
    np.testing.assert_allclose(prices[:, 1, 0], (cum[:, 4] - cum[:, 3] + fwd[0] + fwd[1]) / 3.0, rtol=1e-14)
    # ... and the four-member cell (grid row 0): the mean of the middle two at each node, numpy's median
    kappa, floor0, growth, g = out[11], out[14], out[15], out[16]
    total = np.full(N_PATHS, 2.5)  # one fixing before the grid, at spot0
    for d in (5, 6, 7):
        base = np.exp(
            (a_tab[:, d] + s_tab[:, d])[:, None] + xi[:, :, 0] + np.exp(-kappa * d / 365)[:, None] * chi[:, :, 0]
        )
        fl = (floor0 * np.exp(growth * d / 365))[:, None]
        y = fl[None] + base[None] * g[d][:, :, None]  # (nodes, legs, paths)
        total += (fl + base).mean(axis=0) + (np.median(y, axis=1) - y.mean(axis=1)).mean(axis=0)
    np.testing.assert_allclose(prices[:, 0, 0], total / 3.0, rtol=1e-13)


# -- index/levels.py --------------------------------------------------------------------------------------------
@covers(levels.fill_by_contract)
def test_fill_by_contract() -> None:
    prices = _prices()
    _, out = agree(levels.fill_by_contract, lambda: (prices, _slot_map(), np.empty_like(prices)))
    filled = out[-1]
    assert np.isnan(filled[1, 0, 1])  # no price yet: stays missing
    assert filled[2, 6, 1] == prices[2, 4, 1]  # the last print carried over the two missing days


@covers(levels.step_sums)
@pytest.mark.parametrize("case", ["shared schedule", "per-path schedule", "a held price missing"])
def test_step_sums(case: str) -> None:
    prices = _prices(holes=case == "a held price missing")
    weights = _roll_weights(1 if case == "shared schedule" else N_PATHS)
    shape = (N_PATHS, N_DATES - 1)
    trouble, out = agree(
        levels.step_sums, lambda: (prices, weights, _slot_map(), np.full(shape, np.nan), np.full(shape, np.nan))
    )
    assert trouble is (case == "a held price missing")
    assert np.isfinite(out[3]).all()  # a missing price is skipped, not summed as NaN


@covers(levels._levels)
@pytest.mark.parametrize("case", ["clean", "a held price missing"])
def test_levels(case: str) -> None:
    prices = _prices(holes=case != "clean")
    weights = _roll_weights(N_PATHS)
    invested = weights[0, :-1].sum(axis=1) > 0.0
    tbr = np.full(N_DATES - 1, 0.04 / 252.0)
    start = 1

    def args() -> tuple[Any, ...]:
        er = np.full((N_PATHS, N_DATES), np.nan)
        tr = np.full((N_PATHS, N_DATES), np.nan)
        er[:, start] = tr[:, start] = 100.0
        return prices, weights, _slot_map(), invested, tbr, start, 100.0, er, tr

    done, out = agree(levels._levels, args)
    assert done is (case == "clean")
    if done:
        assert np.isfinite(out[-1][:, start:]).all() and (out[-1][:, -1] > out[-2][:, -1]).all()  # TR earns bills


# -- roll/schedule.py -------------------------------------------------------------------------------------------
@covers(schedule.trade_mask_kernel)
@pytest.mark.parametrize("paths", [1, N_PATHS])
def test_trade_mask_kernel(paths: int) -> None:
    weights = _roll_weights(paths)
    if paths > 1:
        weights[2, 3, :2] = (0.5, 0.5)  # one path trades early
    _, out = agree(schedule.trade_mask_kernel, lambda: (weights, _slot_map(), 1e-12, np.zeros((paths, N_DATES), bool)))
    mask = out[-1]
    assert mask[0].tolist() == [t in (1, 5, 6, 7) for t in range(N_DATES)]  # buys, rolls; the expiry carries over


@covers(pairs._scatter_pairs)
def test_scatter_pairs() -> None:
    """Pairs onto fewer columns: compiled, as Python, and the dense loop it stands for (20 paths: two blocks)."""
    rng = np.random.default_rng(8)
    n, p, depth = N_DATES, 20, 5
    slots = np.full((2, n, p), -1, dtype=np.int32)
    slots[0] = rng.integers(0, depth, (n, p))
    second = rng.random((n, p)) < 0.4
    slots[1][second] = (slots[0][second] + 1 + rng.integers(0, depth - 1, second.sum())) % depth
    weights = np.where(slots >= 0, rng.random((2, n, p)), 0.0)
    place = np.where(rng.random((n, depth)) < 0.8, rng.integers(0, 3, (n, depth)), -1)
    # a date's kept slots go to different columns: the first three of a random order
    for t in range(n):
        kept = np.nonzero(place[t] >= 0)[0]
        place[t, kept[:3]] = rng.permutation(3)[: len(kept[:3])]
        place[t, kept[3:]] = -1
    _, out = agree(pairs._scatter_pairs, lambda: (slots, weights, place, np.zeros((p, n, 3))))
    want = np.zeros((p, n, 3))
    for q in range(2):
        for t in range(n):
            for path in range(p):
                s_ = slots[q, t, path]
                if s_ >= 0 and place[t, s_] >= 0:
                    want[path, t, place[t, s_]] = weights[q, t, path]
    np.testing.assert_array_equal(out[-1], want)
    assert (out[-1] != 0).sum() > n * p // 2  # most pairs land


@covers(schedule.first_unpriced_trade)
@pytest.mark.parametrize(
    ("case", "expected"),
    # path 2 has no print of the second month on closes 5 and 6, and the roll starts buying it on close 5
    [("all priced", (-1, -1, -1)), ("a roll without a price", (2, 5, 1)), ("per-path weights", (2, 5, 1))],
)
def test_first_unpriced_trade(case: str, expected: tuple[int, int, int]) -> None:
    prices = _prices(holes=case != "all priced")
    weights = _roll_weights(N_PATHS if case == "per-path weights" else 1)
    result, _ = agree(schedule.first_unpriced_trade, lambda: (weights, _slot_map(), prices, 1e-12))
    assert tuple(result) == expected


# -- metrics.py -------------------------------------------------------------------------------------------------
def _level_rows() -> np.ndarray:
    """NAV-like levels: a clean path, one with missing days and a level at zero, one never valid."""
    rng = np.random.default_rng(21)
    x = 25.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, (4, 40)), axis=1))
    x[1, 10:13] = np.nan
    x[1, 20] = 0.0  # log gives -inf: those two returns are not finite and do not count
    x[2, 30] = np.inf
    x[3, :] = np.nan
    x[:, 0] = np.nan  # before inception
    return x


@covers(metrics._log_return_moments)
@pytest.mark.parametrize("start", [0, 1, 5])
@pytest.mark.filterwarnings("ignore:divide by zero encountered in log:RuntimeWarning")  # numpy's log(0), in Python
def test_log_return_moments(start: int) -> None:
    x = _level_rows()
    _, out = agree(metrics._log_return_moments, lambda: (x, start, np.zeros(4, dtype=np.int64), np.full(4, -1.0)))
    count, sd = out[2], out[3]
    assert count[0] == 39 - max(start, 1) and count[3] == 0 and np.isnan(sd[3])  # column 0 is missing


@covers(metrics._max_drawdown)
@pytest.mark.parametrize("start", [0, 5])
def test_max_drawdown(start: int) -> None:
    x = _level_rows()
    x[2, :] = np.linspace(-1.0, -3.0, 40)  # never a positive peak: no drawdown
    _, out = agree(metrics._max_drawdown, lambda: (x, start, np.zeros(4)))
    dd = out[-1]
    assert (dd[:2] <= 0.0).all() and np.isnan(dd[2:]).all()


# -- fund/ledger.py and fund/limits.py: the kernels on the inputs ledger_inputs prepares -------------------------
LEDGER_CASES = {
    **FUND_CASES,
    "a held contract without a price": (FundConfig(), InvestorDemand(volatility=0.01, seed=7)),
    "re-denominated months, limits in contracts and dollars": (
        FundConfig(accountability_level=48_000, position_limit_notional=1.3e8, rebalance_band=0.002),
        InvestorDemand(mean=0.002, volatility=0.01, seed=11),
    ),
}


@pytest.fixture(scope="module")
def ledger_curve() -> tuple[FuturesCurve, RollSchedule]:
    """A year and a half of the default compute scenario, 3 paths, rolled like the S&P GSCI."""
    curve = dataclasses.replace(load_scenario(), years=1.5).simulate(paths=3, seed=11)
    return curve, roll_schedule(curve, "gsci")


def _ledger_case(ledger_curve: tuple[FuturesCurve, RollSchedule], case: str) -> tuple[Any, FuturesCurve]:
    curve, sched = ledger_curve
    config, demand = LEDGER_CASES[case]
    index = None
    if case == "a held contract without a price":
        index = ledger_inputs(curve, sched, config, demand, None, None, None).index  # the index has the price
        prices = np.array(curve.prices)
        held = np.nonzero(sched.weights[0, 60] > 0)[0][0]
        prices[1, 60, held] = np.nan  # path 1 stops there
        curve = dataclasses.replace(curve, prices=prices)
    contract = None
    if case.startswith("re-denominated"):  # months first listed from June 2024 (held from May 2026): 10,000 units
        from etfsim.contracts.spec import COMPUTE_H100

        contract = dataclasses.replace(COMPUTE_H100, multiplier_changes=(("2024-06-01", 10_000.0),))
    return ledger_inputs(curve, sched, config, demand, contract, None, index), curve


def _blank_ledger(rows: int, n: int, depth: int) -> tuple[Ledger, np.ndarray, np.ndarray]:
    """NaN-filled records, so an entry a kernel left unwritten shows (np.empty would hide it in noise)."""
    ledger = Ledger(*np.full((len(Ledger._fields), rows, n), np.nan))
    return ledger, np.full((rows, n, depth), np.nan), np.full((rows, n), -99, dtype=np.int64)


def _reduction(inputs: Any, keep: np.ndarray) -> Reduction:
    d = inputs.dates.astype("datetime64[D]")
    years = float((d[-1] - d[inputs.start]).astype(np.int64)) / 365.0
    tr = readonly(np.ascontiguousarray(inputs.index.tr, dtype=np.float64))
    return Reduction(tr, readonly(keep), years, float(inputs.config.post_settlement_share))


@covers(room_per_notional)
@pytest.mark.parametrize(
    ("case", "binds"),
    [
        ("default terms, demand", False),
        ("limits bind, creations halt", True),
        ("limits spread into later months", False),  # the month's limit moves the excess on instead
        ("limits in dollars and shares of open interest, creations halt", True),  # the share of open interest
        ("a limit in dollars spreads into later months", True),  # the all-months share of open interest
        ("a market that grows: open interest and volume by date", True),
    ],
)
def test_room_per_notional(ledger_curve: tuple[FuturesCurve, RollSchedule], case: str, binds: bool) -> None:
    inputs, _ = _ledger_case(ledger_curve, case)
    a = inputs.arrays
    (room, which), _ = agree(
        room_per_notional,
        lambda: (a.weights, a.month_limits, a.all_months_limit, a.size, a.spread_later, a.swap_on, inputs.terms),
    )
    assert (which > 0).any() == binds
    assert np.isinf(room[which == 0]).all()


@covers(_ledger.record_paths, _ledger.market_prices, _ledger.ledger_metrics)
@pytest.mark.parametrize("case", list(LEDGER_CASES))
def test_record_paths_and_their_reductions(ledger_curve: tuple[FuturesCurve, RollSchedule], case: str) -> None:
    inputs, curve = _ledger_case(ledger_curve, case)
    p, n, k = curve.prices.shape
    # sums of hundreds of days, and numba's pow is not Python's: equal to rounding, not bit for bit
    stopped, out = agree(
        _ledger.record_paths,
        lambda: (inputs.arrays, inputs.terms, inputs.start, *_blank_ledger(p, n, k)),
        rtol=1e-11,
    )
    ledger, status = out[3], out[5]
    assert stopped == (1 if case == "a held contract without a price" else -1)
    if stopped >= 0:
        return
    assert (status[:, inputs.start :] >= 0).all()
    agree(
        _ledger.market_prices,
        lambda: (ledger, float(inputs.config.post_settlement_share), np.full((p, n), np.nan), np.full((p, n), np.nan)),
        rtol=1e-11,
    )
    red = _reduction(inputs, np.zeros(0, dtype=np.int64))
    figures = np.full((p, len(METRICS)), np.nan)
    agree(_ledger.ledger_metrics, lambda: (ledger, status, inputs.start, red, figures), rtol=1e-11)


@covers(_ledger.summarise_paths)
@pytest.mark.parametrize(
    "case", ["limits spread into later months", "reverse splits and return chasing", "a held contract without a price"]
)
def test_summarise_paths(ledger_curve: tuple[FuturesCurve, RollSchedule], case: str) -> None:
    inputs, curve = _ledger_case(ledger_curve, case)
    p, n, k = curve.prices.shape
    keep = np.arange(0, n, 21, dtype=np.int64)  # about one date a month, some before inception
    red = _reduction(inputs, keep)
    stopped, _ = agree(
        _ledger.summarise_paths,
        lambda: (
            inputs.arrays, inputs.terms, inputs.start, red, *_blank_ledger(1, n, k),
            np.full((p, len(METRICS)), np.nan), np.full((p, keep.size), np.nan),
        ),
        rtol=1e-11,
    )  # fmt: skip
    assert stopped == (1 if case == "a held contract without a price" else -1)


@covers(kalman_filter)
def test_kalman_filter() -> None:
    # a history panel: five dates, three contracts rolling nearer, missing prints and one error bucket shared
    rng = np.random.default_rng(5)
    tau = np.array([[0.1, 0.5, 1.0]]) - np.arange(5)[:, None] * (7 / 365)
    y = np.log(2.35) + rng.normal(0.0, 0.05, (5, 3))
    y[1, 2] = y[3, 0] = np.nan
    tau[4, 1] = np.nan
    theta = np.array([2.0, 0.4, 0.1, -0.05, 0.2, 0.3, 0.02])
    bucket = np.tile(np.array([0, 1, 1], dtype=np.int64), (5, 1))
    dt = np.array([0.0, 7 / 365, 7 / 365, 14 / 365, 7 / 365])
    ll, _ = agree(
        kalman_filter,
        lambda: (
            theta, np.array([0.02, 0.005]), y, tau, bucket, dt, np.array([0.0, np.log(2.35)]),
            np.array([1.0, 0.0, 1.0]), np.zeros((5, 2)), np.zeros((5, 3)), np.zeros(5),
        ),
        rtol=1e-12,
    )  # fmt: skip
    assert math.isfinite(ll)


# -- the meta-test ----------------------------------------------------------------------------------------------
def package_kernels() -> dict[str, Kernel]:
    """Every kernel defined in an etfsim module (re-exports counted once, where they are defined)."""
    found: dict[str, Kernel] = {}
    for info in pkgutil.walk_packages(etfsim.__path__, "etfsim."):
        if info.name.startswith(("etfsim.check", "etfsim.__main__")):  # vectorbt's cross-check; the CLI's start
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if _is_kernel(obj) and obj.py_func.__module__ == module.__name__:
                found[_name(obj)] = obj
    return found


def test_every_kernel_has_an_agreement_test() -> None:
    kernels = package_kernels()
    assert {"etfsim.index.levels.step_sums", "etfsim.metrics._max_drawdown"} <= set(kernels)
    reached: set[str] = set()
    todo = [kernels[n] for n in TESTED if n in kernels]
    while todo:
        k = todo.pop()
        if _name(k) not in reached:
            reached.add(_name(k))
            todo.extend(callees(k).values())
    missing = sorted(set(kernels) - reached)
    assert not missing, f"kernels without an agreement test in {__name__}: {', '.join(missing)}"
    stale = sorted(TESTED - set(kernels))
    assert not stale, f"tested here but no longer kernels in the package: {', '.join(stale)}"


def test_python_twin_runs_callees_as_python() -> None:
    # a kernel's .py_func alone would call its callees compiled; the twin swaps each for its own twin
    calls = {name: k for name, k in package_kernels().items() if callees(k)}
    assert calls, "no kernel calls another: nothing to check"
    for kernel in calls.values():
        scope = python_twin(kernel).__globals__
        for name, callee in callees(kernel).items():
            assert scope[name].__code__ is callee.py_func.__code__ and not hasattr(scope[name], "py_func")
