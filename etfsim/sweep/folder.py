"""A sweep folder's own files checked before a sweep trusts them: the settings, the chunks, the room needed.

A sweep is resumed from what its folder holds, so a damaged file there must
be named, with what to do about it, instead of failing deep inside pyarrow
or json.  Every chunk file can be deleted and is then recomputed by running
the same sweep again (paths draw from their own seeds, so the numbers come
back the same); ``sweep.json`` holds only the settings and is written again
by the next sweep once its chunks agree with them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from etfsim.exceptions import ConfigError, DataError

__all__ = [
    "CHUNK_FILE_BYTES",
    "MAX_CHUNK_FILES",
    "PATH_ROW_BYTES",
    "SWEEP_FORMAT",
    "check_scheduler",
    "check_sweep_size",
    "chunk_meta",
    "read_settings",
]

SWEEP_FORMAT = "etfsim.sweep/1"
"""The format tag of a sweep's settings and chunk files."""

CHUNK_FILE_BYTES = 16 * 1024
"""Bytes of a chunk file before its rows (Parquet footer, schema, pandas metadata): measured 15,350."""

PATH_ROW_BYTES = 2 * 1024
"""Bytes of one path's row: 21 figures and about ten years of month-end NAV (measured about 1,100), rounded up."""

MAX_CHUNK_FILES = 200_000
"""Most chunk files one sweep writes; beyond it a file system slows down and a larger chunk is the fix."""


def read_settings(manifest: Path) -> dict[str, Any]:
    """The settings ``sweep.json`` holds, or a DataError naming the file and saying it can be deleted."""
    try:
        old = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(
            f"{manifest} is not readable JSON ({exc}); it holds only the sweep's settings: delete it and run the "
            "sweep again with the settings that wrote the chunks there (they are checked against them), "
            "or use a new folder"
        ) from exc
    if not isinstance(old, dict):
        raise DataError(
            f"{manifest} holds {type(old).__name__}, not the sweep's settings; delete it or use a new folder"
        )
    return old


def chunk_meta(path: Path) -> dict[str, Any]:
    """The etfsim metadata of a chunk file, or a DataError naming it and saying it can be deleted and recomputed."""
    fix = f"delete {path.name} and run the same sweep again: that chunk is recomputed and the others are kept"
    try:
        raw = (pq.read_schema(path).metadata or {}).get(b"etfsim")
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"{path} is not a readable Parquet file ({exc}); {fix}") from exc
    try:
        meta = json.loads(raw) if raw is not None else None
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != SWEEP_FORMAT:
        raise DataError(f"{path} is not a chunk of this etfsim sweep format ({SWEEP_FORMAT}); {fix}")
    return meta


def check_chunk(path: Path, scenario: str, strategy: str, first: int, count: int, seed: int) -> None:
    """Refuse a chunk file found where this sweep would write one but written for other paths or another seed."""
    meta = chunk_meta(path)
    want = {"scenario": scenario, "strategy": strategy, "first_path": first, "paths": count, "seed": seed}
    for key, value in want.items():
        if meta.get(key) != value:
            raise DataError(
                f"{path} holds {key} {meta.get(key)!r} where this sweep has {value!r}: it was written by a sweep "
                "with other settings; use a new folder, or delete the chunk files to recompute them"
            )


def check_scheduler(address: str | None) -> None:
    """Refuse a ``--scheduler`` that is not a Dask address (``tcp://host:port``) before anything is written."""
    if address is None:
        return
    from distributed.comm.addressing import parse_address, resolve_address

    try:
        resolve_address(address)
        _scheme, loc = parse_address(address)
    except (ValueError, TypeError, OSError) as exc:
        raise ConfigError(
            f"--scheduler {address!r} is not a Dask scheduler address ({exc}); give one like tcp://10.0.0.5:8786, "
            "or leave --scheduler out to run in-process"
        ) from exc
    if not loc:
        raise ConfigError(f"--scheduler {address!r} names no host; give one like tcp://10.0.0.5:8786")


def check_sweep_size(folder: Path, runs: int, paths: int, chunk: int, chunk_memory: float, local: bool) -> None:
    """Refuse a sweep too big for its file system or, run in-process, for memory, with the estimate and the fix.

    ``runs`` is scenarios x strategies; ``chunk_memory`` the bytes one chunk
    of ``chunk`` paths needs while it runs (in-process, one a CPU at once).
    """
    from etfsim._io import available_memory, check_free_disk, human_bytes

    per_run = -(-paths // chunk)
    files = runs * per_run
    if files > MAX_CHUNK_FILES:
        least = -(-runs * paths // MAX_CHUNK_FILES)
        raise ConfigError(
            f"{runs} run(s) x {paths:,} paths in chunks of {chunk:,} would write {files:,} chunk files (at most "
            f"{MAX_CHUNK_FILES:,}); use --chunk-size {least:,} or more, or fewer --paths"
        )
    check_free_disk(
        folder,
        files * CHUNK_FILE_BYTES + runs * paths * PATH_ROW_BYTES,
        f"a sweep of {runs} run(s) x {paths:,} paths ({files:,} chunk files)",
        "use fewer --paths or a folder on a larger disk",
    )
    if not local:
        return
    at_once = min(os.cpu_count() or 1, files)
    need, free = at_once * chunk_memory, available_memory()
    if need > free:
        most = max(int(chunk * free / need), 1)
        raise ConfigError(
            f"{at_once} chunk(s) of {chunk:,} paths at once need about {human_bytes(need)} of memory, "
            f"{human_bytes(free)} is available; use --chunk-size {most:,} or less"
        )
