"""A list of roll days from a file, as the ``calendar`` roll rule.

Some funds publish their roll as a calendar rather than a rule ("the Fund
rolls on 10 January, 10 February, ..."), and a designer replaying a fund often
has only that list.  Naming contract codes would tie such a calendar to the
contracts of one period; naming *nearby positions* does not: on each roll day
the fund moves into the contract that is then the second nearby (position 2)
and holds that contract, as the front month ages into it, until the next roll
day.  :func:`load_roll_dates` reads the list and returns a
:class:`~etfsim.roll.rules.CalendarRule` whose entries name positions.

File format (CSV or plain text; ``#`` starts a comment)::

    date,position          # header optional; position optional (default: into=)
    2020-01-10
    2020-02-11,2
    2020-03-10,3           # this one moves two months out

A roll day that is not a date of the curve takes effect at the close of the
next curve date, as every calendar entry does.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import numpy as np

from etfsim.exceptions import ConfigError, DataError, FileFormatError
from etfsim.roll.rules import CalendarRule

__all__ = ["load_roll_dates", "roll_dates_rule"]


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each line that holds something other than a comment."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"cannot read roll-date file {str(path)!r}: {exc}") from exc
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if body:
            out.append((n, [c.strip() for c in body.split(",")]))
    return out


def _parse(rows: list[tuple[int, list[str]]], into: int, what: str) -> list[tuple[np.datetime64, int]]:
    if rows and rows[0][1][0].lower() == "date":  # a header
        header = [c.lower() for c in rows[0][1]]
        if header not in (["date"], ["date", "position"]):
            raise FileFormatError(f"{what}: the header must be 'date' or 'date,position', got {','.join(rows[0][1])!r}")
        rows = rows[1:]
    if not rows:
        raise FileFormatError(f"{what} lists no roll date; write one date (YYYY-MM-DD) a line")
    out: list[tuple[np.datetime64, int]] = []
    for n, cells in rows:
        if len(cells) > 2:
            raise FileFormatError(f"{what}, line {n}: expected 'date' or 'date,position', got {','.join(cells)!r}")
        try:
            day = np.datetime64(_dt.date.fromisoformat(cells[0]), "D")
        except ValueError as exc:
            raise FileFormatError(f"{what}, line {n}: {cells[0]!r} is not a date like 2020-01-10") from exc
        pos_text = cells[1] if len(cells) == 2 and cells[1] else str(into)
        if not pos_text.isdigit() or not 1 <= int(pos_text) <= 120:
            raise FileFormatError(
                f"{what}, line {n}: position must be a nearby position 1, 2, ... (1 = the front), got {pos_text!r}"
            )
        if out and day <= out[-1][0]:
            raise DataError(
                f"{what}, line {n}: roll dates must be strictly increasing; {day} follows {out[-1][0]}: "
                "sort the file and drop repeated dates"
            )
        out.append((day, int(pos_text)))
    return out


def roll_dates_rule(days: list[tuple[np.datetime64, int]], start: object | None = None, hold: int = 1) -> CalendarRule:
    """The calendar rule of ``(roll day, position rolled into)`` pairs, optionally held from ``start``.

    From ``start`` (if given) to the first roll day the rule holds nearby
    position ``hold``; from each roll day's close the contract then in position
    ``p``; before the first entry the fund is not invested.
    """
    entries = [{"date": str(d), "positions": {str(p): 1.0}} for d, p in days]
    if start is not None:
        try:
            first = np.datetime64(_dt.date.fromisoformat(str(start)[:10]), "D")
        except ValueError as exc:
            raise ConfigError(f"start must be a date like 2020-01-02, got {start!r}") from exc
        if first >= days[0][0]:
            raise ConfigError(f"start ({first}) must be before the first roll date ({days[0][0]}); drop it or move it")
        entries.insert(0, {"date": str(first), "positions": {str(int(hold)): 1.0}})
    return CalendarRule(entries=tuple(entries))


def load_roll_dates(
    path: str | os.PathLike[str],
    *,
    into: int = 2,
    start: object | None = None,
    hold: int = 1,
) -> CalendarRule:
    """Read a list of roll days and return the ``calendar`` rule that rolls on them.

    Parameters
    ----------
    path : path
        CSV or text file: one roll day a line (``YYYY-MM-DD``), optionally a
        second column with the nearby position rolled into; an optional header
        ``date`` or ``date,position``; ``#`` comments and blank lines ignored.
    into : int, default 2
        The nearby position each roll day moves into when the line gives none:
        2 is "from the front into the second month".
    start : date, optional
        A date before the first roll day from which the fund holds position
        ``hold`` (so the replay is invested before its first roll).
    hold : int, default 1
        The position held from ``start``.

    Returns
    -------
    CalendarRule
        Entries ``{"date": day, "positions": {"2": 1.0}}``: at each roll day's
        close all of the position moves into the contract in that slot, held
        (as that contract) until the next roll day.

    Raises
    ------
    FileFormatError
        A missing or unreadable file, a line that is not a date (and position),
        a position that is not 1, 2, ..., or no roll date at all.
    DataError
        Roll dates not strictly increasing.
    ConfigError
        ``into`` or ``hold`` not a position, or ``start`` not before the first roll date.
    """
    for name, value in (("into", into), ("hold", hold)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 120:
            raise ConfigError(f"{name} must be a nearby position 1, 2, ... (1 = the front), got {value!r}")
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"roll-date file {str(p)!r} does not exist; check the path")
    days = _parse(_rows(p), into, f"roll-date file {p.name!r}")
    return roll_dates_rule(days, start=start, hold=hold)
