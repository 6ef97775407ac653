"""The long-table export (etfsim.curves.export), read back by polars and DuckDB without etfsim.

Every row is checked against the curve's own arrays: its price, contract code,
expiry and spot at that path, date and slot.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from etfsim.curves.curve import FuturesCurve, read_curve
from etfsim.curves.export import PATHS_PER_GROUP, export_long
from etfsim.curves.io import write_curve, write_curve_chunks
from etfsim.exceptions import ConfigError, FileFormatError
from etfsim.scenario import load_scenario
from tests.curves.test_compact_files import single_curve
from tests.curves.test_io import make_curve

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")


def _expected(curve: FuturesCurve, first_path: int = 0) -> dict[str, np.ndarray]:
    """The rows the export must hold, built from the curve's arrays: every path, date and listed slot."""
    d, s = np.nonzero(curve.contracts != "")
    p = curve.n_paths
    rows = {
        "path": np.repeat(np.arange(p) + first_path, len(d)),
        "date": np.tile(curve.dates[d], p),
        "slot": np.tile(s, p),
        "contract": np.tile(curve.contracts[d, s], p),
        "expiry": np.tile(curve.expiries[d, s], p),
        "price": curve.prices[:, d, s].reshape(-1),
    }
    if curve.spot is not None:
        rows["spot"] = curve.spot[:, d].reshape(-1)
    return rows


def _check_polars(out: Path, curve: FuturesCurve, first_path: int = 0) -> None:
    frame = pl.read_parquet(out)
    want = _expected(curve, first_path)
    assert frame.columns == list(want)
    assert frame.height == len(want["path"])
    assert frame.schema["contract"] == pl.String and frame.schema["expiry"] == pl.Date
    assert frame.schema["path"] == pl.Int32 and frame.schema["slot"] == pl.Int32
    np.testing.assert_array_equal(frame["path"].to_numpy(), want["path"])
    np.testing.assert_array_equal(frame["slot"].to_numpy(), want["slot"])
    np.testing.assert_array_equal(frame["date"].to_numpy().astype("datetime64[ns]"), want["date"])
    assert frame["contract"].to_list() == want["contract"].tolist()
    np.testing.assert_array_equal(frame["expiry"].to_numpy().astype("datetime64[D]"), want["expiry"])
    price = frame["price"]
    assert price.null_count() == int(np.isnan(want["price"]).sum())  # a missing print is null, never NaN
    assert price.to_numpy().astype(np.float64).tobytes() == want["price"].tobytes()
    if "spot" in want:
        assert frame["spot"].to_numpy().astype(np.float64).tobytes() == want["spot"].tobytes()


def _check_duckdb(out: Path, curve: FuturesCurve) -> None:
    got = dict(duckdb.sql(f"select contract, avg(price) from '{out}' group by 1").fetchall())
    want = _expected(curve)
    codes = sorted(set(want["contract"].tolist()))
    assert sorted(got) == codes
    for code in codes:
        prices = want["price"][want["contract"] == code]
        np.testing.assert_allclose(got[code], np.nanmean(prices), rtol=1e-12, err_msg=code)
    # fetchall: the one way to fetch that every DuckDB release since 1.1 has
    assert duckdb.sql(f"select count(*) from '{out}' where isnan(price)").fetchall() == [(0,)]
    n_null = duckdb.sql(f"select count(*) from '{out}' where price is null").fetchall()
    assert n_null == [(int(np.isnan(want["price"]).sum()),)]
    first = duckdb.sql(f"select expiry from '{out}' where path = 0 and slot = 0 order by date limit 1").fetchall()
    assert np.datetime64(first[0][0], "D") == curve.expiries[0, 0]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[FuturesCurve, Path]:
    """A quarter of the default single-chip scenario, three paths: the listing calendar's codes (GPUJ26..)."""
    scenario = dataclasses.replace(load_scenario(), years=0.25)
    curve = scenario.simulate(paths=3, seed=7)
    return curve, write_curve(curve, tmp_path_factory.mktemp("export") / "sim.parquet")


def test_a_simulated_curve_reads_back_in_polars_and_duckdb(
    simulated: tuple[FuturesCurve, Path], tmp_path: Path
) -> None:
    curve, f = simulated
    out = export_long(f, tmp_path / "long.parquet")
    _check_polars(out, curve)
    _check_duckdb(out, curve)
    listed = {str(c) for c in curve.contracts.ravel() if c}
    assert set(pl.read_parquet(out)["contract"].unique().to_list()) == listed and "GPUJ26" in listed


def test_gaps_unlisted_slots_and_negative_prices(tmp_path: Path) -> None:
    curve = make_curve(n_paths=4, n_dates=40)  # NaN prints, a shallow tail, prices below zero, a subnormal
    out = export_long(write_curve(curve, tmp_path / "c.parquet"), tmp_path / "long.parquet")
    _check_polars(out, curve)
    _check_duckdb(out, curve)


def test_a_curve_without_spot_has_no_spot_column(tmp_path: Path) -> None:
    curve = make_curve(spot=False)
    out = export_long(write_curve(curve, tmp_path / "c.parquet"), tmp_path / "long.parquet")
    assert "spot" not in pl.read_parquet(out).columns
    _check_polars(out, curve)


def test_a_float32_file_exports_float32_prices(tmp_path: Path) -> None:
    f = write_curve(single_curve(), tmp_path / "c32.parquet", precision="float32")
    out = export_long(f, tmp_path / "long.parquet")
    frame = pl.read_parquet(out)
    assert frame.schema["price"] == pl.Float32 and frame.schema["spot"] == pl.Float32
    _check_polars(out, read_curve(f))  # the values read_curve gives, float32 widened


def test_the_paths_are_the_runs_paths(tmp_path: Path) -> None:
    curve = dataclasses.replace(make_curve(n_paths=3), first_path=40)
    out = export_long(write_curve(curve, tmp_path / "c.parquet"), tmp_path / "long.parquet")
    _check_polars(out, curve, first_path=40)
    assert json.loads(pq.read_schema(out).metadata[b"etfsim"])["first_path"] == 40


@pytest.mark.parametrize("group", [1, 2, 5, 100])
def test_row_groups_hold_whole_paths_and_the_rows_do_not_depend_on_them(tmp_path: Path, group: int) -> None:
    curve = make_curve(n_paths=5, n_dates=40)
    # a file of two chunks, so the reader crosses a row group of the curve file in mid-path
    f = write_curve_chunks([curve.select_paths([0, 1, 2]), curve.select_paths([3, 4])], tmp_path / "c.parquet", 5)
    out = export_long(f, tmp_path / "long.parquet", paths_per_group=group)
    _check_polars(out, curve)
    meta = pq.read_metadata(out)
    per_path = int((curve.contracts != "").sum())
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sum(sizes) == 5 * per_path and all(n % per_path == 0 for n in sizes)
    assert max(sizes) <= group * per_path


def test_reading_the_export_as_a_curve_says_what_it_is(tmp_path: Path) -> None:
    out = export_long(write_curve(make_curve(), tmp_path / "c.parquet"), tmp_path / "long.parquet")
    with pytest.raises(FileFormatError, match="is a long-table export of a curve .* not a curve file"):
        read_curve(out)


@pytest.mark.parametrize("group", [0, -3, 2.5, True, "10"])
def test_a_bad_paths_per_group_is_refused(tmp_path: Path, group: object) -> None:
    f = write_curve(make_curve(), tmp_path / "c.parquet")
    with pytest.raises(ConfigError, match=rf"^paths_per_group must be a whole number >= 1 .*default {PATHS_PER_GROUP}"):
        export_long(f, tmp_path / "long.parquet", paths_per_group=group)  # type: ignore[arg-type]
    assert not (tmp_path / "long.parquet").exists()


def test_the_curve_file_is_never_the_output(tmp_path: Path) -> None:
    f = write_curve(make_curve(), tmp_path / "c.parquet")
    before = f.read_bytes()
    with pytest.raises(ConfigError, match="another file than the curve file"):
        export_long(f, tmp_path / "." / "c.parquet")
    assert f.read_bytes() == before


def test_a_file_that_is_not_a_curve_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "plain.parquet"
    pq.write_table(pq.read_table(write_curve(make_curve(), tmp_path / "c.parquet")).replace_schema_metadata({}), bad)
    with pytest.raises(FileFormatError, match="has no etfsim metadata"):
        export_long(bad, tmp_path / "long.parquet")
    with pytest.raises(FileFormatError, match="does not exist"):
        export_long(tmp_path / "nothing.parquet", tmp_path / "long.parquet")


def test_rows_out_of_order_are_refused_and_the_old_export_stays(tmp_path: Path) -> None:
    f = write_curve(make_curve(), tmp_path / "c.parquet")
    out = export_long(f, tmp_path / "long.parquet")
    before = out.read_bytes()
    table = pq.read_table(f)
    shuffled = tmp_path / "shuffled.parquet"
    pq.write_table(table.take(np.arange(table.num_rows)[::-1]), shuffled)  # the metadata travels with the schema
    with pytest.raises(FileFormatError, match="rows are not ordered by path then date"):
        export_long(shuffled, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.parquet", "long.parquet", "shuffled.parquet"]
