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


@app.command("run")
@handles_errors
def run(
    scenario: Annotated[Optional[Path], typer.Argument(help="Scenario TOML (default: the built-in compute scenario).")] = None,
    paths: Annotated[Optional[int], typer.Option(help="Monte Carlo paths (default: the scenario's).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", help="Output folder (default: reports/<scenario>).")] = None,
) -> None:
    """The main job: simulate the scenario's curves and summarise them.

    It writes the curves to ``reports/<scenario>/curves.parquet``.  The roll
    rules, the fund and the fact sheet join this command as they land.
    """
    from etfsim.curves.io import write_curve
    from etfsim.scenario import load_scenario

    sc = load_scenario(scenario)
    n = sc.paths if paths is None else paths
    target = (out_dir or Path("reports") / sc.name) / "curves.parquet"
    with progress_bar(f"simulating {sc.name}", n) as progress:
        curve = sc.simulate(paths=n, progress=progress)
    write_curve(curve, target)
    state = curve.term_structure_state()
    years = (curve.dates[-1] - curve.dates[0]).astype("timedelta64[D]").astype(int) / 365.0
    spot_end = curve.spot[:, -1] if curve.spot is not None else curve.prices[:, -1, 0]
    front = curve.prices[:, :, 0]
    with np.errstate(invalid="ignore"):
        spread = curve.prices[:, :, 1] / front - 1.0
    table = Table(title=f"{sc.name}: {sc.description}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("paths x dates x depth", f"{curve.n_paths:,} x {curve.n_dates:,} x {curve.depth}")
    table.add_row("horizon", f"{curve.dates[0].astype('datetime64[D]')} to {curve.dates[-1].astype('datetime64[D]')}")
    table.add_row("spot at start", f"{sc.spot:,.2f} per {sc.contract.unit}")
    p5, p50, p95 = np.percentile(spot_end, [5, 50, 95])
    table.add_row(f"spot after {years:.1f} years (5/50/95%)", f"{p5:,.2f} / {p50:,.2f} / {p95:,.2f}")
    table.add_row("days in contango (F1 > F0)", f"{state['contango']:.1%}")
    table.add_row("days in backwardation", f"{state['backwardation']:.1%}")
    table.add_row("median front spread F1/F0 - 1", f"{np.nanmedian(spread):+.2%}")
    console.print(table)
    console.print(f"wrote {target}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
