"""Real futures histories as :class:`~etfsim.curves.curve.FuturesCurve` objects.

A real history is a curve with one path.  Three formats load here:

``long-table``
    Any table ``date, contract, expiry, price`` (CSV, gzipped CSV, Parquet or a
    DataFrame): the generic way in, and what :meth:`FuturesCurve.to_frame` writes.
``pysystemtrade``
    Rob Carver's *multiple prices* files: on every timestamp the contract held
    (``PRICE``), the one to roll into (``FORWARD``) and the one used to measure
    carry (``CARRY``).  Only those two or three contracts are known on a
    timestamp, so the curve's slots are *those contracts sorted by expiry*, not
    the exchange's full nearby strip (for CRUDE_W slot 0 is the November carry
    contract, slot 1 the December contract held, slot 2 next December).  The
    recorded ``PRICE_CONTRACT`` becomes the curve's ``held`` series, so a roll
    engine can replay Carver's rolls exactly.
``eia-wti``
    The EIA's daily NYMEX WTI settlements for the first four nearby contracts.
    The file gives no contract codes; they follow from the CME last-trade rule
    (contract 1 stays contract 1 through its last trading day).  It is a
    nearby-column file, loaded by the same core as ``nearby``.
``nearby``
    Any ``date, <ROOT>1..<ROOT>n`` file for a built-in or given contract
    (:mod:`etfsim.curves.nearby`), with the expiry-day convention explicit.

Prices may be negative (WTI May 2020 settled at -37.63 on 20 April 2020) and
are kept as they are: a fund holding the front month really lost that money.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etfsim.contracts.spec import HENRY_HUB, VIX, WTI, ContractSpec, get_contract
from etfsim.curves._files import PathLike
from etfsim.curves._files import existing as _existing
from etfsim.curves._files import increasing_dates as _increasing_dates
from etfsim.curves._files import read_table as _read_table
from etfsim.curves._files import require_columns as _require_columns
from etfsim.curves.curve import FuturesCurve, check_long_columns
from etfsim.curves.nearby import load_nearby, nearby_long_table
from etfsim.exceptions import DataError, FileFormatError, UnknownNameError

__all__ = [
    "load_spot_series",
    "EIA_WTI_COLUMNS",
    "LONG_TABLE_COLUMNS",
    "PYSYSTEMTRADE_COLUMNS",
    "PYSYSTEMTRADE_INSTRUMENTS",
    "REAL_LOADERS",
    "load_eia_wti",
    "load_pysystemtrade",
    "load_nearby",
    "load_real",
    "read_long_table",
]

LONG_TABLE_COLUMNS = ("date", "contract", "expiry", "price")
"""Columns of a generic long table (extra columns are ignored)."""

PYSYSTEMTRADE_COLUMNS = (
    "DATETIME",
    "CARRY",
    "CARRY_CONTRACT",
    "PRICE",
    "PRICE_CONTRACT",
    "FORWARD",
    "FORWARD_CONTRACT",
)
"""Columns of a pysystemtrade ``multiple_prices_csv`` file."""

PYSYSTEMTRADE_INSTRUMENTS: dict[str, ContractSpec] = {
    "CRUDE_W": WTI,
    "GAS_US": HENRY_HUB,
    "VIX": VIX,
}
"""pysystemtrade instrument names (the file stem) and the contract each trades."""

EIA_WTI_COLUMNS = ("Date", "CL1", "CL2", "CL3", "CL4")
"""Columns of the EIA nearby-contract file (series RCLC1..RCLC4)."""

# Price column and its contract column, in the order that wins when one
# timestamp lists the same contract twice (GAS_US in April-May 2020 has the
# carry contract equal to the held one; the two prints agree there).
_PST_PAIRS = (("PRICE", "PRICE_CONTRACT"), ("FORWARD", "FORWARD_CONTRACT"), ("CARRY", "CARRY_CONTRACT"))


# -- file plumbing (shared with the nearby and rate loaders: etfsim.curves._files) ---------
def _stem(path: Path) -> str:
    """File name without its format suffixes: ``CRUDE_W.csv.gz`` -> ``CRUDE_W``."""
    name = path.name
    for suffix in (".gz", ".csv", ".parquet", ".pq"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


# -- long table -------------------------------------------------------------------------
def read_long_table(path_or_frame: PathLike | pd.DataFrame) -> FuturesCurve:
    """Load a generic long table ``date, contract, expiry, price`` as a one-path curve.

    Parameters
    ----------
    path_or_frame : path or DataFrame
        A ``.csv``, ``.csv.gz`` or ``.parquet`` file, or a DataFrame already in
        memory.  Extra columns are ignored, so the output of
        :meth:`FuturesCurve.to_frame` reads back directly; a ``path`` column, if
        present, must hold a single path.

    Returns
    -------
    FuturesCurve
        One path; on each date the contracts present sorted by expiry into
        slots.  A row with an empty price lists its contract without a print.

    Raises
    ------
    FileFormatError
        If the file is missing or unreadable, a column is missing, a value is not
        a date or number, a contract has two expiries, or the table holds more
        than one path.
    """
    if isinstance(path_or_frame, pd.DataFrame):
        frame, meta = path_or_frame, {"source": "long-table"}
        what = "long table"
    else:
        path = _existing(path_or_frame, "long table")
        # contract codes stay text even when they look like numbers (e.g. 20201200)
        frame = _read_table(path, "long table", dtype={"contract": str})
        meta = {"source": "long-table", "file": path.name}
        what = f"long table {path.name!r}"
    check_long_columns(frame.columns, LONG_TABLE_COLUMNS, what)  # before pandas' renamed twin is dropped below
    _require_columns(frame, LONG_TABLE_COLUMNS, what)
    if "path" in frame.columns and frame["path"].nunique(dropna=False) > 1:
        raise FileFormatError(
            f"{what} holds {frame['path'].nunique(dropna=False)} paths in column 'path'; "
            "a long table loads as one path, so keep the rows of one path only"
        )
    return FuturesCurve.from_long_table(frame[list(LONG_TABLE_COLUMNS)], metadata=meta)


# -- pysystemtrade ----------------------------------------------------------------------
def _resolve_spec(stem: str, contract: ContractSpec | str | None) -> ContractSpec:
    if isinstance(contract, ContractSpec):
        return contract
    if contract is not None:
        return get_contract(contract)  # raises UnknownNameError listing the built-ins
    if stem.upper() in PYSYSTEMTRADE_INSTRUMENTS:
        return PYSYSTEMTRADE_INSTRUMENTS[stem.upper()]
    exc = UnknownNameError("pysystemtrade instrument", stem, PYSYSTEMTRADE_INSTRUMENTS)
    hint = "pass contract= a ContractSpec or a built-in contract name such as 'wti' to load another instrument"
    exc.args = (f"{exc.args[0]} (taken from the file name); {hint}",)
    raise exc


def _contract_tables(ids: np.ndarray, spec: ContractSpec, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes and expiries for pysystemtrade ids ``YYYYMM00``, one spec call per distinct id."""
    uniq, inverse = np.unique(ids, return_inverse=True)
    years, months, days = uniq // 10000, (uniq // 100) % 100, uniq % 100
    bad = (months < 1) | (months > 12) | (days != 0) | (years < 1900)
    if bad.any():
        raise FileFormatError(
            f"{what} has contract id {int(uniq[bad][0])} that is not of the form YYYYMM00 "
            "(e.g. 19911200 for December 1991)"
        )
    codes = np.array([spec.code(int(y), int(m)) for y, m in zip(years, months, strict=True)], dtype=object)
    expiries = np.array(
        [spec.last_trade(int(y), int(m)) for y, m in zip(years, months, strict=True)], dtype="datetime64[D]"
    )
    return codes[inverse], expiries[inverse]


def load_pysystemtrade(
    path: PathLike,
    daily: bool = False,
    contract: ContractSpec | str | None = None,
) -> FuturesCurve:
    """Load a pysystemtrade *multiple prices* file as a one-path curve.

    Parameters
    ----------
    path : path
        ``multiple_prices_csv/<INSTRUMENT>.csv`` or ``.csv.gz`` with columns
        ``DATETIME, CARRY, CARRY_CONTRACT, PRICE, PRICE_CONTRACT, FORWARD,
        FORWARD_CONTRACT``; contract ids are ``YYYYMM00`` integers.
    daily : bool, default False
        ``False``: the file's own timestamps, intraday rows included, so a roll
        keeps the prices at the moment it happened and a Panama stitch over
        ``held`` reproduces the peer's ``adjusted_prices_csv`` file.
        ``True``: one row per calendar date (stamped at midnight): for each
        contract the last valid price of that date (NaN if it had none), and
        ``held`` is the ``PRICE_CONTRACT`` of the date's last row.  On a roll day
        every contract seen that day is listed, so the day can have more slots.
        **The daily view rolls between two daily closes**, whereas Carver rolled
        at an intraday row (often not the day's last), so a Panama series built
        from the daily view differs from his adjusted file by the intraday moves
        of that day.
    contract : ContractSpec or str, optional
        The contract traded.  By default it is inferred from the file stem
        (``CRUDE_W`` -> WTI, ``GAS_US`` -> Henry Hub, ``VIX`` -> VIX); a string
        is looked up with :func:`etfsim.contracts.get_contract`.

    Returns
    -------
    FuturesCurve
        On each timestamp the (two or three) contracts the file lists, sorted by
        expiry into slots; codes from ``spec.code``, expiries from
        ``spec.last_trade``; ``held`` the contract held.  A contract listed with
        a NaN price stays listed without a print.

    Raises
    ------
    FileFormatError
        If the file is missing, a column is missing, or a contract id is not
        ``YYYYMM00``.
    UnknownNameError
        If the file stem is not a known instrument and ``contract`` is not given.
    DataError
        If the timestamps are not strictly increasing.

    Notes
    -----
    Contract ids come from the file; only codes and expiries are derived, so
    the contract-to-slot map is exactly Carver's.  Where one timestamp names the
    same contract twice (GAS_US carry = price in April-May 2020) the first valid
    print in the order PRICE, FORWARD, CARRY is kept.
    """
    p = _existing(path, "pysystemtrade multiple prices")
    stem = _stem(p)
    spec = _resolve_spec(stem, contract)
    what = f"pysystemtrade file {p.name!r}"
    raw = _read_table(p, "pysystemtrade multiple prices")
    _require_columns(raw, PYSYSTEMTRADE_COLUMNS, what)
    try:
        stamps = pd.to_datetime(raw["DATETIME"]).to_numpy().astype("datetime64[ns]")
        price_cols = {c: pd.to_numeric(raw[c], errors="raise").to_numpy(np.float64) for c, _ in _PST_PAIRS}
        id_cols = {k: raw[k].to_numpy(np.int64) for _, k in _PST_PAIRS}
    except (ValueError, TypeError) as exc:
        raise FileFormatError(
            f"{what} has a value that is not a timestamp, price or integer contract id "
            f"(a contract column may be empty): {exc}"
        ) from exc
    n = len(stamps)
    if n == 0:
        raise FileFormatError(f"{what} has no rows")
    if np.isnat(stamps).any() or (n > 1 and not (np.diff(stamps) > np.timedelta64(0)).all()):
        raise DataError(f"{what}: column DATETIME must be strictly increasing with no missing values")

    # Long table: one block per column pair, stacked in priority order so a stable
    # sort on (row, priority) puts the preferred print first for a repeated contract.
    k = len(_PST_PAIRS)
    ids = np.concatenate([id_cols[cc] for _, cc in _PST_PAIRS])
    codes, expiries = _contract_tables(ids, spec, what)
    long = pd.DataFrame(
        {
            "row": np.tile(np.arange(n, dtype=np.int64), k),
            "contract": codes,
            "expiry": expiries.astype("datetime64[ns]"),
            "price": np.concatenate([price_cols[pc] for pc, _ in _PST_PAIRS]),
        }
    )
    long = long.sort_values("row", kind="stable")
    if long.duplicated(["row", "contract"]).any():
        long = (
            long.groupby(["row", "contract"], sort=False)  # first() skips NaN: first valid print
            .agg(expiry=("expiry", "first"), price=("price", "first"))
            .reset_index()
        )
    b = [cc for _, cc in _PST_PAIRS].index("PRICE_CONTRACT")
    held_codes = codes[b * n : (b + 1) * n]

    if daily:
        days = stamps.astype("datetime64[D]").astype("datetime64[ns]")
        long["date"] = days[long["row"].to_numpy()]
        # rows are in time order, so last() (which skips NaN) is the day's last valid print
        long = (
            long.groupby(["date", "contract"], sort=False)
            .agg(expiry=("expiry", "first"), price=("price", "last"))
            .reset_index()
        )
        last_row = np.r_[days[1:] != days[:-1], True]  # the last row of each date
        held = pd.Series(held_codes[last_row], index=pd.DatetimeIndex(days[last_row]))
        view = "daily"
    else:
        long["date"] = stamps[long["row"].to_numpy()]
        held = pd.Series(held_codes, index=pd.DatetimeIndex(stamps))
        view = "timestamps"
    meta = {
        "source": "pysystemtrade",
        "file": p.name,
        "instrument": stem,
        "contract": spec.root,
        "view": view,
    }
    return FuturesCurve.from_long_table(long[list(LONG_TABLE_COLUMNS)], metadata=meta, held=held)


# -- EIA WTI ----------------------------------------------------------------------------
def load_eia_wti(path: PathLike) -> FuturesCurve:
    """Load the EIA's daily NYMEX WTI settlements of nearby contracts 1-4.

    Parameters
    ----------
    path : path
        CSV (plain or gzip) with columns ``Date, CL1, CL2, CL3, CL4`` in $/barrel
        (EIA series RCLC1..RCLC4).

    Returns
    -------
    FuturesCurve
        One path, four slots.  Slot ``n`` on date ``t`` is the ``n``-th WTI
        contract whose last trading day is on or after ``t`` (from
        :data:`etfsim.contracts.WTI`), so contract 1 stays contract 1 through its
        last trading day, as in the EIA series.  Negative prices are kept.

    Raises
    ------
    FileFormatError
        If the file is missing, a column is missing or a value is not a date or
        number.
    DataError
        If the dates are not strictly increasing.

    Notes
    -----
    The EIA repeats the previous day's values on some exchange holidays
    (2018-01-01, 2018-01-15, ...): a row whose four values all equal the
    previous row's is dropped, since a market that did not trade has no
    settlement.  A row with NaN in any column is never a repeat.
    """
    p = _existing(path, "EIA WTI")
    what = f"EIA WTI file {p.name!r}"
    raw = _read_table(p, "EIA WTI")
    _require_columns(raw, EIA_WTI_COLUMNS, what)
    cols = list(EIA_WTI_COLUMNS[1:])
    try:
        values = raw[cols].apply(pd.to_numeric, errors="raise").to_numpy(np.float64)
    except (ValueError, TypeError) as exc:
        raise FileFormatError(f"{what} has a value that is not a date or a number: {exc}") from exc
    dates = _increasing_dates(raw["Date"], "Date", what)
    repeat = np.r_[False, (values[1:] == values[:-1]).all(axis=1)]  # NaN != NaN: never a repeat
    dates, values = dates[~repeat], values[~repeat]
    # the generic nearby loader's core, with CL's convention: RCLC1 is the expiring contract on its last day
    long = nearby_long_table(dates, values, WTI, "expiring")
    meta = {
        "source": "EIA",
        "file": p.name,
        "series": "RCLC1..RCLC4",
        "contract": WTI.root,
        "view": "daily",
        "dropped_repeats": int(repeat.sum()),
    }
    return FuturesCurve.from_long_table(long, metadata=meta)


# -- spot series ------------------------------------------------------------------------
def load_spot_series(path: PathLike) -> pd.Series:
    """A daily spot series from a two-column CSV (date, value), e.g. FRED's DCOILWTICO.

    FRED writes missing days as ``.``; they become NaN.  Dates may be ``m/d/Y``
    or ISO.  The series is named after the value column.

    Raises
    ------
    FileFormatError
        If the file is missing or does not have exactly a date and a value column.
    """
    p = _existing(path, "spot")
    frame = _read_table(p, "spot", na_values=["."])
    if frame.shape[1] != 2:
        raise FileFormatError(
            f"spot file {str(p)!r} must have two columns (date, value), found {[str(c) for c in frame.columns]}"
        )
    try:
        dates = pd.to_datetime(frame.iloc[:, 0], format="mixed")
        values = pd.to_numeric(frame.iloc[:, 1], errors="coerce")
    except (ValueError, TypeError) as exc:
        raise FileFormatError(f"spot file {str(p)!r}: the first column must hold dates ({exc})") from exc
    return pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(dates), name=str(frame.columns[1]))


# -- registry ---------------------------------------------------------------------------
REAL_LOADERS: Mapping[str, Callable[..., FuturesCurve]] = {
    "pysystemtrade": load_pysystemtrade,
    "eia-wti": load_eia_wti,
    "long-table": read_long_table,
    "nearby": load_nearby,
}
"""Real-data formats by name (the command line's ``--format``)."""


def load_real(kind: str, path: PathLike, **kw: Any) -> FuturesCurve:
    """Load a real history with the loader registered under ``kind``.

    Parameters
    ----------
    kind : {"pysystemtrade", "eia-wti", "long-table", "nearby"}
        The file format (``nearby``: :func:`etfsim.curves.nearby.load_nearby`, the
        contract taken from the column names unless ``contract=`` is given).
    path : path
        The file.
    **kw
        Passed to the loader (e.g. ``daily=True`` for pysystemtrade).

    Raises
    ------
    UnknownNameError
        If ``kind`` is not a known format; the message lists the known ones.
    """
    key = str(kind).lower()
    if key not in REAL_LOADERS:
        raise UnknownNameError("real-data format", str(kind), REAL_LOADERS)
    return REAL_LOADERS[key](path, **kw)
