"""The Curve protocol: a model curve and its fully priced FuturesCurve answer every stage alike.

Reference: ``ModelCurve.to_curve()`` prices every listed contract with the
same closed form, so on the same paths each shared method must give the same
numbers, exactly.  Also here: ``first_path`` (a chunk's place in its run) as an
attribute, carried by every selection and by the curve file, and the typed
monthly-average pricing plan.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from etfsim.contracts import COMPUTE_H100, WTI
from etfsim.curves import Curve, FuturesCurve, ModelCurve, simulate_curve
from etfsim.curves.curve import read_curve, term_structure_shares
from etfsim.curves.io import read_header, write_curve, write_curve_chunks
from etfsim.curves.simulate import MonthlyAveragePlan, pricing_plan, simulation_grid
from etfsim.exceptions import DataError
from etfsim.roll import restrict, roll_schedule
from etfsim.scenario import load_scenario


@pytest.fixture(scope="module")
def short():
    return replace(load_scenario(), years=1.0)


@pytest.fixture(scope="module")
def pair(short) -> tuple[ModelCurve, FuturesCurve]:
    """Paths 4..7 of a run, as a model curve and as its fully priced curve."""
    (lazy,) = list(short.iter_chunks(paths=4, chunk_size=4, lazy_prices=True, first_path=4))
    return lazy, lazy.to_curve()


# -- both are curves ----------------------------------------------------------------------


def test_both_classes_satisfy_the_protocol(pair) -> None:
    lazy, full = pair
    assert isinstance(lazy, Curve) and isinstance(full, Curve)
    assert not isinstance(object(), Curve)
    assert not isinstance(pd.DataFrame(), Curve)


def test_the_protocol_check_prices_nothing(pair, monkeypatch: pytest.MonkeyPatch) -> None:
    lazy, _ = pair

    def refuse(*_args: object) -> None:
        raise AssertionError("isinstance priced a contract")

    monkeypatch.setattr(ModelCurve, "price_slots", refuse)
    monkeypatch.setattr(ModelCurve, "price_rows", refuse)
    assert isinstance(lazy, Curve)


def test_listing_and_shape_agree(pair) -> None:
    lazy, full = pair
    for name in ("n_paths", "n_dates", "depth", "first_path"):
        assert getattr(lazy, name) == getattr(full, name), name
    np.testing.assert_array_equal(lazy.dates, full.dates)
    np.testing.assert_array_equal(lazy.contracts, full.contracts)
    np.testing.assert_array_equal(lazy.expiries, full.expiries)
    np.testing.assert_array_equal(lazy.spot, full.spot)
    assert dict(lazy.metadata) == dict(full.metadata)
    assert lazy.held is None and full.held is None


def test_front_two_and_contango_share_agree(pair) -> None:
    lazy, full = pair
    np.testing.assert_array_equal(lazy.front_two(), full.front_two())
    np.testing.assert_array_equal(full.front_two(), full.prices[:, :, :2])
    share = full.contango_share()
    np.testing.assert_array_equal(lazy.contango_share(), share)
    f0, f1 = full.prices[:, :, 0], full.prices[:, :, 1]
    np.testing.assert_allclose(share, (f1 > f0).mean(axis=1), rtol=1e-15)  # every date has both prices here
    assert lazy.term_structure_state() == full.term_structure_state()
    # what the command line's curve table works out from the front two it prices once, counted here
    state = term_structure_shares(lazy.front_two())
    assert state == lazy.term_structure_state()
    assert state["contango"] == (f1 > f0).sum() / f0.size and state["backwardation"] == (f1 < f0).sum() / f0.size


def test_prices_on_some_dates_and_snapshots_agree(pair) -> None:
    lazy, full = pair
    rows = [0, 17, full.n_dates - 1]
    np.testing.assert_array_equal(lazy.price_rows(rows), full.price_rows(rows))
    np.testing.assert_array_equal(full.price_rows(rows), full.prices[:, rows])
    for date, path in ((None, 0), ("2026-08-01", 2)):  # a Saturday: the close before it
        pd.testing.assert_frame_equal(lazy.snapshot(date, path), full.snapshot(date, path))
    snap = full.snapshot("2026-08-01", 2)
    i = int(np.searchsorted(full.dates, np.datetime64("2026-08-01"), side="right")) - 1
    np.testing.assert_array_equal(snap["price"].to_numpy(), full.prices[2, i][full.contracts[i] != ""])


def test_selecting_paths_agrees_and_keeps_the_run_index(pair) -> None:
    lazy, full = pair
    a, b = lazy.select_paths([1, 2]), full.select_paths([1, 2])
    assert isinstance(a, ModelCurve) and isinstance(b, FuturesCurve)
    assert a.first_path == b.first_path == 5  # paths 5 and 6 of the run
    np.testing.assert_array_equal(a.to_curve().prices, b.prices)
    np.testing.assert_array_equal(a.contango_share(), full.contango_share()[1:3])
    assert full.select(paths=3).first_path == 7
    assert full.select(paths=slice(2, None)).first_path == 6
    assert full.select(start="2026-06-01").first_path == 4  # a date range keeps every path
    with pytest.raises(DataError, match="out of range"):
        lazy.select_paths([4])


@pytest.mark.parametrize("rule", ["gsci", "optimum_yield"])
def test_restrict_agrees(pair, rule: str) -> None:
    lazy, full = pair
    sched_lazy, sched_full = roll_schedule(lazy, rule), roll_schedule(full, rule)
    np.testing.assert_array_equal(sched_lazy.weights, sched_full.weights)
    a, sa, slots_a = restrict(lazy, sched_lazy)
    b, sb, slots_b = restrict(full, sched_full)
    np.testing.assert_array_equal(slots_a, slots_b)
    np.testing.assert_array_equal(a.prices, b.prices)
    np.testing.assert_array_equal(a.contracts, b.contracts)
    np.testing.assert_array_equal(sa.weights, sb.weights)
    assert a.first_path == b.first_path == 4
    assert a.metadata["restricted_to"] == b.metadata["restricted_to"] == rule
    assert full.to_curve() is full


def test_curve_plot_draws_the_snapshot(pair) -> None:
    lazy, full = pair
    for curve in (lazy, full):
        ax = curve.plot(path=1, date="2026-08-01", ax=Figure().add_subplot())
        futures, spot = ax.get_lines()
        snap = full.snapshot("2026-08-01", 1)
        np.testing.assert_array_equal(futures.get_ydata(), snap["price"].to_numpy())
        i = int(np.searchsorted(full.dates, np.datetime64("2026-08-01"), side="right")) - 1
        assert spot.get_ydata()[0] == full.spot[1, i]
        assert [t.get_text() for t in ax.get_xticklabels()][0] == snap["contract"].iloc[0]
        assert "path 5" in ax.get_title()


def test_curve_plot_without_axes_makes_a_figure(pair) -> None:
    import matplotlib.pyplot as plt

    _, full = pair
    ax = full.plot()
    try:
        np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), full.snapshot(path=0)["price"].to_numpy())
    finally:
        plt.close(ax.figure)


# -- the front two slots of a one-slot curve --------------------------------------------------


def test_front_two_of_a_one_slot_curve_is_nan_padded() -> None:
    dates = np.array(["2026-01-05", "2026-01-06"], dtype="datetime64[ns]")
    curve = FuturesCurve(
        dates,
        np.array([[[2.0], [2.1]]]),
        np.array([["A"], ["A"]], dtype=object),
        np.full((2, 1), "2026-02-01", "M8[D]"),
    )
    front = curve.front_two()
    assert front.shape == (1, 2, 2)
    np.testing.assert_array_equal(front[0, :, 0], [2.0, 2.1])
    assert np.isnan(front[:, :, 1]).all()
    assert np.isnan(curve.contango_share()).all()  # no date has a second price
    assert all(np.isnan(v) for v in term_structure_shares(front).values())


# -- first_path -------------------------------------------------------------------------------


def test_chunks_carry_their_place_in_the_run(short) -> None:
    for lazy in (True, False):
        chunks = list(short.iter_chunks(paths=5, chunk_size=2, lazy_prices=lazy, first_path=4))
        assert [c.first_path for c in chunks] == [4, 6, 8]
        assert all("first_path" not in c.metadata for c in chunks)  # an attribute, not a metadata key
    whole = short.simulate(paths=3)
    assert whole.first_path == 0
    kw = {name: getattr(short, name) for name in ("start", "years", "seed", "spot", "chi0", "contract", "regime0")}
    later = simulate_curve(short.model, 2, first_path=1, chunk_size=1, **kw)
    assert later.first_path == 1
    np.testing.assert_array_equal(later.prices, whole.prices[1:])  # path i is the same in any run


def test_first_path_must_be_a_whole_number(pair) -> None:
    _, full = pair
    for bad in (-1, 1.5, True):
        with pytest.raises(DataError, match="first_path"):
            replace(full, first_path=bad)


def test_first_path_survives_a_spot_and_the_file(pair, tmp_path: Path) -> None:
    _, full = pair
    spot = pd.Series(np.linspace(2.0, 3.0, full.n_dates), index=pd.DatetimeIndex(full.dates))
    assert full.select(paths=[0]).with_spot(spot).first_path == 4
    write_curve(full, tmp_path / "c.parquet")
    assert read_header(tmp_path / "c.parquet")["first_path"] == 4
    back = read_curve(tmp_path / "c.parquet")
    assert back.first_path == 4
    np.testing.assert_array_equal(back.prices, full.prices)
    # a whole run's file (first_path 0) writes no key: its bytes are as before the attribute
    write_curve(replace(full, first_path=0), tmp_path / "z.parquet")
    assert "first_path" not in read_header(tmp_path / "z.parquet")
    assert read_curve(tmp_path / "z.parquet").first_path == 0
    # chunks written as one file: the file starts at the first chunk's first path
    write_curve_chunks([full.select(paths=[0, 1]), full.select(paths=[2, 3])], tmp_path / "k.parquet", n_paths=4)
    assert read_curve(tmp_path / "k.parquet").first_path == 4


# -- the pricing plan -------------------------------------------------------------------------


def test_pricing_plan_holds_a_typed_monthly_average_record(short) -> None:
    dates = simulation_grid("NYSE", "2026-04-15", years=0.25)
    avg = pricing_plan(short.model, COMPUTE_H100, dates, 4).avg
    assert isinstance(avg, MonthlyAveragePlan)
    arrays = avg.arrays()
    assert len(arrays) == 9 and arrays[0] is avg.listed and arrays[-1] is avg.day_w
    assert all(not a.flags.writeable for a in arrays)  # shared by every curve built from the plan
    # the default scenario's shortage/glut regime is priced: the weights carry a leading regime axis
    assert avg.regimes == 3 and avg.moments.shape[:3] == (3, len(dates), 4)
    # the days (read only where a cell's series would not converge) are left out until a price needs them
    assert not avg.keeps_days and avg.day_a.shape == (len(dates), 4, 0)
    full = avg.with_days()
    assert full.keeps_days and avg.listed.shape == full.day_a.shape[:2] == (len(dates), 4)
    cells = avg.at((np.array([[0], [3]]), np.array([[1], [2]]))).with_days()
    assert cells.listed.shape == (2, 1) and cells.day_a[1, 0].tolist() == full.day_a[3, 2].tolist()
    assert cells.day_w.shape[:3] == (3, 2, 1) and cells.day_w[2, 1, 0].tolist() == full.day_w[2, 3, 2].tolist()
    assert pricing_plan(short.model, WTI, dates, 4).avg is None  # WTI settles on one final price


def test_curves_and_schedules_explain_themselves(pair) -> None:
    lazy, full = pair
    for curve, kind in ((lazy, "ModelCurve"), (full, "FuturesCurve")):
        assert repr(curve) == f"<{kind} paths={curve.n_paths} dates={curve.n_dates} depth={curve.depth}>"
        assert str(curve).startswith(kind) and "contango" in str(curve)
        assert (
            "<table" in curve._repr_html_() and str(curve.snapshot(path=0)["contract"].iloc[0]) in curve._repr_html_()
        )
    schedule = roll_schedule(full, "gsci")
    pd.testing.assert_frame_equal(schedule.to_frame(), schedule.holdings(0))
    assert "<table" in schedule._repr_html_() and "\n" not in repr(schedule)
