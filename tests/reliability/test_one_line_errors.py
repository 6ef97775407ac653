"""Bad input that used to end in a traceback (exit 1) is refused in one line (exit 2, or one EtfsimError).

Curve files with metadata of the wrong type or a missing key, or a price
column of text; ``curves calibrate --chi0 inf``; a calendar rule with weight
"half" or date "not-a-date" (in the command line and in ``make_rule``);
``calibrate(spot="abc")`` and string tenors; ``snapshot(path=7)`` on a
curve with fewer paths; an unknown calendar, expiry rule or limit response.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etfsim.curves.calibrate import calibrate
from etfsim.curves.curve import FuturesCurve, read_curve
from etfsim.curves.io import write_curve
from etfsim.exceptions import ConfigError, DataError, EtfsimError, FileFormatError, UnknownNameError
from etfsim.fund import FundConfig
from etfsim.roll.rules import make_rule
from etfsim.scenario import default_scenario_path, load_scenario
from tests.cli.runner import in_process
from tests.reliability.refusal import refused

H100 = default_scenario_path().parent / "h100.toml"


@pytest.fixture(scope="module")
def curve() -> FuturesCurve:
    return replace(load_scenario(), years=0.5).simulate(paths=2, seed=3)


@pytest.fixture(scope="module")
def curve_file(curve: FuturesCurve, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("curve") / "c.parquet"
    write_curve(curve, path)
    return path


def _rewrite(src: Path, dst: Path, header: dict[str, object] | None = None, column: pa.Array | None = None) -> Path:
    table = pq.read_table(src)
    meta = dict(table.schema.metadata)
    key = next(k for k in meta if k.startswith(b"etfsim"))
    if column is not None:
        i = table.schema.names.index("s00")
        table = table.set_column(i, "s00", column)
    if header is not None:
        meta[key] = json.dumps(header).encode()
    pq.write_table(table.replace_schema_metadata(meta), dst)
    return dst


def _header(path: Path) -> dict[str, object]:
    meta = pq.read_schema(path).metadata
    return dict(json.loads(next(v for k, v in meta.items() if k.startswith(b"etfsim"))))


def test_depth_of_the_wrong_type_is_one_line(curve_file: Path, tmp_path: Path) -> None:
    bad = _rewrite(curve_file, tmp_path / "d.parquet", {**_header(curve_file), "depth": "twenty-four"})
    with pytest.raises(FileFormatError, match="depth must be a whole number > 0, got str 'twenty-four'"):
        read_curve(bad)
    refused(in_process(["curves", "show", bad]), "depth must be a whole number")


def test_a_missing_slot_index_is_one_line(curve_file: Path, tmp_path: Path) -> None:
    header = {k: v for k, v in _header(curve_file).items() if k != "slot_index"}
    bad = _rewrite(curve_file, tmp_path / "s.parquet", header)
    refused(in_process(["curves", "show", bad]), "lacks slot_index")


@pytest.mark.parametrize("text", ["n/a", "2.35"])
def test_a_price_column_of_text_is_one_line(curve_file: Path, tmp_path: Path, text: str) -> None:
    rows = pq.read_metadata(curve_file).num_rows
    bad = _rewrite(curve_file, tmp_path / "t.parquet", column=pa.array([text] * rows))
    with pytest.raises(FileFormatError, match="column s00 must hold numbers"):
        read_curve(bad)


def test_calibrate_with_an_infinite_chi0_is_one_line(tmp_path: Path) -> None:
    csv = tmp_path / "ts.csv"
    csv.write_text("tenor_months,price\n1,2.3\n2,2.2\n3,2.1\n6,2.0\n")
    refused(in_process(["curves", "calibrate", csv, "--spot", "2.35", "--chi0", "inf"]), "chi0 must be finite")


@pytest.mark.parametrize(
    ("kw", "error", "words"),
    [
        ({"spot": "abc"}, ConfigError, "spot must be a number"),
        ({"tenors": ["0.25", "0.5", "1.0"]}, DataError, "tenors must be numbers"),
        ({"prices": ["2.3", "2.2", "2.1"]}, DataError, "prices must be numbers"),
        ({"chi0": float("nan")}, ConfigError, "chi0 must be finite"),
    ],
)
def test_calibrate_refuses_text_and_non_finite_numbers(kw: dict[str, object], error: type, words: str) -> None:
    args: dict[str, object] = {"tenors": [0.25, 0.5, 1.0], "prices": [2.3, 2.2, 2.1], "spot": 2.35, **kw}
    with pytest.raises(error, match=words):
        calibrate(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"date": "not-a-date", "weights": {"GPUK26": 1.0}}, "calendar entry 0 date must be a date like 2026-04-01"),
        ({"date": "2026-04-01", "weights": {"GPUK26": "half"}}, "weights must be numbers (no quotes)"),
        ({"date": "2026-04-01", "weights": {"GPUK26": "1"}}, "weights must be numbers (no quotes)"),
    ],
)
def test_calendar_rule_refuses_bad_dates_and_weights(entry: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        make_rule("calendar", entries=[entry])


def test_calendar_rule_with_a_bad_date_is_one_line_in_the_cli(curve_file: Path, tmp_path: Path) -> None:
    toml = tmp_path / "cal.toml"
    toml.write_text(
        '[strategy]\nname = "cal"\ndescription = "by hand"\n\n[roll]\nrule = "calendar"\n'
        'entries = [{date = "not-a-date", weights = {GPUK26 = 1.0}}]\n'
    )
    refused(in_process(["backtest", "-c", curve_file, "-s", toml]), "calendar entry 0 date must be a date")


def test_snapshot_of_a_path_the_curve_lacks(curve: FuturesCurve) -> None:
    with pytest.raises(DataError, match="paths 7 out of range for a curve with 2 paths"):
        curve.snapshot(path=7)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('calendar = "Mars"', "unknown calendar 'Mars'; known calendars: NYSE"),
        ('expiry_rule = "whenever"', "expiry_rule must be a table"),
    ],
)
def test_an_unknown_calendar_or_expiry_rule_is_one_line(tmp_path: Path, line: str, words: str) -> None:
    text = H100.read_text(encoding="utf-8")
    assert 'base = "compute-h100"' in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('base = "compute-h100"', f'base = "compute-h100"\n{line}', 1), encoding="utf-8")
    refused(in_process(["curves", "simulate", "--scenario", bad, "--paths", "1", "-o", tmp_path / "c.parquet"]), words)
    assert not (tmp_path / "c.parquet").exists()


def test_an_unknown_limit_response_lists_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match="unknown limit response 'ignore'; known limit responses: halt"):
        FundConfig(limit_response="ignore")
    assert issubclass(UnknownNameError, EtfsimError)
