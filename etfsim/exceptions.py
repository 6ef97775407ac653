"""The etfsim error tree.

Every error etfsim raises on bad input is an :class:`EtfsimError`, so a caller
(and the command line, which maps it to exit status 2) can catch one class::

    EtfsimError
    ├── ConfigError          a parameter or setting is out of range or of the wrong type
    │   ├── ScenarioError    a scenario or strategy TOML file is malformed
    │   └── UnknownNameError a registry (models, calendars, rules) does not know a name
    ├── DataError            an input file or table is missing, malformed or inconsistent
    │   └── FileFormatError  a Parquet/CSV file lacks the expected columns or metadata
    └── CalendarError        a date or date range is empty, reversed or off the calendar

Business refusals (a creation halted by a position limit, a missed cut-off) are
*results*, recorded with a status and a reason; they are never raised.

:func:`with_context` puts a file or section name in front of an error's
message and keeps its class, so a loader can say where a value came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

__all__ = [
    "CalendarError",
    "ConfigError",
    "DataError",
    "EtfsimError",
    "FileFormatError",
    "ScenarioError",
    "UnknownNameError",
    "with_context",
]

E = TypeVar("E", bound="EtfsimError")


class EtfsimError(Exception):
    """Base class of every error etfsim raises on bad input."""


class ConfigError(EtfsimError, ValueError):
    """A parameter or setting is out of range or of the wrong type."""


class ScenarioError(ConfigError):
    """A scenario or strategy TOML file is malformed (unknown key, wrong type)."""


def _plural(kind: str) -> str:
    """``strategy`` -> ``strategies``, ``roll rule`` -> ``roll rules``."""
    return kind[:-1] + "ies" if kind.endswith("y") and kind[-2:-1] not in "aeiou" else kind + "s"


class UnknownNameError(ConfigError, KeyError):
    """A registry does not know a name; the message lists the known ones."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = sorted(known)
        super().__init__(f"unknown {kind} {name!r}; known {_plural(kind)}: {', '.join(self.known)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class DataError(EtfsimError, ValueError):
    """An input file or table is missing, malformed or inconsistent."""


class FileFormatError(DataError):
    """A Parquet or CSV file lacks the expected columns or metadata."""


class CalendarError(EtfsimError, ValueError):
    """A date or date range is empty, reversed, or not on the business calendar."""


def with_context(exc: E, where: str) -> E:
    """The same error with ``where`` (a file name, a TOML section) in front of its message.

    The copy has the class and the attributes of ``exc`` (an UnknownNameError
    still knows its ``kind``, ``name`` and ``known`` names), so a caller that
    catches a subclass still catches it; raise it ``from exc``.  It is built
    without calling the class's constructor, whose arguments differ between
    subclasses.
    """
    cls = type(exc)
    new = cls.__new__(cls)
    new.__dict__.update(exc.__dict__)
    new.args = (f"{where}: {exc}",)
    return new
