"""Checking values at the boundary: one message style for every parameter etfsim takes.

Types are checked strictly, as TOML gives them: a number written in quotes
(``nav_per_share = "25"``) is text, not a number, and ``"false"`` is not a
boolean, so both are refused with the field's name instead of being coerced
(``bool("false")`` is True).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable

import numpy as np

from etfsim._typing import Float64Array
from etfsim.exceptions import ConfigError, EtfsimError

__all__ = ["boolean", "date_text", "float_array", "number", "whole"]


def number(
    name: str,
    value: object,
    lo: float | None = None,
    hi: float | None = None,
    hint: str = "",
    error: type[EtfsimError] = ConfigError,
) -> float:
    """``value`` as a finite float within ``[lo, hi]``, or an error (ConfigError by default) naming ``name``.

    ``hint`` is appended to the message (e.g. ``" (a fraction per year)"``) to
    say what the field means; a bool and text (even ``"25"``) are refused as numbers.
    """
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise error(f"{name} must be a number{hint}, got {type(value).__name__} {value!r}")
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise error(f"{name} must be a number{hint}, got {value!r}") from exc
    if not math.isfinite(v):
        raise error(f"{name} must be finite{hint}, got {value!r}")
    if lo is not None and v < lo:
        raise error(f"{name} must be >= {lo:g}{hint}, got {v:g}")
    if hi is not None and v > hi:
        raise error(f"{name} must be <= {hi:g}{hint}, got {v:g}")
    return v


def whole(
    name: str, value: object, lo: int | None = None, hint: str = "", error: type[EtfsimError] = ConfigError
) -> int:
    """``value`` as an int (an integer type, not a float, text or bool) of at least ``lo``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise error(f"{name} must be a whole number{hint}, got {type(value).__name__} {value!r}")
    if lo is not None and value < lo:
        raise error(f"{name} must be a whole number >= {lo}{hint}, got {value!r}")
    return int(value)


def boolean(name: str, value: object, error: type[EtfsimError] = ConfigError) -> bool:
    """``value`` if it is a bool (``true``/``false`` in TOML); text such as ``"false"`` is refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise error(f"{name} must be true or false (without quotes), got {type(value).__name__} {value!r}")
    return bool(value)


def date_text(name: str, value: object, error: type[EtfsimError] = ConfigError) -> str:
    """``value`` (a date, or text like ``2026-04-01``) as ``YYYY-MM-DD``; anything else names ``name``.

    numpy reads ``"5"`` as the year 5 and a number as days since 1970, so
    only a date object or text with a year, month and day passes.
    """
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[D]"))
    if isinstance(value, str):
        text = value.strip()
        try:
            day = np.datetime64(text[:10], "D")
        except ValueError:
            day = None
        if day is not None and len(text) >= 10 and text[4] == "-" and text[7] == "-" and not np.isnat(day):
            return str(day)
    raise error(f"{name} must be a date like 2026-04-01, got {value!r}")


def float_array(name: str, values: object, hint: str = "", error: type[EtfsimError] = ConfigError) -> Float64Array:
    """``values`` as a 1-D float64 array of numbers; text (even ``"0.5"``), bools and None are refused.

    NaN and infinities pass (the caller says which values are in range).
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, (Iterable, np.ndarray)):
        items: list[object] = [values]
    else:
        items = list(np.asarray(values, dtype=object).ravel())
    for i, v in enumerate(items):
        if isinstance(v, (bool, np.bool_, str, bytes)) or v is None:
            raise error(f"{name} must be numbers{hint}; item {i} is {type(v).__name__} {v!r}")
    try:
        out = np.asarray(items, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise error(f"{name} must be numbers{hint} ({exc})") from exc
    return out
