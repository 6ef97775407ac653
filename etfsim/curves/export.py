"""A curve file as a long table that any Parquet reader understands.

An etfsim curve file stores prices by nearby slot (``s00``..``sNN``) and keeps
the slot -> contract map in its metadata, which a reader without etfsim cannot
see.  The long table spells it out: one row per path, date and *listed*
contract, with plain columns

``path``
    the run's index of the path (int32; the curve file's ``first_path`` added),
``date``
    the close (timestamp),
``slot``
    the nearby slot, 0 the front contract (int32),
``contract``
    the contract code, e.g. ``HQZ26`` (string),
``expiry``
    the contract's last trading day (date),
``price``
    its settlement price, null where it has no print (so SQL's ``avg`` skips it
    instead of returning NaN); float32 when the curve file is float32,
``spot``
    the spot index on that path and date, when the file has one.

The table is written a row group of a few paths at a time, from the curve
file's rows read a batch at a time, so memory stays bounded whatever the
number of paths.  DuckDB (``select contract, avg(price) from 'out.parquet'
group by 1``), polars (``pl.read_parquet``) and pandas read it as it is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from etfsim._io import atomic_path
from etfsim.curves.io import LONG_FORMAT, read_header, slot_columns
from etfsim.exceptions import ConfigError, FileFormatError

__all__ = ["LONG_COLUMNS", "PATHS_PER_GROUP", "export_long"]

PATHS_PER_GROUP = 20
"""Paths in one row group of the export by default: 20 paths of ten years x 24 slots is 1.2 million rows."""

LONG_COLUMNS = ("path", "date", "slot", "contract", "expiry", "price", "spot")
"""The export's columns, in order (``spot`` only when the curve file has one)."""


class _Listing:
    """The curve file's slot -> contract map, as arrays the rows of each batch index into."""

    def __init__(self, header: dict[str, Any]) -> None:
        index = np.asarray(header["slot_index"], dtype=np.int64)
        self.n_dates, self.depth = index.shape
        self.index = index
        self.listed = index >= 0
        self.codes = pa.array(header["contracts"], type=pa.string())
        days = np.array([e or "NaT" for e in header["expiries"]], dtype="datetime64[D]")
        self.expiries = pa.array(days, type=pa.date32())


def _check_group(paths_per_group: object) -> int:
    if isinstance(paths_per_group, bool) or not isinstance(paths_per_group, (int, np.integer)) or paths_per_group < 1:
        raise ConfigError(
            f"paths_per_group must be a whole number >= 1 (paths in one row group of the long table; "
            f"default {PATHS_PER_GROUP}), got {paths_per_group!r}"
        )
    return int(paths_per_group)


def _schema(header: dict[str, Any], source: Path) -> pa.Schema:
    price = pa.float32() if header.get("precision") == "float32" else pa.float64()
    fields = [
        pa.field("path", pa.int32()),
        pa.field("date", pa.timestamp("ns")),
        pa.field("slot", pa.int32()),
        pa.field("contract", pa.string()),
        pa.field("expiry", pa.date32()),
        pa.field("price", price),
    ]
    if header["has_spot"]:
        fields.append(pa.field("spot", price))
    # provenance as a small tag, not the contract map: every fact a reader needs is in the columns
    tag = {
        "format": LONG_FORMAT,
        "source": source.name,
        "n_paths": header["n_paths"],
        "first_path": header.get("first_path", 0),
        "precision": header.get("precision", "float64"),
        "metadata": header["metadata"],
    }
    return pa.schema(fields, metadata={b"etfsim": json.dumps(tag).encode()})


def _first_dates(file: pq.ParquetFile, n_dates: int) -> np.ndarray:
    """The dates of path 0 (the first ``n_dates`` rows), read without the price columns."""
    got: list[np.ndarray] = []
    have = 0
    for batch in file.iter_batches(batch_size=n_dates, columns=["date"]):
        got.append(batch.column(0).to_numpy().astype("datetime64[ns]"))
        have += batch.num_rows
        if have >= n_dates:
            break
    return np.concatenate(got)[:n_dates]


def _long_rows(
    batch: pa.RecordBatch, row0: int, listing: _Listing, dates: np.ndarray, first_path: int, where: Path
) -> dict[str, Any]:
    """The long rows of a batch of the curve file's rows (rows ``row0`` on): one per row and listed slot."""
    n = listing.n_dates
    rows = row0 + np.arange(batch.num_rows)
    day = rows % n
    path_col = batch.column("path").to_numpy()
    date_col = batch.column("date").to_numpy().astype("datetime64[ns]")
    if not ((path_col == rows // n).all() and (date_col == dates[day]).all()):
        raise FileFormatError(
            f"{where}: rows are not ordered by path then date on one list of dates; regenerate the file"
        )
    at, slot = np.nonzero(listing.listed[day])  # row by row, slot by slot: the export's row order
    contract_no = listing.index[day[at], slot]
    prices = np.column_stack([batch.column(c).to_numpy() for c in slot_columns(listing.depth)])[at, slot]
    cols: dict[str, Any] = {
        "path": pa.array((first_path + rows[at] // n).astype(np.int32)),
        "date": pa.array(date_col[at], type=pa.timestamp("ns")),
        "slot": pa.array(slot.astype(np.int32)),
        "contract": listing.codes.take(pa.array(contract_no)),
        "expiry": listing.expiries.take(pa.array(contract_no)),
        "price": pa.array(prices, from_pandas=True),  # NaN (no print) becomes null
    }
    if "spot" in batch.schema.names:
        cols["spot"] = pa.array(batch.column("spot").to_numpy()[at], from_pandas=True)
    return cols


def export_long(
    curve_file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    paths_per_group: int = PATHS_PER_GROUP,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a curve file as a long table: one row per path, date and listed contract.

    Parameters
    ----------
    curve_file
        A curve file written by etfsim (float64 or float32).
    out
        The Parquet file to write (atomically: a temporary file renamed when complete).
    paths_per_group : int
        Paths read and written at a time, one row group each; memory grows with it.
    progress : callable, optional
        Called as ``progress(paths_done, n_paths)`` after each row group.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ConfigError
        ``paths_per_group`` below 1, or ``out`` the curve file itself.
    FileFormatError
        ``curve_file`` is not a whole etfsim curve file.

    Notes
    -----
    Columns as in the module docstring.  The rows are ordered by path, date
    and slot, so a path's rows are contiguous and each row group holds whole paths.
    """
    group = _check_group(paths_per_group)
    source, target = Path(curve_file), Path(out)
    header = read_header(source)
    if target.resolve() == source.resolve():
        raise ConfigError(f"the long table must go to another file than the curve file {source}; give another --out")
    listing = _Listing(header)
    n_paths, n = int(header["n_paths"]), listing.n_dates
    try:
        file = pq.ParquetFile(source, pre_buffer=False, buffer_size=1 << 22)
    except (pa.ArrowException, OSError) as exc:
        raise FileFormatError(f"{source} is not a whole Parquet file ({exc}); regenerate the file") from exc
    if file.metadata.num_rows != n_paths * n:
        raise FileFormatError(
            f"{source} has {file.metadata.num_rows:,} rows, not {n_paths:,} paths x {n:,} dates; regenerate the file"
        )
    schema = _schema(header, source)
    columns = ["path", "date", *(["spot"] if header["has_spot"] else []), *slot_columns(listing.depth)]
    floats = [name for name in ("price", "spot") if name in schema.names]
    with atomic_path(target) as tmp:
        dates = _first_dates(file, n)
        row0 = 0
        options: dict[str, Any] = {
            "compression": "zstd",
            "use_dictionary": [name for name in schema.names if name not in floats],
            "column_encoding": dict.fromkeys(floats, "BYTE_STREAM_SPLIT"),  # lossless, and a third smaller
        }
        try:
            with pq.ParquetWriter(tmp, schema, **options) as writer:
                for batch in file.iter_batches(batch_size=group * n, columns=columns):
                    table = pa.table(_long_rows(batch, row0, listing, dates, header.get("first_path", 0), source))
                    writer.write_table(table.cast(schema), row_group_size=max(table.num_rows, 1))
                    row0 += batch.num_rows
                    if progress is not None:
                        progress(row0 // n, n_paths)
        except (
            pa.ArrowException,
            OSError,
        ) as exc:  # a torn row group (the header read, the data does not), a full disk
            raise FileFormatError(
                f"cannot export {source} to {target} ({exc}); regenerate the curve file if it is torn, "
                "or free disk space"
            ) from exc
    return target
