"""Index levels: excess return, total return and spot.

A futures index holds *quantities* of contracts fixed at each close.  Its
**excess return** (ER) index is the value of that position marked from one
close to the next, as if it were fully collateralised but the collateral earned
nothing: only futures price moves count.  When the index rolls, it sells the
expiring contract and buys the next at the same value; no cash changes hands,
so a roll by itself does not move the ER index.  What rolling costs in contango
(or earns in backwardation) shows up over time as the held contract drifts
towards the spot price: the *term-structure contribution*.

The **total return** (TR) index adds the interest the collateral earns in
91-day Treasury bills, as the S&P GSCI does.  The **spot** index follows the
underlying (the GPU rental index, WTI spot) where the curve carries it.

:func:`compute_index` returns an :class:`IndexResult` with the three levels on
every path and date; its :meth:`~IndexResult.attribution` splits the returns
into spot, term structure and collateral (see :mod:`etfsim.index.attribution`).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etfsim._numba import jit, readonly
from etfsim._typing import DateArray, Float64Array, Int64Array
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.protocol import Curve
from etfsim.exceptions import ConfigError, DataError
from etfsim.index.collateral import collateral_rates, tbill_returns
from etfsim.index.result import IndexResult, adopted
from etfsim.roll.schedule import RollSchedule, next_slot_map

if TYPE_CHECKING:
    pass

__all__ = ["MISSING_CHOICES", "IndexResult", "compute_index", "fill_by_contract", "index_levels", "tbill_returns"]

MISSING_CHOICES = ("raise", "previous")
"""What :func:`compute_index` does with a missing print of a held contract."""

# Path chunks keep the temporaries of one chunk near this many float64 values
# (about 32 MB each), whatever the number of paths.
_CHUNK_ELEMENTS = 4_000_000


# -- small helpers ----------------------------------------------------------------------
def _day(dates: DateArray, t: int) -> str:
    """A date as text: ``2020-04-20`` at midnight, with the time otherwise."""
    return str(np.asarray(dates)[t])[:19].replace("T00:00:00", "").replace("T", " ")


def _on_path(n_paths: int, p: int) -> str:
    return f" on path {p}" if n_paths > 1 else ""


def check_same_listing(curve: Curve, schedule: RollSchedule) -> None:
    """Raise DataError unless ``schedule`` was built on ``curve``'s dates and slot map."""
    same = (
        len(schedule.dates) == curve.n_dates
        and np.array_equal(np.asarray(schedule.dates).astype("datetime64[ns]"), curve.dates)
        and np.shape(schedule.contracts) == curve.contracts.shape
        and bool((np.asarray(schedule.contracts) == curve.contracts).all())
    )
    if not same:
        raise DataError(
            f"the schedule of rule {schedule.rule!r} was built on another curve (its dates or slot map "
            "differ from this curve's); build it with the rule on this curve"
        )
    n_w = schedule.weights.shape[0]
    if n_w not in (1, curve.n_paths):
        raise DataError(
            f"the schedule has weights for {n_w} paths but the curve has {curve.n_paths}; "
            "a schedule holds one row of weights for all paths or one per path"
        )


@jit
def fill_by_contract(prices: np.ndarray, nxt: np.ndarray, out: np.ndarray) -> None:
    """Carry each contract's last valid price over its missing prints.

    ``out[p, t, s]`` is ``prices[p, t, s]`` or, where that is NaN, the filled
    price on ``t - 1`` of the same contract (found through ``nxt``, the
    :func:`~etfsim.roll.schedule.next_slot_map`).  A contract with no valid
    price yet stays NaN.  The fill follows the contract, not the slot: when the
    front expires, slot 1's history moves to slot 0.
    """
    n_paths, n, k = prices.shape
    for p in range(n_paths):
        for s in range(k):
            out[p, 0, s] = prices[p, 0, s]
        for t in range(1, n):
            for s in range(k):
                out[p, t, s] = prices[p, t, s]
            for s in range(k):
                j = nxt[t - 1, s]
                if j >= 0 and math.isnan(out[p, t, j]):
                    out[p, t, j] = out[p, t - 1, s]


# -- the step ratios --------------------------------------------------------------------
def _step_ratios(
    prices: np.ndarray,
    weights: np.ndarray,
    nxt: Int64Array,
    invested: np.ndarray,
    curve: FuturesCurve,
    first_path: int,
    missing: str,
) -> Float64Array:
    """``(paths, dates - 1)`` ER ratios ``sum q F(t) / sum q F(t-1)`` of one chunk of paths.

    ``weights`` is ``(1 or paths, dates, depth)``.  Steps from an uninvested
    date have ratio 1.  :func:`compute_index` uses the one-pass :func:`_levels`
    and comes here to name a step it cannot price (the tests hold the two equal).
    """
    n = prices.shape[1]
    num = np.empty((prices.shape[0], n - 1))
    den = np.empty_like(num)
    trouble = step_sums(prices, np.ascontiguousarray(weights), nxt, num, den)
    if trouble:
        _diagnose_held(prices, weights, nxt, curve, first_path, missing)
    return _ratios(num, den, prices, weights, invested, curve, first_path)


@jit
def step_sums(prices: np.ndarray, weights: np.ndarray, nxt: np.ndarray, num: np.ndarray, den: np.ndarray) -> bool:
    """``num[p, t-1] = sum_s q(t-1) F(t)`` and ``den[p, t-1] = sum_s q(t-1) F(t-1)`` over held slots.

    Visits only the slots with weight, so a front-month schedule costs two
    multiplications a day.  Returns True when a held contract leaves the curve
    or has no price, so the caller can say which (the slow path, on errors only).
    """
    n_paths, n, depth = prices.shape
    shared = weights.shape[0] == 1
    trouble = False
    for p in range(n_paths):
        wp = 0 if shared else p
        for i in range(n - 1):
            a = 0.0
            b = 0.0
            for s in range(depth):
                w = weights[wp, i, s]
                if w > 0.0:
                    j = nxt[i, s]
                    if j < 0:
                        trouble = True
                        continue
                    f_prev = prices[p, i, s]
                    f_cur = prices[p, i + 1, j]
                    if math.isnan(f_prev) or math.isnan(f_cur):
                        trouble = True
                        continue
                    a += w * f_cur
                    b += w * f_prev
            num[p, i] = a
            den[p, i] = b
    return trouble


@jit
def _levels(
    prices: np.ndarray,
    weights: np.ndarray,
    nxt: np.ndarray,
    invested: np.ndarray,
    tbr: np.ndarray,
    start: int,
    base: float,
    er: np.ndarray,
    tr: np.ndarray,
) -> bool:
    """ER and TR levels in one pass, the same products as ``base * cumprod`` of the step ratios.

    Returns False, leaving the levels unfinished, when a held contract leaves the
    curve or has no price, or a step's position is worth zero or less: the caller
    then takes the array path, which names the date and contract.  The sums
    repeat :func:`step_sums`' loop on purpose: a shared helper taking the arrays
    would cost two atomic reference-count updates a call (see etfsim/fund/ledger.py).
    """
    n_paths, n, depth = prices.shape
    shared = weights.shape[0] == 1
    for p in range(n_paths):
        wp = 0 if shared else p
        c_er = 1.0
        c_tr = 1.0
        for i in range(n - 1):
            a = 0.0
            b = 0.0
            for s in range(depth):
                w = weights[wp, i, s]
                if w > 0.0:
                    j = nxt[i, s]
                    if j < 0:
                        return False
                    f_prev = prices[p, i, s]
                    f_cur = prices[p, i + 1, j]
                    if math.isnan(f_prev) or math.isnan(f_cur):
                        return False
                    a += w * f_cur
                    b += w * f_prev
            ratio = 1.0
            if invested[i]:
                if b <= 0.0:
                    return False
                ratio = a / b
            if not math.isfinite(ratio):
                return False
            if i >= start:
                c_er = c_er * ratio
                c_tr = c_tr * (ratio + tbr[i])
                er[p, i + 1] = base * c_er
                tr[p, i + 1] = base * c_tr
    return True


def _diagnose_held(
    prices: np.ndarray, weights: np.ndarray, nxt: Int64Array, curve: FuturesCurve, first_path: int, missing: str
) -> None:
    """Raise the DataError that names the first held contract that left the curve or has no price."""
    dates, contracts = curve.dates, curve.contracts
    n_all = curve.n_paths
    n = prices.shape[1]
    held = weights[:, :-1, :] > 0  # (pw, n-1, k): what is held from close t-1
    listed_next = nxt >= 0

    lost = held & ~listed_next[None]
    if lost.any():
        p, i, s = (int(x) for x in np.argwhere(lost)[0])
        on = _on_path(n_all, first_path + p) if weights.shape[0] > 1 else ""  # shared: every path
        raise DataError(
            f"contract {contracts[i, s]} held at the close of {_day(dates, i)}{on} "
            f"is not on the curve on {_day(dates, i + 1)} (the next date); "
            "the rule must roll out of it by its last trading day"
        )

    f_prev = prices[:, :-1, :]
    rows = np.arange(n - 1)[:, None]
    f_cur = prices[:, rows + 1, np.where(listed_next, nxt, 0)]  # the same contracts on t
    f_cur = np.where(listed_next[None], f_cur, np.nan)

    bad_prev = held & np.isnan(f_prev)
    bad_cur = held & np.isnan(f_cur)
    if bad_prev.any() or bad_cur.any():
        # the earliest date on which a held contract has no price
        cand: list[tuple[int, int, int, int]] = []  # (date of the missing print, path, step, slot)
        for bad, ahead in ((bad_prev, 0), (bad_cur, 1)):
            if bad.any():
                where = np.argwhere(bad)
                p, i, s = (int(x) for x in where[np.argmin(where[:, 1])])
                cand.append((i + ahead, p, i, s))
        when, p, i, s = min(cand)
        hint = (
            "and it has no earlier valid price to carry"
            if missing == "previous"
            else "(missing='raise'); pass missing='previous' to carry its last valid price"
        )
        raise DataError(
            f"no price for contract {contracts[i, s]} on {_day(dates, when)}{_on_path(n_all, first_path + p)}, "
            f"held from the close of {_day(dates, i)} {hint}"
        )

    raise AssertionError("step_sums reported a problem that the diagnosis did not find")  # pragma: no cover


def _ratios(
    num: np.ndarray,
    den: np.ndarray,
    prices: np.ndarray,
    weights: np.ndarray,
    invested: np.ndarray,
    curve: FuturesCurve,
    first_path: int,
) -> Float64Array:
    dates, contracts = curve.dates, curve.contracts
    n_all = curve.n_paths
    held = weights[:, :-1, :] > 0
    step_invested = invested[:-1][None, :]
    bad_den = step_invested & (den <= 0)
    if bad_den.any():
        p, i = (int(x) for x in np.argwhere(bad_den)[0])
        pw = 0 if weights.shape[0] == 1 else p
        slots = np.nonzero(held[pw, i])[0]
        parts = ", ".join(f"{contracts[i, s]} at {prices[p, i, s]:.6g} (weight {weights[pw, i, s]:.6g})" for s in slots)
        raise DataError(
            f"the position held at the close of {_day(dates, i)}{_on_path(n_all, first_path + p)} is worth "
            f"{den[p, i]:.6g} <= 0 ({parts}), so the return to {_day(dates, i + 1)} is undefined; "
            "back-adjust the prices first (back_adjust(method='panama')) or use a rule that rolls earlier"
        )
    ratio = np.ones(den.shape)
    np.divide(num, den, out=ratio, where=np.broadcast_to(step_invested, den.shape))
    if not np.isfinite(ratio).all():
        p, i = (int(x) for x in np.argwhere(~np.isfinite(ratio))[0])
        raise DataError(
            f"the excess return from {_day(dates, i)} to {_day(dates, i + 1)}{_on_path(n_all, first_path + p)} "
            f"is not finite ({ratio[p, i]}); check the curve for infinite prices"
        )
    return ratio


# -- the result ---------------------------------------------------------------------------
def compute_index(
    curve: FuturesCurve,
    schedule: RollSchedule,
    collateral_rate: float | pd.Series = 0.0,
    base: float = 100.0,
    missing: str = "raise",
) -> IndexResult:
    """Excess-return, total-return and spot index levels of a roll schedule on a curve.

    Parameters
    ----------
    curve : FuturesCurve
        Prices by nearby slot on one or many paths.  Every held price is read,
        so a curve that prices on demand is restricted first
        (:meth:`~etfsim.curves.protocol.Curve.restrict`).
    schedule : RollSchedule
        Quantity weights built on ``curve`` (same dates and slot map); a schedule
        with one row of weights serves every path.
    collateral_rate : float or Series, default 0.0
        The 91-day T-bill discount rate as a yearly fraction (0.05 for 5%): a
        constant, or a Series indexed by date, forward-filled onto the curve's
        dates (missing values are skipped).
    base : float, default 100.0
        Level of every index on the first invested date.
    missing : {"raise", "previous"}, default "raise"
        A held contract with no price at either end of a step: ``"raise"``
        stops with a DataError naming the date and contract; ``"previous"``
        uses the contract's last valid price (a *stale* price: the index does
        not move with that contract until it prints again, and catches up in
        one step when it does).  A contract with no valid price yet still
        raises.

    Returns
    -------
    IndexResult
        Levels ``(paths, dates)``: NaN before the first invested date, ``base``
        on it.  The spot index is NaN everywhere when ``curve.spot`` is absent
        (real histories carry none).

    Raises
    ------
    ConfigError
        If ``missing`` is not a known choice, ``base`` is not positive, or a
        collateral rate is not a fraction between -1 and 1.
    DataError
        If the schedule belongs to another curve or is never invested; a held
        contract leaves the curve (the rule did not roll out of it by its last
        trading day); a held contract has no price (``missing="raise"``); the
        position at a close is worth zero or less (the return is undefined);
        the collateral series starts after the first invested date; or the spot
        is not positive on the first invested date.

    Notes
    -----
    With quantity weights ``q(t-1)`` fixed at the previous close
    (etfsim DESIGN.md, "Index")::

        ER(t) / ER(t-1) = sum_i q_i(t-1) F_i(t) / sum_i q_i(t-1) F_i(t-1)

    where ``F_i(t)`` is the price on ``t`` of the contract that sat in slot
    ``i`` on ``t-1`` (it may have moved a slot nearer; see
    :func:`~etfsim.roll.schedule.next_slot_map`).  A step from an uninvested
    date leaves the ER unchanged.

    Total return, S&P GSCI Methodology, "Total Return Index" (T-bill
    collateral)::

        TR(t) = TR(t-1) * (1 + ER(t)/ER(t-1) - 1 + TBR(t))
        TBR(t) = (1 / (1 - 91/360 * TBAR(t-1)))**(Delta_t / 91) - 1

    with ``TBAR(t-1)`` the 91-day T-bill discount rate on the previous date and
    ``Delta_t`` the calendar days between the two dates (between their calendar
    days, so on an intraday history only the first row of a new day earns
    interest).  Spot: ``base * S(t) / S(t0)``.

    Negative prices are arithmetic like any other: a numerator that turns
    negative (WTI May 2020 settled at -37.63 on 20 April 2020) makes the ER
    fall by more than 100%, and the level may turn negative.  Only a position
    worth zero or less at the previous close is refused, because the ratio has
    no meaning there.
    """
    if missing not in MISSING_CHOICES:
        raise ConfigError(f"missing must be one of {', '.join(map(repr, MISSING_CHOICES))}, got {missing!r}")
    if isinstance(base, bool) or not isinstance(base, Real) or not (math.isfinite(base) and base > 0):
        raise ConfigError(f"base must be a positive number (the level on the first invested date), got {base!r}")
    check_same_listing(curve, schedule)
    invested = np.asarray(schedule.invested, dtype=bool)
    if not invested.any():
        raise DataError(f"the schedule of rule {schedule.rule!r} is never invested; there is no index to compute")
    start = int(np.argmax(invested))
    dates = curve.dates
    n_paths, n, k = curve.prices.shape
    rates = collateral_rates(collateral_rate, dates, start)
    tbr = tbill_returns(rates, dates) if n > 1 else np.zeros(0)

    # the kernel writes every date after the first invested one (or the caller raises): only the dates up to
    # it are set here, not the whole (paths, dates) array twice
    er, tr = np.empty((n_paths, n)), np.empty((n_paths, n))
    er[:, :start] = tr[:, :start] = np.nan
    er[:, start] = tr[:, start] = float(base)
    if n > 1:
        nxt = next_slot_map(curve.contracts)
        weights = schedule.weights
        chunk = max(1, _CHUNK_ELEMENTS // (n * k))
        for lo in range(0, n_paths, chunk):
            hi = min(n_paths, lo + chunk)
            prices = curve.prices[lo:hi]
            if missing == "previous":
                filled = np.empty_like(prices)
                fill_by_contract(prices, nxt, filled)
                prices = filled
            w = weights if schedule.shared else weights[lo:hi]
            # one pass in numba; a step it cannot price is named by the array path (step ratios), which raises
            ro = (readonly(prices), readonly(np.ascontiguousarray(w)), readonly(nxt), readonly(invested), readonly(tbr))
            if not _levels(*ro, start, float(base), er[lo:hi], tr[lo:hi]):  # read-only: one compiled type
                _step_ratios(prices, w, nxt, invested, curve, lo, missing)
                raise AssertionError("the index kernel stopped on a step the step ratios price")  # pragma: no cover

    spot = np.full((n_paths, n), np.nan) if curve.spot is None else _rebased_spot(curve.spot, start, float(base), dates)
    return adopted(er, tr, spot, dates, start, float(base), rates, schedule.rule, missing)  # new arrays: no copies


def _rebased_spot(source: np.ndarray, start: int, base: float, dates: DateArray) -> np.ndarray:
    """``base * S(t) / S(t0)`` from the first invested date ``t0`` on, NaN before; read-only.

    The rules of a study that start on the same date rebase the same spot to the same
    numbers: a read-only spot (a simulated curve's) is rebased once and the index results
    share the array (20 MB each on 1,000 paths) while the spot and one of them live; the
    cache itself holds neither.
    """
    key = _spot_key(source, start, base)
    if key is not None:
        with _REBASED_LOCK:
            hit = _REBASED.get(key)
        kept = None if hit is None or hit[0]() is None else hit[1]()
        if kept is not None:
            return kept
    n_paths, n = source.shape
    spot = np.empty((n_paths, n))
    spot[:, :start] = np.nan
    s0 = source[:, start]
    bad = ~(np.isfinite(s0) & (s0 > 0))
    if bad.any():
        p = int(np.argmax(bad))
        raise DataError(
            f"the spot index is {s0[p]!r} on the first invested date {_day(dates, start)}"
            f"{_on_path(n_paths, p)}; it must be a positive number to rebase the spot index there"
        )
    rebased = spot[:, start:]  # in place: base * S(t) / S(t0), without two (paths, dates) temporaries
    np.multiply(source[:, start:], base, out=rebased)
    rebased /= s0[:, None]
    spot.setflags(write=False)
    if key is not None:
        with _REBASED_LOCK:
            _REBASED[key] = (weakref.ref(_owner(source)), weakref.ref(spot))  # keeps neither alive
            while len(_REBASED) > 4:
                _REBASED.popitem(last=False)
    return spot


_REBASED: OrderedDict[tuple[int, ...], tuple[weakref.ReferenceType[np.ndarray], weakref.ReferenceType[np.ndarray]]] = (
    OrderedDict()
)
_REBASED_LOCK = threading.Lock()


def _owner(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (``a`` itself, or the base its views lead to)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _spot_key(source: np.ndarray, start: int, base: float) -> tuple[int, ...] | None:
    """What a rebased spot is kept by: the memory the spot reads, its layout, the date and base; None: not kept.

    Only a spot that nothing can write (it and the array owning its memory read-only) is kept;
    the weak reference to that owner tells a live spot from new memory at the same address.
    """
    owner = _owner(source)
    if source.flags.writeable or owner.flags.writeable or source.dtype != np.float64:
        return None
    where = source.__array_interface__["data"][0]
    return (where, *source.shape, *source.strides, id(owner), start, int(np.float64(base).view(np.int64)))


def index_levels(
    curve: FuturesCurve,
    schedule: RollSchedule,
    collateral_rate: float | pd.Series = 0.0,
    base: float = 100.0,
    missing: str = "raise",
) -> pd.DataFrame:
    """Index levels as a table: columns ``er, tr, spot``.

    Indexed by date for a one-path curve, by a ``(path, date)`` MultiIndex for
    several paths.  Parameters, errors and formulas as :func:`compute_index`.
    """
    return compute_index(curve, schedule, collateral_rate, base, missing).to_frame()
