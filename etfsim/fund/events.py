"""Dated fund events: the changes an issuer announces for a date.

USO in 2020 is the case in point: creations suspended on 21 April when its
registered shares ran out and resumed when a new registration became
effective, a 1-for-8 reverse split after the close of 28 April, and limits on
its positions that changed how it met them.  A fund's terms take such events
as ``[[fund.events]]`` tables, each with a ``date`` and one or more of:

``reverse_split = 8``
    A 1-for-8 reverse split after that date's close (a whole ratio >= 2).
``creations = "suspended"`` / ``creations = "open"``
    No creation units from that date's close on (APs may still redeem), until
    a later ``"open"``; a suspension with no ``"open"`` after it lasts to the end.
``expense_ratio = 0.0060``
    The expense ratio accrued from that date on (the date's own accrual included).
``limit_response = "spread"``
    How the fund meets a binding month limit from that date on (see
    ``FundConfig.limit_response``).

An event on a date with no close (a holiday) takes effect at the next close;
one after the curve's last date has not happened on it (a replay that ends
before creations resume), and one before its first date is an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from etfsim._validate import number
from etfsim.contracts.calendars import to_day
from etfsim.exceptions import ConfigError, DataError, EtfsimError

__all__ = ["EVENT_KEYS", "EventArrays", "FundEvent", "check_events", "event_arrays"]

LIMIT_RESPONSES = ("halt", "spread", "swap")  # the same names as FundConfig's (config imports this module)


@dataclass(frozen=True)
class FundEvent:
    """One dated change of the fund's terms (see the module docstring).

    Parameters
    ----------
    date : str
        The date it takes effect, ``YYYY-MM-DD``.
    reverse_split : int or None
        1-for-N reverse split after that close.
    creations : {"suspended", "open"} or None
        Creation units suspended from that close, or open again.
    expense_ratio : float or None
        Expense ratio (a fraction per year) from that date on.
    limit_response : {"halt", "spread", "swap"} or None
        Response to a binding month limit from that date on.
    note : str
        Where the event comes from (a filing, a press release).
    """

    date: str
    reverse_split: int | None = None
    creations: str | None = None
    expense_ratio: float | None = None
    limit_response: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        where = f"fund event on {self.date}"
        try:
            object.__setattr__(self, "date", str(to_day(self.date, "fund event date")))
        except EtfsimError as exc:
            raise ConfigError(f"{exc} (each [[fund.events]] needs date = YYYY-MM-DD)") from exc
        where = f"fund event on {self.date}"
        r = self.reverse_split
        if r is not None and (isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 2):
            raise ConfigError(f"{where}: reverse_split must be a whole ratio >= 2 (8 for 1-for-8), got {r!r}")
        if self.creations is not None and self.creations not in ("suspended", "open"):
            raise ConfigError(f"{where}: creations must be 'suspended' or 'open', got {self.creations!r}")
        if self.expense_ratio is not None:
            er = number(f"{where}: expense_ratio", self.expense_ratio, 0.0, 0.05, " (a fraction per year)")
            object.__setattr__(self, "expense_ratio", er)
        if self.limit_response is not None and self.limit_response not in LIMIT_RESPONSES:
            raise ConfigError(
                f"{where}: limit_response must be one of {', '.join(LIMIT_RESPONSES)}, got {self.limit_response!r}"
            )
        changes = (self.reverse_split, self.creations, self.expense_ratio, self.limit_response)
        if all(c is None for c in changes):
            raise ConfigError(
                f"{where}: an event changes something: give reverse_split, creations, expense_ratio or limit_response"
            )


EVENT_KEYS = tuple(f.name for f in fields(FundEvent))
"""The keys of a ``[[fund.events]]`` table."""


def check_events(events: object) -> tuple[FundEvent, ...]:
    """Events (or ``[[fund.events]]`` tables) checked and in date order.

    Raises
    ------
    ConfigError
        An unknown key, two events changing the same thing on one date,
        creations opened while they are open (a suspension that ends before
        it starts), or a field out of range.
    """
    if events is None:
        return ()
    if not isinstance(events, (list, tuple)):
        raise ConfigError("events must be a list of [[fund.events]] tables (date = ..., and what changes)")
    out: list[FundEvent] = []
    for i, e in enumerate(events):
        if isinstance(e, FundEvent):
            out.append(e)
            continue
        if not isinstance(e, Mapping):
            raise ConfigError(f"fund event {i + 1} must be a table (date = ..., and what changes), got {e!r}")
        bad = sorted(set(e) - set(EVENT_KEYS))
        if bad:
            raise ConfigError(f"fund event {i + 1}: unknown key {bad[0]!r}; valid keys: {', '.join(EVENT_KEYS)}")
        if "date" not in e:
            raise ConfigError(f"fund event {i + 1} needs date = YYYY-MM-DD")
        out.append(FundEvent(**dict(e)))
    out.sort(key=lambda ev: ev.date)  # stable: events of one date keep their order
    for name in ("reverse_split", "creations", "expense_ratio", "limit_response"):
        days = [ev.date for ev in out if getattr(ev, name) is not None]
        twice = sorted({d for d in days if days.count(d) > 1})
        if twice:
            raise ConfigError(f"two fund events change {name} on {twice[0]}; give one")
    state = "open"
    for ev in out:
        if ev.creations is None:
            continue
        if ev.creations == state:
            verb = "open again" if state == "open" else "suspended again"
            raise ConfigError(
                f"fund event on {ev.date}: creations {verb} but they are already {state}; a suspension must "
                "start (creations = 'suspended') before it ends (creations = 'open')"
            )
        state = ev.creations
    return tuple(out)


@dataclass(frozen=True)
class EventArrays:
    """The events on a curve's dates, as the ledger reads them (one entry a date)."""

    split_ratio: np.ndarray  # ratio of a dated reverse split after the close (1: none)
    creations_open: np.ndarray  # 1.0 where APs may create, 0.0 while creations are suspended
    expense_ratio: np.ndarray  # the ratio accrued on each date
    spread_later: np.ndarray  # bool: a binding month limit spreads into later months (else it halts and caps)
    swap_on: np.ndarray  # bool: exposure above a limit goes into a total-return swap


def _row(days: np.ndarray, ev: FundEvent) -> int | None:
    """The event's row: its date's close, or the next one; None after the curve (it has not happened yet)."""
    d = np.datetime64(ev.date, "D")
    if d < days[0]:
        raise DataError(f"fund event on {ev.date} is before the curve starts ({days[0]}); move it inside or remove it")
    if d > days[-1]:
        return None
    return int(np.searchsorted(days, d))  # a holiday: the next close


def event_arrays(
    events: Sequence[FundEvent], dates: np.ndarray, expense_ratio: float, limit_response: str
) -> EventArrays:
    """The fund's dated events on ``dates``, from its base ``expense_ratio`` and ``limit_response``."""
    days = np.asarray(dates).astype("datetime64[D]")
    n = len(days)
    split = np.ones(n)
    open_ = np.ones(n)
    er = np.full(n, float(expense_ratio))
    spread = np.full(n, limit_response == "spread")
    swap = np.full(n, limit_response == "swap")
    for ev in events:
        t = _row(days, ev)
        if t is None:
            continue
        if ev.reverse_split is not None:
            split[t] = float(ev.reverse_split)
        if ev.creations is not None:
            open_[t:] = 1.0 if ev.creations == "open" else 0.0
        if ev.expense_ratio is not None:
            er[t:] = ev.expense_ratio
        if ev.limit_response is not None:
            spread[t:] = ev.limit_response == "spread"
            swap[t:] = ev.limit_response == "swap"
    return EventArrays(split, open_, er, spread, swap)


def describe(events: Sequence[FundEvent]) -> list[dict[str, Any]]:
    """The events as plain data (metadata, fact sheets)."""
    return [{f.name: getattr(ev, f.name) for f in fields(ev) if getattr(ev, f.name) not in (None, "")} for ev in events]
