"""The (date, slot) cells of a monthly-average contract's listing, by delivery month.

A pricing plan for monthly-average settlement needs, for every listed
(date, slot) cell, the business days of its contract's delivery month.  Cells
are taken a group of months at a time, the months with the same number of
delivery days together, so the plan's arrays are built in a handful of array
operations rather than one pass per month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etfsim._typing import BoolArray, DateArray, Int64Array
from etfsim.contracts.spec import ContractSpec, Listing

__all__ = ["MonthGroup", "month_groups"]


@dataclass(frozen=True)
class MonthGroup:
    """The (date, slot) cells of every delivery month with the same number of delivery days.

    Taking the months of one length together gives each cell the same
    ``(cells, days)`` rows that a month taken alone gives it, so every sum
    along the days adds the same numbers in the same order.
    """

    month_days: DateArray  # (months, days) each month's delivery days
    month: Int64Array  # (cells,) each cell's row of month_days
    rows: Int64Array  # (cells,) grid index
    slots: Int64Array  # (cells,) slot

    @property
    def dd(self) -> DateArray:
        """``(cells, days)``: each cell's delivery days."""
        return self.month_days[self.month]


def month_groups(contract: ContractSpec, listing: Listing, listed: BoolArray) -> list[MonthGroup]:
    """The cells of each listed delivery month, in groups of months with as many delivery days.

    Parameters
    ----------
    contract : ContractSpec
        The monthly-average contract (its calendar gives the delivery days).
    listing : Listing
        Its nearby-slot map on the grid.
    listed : ndarray of bool
        ``(dates, depth)``: a contract sits in the cell.

    Returns
    -------
    list of MonthGroup
        One group per number of delivery days, shortest months first; every
        cell whose contract is listed somewhere on the grid is in one group.
    """
    months = {
        int(ym): contract.delivery_days(int(ym) // 100, int(ym) % 100) for ym in np.unique(listing.delivery[listed])
    }
    rows, slots = np.nonzero(np.isin(listing.delivery, np.fromiter(months, dtype=np.int64, count=len(months))))
    code = listing.delivery[rows, slots]
    by_len: dict[int, list[int]] = {}
    for ym, dd in months.items():
        by_len.setdefault(len(dd), []).append(ym)
    out = []
    for nd, yms in sorted(by_len.items()):
        month_of = np.searchsorted(np.array(yms, dtype=np.int64), code)  # months are listed in ascending order
        mine = (month_of < len(yms)) & (np.array(yms, dtype=np.int64)[np.minimum(month_of, len(yms) - 1)] == code)
        table = np.stack([months[ym] for ym in yms]) if nd else np.zeros((len(yms), 0), dtype="datetime64[D]")
        out.append(MonthGroup(table, month_of[mine], rows[mine], slots[mine]))
    return out
