"""``etfsim backtest --fund`` and ``etfsim compare`` from the command line.

Runs through Typer's CliRunner and as a real ``python -m etfsim`` subprocess.
Every number printed is compared with the library call the command makes
(:func:`etfsim.backtest.backtest` with ``fund=``, :func:`etfsim.fund.compare`),
formatted independently here.  Bad input exits 2 with exactly one line on
stderr starting ``etfsim: error:``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.curve import read_curve
from etfsim.fund.comparison import compare
from etfsim.fund.config import FundConfig, load_fund
from etfsim.fund.stock_twin import StockBasket
from etfsim.pipeline import backtest, resolve_strategy, statistics_of
from etfsim.roll.rules import roll_schedule
from etfsim.scenario import load_scenario
from tests.cli.runner import MODES, REPO, Etfsim
from tests.cli.runner import in_process as _in_process
from tests.cli.runner import ok as _ok

DEFAULT_FUND = REPO / "strategies" / "compute_default.toml"
# wide enough that rich never wraps or truncates a cell; no forced colour, so stderr is plain text


@pytest.fixture(params=["runner", "subprocess"])
def etfsim(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Etfsim:
    monkeypatch.chdir(REPO)  # relative strategy and fund paths mean the same in both modes
    return MODES[str(request.param)]


FUND_METRICS = [(s.column, s.fmt) for s in statistics_of("fund")]
FUND_METRICS_LABELS = [s.label for s in statistics_of("fund")]


def _fmt(value: float, kind: str) -> str:
    """The CLI's cell formats, written out here."""
    if not math.isfinite(value):
        return "n/a"
    signed, share, count, one = f"{value:+.2%}", f"{value:.2%}", f"{value:,.0f}", f"{value:,.1f}"
    return {"pct": signed, "share": share, "pct_u": share, "int": count, "num": one, "num1": one}[kind]


def _rows(stdout: str, n_cells: int) -> list[list[str]]:
    """Body rows of the rich tables with ``n_cells`` cells."""
    rows = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("│") and line.endswith("│"):
            cells = [c.strip() for c in line[1:-1].split("│")]
            if len(cells) == n_cells:
                rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def curve_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A year and a half of the default scenario, three paths, written by FuturesCurve.to_parquet."""
    path = tmp_path_factory.mktemp("curves") / "fund_curve.parquet"
    dataclasses.replace(load_scenario(), years=1.5).simulate(paths=3, seed=23).to_parquet(str(path))
    return path


# -- backtest --fund -----------------------------------------------------------------------------------
def test_backtest_with_a_fund_prints_the_fund_table(etfsim: Etfsim, curve_file: Path) -> None:
    stdout = _ok(
        etfsim(["backtest", "--curves", curve_file, "-s", "gsci", "--fund", "strategies/compute_default.toml"])
    )
    terms, demand = load_fund(DEFAULT_FUND)
    assert terms.expense_ratio == 0.0095 and demand is not None and demand.seed == 7
    result = backtest(read_curve(curve_file), ["gsci"], fund=terms, demand=demand)
    table = result.fund_table()
    assert list(table.index) == ["gsci"]
    expected = [["gsci", *(_fmt(float(table.loc["gsci", c]), kind) for c, kind in FUND_METRICS)]]
    assert _rows(stdout, 1 + len(FUND_METRICS)) == expected
    assert "the fund: NAV, tracking and premium/discount (mean across paths)" in stdout
    for label in FUND_METRICS_LABELS:
        assert label in stdout
    # the fund really ran with the file's terms: the expense ratio alone costs 0.95% a year
    assert table.loc["gsci", "costs_per_year"] > 0.0095
    assert table.loc["gsci", "premium_days_per_year"] > 0  # the [demand] section moved the price


def test_backtest_without_a_fund_prints_no_fund_table(curve_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    stdout = _ok(_in_process(["backtest", "--curves", curve_file, "-s", "gsci"]))
    assert "the fund:" not in stdout and _rows(stdout, 1 + len(FUND_METRICS)) == []


# -- compare ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("beta", [None, 0.8])
def test_compare_prints_every_row_of_the_comparison(etfsim: Etfsim, curve_file: Path, beta: float | None) -> None:
    args: list[object] = ["compare", "--curves", curve_file]
    if beta is not None:
        args += ["--compute-beta", beta]
    stdout = _ok(etfsim(args))
    curve = read_curve(curve_file)
    strat = resolve_strategy("compute_default")  # the command's default strategy, with its [fund] and [demand]
    assert isinstance(strat.fund, FundConfig) and strat.demand is not None
    result = compare(
        curve,
        roll_schedule(curve, strat.rule),
        strat.fund,
        basket=StockBasket(compute_beta=beta or 0.0),
        flows=strat.demand,
    )
    printed = {cells[0]: cells[1:] for cells in _rows(stdout, 3)}
    assert len(result.table) == 13
    for name, row in result.table.iterrows():
        label = str(name)
        # unsigned figures (costs, fees, tracking error, absolute premium) print without a sign
        kind = (
            "num"
            if "days" in label
            else "share"
            if any(w in label for w in ("fees", "costs", "tracking error", "absolute"))
            else "pct"
        )
        assert printed[str(name)] == [_fmt(float(row["futures ETF"]), kind), _fmt(float(row["stock ETF"]), kind)], name
    assert "compute_default: futures ETF vs stock ETF, 3 path(s) (means)" in stdout
    assert "section 1256" in stdout


def test_compare_beta_changes_only_the_stock_column(curve_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    plain = {c[0]: c[1:] for c in _rows(_ok(_in_process(["compare", "--curves", curve_file])), 3)}
    linked = {
        c[0]: c[1:] for c in _rows(_ok(_in_process(["compare", "--curves", curve_file, "--compute-beta", "0.8"])), 3)
    }
    assert [v[0] for v in plain.values()] == [v[0] for v in linked.values()]
    assert plain["NAV return / yr"][1] != linked["NAV return / yr"][1]


# -- bad input: exit 2, one line -----------------------------------------------------------------------
def _toml(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def _fund(tmp: Path, extra: str, *drop: str) -> Path:
    """The default fund file with one line changed or added to [fund] (and the keys in ``drop`` taken out)."""
    text = DEFAULT_FUND.read_text(encoding="utf-8")
    key = extra.split("=")[0].strip()
    lines = [ln for ln in text.splitlines() if not any(ln.startswith(f"{k} ") for k in (key, *drop))]
    at = lines.index("[fund]") + 1
    lines.insert(at, extra)
    return _toml(tmp, "fund.toml", "\n".join(lines) + "\n")


# every term, and the [fund.liquidity] table of open interest and volume by date
VALID_KEYS = ", ".join(sorted([f.name for f in dataclasses.fields(FundConfig)] + ["liquidity"]))


def _bt(curve: Path, fund: Path) -> list[object]:
    return ["backtest", "--curves", curve, "-s", "gsci", "--fund", fund]


BAD: dict[str, tuple[Callable[[Path, Path], list[object]], str]] = {
    "fund key typo": (
        lambda t, c: _bt(c, _fund(t, "expense_ratoi = 0.0075")),
        f"fund.toml: unknown key 'expense_ratoi' in [fund]; valid keys: {VALID_KEYS}",
    ),
    "expense ratio in percent": (
        lambda t, c: _bt(c, _fund(t, "expense_ratio = 0.75")),
        "fund.toml: expense_ratio must be between 0 and 0.05 (a fraction per year), got 0.75; "
        "did you give a percentage? write 0.0075 for 0.75%",
    ),
    "creation unit 0": (
        lambda t, c: _bt(c, _fund(t, "creation_unit = 0")),
        "fund.toml: creation_unit must be a positive whole number of shares, got 0",
    ),
    # one unit is 50,000 x $25 = $1.25m, about 530 contracts of 1,000 GPU-hours at ~$2.35
    "position limit below one unit": (
        # the default file gives its position limit as a share of open interest: this one gives contracts instead
        lambda t, c: _bt(c, _fund(t, "position_limit = 100", "position_limit_oi_share")),
        "position_limit (100 contracts) is below one creation unit's futures",
    ),
    "missing fund file": (lambda t, c: _bt(c, t / "nofund.toml"), "nofund.toml does not exist"),
    "fund file is a folder": (lambda t, c: _bt(c, t), "is a folder, not a fund file"),
    "no [fund] section": (
        lambda t, c: _bt(c, _toml(t, "demand_only.toml", "[demand]\nmean = 0.0\n")),
        "demand_only.toml has no [fund] section; see strategies/compute_default.toml for an example",
    ),
    "fund is not a table": (
        lambda t, c: _bt(c, _toml(t, "flat.toml", "fund = 1\n")),
        "flat.toml: [fund] must be a table of keys, got int",
    ),
    "demand is not a table": (
        lambda t, c: _bt(c, _toml(t, "flat.toml", 'demand = "daily"\n[fund]\nnav_per_share = 25.0\n')),
        "flat.toml: [demand] must be a table of keys, got str",
    ),
    # UnknownNameError's constructor takes (kind, name, known): the file name must still go in front
    "unknown limit response": (
        lambda t, c: _bt(c, _fund(t, 'limit_response = "stop"')),
        "fund.toml: unknown limit response 'stop'; known limit responses: halt, spread",
    ),
    "compare: fund key typo": (
        lambda t, c: ["compare", "--curves", c, "--fund", _fund(t, "comission = 1.0")],
        "fund.toml: unknown key 'comission' in [fund]; valid keys: ",
    ),
    "compare: expense ratio in percent": (
        lambda t, c: ["compare", "--curves", c, "--fund", _fund(t, "expense_ratio = 0.75")],
        "did you give a percentage?",
    ),
}
AS_SUBPROCESS = ("fund key typo", "expense ratio in percent", "position limit below one unit", "unknown limit response")


@pytest.mark.parametrize(("mode", "case"), [("runner", c) for c in BAD] + [("subprocess", c) for c in AS_SUBPROCESS])
def test_bad_fund_input_exits_2_with_one_line(
    mode: str, case: str, tmp_path: Path, curve_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    build, words = BAD[case]
    work = tmp_path / "work"
    work.mkdir()
    args = build(work, curve_file)
    out = MODES[mode](args)
    assert out.code == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("etfsim: error: ")
    assert words in lines[0]
    assert out.stdout == ""


def test_the_position_limit_case_is_really_below_one_unit(curve_file: Path) -> None:
    curve = read_curve(curve_file)
    strat = resolve_strategy(REPO / "strategies" / "gsci.toml")
    sched = roll_schedule(curve, strat.rule)
    held = sched.weights[0, 0] > 0
    price = float(np.nanmax(curve.prices[0, 0][held]))
    unit = 50_000 * 25.0 / (price * 1_000)
    assert 100 < unit < 1_000  # so 100 is below one unit and the default 600,000 is far above
