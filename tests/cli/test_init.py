"""``etfsim init DIR``: every written file reads back to the built-in it copies; bad targets fail in one line."""

from __future__ import annotations

import os
import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest

import etfsim
from etfsim.cli.init import BLOCKS, starter_files, write_starter_files
from etfsim.exceptions import ConfigError
from tests.cli.runner import MODES, Etfsim, in_process, in_subprocess, ok

BUILTIN_STRATEGIES = sorted(
    p.name for p in resources.files("etfsim").joinpath("strategies").iterdir() if p.name.endswith(".toml")
)


@pytest.fixture(params=sorted(MODES))
def etfsim_cli(request: pytest.FixtureRequest) -> Etfsim:
    return MODES[request.param]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "mine"
    stdout = ok(in_process(["init", folder]))
    assert stdout.startswith(f"wrote {len(starter_files())} files to {folder}:")
    return folder


def test_the_folder_holds_the_scenarios_strategies_and_fund_terms(written: Path) -> None:
    files = sorted(p.relative_to(written).as_posix() for p in written.rglob("*") if p.is_file())
    expected = ["README.md", "fund.toml", "scenarios/compute_default.toml", "scenarios/h100.toml"]
    assert files == sorted(expected + [f"strategies/{n}" for n in BUILTIN_STRATEGIES])
    assert len(BUILTIN_STRATEGIES) >= 9
    assert not [p for p in written.parent.iterdir() if p.name.startswith(".mine.init-")]  # no staging left behind


def test_the_market_reads_back_as_the_built_in(written: Path) -> None:
    mine = etfsim.read_scenario(written / "scenarios" / "compute_default.toml")
    assert isinstance(mine, etfsim.Market)
    assert replace(mine, source="built-in") == etfsim.load_market()


def test_the_single_chip_scenario_reads_back_as_the_built_in(written: Path) -> None:
    mine = etfsim.read_scenario(written / "scenarios" / "h100.toml")
    assert isinstance(mine, etfsim.Scenario)
    assert replace(mine, source="built-in") == etfsim.load_scenario()


@pytest.mark.parametrize("name", BUILTIN_STRATEGIES)
def test_each_strategy_reads_back_as_the_built_in(written: Path, name: str) -> None:
    path = written / "strategies" / name
    builtin = etfsim.load_strategy(name.removesuffix(".toml"))
    assert etfsim.load_strategy(path) == replace(builtin, source=str(path))
    # ... and by name, from the folder as a user's strategies folder
    assert etfsim.load_strategy(name.removesuffix(".toml"), folder=written / "strategies").rule == builtin.rule


def test_the_fund_terms_read_back_as_the_default_strategys(written: Path) -> None:
    fund, demand = etfsim.load_fund(written / "fund.toml")
    default = etfsim.load_strategy("compute_default")
    assert default.fund is not None and default.demand is not None
    assert (fund, demand) == (default.fund, default.demand)
    sections = set(tomllib.loads((written / "fund.toml").read_text()))
    assert {"fund", "demand"} <= sections and not sections & {"strategy", "roll"}  # fund terms, not a strategy


def test_every_block_is_commented_and_the_sources_kept(written: Path) -> None:
    for path in written.rglob("*.toml"):
        lines = path.read_text().splitlines()
        assert lines[0].startswith("# Written by `etfsim init`") and lines[3].startswith("# Sources: "), path
        heads = {ln.split("#", 1)[0].strip() for ln in lines if ln.startswith("[")}
        assert heads <= set(BLOCKS), f"{path.name}: add a line for {heads - set(BLOCKS)} to etfsim.cli.init.BLOCKS"
        for head in heads:  # the first block of each kind has its line
            first = next(i for i, ln in enumerate(lines) if ln.split("#", 1)[0].strip() == head)
            assert lines[first - 1] == f"# {head}: {BLOCKS[head]}", (path.name, head)
    market = (written / "scenarios" / "compute_default.toml").read_text()
    builtin = resources.files("etfsim").joinpath("scenarios", "compute_default.toml").read_text()
    # the original's comments, sources included, are all there
    assert [ln for ln in builtin.splitlines() if ln.startswith("#")] == [
        ln
        for ln in market.splitlines()
        if ln.startswith("#") and not ln.startswith(("# Written", "# [", "# The comments"))
    ][3:]
    assert "Silicon Data" in market and "CBRE" in market
    assert "S&P GSCI Methodology" in (written / "strategies" / "gsci.toml").read_text()


def test_a_non_empty_folder_is_refused_in_one_line(etfsim_cli: Etfsim, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    out = etfsim_cli(["init", tmp_path])
    assert out.code == 2 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [
        f"etfsim: error: DIR {tmp_path} is not empty; give a new or empty folder, or pass --force to replace "
        "etfsim's files in it"
    ]
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]


def test_a_file_is_refused_in_one_line(etfsim_cli: Etfsim, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    out = etfsim_cli(["init", tmp_path / "taken"])
    assert out.code == 2
    assert out.stderr.strip().splitlines() == [
        f"etfsim: error: DIR {tmp_path / 'taken'} is a file, not a folder; give a new or empty folder"
    ]


def test_force_replaces_etfsims_files_and_keeps_the_others(tmp_path: Path) -> None:
    write_starter_files(tmp_path / "d")
    (tmp_path / "d" / "fund.toml").write_text("[fund]\nexpense_ratio = 0.02\n")
    (tmp_path / "d" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="is not empty"):
        write_starter_files(tmp_path / "d")
    ok(in_process(["init", tmp_path / "d", "--force"]))
    assert (tmp_path / "d" / "notes.txt").read_text() == "mine"
    assert etfsim.load_fund(tmp_path / "d" / "fund.toml")[0] == etfsim.load_strategy("compute_default").fund
    assert [p.name for p in tmp_path.iterdir()] == ["d"]  # the staging folder is gone


def test_an_empty_folder_and_missing_parents_are_fine(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert len(write_starter_files(tmp_path / "empty")) == len(starter_files())
    deep = tmp_path / "a" / "b" / "c"
    assert (deep / "fund.toml") in write_starter_files(deep)


def test_a_place_that_cannot_be_a_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    out = in_subprocess(["init", tmp_path / "file" / "mine"])
    assert out.code == 2
    assert out.stderr.strip().splitlines() == [
        f"etfsim: error: DIR {tmp_path / 'file' / 'mine'}: {tmp_path / 'file'} is a file, so it cannot hold a folder; "
        "give a path inside a folder"
    ]


def test_a_usage_error_exits_2(tmp_path: Path) -> None:
    out = in_subprocess(["init"])
    assert out.code == 2 and "DIR" in out.stderr
    assert "Write editable copies" in in_subprocess(["init", "--help"]).stdout
