"""``etfsim run`` on another scenario and ``etfsim report``: re-rendering and bad input.

Bad input exits with status 2 and one line on stderr, and leaves the work
folder exactly as it was: no partial report, no staging folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from etfsim.scenario import default_scenario_path
from tests.cli.runner import MODES, Etfsim
from tests.cli.runner import in_process as _in_process
from tests.cli.runner import ok as _ok

SHORT = ["--paths", "6", "--compare-paths", "3"]


def _scenario(
    folder: Path, replace: tuple[str, str] = ("years = 10 ", "years = 1.5 "), name: str = "short.toml"
) -> Path:
    text = default_scenario_path().read_text(encoding="utf-8")
    assert replace[0] in text
    path = folder / name
    path.write_text(text.replace(replace[0], replace[1]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def result_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A year and a half of the default scenario, six paths, written by ``etfsim run SCENARIO.toml``."""
    work = tmp_path_factory.mktemp("run")
    out = work / "out"
    stdout = _ok(_in_process(["run", _scenario(work), *SHORT, "--out-dir", out]))
    assert "6 x 377 x 24" in stdout  # the scenario file's year and a half, not the built-in ten years
    assert f"wrote {out / 'factsheet.pdf'}" in stdout
    return out


@pytest.fixture(params=["runner", "subprocess"])
def etfsim(request: pytest.FixtureRequest) -> Etfsim:
    return MODES[str(request.param)]


def test_report_renders_the_same_sheets_again(etfsim: Etfsim, result_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    stdout = _ok(etfsim(["report", result_dir, "--out-dir", out]))
    for name in ("factsheet.html", "factsheet.pdf", "rules.html", "rules.pdf"):
        assert f"wrote {out / name}" in stdout
    for name in ("factsheet.html", "rules.html"):
        assert (out / name).read_bytes() == (result_dir / name).read_bytes()


def _copy(result_dir: Path, work: Path) -> Path:
    folder = work / "result"
    folder.mkdir()
    for p in result_dir.iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    return folder


def _old_format(result_dir: Path, work: Path) -> Path:
    folder = _copy(result_dir, work)
    table = pq.read_table(folder / "study.parquet")
    meta = dict(table.schema.metadata)
    tag = json.loads(meta[b"etfsim.result"])
    tag["format"] = "etfsim.result/0"
    meta[b"etfsim.result"] = json.dumps(tag).encode()
    pq.write_table(table.replace_schema_metadata(meta), folder / "study.parquet")
    return folder


def _missing_file(result_dir: Path, work: Path) -> Path:
    folder = _copy(result_dir, work)
    (folder / "fund_headline.parquet").unlink()
    return folder


def _blocker(work: Path) -> Path:
    p = work / "blocker"
    p.write_text("a regular file where a folder should be\n")
    return p


BAD = {
    "run a scenario with a wrong type": (
        lambda w, r: ["run", _scenario(w, ("paths = 1000", 'paths = "many"')), "--out-dir", w / "out"],
        "[simulation] paths must be an integer, got str 'many'",
    ),
    "run a scenario with an unknown key": (
        lambda w, r: ["run", _scenario(w, ("seed = 20260401", "sead = 20260401")), "--out-dir", w / "out"],
        "unknown key 'sead' in [simulation]; valid keys:",
    ),
    "run into a folder under a regular file": (
        lambda w, r: ["run", *SHORT, "--out-dir", _blocker(w) / "reports"],
        "cannot write to",
    ),
    "report a missing folder": (lambda w, r: ["report", w / "nowhere"], "does not exist"),
    "report a folder of another format": (
        lambda w, r: ["report", _old_format(r, w)],
        "is result format 'etfsim.result/0', but this etfsim reads",
    ),
    "report a folder with a missing file": (
        lambda w, r: ["report", _missing_file(r, w)],
        "is missing fund_headline.parquet",
    ),
    "report a folder that is not a result": (lambda w, r: ["report", w], "has no study.parquet"),
    "report into a folder under a regular file": (
        lambda w, r: ["report", _copy(r, w), "--out-dir", _blocker(w) / "sheets"],
        "cannot write to",
    ),
}


@pytest.mark.parametrize(
    ("mode", "case"),
    [("runner", c) for c in BAD]
    + [("subprocess", "report a folder of another format"), ("subprocess", "run a scenario with a wrong type")],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    mode: str, case: str, tmp_path: Path, result_dir: Path
) -> None:
    build, words = BAD[case]
    work = tmp_path / "work"
    work.mkdir()
    args = build(work, result_dir)
    before = {p: (p.read_bytes() if p.is_file() else None) for p in work.rglob("*")}
    out = MODES[mode](args)
    assert out.code == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("etfsim: error: ")
    assert words in lines[0], lines[0]
    assert out.stdout == ""
    after = {p: (p.read_bytes() if p.is_file() else None) for p in work.rglob("*")}
    assert after == before  # nothing written, nothing half-written, no staging folder left behind
