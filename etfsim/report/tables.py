"""Declarative sheet tables: every number with its key, label and format.

Following ffn's idea of ``(attribute, label, format)`` rows, a sheet section
is data: a :class:`Table` of :class:`Row` of :class:`Cell`, or a tuple of
:class:`Fact`.  Each cell knows its ``key`` (the ``data-field`` attribute in
the HTML, so a test can find any number on the page), its raw ``value`` and
its ``fmt``.  The template only calls :func:`format_value`; it never computes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etfsim._format import DASH, FORMATS, format_value, is_missing, raw_value
from etfsim.exceptions import UnknownNameError

__all__ = ["DASH", "FORMATS", "Cell", "Fact", "Row", "Table", "facts_from", "format_value", "raw_value"]


@dataclass(frozen=True)
class Cell:
    """One figure: its key (``data-field``), raw value and format."""

    key: str
    value: Any
    fmt: str

    @property
    def text(self) -> str:
        return format_value(self.value, self.fmt)

    @property
    def raw(self) -> str:
        return raw_value(self.value)

    @property
    def negative(self) -> bool:
        """Whether to print it in the sheet's negative colour (signed returns only)."""
        return self.fmt == "pct" and not is_missing(self.value) and float(self.value) < 0


@dataclass(frozen=True)
class Row:
    """A labelled row of cells."""

    key: str
    label: str
    cells: tuple[Cell, ...]
    emphasis: bool = False


@dataclass(frozen=True)
class Table:
    """A titled table: column headers and rows (the first column holds the row labels)."""

    key: str
    corner: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def cell(self, row: str, column: int) -> Cell:
        """The cell of row ``row`` (its key) in column position ``column``."""
        for r in self.rows:
            if r.key == row:
                return r.cells[column]
        raise UnknownNameError(f"{self.key} row", str(row), [r.key for r in self.rows])

    def cells(self) -> Iterable[Cell]:
        for r in self.rows:
            yield from r.cells

    @classmethod
    def from_frame(
        cls,
        key: str,
        corner: str,
        frame: pd.DataFrame,
        rows: Sequence[tuple[str, str, str]],
        columns: Sequence[tuple[str, str]],
        emphasis: Iterable[str] = (),
    ) -> Table:
        """Build from a frame indexed by row key: ``rows`` are (row key, label, format), ``columns`` (column, header)."""
        strong = set(emphasis)
        for rkey, _label, _fmt in rows:
            if rkey not in frame.index:
                raise UnknownNameError(f"{key} row", str(rkey), map(str, frame.index))
        for ckey, _h in columns:
            if ckey not in frame.columns:
                raise UnknownNameError(f"{key} column", str(ckey), map(str, frame.columns))
        out = []
        for rkey, label, fmt in rows:
            cells = tuple(Cell(f"{key}.{rkey}.{ckey}", _plain(frame.at[rkey, ckey]), fmt) for ckey, _h in columns)
            out.append(Row(rkey, label, cells, rkey in strong))
        return cls(key, corner, tuple(h for _c, h in columns), tuple(out))


@dataclass(frozen=True)
class Fact:
    """A single labelled figure (key facts, risk statistics)."""

    key: str
    label: str
    value: Any
    fmt: str

    @property
    def text(self) -> str:
        return format_value(self.value, self.fmt)

    @property
    def raw(self) -> str:
        return raw_value(self.value)

    @property
    def negative(self) -> bool:
        return self.fmt == "pct" and not is_missing(self.value) and float(self.value) < 0


def _plain(value: object) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def facts_from(section: str, values: Mapping[str, Any], spec: Sequence[tuple[str, str, str]]) -> tuple[Fact, ...]:
    """Facts from ``(attribute, label, format)`` rows and a dict of values (keys ``section.attribute``)."""
    for attr, _label, _fmt in spec:
        if attr not in values:
            raise UnknownNameError(f"{section} value", str(attr), map(str, values))
    return tuple(Fact(f"{section}.{attr}", label, _plain(values[attr]), fmt) for attr, label, fmt in spec)
