"""Dated segments: a strategy that switches roll rule at given dates.

A fund's roll is not always one rule for its whole life.  USO held the front
month until April 2020, then moved part of its position to the second month
and, from 22 April, spread it over four months (its 8-K filings of April 2020).
:class:`Segments` runs each segment's own rule on the segment's dates only and
joins their weights: from the close of a segment's first date the fund holds
what the new rule holds (the change is traded at that close, as a roll).

In a strategy file::

    [roll]
    rule = "segments"

    [[roll.segments]]
    rule = "front_month"
    days_before_expiry = 7
    window = 4
    calendar = "WEEKDAYS"

    [[roll.segments]]
    start = 2020-04-17
    rule = "calendar"
    entries = [...]

The first segment starts on the curve's first date unless it names a start;
every later one names its own, in increasing order, inside the curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from etfsim.contracts.calendars import to_day
from etfsim.curves.protocol import Curve
from etfsim.exceptions import ConfigError, DataError, EtfsimError, with_context
from etfsim.roll._calendar import curve_days
from etfsim.roll._common import RollRule
from etfsim.roll.schedule import RollSchedule

__all__ = ["Segments", "segments_from_tables"]


class _Rows:
    """Rows ``lo .. hi - 1`` of a curve, as a curve: what a rule reads (dates, listing, prices), offset.

    A rule run on a segment sees only the segment's dates, so a calendar of
    contracts that expire after the segment ends, or a contract listed only
    within it, is judged on the segment alone.
    """

    def __init__(self, curve: Curve, lo: int, hi: int) -> None:
        self._c, self._lo, self._hi = curve, lo, hi

    @property
    def dates(self) -> np.ndarray:
        return np.asarray(self._c.dates)[self._lo : self._hi]

    @property
    def contracts(self) -> np.ndarray:
        return np.asarray(self._c.contracts)[self._lo : self._hi]

    @property
    def expiries(self) -> np.ndarray:
        return np.asarray(self._c.expiries)[self._lo : self._hi]

    @property
    def spot(self) -> np.ndarray | None:
        s = self._c.spot
        return None if s is None else np.asarray(s)[:, self._lo : self._hi]

    @property
    def held(self) -> np.ndarray | None:
        h = self._c.held
        return None if h is None else np.asarray(h)[self._lo : self._hi]

    @property
    def metadata(self) -> Mapping[str, Any]:
        return self._c.metadata

    @property
    def first_path(self) -> int:
        return self._c.first_path

    @property
    def n_paths(self) -> int:
        return self._c.n_paths

    @property
    def n_dates(self) -> int:
        return self._hi - self._lo

    @property
    def depth(self) -> int:
        return self._c.depth

    def price_rows(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        return self._c.price_rows(np.asarray(rows, dtype=np.int64) + self._lo)

    def price_slots(self, sel: np.ndarray) -> np.ndarray:
        full = np.full((self._c.n_dates, sel.shape[1]), -1, dtype=np.int64)
        full[self._lo : self._hi] = sel
        return self._c.price_slots(full)[:, self._lo : self._hi]

    def front_two(self) -> np.ndarray:
        return self._c.front_two()[:, self._lo : self._hi]


@dataclass(frozen=True)
class Segments:
    """Roll rules in dated segments: ``segments`` is a sequence of ``(start, rule)``, starts increasing.

    A start of ``None`` (first segment only) means the curve's first date.
    Each rule runs on its segment's dates alone; the schedule is theirs side by side.
    """

    segments: tuple[tuple[str | None, RollRule], ...] = ()
    name: ClassVar[str] = "segments"

    @property
    def reads_prices(self) -> bool:
        """Whether a segment's rule decides from prices (path by path)."""
        return any(bool(getattr(rule, "reads_prices", False)) for _start, rule in self.segments)

    def __post_init__(self) -> None:
        segs = tuple(self.segments)
        if not segs:
            raise ConfigError("rule segments needs at least one [[roll.segments]] table (a rule, and a start date)")
        out: list[tuple[str | None, RollRule]] = []
        last: np.datetime64 | None = None
        for i, item in enumerate(segs):
            if not isinstance(item, tuple) or len(item) != 2 or not isinstance(item[1], RollRule):
                raise ConfigError(f"segment {i + 1} must be a (start date, roll rule) pair, got {item!r}")
            start, rule = item
            if isinstance(rule, Segments):
                raise ConfigError(f"segment {i + 1}: a segment's rule cannot itself be segments")
            if start is None:
                if i > 0:
                    raise ConfigError(f"segment {i + 1} needs a start date (only the first may start with the curve)")
                out.append((None, rule))
                continue
            day = to_day(start, f"segment {i + 1} start")
            if last is not None and day <= last:
                raise ConfigError(
                    f"segment {i + 1} starts {day}, not after segment {i}'s start {last}: segments must not "
                    "overlap; give the starts in increasing order"
                )
            last = day
            out.append((str(day), rule))
        object.__setattr__(self, "segments", tuple(out))

    def in_force(self, day: object) -> RollRule:
        """The rule of the segment that holds on ``day`` (the first one before any start)."""
        d = to_day(day, "day")
        rule = self.segments[0][1]
        for start, r in self.segments:
            if start is None or np.datetime64(start, "D") <= d:
                rule = r
        return rule

    def _rows(self, curve: Curve) -> list[tuple[int, int]]:
        days = curve_days(curve)
        starts: list[int] = []
        for i, (start, _rule) in enumerate(self.segments):
            if start is None:
                starts.append(0)
                continue
            day = np.datetime64(start, "D")
            if not days[0] <= day <= days[-1]:
                raise DataError(
                    f"segment {i + 1} starts {start}, outside the curve ({days[0]} to {days[-1]}); "
                    "move the start inside it or load a longer curve"
                )
            starts.append(int(np.searchsorted(days, day)))  # a start on a holiday begins at the next close
        # a first segment that starts later leaves the fund uninvested before it (weights 0)
        stops = starts[1:] + [len(days)]
        for i, (a, b) in enumerate(zip(starts, stops, strict=True)):
            if b <= a:
                raise DataError(f"segment {i + 1} has no close of its own on the curve (it ends where it starts)")
        return list(zip(starts, stops, strict=True))

    def schedule(self, curve: Curve) -> RollSchedule:
        rows = self._rows(curve)
        parts: list[RollSchedule] = []
        for i, ((lo, hi), (_start, rule)) in enumerate(zip(rows, self.segments, strict=True)):
            try:
                parts.append(rule.schedule(_Rows(curve, lo, hi)))  # type: ignore[arg-type]
            except EtfsimError as exc:
                raise with_context(exc, f"segment {i + 1} ({rule.name})") from exc
        n_rows = max(s.weights.shape[0] for s in parts)
        w = np.zeros((n_rows, curve.n_dates, curve.depth))
        invested = np.zeros(curve.n_dates, dtype=bool)
        rolling = np.zeros(curve.n_dates, dtype=bool)
        for (lo, hi), s in zip(rows, parts, strict=True):
            w[:, lo:hi] = s.weights
            invested[lo:hi] = s.invested
            rolling[lo:hi] = s.rolling
            if lo > 0:
                rolling[lo] = True  # the switch trades the difference between the two rules' holdings
        params = {
            "segments": [{"start": start, "rule": rule.name} for start, rule in self.segments],
        }
        return RollSchedule.for_curve(curve, w, invested, rolling, self.name, params)


def segments_from_tables(tables: object, make: Any) -> Segments:
    """``[[roll.segments]]`` tables (each a ``rule``, its parameters and a ``start``) as :class:`Segments`.

    ``make`` builds a rule from its name and parameters (``etfsim.roll.rules.make_rule``).
    """
    if not isinstance(tables, (list, tuple)) or not tables:
        raise ConfigError("rule segments needs segments = a list of tables, each with a rule (and a start date)")
    out: list[tuple[str | None, RollRule]] = []
    for i, tab in enumerate(tables):
        if not isinstance(tab, Mapping) or "rule" not in tab:
            raise ConfigError(f"segment {i + 1} must be a table with rule = ... (and start = a date)")
        params = dict(tab)
        name = params.pop("rule")
        start = params.pop("start", None)
        try:
            rule = make(str(name), **params)
        except EtfsimError as exc:
            raise with_context(exc, f"segment {i + 1}") from exc
        out.append((None if start is None else str(to_day(start, f"segment {i + 1} start")), rule))
    return Segments(tuple(out))
