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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

import numpy as np
import pandas as pd

from etfsim._typing import DateArray, PathMatrix, PriceCube, SlotMap, StrArray
from etfsim.exceptions import CalendarError, DataError

__all__ = ["FuturesCurve"]


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

    Notes
    -----
    Instances are immutable: arrays are read-only and every method returns a
    new curve or a new table.
    """

    dates: DateArray
    prices: PriceCube
    contracts: StrArray
    expiries: SlotMap
    spot: PathMatrix | None = None
    held: StrArray | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
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
            raise CalendarError(f"no date of the curve ({self.dates[0]} to {self.dates[-1]}) lies in [{start}, {end}]")
        if paths is None:
            sel: Any = slice(None)
        elif isinstance(paths, (int, np.integer)):
            sel = [int(paths)]
        else:
            sel = paths
        try:
            prices = self.prices[sel][:, mask]
        except IndexError as exc:
            raise DataError(f"paths {paths!r} out of range for a curve with {self.n_paths} paths") from exc
        return FuturesCurve(
            dates=self.dates[mask],
            prices=prices,
            contracts=self.contracts[mask],
            expiries=self.expiries[mask],
            spot=None if self.spot is None else self.spot[sel][:, mask],
            held=None if self.held is None else self.held[mask],
            metadata=self.metadata,
        )

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
        return FuturesCurve(self.dates, self.prices, self.contracts, self.expiries, values, self.held, meta)

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
        if date is None:
            i = self.n_dates - 1
        else:
            t = _stamp(date, "date")
            i = int(np.searchsorted(self.dates, t, side="right")) - 1
            if i < 0:
                raise CalendarError(f"date {date} is before the curve starts ({self.dates[0]})")
        listed = self.contracts[i] != ""
        return pd.DataFrame(
            {
                "contract": self.contracts[i][listed],
                "expiry": self.expiries[i][listed],
                "price": self.prices[path, i][listed],
            }
        )

    def term_structure_state(self) -> dict[str, float]:
        """Share of path-dates in contango (F1 > F0) and backwardation (F1 < F0).

        Only path-dates with both of the two nearest prices count; equal prices
        count as flat.
        """
        if self.depth < 2:
            return {"contango": float("nan"), "backwardation": float("nan"), "flat": float("nan")}
        f0, f1 = self.prices[:, :, 0], self.prices[:, :, 1]
        ok = np.isfinite(f0) & np.isfinite(f1)
        total = int(ok.sum())
        if total == 0:
            return {"contango": float("nan"), "backwardation": float("nan"), "flat": float("nan")}
        contango = int((ok & (f1 > f0)).sum())
        back = int((ok & (f1 < f0)).sum())
        return {
            "contango": contango / total,
            "backwardation": back / total,
            "flat": (total - contango - back) / total,
        }

    def summary(self) -> str:
        """A few lines: shape, dates, source and the contango/backwardation split."""
        state = self.term_structure_state()
        src = self.metadata.get("model") or self.metadata.get("source") or "unknown source"
        lines = [
            f"FuturesCurve: {self.n_paths} path(s) x {self.n_dates} dates x {self.depth} slots ({src})",
            f"  dates      {display_date(self.dates[0])} to {display_date(self.dates[-1])}",
            f"  contango   {state['contango']:.1%} of path-dates (F1 > F0)",
            f"  backwardation {state['backwardation']:.1%} of path-dates (F1 < F0)",
        ]
        if "seed" in self.metadata:
            lines.append(f"  seed       {self.metadata['seed']}")
        return "\n".join(lines)

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
        # one row per (date, contract): the last valid price wins, else NaN
        df = df.sort_values(["date", "contract"], kind="stable")
        dup = df.duplicated(["date", "contract"], keep=False)
        if dup.any():
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
    def to_parquet(self, path: str) -> None:
        """Write the curve to Parquet with its metadata (see :mod:`etfsim.curves.io`)."""
        from etfsim.curves.io import write_curve

        write_curve(self, path)

    @classmethod
    def read_parquet(cls, path: str) -> FuturesCurve:
        """Read a curve written by :meth:`to_parquet`; the round trip is exact."""
        from etfsim.curves.io import read_curve

        return read_curve(path)
