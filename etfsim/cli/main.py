"""``etfsim``: the command-line entry point.

Each command parses its options, calls one public library function, and
renders the result with rich.  Bad input (any ``EtfsimError``) exits with
status 2 and one line on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.table import Table

from etfsim.cli import backtest as backtest_cli
from etfsim.cli import curves as curves_cli
from etfsim.cli import sweep as sweep_cli
from etfsim.cli._common import console, handles_errors, progress_bar

app = typer.Typer(
    name="etfsim",
    help="Design and test ETFs on compute futures.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(curves_cli.app, name="curves")
app.command("backtest")(backtest_cli.backtest_cmd)
app.command("compare")(backtest_cli.compare_cmd)
app.command("sweep")(sweep_cli.sweep_cmd)


@app.command("run")
@handles_errors
def run(
    scenario: Annotated[Optional[Path], typer.Argument(help="Scenario TOML (default: the built-in compute scenario).")] = None,
    paths: Annotated[Optional[int], typer.Option(help="Monte Carlo paths (default: the scenario's).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default: the scenario's).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", help="Output folder (default: reports/<scenario>).")] = None,
) -> None:
    """The main job: simulate the scenario's curves and back-test the standard roll strategies.

    Writes to ``reports/<scenario>/``: ``curve_headline.parquet`` (path 0, the
    headline path), ``indices_headline.parquet`` (each strategy's ER/TR/spot
    index on that path) and ``strategy_stats.parquet`` (each strategy's
    statistics on every path); prints the curve summary and the strategy
    table.  The fund ledger and the fact sheet join this command as they land.
    """
    from etfsim._io import check_writable
    from etfsim.backtest import backtest, default_strategies
    from etfsim.cli.backtest import render
    from etfsim.curves.io import write_curve
    from etfsim.scenario import load_scenario

    sc = load_scenario(scenario)
    n = sc.paths if paths is None else paths
    folder = out_dir or Path("reports") / sc.name
    check_writable(folder)  # fail before minutes of simulation, not after
    with progress_bar(f"simulating {sc.name}", n) as progress:
        curve = sc.simulate(paths=n, seed=seed, progress=progress)
    strategies = default_strategies()
    with progress_bar("backtesting", len(strategies)) as progress:
        result = backtest(curve, strategies, collateral_rate=sc.collateral_rate, progress=progress)
    # the data behind the summary: the headline path in full, every path's statistics
    written = [
        write_curve(curve.select(paths=0), folder / "curve_headline.parquet"),
        result.to_parquet(folder / "indices_headline.parquet", paths=[0]),
        result.stats_to_parquet(folder / "strategy_stats.parquet"),
    ]

    state = curve.term_structure_state()
    years = (curve.dates[-1] - curve.dates[0]).astype("timedelta64[D]").astype(int) / 365.0
    spot_end = curve.spot[:, -1] if curve.spot is not None else curve.prices[:, -1, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = curve.prices[:, :, 1] / curve.prices[:, :, 0] - 1.0
    table = Table(title=f"{sc.name}: {sc.description}")
    table.add_column("curve")
    table.add_column("value", justify="right")
    table.add_row("paths x dates x depth", f"{curve.n_paths:,} x {curve.n_dates:,} x {curve.depth}")
    table.add_row("horizon", f"{curve.dates[0].astype('datetime64[D]')} to {curve.dates[-1].astype('datetime64[D]')}")
    table.add_row("seed", str(curve.metadata.get("seed")))
    table.add_row("spot at start", f"{sc.spot:,.2f} per {sc.contract.unit}")
    p5, p50, p95 = np.percentile(spot_end, [5, 50, 95])
    table.add_row(f"spot after {years:.1f} years (5/50/95%)", f"{p5:,.2f} / {p50:,.2f} / {p95:,.2f}")
    table.add_row("path-days in contango (F1 > F0)", f"{state['contango']:.1%}")
    table.add_row("path-days in backwardation", f"{state['backwardation']:.1%}")
    table.add_row("median front spread F1/F0 - 1", f"{np.nanmedian(spread):+.2%}")
    console.print(table)
    render(result, sc.collateral_rate)
    for path in written:
        console.print(f"wrote {path}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
