"""A sweep folder's damaged files are named with what to do, and a failed start leaves nothing behind.

Each case failed before: a corrupt ``sweep.json`` or a garbage chunk ended
in a json or pyarrow traceback, ``--scheduler "not an address"`` in a
ValueError, an unreachable scheduler left ``sweep.json`` (so a later sweep
with other settings into that empty folder was refused), and a sweep of 10^9
paths in chunks of one ran on.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from etfsim.exceptions import ConfigError, DataError
from etfsim.scenario import load_scenario
from etfsim.sweep import read_sweep, run_sweep
from tests.cli.runner import in_process
from tests.reliability.refusal import refused


@pytest.fixture(scope="module")
def short():  # type: ignore[no-untyped-def]
    return replace(load_scenario(), years=0.5)


@pytest.fixture(scope="module")
def done(short, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """A finished sweep: front month on half a year, 4 paths in chunks of 2."""
    folder = tmp_path_factory.mktemp("sweep") / "s"
    run_sweep([short], ["front_month"], 4, folder, chunk_size=2)
    return folder


def _chunks(folder: Path) -> list[Path]:
    return sorted(folder.glob("scenario=*/rule=*/chunk-*.parquet"))


def test_a_corrupt_settings_file_is_named_and_can_be_deleted(short, done: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = Path(shutil.copytree(done, tmp_path / "s"))
    (folder / "sweep.json").write_text("{ half a file")
    with pytest.raises(DataError, match=r"sweep\.json is not readable JSON .*delete it"):
        run_sweep([short], ["front_month"], 4, folder, chunk_size=2)
    (folder / "sweep.json").unlink()  # as the message says: the same settings write it again
    result = run_sweep([short], ["front_month"], 4, folder, chunk_size=2)
    assert (result.computed, result.skipped) == (0, 2)
    assert json.loads((folder / "sweep.json").read_text())["paths"] == 4


def test_a_garbage_chunk_is_named_and_recomputed_once_deleted(short, done: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = Path(shutil.copytree(done, tmp_path / "s"))
    bad = _chunks(folder)[0]
    bad.write_bytes(b"not parquet")
    match = rf"{bad.name} is not a readable Parquet file .*delete {bad.name} and run the same sweep again"
    with pytest.raises(DataError, match=match):
        run_sweep([short], ["front_month"], 4, folder, chunk_size=2)
    with pytest.raises(DataError, match=match):
        read_sweep(folder)
    bad.unlink()
    result = run_sweep([short], ["front_month"], 4, folder, chunk_size=2)
    assert (result.computed, result.skipped) == (1, 1)
    again, before = read_sweep(folder), read_sweep(done)
    assert again.drop(columns="monthly_nav").equals(before.drop(columns="monthly_nav"))  # the same numbers again


def test_a_chunk_of_other_settings_is_refused(short, done: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = Path(shutil.copytree(done, tmp_path / "s"))
    (folder / "sweep.json").unlink()
    with pytest.raises(DataError, match="holds seed 20260401 where this sweep has 7"):
        run_sweep([replace(short, seed=7)], ["front_month"], 4, folder, chunk_size=2)


def test_a_scheduler_that_is_not_an_address_is_one_line(tmp_path: Path) -> None:
    out = in_process(
        ["sweep", "-o", tmp_path / "s", "--paths", "2", "-s", "front_month", "--scheduler", "not an address"]
    )
    refused(out, "--scheduler 'not an address' is not a Dask scheduler address")
    assert not (tmp_path / "s").exists()


def test_an_unreachable_scheduler_leaves_no_settings_file(short, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "s"
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        run_sweep([short], ["front_month"], 2, folder, chunk_size=2, scheduler="tcp://127.0.0.1:9")
    assert not (folder / "sweep.json").exists()
    # so a sweep with other settings may use the folder
    result = run_sweep([short], ["front_month"], 2, folder, chunk_size=1)
    assert result.computed == 2


def test_a_billion_paths_in_chunks_of_one_is_refused_at_once(tmp_path: Path) -> None:
    out = in_process(["sweep", "-o", tmp_path / "s", "--paths", "1000000000", "--chunk-size", "1", "-s", "front_month"])
    refused(out, "would write 1,000,000,000 chunk files (at most 200,000); use --chunk-size 5,000 or more")
    assert not (tmp_path / "s").exists()


def test_a_sweep_larger_than_the_disk_is_refused(short, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import shutil as sh

    monkeypatch.setattr(sh, "disk_usage", lambda _p: sh._ntuple_diskusage(10**9, 10**9 - 10**6, 10**6))  # type: ignore[attr-defined]
    with pytest.raises(DataError, match=r"needs about .* of disk, but .* has 976\.6 KiB free"):
        run_sweep([short], ["front_month"], 1000, tmp_path / "s", chunk_size=500)
    assert not (tmp_path / "s").exists()


def test_chunks_too_big_for_memory_are_refused(short, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import etfsim._io

    monkeypatch.setattr(etfsim._io, "available_memory", lambda: 10**8)
    with pytest.raises(ConfigError, match=r"of memory, 95\.4 MiB is available; use --chunk-size"):
        run_sweep([short], ["front_month"], 100_000, tmp_path / "s", chunk_size=100_000)
