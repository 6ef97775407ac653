"""Checking numbers at the boundary: one message style for every parameter etfsim takes."""

from __future__ import annotations

import math

from etfsim.exceptions import ConfigError

__all__ = ["number"]


def number(name: str, value: object, lo: float | None = None, hi: float | None = None, hint: str = "") -> float:
    """``value`` as a finite float within ``[lo, hi]``, or a ConfigError naming ``name``.

    ``hint`` is appended to the message (e.g. ``" (a fraction per year)"``) to
    say what the field means; a bool is refused as a number.
    """
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a number{hint}, got {value!r}")
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be a number{hint}, got {value!r}") from exc
    if not math.isfinite(v):
        raise ConfigError(f"{name} must be finite{hint}, got {value!r}")
    if lo is not None and v < lo:
        raise ConfigError(f"{name} must be >= {lo:g}{hint}, got {v:g}")
    if hi is not None and v > hi:
        raise ConfigError(f"{name} must be <= {hi:g}{hint}, got {v:g}")
    return v
