"""Compact curve files: float32 prices and byte-split encoding (etfsim.curves.io), and old files still read."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etfsim.curves.curve import FuturesCurve, read_curve
from etfsim.curves.io import encoded_size, read_header, write_curve, write_curve_chunks
from etfsim.exceptions import ConfigError, FileFormatError
from tests.curves.test_io import assert_same_curve, make_curve

SAVED = Path(__file__).resolve().parents[1] / "data" / "default_run" / "curve_headline.parquet"
HALF_ULP = 2.0**-24  # float32 keeps 24 significant bits: rounding to nearest is within half a unit in the last place


def single_curve(n_paths: int = 5, n_dates: int = 30) -> FuturesCurve:
    """``make_curve`` without its subnormal price (5e-324), which float32 cannot hold."""
    curve = make_curve(n_paths, n_dates)
    prices = curve.prices.copy()
    prices[-1, 0, 0] = 1.0 / 3.0
    return dataclasses.replace(curve, prices=prices)


def _rounded(values: np.ndarray) -> np.ndarray:
    return values.astype(np.float32).astype(np.float64)


def test_float32_reads_back_as_float64_rounded_to_single(tmp_path: Path) -> None:
    curve = single_curve()
    f = write_curve(curve, tmp_path / "c32.parquet", precision="float32")
    back = read_curve(f)
    assert back.prices.dtype == np.float64 and back.spot is not None and back.spot.dtype == np.float64
    assert back.prices.tobytes() == _rounded(curve.prices).tobytes()  # NaN where NaN, -0.0 kept
    assert curve.spot is not None and back.spot.tobytes() == _rounded(curve.spot).tobytes()
    ok = np.isfinite(curve.prices) & (curve.prices != 0)
    rel = np.abs(back.prices[ok] / curve.prices[ok] - 1.0)
    assert rel.max() <= HALF_ULP and rel.max() > 0  # rounded, and by no more than 2**-24 (6e-8)
    assert back.contracts.tolist() == curve.contracts.tolist()
    np.testing.assert_array_equal(back.expiries, curve.expiries)
    assert back.held is not None and curve.held is not None and back.held.tolist() == curve.held.tolist()
    assert dict(back.metadata) == dict(curve.metadata)


def test_the_header_records_float32_and_the_columns_hold_it(tmp_path: Path) -> None:
    f = write_curve(single_curve(), tmp_path / "c32.parquet", precision="float32")
    assert read_header(f)["precision"] == "float32"
    schema = pq.read_schema(f)
    assert schema.field("s00").type == pa.float32() and schema.field("spot").type == pa.float32()
    meta = pq.read_metadata(f).row_group(0)
    encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)}
    assert "BYTE_STREAM_SPLIT" in encodings["s00"]


def test_a_float64_file_keeps_its_bytes_and_has_no_precision_key(tmp_path: Path) -> None:
    curve = make_curve()
    a = write_curve(curve, tmp_path / "a.parquet")
    b = write_curve(curve, tmp_path / "b.parquet", precision="float64", encoding="plain")
    assert a.read_bytes() == b.read_bytes()
    assert "precision" not in read_header(a)
    meta = pq.read_metadata(a).row_group(0)
    assert all("BYTE_STREAM_SPLIT" not in meta.column(i).encodings for i in range(meta.num_columns))


def test_byte_split_float64_is_exact_and_smaller(tmp_path: Path) -> None:
    curve = make_curve(n_paths=60, n_dates=100, depth=4)
    plain = write_curve(curve, tmp_path / "plain.parquet")
    split = write_curve(curve, tmp_path / "split.parquet", encoding="byte-split")
    assert_same_curve(curve, read_curve(split))  # bit for bit, the subnormal and -0.0 included
    assert split.stat().st_size < plain.stat().st_size


def test_float32_is_the_smallest(tmp_path: Path) -> None:
    curve = single_curve(n_paths=60, n_dates=100)
    sizes = {(p, e): encoded_size(curve, p, e) for p in ("float64", "float32") for e in ("plain", "byte-split")}
    assert sizes["float32", "byte-split"] < sizes["float64", "byte-split"] < sizes["float64", "plain"]
    assert sizes["float32", "byte-split"] < sizes["float32", "plain"]
    written = write_curve(curve, tmp_path / "c.parquet", precision="float32")
    assert written.stat().st_size == sizes["float32", "byte-split"]  # byte-split is float32's default


def test_float32_chunks_equal_the_whole_curve(tmp_path: Path) -> None:
    curve = single_curve(n_paths=7)
    whole = write_curve(curve, tmp_path / "whole.parquet", precision="float32")
    parts = [curve.select_paths(range(0, 3)), curve.select_paths(range(3, 7))]
    chunked = write_curve_chunks(parts, tmp_path / "chunks.parquet", n_paths=7, precision="float32")
    assert_same_curve(read_curve(whole), read_curve(chunked))
    assert pq.ParquetFile(chunked).num_row_groups == 2


@pytest.mark.parametrize(("value", "what"), [(1e39, "1e+39"), (5e-324, "4.94066e-324"), (-1e-46, "-1e-46")])
def test_a_value_float32_cannot_hold_is_refused_by_name(tmp_path: Path, value: float, what: str) -> None:
    curve = single_curve()
    prices = curve.prices.copy()
    prices[2, 4, 1] = value
    bad = dataclasses.replace(curve, prices=prices)
    target = tmp_path / "c32.parquet"
    with pytest.raises(FileFormatError) as err:
        write_curve(bad, target, precision="float32")
    message = str(err.value)
    assert f"price of {curve.contracts[4, 1]} on 2026-01-09 on path 2 is {what}" in message
    assert "precision float64" in message
    assert not target.exists()
    assert_same_curve(bad, read_curve(write_curve(bad, tmp_path / "c64.parquet")))  # float64 holds it


def test_a_spot_float32_cannot_hold_is_refused(tmp_path: Path) -> None:
    curve = single_curve()
    assert curve.spot is not None
    spot = curve.spot.copy()
    spot[1, 3] = 4e38
    with pytest.raises(FileFormatError, match="the spot on 2026-01-08 on path 1 is 4e"):
        write_curve(dataclasses.replace(curve, spot=spot), tmp_path / "c.parquet", precision="float32")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"precision": "float16"}, "precision"),
        ({"precision": "single"}, "precision"),
        ({"encoding": "zip"}, "encoding"),
    ],
)
def test_bad_storage_options_name_the_field_and_choices(tmp_path: Path, kw: dict[str, str], field: str) -> None:
    target = tmp_path / "c.parquet"
    with pytest.raises(ConfigError, match=f"^{field} must be one of") as err:
        write_curve(make_curve(), target, **kw)
    assert ("float64, float32" if field == "precision" else "plain, byte-split") in str(err.value)
    assert not target.exists()


def _with_header(src: Path, dst: Path, change: dict[str, object], cast: pa.DataType | None = None) -> Path:
    table = pq.read_table(src)
    header = json.loads(table.schema.metadata[b"etfsim"])
    header.update(change)
    if cast is not None:
        table = table.cast(
            pa.schema([pa.field(f.name, cast if f.name.startswith("s") else f.type) for f in table.schema])
        )
    pq.write_table(table.replace_schema_metadata({b"etfsim": json.dumps(header).encode()}), dst)
    return dst


def test_a_header_precision_that_is_not_known_is_refused(tmp_path: Path) -> None:
    f = write_curve(single_curve(), tmp_path / "c.parquet", precision="float32")
    bad = _with_header(f, tmp_path / "bad.parquet", {"precision": "float16"})
    with pytest.raises(
        FileFormatError, match="etfsim metadata precision must be float64 or float32, got str 'float16'"
    ):
        read_curve(bad)


def test_a_header_precision_the_columns_do_not_hold_is_refused(tmp_path: Path) -> None:
    f = write_curve(make_curve(), tmp_path / "c.parquet")
    bad = _with_header(f, tmp_path / "bad.parquet", {"precision": "float32"})
    with pytest.raises(FileFormatError, match="column s00 holds double but the header says precision float32"):
        read_curve(bad)


def test_a_file_of_float32_columns_without_the_key_still_reads(tmp_path: Path) -> None:
    # what a float32 file looks like to a reader of the format before the key: floats, read as float64
    f = write_curve(single_curve(), tmp_path / "c.parquet")
    keyless = _with_header(f, tmp_path / "keyless.parquet", {}, cast=pa.float32())
    back = read_curve(keyless)
    assert back.prices.tobytes() == _rounded(single_curve().prices).tobytes()


def test_an_old_file_still_reads(tmp_path: Path) -> None:
    # saved before compact files existed (tests/data/default_run): format etfsim.curve/1, float64, no precision key
    header = read_header(SAVED)
    assert header["format"] == "etfsim.curve/1" and "precision" not in header
    curve = read_curve(SAVED)
    assert curve.prices.dtype == np.float64
    again = write_curve(curve, tmp_path / "again.parquet")
    assert_same_curve(curve, read_curve(again))


def test_to_parquet_takes_the_precision(tmp_path: Path) -> None:
    curve = single_curve()
    curve.to_parquet(tmp_path / "c.parquet", precision="float32")
    assert read_header(tmp_path / "c.parquet")["precision"] == "float32"
    assert FuturesCurve.read_parquet(tmp_path / "c.parquet").prices.tobytes() == _rounded(curve.prices).tobytes()
