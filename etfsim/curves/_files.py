"""Table plumbing the real-data loaders share: find the file, read it, check its columns and dates.

Every failure becomes a :class:`~etfsim.exceptions.FileFormatError` or
:class:`~etfsim.exceptions.DataError` whose one line names the file, the
column and what to change, so the command line can print it as it is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etfsim.exceptions import DataError, FileFormatError

__all__ = [
    "MISSING_MARKERS",
    "PathLike",
    "existing",
    "increasing_dates",
    "numeric_column",
    "read_table",
    "require_columns",
]

PathLike = str | os.PathLike[str]

MISSING_MARKERS = (".", "", "#N/A", "NA", "NaN", "nan")
"""Cell values read as "no value": FRED writes ``.`` on days without a print, others leave the cell empty."""


def existing(path: PathLike, what: str) -> Path:
    """``path`` as a Path if it is a file, else a FileFormatError naming ``what``."""
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"{what} file {str(p)!r} does not exist; check the path")
    return p


def read_table(path: Path, what: str, **csv_kw: Any) -> pd.DataFrame:
    """Read CSV (plain or gzip) or Parquet, turning parser failures into FileFormatError."""
    try:
        if path.name.lower().endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        return pd.read_csv(path, **csv_kw)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise FileFormatError(f"cannot read {what} file {str(path)!r}: {exc}") from exc


def require_columns(frame: pd.DataFrame, need: tuple[str, ...], what: str) -> None:
    """A FileFormatError listing the columns of ``need`` that ``frame`` lacks."""
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise FileFormatError(
            f"{what} is missing column(s) {missing}; expected columns {list(need)}, "
            f"found {[str(c) for c in frame.columns]}"
        )


def increasing_dates(values: pd.Series, column: str, what: str) -> np.ndarray:
    """The column as ``datetime64[ns]``, refusing values that are not dates or not strictly increasing.

    Raises
    ------
    FileFormatError
        A value that is not a date (the message quotes it).
    DataError
        A missing date, or a date not after the one before it (the message names both).
    """
    try:
        stamps = pd.to_datetime(values).to_numpy().astype("datetime64[ns]")
    except (ValueError, TypeError) as exc:
        raise FileFormatError(f"{what}: column {column} has a value that is not a date: {exc}") from exc
    if len(stamps) == 0:
        raise FileFormatError(f"{what} has no rows")
    if np.isnat(stamps).any():
        i = int(np.argmax(np.isnat(stamps)))
        raise DataError(
            f"{what}: column {column} must be strictly increasing with no missing values; row {i + 1} has no date"
        )
    back = np.flatnonzero(np.diff(stamps) <= np.timedelta64(0))
    if len(back):
        i = int(back[0])
        raise DataError(
            f"{what}: column {column} must be strictly increasing with no missing values; "
            f"{str(stamps[i + 1])[:10]} (row {i + 2}) follows {str(stamps[i])[:10]}: sort the file by date "
            "and drop repeated dates"
        )
    out: np.ndarray = stamps
    return out


def numeric_column(values: pd.Series, column: str, what: str) -> np.ndarray:
    """The column as float64: missing markers (``.``, empty) become NaN, anything else non-numeric is refused."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        same: np.ndarray = values.to_numpy(dtype=np.float64, na_value=np.nan)  # already numbers: no text round trip
        return same
    text = values.astype("string").str.strip()
    missing = text.isna() | text.isin(MISSING_MARKERS)
    numbers = pd.to_numeric(text.where(~missing), errors="coerce")
    bad = numbers.isna() & ~missing
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise FileFormatError(
            f"{what}: column {column} has {str(text.iloc[i])!r} in row {i + 1}, which is not a number; "
            f"write a number, or leave the cell empty (or '.') for a day without a value"
        )
    out: np.ndarray = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    return out
