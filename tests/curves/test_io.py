"""Curve files (etfsim.curves.io): exact Parquet round trips and refusals of foreign files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etfsim.curves.curve import FuturesCurve, read_curve
from etfsim.curves.io import CURVE_FORMAT, read_header, write_curve, write_curve_chunks
from etfsim.exceptions import DataError, FileFormatError

META = {
    "model": "schwartz_smith",
    "params": {"kappa": 1.49, "sigma_chi": 0.286, "mu_xi": -0.0125, "nested": {"a": [1, 2.5]}},
    "seed": 20260331,
    "contract": "compute-h100",
}


def make_curve(n_paths: int = 5, n_dates: int = 30, depth: int = 4, spot: bool = True) -> FuturesCurve:
    """A multi-path curve with NaN prints, unlisted slots, negative prices and awkward floats."""
    rng = np.random.default_rng(12345)
    dates = np.datetime64("2026-01-05", "ns") + np.arange(n_dates) * np.timedelta64(1, "D")
    codes = [f"GPU{m}" for m in ["F26", "G26", "H26", "J26", "K26", "M26", "N26"]]
    expiry = np.array(
        ["2026-01-30", "2026-02-27", "2026-03-31", "2026-04-30", "2026-05-29", "2026-06-30", "2026-07-31"],
        dtype="datetime64[D]",
    )
    front = np.searchsorted(expiry, dates.astype("datetime64[D]"))
    contracts = np.empty((n_dates, depth), dtype=object)
    expiries = np.empty((n_dates, depth), dtype="datetime64[D]")
    for i in range(n_dates):
        for k in range(depth):
            j = front[i] + k
            contracts[i, k] = codes[j]
            expiries[i, k] = expiry[j]
    contracts[-3:, -1] = ""  # a shallow tail: deepest slot unlisted
    expiries[-3:, -1] = np.datetime64("NaT")
    prices = rng.normal(2.0, 1.5, size=(n_paths, n_dates, depth)) / 3.0  # non-round floats, some < 0
    prices[:, -3:, -1] = np.nan
    prices[rng.random(prices.shape) < 0.1] = np.nan  # missing prints
    prices[0, 0, 0] = 0.0
    prices[0, 1, 0] = -0.0
    prices[-1, 0, 0] = 5e-324  # smallest subnormal
    held = np.array([contracts[i, 0] for i in range(n_dates)], dtype=object)
    held[0] = ""
    return FuturesCurve(
        dates=dates,
        prices=prices,
        contracts=contracts,
        expiries=expiries,
        spot=rng.normal(2.0, 0.5, size=(n_paths, n_dates)) if spot else None,
        held=held,
        metadata=META,
    )


def assert_same_curve(a: FuturesCurve, b: FuturesCurve) -> None:
    assert a.prices.shape == b.prices.shape
    assert a.prices.tobytes() == b.prices.tobytes()  # bitwise, NaN positions and -0.0 included
    np.testing.assert_array_equal(a.dates, b.dates)
    assert a.dates.dtype == b.dates.dtype
    assert a.contracts.tolist() == b.contracts.tolist()
    np.testing.assert_array_equal(a.expiries, b.expiries)
    assert a.expiries.dtype == b.expiries.dtype
    if a.spot is None:
        assert b.spot is None
    else:
        assert b.spot is not None and a.spot.tobytes() == b.spot.tobytes()
    if a.held is None:
        assert b.held is None
    else:
        assert b.held is not None and a.held.tolist() == b.held.tolist()
    assert dict(a.metadata) == dict(b.metadata)


# -- round trips --------------------------------------------------------------------------


def test_round_trip_is_exact(tmp_path: Path) -> None:
    curve = make_curve()
    assert np.isnan(curve.prices).any() and (curve.prices < 0).any()
    path = write_curve(curve, tmp_path / "curve.parquet")
    assert path == tmp_path / "curve.parquet"
    back = read_curve(path)
    assert_same_curve(curve, back)
    assert np.signbit(back.prices[0, 1, 0])  # -0.0 stays -0.0
    assert back.metadata["model"] == "schwartz_smith"
    assert back.metadata["seed"] == 20260331
    assert back.metadata["params"]["nested"] == {"a": [1, 2.5]}


def test_round_trip_through_the_curve_methods_without_spot(tmp_path: Path) -> None:
    curve = make_curve(n_paths=1, spot=False)
    curve.to_parquet(str(tmp_path / "one.parquet"))
    back = FuturesCurve.read_parquet(str(tmp_path / "one.parquet"))
    assert back.spot is None
    assert_same_curve(curve, back)


def test_file_layout_and_header(tmp_path: Path) -> None:
    curve = make_curve(n_paths=3, n_dates=10, depth=4)
    write_curve(curve, tmp_path / "c.parquet")
    table = pq.read_table(tmp_path / "c.parquet")
    assert table.column_names == ["path", "date", "spot", "s00", "s01", "s02", "s03"]
    assert table.num_rows == 3 * 10
    header = read_header(tmp_path / "c.parquet")
    assert header["format"] == CURVE_FORMAT
    assert header["n_paths"] == 3 and header["depth"] == 4 and header["has_spot"] is True


def test_chunks_equal_the_whole_curve(tmp_path: Path) -> None:
    curve = make_curve(n_paths=5)
    write_curve(curve, tmp_path / "whole.parquet")
    chunks = (curve.select(paths=list(range(lo, min(lo + 2, 5)))) for lo in range(0, 5, 2))  # 2, 2, 1
    write_curve_chunks(chunks, tmp_path / "chunked.parquet", n_paths=5)
    assert pq.ParquetFile(tmp_path / "chunked.parquet").num_row_groups == 3
    whole = pq.read_table(tmp_path / "whole.parquet")
    chunked = pq.read_table(tmp_path / "chunked.parquet")
    assert chunked.schema.equals(whole.schema, check_metadata=True)  # same header, byte for byte
    for name in whole.column_names:  # bitwise (Table.equals treats NaN as unequal)
        assert chunked.column(name).to_numpy().tobytes() == whole.column(name).to_numpy().tobytes(), name
    assert_same_curve(read_curve(tmp_path / "chunked.parquet"), curve)


def test_chunks_must_add_up_to_n_paths(tmp_path: Path) -> None:
    curve = make_curve(n_paths=2)
    with pytest.raises(FileFormatError, match="wrote 2 paths but the header says 3"):
        write_curve_chunks([curve], tmp_path / "c.parquet", n_paths=3)
    with pytest.raises(FileFormatError, match="no curve chunks"):
        write_curve_chunks([], tmp_path / "c.parquet", n_paths=0)
    assert list(tmp_path.iterdir()) == []


# -- foreign and broken files -------------------------------------------------------------


def _rewrite(dst: Path, table: pa.Table) -> Path:
    pq.write_table(table, dst)
    return dst


def test_parquet_without_etfsim_metadata(tmp_path: Path) -> None:
    write_curve(make_curve(), tmp_path / "c.parquet")
    table = pq.read_table(tmp_path / "c.parquet").replace_schema_metadata(None)
    path = _rewrite(tmp_path / "plain.parquet", table)
    with pytest.raises(FileFormatError, match="no etfsim metadata"):
        read_curve(path)


def test_parquet_with_another_format_tag(tmp_path: Path) -> None:
    write_curve(make_curve(), tmp_path / "c.parquet")
    table = pq.read_table(tmp_path / "c.parquet")
    header = json.loads(table.schema.metadata[b"etfsim"])
    header["format"] = "etfsim.curve/0"
    table = table.replace_schema_metadata({b"etfsim": json.dumps(header).encode()})
    path = _rewrite(tmp_path / "old.parquet", table)
    with pytest.raises(FileFormatError, match=r"etfsim\.curve/0"):
        read_curve(path)


def test_parquet_with_unreadable_etfsim_metadata(tmp_path: Path) -> None:
    write_curve(make_curve(), tmp_path / "c.parquet")
    table = pq.read_table(tmp_path / "c.parquet").replace_schema_metadata({b"etfsim": b"{not json"})
    path = _rewrite(tmp_path / "torn.parquet", table)
    with pytest.raises(FileFormatError, match="etfsim metadata"):
        read_curve(path)


def test_parquet_missing_a_slot_column(tmp_path: Path) -> None:
    write_curve(make_curve(depth=4), tmp_path / "c.parquet")
    table = pq.read_table(tmp_path / "c.parquet")
    table = table.drop_columns(["s02"])
    path = _rewrite(tmp_path / "holed.parquet", table)
    with pytest.raises(FileFormatError, match="s02"):
        read_curve(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="does not exist"):
        read_curve(tmp_path / "nope.parquet")


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "curve.parquet"
    path.write_text("date,contract,expiry,price\n2020-04-20,CLK20,2020-04-21,-37.63\n")
    with pytest.raises(FileFormatError, match="not a Parquet file"):
        read_curve(path)
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="not a Parquet file"):
        read_curve(empty)


def test_errors_are_data_errors() -> None:
    assert issubclass(FileFormatError, DataError)


# -- atomic writes ------------------------------------------------------------------------


def _failing_chunks(curve: FuturesCurve) -> Iterator[FuturesCurve]:
    yield curve.select(paths=[0, 1])
    raise RuntimeError("worker died")


def test_failed_write_leaves_no_file_behind(tmp_path: Path) -> None:
    curve = make_curve(n_paths=4)
    target = tmp_path / "out" / "curve.parquet"
    with pytest.raises(RuntimeError, match="worker died"):
        write_curve_chunks(_failing_chunks(curve), target, n_paths=4)
    assert list(target.parent.iterdir()) == []  # no curve, no temporary file


def test_failed_write_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    old = make_curve(n_paths=2, n_dates=8)
    target = tmp_path / "curve.parquet"
    write_curve(old, target)
    before = target.read_bytes()
    with pytest.raises(RuntimeError, match="worker died"):
        write_curve_chunks(_failing_chunks(make_curve(n_paths=4)), target, n_paths=4)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.parquet"]
    assert_same_curve(read_curve(target), old)


def test_successful_write_replaces_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "curve.parquet"
    write_curve(make_curve(n_paths=2, n_dates=8), target)
    new = make_curve(n_paths=3, n_dates=12)
    write_curve(new, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.parquet"]
    assert_same_curve(read_curve(target), new)
