"""``etfsim run`` (the main job) and ``etfsim report`` (the sheets again, from saved results)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import numpy as np
import typer
from rich.table import Table

from etfsim.cli._common import StrategiesOption, console, handles_errors, progress_bar, report_folder
from etfsim.exceptions import ConfigError

if TYPE_CHECKING:
    from etfsim.curves.market import Market
    from etfsim.pipeline import Strategy
    from etfsim.report.recorded import RecordedScenario
    from etfsim.scenario import Scenario


def _curve_table(study) -> Table:  # type: ignore[no-untyped-def]
    """The simulated curve in a few lines: shape, horizon, spot range, contango share."""
    sc, curve = study.scenario, study.curve
    from etfsim.curves.curve import term_structure_shares

    years = (curve.dates[-1] - curve.dates[0]).astype("timedelta64[D]").astype(int) / 365.0
    spot_end = curve.spot[:, -1] if curve.spot is not None else curve.prices[:, -1, 0]
    front = curve.front_two()  # any Curve; a model curve prices only these two slots, never the full cube
    # the shares from the same two slots, not term_structure_state(), which would price them again (0.2 s)
    state = term_structure_shares(front)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = front[:, :, 1] / front[:, :, 0] - 1.0
    table = Table(title=f"{sc.name}: {sc.description}")
    table.add_column("curve")
    table.add_column("value", justify="right")
    table.add_row("paths x dates x depth", f"{curve.n_paths:,} x {curve.n_dates:,} x {curve.depth}")
    table.add_row("horizon", f"{curve.dates[0].astype('datetime64[D]')} to {curve.dates[-1].astype('datetime64[D]')}")
    table.add_row("seed", str(curve.metadata.get("seed")))
    meta = curve.metadata.get("contract")
    unit = dict(meta).get("unit", "unit") if isinstance(meta, dict) else "unit"
    if hasattr(sc, "legs"):  # a market: its legs and what the curve below holds
        table.add_row("legs", ", ".join(leg.name for leg in sc.legs))
        table.add_row("curve of", str(curve.metadata.get("holding", "")))
    what = "spot" if curve.spot is not None else "front month"  # a recorded curve may have no spot index
    start = curve.spot[:, 0] if curve.spot is not None else front[:, 0, 0]
    table.add_row(f"{what} at start", f"{float(np.nanmedian(start)):,.2f} per {unit}")
    p5, p50, p95 = np.nanpercentile(spot_end, [5, 50, 95])
    table.add_row(f"{what} after {years:.1f} years (5/50/95%)", f"{p5:,.2f} / {p50:,.2f} / {p95:,.2f}")
    table.add_row("path-days in contango (F1 > F0)", f"{state['contango']:.1%}")
    table.add_row("path-days in backwardation", f"{state['backwardation']:.1%}")
    table.add_row("median front spread F1/F0 - 1", f"{np.nanmedian(spread):+.2%}")
    return table


def _sheet_table(data) -> Table:  # type: ignore[no-untyped-def]
    """The fact sheet's headline figures, as printed on it."""
    from etfsim.report.tables import format_value

    table = Table(title=f"fact sheet: {data.fund_name} ({data.index_name}), headline path as of {data.as_of}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    perf = data.performance
    rows = [
        ("NAV return / yr since inception", perf.cell("nav", 5)),
        ("index TR / yr since inception", perf.cell("index_tr", 5)),
        ("NAV return, 1 year", perf.cell("nav", 3)),
    ]
    for label, cell in rows:
        table.add_row(label, format_value(cell.value, cell.fmt))
    for group in (data.tracking[:1], data.tracking[2:3], data.risk[:3], data.premium_facts[:2], data.curve_facts[:1]):
        for fact in group:
            table.add_row(fact.label, format_value(fact.value, fact.fmt))
    mc = data.monte_carlo
    if data.paths == 1:  # one recorded history: no range across paths
        return table
    table.add_row(
        "NAV return / yr across paths (5th / median / 95th)",
        " / ".join(format_value(mc.cell("nav_return", i).value, "pct") for i in (0, 1, 2)),
    )
    return table


def _strategies(folder: Path | None, named: list[str] | None, headline: str, fund: Path | None) -> list[Strategy]:
    """The strategies to compare: the named ones (or every built-in one), the headline among them.

    With ``--fund`` every strategy's fund runs on those terms: the study runs each
    strategy's fund on the headline's terms, so they replace the headline's.
    """
    from dataclasses import replace

    from etfsim.fund.config import load_fund
    from etfsim.fund.identity import load_identity
    from etfsim.pipeline import default_strategies, resolve_strategy

    items = default_strategies(folder) if not named else [resolve_strategy(x, folder) for x in named]
    names = [s.name for s in items]
    if len(set(names)) < len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ConfigError(f"--strategy names {', '.join(twice)} twice; give each strategy once")
    if headline not in names:
        items.append(resolve_strategy(headline, folder))
    if fund is not None:
        terms, demand = load_fund(fund)
        identity = load_identity(fund)  # the file's [identity], if it has one, names the fund on the sheet
        items = [
            replace(s, fund=terms, demand=demand, identity=identity or s.identity) if s.name == headline else s
            for s in items
        ]
    return items


def _scenario(
    given: Path | None, twice: bool, curves: Path | None, seed: int | None, recorded: tuple[Any, ...]
) -> Scenario | Market | RecordedScenario:
    """The scenario file (or the built-in one), or with ``--curves`` the recorded curve; conflicting options refused."""
    from etfsim.report.recorded import recorded_scenario
    from etfsim.scenario import read_scenario

    if twice:
        raise ConfigError("give the scenario once: as the argument or with --scenario, not both")
    if curves is not None and (given is not None or seed is not None):
        raise ConfigError("--curves runs on a recorded curve: give it without a scenario or --seed")
    if curves is None and recorded[:3] != (None, None, None):
        raise ConfigError("--contract, --start and --end go with --curves (a recorded curve)")
    return recorded_scenario(curves, *recorded) if curves is not None else read_scenario(given)


@handles_errors
def run_cmd(
    scenario: Annotated[
        Optional[Path], typer.Argument(help="Scenario TOML (default: the built-in compute scenario).")
    ] = None,
    paths: Annotated[Optional[int], typer.Option(help="Monte Carlo paths (default: the scenario's).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default: the scenario's).")] = None,
    out_dir: Annotated[
        Optional[Path], typer.Option("--out-dir", help="Output folder (default: reports/<scenario>).")
    ] = None,
    compare_paths: Annotated[int, typer.Option(help="Paths of the stock-ETF comparison (the first ones).")] = 200,
    strategies: StrategiesOption = None,
    scenario_file: Annotated[
        Optional[Path], typer.Option("--scenario", help="Scenario or market TOML (the same as the argument).")
    ] = None,
    strategy: Annotated[
        Optional[list[str]],
        typer.Option(
            "--strategy",
            "-s",
            help="Compare only this strategy (a name or a TOML file); repeat for more. Default: every built-in one.",
        ),
    ] = None,
    headline: Annotated[
        str, typer.Option("--headline", help="The strategy the fact sheet describes (added if not compared).")
    ] = "compute_default",
    curves: Annotated[
        Optional[Path],
        typer.Option(
            "--curves",
            help="A recorded or own curve (etfsim .parquet, or date,CL1..CLn) instead of simulated paths: a back-test sheet.",
        ),
    ] = None,
    contract: Annotated[
        Optional[str], typer.Option("--contract", help="With --curves: the built-in contract of a nearby-column file.")
    ] = None,
    start: Annotated[Optional[str], typer.Option("--start", help="With --curves: first date (YYYY-MM-DD).")] = None,
    end: Annotated[Optional[str], typer.Option("--end", help="With --curves: last date (YYYY-MM-DD).")] = None,
    collateral_rate: Annotated[
        float, typer.Option("--collateral-rate", help="With --curves: the T-bill rate, a fraction a year.")
    ] = 0.0,
    drop_repeats: Annotated[
        bool, typer.Option("--drop-repeats", help="With --curves: drop rows repeating the day before (EIA holidays).")
    ] = False,
    fund: Annotated[
        Optional[Path],
        typer.Option(
            "--fund", help="Fund terms TOML (\\[fund], optional \\[demand] and \\[identity]) for every strategy's fund."
        ),
    ] = None,
) -> None:
    """The main job: simulate the scenario, back-test the standard roll rules, write the fact sheet.

    The fact sheet reports on the headline path: the path nearest the median
    on its worst measure (fund return, spot, tracking, halts, drawdown,
    volatility), a typical outcome; all paths give the Monte Carlo range.
    Writes to reports/<scenario>/: factsheet.html and factsheet.pdf (the
    headline strategy as an ETF), rules.html and rules.pdf (every strategy
    side by side), study.html (the design study, interactive) and the data
    behind them as Parquet (study.parquet lists the tables).  With --curves
    the same sheets come from a recorded curve (a back-test, no Monte Carlo
    range).  'etfsim report' renders the sheets again from that folder.
    """
    from etfsim._io import check_free_disk, check_writable
    from etfsim.cli.backtest import render
    from etfsim.pipeline.run import check_study_size
    from etfsim.report.factsheet import factsheet_data
    from etfsim.report.render import import_meanwhile, write_report
    from etfsim.report.study import run_study

    sc = _scenario(scenario or scenario_file, scenario is not None and scenario_file is not None, curves, seed,
                   (contract, start, end, collateral_rate, drop_repeats))  # fmt: skip
    check_writable(folder := out_dir or report_folder(sc.name))  # fail before minutes of simulation, not after
    items = _strategies(strategies, strategy, headline, fund)
    if paths is not None and paths < 1:
        raise ConfigError(f"--paths must be a whole number >= 1, got {paths}")
    n = sc.paths if paths is None else paths
    if curves is None:
        check_study_size(sc, n, len(items))  # before any allocation
    elif n > sc.paths:
        raise ConfigError(f"--paths {n} is more than the {sc.paths} path(s) of {curves}; give at most {sc.paths}")
    # the sheets and the headline path's tables take a few megabytes; the per-path tables about 4 kB a path
    check_free_disk(folder, 16e6 + 4e3 * n, f"the report folder of {n:,} paths", "free some disk or choose --out-dir")
    _before_study(import_meanwhile)
    study = run_study(sc, paths=paths, seed=seed, strategies=items, headline=headline,
                      compare_paths=compare_paths, progress=progress_bar)  # fmt: skip
    with progress_bar("writing the fact sheet", 5) as progress:
        written = write_report(study.results, folder, with_data=True, progress=progress)
    console.print(_curve_table(study))
    render(study.backtest, sc.collateral_rate)
    console.print(_sheet_table(factsheet_data(study.results)))
    for path in written:
        console.print(f"wrote {path}")


def _before_study(import_meanwhile: Callable[[], object]) -> None:
    """Ready the process for the study: its libraries' objects frozen, the sheets' imported meanwhile.

    Frozen, the objects of every library imported so far (they live until the process ends)
    are skipped by the collector's full passes: the run's collections 0.52 -> 0.29 s.
    """
    gc.freeze()
    import_meanwhile()  # the sheets' libraries, while the study runs


@handles_errors
def report_cmd(
    result_dir: Annotated[Path, typer.Argument(help="A result folder written by etfsim run (reports/<scenario>).")],
    out_dir: Annotated[
        Optional[Path], typer.Option("--out-dir", help="Write the sheets here (default: the result folder).")
    ] = None,
) -> None:
    """Render the fact sheet and the rule comparison again from saved results (no simulation)."""
    from etfsim.report.render import render_report

    with progress_bar("rendering the sheets", 4) as progress:
        written = render_report(result_dir, out_dir, progress=progress)
    for path in written:
        console.print(f"wrote {path}")
