"""``etfsim sweep``: strategies x scenarios x paths on Dask into a resumable Parquet dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.table import Table

from etfsim.cli._common import StrategiesOption, console, handles_errors, progress_bar


def _fmt(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:+.2%}"


@handles_errors
def sweep_cmd(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Sweep folder (resumed if it exists with the same settings).")
    ],
    scenario: Annotated[
        Optional[list[Path]],
        typer.Option("--scenario", help="Scenario TOML; repeat for several (default: the built-in one)."),
    ] = None,
    strategy: Annotated[
        Optional[list[str]],
        typer.Option("--strategy", "-s", help="Strategy TOML or name; repeat (default: every built-in one)."),
    ] = None,
    paths: Annotated[int, typer.Option(help="Paths per scenario.")] = 1000,
    chunk_size: Annotated[int, typer.Option(help="Paths per chunk (unit of work and of memory).")] = 250,
    fund: Annotated[
        Optional[Path],
        typer.Option(
            "--fund", "-f", help="TOML with \\[fund] terms for every strategy (default: each strategy's own)."
        ),
    ] = None,
    scheduler: Annotated[
        Optional[str],
        typer.Option(help="dask.distributed scheduler address, e.g. tcp://10.0.0.5:8786 (default: in-process)."),
    ] = None,
    strategies_dir: StrategiesOption = None,
) -> None:
    """Run every strategy on every scenario, chunk by chunk; a killed sweep resumes where it stopped."""
    from etfsim.fund.config import load_fund
    from etfsim.pipeline import default_strategies, resolve_strategy
    from etfsim.scenario import read_scenario
    from etfsim.sweep.runner import run_sweep

    scenarios = [read_scenario(p) for p in scenario] if scenario else [read_scenario()]
    strategies = (
        [resolve_strategy(s, strategies_dir) for s in strategy] if strategy else default_strategies(strategies_dir)
    )
    terms, demand = load_fund(fund) if fund is not None else (None, None)
    n_chunks = len(scenarios) * len(strategies) * -(-paths // max(chunk_size, 1))
    with progress_bar("sweeping", n_chunks) as progress:
        result = run_sweep(
            scenarios,
            strategies,
            paths,
            out,
            chunk_size=chunk_size,
            fund=terms,
            demand=demand,
            scheduler=scheduler,
            progress=progress,
        )
    table = Table(title=f"sweep {out}: {result.computed} chunk(s) computed, {result.skipped} already there")
    for col in (
        "scenario",
        "strategy",
        "paths",
        "ER / yr",
        "5%",
        "95%",
        "term structure / yr",
        "NAV / yr",
        "tracking diff. / yr",
        "costs / yr",
    ):
        table.add_column(col, justify="left" if col in ("scenario", "strategy") else "right")
    for _, r in result.table().iterrows():
        table.add_row(
            r["scenario"],
            r["strategy"],
            f"{r['paths']:,}",
            _fmt(r["er_return"]),
            _fmt(r["er_return_p5"]),
            _fmt(r["er_return_p95"]),
            _fmt(r["term_structure"]),
            _fmt(r["nav_return"]),
            _fmt(r["tracking_difference"]),
            _fmt(r["costs_per_year"]),
        )
    console.print(table)
    console.print(f"results: {out} (read with etfsim.sweep.read_sweep)")
