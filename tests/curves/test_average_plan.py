"""Monthly-average coefficients worked out for the cells asked for are the whole grid's, bit for bit.

Reference: :func:`etfsim.curves.average_plan.monthly_average_plan`, the plan of
every cell (the one every curve used before, whose bytes the default run's test
pins), indexed as a curve indexes it (``MonthlyAveragePlan.at``).
"""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np
import pytest

from etfsim.contracts import COMPUTE_H100
from etfsim.curves.average_plan import AveragePlanCells, MonthlyAveragePlan, monthly_average_plan
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.curves.simulate import pricing_plan, simulation_grid
from etfsim.scenario import load_scenario

DATES = np.asarray(simulation_grid("NYSE", "2026-04-15", years=1.5), dtype="datetime64[D]")
DEPTH = 8


def _both(model: SchwartzSmith) -> tuple[MonthlyAveragePlan, AveragePlanCells]:
    listing = COMPUTE_H100.listing(DATES, DEPTH)
    listed = listing.contracts != ""
    whole = monthly_average_plan(model, COMPUTE_H100, DATES, listing, listed)
    return whole, AveragePlanCells(model, COMPUTE_H100, DATES, listing, listed)


def _assert_same(a: MonthlyAveragePlan, b: MonthlyAveragePlan) -> None:
    for x, y in zip(a.arrays(), b.arrays(), strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)


MODELS = {
    "three priced regimes": load_scenario().model,  # the default: shortage / normal / glut
    "no regime": replace(load_scenario().model, overlays=replace(load_scenario().model.overlays, regime=None)),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_cells_asked_for_are_the_whole_plans_cells(name: str) -> None:
    whole, cells = _both(MODELS[name])
    assert cells.regimes == whole.regimes == (3 if name == "three priced regimes" else 1)
    n = len(DATES)
    rows = np.arange(n)[:, None]
    rng = np.random.default_rng(4)
    for m in (1, 2, 3, DEPTH):  # a front-month roll, the GSCI window, a strip, every slot
        sel = np.sort(np.argsort(rng.random((n, DEPTH)), axis=1)[:, :m], axis=1)  # m distinct slots a date
        _assert_same(cells.at((rows, sel)), whole.at((rows, sel)))
    some = np.array([0, 7, n - 1, 120])  # whole dates, every slot of each (price_rows)
    _assert_same(cells.at(some), whole.at(some))
    _assert_same(cells.at(np.array([-1, -2])), whole.at(np.array([-1, -2])))  # counted from the end, as numpy does


def test_each_index_is_worked_out_once_and_a_few_are_kept() -> None:
    _, cells = _both(MODELS["three priced regimes"])
    rows = np.arange(len(DATES))[:, None]
    first = cells.at((rows, np.zeros((len(DATES), 1), dtype=np.int64)))
    assert cells.at((rows, np.zeros((len(DATES), 1), dtype=np.int64))) is first  # the next chunk's ask
    assert not first.day_w.flags.writeable  # shared by every chunk that asks
    for s in range(1, 9):  # eight other indices push the first out
        cells.at((rows, np.full((len(DATES), 1 + s // DEPTH), s % DEPTH, dtype=np.int64)))
    again = cells.at((rows, np.zeros((len(DATES), 1), dtype=np.int64)))
    assert again is not first
    _assert_same(again, first)


def test_an_index_outside_the_grid_or_not_of_integers_is_refused() -> None:
    _, cells = _both(MODELS["no regime"])
    n = len(DATES)
    with pytest.raises(IndexError, match="date index"):
        cells.at(np.array([n]))
    with pytest.raises(IndexError, match="slot index"):
        cells.at((np.arange(n)[:, None], np.full((n, 1), DEPTH)))
    with pytest.raises(IndexError, match="date index"):
        cells.at(np.array([-n - 1]))
    with pytest.raises(IndexError, match="integer arrays"):
        cells.at(np.ones(n, dtype=bool))


def test_cells_travel_to_another_process_with_what_they_kept() -> None:
    whole, cells = _both(MODELS["three priced regimes"])
    rows = np.arange(len(DATES))[:, None]
    sel = np.tile(np.array([1, 2]), (len(DATES), 1))
    cells.at((rows, sel))
    copy = pickle.loads(pickle.dumps(cells))
    _assert_same(copy.at((rows, sel)), whole.at((rows, sel)))
    _assert_same(copy.at(np.array([3])), whole.at(np.array([3])))  # and works out new ones


def test_a_chunked_curve_prices_from_its_cells_what_the_whole_plan_prices() -> None:
    sc = replace(load_scenario(), years=1.0)
    (lazy,) = list(sc.iter_chunks(paths=3, chunk_size=3, lazy_prices=True, first_path=2))
    assert isinstance(lazy.plan.avg, AveragePlanCells)
    whole = pricing_plan(lazy.plan.avg._args[0], sc.contract, lazy.dates, lazy.depth)
    assert isinstance(whole.avg, MonthlyAveragePlan)
    sel = np.tile(np.array([0, 2]), (lazy.n_dates, 1))
    np.testing.assert_array_equal(lazy.price_slots(sel), replace(lazy, plan=whole).price_slots(sel))


@pytest.mark.parametrize("model", list(MODELS.values()), ids=list(MODELS))
@pytest.mark.parametrize("chi_scale", [0.3, 40.0, "nan"], ids=["series", "days summed", "a NaN factor"])
def test_a_plan_without_its_days_prices_what_the_plan_with_them_prices(model: SchwartzSmith, chi_scale: object) -> None:
    """The days are left out of a grid's plan (289 MB on the default market) and worked out when a price needs them.

    A factor path large enough that the series cannot converge, or NaN, makes the kernel sum days one by
    one: the plan then works its days out (the same numbers as the plan that kept them); otherwise it
    never does.  Prices compared bit for bit against the plan that kept its days.
    """
    listing = COMPUTE_H100.listing(DATES, DEPTH)
    listed = listing.contracts != ""
    kept = monthly_average_plan(model, COMPUTE_H100, DATES, listing, listed)
    lean = monthly_average_plan(model, COMPUTE_H100, DATES, listing, listed, keep_days=False)
    assert kept.keeps_days and not lean.keeps_days and lean.day_w.shape[-1] == 0
    rng = np.random.default_rng(5)
    chi = rng.normal(0.0, 0.3 if chi_scale == "nan" else float(chi_scale), (3, len(DATES)))
    if chi_scale == "nan":
        chi[1, 7] = np.nan
    xi = rng.normal(0.8, 0.1, chi.shape)
    cum = np.zeros((3, len(DATES) + 1))
    np.cumsum(np.exp(xi), axis=1, out=cum[:, 1:])
    regime = rng.integers(0, kept.regimes, chi.shape).astype(np.int64)
    cells = (np.arange(len(DATES))[:, None], np.tile(np.arange(DEPTH), (len(DATES), 1)))
    prices = []
    for plan in (kept, lean):
        out = np.empty((3, len(DATES), DEPTH))
        plan.at(cells).price(chi, xi, cum, 2.35, out, regime)
        prices.append(out)
    np.testing.assert_array_equal(prices[0].view(np.int64), prices[1].view(np.int64))
    needed = lean.needs_days(chi)
    assert needed == (chi_scale != 0.3)  # the series converges on small factors: no days worked out
    assert (lean.source is not None and lean.source._plan is not None) == needed
    # the kernel on a plan without days never prices such a cell wrongly: it leaves it NaN
    if chi_scale == 40.0:
        from etfsim.curves import kernels

        raw = np.empty_like(prices[0])
        kernels.price_monthly_average(
            chi, xi, cum, 2.35, *lean.arrays(), out=raw, regime=regime if kept.regimes > 1 else None
        )
        summed = ~(np.abs(chi)[:, :, None] * lean.dmax[None] <= kernels.EXPANSION_LIMIT) & lean.listed[None]
        assert summed.any() and np.isnan(raw[summed]).all()
        np.testing.assert_array_equal(raw[~summed], prices[0][~summed])


def test_a_plan_without_its_days_travels_to_another_process() -> None:
    listing = COMPUTE_H100.listing(DATES, DEPTH)
    listed = listing.contracts != ""
    model = load_scenario().model
    lean = monthly_average_plan(model, COMPUTE_H100, DATES, listing, listed, keep_days=False)
    copy = pickle.loads(pickle.dumps(lean.at(np.array([2, 5]))))
    _assert_same(
        copy.with_days(), monthly_average_plan(model, COMPUTE_H100, DATES, listing, listed).at(np.array([2, 5]))
    )
