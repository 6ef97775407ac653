"""Curve files read a chunk of paths at a time (etfsim.curves.chunks): the same curve as reading it whole."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etfsim.curves.chunks import check_chunk_paths, read_curve_chunks
from etfsim.curves.curve import read_curve
from etfsim.curves.io import write_curve
from etfsim.exceptions import ConfigError, FileFormatError
from tests.curves.test_compact_files import single_curve
from tests.curves.test_io import assert_same_curve, make_curve


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50])
@pytest.mark.parametrize("spot", [True, False])
def test_chunks_are_the_whole_files_paths_bit_for_bit(tmp_path: Path, size: int, spot: bool) -> None:
    f = write_curve(make_curve(n_paths=7, n_dates=30, spot=spot), tmp_path / "c.parquet")
    whole = read_curve(f)
    chunks = list(read_curve_chunks(f, size))
    assert [c.n_paths for c in chunks] == [min(size, 7 - i) for i in range(0, 7, size)]
    first = 0
    for chunk in chunks:
        assert_same_curve(chunk, whole.select(paths=list(range(first, first + chunk.n_paths))))
        assert chunk.first_path == first
        assert dict(chunk.metadata) == dict(whole.metadata)
        first += chunk.n_paths


def test_small_record_batches_fill_chunks_across_their_edges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 17 rows against 30 dates a path: a path starts mid-batch and chunks end mid-batch."""
    import etfsim.curves.chunks as chunks_module

    monkeypatch.setattr(chunks_module, "_BATCH_ROWS", 17)
    f = write_curve(make_curve(n_paths=5, n_dates=30), tmp_path / "c.parquet")
    whole = read_curve(f)
    joined = np.concatenate([c.prices for c in read_curve_chunks(f, 2)])
    assert joined.tobytes() == whole.prices.tobytes()


def test_a_files_first_path_carries_into_each_chunk(tmp_path: Path) -> None:
    curve = dataclasses.replace(make_curve(n_paths=5), first_path=40)
    f = write_curve(curve, tmp_path / "c.parquet")
    assert [c.first_path for c in read_curve_chunks(f, 2)] == [40, 42, 44]


def test_a_float32_file_reads_back_as_float64_as_the_whole_file_does(tmp_path: Path) -> None:
    f = write_curve(single_curve(n_paths=5), tmp_path / "c32.parquet", precision="float32")
    whole = read_curve(f)
    chunks = list(read_curve_chunks(f, 3))
    assert all(c.prices.dtype == np.float64 for c in chunks)
    assert np.concatenate([c.prices for c in chunks]).tobytes() == whole.prices.tobytes()


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "100", None])
def test_a_bad_chunk_size_names_the_field_and_the_fix(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"chunk_paths \(--chunk-paths\) must be a whole number of paths >= 1"):
        check_chunk_paths(bad)


def test_a_bad_chunk_size_is_refused_before_any_chunk_is_asked_for(tmp_path: Path) -> None:
    f = write_curve(make_curve(n_paths=3), tmp_path / "c.parquet")
    with pytest.raises(ConfigError, match="chunk_paths"):
        read_curve_chunks(f, 0)  # no next(): the call itself refuses
    with pytest.raises(FileFormatError, match="does not exist"):
        read_curve_chunks(tmp_path / "missing.parquet", 10)


def test_rows_out_of_path_order_are_refused(tmp_path: Path) -> None:
    f = write_curve(make_curve(n_paths=3, n_dates=30), tmp_path / "c.parquet")
    table = pq.read_table(f)
    order = np.concatenate([np.arange(30, 60), np.arange(0, 30), np.arange(60, 90)])  # paths 1, 0, 2
    shuffled = table.take(pa.array(order))
    bad = tmp_path / "shuffled.parquet"
    pq.write_table(shuffled.replace_schema_metadata(table.schema.metadata), bad)
    with pytest.raises(FileFormatError, match="not ordered by path then date"):
        list(read_curve_chunks(bad, 2))


def test_a_header_that_counts_more_paths_than_the_rows_hold_is_refused(tmp_path: Path) -> None:
    f = write_curve(make_curve(n_paths=3, n_dates=30), tmp_path / "c.parquet")
    table = pq.read_table(f)
    meta = dict(table.schema.metadata)
    key = b"etfsim"  # where write_curve keeps its header
    header = json.loads(meta[key])
    header["n_paths"] = 4
    meta[key] = json.dumps(header).encode()
    bad = tmp_path / "miscounted.parquet"
    pq.write_table(table.replace_schema_metadata(meta), bad)
    with pytest.raises(FileFormatError, match="not a whole number of dates for 4 paths"):
        read_curve_chunks(bad, 2)
