"""Roll rules: from a futures curve to a :class:`RollSchedule`.

Each rule is a frozen dataclass with a ``schedule(curve)`` method.  Rules that
read only the calendar give one row of weights shared by all paths; a rule that
reads prices (optimum yield) decides path by path, using only the prices known
at its decision close.

The rules product designers copy:

``front_month``
    Hold the front contract; roll into the next over ``window`` business days
    ending ``days_before_expiry`` business days before the front expires.
``strip``
    Equal quantities of the ``contracts`` nearest months (USL: 12); the expiring
    one rolls into the next beyond the strip, as ``front_month`` does.
``monthly_window`` (``gsci``, ``bcom``)
    Roll on business days ``first_day``..``last_day`` of every month, an equal
    share of the quantity a day (S&P GSCI: days 5-9, 20% a day; BCOM: 6-10), from
    the contract that expires after this month's window into the one that
    expires after next month's.
``constant_maturity``
    Two adjacent contracts weighted daily so the position's maturity stays at the
    target (S&P VIX Short-Term Futures Index: first and second month, weight of
    the first ``dr/dt``).
``optimum_yield``
    DBIQ Optimum Yield: when the held contract must roll, choose among contracts
    expiring within ``max_months`` months the one with the highest implied roll
    yield at the decision close; roll over the monthly window.
``calendar``
    An explicit list of dates and contract weights, from a TOML file.
``as_recorded``
    Replay the contract a recorded history held (pysystemtrade's ``PRICE_CONTRACT``).
``segments``
    Other rules in dated segments (:mod:`etfsim.roll.segments`): USO's 2020 changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from etfsim._validate import date_text
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.protocol import Curve
from etfsim.exceptions import ConfigError, DataError, UnknownNameError
from etfsim.roll._calendar import BusinessDayIndex, curve_calendar, curve_days
from etfsim.roll._common import (
    RollRule,
    _check_window,
    _day,
    _expiry_days,
    _int,
    _params,
    _window_fraction,
)
from etfsim.roll.optimum_yield import OptimumYield
from etfsim.roll.schedule import WEIGHT_TOL, RollSchedule, first_unpriced_trade, next_slot_map
from etfsim.roll.segments import Segments, segments_from_tables

__all__ = [
    "RULES",
    "AsRecorded",
    "CalendarRule",
    "ConstantMaturity",
    "FrontMonth",
    "MonthlyWindow",
    "OptimumYield",
    "RollRule",
    "Segments",
    "Strip",
    "make_rule",
    "roll_schedule",
]

# -- nearest-months rules -------------------------------------------------------------


def _strip_weights(curve: Curve, n: int, before: int, window: int, calendar: str | None, rule: str) -> RollSchedule:
    """Equal quantities of ``n`` consecutive contracts; each rolls out over its own window.

    With ``b`` the business days from a date to a contract's expiry, the share
    rolled out of that contract after the close is
    ``f = clip((before + window - b) / window, 0, 1)``: with ``before = 0,
    window = 1`` a contract is held to its last trading day and replaced at
    that close.  Contract ``j`` (by slot on the date) holds ``(f[j - n] - f[j]) / n``:
    it comes into the strip as contract ``j - n`` rolls out and leaves as it
    rolls out itself.  Because every contract has its own window, a window that
    starts before the previous contract's expiry (``before + window`` longer
    than a month) still spreads the roll over ``window`` days.
    """
    if curve.depth < n + 1:
        raise ConfigError(
            f"rule {rule} holds {n} contract(s) and rolls into the next, so it needs a curve at least "
            f"{n + 1} slots deep; this curve has {curve.depth}"
        )
    days = curve_days(curve)
    cal = BusinessDayIndex(curve_calendar(curve, calendar), days[0], days[-1])
    exp = np.asarray(curve.expiries).astype("datetime64[D]")
    listed = ~np.isnat(exp)
    if not listed[:, 0].all():
        t = int(np.argmax(~listed[:, 0]))
        raise DataError(f"rule {rule}: no front contract on {_day(curve, t)}; the curve has an empty front slot")
    b = np.where(listed, cal.index(np.where(listed, exp, days[:, None])) - cal.index(days)[:, None], 10**6)
    f = np.clip((before + window - b) / window, 0.0, 1.0)
    f_in = np.ones_like(f)  # f of the contract n slots nearer (expired ones are fully rolled out)
    f_in[:, n:] = f[:, :-n] if n < curve.depth else f_in[:, n:]
    w = (f_in - f) / n
    short = np.abs(w.sum(axis=1) - 1.0) > 1e-12
    if short.any():
        t = int(np.argmax(short))
        raise DataError(
            f"rule {rule}: on {_day(curve, t)} the strip of {n} needs contracts beyond the {curve.depth} "
            "slots the curve lists (or an empty slot); the curve needs more depth"
        )
    if (w[~listed] > 0).any():
        t = int(np.argwhere((w > 0) & ~listed)[0][0])
        raise DataError(f"rule {rule}: on {_day(curve, t)} the rule needs a slot that lists no contract")
    rolling = ((b >= before) & (b < before + window) & (f_in == 1.0)).any(axis=1)
    return RollSchedule.for_curve(curve, w[None], np.ones(curve.n_dates, bool), rolling, rule, {})


@dataclass(frozen=True)
class FrontMonth:
    """Hold the front month; roll over ``window`` days ending ``days_before_expiry`` days before expiry."""

    days_before_expiry: int = 0
    window: int = 1
    calendar: str | None = None
    name: ClassVar[str] = "front_month"

    def __post_init__(self) -> None:
        _int("days_before_expiry", self.days_before_expiry, 0, 60, "business days before the front expires")
        _int("window", self.window, 1, 20, "business days the roll is spread over")

    def schedule(self, curve: Curve) -> RollSchedule:
        s = _strip_weights(curve, 1, self.days_before_expiry, self.window, self.calendar, self.name)
        return RollSchedule.for_curve(curve, s.weights, s.invested, s.rolling, self.name, _params(self))


@dataclass(frozen=True)
class Strip:
    """Equal quantities of the ``contracts`` nearest months (USL: 12), rolled like :class:`FrontMonth`."""

    contracts: int = 12
    days_before_expiry: int = 10
    window: int = 4
    calendar: str | None = None
    name: ClassVar[str] = "strip"

    def __post_init__(self) -> None:
        _int("contracts", self.contracts, 1, 60, "months held at once")
        _int("days_before_expiry", self.days_before_expiry, 0, 60, "business days before the near month expires")
        _int("window", self.window, 1, 20, "business days the roll is spread over")

    def schedule(self, curve: Curve) -> RollSchedule:
        s = _strip_weights(curve, self.contracts, self.days_before_expiry, self.window, self.calendar, self.name)
        return RollSchedule.for_curve(curve, s.weights, s.invested, s.rolling, self.name, _params(self))


# -- monthly windows (GSCI, BCOM) -----------------------------------------------------


@dataclass(frozen=True)
class MonthlyWindow:
    """Roll on business days ``first_day``..``last_day`` of each month, an equal share a day.

    S&P GSCI Methodology ("Roll period": the fifth to ninth S&P GSCI business
    days, 20% a day); Bloomberg Commodity Index Methodology (sixth to tenth).
    The contract held before the window is the nearest one expiring after this
    month's window; the window moves it into the nearest one expiring after
    next month's window, so the index never holds a contract into expiry.
    """

    first_day: int = 5
    last_day: int = 9
    calendar: str | None = None
    name: ClassVar[str] = "monthly_window"

    def __post_init__(self) -> None:
        _check_window(self.first_day, self.last_day)

    def schedule(self, curve: Curve) -> RollSchedule:
        days = curve_days(curve)
        cal = BusinessDayIndex(curve_calendar(curve, self.calendar), days[0], days[-1])
        frac, ends = _window_fraction(cal, days, self.first_day, self.last_day, self.name)
        exp = _expiry_days(curve)
        old = (exp <= ends[0][:, None]).sum(axis=1)  # slots sorted by expiry: count those expiring too early
        new = (exp <= ends[1][:, None]).sum(axis=1)
        too_shallow = new >= curve.depth
        if too_shallow.any():
            t = int(np.argmax(too_shallow))
            raise DataError(
                f"rule {self.name}: on {_day(curve, t)} no contract on the curve expires after next month's roll "
                f"window; the curve needs more depth"
            )
        w = np.zeros((1, curve.n_dates, curve.depth))
        rows = np.arange(curve.n_dates)
        w[0, rows, old] += 1.0 - frac  # each row once per statement, so fancy += is safe
        w[0, rows, new] += frac
        rolling = (frac > 0) & (frac < 1) | ((frac == 1) & (cal.of_month(days) == self.last_day))
        return RollSchedule.for_curve(curve, w, np.ones(curve.n_dates, bool), rolling, self.name, _params(self))


# -- constant maturity (VIX short-term futures index) ---------------------------------


@dataclass(frozen=True)
class ConstantMaturity:
    """Two adjacent contracts weighted daily to keep a constant maturity.

    S&P VIX Futures Indices Methodology: over the roll period from one
    settlement date ``E_prev`` to the next ``E_next``, the first-month weight
    at the close of ``t`` is ``dr / dt`` with ``dt`` the business days in
    ``[E_prev, E_next)`` and ``dr`` those in ``(t, E_next)``; the second month
    holds the rest.  ``target_months = 1`` is the short-term index (first and
    second month); ``target_months = m`` uses months ``m`` and ``m + 1``.
    Dates before the first settlement the curve shows are not invested.
    """

    target_months: int = 1
    calendar: str | None = None
    name: ClassVar[str] = "constant_maturity"

    def __post_init__(self) -> None:
        _int("target_months", self.target_months, 1, 24, "months to maturity to hold")

    def schedule(self, curve: Curve) -> RollSchedule:
        m = self.target_months
        days = curve_days(curve)
        cal = BusinessDayIndex(curve_calendar(curve, self.calendar), days[0], days[-1])
        exp = np.asarray(curve.expiries).astype("datetime64[D]")
        settlements = np.unique(exp[~np.isnat(exp)])
        i_next = np.searchsorted(settlements, days, side="right")  # first settlement after t
        has_prev = i_next > 0
        has_next = i_next < len(settlements)
        invested = has_prev & has_next
        e_next = settlements[np.minimum(i_next, len(settlements) - 1)]
        e_prev = settlements[np.maximum(i_next - 1, 0)]
        dt = cal.index(e_next) - cal.index(e_prev)
        dr = cal.index(e_next) - cal.index(days) - 1
        first_slot = (exp <= days[:, None]).sum(axis=1) + (m - 1)  # contract expiring at e_next, then m-1 on
        second_slot = first_slot + 1
        if (invested & (second_slot >= curve.depth)).any():
            t = int(np.argmax(invested & (second_slot >= curve.depth)))
            raise ConfigError(
                f"rule {self.name}: target of {m} month(s) needs contract {m + 1} beyond the front on "
                f"{_day(curve, t)}, but the curve is only {curve.depth} slots deep"
            )
        rows = np.nonzero(invested)[0]
        listed = np.asarray(curve.contracts)[rows, second_slot[rows]] != ""
        if not listed.all():
            t = int(rows[np.argmax(~listed)])
            raise DataError(f"rule {self.name}: the curve lists no contract {m + 1} months out on {_day(curve, t)}")
        w1 = np.where(invested, dr / np.maximum(dt, 1), 0.0)
        w = np.zeros((1, curve.n_dates, curve.depth))
        w[0, rows, first_slot[rows]] = w1[rows]
        w[0, rows, second_slot[rows]] = 1.0 - w1[rows]
        return RollSchedule.for_curve(curve, w, invested, invested.copy(), self.name, _params(self))


# -- optimum yield (DBIQ) ----------------------------------------------------------------


_ENTRY_KINDS = ("weights", "value_weights", "positions")


def _position(key: object, i: int, date: object) -> str:
    """A nearby position key (``1``, ``"2"``) as text, or a ConfigError naming the entry."""
    text = str(key).strip()
    if not text.isdigit() or not 1 <= int(text) <= 120:
        raise ConfigError(
            f"calendar entry {i} ({date}): positions keys are nearby positions 1, 2, ... (1 = the front month), "
            f"got {key!r}; name contracts under weights instead"
        )
    return str(int(text))


def _codes_of(entry: Mapping[str, Any], contracts_now: np.ndarray, day: str) -> dict[str, float]:
    """An entry's weights by contract code; positions are the contracts in those slots at its decision close."""
    if "positions" not in entry:
        return dict(entry.get("weights", entry.get("value_weights", {})))
    out: dict[str, float] = {}
    for pos, weight in entry["positions"].items():
        slot = int(pos) - 1
        code = str(contracts_now[slot]) if slot < len(contracts_now) else ""
        if not code:
            raise DataError(
                f"rule calendar: the entry of {entry['date']} names nearby position {pos}, but the curve lists "
                f"only {int((contracts_now != '').sum())} contract(s) on {day}; use a deeper curve"
            )
        out[code] = out.get(code, 0.0) + weight
    return out


@dataclass(frozen=True)
class CalendarRule:
    """Explicit weights by contract from given dates on (e.g. from a TOML file).

    ``entries`` is a sequence of ``{"date": "2026-05-08", "weights": {"GPUM26": 0.5, "GPUN26": 0.5}}``;
    each entry holds from its date's close until the next entry.  Dates before
    the first entry are not invested.

    An entry may give ``value_weights`` instead of ``weights``: shares of the
    fund's value, as USO announced its April 2020 spread ("about 20% of its
    portfolio in the June contract, 50% in July ...").  They become quantity
    weights at the entry's own close, ``q_i = (v_i / F_i) / sum_j v_j / F_j``
    on each path's prices, and those quantities are held until the next entry
    (the values then drift with the prices, as a fund's do between trades).

    An entry may give ``positions`` instead: quantity weights by nearby
    position, ``{"2": 1.0}`` for "the second contract" (1 is the front).  Each
    position becomes the contract in that slot at the entry's own close and is
    held, as that contract, until the next entry, so a calendar of roll days
    ("from the front into the second month") outlives any one contract;
    :func:`etfsim.roll.roll_dates.load_roll_dates` builds one from a file.
    """

    entries: tuple[Mapping[str, Any], ...] = ()
    name: ClassVar[str] = "calendar"

    def __post_init__(self) -> None:
        if not self.entries:
            raise ConfigError("calendar rule needs at least one entry {date = ..., weights = {CONTRACT = weight}}")
        parsed: list[dict[str, Any]] = []
        for i, e in enumerate(self.entries):
            kinds = set(e) - {"date"} if isinstance(e, Mapping) else set()
            if not isinstance(e, Mapping) or "date" not in e or kinds not in ({k} for k in _ENTRY_KINDS):
                raise ConfigError(
                    f"calendar entry {i} must have the keys date and weights (or value_weights), "
                    f"or date and positions, got {e!r}"
                )
            key = kinds.pop()
            ws = e[key]
            what = "nearby position" if key == "positions" else "contract"
            if not isinstance(ws, Mapping) or not ws:
                raise ConfigError(f"calendar entry {i}: {key} must be a table of {what} = weight")
            day = date_text(f"calendar entry {i} date", e["date"])
            bad = [
                v
                for v in ws.values()
                if isinstance(v, (bool, str, bytes)) or not isinstance(v, (int, float, np.integer, np.floating))
            ]
            if bad:
                raise ConfigError(f"calendar entry {i} ({day}): {key} must be numbers (no quotes), got {dict(ws)}")
            vals = [float(v) for v in ws.values()]
            if any(not v >= 0 for v in vals) or abs(sum(vals) - 1.0) > 1e-9:
                raise ConfigError(f"calendar entry {i} ({day}): {key} must be >= 0 and sum to 1, got {dict(ws)}")
            names = [_position(c, i, day) for c in ws] if key == "positions" else [str(c) for c in ws]
            if len(set(names)) != len(names):
                raise ConfigError(f"calendar entry {i} ({day}): {key} names a {what} twice, got {dict(ws)}")
            parsed.append({"date": day, key: dict(zip(names, vals, strict=True))})
        dates = [np.datetime64(p["date"], "D") for p in parsed]
        if any(b <= a for a, b in zip(dates, dates[1:])):
            raise ConfigError("calendar entries must be in increasing date order")
        object.__setattr__(self, "entries", tuple(parsed))

    @property
    def reads_prices(self) -> bool:
        """Value weights become quantities at each path's prices."""
        return any("value_weights" in e for e in self.entries)

    def schedule(self, curve: Curve) -> RollSchedule:
        days = curve_days(curve)
        starts = np.array([np.datetime64(e["date"], "D") for e in self.entries])
        which = np.searchsorted(starts, days, side="right") - 1
        contracts = np.asarray(curve.contracts)
        rows = curve.n_paths if self.reads_prices else 1
        w = np.zeros((rows, curve.n_dates, curve.depth))
        first = np.zeros(len(self.entries), dtype=np.int64) - 1  # each entry's decision row (its first close)
        by_code: dict[int, dict[str, float]] = {}  # each entry's weights by contract code
        for t in np.nonzero(which >= 0)[0]:
            k = int(which[t])
            entry = self.entries[k]
            if first[k] < 0:
                first[k] = t
                by_code[k] = _codes_of(entry, contracts[t], _day(curve, int(t)))
            for code, weight in by_code[k].items():
                slot = np.nonzero(contracts[t] == code)[0]
                if len(slot) == 0:
                    held = f" (the entry of {entry['date']} took it by position)" if "positions" in entry else ""
                    raise DataError(
                        f"rule calendar: contract {code} is not on the curve on {_day(curve, int(t))}{held}; "
                        "add an entry that rolls out of it by its last trading day"
                    )
                w[:, t, slot[0]] += weight
        for k, entry in enumerate(self.entries):
            if "value_weights" in entry and first[k] >= 0:
                self._to_quantities(curve, w, which, k, int(first[k]))
        invested = which >= 0
        return RollSchedule.for_curve(
            curve, w, invested, np.zeros(curve.n_dates, bool), self.name, {"entries": [dict(e) for e in self.entries]}
        )

    def _to_quantities(self, curve: Curve, w: np.ndarray, which: np.ndarray, k: int, t0: int) -> None:
        """Entry ``k``'s value shares (already in ``w`` on its dates) as quantities at its decision close ``t0``."""
        codes = list(self.entries[k]["value_weights"])
        contracts = np.asarray(curve.contracts)
        slots0 = [int(np.nonzero(contracts[t0] == c)[0][0]) for c in codes]
        prices = np.asarray(curve.price_rows(np.array([t0])))[:, 0, slots0]  # (paths, codes)
        bad = ~(prices > 0)  # NaN, or a price at or below zero: no value share can be held in it
        if bad.any():
            p, i = np.argwhere(bad)[0]
            on = f" on path {p}" if curve.n_paths > 1 else ""
            raise DataError(
                f"rule calendar: value weights need a positive price; {codes[i]} is {prices[p, i]:g} on "
                f"{_day(curve, t0)}{on}; give that entry weights (quantities) instead"
            )
        shares = np.array([self.entries[k]["value_weights"][c] for c in codes])
        q = shares[None, :] / prices
        q /= q.sum(axis=1, keepdims=True)
        for t in np.nonzero(which == k)[0]:  # the same quantities until the next entry, contract by contract
            for i, c in enumerate(codes):
                w[:, t, int(np.nonzero(contracts[t] == c)[0][0])] = q[:, i]


@dataclass(frozen=True)
class AsRecorded:
    """Follow the contract a recorded history held (the curve's ``held``).

    pysystemtrade rolls at the last row of the old contract, pricing both legs
    there, so the weight at row ``t`` sits on ``held[t + 1]`` (the last row keeps
    ``held[-1]``): the return into row ``t + 1`` is the new contract's.
    """

    name: ClassVar[str] = "as_recorded"

    def schedule(self, curve: Curve) -> RollSchedule:
        if curve.held is None:
            raise DataError("rule as_recorded needs a curve loaded from a recorded history (it has no held contract)")
        held = np.asarray(curve.held, dtype=object)
        target = np.append(held[1:], held[-1:])
        contracts = np.asarray(curve.contracts)
        match = contracts == target[:, None]
        ok = match.any(axis=1) & (target != "")
        if not ok.all():
            t = int(np.argmax(~ok))
            raise DataError(
                f"rule as_recorded: contract {target[t]!r} held after {_day(curve, t)} is not on the curve that day"
            )
        w = match.astype(np.float64)[None]
        changed = np.append(False, target[1:] != target[:-1])
        return RollSchedule.for_curve(curve, w, np.ones(curve.n_dates, bool), changed, self.name, {})


# -- registry ---------------------------------------------------------------------------

RULES: dict[str, tuple[type, dict[str, Any]]] = {
    "front_month": (FrontMonth, {}),
    "strip": (Strip, {}),
    "monthly_window": (MonthlyWindow, {}),
    "gsci": (MonthlyWindow, {"first_day": 5, "last_day": 9}),
    "bcom": (MonthlyWindow, {"first_day": 6, "last_day": 10}),
    "constant_maturity": (ConstantMaturity, {}),
    "optimum_yield": (OptimumYield, {}),
    "calendar": (CalendarRule, {}),
    "as_recorded": (AsRecorded, {}),
    "segments": (Segments, {}),
}
"""Rule names and their classes with preset parameters (``gsci`` is ``monthly_window`` days 5-9)."""


def make_rule(name: str, **params: Any) -> RollRule:
    """Build a rule from its registry name and parameters (unknown names and fields are errors)."""
    if name not in RULES:
        raise UnknownNameError("roll rule", name, RULES)
    cls, preset = RULES[name]
    valid = {f.name for f in fields(cls)}
    unknown = sorted(set(params) - valid)
    if unknown:
        raise ConfigError(f"unknown parameter(s) {unknown} for roll rule {name!r}; valid: {sorted(valid) or 'none'}")
    if name == "calendar" and "entries" in params:
        params = {**params, "entries": tuple(params["entries"])}
    if name == "segments" and "segments" in params and not isinstance(params["segments"], Segments):
        segs = params["segments"]
        if isinstance(segs, (list, tuple)) and segs and all(isinstance(x, Mapping) for x in segs):
            return segments_from_tables(segs, make_rule)  # [[roll.segments]] tables from a strategy file
    rule = cls(**{**preset, **params})
    return rule  # type: ignore[no-any-return]


def roll_schedule(curve: Curve, rule: RollRule | str) -> RollSchedule:
    """Apply a roll rule to a curve and check the result against the curve's prices.

    Parameters
    ----------
    curve : Curve
        A :class:`FuturesCurve` or a :class:`~etfsim.curves.model_curve.ModelCurve`.
    rule : RollRule or str
        A rule object, or a registry name for the rule with its default parameters.

    Raises
    ------
    DataError
        If a contract the schedule trades has no price on that close (the
        message names the date and the contract).
    """
    r = make_rule(rule) if isinstance(rule, str) else rule
    if not isinstance(r, RollRule):
        raise ConfigError(f"rule must be a roll rule or a rule name, got {rule!r}")
    schedule = r.schedule(curve)
    if isinstance(rule, str) and schedule.rule != rule:  # a preset ("gsci") keeps its own name
        from dataclasses import replace

        schedule = replace(schedule, rule=rule)
    if isinstance(curve, FuturesCurve):  # a model curve prices every listed contract by construction
        _check_traded_prices(curve, schedule)
    return schedule


def _check_traded_prices(curve: FuturesCurve, schedule: RollSchedule) -> None:
    """Every contract whose weight changes at a close must have a price there (on every path)."""
    contracts = np.asarray(curve.contracts)
    nxt = next_slot_map(contracts)
    p, t, s = first_unpriced_trade(np.ascontiguousarray(schedule.weights), nxt, curve.prices, WEIGHT_TOL)
    if p >= 0:
        on = f" on path {p}" if curve.n_paths > 1 else ""
        raise DataError(
            f"the {schedule.rule} schedule trades {contracts[t, s]} on {_day(curve, int(t))}{on}, "
            "but the curve has no price for it there; fill the gap or choose another rule"
        )
