"""``--chunk-paths`` of ``etfsim backtest`` and ``etfsim compare``: the figures do not depend on it.

Both commands read the curve file a chunk of paths at a time.  Whatever the
chunk size, every printed figure must be the one the whole-file library call
gives (:func:`etfsim.pipeline.backtest`, :func:`etfsim.fund.compare`), and an
``--out`` file must hold the same bytes; a bad size exits 2 with one line.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from etfsim.curves.curve import read_curve
from etfsim.pipeline import backtest
from tests.cli.runner import MODES, REPO, Etfsim
from tests.cli.runner import in_process as _in_process
from tests.cli.runner import ok as _ok
from tests.cli.test_fund_cli import _rows as _fund_rows


@pytest.fixture(scope="module")
def curve_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from etfsim.scenario import load_scenario

    curve = dataclasses.replace(load_scenario(), years=1).simulate(paths=5, seed=41)
    path = tmp_path_factory.mktemp("chunk_cli") / "c5.parquet"
    curve.to_parquet(path)
    return path


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Etfsim:
    monkeypatch.chdir(REPO)
    return _in_process


FUND = ["--fund", "strategies/compute_default.toml"]


@pytest.mark.parametrize("size", ["1", "2", "5", "1000"])
def test_backtest_prints_the_same_tables_at_any_chunk_size(runner: Etfsim, curve_file: Path, size: str) -> None:
    args: list[object] = ["backtest", "--curves", curve_file, "-s", "gsci", "-s", "usl_strip12", *FUND]
    default = _ok(runner(args))
    assert _ok(runner([*args, "--chunk-paths", size])) == default


def test_backtest_out_file_has_the_same_bytes_at_any_chunk_size(
    runner: Etfsim, curve_file: Path, tmp_path: Path
) -> None:
    files = []
    for size in ("2", "1000"):
        out = tmp_path / f"levels_{size}.parquet"
        _ok(runner(["backtest", "--curves", curve_file, "-s", "gsci", "--chunk-paths", size, "--out", out]))
        files.append(out)
    assert files[0].read_bytes() == files[1].read_bytes()
    whole = backtest(read_curve(curve_file), ["gsci"]).to_frame()
    pd.testing.assert_frame_equal(pd.read_parquet(files[0]), whole, check_exact=True)


@pytest.mark.parametrize("size", ["1", "3", "1000"])
def test_compare_prints_the_same_table_at_any_chunk_size(runner: Etfsim, curve_file: Path, size: str) -> None:
    args: list[object] = ["compare", "--curves", curve_file, "--compute-beta", "0.5"]
    default = _ok(runner(args))
    chunked = _ok(runner([*args, "--chunk-paths", size]))
    assert chunked == default
    assert len(_fund_rows(chunked, 3)) == 13


@pytest.mark.parametrize("mode", ["runner", "subprocess"])
@pytest.mark.parametrize("command", ["backtest", "compare"])
@pytest.mark.parametrize("bad", ["0", "-3"])
def test_a_bad_chunk_size_exits_2_with_one_line(
    mode: str, command: str, bad: str, curve_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    out = MODES[mode]([command, "--curves", curve_file, "--chunk-paths", bad])
    assert out.code == 2, (out.stdout, out.stderr)
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("etfsim: error: chunk_paths (--chunk-paths) must be a whole number of paths >= 1")
    assert f"got {bad}" in lines[0] and "the default 100" in lines[0]
    assert out.stdout == ""
