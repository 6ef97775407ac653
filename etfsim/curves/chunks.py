"""Curve files read a chunk of paths at a time, so a 1,000-path file never sits in memory whole.

A curve file (:func:`etfsim.curves.io.write_curve`) holds one row per path and
date, ordered by path then date.  :func:`read_curve_chunks` streams its record
batches and yields a :class:`~etfsim.curves.FuturesCurve` of ``chunk_paths``
consecutive paths at a time (the last may be shorter).  Each chunk carries its
place in the run (``first_path``), so whatever a run draws path by path
(investor demand) is the same as on the whole file, and the chunks' prices are
exactly the whole file's: :func:`etfsim.curves.curve.read_curve` and these
chunks agree bit for bit.

Only one chunk's arrays, one record batch and the reader's buffer are alive at a
time: a chunk of 250 paths of ten years and 24 slots is about 120 MB, against
482 MB of prices (and as much again in Arrow's columns) for the whole
1,000-path file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from etfsim.curves.curve import FuturesCurve
from etfsim.curves.io import read_header, slot_columns, slot_map
from etfsim.exceptions import ConfigError, FileFormatError

__all__ = ["DEFAULT_CHUNK_PATHS", "check_chunk_paths", "read_curve_chunks"]

DEFAULT_CHUNK_PATHS = 100
"""Paths a chunk holds unless told otherwise: ``etfsim backtest`` and ``etfsim compare`` stay under 1 GiB with it."""

_READ_BUFFER = 1 << 20
"""Bytes Arrow reads from the file at a time (a buffered stream instead of whole column chunks)."""

_BATCH_ROWS = 65_536
"""Rows of one record batch: small against a chunk (100 paths x 2,512 dates), large enough to stream quickly."""


def check_chunk_paths(chunk_paths: object) -> int:
    """``chunk_paths`` as an int, or a ConfigError that names the field and the fix."""
    if isinstance(chunk_paths, (int, np.integer)) and not isinstance(chunk_paths, bool) and chunk_paths >= 1:
        return int(chunk_paths)
    raise ConfigError(
        f"chunk_paths (--chunk-paths) must be a whole number of paths >= 1, got {chunk_paths!r}; "
        f"the default {DEFAULT_CHUNK_PATHS} keeps memory under 1 GiB"
    )


class _ChunkBuffer:
    """The arrays one chunk is filled into, row by row of the file (path-major)."""

    def __init__(self, paths: int, n: int, k: int, spot: bool) -> None:
        self.paths, self.n = paths, n
        self.prices = np.empty((paths * n, k))
        self.spot = np.empty(paths * n) if spot else None
        self.dates = np.empty(paths * n, dtype="datetime64[ns]")
        self.path = np.empty(paths * n, dtype=np.int64)
        self.filled = 0

    @property
    def room(self) -> int:
        return self.paths * self.n - self.filled

    @staticmethod
    def frozen(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """``a`` shaped for the curve and read-only, so the curve keeps it without a copy (nothing else writes it)."""
        out = a.reshape(shape)
        out.setflags(write=False)
        return out

    def take(self, batch: pa.RecordBatch, lo: int, hi: int, slots: list[str]) -> None:
        """Copy rows ``lo .. hi - 1`` of ``batch`` into the next free rows."""
        at = slice(self.filled, self.filled + hi - lo)
        part = batch.slice(lo, hi - lo)
        for j, name in enumerate(slots):
            self.prices[at, j] = part.column(name).to_numpy(zero_copy_only=False)
        if self.spot is not None:
            self.spot[at] = part.column("spot").to_numpy(zero_copy_only=False)
        self.dates[at] = part.column("date").to_numpy(zero_copy_only=False).astype("datetime64[ns]")
        self.path[at] = part.column("path").to_numpy(zero_copy_only=False)
        self.filled += hi - lo


def _checked(path: str | os.PathLike[str], buf: _ChunkBuffer, first: int, dates: np.ndarray | None) -> np.ndarray:
    """The chunk's dates, after checking its rows are ordered by path then date on one list of dates."""
    p, n = buf.paths, buf.n
    if not (buf.path.reshape(p, n) == np.arange(first, first + p)[:, None]).all():
        raise FileFormatError(f"{path}: rows are not ordered by path then date; regenerate the file")
    by_path = buf.dates.reshape(p, n)
    own = by_path[0] if dates is None else dates
    if not (by_path == own[None, :]).all():
        raise FileFormatError(f"{path}: the paths do not share one list of dates; regenerate the file")
    return own.copy()


def read_curve_chunks(path: str | os.PathLike[str], chunk_paths: int = DEFAULT_CHUNK_PATHS) -> Iterator[FuturesCurve]:
    """The curve in a file, ``chunk_paths`` paths at a time, in path order.

    Parameters
    ----------
    path : path
        A curve file written by :func:`etfsim.curves.io.write_curve` (or ``etfsim curves simulate``).
    chunk_paths : int
        Paths per chunk (the last chunk holds what is left).

    Returns
    -------
    iterator of FuturesCurve
        Paths ``i .. i + chunk_paths - 1`` of the file, with ``first_path`` the
        file's own first path plus ``i``.

    Raises
    ------
    ConfigError
        If ``chunk_paths`` is not a whole number >= 1.
    FileFormatError
        If the file is missing, not Parquet, lacks the etfsim columns or
        metadata, or its rows are not one list of dates per path in path order.
    """
    size = check_chunk_paths(chunk_paths)
    header = read_header(path)
    p = int(header["n_paths"])
    k = int(header["depth"])
    try:
        # no pre-buffering and a 1 MiB read buffer: Arrow then decodes a page at a time, not a whole row
        # group of a million rows (about 95 MB allocated at most here, against 550 MB with the defaults)
        source = pq.ParquetFile(path, pre_buffer=False, buffer_size=_READ_BUFFER)
    except (pa.ArrowException, OSError) as exc:
        raise FileFormatError(f"{path} is not a whole Parquet file ({exc}); regenerate the file") from exc
    rows = source.metadata.num_rows
    if rows % p:
        raise FileFormatError(f"{path} has {rows} rows, not a whole number of dates for {p} paths")
    n = rows // p
    contracts, expiries = slot_map(path, header, n)
    layout = _Layout(
        path=path,
        source=source,
        slots=slot_columns(k),
        shape=(p, n, k),
        spot=bool(header["has_spot"]),
        contracts=contracts,
        expiries=expiries,
        held=None if header["held"] is None else np.array(header["held"], dtype=object),
        metadata=header["metadata"],
        first_path=int(header.get("first_path", 0)),
    )
    return _stream(layout, size)  # not a generator itself: a bad file or size is refused here, not at the first chunk


class _Layout(NamedTuple):
    """What the header says about a curve file, read once for all its chunks."""

    path: str | os.PathLike[str]
    source: pq.ParquetFile
    slots: list[str]
    shape: tuple[int, int, int]  # paths, dates, depth
    spot: bool
    contracts: np.ndarray
    expiries: np.ndarray
    held: np.ndarray | None
    metadata: dict[str, Any]
    first_path: int


def _stream(file: _Layout, size: int) -> Iterator[FuturesCurve]:
    """The chunks, filled from the file's record batches in row order."""
    p, n, k = file.shape
    columns = ["path", "date", *(["spot"] if file.spot else []), *file.slots]
    done = 0  # paths yielded so far
    dates: np.ndarray | None = None
    buf = _ChunkBuffer(min(size, p), n, k, file.spot)
    try:
        for batch in file.source.iter_batches(batch_size=_BATCH_ROWS, columns=columns, use_threads=False):
            lo = 0
            while lo < batch.num_rows:
                hi = min(batch.num_rows, lo + buf.room)
                buf.take(batch, lo, hi, file.slots)
                lo = hi
                if buf.room:
                    continue
                dates = _checked(file.path, buf, done, dates)
                yield FuturesCurve(
                    dates=dates,
                    prices=buf.frozen(buf.prices, (buf.paths, n, k)),
                    contracts=file.contracts,
                    expiries=file.expiries,
                    spot=None if buf.spot is None else buf.frozen(buf.spot, (buf.paths, n)),
                    held=file.held,
                    metadata=file.metadata,
                    first_path=file.first_path + done,
                )
                done += buf.paths
                if done < p:  # a new buffer: the curve just yielded keeps its arrays (this one lets go first)
                    del buf
                    buf = _ChunkBuffer(min(size, p - done), n, k, file.spot)
    except (pa.ArrowException, OSError) as exc:  # a torn row group: the header read, the data does not
        raise FileFormatError(f"{file.path} is not a whole Parquet file ({exc}); regenerate the file") from exc
    if done != p:
        raise FileFormatError(f"{file.path} holds {done} whole paths, its header says {p}; regenerate the file")
