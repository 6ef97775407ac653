"""Curves on disk: Parquet through pyarrow, with provenance in the file metadata.

Layout: one row per path and date, columns ``path``, ``date``, ``spot``
(optional) and ``s00``..``sNN`` (the price in each nearby slot).  The
slot -> contract map is the same on every path, so it is stored once, in the
schema metadata under ``etfsim``, together with the model name, its
parameters, the seed and the format version; a file of paths that do not
start at the run's first keeps the index of its first path (``first_path``,
left out when 0).  Float64 columns round-trip exactly.  Files are written to a
temporary name and renamed when complete.

A **compact** file stores prices and spot in single precision
(``precision="float32"``, recorded in the header as ``precision``; left out for
float64, so those files keep their bytes).  Single precision rounds each price
to within 2**-24 (about 6e-8) of itself, relative; the reader gives float64
arrays either way, so figures from a float32 file differ from the float64
file's by that rounding.  Byte-split encoding (Parquet's BYTE_STREAM_SPLIT:
the first bytes of every number together, then the second...) lets zstd find
the shared exponents: lossless, and the default for float32 files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from etfsim._io import atomic_path
from etfsim.exceptions import FileFormatError

if TYPE_CHECKING:  # the curve calls this module to read and write itself, so only its type is named here
    from etfsim.curves.curve import FuturesCurve

__all__ = [
    "CURVE_FORMAT",
    "ENCODINGS",
    "PRECISIONS",
    "check_storage",
    "encoded_size",
    "read_curve_parts",
    "read_header",
    "slot_columns",
    "slot_map",
    "write_curve",
    "write_curve_chunks",
]

CURVE_FORMAT = "etfsim.curve/1"
"""Format tag stored in every curve file; a reader refuses any other."""

PRECISIONS = ("float64", "float32")
"""How prices and spot are stored: float64 (exact, the default) or float32 (half the bytes, rounded)."""

ENCODINGS = ("plain", "byte-split")
"""How the price columns are laid out before zstd: pyarrow's default, or BYTE_STREAM_SPLIT (lossless, smaller)."""

LONG_FORMAT = "etfsim.curve-long/1"
"""Format tag of a long-table export (:mod:`etfsim.curves.export`); named here so the reader can point to it."""

_META_KEY = b"etfsim"


def check_storage(precision: str, encoding: str | None = None) -> str:
    """Check a file's ``precision`` and ``encoding``; return the encoding (byte-split for float32 when not given).

    Raises
    ------
    ConfigError
        A precision or encoding that is not one of :data:`PRECISIONS` / :data:`ENCODINGS`.
    """
    from etfsim.exceptions import ConfigError

    if precision not in PRECISIONS:
        raise ConfigError(
            f"precision must be one of {', '.join(PRECISIONS)} (float32 halves the file and rounds prices "
            f"by about 6e-8, relative), got {precision!r}"
        )
    if encoding is None:
        return "byte-split" if precision == "float32" else "plain"
    if encoding not in ENCODINGS:
        raise ConfigError(
            f"encoding must be one of {', '.join(ENCODINGS)} (byte-split is lossless and smaller), got {encoding!r}"
        )
    return encoding


def slot_columns(depth: int) -> list[str]:
    """The names of a curve file's price columns, one per nearby slot: ``s00``, ``s01``, ..."""
    return [f"s{k:02d}" for k in range(depth)]


def slot_map(path: str | os.PathLike[str], header: dict[str, Any], n_dates: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(n_dates, depth)`` contract codes and expiries of a file's slots, from its checked header.

    The header stores each contract once (``contracts``, ``expiries``) and a
    number per date and slot (``slot_index``, -1 where nothing is listed: code ``""``, expiry NaT).
    """
    k = int(header["depth"])
    codes = np.array(header["contracts"] + [""], dtype=object)
    exps = np.array([e or "NaT" for e in header["expiries"]] + ["NaT"], dtype="datetime64[D]")
    index = np.asarray(header["slot_index"], dtype=np.int64)  # -1 picks the "" / NaT appended above
    if index.shape != (n_dates, k):
        raise FileFormatError(f"{path}: the contract map is shaped {index.shape}, expected {(n_dates, k)}")
    return codes[index], exps[index]


def _header(curve: FuturesCurve, n_paths: int, precision: str = "float64") -> dict[str, Any]:
    codes = curve.contracts
    uniq, inverse = np.unique(codes.astype(str), return_inverse=True)
    exp_of = {}
    for c, e in zip(codes.ravel(), curve.expiries.ravel(), strict=True):
        if c:
            exp_of[c] = str(e)
    index = np.where(codes == "", -1, inverse.reshape(codes.shape))
    header = {
        "format": CURVE_FORMAT,
        "n_paths": n_paths,
        "depth": curve.depth,
        "has_spot": curve.spot is not None,
        "contracts": [str(c) for c in uniq],
        "expiries": [exp_of.get(str(c), "") for c in uniq],
        "slot_index": index.astype(int).tolist(),
        "held": None if curve.held is None else [str(h) for h in curve.held],
        "metadata": dict(curve.metadata),
    }
    if curve.first_path:  # the first chunk's first path is the file's (a file of a whole run leaves it out)
        header["first_path"] = curve.first_path
    if precision != "float64":  # left out for float64, so a float64 file has the bytes it had before
        header["precision"] = precision
    return header


def _table(curve: FuturesCurve, path_offset: int, header: dict[str, Any]) -> pa.Table:
    p, n, k = curve.prices.shape
    single = header.get("precision") == "float32"
    cols: dict[str, Any] = {
        "path": pa.array(np.repeat(np.arange(path_offset, path_offset + p, dtype=np.int32), n)),
        "date": pa.array(np.tile(curve.dates, p), type=pa.timestamp("ns")),
    }
    if curve.spot is not None:
        spot = curve.spot.astype(np.float32) if single else curve.spot
        cols["spot"] = pa.array(spot.reshape(-1))
    flat = (curve.prices.astype(np.float32) if single else curve.prices).reshape(p * n, k)
    for j, name in enumerate(slot_columns(k)):
        cols[name] = pa.array(np.ascontiguousarray(flat[:, j]))
    table = pa.table(cols)
    return table.replace_schema_metadata({_META_KEY: json.dumps(header).encode()})


def _first_bad(values: np.ndarray, bad: np.ndarray) -> tuple[int, ...] | None:
    """Index of the first True in ``bad`` (same shape as ``values``), or None."""
    if not bad.any():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), values.shape))


def _check_finite(chunk: FuturesCurve, offset: int, target: Path) -> None:
    """Refuse a price or spot that overflowed or underflowed double precision, at its first occurrence.

    Infinity is always an overflow.  On a simulated curve (a model in the
    metadata) a listed contract without a price (NaN: infinity minus
    infinity) and a price of exactly 0 (``exp`` of a large negative number;
    the models' prices are a floor plus a lognormal part) are too; a curve
    is simulated when its metadata names the model, the measure and the seed.  On real
    data NaN is a missing print and 0 a price the data gives.
    """
    simulated = all(key in chunk.metadata for key in ("model", "measure", "seed"))  # what the simulators record
    listed = np.asarray(chunk.contracts) != ""
    for name, values in (("price", chunk.prices), ("spot", chunk.spot)):
        if values is None:
            continue
        checks = [(np.isinf(values), "infinite", "overflow")]
        if simulated:
            # a chip not yet launched has no contracts and no spot on those days: NaN there is no overflow
            where = (
                listed[None, :, :] if name == "price" else np.broadcast_to(listed.any(axis=1)[None, :], values.shape)
            )
            checks.append((np.isnan(values) & where, "not a number", "overflow"))
            checks.append((values == 0.0, "zero", "underflow"))
        for bad, what, flow in checks:
            at = _first_bad(values, bad)
            if at is None:
                continue
            raise FileFormatError(
                f"not writing {target}: the {_place(chunk, name, at, offset)} is {what} "
                f"(the model's parameters {flow} double precision); lower the volatility, drift or deflation parameters"
            )


def _place(chunk: FuturesCurve, name: str, at: tuple[int, ...], offset: int) -> str:
    """``price of HQZ26 on 2027-03-01 on path 12``: where a value refused in a chunk sits in the file."""
    day = str(np.asarray(chunk.dates)[at[1]])[:10]
    of = f" of {chunk.contracts[at[1], at[2]]}" if name == "price" else ""
    return f"{name}{of} on {day} on path {offset + at[0]}"


def _check_single(chunk: FuturesCurve, offset: int, target: Path) -> None:
    """Refuse a price or spot that single precision cannot hold: above about 3.4e38 (infinite) or below 1.4e-45 (zero)."""
    for name, values in (("price", chunk.prices), ("spot", chunk.spot)):
        if values is None:
            continue
        with np.errstate(over="ignore", under="ignore"):
            single = values.astype(np.float32)
        lost = (np.isinf(single) & np.isfinite(values)) | ((single == 0.0) & (values != 0.0))
        at = _first_bad(values, lost)
        if at is None:
            continue
        raise FileFormatError(
            f"not writing {target}: the {_place(chunk, name, at, offset)} is {float(values[at]):.6g}, "
            "which float32 cannot hold (it keeps 1.4e-45 to 3.4e38); write it with precision float64"
        )


def _writer_options(encoding: str, schema: pa.Schema) -> dict[str, Any]:
    """pyarrow's writer settings for ``encoding``: zstd always; byte-split on the float columns."""
    if encoding == "plain":
        return {"compression": "zstd"}
    floats = [f.name for f in schema if pa.types.is_floating(f.type)]
    # a column given an encoding must not also be dictionary-encoded, so the dictionary is kept for path and date only
    keep = [name for name in schema.names if name not in floats]
    return {
        "compression": "zstd",
        "use_dictionary": keep,
        "column_encoding": dict.fromkeys(floats, "BYTE_STREAM_SPLIT"),
    }


def encoded_size(curve: FuturesCurve, precision: str = "float64", encoding: str | None = None) -> int:
    """Bytes ``curve`` takes as a curve file with these settings (written to memory, not to disk)."""
    encoding = check_storage(precision, encoding)
    table = _table(curve, 0, _header(curve, curve.n_paths, precision))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **_writer_options(encoding, table.schema))
    return int(sink.getvalue().size)


def _check_room(tmp: Path, target: Path, chunk_paths: int, n_paths: int) -> None:
    """After the first chunk: the whole file's size by that chunk's, against the free disk."""
    from etfsim._io import check_free_disk, human_bytes

    if n_paths <= chunk_paths:
        return
    per_path = tmp.stat().st_size / chunk_paths
    rest = per_path * (n_paths - chunk_paths)
    check_free_disk(
        target.parent,
        rest,
        f"a curve file of {n_paths:,} paths ({human_bytes(per_path)} a path)",
        "write fewer paths, or run a sweep (etfsim sweep), which keeps each path's figures and not its prices",
    )


def write_curve(
    curve: FuturesCurve, path: str | os.PathLike[str], precision: str = "float64", encoding: str | None = None
) -> Path:
    """Write ``curve`` to a Parquet file at ``path`` (atomically). Returns the path.

    ``precision`` and ``encoding`` are as in :func:`write_curve_chunks`.
    """
    return write_curve_chunks([curve], path, n_paths=curve.n_paths, precision=precision, encoding=encoding)


def write_curve_chunks(
    chunks: Iterable[FuturesCurve],
    path: str | os.PathLike[str],
    n_paths: int,
    precision: str = "float64",
    encoding: str | None = None,
) -> Path:
    """Write chunks of paths of one curve (same dates and map) as one file, one row group each.

    Only one chunk is in memory at a time, so a 10,000-path curve can be written
    without materialising the whole cube.

    Parameters
    ----------
    chunks, path, n_paths
        The chunks in path order, the file to write and the number of paths they add up to.
    precision : {"float64", "float32"}
        How prices and spot are stored.  float32 halves the bytes and rounds
        each value by up to 2**-24 (about 6e-8) relative; reading gives float64 either way.
    encoding : {"plain", "byte-split"}, optional
        The layout of the float columns before zstd; default plain for float64
        (the bytes of earlier versions), byte-split for float32.  Both are lossless.

    Raises
    ------
    ConfigError
        An unknown precision or encoding.
    FileFormatError
        A price that overflowed, or one float32 cannot hold (the message names it).
    """
    encoding = check_storage(precision, encoding)
    target = Path(path)
    writer: pq.ParquetWriter | None = None
    offset = 0
    header: dict[str, Any] | None = None
    with atomic_path(target) as tmp:
        try:
            for chunk in chunks:
                if header is None:
                    header = _header(chunk, n_paths, precision)
                _check_finite(chunk, offset, target)
                if precision == "float32":
                    _check_single(chunk, offset, target)
                table = _table(chunk, offset, header)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, **_writer_options(encoding, table.schema))
                    writer.write_table(table)
                    _check_room(tmp, target, chunk.n_paths, n_paths)
                else:
                    writer.write_table(table)
                offset += chunk.n_paths
        finally:
            if writer is not None:
                writer.close()
        if header is None:
            raise FileFormatError("no curve chunks to write")
        if offset != n_paths:
            raise FileFormatError(f"wrote {offset} paths but the header says {n_paths}")
    return target


def _expect(p: Path, key: str, value: object, ok: bool, what: str) -> None:
    if not ok:
        raise FileFormatError(
            f"{p}: etfsim metadata {key} must be {what}, got {type(value).__name__} {value!r:.60}; regenerate the file"
        )


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_header(p: Path, header: dict[str, Any]) -> None:
    """Every key of the header present and of its type (a hand-edited file fails here, in one line)."""
    need = ("n_paths", "depth", "has_spot", "contracts", "expiries", "slot_index", "held", "metadata")
    missing = [k for k in need if k not in header]
    if missing:
        raise FileFormatError(f"{p}: etfsim metadata lacks {', '.join(missing)}; regenerate the file")
    n_paths, depth = header["n_paths"], header["depth"]
    _expect(p, "n_paths", n_paths, _is_int(n_paths) and n_paths > 0, "a whole number > 0")
    _expect(p, "depth", depth, _is_int(depth) and depth > 0, "a whole number > 0")
    _expect(p, "has_spot", header["has_spot"], isinstance(header["has_spot"], bool), "true or false")
    codes, exps = header["contracts"], header["expiries"]
    _expect(
        p, "contracts", codes, isinstance(codes, list) and all(isinstance(c, str) for c in codes), "a list of codes"
    )
    _expect(p, "expiries", exps, isinstance(exps, list) and all(isinstance(e, str) for e in exps), "a list of dates")
    _expect(p, "expiries", exps, len(exps) == len(codes), f"one date per contract ({len(codes)})")
    try:
        np.array([e or "NaT" for e in exps], dtype="datetime64[D]")
    except ValueError as exc:
        raise FileFormatError(f"{p}: etfsim metadata expiries holds a value that is not a date ({exc})") from exc
    index = header["slot_index"]
    rows_ok = isinstance(index, list) and all(
        isinstance(row, list) and len(row) == depth and all(_is_int(i) and -1 <= i < len(codes) for i in row)
        for row in index
    )
    _expect(p, "slot_index", "[...]" if isinstance(index, list) else index, rows_ok,
            f"a list of {depth} contract numbers (-1 to {len(codes) - 1}) per date")  # fmt: skip
    held = header["held"]
    _expect(p, "held", held, held is None or (isinstance(held, list) and all(isinstance(h, str) for h in held)),
            "null or a list of codes")  # fmt: skip
    _expect(p, "metadata", header["metadata"], isinstance(header["metadata"], dict), "a table")
    first = header.get("first_path", 0)
    _expect(p, "first_path", first, _is_int(first) and first >= 0, "a whole number >= 0")
    precision = header.get("precision", "float64")  # files before compact ones have no key: float64
    _expect(p, "precision", precision, precision in PRECISIONS, " or ".join(PRECISIONS))


def _check_columns(p: Path, schema: pa.Schema, header: dict[str, Any]) -> None:
    """The columns a curve file needs, each of its type: numbers as numbers, never text."""
    slots = slot_columns(int(header["depth"]))
    need = {"path", "date", *slots} | ({"spot"} if header["has_spot"] else set())
    missing = sorted(need - set(schema.names))
    if missing:
        raise FileFormatError(f"{p} is missing column(s) {missing}; regenerate the file")
    dup = sorted({n for n in schema.names if schema.names.count(n) > 1})
    if dup:
        raise FileFormatError(f"{p} has the column(s) {dup} twice; regenerate the file")
    kinds = {"path": (pa.types.is_integer, "whole numbers"), "date": (pa.types.is_timestamp, "timestamps")}
    precision = header.get("precision", "float64")
    for name in sorted(need):
        check, what = kinds.get(name, (pa.types.is_floating, f"numbers ({precision})"))
        typ = schema.field(name).type
        if not check(typ):
            raise FileFormatError(
                f"{p}: column {name} must hold {what}, but it holds {typ}; "
                "a price written as text (such as 'n/a' or '2.35') is not read as a number: regenerate the file"
            )
        if name in kinds or "precision" not in header:
            continue  # a file without the key may hold any floats, as before
        if typ != pa.from_numpy_dtype(np.dtype(precision)):
            raise FileFormatError(
                f"{p}: column {name} holds {typ} but the header says precision {precision}; regenerate the file"
            )


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The etfsim header of a curve file, checked for the format tag, each key's type and the columns' types."""
    p = Path(path)
    if p.is_dir():
        raise FileFormatError(f"{p} is a folder, not a curve file; give the path of a .parquet file written by etfsim")
    if not p.is_file():
        raise FileFormatError(f"curve file {p} does not exist; give the path of a file written by etfsim")
    try:
        schema = pq.read_schema(p)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileFormatError(f"{p} is not a Parquet file ({exc})") from exc
    raw = (schema.metadata or {}).get(_META_KEY)
    if raw is None:
        raise FileFormatError(
            f"{p} has no etfsim metadata; write curves with FuturesCurve.to_parquet or `etfsim curves simulate`"
        )
    try:
        header: dict[str, Any] = json.loads(raw)
    except ValueError as exc:  # a torn or hand-edited header must not escape as a JSONDecodeError
        raise FileFormatError(f"{p} has unreadable etfsim metadata ({exc}); regenerate the file") from exc
    if not isinstance(header, dict):
        raise FileFormatError(f"{p} has unreadable etfsim metadata (not a JSON object); regenerate the file")
    if header.get("format") == LONG_FORMAT:
        raise FileFormatError(
            f"{p} is a long-table export of a curve (one row per path, date and contract), not a curve file; "
            "read it with pandas, polars or DuckDB, or give the curve file it was exported from"
        )
    if header.get("format") != CURVE_FORMAT:
        raise FileFormatError(
            f"{p} is format {header.get('format')!r}, this etfsim reads {CURVE_FORMAT!r}; regenerate the file"
        )
    _check_header(p, header)
    _check_columns(p, schema, header)
    return header


def read_curve_parts(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The arguments of the :class:`~etfsim.curves.FuturesCurve` a file written by :func:`write_curve` holds.

    :func:`etfsim.curves.curve.read_curve` (and ``FuturesCurve.read_parquet``) build the curve from them.

    Raises
    ------
    FileFormatError
        If the file is missing, not Parquet, or lacks the etfsim columns or metadata.
    """
    header = read_header(path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:  # a torn row group: the schema read, the data does not
        raise FileFormatError(f"{path} is not a whole Parquet file ({exc}); regenerate the file") from exc
    k = int(header["depth"])
    p = int(header["n_paths"])
    n_rows = table.num_rows
    if p <= 0 or n_rows % p:
        raise FileFormatError(f"{path} has {n_rows} rows, not a whole number of dates for {p} paths")
    n = n_rows // p
    path_col = table.column("path").to_numpy()
    if not (path_col.reshape(p, n) == np.arange(p)[:, None]).all():
        raise FileFormatError(f"{path}: rows are not ordered by path then date; regenerate the file")
    all_dates = table.column("date").to_numpy().astype("datetime64[ns]").reshape(p, n)
    dates = all_dates[0]
    if p > 1 and not (all_dates == dates[None, :]).all():
        raise FileFormatError(f"{path}: the paths do not share one list of dates; regenerate the file")
    # a float32 file is widened here: the engine always works in float64
    prices = np.column_stack([table.column(c).to_numpy() for c in slot_columns(k)]).astype(np.float64, copy=False)
    prices = prices.reshape(p, n, k)
    spot = table.column("spot").to_numpy().astype(np.float64, copy=False).reshape(p, n) if header["has_spot"] else None
    contracts, expiries = slot_map(path, header, n)
    held = None if header["held"] is None else np.array(header["held"], dtype=object)
    return {
        "dates": dates,
        "prices": prices,
        "contracts": contracts,
        "expiries": expiries,
        "spot": spot,
        "held": held,
        "metadata": header["metadata"],
        "first_path": header.get("first_path", 0),
    }
