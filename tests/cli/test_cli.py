"""The command line, through Typer's CliRunner and as a real ``python -m etfsim`` subprocess.

Every test runs both ways (the ``etfsim`` fixture): the in-process runner sees
the library's objects, the subprocess sees what a user's shell sees, stderr
line count included.  Numbers printed are checked against the library call the
command makes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from etfsim.curves.calibrate import calibrate, read_term_structure
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.io import write_curve
from etfsim.curves.realdata import load_pysystemtrade
from etfsim.pipeline import load_strategy
from etfsim.report.headline import headline_path
from etfsim.scenario import Scenario, default_scenario_path, load_market, load_scenario
from tests.cli.runner import MODES, REPO, Etfsim
from tests.cli.runner import ok as _ok

SAMPLE = REPO / "data" / "compute" / "sample_term_structure.csv"
CRUDE_W = "pysystemtrade/multiple_prices_csv/CRUDE_W.csv.gz"
# wide enough that rich never wraps a line; no forced colour, so stderr is plain text


@pytest.fixture(params=["runner", "subprocess"])
def etfsim(request: pytest.FixtureRequest) -> Etfsim:
    return MODES[str(request.param)]


@pytest.fixture(scope="module")
def default() -> Scenario:
    return load_scenario()


@pytest.fixture(scope="module")
def curve_file(tmp_path_factory: pytest.TempPathFactory, default: Scenario) -> Path:
    """Half a year of the default scenario, three paths, written by the library."""
    path = tmp_path_factory.mktemp("curves") / "half_year.parquet"
    write_curve(dataclasses.replace(default, years=0.5).simulate(paths=3, seed=11), path)
    return path


def _cell(label: str, value: str) -> str:
    """Regex for a table row: ``label`` then, across box characters, ``value``."""
    return re.escape(label) + r"[\s│|┃]+" + re.escape(value)


def _day(d: np.datetime64) -> str:
    return str(np.datetime64(d, "D"))


# -- run --------------------------------------------------------------------------------
def test_run_writes_curves_and_prints_the_summary(etfsim: Etfsim, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    stdout = _ok(etfsim(["run", "--paths", "20", "--out-dir", out_dir]))
    market = load_market()  # the default of etfsim run: the compute market
    (paths,) = list(market.iter_markets(paths=20, chunk_size=20))  # what run simulates, recomputed in process
    held = paths.curve(load_strategy("compute_default").holding)  # the headline strategy's generations
    curve = paths.curve()  # the market's default holding, which the summary table describes
    headline = FuturesCurve.read_parquet(str(out_dir / "curve_headline.parquet"))
    assert headline.n_paths == 1
    hp = headline.metadata["headline_path"]  # the path nearest the median on its worst measure
    shown = held.block_curve(int(held.current_block()[-1]), from_launch=False)  # the chip held at the end
    np.testing.assert_array_equal(headline.prices[0], shown.select_paths([hp]).prices[0])
    assert shown.metadata["holding"] == "rubin_ultra"
    assert headline.metadata["seed"] == market.seed == 20260401
    assert headline.metadata["scenario"] == "compute_default"
    assert headline.metadata["model"] == "market"
    assert headline.metadata["holding"] == "rubin_ultra"
    # the summary table describes the curve it simulated
    assert "compute_default" in stdout
    assert re.search(_cell("paths x dates x depth", f"20 x {curve.n_dates:,} x 24"), stdout)
    assert re.search(_cell("horizon", f"{_day(curve.dates[0])} to {_day(curve.dates[-1])}"), stdout)
    assert _day(curve.dates[0]) == "2026-04-01"
    assert re.search(_cell("spot at start", f"{curve.spot[0, 0]:,.2f} per GPU-hour"), stdout)
    p5, p50, p95 = np.percentile(curve.spot[:, -1], [5, 50, 95])
    assert f"{p5:,.2f} / {p50:,.2f} / {p95:,.2f}" in stdout
    state = curve.term_structure_state()
    assert re.search(_cell("path-days in contango (F1 > F0)", f"{state['contango']:.1%}"), stdout)
    assert re.search(_cell("path-days in backwardation", f"{state['backwardation']:.1%}"), stdout)
    # every standard strategy is back-tested on every path, and its statistics are written
    stats = pd.read_parquet(out_dir / "strategy_stats.parquet")
    shipped = (Path(__file__).resolve().parents[2] / "strategies").glob("*.toml")
    names = sorted(p.stem for p in shipped if p.stem != "uso_2020")  # a replay tied to dates runs when named
    assert sorted(stats["strategy"].unique()) == names
    assert len(stats) == 20 * len(names)
    for name in names:
        assert name in stdout
    gsci = stats[stats["strategy"] == "gsci"]
    assert f"{gsci['er_return'].mean():+.2%}" in stdout
    headline_idx = pd.read_parquet(out_dir / "indices_headline.parquet")
    assert set(headline_idx["path"]) == {hp} and len(headline_idx) == len(names) * curve.n_dates
    per_path = pd.read_parquet(out_dir / "fund_paths.parquet")
    assert hp == headline_path(per_path)  # etfsim.report.headline's rule, on the table the folder holds
    for name in ("curve_headline", "indices_headline", "strategy_stats"):
        assert f"wrote {out_dir / name}.parquet" in stdout
    # the fact sheet, the rule comparison and the data behind them (tests/report checks their contents)
    for name in (
        "factsheet.html",
        "factsheet.pdf",
        "rules.html",
        "rules.pdf",
        "study.parquet",
        "fund_headline.parquet",
    ):
        assert (out_dir / name).is_file()
        assert f"wrote {out_dir / name}" in stdout
    assert "fact sheet: Hypothetical Compute Generations Futures ETF" in stdout  # the fund named after what it holds


# -- curves simulate --------------------------------------------------------------------
def test_simulate_in_chunks_equals_the_library_in_memory(etfsim: Etfsim, tmp_path: Path, default: Scenario) -> None:
    out = tmp_path / "c.parquet"
    args = ["--scenario", default_scenario_path(), "--paths", "30", "--years", "1", "--seed", "5", "--chunk-size", "7"]
    stdout = _ok(etfsim(["curves", "simulate", "--out", out, *args]))
    disk = FuturesCurve.read_parquet(str(out))
    mem = dataclasses.replace(default, years=1).simulate(paths=30, seed=5)
    assert pq.ParquetFile(out).num_row_groups == 5  # 7 + 7 + 7 + 7 + 2 paths: it really was chunked
    assert disk.prices.tobytes() == mem.prices.tobytes()
    assert disk.spot is not None and mem.spot is not None
    assert disk.spot.tobytes() == mem.spot.tobytes()
    np.testing.assert_array_equal(disk.dates, mem.dates)
    np.testing.assert_array_equal(disk.contracts, mem.contracts)
    np.testing.assert_array_equal(disk.expiries, mem.expiries)
    assert dict(disk.metadata) == dict(mem.metadata)
    assert disk.metadata["seed"] == 5
    assert f"wrote {out} (30 paths x {disk.n_dates} dates x 24 slots, seed 5)" in stdout


def test_simulate_param_override_changes_the_model(etfsim: Etfsim, tmp_path: Path, default: Scenario) -> None:
    out = tmp_path / "k.parquet"
    _ok(
        etfsim(
            [
                "curves",
                "simulate",
                "--out",
                out,
                "--scenario",
                default_scenario_path(),
                "--paths",
                "2",
                "--years",
                "0.5",
                "--seed",
                "3",
                "-p",
                "kappa=2.5",
                "--param",
                "rho=-0.2",
            ]
        )
    )
    disk = FuturesCurve.read_parquet(str(out))
    params = disk.metadata["params"]
    assert params["kappa"] == 2.5 and params["rho"] == -0.2
    assert params["sigma_chi"] == default.model.sigma_chi == 0.6  # the rest is the scenario's
    model = dataclasses.replace(default.model, kappa=2.5, rho=-0.2)
    want = dataclasses.replace(default, years=0.5, model=model).simulate(paths=2, seed=3)
    assert disk.prices.tobytes() == want.prices.tobytes()
    plain = dataclasses.replace(default, years=0.5).simulate(paths=2, seed=3)
    assert not np.array_equal(disk.prices, plain.prices)


# -- curves show ------------------------------------------------------------------------
def test_show_prints_dates_depth_state_and_snapshot(etfsim: Etfsim, curve_file: Path) -> None:
    stdout = _ok(etfsim(["curves", "show", curve_file]))
    curve = FuturesCurve.read_parquet(str(curve_file))
    state = curve.term_structure_state()
    assert re.search(
        re.escape(f"{curve.n_dates:,}: {_day(curve.dates[0])}") + r".* to " + re.escape(_day(curve.dates[-1])), stdout
    )
    assert re.search(_cell("depth", "24 slots"), stdout)
    assert re.search(_cell("paths", "3"), stdout)
    assert re.search(_cell("seed", "11"), stdout)
    assert re.search(_cell("contango", f"{state['contango']:.1%} of path-dates (F1 > F0)"), stdout)
    assert re.search(_cell("backwardation", f"{state['backwardation']:.1%} of path-dates (F1 < F0)"), stdout)
    assert 0 < state["contango"] < 1
    # the snapshot: the last date, path 0, one row per listed slot
    assert f"curve on {_day(curve.dates[-1])}" in stdout and ", path 0" in stdout
    snap = curve.snapshot(path=0)
    assert len(snap) == 24
    lines = stdout.splitlines()
    for slot, row in enumerate(snap.itertuples(index=False)):
        (line,) = [ln for ln in lines if f" {row.contract} " in ln]
        assert re.search(rf"^\W*{slot}\W+{row.contract}\W", line)
        assert f"{row.price:,.4f}" in line
    f0, f1 = snap["price"].iloc[0], snap["price"].iloc[1]
    assert f"front spread F1/F0 - 1 = {f1 / f0 - 1:+.2%}" in stdout


def test_show_another_path_on_a_weekend_date_uses_the_friday(etfsim: Etfsim, curve_file: Path) -> None:
    stdout = _ok(etfsim(["curves", "show", curve_file, "--path", "2", "--date", "2026-05-02"]))
    curve = FuturesCurve.read_parquet(str(curve_file))
    assert "curve on 2026-05-01" in stdout and ", path 2" in stdout  # Saturday 2 May -> Friday 1 May
    assert "curve on 2026-05-02" not in stdout
    snap = curve.snapshot("2026-05-01", path=2)
    other = curve.snapshot("2026-05-01", path=0)
    assert snap["price"].iloc[3] != other["price"].iloc[3]
    for price in snap["price"]:
        assert f"{price:,.4f}" in stdout


# -- curves import ----------------------------------------------------------------------
def test_import_pysystemtrade_writes_a_one_path_curve(etfsim: Etfsim, tmp_path: Path, reference_dir: Path) -> None:
    src = reference_dir / CRUDE_W
    if not src.is_file():
        pytest.skip(f"{src} not found")
    out = tmp_path / "crude.parquet"
    stdout = _ok(etfsim(["curves", "import", src, "--out", out]))
    curve = FuturesCurve.read_parquet(str(out))
    # README (pysystemtrade/README.md): CRUDE_W has 45,122 rows; carry, price and forward contracts
    assert (curve.n_paths, curve.n_dates, curve.depth) == (1, 45_122, 3)
    assert curve.held is not None and curve.held[0] == "CLZ91"
    assert curve.metadata["source"] == "pysystemtrade" and curve.metadata["view"] == "timestamps"
    direct = load_pysystemtrade(src)
    np.testing.assert_array_equal(curve.prices, direct.prices)  # NaN where the file has no print
    assert f"wrote {out} (1 path x 45122 dates x 3 slots)" in stdout


# -- curves calibrate -------------------------------------------------------------------
def test_calibrate_sample_snapshot(etfsim: Etfsim) -> None:
    stdout = _ok(etfsim(["curves", "calibrate", SAMPLE, "--spot", "2.35", "--chi0", "0.25"]))
    match = re.search(r"kappa\s+([0-9.]+)", stdout)
    assert match is not None
    assert abs(float(match.group(1)) - 4.0) < 0.1  # the sample was generated with kappa 4
    tenors, prices = read_term_structure(SAMPLE)
    fit = calibrate(tenors, prices, 2.35, prior=load_scenario().model, chi0=0.25)
    assert match.group(1) == f"{fit.model.kappa:.6f}"
    assert f"lambda_chi {fit.model.lambda_chi:.6f}" in stdout
    assert f"mu_xi_star {fit.model.mu_xi_star:.6f}" in stdout
    assert "36 tenors, spot 2.35, chi0 0.25 (converged)" in stdout
    rows = [ln for ln in stdout.splitlines() if re.match(r"^\W*\d+\W+\d\.\d{4}\W+\d\.\d{4}\W+[+-]\d\.\d{4}\W*$", ln)]
    assert len(rows) == 36


# -- bad input: exit 2, one line on stderr, no traceback ---------------------------------
def _typo_scenario(tmp: Path) -> Path:
    text = default_scenario_path().read_text(encoding="utf-8")
    text = text.replace("paths = 1000", "pathz = 1000")
    assert "pathz" in text
    p = tmp / "typo.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _reversed_scenario(tmp: Path) -> Path:
    text = default_scenario_path().read_text(encoding="utf-8")
    text = re.sub(r"(?m)^years = 10.*$", 'end = "2026-01-02"', text)
    p = tmp / "reversed.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _text_file(tmp: Path) -> Path:
    p = tmp / "notes.parquet"
    p.write_text("not a parquet file\n")
    return p


def _blocker(tmp: Path) -> Path:
    p = tmp / "blocker"
    p.write_text("a regular file where a folder should be\n")
    return p


SIM = ["--scenario", str(default_scenario_path()), "--paths", "2", "--years", "0.1"]  # the single-chip scenario

# case -> (arguments from a work folder and a good curve file, words of the error line)
BAD: dict[str, tuple[Callable[[Path, Path], list[object]], str]] = {
    "show a missing file": (lambda t, c: ["curves", "show", t / "missing.parquet"], "does not exist"),
    "show a text file": (lambda t, c: ["curves", "show", _text_file(t)], "is not a Parquet file"),
    "show a CSV": (lambda t, c: ["curves", "show", SAMPLE], "is not a Parquet file"),
    "show a path out of range": (
        lambda t, c: ["curves", "show", c, "--path", "3"],
        "--path must be between 0 and 2, got 3",
    ),
    "show an unreadable date": (
        lambda t, c: ["curves", "show", c, "--date", "someday"],
        "date 'someday' is not a date",
    ),
    "show a date before the curve": (
        lambda t, c: ["curves", "show", c, "--date", "2020-01-01"],
        "is before the curve starts",
    ),
    "simulate a scenario with a typo": (
        lambda t, c: ["curves", "simulate", "--out", t / "o.parquet", "--scenario", _typo_scenario(t)],
        "typo.toml: unknown key 'pathz' in [simulation]; valid keys: chunk_size, collateral_rate, end, measure, paths, seed, start, years",
    ),
    "run a scenario with a typo": (
        lambda t, c: ["run", _typo_scenario(t), "--out-dir", t / "out"],
        "unknown key 'pathz' in [simulation]",
    ),
    "run a reversed scenario": (
        lambda t, c: ["run", _reversed_scenario(t), "--out-dir", t / "out"],
        "end 2026-01-02 must be after start 2026-04-01",
    ),
    "param kappa=0": (
        lambda t, c: ["curves", "simulate", "--out", t / "o.parquet", *SIM, "-p", "kappa=0"],
        "kappa must be > 0",
    ),
    "param bogus=1": (
        lambda t, c: ["curves", "simulate", "--out", t / "o.parquet", *SIM, "-p", "bogus=1"],
        "--param takes name=value",
    ),
    "param not a number": (
        lambda t, c: ["curves", "simulate", "--out", t / "o.parquet", *SIM, "-p", "rho=high"],
        "--param rho must be a number",
    ),
    "unknown import format": (
        lambda t, c: ["curves", "import", SAMPLE, "--out", t / "i.parquet", "--format", "bloomberg"],
        "unknown real-data format 'bloomberg'; known real-data formats: eia-wti, long-table, nearby, pysystemtrade",
    ),
    "negative years": (
        lambda t, c: ["curves", "simulate", "--out", t / "o.parquet", "--paths", "2", "--years", "-1"],
        "years must be between 0 and 100",
    ),
    "simulate under a regular file": (
        lambda t, c: ["curves", "simulate", "--out", _blocker(t) / "sub" / "o.parquet", *SIM],
        "cannot write",
    ),
    "simulate onto a folder": (lambda t, c: ["curves", "simulate", "--out", t, *SIM], "cannot write"),
    "run under a regular file": (
        lambda t, c: ["run", "--paths", "2", "--out-dir", _blocker(t) / "sub"],
        "cannot write",
    ),
    "calibrate a missing file": (
        lambda t, c: ["curves", "calibrate", t / "ts.csv", "--spot", "2.35"],
        "term-structure file",
    ),
    "calibrate with a negative spot": (
        lambda t, c: ["curves", "calibrate", SAMPLE, "--spot", "-2.35"],
        "spot must be a positive price",
    ),
}


# every case runs in process; these also as a subprocess (each costs a Python start-up)
AS_SUBPROCESS = (
    "show a missing file",
    "show a text file",
    "show an unreadable date",
    "simulate a scenario with a typo",
    "param kappa=0",
    "param bogus=1",
    "unknown import format",
    "negative years",
    "simulate under a regular file",
    "run under a regular file",
)


@pytest.mark.parametrize(("mode", "case"), [("runner", c) for c in BAD] + [("subprocess", c) for c in AS_SUBPROCESS])
def test_bad_input_exits_2_with_one_line(mode: str, case: str, tmp_path: Path, curve_file: Path) -> None:
    etfsim = MODES[mode]
    build, words = BAD[case]
    work = tmp_path / "work"
    work.mkdir()
    args = build(work, curve_file)
    before = set(work.rglob("*"))
    out = etfsim(args)
    assert out.code == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("etfsim: error: ")
    assert words in lines[0]
    assert out.stdout == ""
    assert set(work.rglob("*")) == before  # nothing written, nothing half-written left behind


def test_bad_input_leaves_an_existing_output_intact(etfsim: Etfsim, tmp_path: Path, curve_file: Path) -> None:
    out = tmp_path / "c.parquet"
    out.write_bytes(curve_file.read_bytes())
    result = etfsim(["curves", "simulate", "--out", out, "--paths", "2", "--years", "-1"])
    assert result.code == 2
    assert out.read_bytes() == curve_file.read_bytes()
    pd.testing.assert_frame_equal(
        FuturesCurve.read_parquet(str(out)).to_frame(), FuturesCurve.read_parquet(str(curve_file)).to_frame()
    )
