"""``etfsim backtest``: roll strategies on a curve file, side by side."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from etfsim.cli._common import StrategiesOption, console, fitted_tables, handles_errors, progress_bar
from etfsim.curves.chunks import DEFAULT_CHUNK_PATHS, check_chunk_paths, read_curve_chunks
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.io import read_header
from etfsim.exceptions import ConfigError


def _fmt(value: float, kind: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "num":
        return f"{value:,.1f}"
    if kind == "pct":
        return f"{value:+.2%}"
    return f"{value:.2%}" if kind == "share" else f"{value:.4g}"


def _cell(value: float, fmt: str) -> str:
    """A statistic as the tables print it: the sheets' format, ``n/a`` where there is no figure."""
    from etfsim.report.tables import format_value

    return "n/a" if not np.isfinite(value) else format_value(value, fmt)


def render(result, collateral_rate: float, collateral_label: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Print the backtest tables (shared by ``etfsim backtest`` and ``etfsim run``).

    Columns, labels and formats come from the statistics table (:data:`etfsim.pipeline.STATISTICS`).
    """
    from etfsim.pipeline import statistics_of

    table = result.table()
    many = result.n_paths > 1
    d0, d1 = str(result.dates[0])[:10], str(result.dates[-1])[:10]
    collateral = collateral_label or f"{collateral_rate:.2%}"
    title = f"{result.source}: {result.n_paths:,} path(s), {d0} to {d1}, collateral {collateral}" + (
        " (mean across paths)" if many else ""
    )
    stats = statistics_of("backtest")
    rows = [[str(name), *(_cell(row[s.column], s.fmt) for s in stats)] for name, row in table.iterrows()]
    for part in fitted_tables(title, "strategy", [s.label for s in stats], rows):
        console.print(part)
    console.print("term structure and spot are log returns per year; ER = spot + term structure, TR = ER + collateral")
    fund_table = result.fund_table()
    if not fund_table.empty:
        fstats = statistics_of("fund")
        frows = [[str(name), *(_cell(row[s.column], s.fmt) for s in fstats)] for name, row in fund_table.iterrows()]
        ftitle = "the fund: NAV, tracking and premium/discount" + (" (mean across paths)" if many else "")
        for part in fitted_tables(ftitle, "strategy", [s.label for s in fstats], frows):
            console.print(part)
    if many:
        heads = [f"{label} {p}" for label in ("ER return", "TR return", "term structure") for p in ("5%", "95%")]
        rrows = []
        for name, row in table.iterrows():
            cells = [str(name)]
            for col in ("er_return", "tr_return", "term_structure"):
                cells += [_cell(row[f"{col}_p5"], "pct"), _cell(row[f"{col}_p95"], "pct")]
            rrows.append(cells)
        for part in fitted_tables("5% - 95% range across paths (per year)", "strategy", heads, rrows):
            console.print(part)


ChunkPathsOption = Annotated[
    int,
    typer.Option(
        "--chunk-paths",
        help="Paths read and run at a time; the figures do not depend on it, memory does "
        f"(the default {DEFAULT_CHUNK_PATHS} keeps a 1,000-path file under 1 GiB).",
    ),
]


def _file_chunks(
    curves: Path, chunk_paths: int, start: str | None = None, end: str | None = None, contract: str | None = None
) -> Iterator[FuturesCurve]:
    """The curve file's paths, ``chunk_paths`` at a time, on the dates asked for and naming ``contract``."""
    from etfsim.contracts.spec import get_contract

    named = None if contract is None else get_contract(contract).to_dict()
    for chunk in read_curve_chunks(curves, chunk_paths):
        part = chunk if start is None and end is None else chunk.select(start=start, end=end)
        if named is not None:  # keeps first_path, the chunk's place in the run
            part = replace(part, metadata=dict(part.metadata, contract=named))
        yield part


@handles_errors
def backtest_cmd(
    curves: Annotated[Path, typer.Option("--curves", "-c", help="Curve Parquet file (simulated or imported).")],
    strategy: Annotated[
        Optional[list[str]],
        typer.Option(
            "--strategy",
            "-s",
            help="Strategy TOML or name; repeat for several (default: every built-in one).",
        ),
    ] = None,
    collateral_rate: Annotated[
        float, typer.Option(help="91-day T-bill rate as a fraction (0.04 = 4%) for the TR index.")
    ] = 0.0,
    collateral_file: Annotated[
        Optional[Path],
        typer.Option(
            help="Daily T-bill rates instead of one rate: FRED's DTB3 or any date,rate CSV (percent or fraction).",
        ),
    ] = None,
    missing: Annotated[
        str, typer.Option(help="A held contract with no print: raise or previous (use its last price).")
    ] = "raise",
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Write the index series to this Parquet file.")
    ] = None,
    fund: Annotated[
        Optional[Path],
        typer.Option("--fund", "-f", help="TOML with \\[fund] terms (and \\[demand]): run each strategy as an ETF."),
    ] = None,
    contract: Annotated[
        Optional[str],
        typer.Option(help="Built-in contract for a curve that does not name one (wti, henry-hub, vix, compute-h100)."),
    ] = None,
    start: Annotated[
        Optional[str], typer.Option(help="First date to use, e.g. 2011-01-01 (real data with gaps early on).")
    ] = None,
    end: Annotated[Optional[str], typer.Option(help="Last date to use.")] = None,
    strategies: StrategiesOption = None,
    chunk_paths: ChunkPathsOption = DEFAULT_CHUNK_PATHS,
) -> None:
    """Run roll strategies on a curve file and print their index (and fund) statistics."""
    from etfsim.contracts.spec import get_contract
    from etfsim.curves.rates import load_rate_series
    from etfsim.fund.config import load_fund
    from etfsim.pipeline import default_strategies, resolve_strategy
    from etfsim.pipeline.chunked import backtest_chunks

    size = check_chunk_paths(chunk_paths)
    terms, demand = load_fund(fund) if fund is not None else (None, None)
    spec = get_contract(contract) if contract else None
    items = [resolve_strategy(s, strategies) for s in strategy] if strategy else default_strategies(strategies)
    rate: float | pd.Series = collateral_rate
    label = None
    if collateral_file is not None:
        if collateral_rate != 0.0:
            raise ConfigError("give --collateral-rate or --collateral-file, not both")
        dates = next(_file_chunks(curves, 1, start, end)).dates  # the dates every chunk has
        rate = load_rate_series(collateral_file, dates=dates)  # T-bills by date, carried over holidays
        label = f"{collateral_file.name} (mean {float(rate.mean()):.2%})"
        if terms is not None:
            terms = replace(terms, collateral_rate=rate)  # the fund earns what the index does
    total = -(-int(read_header(curves)["n_paths"]) // size)
    with progress_bar("backtesting chunks of paths", total) as progress:
        result = backtest_chunks(
            _file_chunks(curves, size, start, end),
            items,
            collateral_rate=rate,
            missing=missing,
            progress=progress,
            fund=terms,
            demand=demand,
            contract=spec,
            keep_levels=out is not None,  # the index levels only when they are to be written
            total_chunks=total,
        )
    render(result, collateral_rate, label)
    if out is not None:
        written = result.to_parquet(out)
        console.print(f"wrote {written}")


@handles_errors
def compare_cmd(
    curves: Annotated[Path, typer.Option("--curves", "-c", help="Curve Parquet file.")],
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="Strategy TOML or name.")] = "compute_default",
    fund: Annotated[
        Optional[Path],
        typer.Option("--fund", "-f", help="TOML with \\[fund] terms (default: the strategy's own, else defaults)."),
    ] = None,
    compute_beta: Annotated[
        float, typer.Option(help="How much the stock basket moves with the compute spot (log beta).")
    ] = 0.0,
    contract: Annotated[
        Optional[str], typer.Option(help="Built-in contract for a curve that does not name one.")
    ] = None,
    strategies: StrategiesOption = None,
    chunk_paths: ChunkPathsOption = DEFAULT_CHUNK_PATHS,
) -> None:
    """The futures ETF against an ordinary stock ETF on the same horizon: returns, costs, premium, taxes."""
    from etfsim.fund.comparison import compare_chunks
    from etfsim.fund.config import FundConfig, load_fund
    from etfsim.fund.stock_twin import StockBasket
    from etfsim.pipeline import resolve_strategy

    size = check_chunk_paths(chunk_paths)
    strat = resolve_strategy(strategy, strategies)
    terms, demand = load_fund(fund) if fund is not None else (strat.fund or FundConfig(), strat.demand)
    basket = StockBasket(compute_beta=compute_beta)
    total = -(-int(read_header(curves)["n_paths"]) // size)
    with progress_bar("comparing chunks of paths", total) as progress:
        result = compare_chunks(
            _file_chunks(curves, size, contract=contract),
            strat.rule,
            terms,
            basket=basket,
            flows=demand,
            progress=progress,
            total_chunks=total,
        )
    n_paths = result.n_paths
    table = Table(
        title=f"{strat.name}: futures ETF vs stock ETF, {n_paths:,} path(s)" + (" (means)" if n_paths > 1 else "")
    )
    table.add_column("measure")
    table.add_column("futures ETF", justify="right")
    table.add_column("stock ETF", justify="right")
    for name, row in result.table.iterrows():
        label = str(name)
        kind = (
            "num"
            if "days" in label
            else "share"
            if any(w in label for w in ("fees", "costs", "tracking error", "absolute"))
            else "pct"
        )
        table.add_row(str(name), _fmt(row["futures ETF"], kind), _fmt(row["stock ETF"], kind))
    console.print(table)
    console.print(
        "after-tax: futures 60/40 marked to market yearly (section 1256); stock ETF gains deferred to the sale"
    )
