"""``etfsim curves simulate --precision`` and ``etfsim curves export``, in process and as a subprocess."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from etfsim.curves.curve import read_curve
from etfsim.curves.io import read_header, write_curve
from etfsim.scenario import load_scenario
from tests.cli.runner import MODES, Etfsim, ok

pl = pytest.importorskip("polars")


@pytest.fixture(params=["runner", "subprocess"])
def etfsim(request: pytest.FixtureRequest) -> Etfsim:
    return MODES[str(request.param)]


@pytest.fixture(scope="module")
def curve_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quarter of the default single-chip scenario, two paths."""
    curve = dataclasses.replace(load_scenario(), years=0.25).simulate(paths=2, seed=3)
    return write_curve(curve, tmp_path_factory.mktemp("cli_export") / "c.parquet")


def _one_error_line(stderr: str, *parts: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("etfsim: error: "), stderr
    for part in parts:
        assert part in lines[0], lines[0]


def test_simulate_float32_rounds_the_float64_files_prices(etfsim: Etfsim, tmp_path: Path) -> None:
    common = ["curves", "simulate", "--scenario", "etfsim/scenarios/h100.toml", "--paths", "3", "--years", "0.25"]
    wide, compact = tmp_path / "c64.parquet", tmp_path / "c32.parquet"
    ok(etfsim([*common, "--out", wide]))
    stdout = ok(etfsim([*common, "--out", compact, "--precision", "float32"]))
    assert "float32" in stdout and "MB" in stdout
    assert read_header(compact)["precision"] == "float32" and "precision" not in read_header(wide)
    a, b = read_curve(wide), read_curve(compact)
    assert b.prices.tobytes() == a.prices.astype(np.float32).astype(np.float64).tobytes()
    assert compact.stat().st_size < wide.stat().st_size


def test_simulate_byte_split_is_exact(etfsim: Etfsim, tmp_path: Path) -> None:
    common = ["curves", "simulate", "--scenario", "etfsim/scenarios/h100.toml", "--paths", "2", "--years", "0.25"]
    ok(etfsim([*common, "--out", tmp_path / "plain.parquet"]))
    ok(etfsim([*common, "--out", tmp_path / "split.parquet", "--encoding", "byte-split"]))
    assert (
        read_curve(tmp_path / "split.parquet").prices.tobytes()
        == read_curve(tmp_path / "plain.parquet").prices.tobytes()
    )


@pytest.mark.parametrize(
    ("args", "parts"),
    [
        (["--precision", "float16"], ("precision must be one of float64, float32", "float16")),
        (["--encoding", "gzip"], ("encoding must be one of plain, byte-split", "gzip")),
    ],
)
def test_simulate_refuses_a_bad_storage_option(
    etfsim: Etfsim, tmp_path: Path, args: list[str], parts: tuple[str, ...]
) -> None:
    out = etfsim(["curves", "simulate", "--paths", "2", "--years", "0.1", "--out", tmp_path / "c.parquet", *args])
    assert out.code == 2
    _one_error_line(out.stderr, *parts)
    assert not (tmp_path / "c.parquet").exists()


def test_export_writes_a_long_table(etfsim: Etfsim, curve_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "long.parquet"
    stdout = ok(etfsim(["curves", "export", curve_file, "--long", out]))
    curve = read_curve(curve_file)
    rows = curve.n_paths * int((curve.contracts != "").sum())
    assert f"wrote {out} ({rows:,} rows: one per path, date and listed contract" in stdout
    frame = pl.read_parquet(out)
    assert frame.columns == ["path", "date", "slot", "contract", "expiry", "price", "spot"]
    assert frame.height == rows
    last = frame.filter((pl.col("path") == 1) & (pl.col("slot") == 3)).tail(1)
    assert last["contract"].item() == curve.contracts[-1, 3]
    assert last["price"].item() == curve.prices[1, -1, 3]
    # --out is the same option
    ok(etfsim(["curves", "export", curve_file, "-o", tmp_path / "again.parquet", "--paths-per-group", "1"]))
    assert pl.read_parquet(tmp_path / "again.parquet").equals(frame)
    assert pq.read_metadata(tmp_path / "again.parquet").num_row_groups == 2


@pytest.mark.parametrize(
    ("case", "parts"),
    [
        ("group", ("paths_per_group must be a whole number >= 1", "got 0")),
        ("missing", ("does not exist",)),
        ("same", ("another file than the curve file",)),
        ("export", ("is a long-table export of a curve",)),
    ],
)
def test_export_refuses_bad_input_in_one_line(
    etfsim: Etfsim, curve_file: Path, tmp_path: Path, case: str, parts: tuple[str, ...]
) -> None:
    source, extra = curve_file, []
    target = tmp_path / "long.parquet"
    if case == "group":
        extra = ["--paths-per-group", "0"]
    elif case == "missing":
        source = tmp_path / "nothing.parquet"
    elif case == "same":
        target = curve_file
    else:
        ok(etfsim(["curves", "export", curve_file, "--long", tmp_path / "first.parquet"]))
        source = tmp_path / "first.parquet"
    before = curve_file.read_bytes()
    out = etfsim(["curves", "export", source, "--long", target, *extra])
    assert out.code == 2
    _one_error_line(out.stderr, *parts)
    assert curve_file.read_bytes() == before
    assert not (tmp_path / "long.parquet").exists()
