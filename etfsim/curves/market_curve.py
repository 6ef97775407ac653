"""Curves on a multi-leg market: a leg, a family index, or successive generations side by side.

A :class:`Block` is one listed index: its contracts by nearby slot (none
before its launch) and, for every (date, slot), the weights of the legs whose
futures make its price (one leg with weight 1 for a plain leg).  A
:class:`MarketCurve` puts one or more blocks side by side on the slot axis
(block ``b`` owns slots ``b * depth`` to ``(b + 1) * depth - 1``) and satisfies
:class:`~etfsim.curves.protocol.Curve`, so every roll rule, the index and the
fund run on it; like :class:`~etfsim.curves.model_curve.ModelCurve` it prices
only the slots asked for, leg by leg, in closed form.

A curve with several blocks (a fund moving from one GPU generation to the
next) carries the generation weights ``generation[b, t]``; its spot index is
the chained spot of the generations held, ``S(t) / S(t-1) = sum_b g_b(t-1)
S_b(t) / sum_b g_b(t-1) S_b(t-1)``, so a switch of chips does not show as a
jump of the spot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from etfsim._numba import HAS_NUMBA, readonly
from etfsim._results import html_table
from etfsim.contracts.spec import ContractSpec
from etfsim.curves import kernels, market_kernels
from etfsim.curves.curve import (
    FuturesCurve,
    check_first_path,
    curve_summary,
    plot_snapshot,
    row_on,
    selected_paths,
    share_in_contango,
    snapshot_frame,
)
from etfsim.curves.median import MedianSetup, median_spot
from etfsim.curves.model_curve import ModelCurve

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Block", "MarketCurve", "chained_spot"]


def _add_weighted(out: np.ndarray, prices: np.ndarray, coef: np.ndarray) -> None:
    """``out += nan_to_num(prices) * coef`` (a family's leg added in): one compiled pass, or numpy's three without numba."""
    if HAS_NUMBA:
        market_kernels.add_weighted(out, readonly(prices), readonly(np.ascontiguousarray(coef, dtype=np.float64)))
        return
    step = np.nan_to_num(prices)  # the compiled pass as Python would be a loop over every cell
    step *= coef[None]
    out += step


@dataclass(frozen=True, eq=False)
class Block:
    """One listed index of a market curve (see the module docstring)."""

    name: str
    contract: ContractSpec
    contracts: np.ndarray  # (n, depth) codes, '' before launch
    expiries: np.ndarray  # (n, depth)
    parts: tuple[ModelCurve, ...]  # the legs' latent curves (prices also before launch)
    coef: np.ndarray  # (parts, n, depth) weight of each leg's futures in each cell
    spot_coef: np.ndarray  # (parts, n) weight of each leg's spot on each date
    first_row: int = 0  # first date with listed contracts
    median: MedianSetup | None = None  # a median family: priced by its quadrature, not by ``coef``
    # (n, depth) added to each listed cell: a family's floor parts before a random member's launch
    # (etfsim.curves.arrivals.family_mix), None without one
    offset: np.ndarray | None = None

    @property
    def depth(self) -> int:
        return int(self.contracts.shape[1])

    @cached_property
    def plain(self) -> bool:
        """One leg with weight 1 wherever listed: the leg's own prices, untouched."""
        if self.median is not None:
            return False
        return len(self.parts) == 1 and bool((self.coef[0][self.contracts != ""] == 1.0).all())

    def spot(self) -> np.ndarray:
        """``(paths, dates)`` index level, NaN before the first listed date (read-only, computed once)."""
        return self._spot

    @cached_property
    def _spot(self) -> np.ndarray:
        if self.median is not None:
            s = median_spot([p.spot for p in self.parts], self.median.member_on)
        elif self.plain:
            own = self.parts[0].spot
            if self.first_row == 0 and own.dtype == np.float64 and not own.flags.writeable:
                return own  # listed from the first date: the leg's own read-only spot, not a copy of it
            s = np.array(own, dtype=np.float64)
        else:
            s = np.zeros(self.parts[0].spot.shape)
            for part, c in zip(self.parts, self.spot_coef, strict=True):
                live = c != 0
                s[:, live] += c[live] * part.spot[:, live]
        s[:, : self.first_row] = np.nan
        s.setflags(write=False)
        return s

    def listed_cells(self, sel: np.ndarray) -> np.ndarray:
        """``sel`` ``(n, m)`` with -1 where the slot lists no contract of this block."""
        rows = np.arange(sel.shape[0])[:, None]
        safe = np.where(sel >= 0, sel, 0)
        return np.where((sel >= 0) & (self.contracts[rows, safe] != ""), sel, -1)

    def price_slots(self, sel: np.ndarray) -> np.ndarray:
        """Prices ``(paths, n, m)`` of this block's slots ``sel`` ``(n, m)`` on the full grid (-1: none)."""
        rows = np.arange(sel.shape[0])[:, None]
        safe = np.where(sel >= 0, sel, 0)
        local = self.listed_cells(sel)
        ok = local >= 0
        if self.median is not None:
            return self._median_prices(self.median, np.arange(sel.shape[0]), safe, ok)
        if self.plain:
            return self.parts[0].price_slots(local)
        out = np.zeros((self.parts[0].n_paths,) + sel.shape)
        prices = None  # one array every leg is priced into in turn: (paths, dates, slots) is 100 MB on 1,000 paths
        for part, coef in zip(self.parts, self.coef, strict=True):
            c = np.where(ok, coef[rows, safe], 0.0)
            if not c.any():
                continue
            cells = np.where(c != 0, local, -1)
            if part.adds_prices:  # added as the kernel works each price out: no array of them
                part.add_prices(cells, c, out)
                continue
            prices = part.price_slots(cells, out=prices)  # NaN where this leg does not count
            _add_weighted(out, prices, c)
        if self.offset is not None:
            out += np.where(ok, self.offset[rows, safe], 0.0)[None]
        out[:, ~ok] = np.nan
        return out

    def price_rows(self, rows: np.ndarray) -> np.ndarray:
        """Prices ``(paths, len(rows), depth)`` of every listed contract on some dates of the full grid."""
        listed = self.contracts[rows] != ""
        if self.median is not None:
            slots = np.broadcast_to(np.arange(self.depth), listed.shape)
            return self._median_prices(self.median, np.asarray(rows, dtype=np.int64), slots, listed)
        if self.plain:
            out = self.parts[0].price_rows(rows)
        else:
            out = np.zeros((self.parts[0].n_paths, len(rows), self.depth))
            prices = None  # one array every leg is priced into in turn
            for part, coef in zip(self.parts, self.coef, strict=True):
                c = coef[rows]
                if c.any():  # a missing price counts as 0 (0 x NaN would be NaN)
                    prices = part.price_rows(rows, out=prices)
                    _add_weighted(out, prices, c)
            if self.offset is not None:
                out += self.offset[rows][None]
        return np.where(listed[None], out, np.nan)

    def select_paths(self, idx: np.ndarray) -> Block:
        return replace(self, parts=tuple(p.select_paths(list(idx)) for p in self.parts))

    @cached_property
    def _median_state(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The legs' factors stacked ``(legs, paths, n)`` and the running sum of the median spot, once."""
        chi = np.stack([np.asarray(p.chi, dtype=np.float64) for p in self.parts])
        xi = np.stack([np.asarray(p.xi, dtype=np.float64) for p in self.parts])
        spot = self.spot()
        cum = np.empty((spot.shape[0], spot.shape[1] + 1))
        kernels.running_sums(readonly(np.ascontiguousarray(spot, dtype=np.float64)), cum)
        return chi, xi, cum

    def _median_prices(self, med: MedianSetup, rows: np.ndarray, slots: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """Prices ``(paths, len(rows), m)`` of the median family's cells ``(rows, slots)`` where ``ok``."""
        chi, xi, cum = self._median_state
        r = rows[:, None]
        n_days = np.ascontiguousarray(np.where(ok, med.n_days[r, slots], 0.0))
        out = np.empty((chi.shape[1], len(rows), slots.shape[1]))
        spot0 = float(self.spot()[0, 0])
        # threads over paths: the kernel releases the GIL, and each path's cells are independent
        blocks = _path_blocks(chi.shape[1])
        args = (
            spot0, np.ascontiguousarray(rows), med.date_off, np.ascontiguousarray(med.day_off[r, slots]), n_days,
            np.ascontiguousarray(med.first_fixed[r, slots]), np.ascontiguousarray(med.pre_fixed[r, slots]),
            np.ascontiguousarray(med.member[r, slots]), med.kappa, med.a_tab, med.s_tab, med.floor0, med.growth,
            med.gnodes,
        )  # fmt: skip

        def run(lo: int, hi: int) -> None:
            market_kernels.price_median(chi[:, lo:hi], xi[:, lo:hi], cum[lo:hi], *args, out[lo:hi])

        if len(blocks) == 1:
            run(*blocks[0])
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(blocks)) as pool:
                list(pool.map(lambda b: run(*b), blocks))
        return out


def _path_blocks(paths: int) -> list[tuple[int, int]]:
    """Ranges of paths, one per core (one range for a few paths)."""
    import os

    workers = max(1, min(os.cpu_count() or 1, paths // 16))
    edges = np.linspace(0, paths, workers + 1).astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def chained_spot(spots: Sequence[np.ndarray], generation: np.ndarray) -> np.ndarray:
    """The spot of the generations held, chained (see the module docstring); starts at block 0's spot."""
    weights = np.ascontiguousarray(generation[: len(spots)], dtype=np.float64)
    start = np.nan_to_num(spots[0][:, 0], nan=0.0)
    out = np.empty(spots[0].shape)
    market_kernels.chain_spot(
        tuple(readonly(np.ascontiguousarray(x, dtype=np.float64)) for x in spots), weights, start, out
    )
    out.setflags(write=False)  # the market's own: a curve restricted from it keeps it without a copy
    return out


@dataclass(frozen=True, eq=False)
class MarketCurve:
    """Blocks of a simulated market side by side, priced on demand (see the module docstring).

    Attributes
    ----------
    blocks : tuple of Block
    generation : (blocks, dates) array or None
        Share of exposure in each block's generation (several blocks only).
    row0 : int
        The first date of the full grid this curve shows (a block's curve
        from its launch on, for a rule that needs a listed front month).
    liquidity : (2, dates) array or None
        Front-month open interest and daily volume by date of the legs held
        (generation-weighted for successive chips), from the legs' ``liquidity``;
        a fund on this curve meets its impact costs and open-interest limits on them.
    """

    all_dates: np.ndarray
    blocks: tuple[Block, ...]
    spot_all: np.ndarray  # (paths, all dates)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    generation: np.ndarray | None = None
    row0: int = 0
    first_path: int = 0
    held: None = None
    # (2, all dates) front-month open interest and daily volume of what the curve holds (contracts), or None
    liquidity: np.ndarray | None = None
    # the blocks' listings side by side, read-only, when every chunk of a run shares them (else built once here)
    shared_listing: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_path", check_first_path(self.first_path))
        depths = {b.depth for b in self.blocks}
        if len(depths) != 1:
            raise ValueError("the blocks of a market curve must list the same number of slots")

    # -- the Curve protocol ----------------------------------------------------------
    @property
    def dates(self) -> np.ndarray:
        return self.all_dates[self.row0 :]

    @cached_property
    def _listing(self) -> tuple[np.ndarray, np.ndarray]:
        """Every block's contracts and expiries side by side on all dates, read-only (computed once)."""
        if self.shared_listing is not None:
            return self.shared_listing
        if len(self.blocks) == 1:
            return self.blocks[0].contracts, self.blocks[0].expiries
        codes = np.concatenate([b.contracts for b in self.blocks], axis=1)
        exp = np.concatenate([b.expiries for b in self.blocks], axis=1)
        codes.setflags(write=False)
        exp.setflags(write=False)
        return codes, exp

    @property
    def contracts(self) -> np.ndarray:
        # the same read-only array on every call: stages that key a cache on the listing hit it
        return self._listing[0] if self.row0 == 0 else self._listing[0][self.row0 :]

    @property
    def expiries(self) -> np.ndarray:
        return self._listing[1] if self.row0 == 0 else self._listing[1][self.row0 :]

    @property
    def spot(self) -> np.ndarray:
        return self.spot_all[:, self.row0 :]

    @property
    def n_paths(self) -> int:
        return int(self.spot_all.shape[0])

    @property
    def n_dates(self) -> int:
        return len(self.all_dates) - self.row0

    @property
    def block_depth(self) -> int:
        return self.blocks[0].depth

    @property
    def depth(self) -> int:
        return self.block_depth * len(self.blocks)

    @property
    def block_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.blocks)

    def block_curve(self, b: int, from_launch: bool = True) -> MarketCurve:
        """Block ``b`` alone: from its first listed date on (``row0``), or on every date (``from_launch=False``)."""
        blk = self.blocks[b]
        meta = dict(self.metadata, contract=blk.contract.to_dict(), holding=blk.name)
        row0 = blk.first_row if from_launch else 0
        return MarketCurve(self.all_dates, (blk,), blk.spot(), meta, None, row0, self.first_path)

    def liquidity_series(self) -> tuple[pd.Series, pd.Series] | None:
        """Open interest and daily volume by date (pandas Series on this curve's dates), or None."""
        if self.liquidity is None:
            return None
        idx = pd.DatetimeIndex(np.asarray(self.dates).astype("datetime64[ns]"))
        oi, vol = self.liquidity[:, self.row0 :]
        return pd.Series(oi, index=idx, name="open_interest"), pd.Series(vol, index=idx, name="daily_volume")

    def price_slots(self, sel: np.ndarray) -> np.ndarray:
        """Prices ``(paths, dates, m)`` of the slots ``sel`` ``(dates, m)`` of this curve (-1: none, NaN)."""
        n_all = len(self.all_dates)
        full = np.full((n_all, sel.shape[1]), -1, dtype=np.int64)
        full[self.row0 :] = sel
        d = self.block_depth
        if len(self.blocks) == 1 and ((full >= 0) & (full < d)).any():  # the block's own: no array to fill first
            out = self.blocks[0].price_slots(np.where(full < d, full, -1))
            return out if self.row0 == 0 else np.ascontiguousarray(out[:, self.row0 :])
        out = np.full((self.n_paths, n_all, sel.shape[1]), np.nan)
        for b, blk in enumerate(self.blocks):
            mine = (full >= b * d) & (full < (b + 1) * d)
            if not mine.any():
                continue
            local = np.where(mine, full - b * d, -1)
            if blk.plain:  # the kernel writes this block's own cells of the one array
                blk.parts[0].price_slots(blk.listed_cells(local), out=out, only_selected=True)
            else:  # a family's sum or a median: priced apart, then copied into this block's cells
                np.copyto(out, blk.price_slots(local), where=mine[None])
        return np.ascontiguousarray(out[:, self.row0 :])

    def price_rows(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Prices ``(paths, len(rows), depth)`` of every listed contract on some dates only."""
        r = np.asarray(rows, dtype=np.int64) + self.row0
        return np.concatenate([b.price_rows(r) for b in self.blocks], axis=2)

    @property
    def prices(self) -> np.ndarray:
        """The full ``(paths, dates, depth)`` cube (prices every listed contract)."""
        sel = np.broadcast_to(np.arange(self.depth), (self.n_dates, self.depth))
        return self.price_slots(np.where(self.contracts != "", sel, -1))

    def select_paths(self, paths: Sequence[int]) -> MarketCurve:
        """The same curve on some paths only (``first_path`` follows the first path chosen)."""
        idx = selected_paths(self.n_paths, list(paths))
        blocks = tuple(b.select_paths(idx) for b in self.blocks)
        return replace(self, blocks=blocks, spot_all=self.spot_all[idx], first_path=self.first_path + int(idx[0]))

    def current_block(self) -> np.ndarray:
        """``(dates,)`` the block with the largest generation weight on each date (0 for one block)."""
        if self.generation is None:
            return np.zeros(self.n_dates, dtype=np.int64)
        return np.asarray(np.argmax(self.generation[:, self.row0 :], axis=0), dtype=np.int64)

    def front_two(self) -> np.ndarray:
        """Prices ``(paths, dates, 2)`` of the front two contracts of the generation held most."""
        base = self.current_block()[:, None] * self.block_depth
        sel = base + np.array([0, 1])[None, :]
        listed = np.take_along_axis(self.contracts, sel, axis=1) != ""
        return self.price_slots(np.where(listed, sel, -1))

    def contango_share(self) -> np.ndarray:
        """Per path: the share of dates on which the second contract is dearer than the front."""
        return share_in_contango(self.front_two())

    def term_structure_state(self) -> dict[str, float]:
        """Share of path-dates in contango and backwardation (front two of the generation held most)."""
        f = self.front_two()
        base = self.current_block()[:, None] * self.block_depth
        sel = base + np.array([0, 1])[None, :]
        codes = np.take_along_axis(self.contracts, sel, axis=1)
        exp = np.take_along_axis(self.expiries, sel, axis=1)
        return FuturesCurve(self.dates, f, codes, exp).term_structure_state()

    def snapshot(self, date: object | None = None, path: int = 0) -> pd.DataFrame:
        """The curve on one date (default: the last) for one path: every listed contract of every block."""
        (p,) = selected_paths(self.n_paths, path)
        i = row_on(self.dates, date)
        prices = self.select_paths([int(p)]).price_rows(np.array([i]))[0, 0]
        return snapshot_frame(self.contracts[i], self.expiries[i], prices)

    def to_curve(self) -> FuturesCurve:
        """The same curve with every price materialised."""
        prices = self.prices
        prices.setflags(write=False)
        return FuturesCurve(
            self.dates, prices, self.contracts, self.expiries, self.spot, None, self.metadata, self.first_path
        )

    def summary(self) -> str:
        """Shape, dates, blocks and the contango/backwardation split."""
        kind = f"MarketCurve ({', '.join(self.block_names)}; prices on demand)"
        return curve_summary(self, kind)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        blocks = "+".join(self.block_names)
        return f"<MarketCurve {blocks} paths={self.n_paths} dates={self.n_dates} depth={self.depth}>"

    def _repr_html_(self) -> str:
        return html_table(repr(self), self.snapshot(path=0))

    def plot(self, path: int = 0, date: object | None = None, ax: Axes | None = None) -> Axes:
        """Futures prices by contract on one date for one path."""
        return plot_snapshot(self, path, date, ax)
