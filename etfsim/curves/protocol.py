"""What every stage may ask of a curve, whether it holds its prices or prices them on demand.

Two classes are curves: :class:`~etfsim.curves.curve.FuturesCurve` holds the
whole ``(paths, dates, depth)`` price cube (a real history, a simulation
written to Parquet); :class:`~etfsim.curves.model_curve.ModelCurve` keeps only
a factor model's paths and prices a contract when asked.  Both answer the
listing (dates, contracts, expiries), the spot, the provenance and the prices
a stage needs, so the roll rules, the index, the fund and the reports accept
either and never ask which one they hold.

The full cube is not part of the protocol: a model curve builds it only at the
cost of pricing every listed contract on every date.  A stage that needs every
price (the index, the fund ledger) takes a :class:`FuturesCurve`, which
:func:`etfsim.roll.restrict` (the contracts a schedule touches) or
:meth:`Curve.to_curve` (all of them) gives from any curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd

from etfsim._typing import DateArray, Float64Array, PathMatrix, PriceCube, SlotMap, StrArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from etfsim.curves.curve import FuturesCurve

__all__ = ["Curve"]


@runtime_checkable
class Curve(Protocol):
    """A futures curve by nearby slot on one or many paths (see the module docstring).

    ``isinstance(x, Curve)`` checks that ``x`` has every member; it evaluates
    none of the prices.
    """

    @property
    def dates(self) -> DateArray:
        """``(dates,)`` strictly increasing observation times."""

    @property
    def contracts(self) -> StrArray:
        """``(dates, depth)`` contract code in each slot, ``''`` where none is listed."""

    @property
    def expiries(self) -> SlotMap:
        """``(dates, depth)`` last trading day of each slot's contract, NaT where none."""

    @property
    def spot(self) -> PathMatrix | None:
        """``(paths, dates)`` underlying index, or None (a real history without one)."""

    @property
    def held(self) -> StrArray | None:
        """``(dates,)`` contract a recorded history held, or None."""

    @property
    def metadata(self) -> Mapping[str, Any]:
        """JSON-able provenance: model, parameters, seed, contract, scenario."""

    @property
    def first_path(self) -> int:
        """Index of this curve's path 0 in the run that drew it (a chunk starts where the last ended)."""

    @property
    def n_paths(self) -> int:
        """Number of paths."""

    @property
    def n_dates(self) -> int:
        """Number of observation dates."""

    @property
    def depth(self) -> int:
        """Number of nearby slots."""

    def front_two(self) -> PriceCube:
        """``(paths, dates, 2)`` prices of the front and second slots (NaN where not listed)."""

    def contango_share(self) -> Float64Array:
        """Per path, the share of dates with both front prices on which the second is dearer."""

    def term_structure_state(self) -> dict[str, float]:
        """Share of path-dates in contango, backwardation and flat (front two slots)."""

    def price_rows(self, rows: Sequence[int] | np.ndarray) -> PriceCube:
        """``(paths, len(rows), depth)`` prices of every slot on some dates only."""

    def select_paths(self, paths: Sequence[int]) -> Self:
        """The same curve on some paths only; ``first_path`` follows the first one chosen."""

    def snapshot(self, date: object | None = None, path: int = 0) -> pd.DataFrame:
        """The curve on one date (default: the last) for one path: ``contract, expiry, price``."""

    def price_slots(self, sel: np.ndarray) -> PriceCube:
        """``(paths, dates, m)`` prices of the slots ``sel`` ``(dates, m)`` (-1: none, NaN); see :func:`etfsim.roll.restrict`."""

    def to_curve(self) -> FuturesCurve:
        """The same curve with every listed contract priced."""

    def plot(self, path: int = 0, date: object | None = None, ax: Axes | None = None) -> Axes:
        """Futures prices by contract on one date, with the spot index; returns the Axes."""
