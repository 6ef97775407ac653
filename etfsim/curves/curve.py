"""The futures curve: prices by nearby slot on every path and date.

A curve stores prices shaped ``(paths, dates, depth)``: slot 0 is the front
contract, slot 1 the next listed one, and so on.  Ten years of monthly contracts
fit in 24 slots instead of 144 mostly empty contract columns.  Which contract
sits in which slot is a ``(dates, depth)`` map shared by all paths (the listing
calendar does not depend on the price path).  A real history is simply one path.

A curve is in **contango** on a date when the second contract is dearer than the
front (``F1 > F0``) and in **backwardation** when it is cheaper.  Holding a
contract in contango loses as it rolls down towards the cheaper spot; in a
non-storable market such as GPU rental (like power) nothing bounds either state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from etfsim._results import html_table
from etfsim._typing import DateArray, Float64Array, PathMatrix, PriceCube, SlotMap, StrArray
from etfsim.curves import io as _files
from etfsim.exceptions import CalendarError, DataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = ["FuturesCurve", "term_structure_shares"]


def term_structure_shares(front: np.ndarray) -> dict[str, float]:
    """Shares of path-dates in contango (F1 > F0), backwardation (F1 < F0) and flat, of the front two prices.

    ``front`` is ``(paths, dates, 2)``, as a curve's ``front_two()`` gives it.  Only path-dates with
    both prices count; all NaN when none has both.
    """
    f0, f1 = front[:, :, 0], front[:, :, 1]
    ok = np.isfinite(f0) & np.isfinite(f1)
    total = int(ok.sum())
    if total == 0:
        return {"contango": float("nan"), "backwardation": float("nan"), "flat": float("nan")}
    contango = int((ok & (f1 > f0)).sum())
    back = int((ok & (f1 < f0)).sum())
    return {"contango": contango / total, "backwardation": back / total, "flat": (total - contango - back) / total}


def _readonly(a: np.ndarray) -> np.ndarray:
    """A read-only array the caller cannot change behind the curve's back.

    A writeable input is copied (so the caller's array is untouched and no
    view of it can alter the curve); producers that hand over arrays they
    have already marked read-only, such as the simulator, avoid the copy.
    """
    a = np.ascontiguousarray(a)
    if a.flags.writeable:
        a = a.copy()
        a.setflags(write=False)
    return a


def _stamp(value: object, what: str) -> np.datetime64:
    """A user-given date as datetime64[ns]; an unparseable one is a CalendarError, not a pandas error."""
    try:
        ts = pd.Timestamp(cast(Any, value))
    except (ValueError, TypeError) as exc:
        raise CalendarError(f"{what} {value!r} is not a date; write it like 2026-04-01") from exc
    if pd.isna(ts):
        raise CalendarError(f"{what} {value!r} is not a date; write it like 2026-04-01")
    return np.datetime64(ts, "ns")


def display_date(value: object) -> str:
    """A date as 2026-04-01, or with its time when it has one (intraday real data)."""
    ts = pd.Timestamp(value)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def check_first_path(value: object) -> int:
    """``first_path`` as an int; anything but a whole number >= 0 is a DataError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise DataError(f"first_path must be a whole number >= 0 (the run's index of path 0), got {value!r}")
    return int(value)


def selected_paths(n_paths: int, paths: int | Sequence[int] | slice | None) -> np.ndarray:
    """Positions of the paths a selection picks, in its order; out of range is a DataError."""
    if paths is None:
        return np.arange(n_paths)
    sel: Any = [int(paths)] if isinstance(paths, (int, np.integer)) else paths
    try:
        idx = np.arange(n_paths)[sel]
    except (IndexError, TypeError) as exc:
        raise DataError(f"paths {paths!r} out of range for a curve with {n_paths} paths") from exc
    if idx.size == 0:
        raise DataError(f"paths {paths!r} selects no path of a curve with {n_paths} paths")
    return np.atleast_1d(idx)


def row_on(dates: DateArray, date: object | None) -> int:
    """Row of the last close on or before ``date`` (default: the last row)."""
    if date is None:
        return len(dates) - 1
    t = _stamp(date, "date")
    i = int(np.searchsorted(dates, t, side="right")) - 1
    if i < 0:
        raise CalendarError(f"date {date} is before the curve starts ({str(dates[0])[:10]})")
    return i


def snapshot_frame(contracts: np.ndarray, expiries: np.ndarray, prices: np.ndarray) -> pd.DataFrame:
    """One date's listed contracts: ``contract, expiry, price``."""
    listed = contracts != ""
    return pd.DataFrame({"contract": contracts[listed], "expiry": expiries[listed], "price": prices[listed]})


def share_in_contango(front: PriceCube) -> Float64Array:
    """Per path, the share of dates with both ``front[..., 0]`` and ``front[..., 1]`` on which F1 > F0.

    NaN on a path with no such date.
    """
    f0, f1 = front[:, :, 0], front[:, :, 1]
    ok = np.isfinite(f0) & np.isfinite(f1)
    n_ok = ok.sum(axis=1)
    return np.where(n_ok > 0, (ok & (f1 > f0)).sum(axis=1) / np.maximum(n_ok, 1), np.nan)


def curve_summary(curve: Any, kind: str) -> str:
    """The summary either kind of curve prints: shape, dates, source, contango/backwardation split."""
    state = curve.term_structure_state()
    src = curve.metadata.get("model") or curve.metadata.get("source") or "unknown source"
    lines = [
        f"{kind}: {curve.n_paths} path(s) x {curve.n_dates} dates x {curve.depth} slots ({src})",
        f"  dates      {display_date(curve.dates[0])} to {display_date(curve.dates[-1])}",
        f"  contango   {state['contango']:.1%} of path-dates (F1 > F0)",
        f"  backwardation {state['backwardation']:.1%} of path-dates (F1 < F0)",
    ]
    if "seed" in curve.metadata:
        lines.append(f"  seed       {curve.metadata['seed']}")
    if curve.first_path:
        lines.append(f"  paths      {curve.first_path} to {curve.first_path + curve.n_paths - 1} of the run")
    return "\n".join(lines)


def plot_snapshot(curve: Any, path: int, date: object | None, ax: Axes | None) -> Axes:
    """Draw ``curve.snapshot(date, path)`` with the spot index on ``ax`` (a new figure when None)."""
    from etfsim._charts import draw_curve, new_axes, title_above_legend

    i = row_on(curve.dates, date)
    frame = curve.snapshot(curve.dates[i], path)
    spot = float(curve.spot[path, i]) if curve.spot is not None else float("nan")
    contract = curve.metadata.get("contract")
    unit = str(contract.get("unit", "unit")) if isinstance(contract, Mapping) else "unit"
    ax = new_axes() if ax is None else ax
    draw_curve(ax, frame, spot, unit)
    on = f", path {curve.first_path + path}" if curve.n_paths > 1 or curve.first_path else ""
    title_above_legend(ax, f"Futures curve on {display_date(curve.dates[i])}{on}")
    return ax


@dataclass(frozen=True, eq=False)
class FuturesCurve:
    """Futures prices by nearby slot, on one or many paths.

    Parameters
    ----------
    dates : (dates,) datetime64
        Strictly increasing observation times (business days for a simulation;
        the file's own timestamps for a real intraday history).
    prices : (paths, dates, depth) float64
        Price of the contract in each slot; NaN where the slot has no listed
        contract or no print.
    contracts : (dates, depth) object
        Contract code in each slot, ``''`` where no contract is listed.
    expiries : (dates, depth) datetime64[D]
        Last trading day of the contract in each slot, NaT where none.
    spot : (paths, dates) float64, optional
        The underlying index (rental price, WTI spot).
    held : (dates,) object, optional
        The contract a recorded history held on each date (pysystemtrade's
        ``PRICE_CONTRACT``), so a recorded roll can be replayed exactly.
    metadata : mapping
        JSON-able provenance: model name, parameters, seed, source file, contract.
    first_path : int, default 0
        Index of path 0 in the run that drew it: a chunk of a Monte Carlo run
        starts where the one before it ended, and anything drawn path by path
        (investor demand) follows the path's own index, whatever the chunk.

    Notes
    -----
    Instances are immutable: arrays are read-only and every method returns a
    new curve or a new table.  A curve satisfies :class:`~etfsim.curves.protocol.Curve`.
    """

    dates: DateArray
    prices: PriceCube
    contracts: StrArray
    expiries: SlotMap
    spot: PathMatrix | None = None
    held: StrArray | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    first_path: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_path", check_first_path(self.first_path))
        dates = np.asarray(self.dates).astype("datetime64[ns]")
        prices = np.asarray(self.prices, dtype=np.float64)
        if prices.ndim != 3:
            raise DataError(f"prices must be shaped (paths, dates, depth), got {prices.ndim} dimensions")
        p, n, k = prices.shape
        if dates.ndim != 1 or len(dates) != n:
            raise DataError(f"dates must be 1-D with {n} entries to match prices, got shape {dates.shape}")
        if n == 0 or p == 0 or k == 0:
            raise DataError(f"a curve needs at least one path, date and slot, got shape {prices.shape}")
        if np.isnat(dates).any() or (n > 1 and not (np.diff(dates) > np.timedelta64(0)).all()):
            raise DataError("dates must be strictly increasing with no missing values")
        contracts = np.asarray(self.contracts, dtype=object)
        expiries = np.asarray(self.expiries).astype("datetime64[D]")
        if contracts.shape != (n, k) or expiries.shape != (n, k):
            raise DataError(
                f"contracts and expiries must be shaped (dates, depth) = {(n, k)}, "
                f"got {contracts.shape} and {expiries.shape}"
            )
        empty = contracts == ""
        if (empty != np.isnat(expiries)).any():
            raise DataError("every listed contract needs an expiry and every empty slot a NaT expiry")
        if empty.any() and np.isfinite(prices[:, empty]).any():
            raise DataError("a price is given in a slot that has no listed contract")
        object.__setattr__(self, "dates", _readonly(dates))
        object.__setattr__(self, "prices", _readonly(prices))
        object.__setattr__(self, "contracts", _readonly(contracts))
        object.__setattr__(self, "expiries", _readonly(expiries))
        if self.spot is not None:
            spot = np.asarray(self.spot, dtype=np.float64)
            if spot.shape != (p, n):
                raise DataError(f"spot must be shaped (paths, dates) = {(p, n)}, got {spot.shape}")
            object.__setattr__(self, "spot", _readonly(spot))
        if self.held is not None:
            held = np.asarray(self.held, dtype=object)
            if held.shape != (n,):
                raise DataError(f"held must have one contract per date ({n}), got shape {held.shape}")
            object.__setattr__(self, "held", _readonly(held))
        meta = json.loads(json.dumps(dict(self.metadata), default=str))  # JSON-able, deep-copied
        object.__setattr__(self, "metadata", MappingProxyType(meta))

    # -- shape -------------------------------------------------------------------------
    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.prices.shape[0])

    @property
    def n_dates(self) -> int:
        """Number of observation dates."""
        return int(self.prices.shape[1])

    @property
    def depth(self) -> int:
        """Number of nearby slots."""
        return int(self.prices.shape[2])

    # -- selection ---------------------------------------------------------------------
    def select(
        self,
        paths: int | Sequence[int] | slice | None = None,
        start: object | None = None,
        end: object | None = None,
    ) -> FuturesCurve:
        """A new curve restricted to some paths and to dates in ``[start, end]``.

        Raises
        ------
        CalendarError
            If the range is reversed or selects no date.
        """
        lo = None if start is None else _stamp(start, "start")
        hi = None if end is None else _stamp(end, "end")
        if hi is not None and end is not None and len(str(end)) <= 10:
            hi = hi + np.timedelta64(1, "D") - np.timedelta64(1, "ns")  # a bare date includes its whole day
        if lo is not None and hi is not None and hi < lo:
            raise CalendarError(f"date range is reversed: start {start} is after end {end}; swap them")
        mask = np.ones(self.n_dates, dtype=bool)
        if lo is not None:
            mask &= self.dates >= lo
        if hi is not None:
            mask &= self.dates <= hi
        if not mask.any():
            since, until = str(self.dates[0])[:10], str(self.dates[-1])[:10]
            raise CalendarError(f"no date of the curve ({since} to {until}) lies in [{start}, {end}]")
        sel: Any = slice(None) if paths is None else selected_paths(self.n_paths, paths)
        first = 0 if paths is None else int(sel[0])
        return FuturesCurve(
            dates=self.dates[mask],
            prices=self.prices[sel][:, mask],
            contracts=self.contracts[mask],
            expiries=self.expiries[mask],
            spot=None if self.spot is None else self.spot[sel][:, mask],
            held=None if self.held is None else self.held[mask],
            metadata=self.metadata,
            first_path=self.first_path + first,
        )

    def select_paths(self, paths: Sequence[int]) -> FuturesCurve:
        """The same curve on some paths only (``select(paths=...)``); ``first_path`` follows the first one.

        A selection that skips paths numbers the ones after its first anew, so
        per-path draws keep each path's own index only for a run of adjacent paths.
        """
        return self.select(paths=list(paths))

    def with_spot(self, spot: pd.Series) -> FuturesCurve:
        """The same curve with a spot index taken from a dated series (one path).

        Dates the series lacks (holidays of its publisher, gaps) stay NaN: the
        spot index and the attribution use only dates that have a value.
        """
        if self.n_paths != 1:
            raise DataError("with_spot attaches one history's spot; this curve has several paths")
        series = pd.Series(spot).astype(float)
        index = pd.DatetimeIndex(pd.to_datetime(series.index)).normalize()
        by_day = pd.Series(series.to_numpy(), index=index).groupby(level=0).last()
        days = pd.DatetimeIndex(np.asarray(self.dates)).normalize()
        values = by_day.reindex(days).to_numpy(dtype=float)[None, :]
        meta = dict(self.metadata, spot=str(series.name or "spot"))
        return FuturesCurve(
            self.dates, self.prices, self.contracts, self.expiries, values, self.held, meta, self.first_path
        )

    # -- prices as a stage asks for them (the Curve protocol) -----------------------------
    def front_two(self) -> PriceCube:
        """Prices ``(paths, dates, 2)`` of the front and second slots (NaN where a curve has one slot)."""
        out = np.full((self.n_paths, self.n_dates, 2), np.nan)
        out[:, :, : min(self.depth, 2)] = self.prices[:, :, :2]
        return out

    def contango_share(self) -> Float64Array:
        """Per path: the share of dates with both front prices on which the second is dearer (NaN if none)."""
        return share_in_contango(self.front_two())

    def price_rows(self, rows: Sequence[int] | np.ndarray) -> PriceCube:
        """Prices ``(paths, len(rows), depth)`` on some dates only."""
        return np.array(self.prices[:, np.asarray(rows, dtype=np.int64)])

    def price_slots(self, sel: np.ndarray) -> PriceCube:
        """Prices ``(paths, dates, m)`` of the slots ``sel`` ``(dates, m)`` (-1: none, NaN)."""
        safe = np.where(sel >= 0, sel, 0)
        out = np.take_along_axis(self.prices, safe[None, :, :], axis=2)
        out[:, sel < 0] = np.nan
        return out

    def to_curve(self) -> FuturesCurve:
        """This curve (it holds every price already)."""
        return self

    def _repr_html_(self) -> str:
        """A notebook shows the curve's last date: contract, expiry and price on path 0."""
        return html_table(repr(self), self.snapshot(path=0))

    def plot(self, path: int = 0, date: object | None = None, ax: Axes | None = None) -> Axes:
        """Futures prices by contract on ``date`` (default: the last) for one path, with the spot index.

        Returns the matplotlib Axes (a new figure's when ``ax`` is None); the
        futures line's y-data is ``snapshot(date, path)["price"]``.
        """
        return plot_snapshot(self, path, date, ax)

    # -- views -------------------------------------------------------------------------
    def to_frame(self, dropna: bool = True) -> pd.DataFrame:
        """Tidy long table: one row per path, date and listed contract.

        Columns ``path, date, slot, contract, expiry, price``; rows with no
        listed contract are left out, and with ``dropna`` so are rows without a
        print.
        """
        p, n, k = self.prices.shape
        listed = self.contracts != ""
        di, si = np.nonzero(listed)
        frame = pd.DataFrame(
            {
                "path": np.repeat(np.arange(p, dtype=np.int64), len(di)),
                "date": np.tile(self.dates[di], p),
                "slot": np.tile(si.astype(np.int64), p),
                "contract": np.tile(self.contracts[di, si], p),
                "expiry": np.tile(self.expiries[di, si].astype("datetime64[ns]"), p),
                "price": self.prices[:, di, si].reshape(-1),
            }
        )
        if dropna:
            frame = frame[np.isfinite(frame["price"].to_numpy())].reset_index(drop=True)
        return frame

    def snapshot(self, date: object | None = None, path: int = 0) -> pd.DataFrame:
        """The curve on one date (default: the last) for one path: contract, expiry, price."""
        (p,) = selected_paths(self.n_paths, path)
        i = row_on(self.dates, date)
        return snapshot_frame(self.contracts[i], self.expiries[i], self.prices[p, i])

    def term_structure_state(self) -> dict[str, float]:
        """Share of path-dates in contango (F1 > F0) and backwardation (F1 < F0).

        Only path-dates with both of the two nearest prices count; equal prices
        count as flat.
        """
        if self.depth < 2:
            return {"contango": float("nan"), "backwardation": float("nan"), "flat": float("nan")}
        return term_structure_shares(self.prices[:, :, :2])

    def summary(self) -> str:
        """A few lines: shape, dates, source and the contango/backwardation split."""
        return curve_summary(self, "FuturesCurve")

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<FuturesCurve paths={self.n_paths} dates={self.n_dates} depth={self.depth}>"

    # -- construction from long tables -------------------------------------------------
    @classmethod
    def from_long_table(
        cls,
        table: pd.DataFrame,
        metadata: Mapping[str, Any] | None = None,
        held: pd.Series | None = None,
    ) -> FuturesCurve:
        """Build a one-path curve from a long table ``date, contract, expiry, price``.

        On each date the contracts present are sorted by expiry into slots.
        A row with a NaN price still lists its contract (listed, no print).
        Negative and zero prices are legal data (WTI settled at -37.63 on
        20 April 2020).

        Parameters
        ----------
        table : DataFrame
            Columns ``date``, ``contract``, ``expiry``, ``price``.
        metadata : mapping, optional
            Provenance to keep with the curve.
        held : Series, optional
            Contract held on each date, indexed by date.

        Raises
        ------
        FileFormatError
            If a column is missing or a contract has two expiries.
        """
        from etfsim.exceptions import FileFormatError

        need = ["date", "contract", "expiry", "price"]
        check_long_columns(table.columns, need, "long table")
        missing = [c for c in need if c not in table.columns]
        if missing:
            raise FileFormatError(
                f"long table is missing column(s) {missing}; expected columns {need}, got {list(table.columns)}"
            )
        df = table[need].copy()
        try:
            df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
            df["expiry"] = pd.to_datetime(df["expiry"]).astype("datetime64[ns]")
            df["price"] = pd.to_numeric(df["price"], errors="raise").astype(np.float64)
        except (ValueError, TypeError) as exc:
            raise FileFormatError(f"long table has a value that is not a date or number: {exc}") from exc
        # checked before astype(str): pandas 2 turns a missing code into "None"/"nan", pandas 3 keeps NaN
        no_contract = df["contract"].isna().to_numpy()
        df["contract"] = df["contract"].astype(str)
        no_contract = no_contract | (df["contract"] == "").to_numpy()
        if df["date"].isna().any() or df["expiry"].isna().any() or no_contract.any():
            raise FileFormatError("long table has rows without a date, contract or expiry")
        if df.empty:
            raise FileFormatError("long table has no rows")
        per_contract = df.groupby("contract")["expiry"].nunique()
        if (per_contract > 1).any():
            bad = per_contract[per_contract > 1].index[0]
            raise FileFormatError(f"contract {bad} has more than one expiry in the table; give it one")
        if np.isinf(df["price"].to_numpy()).any():
            raise FileFormatError("long table has an infinite price; use NaN for a missing print")
        _check_after_expiry(df)
        # one row per (date, contract): a repeated row with the same price or none is one print; two prices
        # that differ are refused (which one is right cannot be told), naming the rows
        df = df.sort_values(["date", "contract"], kind="stable")
        dup = df.duplicated(["date", "contract"], keep=False)
        if dup.any():
            _check_conflicts(df[dup])
            df = (
                df.groupby(["date", "contract"], sort=False)
                .agg(expiry=("expiry", "first"), price=("price", "last"))
                .reset_index()
            )
        df = df.sort_values(["date", "expiry", "contract"], kind="stable").reset_index(drop=True)
        dates, date_idx = np.unique(df["date"].to_numpy(), return_inverse=True)
        slot = df.groupby(date_idx).cumcount().to_numpy()
        depth = int(slot.max()) + 1
        n = len(dates)
        prices = np.full((1, n, depth), np.nan)
        contracts = np.full((n, depth), "", dtype=object)
        expiries = np.full((n, depth), np.datetime64("NaT"), dtype="datetime64[D]")
        prices[0, date_idx, slot] = df["price"].to_numpy()
        contracts[date_idx, slot] = df["contract"].to_numpy()
        expiries[date_idx, slot] = df["expiry"].to_numpy().astype("datetime64[D]")
        held_arr = None
        if held is not None:
            held_arr = held.reindex(pd.DatetimeIndex(dates)).astype(object).to_numpy()
            held_arr = np.where(pd.isna(held_arr), "", held_arr).astype(object)
        return cls(dates, prices, contracts, expiries, held=held_arr, metadata=dict(metadata or {}))

    # -- files (implemented in etfsim.curves.io) ---------------------------------------
    def to_parquet(self, path: str | os.PathLike[str], precision: str = "float64", encoding: str | None = None) -> None:
        """Write the curve to Parquet with its metadata (see :mod:`etfsim.curves.io`).

        ``precision="float32"`` writes a compact file (prices rounded by about 6e-8,
        relative); ``encoding`` is ``"plain"`` or ``"byte-split"`` (lossless, smaller).
        """
        _files.write_curve(self, path, precision=precision, encoding=encoding)

    @classmethod
    def read_parquet(cls, path: str | os.PathLike[str]) -> FuturesCurve:
        """Read a curve written by :meth:`to_parquet`; exact for float64 files, float32 ones are widened."""
        return cls(**_files.read_curve_parts(path))


AFTER_EXPIRY_DAYS = 31
"""Most days after its expiry a long table may price a contract (real data: up to 9, GAS_US)."""


def check_long_columns(columns: Iterable[object], need: Iterable[str], what: str) -> None:
    """Refuse a long table with a needed column twice (``price`` twice, or pandas' ``price.1`` for the second)."""
    from etfsim.exceptions import FileFormatError

    names = [str(c) for c in columns]
    for name in need:
        twice = names.count(name) > 1 or any(n.startswith(name + ".") and n[len(name) + 1 :].isdigit() for n in names)
        if twice:
            raise FileFormatError(
                f"{what} has column {name!r} more than once ({', '.join(n for n in names if n.split('.')[0] == name)}); "
                "keep one, so it is clear which is read"
            )


def _check_after_expiry(df: pd.DataFrame) -> None:
    """Refuse a row that prices a contract more than :data:`AFTER_EXPIRY_DAYS` after its expiry (a wrong expiry or date)."""
    from etfsim.exceptions import FileFormatError

    late = (df["date"] - df["expiry"]).dt.days.to_numpy() > AFTER_EXPIRY_DAYS
    late &= df["price"].notna().to_numpy()
    if late.any():
        row = df[late].iloc[0]
        days = int((row["date"] - row["expiry"]).days)
        raise FileFormatError(
            f"long table prices contract {row['contract']} on {str(row['date'])[:10]}, {days:,} days after its expiry "
            f"{str(row['expiry'])[:10]} (row {df.index[late][0]}); check the expiry and the date of that row"
        )


def _check_conflicts(rows: pd.DataFrame) -> None:
    """Refuse a (date, contract) given two different prices (NaN and a price, or two equal prices, are one)."""
    from etfsim.exceptions import FileFormatError

    priced = rows[rows["price"].notna()]
    spread = priced.groupby(["date", "contract"], sort=False)["price"].agg(["min", "max"])
    clash = spread[spread["min"] != spread["max"]]
    if len(clash):
        day, code = clash.index[0]
        at = priced[(priced["date"] == day) & (priced["contract"] == code)]
        listed = ", ".join(f"row {i}: {v:g}" for i, v in zip(at.index, at["price"], strict=True))
        raise FileFormatError(
            f"long table prices {code} on {str(day)[:10]} more than once, differently ({listed}); keep one row"
        )


def read_curve(path: str | os.PathLike[str]) -> FuturesCurve:
    """Read a curve file written by :meth:`FuturesCurve.to_parquet` (or ``etfsim curves simulate``).

    Raises
    ------
    FileFormatError
        If the file is missing, not Parquet, or lacks the etfsim columns or metadata.
    """
    return FuturesCurve.read_parquet(path)
