"""Collateral rates from a file: FRED's daily T-bill rate (DTB3) or any ``date, rate`` table.

A futures fund keeps most of its money in Treasury bills, so its total return
is the futures' excess return plus the bills' interest (S&P GSCI: the 91-day
bill's discount rate, compounded by ``TBR(t) = [1 / (1 - 91/360 x TBAR(t-1))]^(days/91) - 1``,
see :mod:`etfsim.index.collateral`).  :func:`load_rate_series` turns a rate
file into the ``collateral_rate`` Series that :class:`etfsim.FundConfig`,
:func:`etfsim.compute_index` and :func:`etfsim.run_strategy` take: a fraction
per year (0.0523 for 5.23%) indexed by date.

Two things go wrong with such files, and both are refused rather than guessed:

* **Units.**  FRED publishes percent (``5.23``); etfsim wants fractions
  (``0.0523``).  A file whose largest rate is 1 or more can only be percent.
  Below that it could be either (0.05 is 5% as a fraction, or the 0.05% of the
  2010s as a percentage), so unless the column is a FRED rate series, the
  loader asks for ``units=``.
* **Missing days.**  FRED writes ``.`` (or leaves the cell empty) on U.S.
  holidays; index providers carry the last rate forward, and so does this
  loader, onto the caller's date grid, but not across a gap longer than
  ``max_carry_days`` calendar days (the file may simply end too early).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from etfsim.curves._files import PathLike, existing, increasing_dates, numeric_column, read_table
from etfsim.exceptions import ConfigError, DataError, FileFormatError

__all__ = ["FRED_PERCENT_SERIES", "RATE_UNITS", "load_rate_series"]

RATE_UNITS = ("auto", "percent", "fraction")
"""``units=`` choices of :func:`load_rate_series`."""

FRED_PERCENT_SERIES = frozenset(
    {
        "DTB3", "DTB4WK", "DTB6", "DTB1YR", "TB3MS", "TB6MS", "TB4WK", "DTB3MS",
        "DGS1MO", "DGS3MO", "DGS6MO", "DGS1", "DFF", "FEDFUNDS", "SOFR", "EFFR", "IORB",
    }
)  # fmt: skip
"""FRED rate series ids, which FRED always publishes in percent per year."""

_DATE_NAMES = ("date", "observation_date")  # FRED's CSV header has been DATE, then observation_date


def _columns(frame: pd.DataFrame, column: str | None, what: str) -> tuple[str, str]:
    """The date column and the rate column of a rate table."""
    names = [str(c) for c in frame.columns]
    dated = [c for c in names if c.strip().lower() in _DATE_NAMES]
    if len(dated) == 1:
        date_col = dated[0]
    elif len(names) == 2 and not dated:
        date_col = names[0]
    else:
        raise FileFormatError(
            f"{what} needs one date column named 'date' (or FRED's 'observation_date'), found {names}"
        )
    if column is not None:
        if column not in names or column == date_col:
            raise FileFormatError(f"{what} has no rate column column={column!r}; its columns are {names}")
        return date_col, column
    rest = [c for c in names if c != date_col]
    if len(rest) != 1:
        raise FileFormatError(f"{what} has {len(rest)} value columns {rest}; pass column= the rate column's name")
    return date_col, rest[0]


def _fractions(values: np.ndarray, dates: np.ndarray, units: str, col: str, what: str) -> tuple[np.ndarray, str]:
    """The rates as fractions per year, and the units they were read in."""
    if units not in RATE_UNITS:
        raise ConfigError(f"units must be one of {', '.join(RATE_UNITS)}, got {units!r}")
    big = float(np.max(np.abs(values)))
    if units == "auto":
        if col.strip().upper() in FRED_PERCENT_SERIES or big >= 1.0:
            units = "percent"
        else:
            raise DataError(
                f"{what}: cannot tell whether column {col!r} is in percent or a fraction per year (its largest "
                f"value {big:g} is {big:g}% or {big * 100:g}%); pass units='percent' or units='fraction'"
            )
    i = int(np.argmax(np.abs(values)))
    day = str(dates[i])[:10]
    if units == "fraction" and big >= 1.0:
        raise DataError(
            f"{what}: column {col!r} has {values[i]:g} on {day}, 100% a year or more as a fraction; "
            "if the file is in percent (FRED's rates are), pass units='percent'"
        )
    if units == "percent" and big >= 100.0:
        raise DataError(f"{what}: column {col!r} has {values[i]:g}% on {day}; a rate in percent must be below 100")
    return (values / 100.0 if units == "percent" else values), units


def _grid(dates: object) -> np.ndarray:
    """A date grid as ``datetime64[ns]``: an array or index of dates, or a curve (its ``dates``)."""
    raw = getattr(dates, "dates", dates)
    if isinstance(raw, (str, bytes)) or not isinstance(raw, (Iterable, np.ndarray, pd.Index)):
        raise ConfigError(f"dates must be a sequence of dates (or a curve), got {type(dates).__name__}")
    try:
        grid = pd.DatetimeIndex(pd.to_datetime(list(raw) if not isinstance(raw, (np.ndarray, pd.Index)) else raw))
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"dates must be dates like 2020-01-02: {exc}") from exc
    if len(grid) == 0 or grid.hasnans:
        raise ConfigError("dates must be a non-empty sequence of dates with no missing values")
    out: np.ndarray = grid.to_numpy().astype("datetime64[ns]")
    return out


def _on_grid(
    index: np.ndarray, values: np.ndarray, grid: np.ndarray, max_carry_days: int | None, what: str
) -> np.ndarray:
    """The last rate on or before each grid date, refusing a grid date before the first or too far past one."""
    pos = np.searchsorted(index, grid, side="right") - 1
    if (pos < 0).any():
        t = int(np.argmax(pos < 0))
        raise DataError(
            f"{what}: the first rate is on {str(index[0])[:10]} but the dates start on {str(grid[t])[:10]}; "
            "extend the file back, or start the curve later"
        )
    if max_carry_days is not None:
        carried = (grid.astype("datetime64[D]") - index[pos].astype("datetime64[D]")).astype(np.int64)
        if (carried > max_carry_days).any():
            t = int(np.argmax(carried > max_carry_days))
            raise DataError(
                f"{what}: the rate for {str(grid[t])[:10]} would be carried {int(carried[t])} days from "
                f"{str(index[pos[t]])[:10]} (more than max_carry_days={max_carry_days}); extend the file, "
                "or pass max_carry_days=None to carry it anyway"
            )
    return values[pos]


def load_rate_series(
    path_or_frame: PathLike | pd.DataFrame,
    *,
    units: str = "auto",
    column: str | None = None,
    dates: object | None = None,
    max_carry_days: int | None = 10,
) -> pd.Series:
    """A daily collateral rate, as a fraction per year, from a ``date, rate`` file such as FRED's DTB3.

    Parameters
    ----------
    path_or_frame : path or DataFrame
        CSV (plain or gzip), Parquet or a DataFrame with a date column (``date``,
        ``DATE`` or FRED's ``observation_date``; in a two-column file, the first)
        and a rate column.  ``.`` and empty cells are days without a rate.
    units : {"auto", "percent", "fraction"}, default "auto"
        The file's units.  ``"auto"`` reads a FRED rate series (column ``DTB3``,
        ``DGS3MO``, ... see :data:`FRED_PERCENT_SERIES`) or a column whose
        largest rate is 1 or more as percent, and refuses anything else, where
        the two readings differ by a factor of 100.
    column : str, optional
        The rate column when the file has more than one value column.
    dates : sequence of dates or a curve, optional
        The grid to put the rate on (e.g. ``curve.dates``): each date gets the
        last rate on or before it, so holidays and days the file lacks carry the
        previous rate forward.  Without a grid, the file's own dates, with the
        missing days' rates carried forward.
    max_carry_days : int or None, default 10
        The most calendar days a rate may be carried onto a grid date (a long
        weekend is 4); ``None`` carries without limit.

    Returns
    -------
    pandas.Series
        float64 fractions per year indexed by date (``DatetimeIndex``), named
        after the rate column; ``attrs`` records the file, the column and the
        units read.  It plugs into ``collateral_rate=`` directly.

    Raises
    ------
    FileFormatError
        A missing or unreadable file, no date column, several value columns
        without ``column=``, a value that is neither a number nor a missing
        marker, a date that is not a date.
    DataError
        Dates not strictly increasing; no rate at all; units that cannot be
        told apart under ``units="auto"``; a fraction of 1 or more; a grid that
        starts before the first rate, or a rate carried further than
        ``max_carry_days``.
    ConfigError
        An unknown ``units`` or a ``dates`` that is not a sequence of dates.

    Notes
    -----
    DTB3 is the 3-month bill's *discount* rate, which is what the S&P GSCI
    total-return formula compounds (``TBAR``); use it as it is.

    Examples
    --------
    >>> rate = load_rate_series("../shared/data/reference/fred_tbill/DTB3.csv.gz", dates=curve.dates)  # doctest: +SKIP
    >>> FundConfig(collateral_rate=rate)  # doctest: +SKIP
    """
    if isinstance(path_or_frame, pd.DataFrame):
        raw, name, what = path_or_frame, None, "rate table"
    else:
        p = existing(path_or_frame, "rate")
        raw, name, what = read_table(p, "rate"), p.name, f"rate file {p.name!r}"
    date_col, col = _columns(raw, column, what)
    stamps = increasing_dates(raw[date_col], date_col, what)
    values = numeric_column(raw[col], col, what)
    valid = ~np.isnan(values)
    if not valid.any():
        raise DataError(f"{what}: column {col!r} has no rate (every value is missing)")
    fractions, read_as = _fractions(values[valid], stamps[valid], units, col, what)
    if dates is None:
        every = np.full(len(values), np.nan)
        every[valid] = fractions
        first = int(np.argmax(valid))  # missing days after the first rate carry it forward
        out_index, out = stamps[first:], pd.Series(every[first:]).ffill().to_numpy()
    else:
        out_index = _grid(dates)
        out = _on_grid(stamps[valid], fractions, out_index, max_carry_days, what)
    series = pd.Series(np.asarray(out, dtype=np.float64), index=pd.DatetimeIndex(out_index), name=col)
    series.attrs.update({"units": "fraction per year", "read_as": read_as, "column": col})
    if name:
        series.attrs["file"] = name
    return series
