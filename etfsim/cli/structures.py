"""``etfsim structures``: one fund in every structure a compute-futures filing may choose, on one curve file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich import box
from rich.table import Table

from etfsim.cli._common import StrategiesOption, console, handles_errors

# measure -> (the row's label, short enough for 80 columns; how it prints: the sheet's formats)
_ROWS = {
    "NAV return / yr": ("NAV / yr", "pct"),
    "objective return / yr": ("objective / yr", "pct"),
    "tracking difference / yr": ("tracking diff", "pct"),
    "tracking error": ("tracking error", "pct_u"),
    "carry / yr": ("carry (log)", "pct"),
    "costs / yr": ("costs / yr", "pct_u"),
    "days halted": ("days halted", "num1"),
    "margin / NAV, quarter-end max": ("margin/NAV QE", "pct_u"),
    "quarter ends over the subsidiary cap": ("QEs over cap", "num1"),
    "after-tax return / yr": ("after tax", "pct"),
}
# short column heads, so the table fits 80 columns
_HEADS = {
    "unlevered, dated futures": "dated",
    "2x daily": "2x",
    "-1x daily (inverse)": "-1x",
    "swaps at the limit": "swaps",
    "'40 Act fund, Cayman subsidiary": "'40 Act",
    "perpetual future": "perp.",
}


@handles_errors
def structures_cmd(
    curves: Annotated[Path, typer.Option("--curves", "-c", help="Curve Parquet file with a spot index.")],
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="Strategy TOML or name.")] = "compute_default",
    fund: Annotated[
        Optional[Path],
        typer.Option("--fund", "-f", help="TOML with \\[fund] terms (default: the strategy's own, else defaults)."),
    ] = None,
    perpetual: Annotated[
        Optional[Path],
        typer.Option(help="TOML with a \\[perpetual] table (default: the --fund file's, the strategy's, else AX's)."),
    ] = None,
    no_perpetual: Annotated[bool, typer.Option("--no-perpetual", help="Leave the perpetual future out.")] = False,
    contract: Annotated[
        Optional[str], typer.Option(help="Built-in contract for a curve that does not name one.")
    ] = None,
    strategies: StrategiesOption = None,
) -> None:
    """The fund unlevered, 2x, -1x, with swaps at the limit, as a '40 Act fund and on a perpetual, same paths."""
    from etfsim.contracts.spec import get_contract
    from etfsim.curves.curve import read_curve
    from etfsim.curves.perpetual import Perpetual
    from etfsim.curves.perpetual_terms import load_perpetual
    from etfsim.exceptions import ConfigError
    from etfsim.fund.config import FundConfig, load_fund
    from etfsim.fund.structure_compare import compare_structures
    from etfsim.pipeline import resolve_strategy
    from etfsim.report.tables import format_value
    from etfsim.roll.rules import roll_schedule

    if no_perpetual and perpetual is not None:
        raise ConfigError("give --perpetual FILE or --no-perpetual, not both")
    strat = resolve_strategy(strategy, strategies)
    terms, demand = load_fund(fund) if fund is not None else (strat.fund or FundConfig(), strat.demand)
    perp: Perpetual | None = None
    if not no_perpetual:
        perp = next(
            (p for p in (
                load_perpetual(perpetual) if perpetual is not None else None,
                load_perpetual(fund) if fund is not None and perpetual is None else None,
                strat.perpetual,
            ) if p is not None),
            Perpetual(),
        )  # fmt: skip
    curve = read_curve(curves)
    if contract:
        curve = replace(curve, metadata=dict(curve.metadata, contract=get_contract(contract).to_dict()))
    table = compare_structures(curve, roll_schedule(curve, strat.rule), terms, flows=demand, perpetual=perp)
    out = Table(
        title=f"{strat.name}: the fund in each structure, {curve.n_paths:,} path(s)"
        + (" (means)" if curve.n_paths > 1 else ""),
        box=box.SIMPLE_HEAD,
    )
    out.add_column("measure", no_wrap=True)
    for name in table.index:
        out.add_column(_HEADS.get(str(name), str(name)), justify="right")
    for measure, (label, fmt) in _ROWS.items():
        values = table[measure].to_numpy(dtype=float)
        out.add_row(label, *("n/a" if not np.isfinite(v) else format_value(float(v), fmt) for v in values))
    console.print(out)
    notes = [
        "Returns, costs and tracking per year. 2x and -1x: daily objective (their tracking is against it); "
        "carry: the roll's term structure, or the perpetual's funding plus premium change (log); margin/NAV QE: "
        "the largest at a calendar quarter end; QEs over cap: quarter ends a '40 Act subsidiary could not hold "
        "the margin; after tax: each structure's own US rules, top-bracket rates."
    ]
    if perp is not None:
        notes.append(
            f"perpetual: premium mean {perp.premium_mean:.2%}, half-life {perp.half_life_days:.1f} days, "
            f"sd {perp.premium_sd:.2%}, funding cap {perp.funding_cap:.2%} a day, fee {perp.fee_rate:.2%} of notional."
        )
    for text in notes:
        console.print(text, highlight=False)
