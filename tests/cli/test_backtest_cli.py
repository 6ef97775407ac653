"""``etfsim backtest`` (and the strategy table of ``etfsim run``) from the command line.

Runs through Typer's CliRunner and, for a few cases, as a real ``python -m
etfsim`` subprocess.  Every number printed is compared with the library's
:func:`etfsim.backtest.backtest` table, formatted independently here.  Real
data: the EIA WTI file (``shared/data/reference/eia_wti/README.md``) imported
with ``etfsim curves import``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim import sample_data
from etfsim.curves.curve import FuturesCurve, read_curve
from etfsim.pipeline import backtest, statistics_of
from etfsim.scenario import load_scenario
from tests.cli.runner import MODES, REPO, Etfsim
from tests.cli.runner import in_process as _in_process
from tests.cli.runner import ok as _ok

# the built-ins a backtest runs by default: every file but a replay tied to dates (uso_2020), which runs when named
STRATEGY_NAMES = sorted(p.stem for p in (REPO / "strategies").glob("*.toml") if p.stem != "uso_2020")
EIA = sample_data("eia_wti")  # shipped with etfsim (etfsim/data/), the same bytes as the reference copy
# wide enough that rich never wraps or truncates a cell; no forced colour, so stderr is plain text
RANGE_TITLE = "5% - 95% range across paths"


@pytest.fixture(params=["runner", "subprocess"])
def etfsim(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Etfsim:
    monkeypatch.chdir(REPO)  # relative strategy paths mean the same in both modes
    return MODES[str(request.param)]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Etfsim:
    monkeypatch.chdir(REPO)
    return _in_process


# -- the table, parsed and expected ----------------------------------------------------------
def _fmt(value: float, kind: str) -> str:
    """The CLI's formats, written out: signed returns, unsigned shares, counts with commas."""
    if not math.isfinite(value):
        return "n/a"
    return {"pct": f"{value:+.2%}", "share": f"{value:.2%}", "pct_u": f"{value:.2%}", "int": f"{value:,.0f}"}[kind]


METRICS = [(s.column, s.fmt) for s in statistics_of("backtest")]
METRICS_LABELS = [s.label for s in statistics_of("backtest")]


def _rows(stdout: str, n_cells: int) -> list[list[str]]:
    """Body rows of the rich tables with ``n_cells`` cells (the main table has 9, the range table 7)."""
    rows = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("│") and line.endswith("│"):
            cells = [c.strip() for c in line[1:-1].split("│")]
            if len(cells) == n_cells:
                rows.append(cells)
    return rows


def _expected_main(table: pd.DataFrame) -> list[list[str]]:
    return [[str(name), *(_fmt(float(row[c]), kind) for c, kind in METRICS)] for name, row in table.iterrows()]


def _expected_range(table: pd.DataFrame) -> list[list[str]]:
    out = []
    for name, row in table.iterrows():
        cells = [str(name)]
        for col in ("er_return", "tr_return", "term_structure"):
            cells += [_fmt(float(row[f"{col}_p5"]), "pct"), _fmt(float(row[f"{col}_p95"]), "pct")]
        out.append(cells)
    return out


def _day(d: np.datetime64) -> str:
    return str(np.datetime64(d, "D"))


# -- curve files ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sim_curve() -> FuturesCurve:
    return dataclasses.replace(load_scenario(), years=1).simulate(paths=4, seed=31)


@pytest.fixture(scope="module")
def curve_file(tmp_path_factory: pytest.TempPathFactory, sim_curve: FuturesCurve) -> Path:
    """A year of the default scenario, four paths, written by FuturesCurve.to_parquet."""
    path = tmp_path_factory.mktemp("curves") / "year.parquet"
    sim_curve.to_parquet(str(path))
    return path


@pytest.fixture(scope="module")
def one_path_file(tmp_path_factory: pytest.TempPathFactory, sim_curve: FuturesCurve) -> Path:
    path = tmp_path_factory.mktemp("curves") / "one.parquet"
    sim_curve.select(paths=2).to_parquet(str(path))
    return path


# -- simulated curves ------------------------------------------------------------------------
def test_default_strategies_one_row_each(etfsim: Etfsim, curve_file: Path) -> None:
    stdout = _ok(etfsim(["backtest", "--curves", curve_file]))
    curve = read_curve(curve_file)
    table = backtest(curve).table()
    assert list(table.index) == STRATEGY_NAMES
    assert _rows(stdout, 9) == _expected_main(table)
    # four paths: the title says the table shows means, and the 5-95% table follows
    assert (
        f"compute_h100: 4 path(s), {_day(curve.dates[0])} to {_day(curve.dates[-1])}, "
        "collateral 0.00% (mean across paths)"
    ) in stdout
    assert RANGE_TITLE in stdout
    assert _rows(stdout, 7) == _expected_range(table)
    gsci = table.loc["gsci"]
    assert gsci["er_return_p5"] < gsci["er_return_p95"]  # the range is a real range


def test_named_strategies_and_out_file(etfsim: Etfsim, curve_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "levels.parquet"
    stdout = _ok(etfsim(["backtest", "--curves", curve_file, "-s", "gsci", "-s", "strategies/uso.toml", "--out", out]))
    result = backtest(read_curve(curve_file), ["gsci", REPO / "strategies" / "uso.toml"])
    table = result.table()
    main = _rows(stdout, 9)
    assert [r[0] for r in main] == ["gsci", "uso"]
    assert main == _expected_main(table)
    assert _rows(stdout, 7) == _expected_range(table)
    pd.testing.assert_frame_equal(pd.read_parquet(out), result.to_frame())
    assert f"wrote {out}" in stdout


def test_one_path_curve_prints_no_range_table(runner: Etfsim, one_path_file: Path) -> None:
    stdout = _ok(runner(["backtest", "--curves", one_path_file, "-s", "gsci", "-s", "front_month"]))
    table = backtest(read_curve(one_path_file), ["gsci", "front_month"]).table()
    assert _rows(stdout, 9) == _expected_main(table)
    assert RANGE_TITLE not in stdout and "mean across paths" not in stdout
    assert _rows(stdout, 7) == []
    assert "1 path(s)" in stdout


def test_collateral_rate_feeds_the_tr_column(runner: Etfsim, curve_file: Path) -> None:
    stdout = _ok(runner(["backtest", "--curves", curve_file, "-s", "gsci", "--collateral-rate", "0.04"]))
    table = backtest(read_curve(curve_file), ["gsci"], collateral_rate=0.04).table()
    assert _rows(stdout, 9) == _expected_main(table)
    assert "collateral 4.00%" in stdout
    (row,) = _rows(stdout, 9)
    assert row[1] != row[2]  # ER and TR differ once collateral earns interest


def test_run_backtests_every_strategy(runner: Etfsim, tmp_path: Path) -> None:
    stdout = _ok(runner(["run", "--paths", "5", "--out-dir", tmp_path / "out"]))
    assert [r[0] for r in _rows(stdout, 9)] == STRATEGY_NAMES
    assert [r[0] for r in _rows(stdout, 7)] == STRATEGY_NAMES
    stats = pd.read_parquet(tmp_path / "out" / "strategy_stats.parquet")
    assert sorted(stats["strategy"].unique()) == STRATEGY_NAMES and len(stats) == 5 * len(STRATEGY_NAMES)


# -- real data: EIA WTI --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def eia_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole EIA file (1983-2022), imported through the command line."""
    src = EIA
    out = tmp_path_factory.mktemp("wti") / "wti.parquet"
    stdout = _ok(_in_process(["curves", "import", src, "--format", "eia-wti", "--out", out]))
    assert f"wrote {out} (1 path x 9754 dates x 4 slots)" in stdout  # 9,766 rows less 12 repeated holidays
    return out


def _wti_range(eia_file: Path, tmp: Path, start: str, end: str) -> Path:
    path = tmp / f"wti_{start[:4]}_{end[:4]}.parquet"
    read_curve(eia_file).select(start=start, end=end).to_parquet(str(path))
    return path


def test_wti_whole_file_stops_at_the_first_missing_print(etfsim: Etfsim, eia_file: Path) -> None:
    # EIA's CL1 starts on 1983-04-04 (no print on 30 and 31 March 1983) and CL2/CL4 only in
    # 1985, so no standard rule can start on the first date of the whole file: the command says
    # where, in one line.  `curves import` and `backtest` take no date range, so the user must
    # cut the file in the library (FuturesCurve.select) first.
    out = etfsim(["backtest", "--curves", eia_file, "-s", "front_month", "-s", "gsci"])
    assert out.code == 2, out.stdout
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert lines[0] == (
        "etfsim: error: the front_month schedule trades CLK83 on 1983-03-30, but the curve has no price "
        "for it there; fill the gap or choose another rule"
    )


def test_wti_2011_2019_front_month_and_gsci(runner: Etfsim, eia_file: Path, tmp_path: Path) -> None:
    path = _wti_range(eia_file, tmp_path, "2011-01-01", "2019-12-31")
    stdout = _ok(runner(["backtest", "--curves", path, "-s", "front_month", "-s", "gsci"]))
    table = backtest(read_curve(path), ["front_month", "gsci"]).table()
    assert _rows(stdout, 9) == _expected_main(table)
    assert "EIA: 1 path(s), 2011-01-03 to 2019-12-31" in stdout and RANGE_TITLE not in stdout
    (front, gsci) = _rows(stdout, 9)
    assert front[5] == front[6] == gsci[5] == "n/a"  # no spot series in a real history: no split


def test_wti_2011_2020_uso_works_and_front_month_stops_at_minus_37_63(
    runner: Etfsim, eia_file: Path, tmp_path: Path
) -> None:
    path = _wti_range(eia_file, tmp_path, "2011-01-01", "2020-12-31")
    stdout = _ok(runner(["backtest", "--curves", path, "-s", "uso", "-s", "gsci"]))
    table = backtest(read_curve(path), ["uso", "gsci"]).table()
    assert _rows(stdout, 9) == _expected_main(table)
    uso = _rows(stdout, 9)[0]
    assert uso[0] == "uso" and uso[1].startswith("-1")  # about -15% a year (see tests/test_backtest.py)

    out = runner(["backtest", "--curves", path, "-s", "uso", "-s", "front_month", "--out", tmp_path / "o.parquet"])
    assert out.code == 2 and out.stdout == ""
    (line,) = out.stderr.splitlines()
    assert line.startswith("etfsim: error: the position held at the close of 2020-04-20 is worth -37.63 <= 0")
    assert "CLK20 at -37.63" in line and "return to 2020-04-21 is undefined" in line
    assert not (tmp_path / "o.parquet").exists()


# -- bad input: exit 2, one line on stderr, nothing written ------------------------------------
def _toml(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def _bt(curve: Path, tmp: Path, *extra: object) -> list[object]:
    return ["backtest", "--curves", curve, "--out", tmp / "levels.parquet", *extra]


BAD: dict[str, tuple[Callable[[Path, Path], list[object]], str]] = {
    "unknown strategy name": (
        lambda t, c: _bt(c, t, "-s", "gcsi"),
        "unknown strategy or rule name 'gcsi'; known strategy or rule names: as_recorded, bcom, calendar, "
        "compute_default, constant_maturity, front_month, gsci, monthly_window, optimum_yield, segments, strip, "
        "usl_strip12, uso, uso_2020, vix_constant_maturity",
    ),
    "strategy TOML with a typo": (
        lambda t, c: _bt(c, t, "-s", _toml(t, "typo.toml", '[roll]\nrule = "monthly_window"\nfirst_dya = 5\n')),
        "typo.toml: unknown key 'first_dya' in [roll] for rule monthly_window; valid keys: calendar, first_day, last_day",
    ),
    "strategy file missing": (
        lambda t, c: _bt(c, t, "-s", t / "nope.toml"),
        "nope.toml does not exist; built-in strategies: bcom, compute_default, front_month",
    ),
    "--missing bogus": (
        lambda t, c: _bt(c, t, "-s", "gsci", "--missing", "bogus"),
        "missing must be one of 'raise', 'previous', got 'bogus'",
    ),
    "curve file missing": (
        lambda t, c: _bt(t / "none.parquet", t, "-s", "gsci"),
        "none.parquet does not exist",
    ),
    "strip deeper than the curve": (
        lambda t, c: _bt(c, t, "-s", _toml(t, "deep.toml", '[roll]\nrule = "strip"\ncontracts = 30\n')),
        "rule strip holds 30 contract(s) and rolls into the next, so it needs a curve at least 31 slots deep; "
        "this curve has 24",
    ),
    "collateral rate in percent": (
        lambda t, c: _bt(c, t, "-s", "gsci", "--collateral-rate", "5"),
        "collateral_rate must be a yearly fraction between -1 and 1 (0.05 for a 5% T-bill rate), got 5.0",
    ),
}
AS_SUBPROCESS = ("unknown strategy name", "strategy TOML with a typo", "collateral rate in percent")


@pytest.mark.parametrize(("mode", "case"), [("runner", c) for c in BAD] + [("subprocess", c) for c in AS_SUBPROCESS])
def test_bad_input_exits_2_with_one_line(
    mode: str, case: str, tmp_path: Path, curve_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    build, words = BAD[case]
    work = tmp_path / "work"
    work.mkdir()
    args = build(work, curve_file)
    before = set(work.rglob("*"))
    out = MODES[mode](args)
    assert out.code == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("etfsim: error: ")
    assert words in lines[0]
    assert out.stdout == ""
    assert set(work.rglob("*")) == before  # no --out file, nothing half-written


def test_daily_t_bills_from_a_rate_file(runner: Etfsim, eia_file: Path, tmp_path: Path) -> None:
    # FRED's DTB3 (fred_tbill/DTB3.csv.gz) as the collateral, date by date: the table is the library's on it
    from etfsim.curves.rates import load_rate_series

    dtb3 = sample_data("fred_dtb3")  # the shipped copy of fred_tbill/DTB3.csv.gz
    path = _wti_range(eia_file, tmp_path, "2012-01-01", "2019-12-31")
    stdout = _ok(runner(["backtest", "--curves", path, "-s", "uso", "--collateral-file", dtb3]))
    curve = read_curve(path)
    rate = load_rate_series(dtb3, dates=curve.dates)
    assert _rows(stdout, 9) == _expected_main(backtest(curve, ["uso"], collateral_rate=rate).table())
    assert f"collateral {dtb3.name} (mean {float(rate.mean()):.2%})" in stdout
    both = runner(["backtest", "--curves", path, "--collateral-rate", "0.02", "--collateral-file", dtb3])
    assert both.code == 2 and "give --collateral-rate or --collateral-file, not both" in both.stderr
