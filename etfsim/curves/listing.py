"""The listing calendar of a curve: which contract sits in which nearby slot, and where it moves next.

A curve stores prices by nearby slot; when the front contract expires, every
other contract moves one slot nearer.  Every later stage follows the contract,
not the slot, through :func:`next_slot_map`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import pandas as pd

from etfsim._typing import StrArray

__all__ = ["contract_ids", "next_slot_map"]


def contract_ids(contracts: StrArray) -> tuple[np.ndarray, np.ndarray]:
    """Integer id per slot (-1 where empty) and the code of each id."""
    codes, inv = np.unique(contracts.astype(str), return_inverse=True)
    ids = inv.reshape(contracts.shape).astype(np.int64)
    if "" in codes:
        empty = int(np.searchsorted(codes, ""))
        ids = np.where(ids == empty, -1, ids - (ids > empty))
        codes = np.delete(codes, empty)
    return ids, codes


_NEXT_SLOTS: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_NEXT_LOCK = threading.Lock()


def next_slot_map(contracts: StrArray) -> np.ndarray:
    """``(dates - 1, depth)``: the slot on date ``t`` of the contract in slot ``k`` on ``t - 1``, or -1.

    When the front contract expires, every other contract moves one slot
    nearer; a real history may list contracts irregularly, so every shift is
    searched.  The map of a read-only listing (a curve's) is kept for the
    process, so the rule, the index and the ledger of a Monte Carlo chunk sort
    its contract codes once, not three times; the result is read-only.
    """
    listing = np.asarray(contracts, dtype=object)
    if listing.flags.writeable:
        return _next_slot_map(listing)
    with _NEXT_LOCK:
        hit = _NEXT_SLOTS.get(id(listing))
        if hit is not None and hit[0] is listing:
            return hit[1]
    out = _next_slot_map(listing)
    out.setflags(write=False)
    with _NEXT_LOCK:
        _NEXT_SLOTS[id(listing)] = (listing, out)  # holding the listing keeps its id from being reused
        while len(_NEXT_SLOTS) > 16:
            _NEXT_SLOTS.popitem(last=False)
    return out


def _next_slot_map(contracts: np.ndarray) -> np.ndarray:
    # ids by hashing, not sorting: only their equality matters here
    codes, uniques = pd.factorize(np.asarray(contracts, dtype=object).ravel())
    empty = np.nonzero(np.asarray(uniques, dtype=object) == "")[0]
    ids = codes.reshape(contracts.shape).astype(np.int64)
    if len(empty):
        ids[ids == empty[0]] = -1
    n, k = ids.shape
    if n < 2:
        return np.full((0, k), -1, dtype=np.int64)
    # each (date, contract) pair of dates 1.. as one sorted key: the slot of a contract held on t - 1 is
    # found on t by a binary search, in O(n k log nk) whatever the listing's width (a market's blocks side
    # by side list 100 slots; trying every shift between two dates costs k times more)
    width = np.int64(len(uniques) + 1)
    rows = np.arange(n - 1, dtype=np.int64)[:, None]
    listed = ids[1:] >= 0
    keys = (rows * width + ids[1:])[listed]
    slots = np.broadcast_to(np.arange(k, dtype=np.int64), (n - 1, k))[listed]
    order = np.argsort(keys, kind="stable")
    keys, slots = keys[order], slots[order]
    if len(keys) == 0:
        return np.full((n - 1, k), -1, dtype=np.int64)
    if (keys[1:] == keys[:-1]).any():
        return _next_slot_map_by_shift(ids)  # a contract listed twice on one date: the search would pick one
    want = rows * width + ids[:-1]
    at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    found = (ids[:-1] >= 0) & (keys[at] == want)
    return np.where(found, slots[at], -1).astype(np.int64)


def _next_slot_map_by_shift(ids: np.ndarray) -> np.ndarray:
    """The same map by trying every shift of slots between two dates (a listing with a contract twice on a date)."""
    n, k = ids.shape
    prev, cur = ids[:-1], ids[1:]
    out = np.full((n - 1, k), -1, dtype=np.int64)
    for shift in range(-(k - 1), k):
        # contract in slot j on t-1 sits in slot j - shift on t
        lo, hi = max(0, shift), min(k, k + shift)
        if lo >= hi:
            continue
        j = np.arange(lo, hi)
        match = (prev[:, j] == cur[:, j - shift]) & (prev[:, j] >= 0)
        rows, cols = np.nonzero(match)
        out[rows, j[cols]] = j[cols] - shift
    return out
