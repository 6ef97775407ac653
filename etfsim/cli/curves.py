"""``etfsim curves``: simulate, import, show and calibrate futures curves."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from etfsim.cli._common import console, handles_errors, progress_bar
from etfsim.curves.calibrate import calibrate, read_term_structure
from etfsim.curves.curve import FuturesCurve, display_date, read_curve
from etfsim.curves.io import write_curve, write_curve_chunks
from etfsim.exceptions import ConfigError

app = typer.Typer(help="Simulate, import, inspect and calibrate futures curves.", no_args_is_help=True)

_OVERRIDABLE = ("kappa", "sigma_chi", "lambda_chi", "mu_xi", "sigma_xi", "rho", "mu_xi_star")


def _apply_overrides(scenario, params: list[str]):  # type: ignore[no-untyped-def]
    """Apply ``--param name=value`` overrides to a scenario's model."""
    from dataclasses import replace

    changes: dict[str, float] = {}
    for item in params:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in _OVERRIDABLE:
            raise ConfigError(f"--param takes name=value with name one of {', '.join(_OVERRIDABLE)}; got {item!r}")
        try:
            changes[name] = float(value)
        except ValueError as exc:
            raise ConfigError(f"--param {name} must be a number, got {value!r}") from exc
    if not changes:
        return scenario
    return replace(scenario, model=replace(scenario.model, **changes))


@app.command("simulate")
@handles_errors
def simulate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Parquet file to write.")],
    scenario: Annotated[
        Optional[Path], typer.Option(help="Scenario TOML (default: the built-in compute scenario).")
    ] = None,
    model: Annotated[
        Optional[str], typer.Option(help="Check the scenario uses this model (schwartz-smith, schwartz-1f).")
    ] = None,
    param: Annotated[
        list[str], typer.Option("--param", "-p", help="Override a model parameter, e.g. -p kappa=2.5.")
    ] = [],  # noqa: B006
    paths: Annotated[Optional[int], typer.Option(help="Number of paths (default: the scenario's).")] = None,
    start: Annotated[Optional[str], typer.Option(help="First date, e.g. 2026-04-01.")] = None,
    years: Annotated[Optional[float], typer.Option(help="Horizon in years.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default: the scenario's).")] = None,
    chunk_size: Annotated[int, typer.Option(help="Paths simulated and written per chunk.")] = 500,
    holding: Annotated[
        Optional[str], typer.Option(help="On a market: the leg or family to write (default: the market's holding).")
    ] = None,
    precision: Annotated[
        str,
        typer.Option(help="float64 (exact) or float32 (compact: under half the file, prices rounded by about 6e-8)."),
    ] = "float64",
    encoding: Annotated[
        Optional[str],
        typer.Option(help="plain or byte-split (lossless, about a quarter smaller; the default for float32)."),
    ] = None,
) -> None:
    """Simulate a curve from a scenario and write it to Parquet, chunk by chunk.

    On a market scenario (the default) the file holds one leg or family of it.
    """
    from dataclasses import replace

    from etfsim.curves.io import check_storage
    from etfsim.curves.market import Market
    from etfsim.scenario import MODELS, read_scenario

    encoding = check_storage(precision, encoding)  # before the scenario is read, so a typo costs nothing
    sc = read_scenario(scenario)
    if isinstance(sc, Market):
        if model is not None or param:
            raise ConfigError(
                "--model and --param apply to a single-curve scenario; edit the market's [[legs]] instead"
            )
        if holding is not None and holding not in sc.names:
            raise ConfigError(f"--holding {holding!r} is not a leg or family of {sc.name}: {', '.join(sc.names)}")
        sc = replace(sc, holding=holding or sc.holding)
    elif holding is not None:
        raise ConfigError("--holding applies to a market scenario ([[legs]]); this scenario has one curve")
    elif model is not None and model != sc.model_name:
        if model not in MODELS:
            from etfsim.exceptions import UnknownNameError

            raise UnknownNameError("model", model, MODELS)
        raise ConfigError(
            f"--model {model} differs from the scenario's model {sc.model_name}; edit [model] name in the TOML"
        )
    sc = _apply_overrides(sc, param)
    if start is not None or years is not None:
        sc = replace(
            sc,
            start=start or sc.start,
            years=years if years is not None else sc.years,
            end=None if years is not None else sc.end,
        )
    n = sc.paths if paths is None else paths
    with warnings.catch_warnings():
        # numpy's overflow warnings would come before the one line that names the first bad price
        warnings.simplefilter("ignore", RuntimeWarning)
        _check_size(sc, n, chunk_size, seed, out, (precision, encoding))
        with progress_bar(f"simulating {sc.name}", n) as progress:
            chunks = sc.iter_chunks(paths=n, seed=seed, chunk_size=chunk_size, progress=progress)
            written = write_curve_chunks(chunks, out, n_paths=n, precision=precision, encoding=encoding)
    curve_head = read_curve_header_summary(written)
    console.print(f"wrote {written} ({curve_head}): {written.stat().st_size / 1e6:,.1f} MB, {precision}")


def _check_size(sc, n: int, chunk_size: int, seed: int | None, out: Path, storage: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Refuse before simulating when one chunk would not fit in memory or the file on the disk.

    One path is simulated and written to memory first: its dates and depth
    give the memory of a chunk, its compressed size (with ``storage``: the
    precision and encoding) the file's.
    """
    from etfsim._io import available_memory, check_free_disk, check_writable, human_bytes
    from etfsim.curves.io import encoded_size

    for name, value in (("--paths", n), ("--chunk-size", chunk_size)):
        if value < 1:
            raise ConfigError(f"{name} must be a whole number >= 1, got {value}")
    check_writable(out.parent)
    probe = next(iter(sc.iter_chunks(paths=1, seed=seed, chunk_size=1)))
    # prices, the factors and spot, and the Arrow copy written from them (measured: about 3x the prices)
    per_path = probe.n_dates * (probe.depth + 4) * 8 * 3
    chunk = min(chunk_size, n)
    need, free = chunk * per_path, available_memory()
    if need > free:
        most = max(int(free // per_path), 1)
        raise ConfigError(
            f"a chunk of {chunk:,} paths needs about {human_bytes(need)} of memory, {human_bytes(free)} is available; "
            f"use --chunk-size {min(most, 500):,} or less"
        )
    size = encoded_size(probe, *storage) * n
    check_free_disk(
        out.parent,
        size,
        f"a curve file of {n:,} paths x {probe.n_dates:,} dates x {probe.depth} slots",
        "write fewer paths (--paths), or run a sweep (etfsim sweep), which keeps each path's figures, not its prices",
    )


def read_curve_header_summary(path: Path) -> str:
    from etfsim.curves.io import read_header

    h = read_header(path)
    return f"{h['n_paths']} paths x {len(h['slot_index'])} dates x {h['depth']} slots, seed {h['metadata'].get('seed')}"


@app.command("import")
@handles_errors
def import_real(
    source: Annotated[Path, typer.Argument(help="Real-data file to import.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Parquet file to write.")],
    format: Annotated[str, typer.Option(help="pysystemtrade, eia-wti or long-table.")] = "pysystemtrade",  # noqa: A002
    daily: Annotated[
        bool, typer.Option(help="pysystemtrade only: one row per date (last valid price of each contract).")
    ] = False,
    spot: Annotated[
        Optional[Path],
        typer.Option(help="CSV of the spot index (date, value), e.g. FRED's WTI spot, for the attribution."),
    ] = None,
) -> None:
    """Import real futures data (one path) into an etfsim curve file."""
    from etfsim.curves.realdata import load_real, load_spot_series

    kw = {"daily": daily} if format.lower() == "pysystemtrade" else {}
    curve = load_real(format, source, **kw)
    if spot is not None:
        curve = curve.with_spot(load_spot_series(spot))
    write_curve(curve, out)
    console.print(f"wrote {out} ({curve.n_paths} path x {curve.n_dates} dates x {curve.depth} slots)")


@app.command("show")
@handles_errors
def show(
    file: Annotated[Path, typer.Argument(help="Curve Parquet file.")],
    path: Annotated[int, typer.Option(help="Path to snapshot.")] = 0,
    date: Annotated[Optional[str], typer.Option(help="Snapshot date (default: the last).")] = None,
) -> None:
    """Print a curve's dates, depth, contango/backwardation split and a snapshot."""
    curve = read_curve(file)
    if not 0 <= path < curve.n_paths:
        raise ConfigError(f"--path must be between 0 and {curve.n_paths - 1}, got {path}")
    snap = curve.snapshot(date, path=path)
    # checked before printing anything, so a bad --date gives one error line only;
    # the snapshot is the last date on or before the one asked for: title it with that date
    at = curve.n_dates - 1
    if date is not None:
        at = int(np.searchsorted(curve.dates, np.datetime64(pd.Timestamp(date), "ns"), side="right")) - 1
    when = display_date(curve.dates[at])
    state = curve.term_structure_state()
    meta = curve.metadata
    facts = Table(show_header=False, box=None)
    facts.add_row("file", str(file))
    facts.add_row("source", str(meta.get("model") or meta.get("source") or "?"))
    if "seed" in meta:
        facts.add_row("seed", str(meta["seed"]))
    facts.add_row("paths", f"{curve.n_paths:,}")
    facts.add_row("dates", f"{curve.n_dates:,}: {display_date(curve.dates[0])} to {display_date(curve.dates[-1])}")
    facts.add_row("depth", f"{curve.depth} slots")
    from etfsim.curves.io import read_header

    stored = read_header(file).get("precision", "float64")
    facts.add_row(
        "stored as", stored + (" (prices rounded by up to 6e-8, read as float64)" if stored == "float32" else "")
    )
    facts.add_row("contango", f"{state['contango']:.1%} of path-dates (F1 > F0)")
    facts.add_row("backwardation", f"{state['backwardation']:.1%} of path-dates (F1 < F0)")
    console.print(facts)
    table = Table(title=f"curve on {when}, path {path}")
    table.add_column("slot", justify="right")
    table.add_column("contract")
    table.add_column("expiry")
    table.add_column("price", justify="right")
    for i, row in enumerate(snap.itertuples(index=False)):
        price = "no print" if not np.isfinite(row.price) else f"{row.price:,.4f}"
        table.add_row(str(i), row.contract, display_date(row.expiry), price)
    console.print(table)
    if curve.depth >= 2 and len(snap) >= 2 and np.isfinite(snap["price"].iloc[:2]).all():
        f0, f1 = snap["price"].iloc[0], snap["price"].iloc[1]
        if f0 > 0:
            word = "contango" if f1 > f0 else "backwardation" if f1 < f0 else "flat"
            console.print(f"front spread F1/F0 - 1 = {f1 / f0 - 1:+.2%} ({word})")


@app.command("export")
@handles_errors
def export_cmd(
    file: Annotated[Path, typer.Argument(help="Curve Parquet file (float64 or float32).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", "--long", help="Long-table Parquet file to write (plain columns).")
    ],
    paths_per_group: Annotated[
        int, typer.Option(help="Paths read and written at a time (one row group each); memory grows with it.")
    ] = 20,
) -> None:
    """Export a curve file as a long table: path, date, slot, contract, expiry, price (and spot).

    One row per path, date and listed contract, readable by DuckDB, polars or
    pandas without etfsim.
    """
    import pyarrow.parquet as pq

    from etfsim.curves.export import export_long
    from etfsim.curves.io import read_header

    n_paths = int(read_header(file)["n_paths"])
    with progress_bar(f"exporting {file.name}", n_paths) as progress:
        written = export_long(file, out, paths_per_group=paths_per_group, progress=progress)
    rows = pq.read_metadata(written).num_rows
    console.print(
        f"wrote {written} ({rows:,} rows: one per path, date and listed contract; "
        f"{written.stat().st_size / 1e6:,.1f} MB)"
    )


@app.command("calibrate")
@handles_errors
def calibrate_cmd(
    term_structure: Annotated[Path, typer.Argument(help="CSV with columns tenor_months, price.")],
    spot: Annotated[float, typer.Option(help="Spot index on the snapshot date.")],
    chi0: Annotated[float, typer.Option(help="Short-term factor today (log spot minus long-term level).")] = 0.0,
    scenario: Annotated[Optional[Path], typer.Option(help="Scenario whose model supplies the volatilities.")] = None,
) -> None:
    """Fit kappa, lambda_chi and mu_xi_star to one futures-curve snapshot; print residuals."""
    from etfsim.scenario import load_scenario

    tenors, prices = read_term_structure(term_structure)
    prior = load_scenario(scenario).model
    result = calibrate(tenors, prices, spot, prior=prior, chi0=chi0)
    console.print(result.summary())
    table = Table(title="residuals")
    for col in ("tenor (months)", "observed", "fitted", "residual"):
        table.add_column(col, justify="right")
    for t, o, f in zip(result.tenors, result.observed, result.fitted, strict=True):
        table.add_row(f"{t * 12:g}", f"{o:.4f}", f"{f:.4f}", f"{f - o:+.4f}")
    console.print(table)


def _maturity_list(text: str) -> list[float]:
    """``1/12,5/12,0.75`` -> years (a fraction a/b is allowed, as maturities are often months / 12)."""
    out = []
    for item in text.split(","):
        num, slash, den = item.strip().partition("/")
        try:
            out.append(float(num) / float(den) if slash else float(num))
        except (ValueError, ZeroDivisionError) as exc:
            raise ConfigError(
                f"--maturities takes years separated by commas (e.g. 1/12,5/12,0.75), got {item!r}"
            ) from exc
    return out


def _read_panel(path: Path, what: str) -> pd.DataFrame:
    """A CSV with dates in the first column and one column per series."""
    from etfsim.exceptions import FileFormatError

    if not path.is_file():
        raise FileFormatError(f"{what} {path} does not exist")
    try:
        frame = pd.read_csv(path, index_col=0, comment="#")
        frame.index = pd.to_datetime(frame.index)
    except (ValueError, TypeError, pd.errors.ParserError) as exc:
        raise FileFormatError(f"{what} {path}: the first column must hold dates and the rest numbers ({exc})") from exc
    return frame


@app.command("fit")
@handles_errors
def fit_cmd(
    panel: Annotated[
        Path, typer.Argument(help="CSV of futures prices: dates in the first column, one column a series.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scenario TOML to write from the fitted model.")],
    maturities: Annotated[
        Optional[str], typer.Option(help="Constant maturities in years, one per column, e.g. 1/12,5/12,9/12.")
    ] = None,
    maturity_file: Annotated[
        Optional[Path], typer.Option(help="CSV like PANEL with each contract's time to maturity (years) per date.")
    ] = None,
    model: Annotated[str, typer.Option(help="schwartz-smith (two-factor) or schwartz-1f.")] = "schwartz-smith",
    prior: Annotated[
        list[str], typer.Option(help="A prior, e.g. kappa=1.5,0.5 (normal) or sigma_chi=lognormal:0.3,0.5.")
    ] = [],  # noqa: B006
    dt: Annotated[Optional[float], typer.Option(help="Years per step (default: ACT/365 between the dates).")] = None,
    errors: Annotated[
        Optional[str], typer.Option(help="Measurement errors: series, one, or maturity bucket edges e.g. 0.5,1,2.")
    ] = None,
    contract: Annotated[str, typer.Option(help="Built-in contract of the written scenario.")] = "compute-h100",
    years: Annotated[float, typer.Option(help="Horizon of the written scenario, years.")] = 1.0,
    paths: Annotated[int, typer.Option(help="Paths of the written scenario.")] = 1000,
    starts: Annotated[int, typer.Option(help="Local searches of the maximum likelihood.")] = 6,
) -> None:
    """Fit a factor model to a price history (Kalman-filter maximum likelihood) and write it as a scenario."""
    from etfsim.curves.history import calibrate_history
    from etfsim.curves.history_models import parse_prior

    if (maturities is None) == (maturity_file is None):
        raise ConfigError("give exactly one of --maturities (constant, one per column) or --maturity-file")
    prices = _read_panel(panel, "panel")
    mats: list[float] | pd.DataFrame = (
        _maturity_list(maturities) if maturities is not None else _read_panel(maturity_file, "maturity file")  # type: ignore[arg-type]
    )
    priors = dict(parse_prior(p) for p in prior)
    err: str | list[float] | None = errors
    if errors is not None and errors not in ("series", "one"):
        err = _maturity_list(errors)
    result = calibrate_history(prices, mats, model=model, dt=dt, errors=err, priors=priors, starts=starts)
    table = Table(title=f"{model} fitted to {result.n_dates} dates of {panel.name}")
    for col in ("parameter", "estimate", "std error", "prior"):
        table.add_column(col, justify="left" if col in ("parameter", "prior") else "right")
    for name, row in result.to_frame().iterrows():
        se = "-" if not np.isfinite(row["std_error"]) else f"{row['std_error']:.4f}"
        # escaped: rich would read a bucket label such as error[all] as markup
        table.add_row(escape(str(name)), f"{row['estimate']:.4f}", se, escape(row["prior"]) or "-")
    console.print(table)
    state = "converged" if result.success else f"NOT converged: {result.message}"
    console.print(f"log-likelihood {result.loglik:.3f}, AIC {result.aic:.2f}, BIC {result.bic:.2f} ({state})")
    result.to_scenario(out, name=out.stem, contract=contract, years=years, paths=paths)
    console.print(f"wrote {out}")


__all__ = ["app", "FuturesCurve"]
