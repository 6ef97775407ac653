"""Nearby-column files: ``date, <ROOT>1, <ROOT>2, ..., <ROOT>n`` as a one-path curve.

Data vendors and statistics offices publish futures histories by *nearby
position*: ``CL1`` is whichever WTI contract is nearest on that date, ``CL2``
the next, and so on (the EIA's RCLC1..RCLC4, Bloomberg's generic tickers,
``VX1..VX9`` tables of the VIX term structure).  The file never says which
contract a column held; it follows from the contract's listing and expiry
rule (:meth:`etfsim.contracts.ContractSpec.listing`), so this loader derives
each cell's contract code and expiry and hands a long table to
:meth:`FuturesCurve.from_long_table`.

One convention the file does not state matters on every expiry day: does
column 1 still show the expiring contract, or already the next one?  A
contract that trades through the close of its last day (CL) is still column 1;
one that stops before the regular session (Cboe VX, which stops trading at
8:00 a.m. CT on its final settlement date) is not, so column 1 that day is the
next month.  Each built-in contract carries its own answer
(``ContractSpec.on_expiry_day``); ``on_expiry_day=`` overrides it for a file
made the other way.  Getting it wrong shifts every column by one contract on
each expiry day: a constant-maturity replay then takes a false jump a month.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from etfsim.contracts.spec import CONTRACTS, ContractSpec, check_expiry_day, get_contract
from etfsim.curves._files import PathLike, existing, increasing_dates, numeric_column, read_table
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import FileFormatError

__all__ = ["load_nearby", "nearby_columns", "nearby_long_table"]


def _spec_for_root(root: str, what: str) -> ContractSpec:
    """The built-in contract whose ticker root is ``root`` (case-insensitive)."""
    for spec in CONTRACTS.values():
        if spec.root.upper() == root.upper():
            return spec
    roots = ", ".join(f"{s.root} ({name})" for name, s in sorted(CONTRACTS.items()))
    raise FileFormatError(
        f"{what}: its columns name root {root!r}, which is no built-in contract's ({roots}); "
        "pass contract= a built-in name or a ContractSpec, and root= the file's ticker root"
    )


def _infer_root(columns: list[str], what: str) -> str:
    roots = {m.group(1) for c in columns if (m := re.fullmatch(r"([A-Za-z]+)(\d+)", c))}
    if len(roots) != 1:
        found = sorted(roots) or "none"
        raise FileFormatError(
            f"{what}: cannot tell the ticker root from columns {columns} (roots found: {found}); "
            "nearby columns look like CL1, CL2, ...; pass contract= and root="
        )
    return roots.pop()


def nearby_columns(columns: list[str], root: str, what: str) -> list[str]:
    """The nearby columns ``root1..rootn`` of a file, in position order.

    Raises
    ------
    FileFormatError
        A column that is not ``<root><position>``, a repeated position, position
        0, or positions that skip one (``CL1, CL3``).
    """
    pattern = re.compile(rf"{re.escape(root)}(\d+)", re.IGNORECASE)
    positions: dict[int, str] = {}
    stray = []
    for c in columns:
        m = pattern.fullmatch(c)
        if m is None:
            stray.append(c)
        elif int(m.group(1)) in positions or int(m.group(1)) == 0:
            raise FileFormatError(
                f"{what}: column {c!r} repeats or starts below position 1; "
                f"nearby columns are {root}1..{root}n, each once"
            )
        else:
            positions[int(m.group(1))] = c
    if stray:
        raise FileFormatError(
            f"{what}: column(s) {stray} are not nearby columns {root}1..{root}n; drop them, "
            "or pass root= the file's ticker root"
        )
    if not positions:
        raise FileFormatError(f"{what} has no nearby columns {root}1..{root}n")
    n = max(positions)
    skipped = [k for k in range(1, n + 1) if k not in positions]
    if skipped:
        names = ", ".join(f"{root}{k}" for k in skipped)
        raise FileFormatError(
            f"{what}: nearby columns skip {names} (found {[positions[k] for k in sorted(positions)]}); "
            f"a file must hold {root}1..{root}{n} with none missing, since position k is the k-th contract"
        )
    return [positions[k] for k in range(1, n + 1)]


def nearby_long_table(dates: np.ndarray, values: np.ndarray, spec: ContractSpec, on_expiry_day: str) -> pd.DataFrame:
    """The long table ``date, contract, expiry, price`` of a ``(dates, n)`` block of nearby prices.

    Column ``k`` on date ``t`` is the ``k``-th contract of ``spec.listing`` on
    ``t`` under the expiry-day convention ``on_expiry_day``; a NaN price keeps
    the contract listed without a print.
    """
    listing = spec.listing(dates, depth=values.shape[1], on_expiry_day=on_expiry_day)
    listed = listing.contracts != ""
    di, si = np.nonzero(listed)
    return pd.DataFrame(
        {
            "date": dates[di],
            "contract": listing.contracts[di, si],
            "expiry": listing.expiries[di, si].astype("datetime64[ns]"),
            "price": values[di, si],
        }
    )


def _date_column(frame: pd.DataFrame, date_column: str | None, what: str) -> str:
    if date_column is not None:
        if date_column not in frame.columns:
            raise FileFormatError(
                f"{what} has no column date_column={date_column!r}; found {[str(c) for c in frame.columns]}"
            )
        return date_column
    hits = [str(c) for c in frame.columns if str(c).strip().lower() == "date"]
    if len(hits) != 1:
        raise FileFormatError(
            f"{what} needs one date column named 'date' (any case), found {[str(c) for c in frame.columns]}; "
            "pass date_column= to name it"
        )
    return hits[0]


def _resolve(
    contract: ContractSpec | str | None, root: str | None, columns: list[str], what: str
) -> tuple[ContractSpec, str]:
    if isinstance(contract, ContractSpec):
        spec = contract
    elif contract is not None:
        spec = get_contract(contract)  # raises UnknownNameError listing the built-ins
    else:
        spec = _spec_for_root(root or _infer_root(columns, what), what)
    return spec, root or spec.root


def load_nearby(
    path_or_frame: PathLike | pd.DataFrame,
    contract: ContractSpec | str | None = None,
    *,
    on_expiry_day: str | None = None,
    root: str | None = None,
    date_column: str | None = None,
    drop_repeats: bool = False,
) -> FuturesCurve:
    """Load a nearby-column file ``date, <ROOT>1..<ROOT>n`` as a one-path curve.

    Parameters
    ----------
    path_or_frame : path or DataFrame
        CSV (plain or gzip), Parquet, or a DataFrame: a date column and the
        nearby columns ``<ROOT>1..<ROOT>n`` (``CL1..CL4``, ``VX1..VX9``), in any
        order.  Empty cells and FRED's ``.`` are days without a print.
    contract : ContractSpec or str, optional
        The contract the columns trade: a ContractSpec, or a built-in name
        (``"wti"``, ``"henry-hub"``, ``"vix"``, ``"compute-h100"``).  By default
        the built-in whose root the columns carry (``CL`` -> WTI, ``VX`` -> VIX).
    on_expiry_day : {"expiring", "next"}, optional
        Which contract column 1 shows on a contract's expiry day: ``"expiring"``
        (it traded through that close: CL on its last trading day, the EIA's
        RCLC1) or ``"next"`` (it had no regular session: VX on its final
        settlement date).  Default: the contract's own ``on_expiry_day``.
    root : str, optional
        The ticker root in the column names when it is not the contract's
        (e.g. ``root="UX"`` for ``UX1..UX9`` VIX columns).
    date_column : str, optional
        The date column when it is not called ``date`` (any case).
    drop_repeats : bool, default False
        Drop a row whose values all equal the previous row's (a publisher that
        repeats the last prints on an exchange holiday, as the EIA does).  A row
        with any NaN is never a repeat.

    Returns
    -------
    FuturesCurve
        One path, ``n`` slots: column ``k`` on date ``t`` is the ``k``-th contract
        of ``contract.listing`` on ``t``, with its code and expiry from the
        contract's rule.  Metadata: ``source = "nearby"``, the file, the contract
        (as a table), the convention used and the repeats dropped.

    Raises
    ------
    FileFormatError
        The file is missing or unreadable; no single date column; a column that
        is not ``<ROOT><k>``; positions that skip one (``CL1, CL3``); a value
        that is not a date or a number; more columns than the contract lists.
    DataError
        Dates that are missing or not strictly increasing.
    ConfigError
        An ``on_expiry_day`` other than ``"expiring"`` or ``"next"``.
    UnknownNameError
        An unknown built-in contract name.
    """
    if isinstance(path_or_frame, pd.DataFrame):
        raw, name, what = path_or_frame, None, "nearby table"
    else:
        p = existing(path_or_frame, "nearby-column")
        raw, name, what = read_table(p, "nearby-column"), p.name, f"nearby file {p.name!r}"
    date_col = _date_column(raw, date_column, what)
    others = [str(c) for c in raw.columns if str(c) != date_col]
    spec, col_root = _resolve(contract, root, others, what)
    mode = spec.on_expiry_day if on_expiry_day is None else check_expiry_day(on_expiry_day, "on_expiry_day")
    cols = nearby_columns(others, col_root, what)
    if len(cols) > spec.listed_depth:
        raise FileFormatError(
            f"{what}: column {cols[-1]} is deeper than the {spec.listed_depth} months {spec.name} lists at once; "
            "drop the deeper columns or pass contract= a ContractSpec with a larger listed_depth"
        )
    dates = increasing_dates(raw[date_col], date_col, what)
    values = np.column_stack([numeric_column(raw[c], c, what) for c in cols])
    repeat = np.zeros(len(dates), dtype=bool)
    if drop_repeats:
        repeat[1:] = (values[1:] == values[:-1]).all(axis=1)  # NaN != NaN: never a repeat
        dates, values = dates[~repeat], values[~repeat]
    meta: dict[str, object] = {
        "source": "nearby",
        **({"file": name} if name else {}),
        "columns": f"{col_root}1..{col_root}{len(cols)}",
        "contract": spec.to_dict(),
        "view": "daily",
        "on_expiry_day": mode,
        "dropped_repeats": int(repeat.sum()),
    }
    return FuturesCurve.from_long_table(nearby_long_table(dates, values, spec, mode), metadata=meta)
