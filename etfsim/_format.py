"""How etfsim prints a number: one set of named formats for the command line, the sheets and the summaries.

A format is named where a figure is declared (a statistic, a sheet cell) and
applied here, so a return prints as ``+1.23%`` everywhere.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from etfsim.exceptions import UnknownNameError

__all__ = ["DASH", "FORMATS", "format_value", "is_missing", "raw_value"]

DASH = "\u2014"
"""What a sheet prints where a figure does not exist (a period before inception)."""


def is_missing(value: object) -> bool:
    """No figure: None, NaN or an infinity."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(float(value))
    return False


def _pct(value: float, places: int, signed: bool) -> str:
    text = f"{value * 100:{'+' if signed else ''},.{places}f}%"
    return text.replace("+0.00%", "0.00%").replace("-0.00%", "0.00%") if places == 2 else text


def _date(value: object) -> str:
    ts = pd.Timestamp(str(value))
    return f"{ts:%b} {ts.day}, {ts.year}"


def _ordinal(value: float) -> str:
    n = int(round(value))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


FORMATS: dict[str, Any] = {
    "pct": lambda v: _pct(float(v), 2, True),  # a return: +1.23%
    "pct_u": lambda v: _pct(float(v), 2, False),  # a level or a cost: 0.95%
    "pct1": lambda v: _pct(float(v), 1, False),  # a share of days or paths: 45.1%
    "money": lambda v: f"${float(v):,.0f}",
    "money_m": lambda v: f"${float(v) / 1e6:,.1f}m",
    "usd2": lambda v: f"${float(v):,.2f}",
    "price": lambda v: f"{float(v):,.4f}",
    "int": lambda v: f"{float(v):,.0f}",
    "num1": lambda v: f"{float(v):,.1f}",
    "ratio": lambda v: f"{float(v):,.2f}",
    "pctile": lambda v: _ordinal(float(v)),  # a percentile rank, 0-100: 57th
    "date": _date,
    "text": lambda v: str(v),
}
"""Format name -> formatter; NaN and None print as a dash whatever the format."""


def format_value(value: object, fmt: str) -> str:
    """The text a sheet prints for ``value`` in format ``fmt`` (a dash where there is no figure)."""
    if fmt not in FORMATS:  # checked first, so a dash is not printed for a format that does not exist
        raise UnknownNameError("sheet format", str(fmt), FORMATS)
    if is_missing(value):
        return DASH
    return str(FORMATS[fmt](value))


def raw_value(value: object) -> str:
    """The exact value for the ``data-value`` attribute (``repr`` of a float, text otherwise)."""
    if is_missing(value):
        return ""
    if isinstance(value, (float, np.floating, int, np.integer)) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)
