"""Paths that are the wrong kind of thing, names that leave the output folder, and dates in messages.

Before: ``curves show`` on a folder and ``report`` on a file said "does not
exist"; ``-s gsci`` failed with "Is a directory" when the working folder held
a folder named ``gsci``; a scenario named ``../escaped`` wrote its sheet
outside ``reports/``; messages printed ``2026-04-01T00:00:00.000000000``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from etfsim.cli._common import report_folder
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.io import write_curve
from etfsim.exceptions import CalendarError, ConfigError
from etfsim.pipeline import load_strategy, resolve_strategy
from etfsim.scenario import load_scenario
from tests.cli.runner import in_process, ok
from tests.reliability.refusal import refused


@pytest.fixture(scope="module")
def curve() -> FuturesCurve:
    return replace(load_scenario(), years=0.5).simulate(paths=1, seed=2)


def test_curves_show_on_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    refused(in_process(["curves", "show", tmp_path]), "is a folder, not a curve file")


def test_report_on_a_file_says_it_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "factsheet.pdf"
    f.write_bytes(b"%PDF")
    refused(in_process(["report", f]), "factsheet.pdf is a file, not a result folder")


def test_a_strategy_name_wins_over_a_folder_of_that_name(
    curve: FuturesCurve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gsci").mkdir()
    write_curve(curve, tmp_path / "c.parquet")
    monkeypatch.chdir(tmp_path)
    assert resolve_strategy("gsci").name == "gsci"
    assert load_strategy("gsci").name == "gsci"
    stdout = ok(in_process(["backtest", "-c", "c.parquet", "-s", "gsci"]))
    assert "gsci" in stdout


def test_a_scenario_given_as_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    out = in_process(["curves", "simulate", "--scenario", tmp_path, "--paths", "1", "-o", tmp_path / "c.parquet"])
    refused(out, "is a folder, not a scenario file")


@pytest.mark.parametrize("name", ["../escaped", "/tmp/x", "a/b", "..", ".", "", "a\\b"])
def test_a_scenario_name_that_leaves_reports_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="cannot name a folder inside reports/"):
        report_folder(name)


def test_a_plain_scenario_name_is_a_folder_in_reports() -> None:
    assert report_folder("compute_h100") == Path("reports") / "compute_h100"


def test_dates_in_messages_are_dates_not_timestamps(curve: FuturesCurve) -> None:
    with pytest.raises(CalendarError) as before:
        curve.snapshot(date="2020-01-01")
    assert "before the curve starts (2026-04-01)" in str(before.value)
    with pytest.raises(CalendarError) as outside:
        curve.select(start="2050-01-01")
    assert "no date of the curve (2026-04-01 to 2026-" in str(outside.value)
    for err in (before.value, outside.value):
        assert "T00:00:00" not in str(err)
