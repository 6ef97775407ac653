"""A report folder changes as a whole, and ``etfsim report`` refuses one that does not hold one run.

``etfsim run`` replaces a folder's files one by one; its ``files.json`` is
removed before the first and written after the last, with each file's
SHA-256.  A run stopped in between, or files copied in from another run,
leave a folder ``etfsim report`` refuses in one line, where it used to render
the mixture with exit 0.  Staging folders and temporary files of killed runs
are removed by the next run into the same place.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from etfsim._io import atomic_path, temp_tag
from etfsim.exceptions import DataError
from etfsim.report.render import render_report
from etfsim.report.results import FILES_MANIFEST, load_results
from tests.cli.runner import in_process, ok
from tests.reliability.refusal import refused

SHORT = ["--paths", "4", "--compare-paths", "2"]


def _scenario(folder: Path, seed: int) -> Path:
    from etfsim.scenario import default_scenario_path

    text = default_scenario_path().read_text(encoding="utf-8")
    assert "years = 10 " in text and "seed = 20260401" in text
    path = folder / f"short{seed}.toml"
    path.write_text(text.replace("years = 10 ", "years = 1 ").replace("seed = 20260401", f"seed = {seed}"))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two short runs of the default market with different seeds, each in its own folder."""
    work = tmp_path_factory.mktemp("runs")
    out = []
    for seed in (1, 2):
        folder = work / f"seed{seed}"
        ok(in_process(["run", _scenario(work, seed), *SHORT, "--out-dir", folder]))
        out.append(folder)
    return out[0], out[1]


def _copy(folder: Path, to: Path) -> Path:
    shutil.copytree(folder, to)
    return to


def test_a_run_writes_its_file_list_last_and_report_checks_it(runs: tuple[Path, Path]) -> None:
    first, _ = runs
    listed = json.loads((first / FILES_MANIFEST).read_text())["files"]
    assert {"study.parquet", "curve_headline.parquet", "factsheet.pdf", "rules.html"} <= set(listed)
    assert set(listed) == {p.name for p in first.iterdir() if p.name != FILES_MANIFEST}
    load_results(first)  # whole: loads


def test_a_folder_mixing_two_runs_is_refused(runs: tuple[Path, Path], tmp_path: Path) -> None:
    first, second = runs
    mixed = _copy(first, tmp_path / "mixed")
    shutil.copy(second / "study.parquet", mixed / "study.parquet")  # new study, old tables: what a kill left
    out = in_process(["report", mixed])
    refused(out, "study.parquet differs from the one listed in files.json: the folder mixes files of two runs")


def test_a_folder_without_its_file_list_is_refused(runs: tuple[Path, Path], tmp_path: Path) -> None:
    torn = _copy(runs[0], tmp_path / "torn")
    (torn / FILES_MANIFEST).unlink()
    refused(in_process(["report", torn]), "has no files.json: a run stopped while replacing its files")


def test_a_run_stopped_between_two_renames_leaves_a_folder_report_refuses(
    runs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy(runs[0], tmp_path / "again")
    results = load_results(runs[1])
    real = os.replace
    moved: list[str] = []

    def stop_after_two(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if len(moved) == 2:
            raise KeyboardInterrupt  # killed between two renames
        moved.append(Path(dst).name)
        real(src, dst)

    from etfsim.report import render

    monkeypatch.setattr(render.os, "replace", stop_after_two)
    with pytest.raises(KeyboardInterrupt):
        render.write_report(results, folder)
    monkeypatch.setattr(render.os, "replace", real)
    assert len(moved) == 2 and not (folder / FILES_MANIFEST).exists()
    with pytest.raises(DataError, match="has no files.json"):
        load_results(folder)
    render.write_report(results, folder)  # the next run makes it whole again
    assert load_results(folder).facts.paths == results.facts.paths


def test_report_renders_again_in_place_and_keeps_the_data_listed(runs: tuple[Path, Path], tmp_path: Path) -> None:
    folder = _copy(runs[0], tmp_path / "inplace")
    render_report(folder)
    listed = json.loads((folder / FILES_MANIFEST).read_text())["files"]
    assert "nav_fan.parquet" in listed and "factsheet.html" in listed
    load_results(folder)


def test_nav_fan_with_other_columns_is_one_line(runs: tuple[Path, Path], tmp_path: Path) -> None:
    folder = _copy(runs[0], tmp_path / "fan")
    table = pq.read_table(folder / "nav_fan.parquet")
    frame = pd.DataFrame({"something": range(table.num_rows)})
    import pyarrow as pa

    other = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(table.schema.metadata)
    pq.write_table(other, folder / "nav_fan.parquet")
    refused(in_process(["report", folder]), "nav_fan.parquet differs from the one listed in files.json")


def test_study_tag_that_is_not_json_is_one_line(runs: tuple[Path, Path], tmp_path: Path) -> None:
    folder = _copy(runs[0], tmp_path / "tag")
    table = pq.read_table(folder / "study.parquet")
    meta = {**table.schema.metadata, b"etfsim.result": b"{not json"}
    pq.write_table(table.replace_schema_metadata(meta), folder / "study.parquet")
    refused(in_process(["report", folder]), "study.parquet in")


def test_report_pointed_at_a_file_says_it_is_a_file(runs: tuple[Path, Path]) -> None:
    refused(in_process(["report", runs[0] / "factsheet.pdf"]), "factsheet.pdf is a file, not a result folder")


def test_stale_staging_folders_are_removed_and_live_ones_kept(runs: tuple[Path, Path], tmp_path: Path) -> None:
    folder = _copy(runs[0], tmp_path / "stale")
    host = temp_tag().rpartition("-")[0]
    dead = folder / f".etfsim-staging-{host}-999999999.abc"  # a pid no process has
    untagged = folder / ".etfsim-staging-k2j3h4"  # written before staging folders named their process
    live = folder / f".etfsim-staging-{temp_tag()}.xyz"  # this very process: still running
    for d in (dead, untagged, live):
        d.mkdir()
        (d / "factsheet.html").write_text("half a sheet")
    render_report(folder)
    assert not dead.exists() and not untagged.exists()
    assert live.exists()


def test_stale_temporary_files_are_removed_by_the_next_write(tmp_path: Path) -> None:
    host = temp_tag().rpartition("-")[0]
    target = tmp_path / "c.parquet"
    dead = tmp_path / f".c.parquet.{host}-999999999.q1w2e3.tmp"
    old = tmp_path / ".c.parquet.q1w2e3.tmp"
    for f in (dead, old):
        f.write_bytes(b"half a file")
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole"
    assert not dead.exists() and not old.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.parquet"]
