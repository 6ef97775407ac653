"""A perpetual future's terms from TOML: the ``[perpetual]`` table of a fund or strategy file.

Every key is a field of :class:`~etfsim.curves.perpetual.Perpetual`, with its
meaning and default there; types are checked strictly (``funding_cap = "0.5%"``
is refused, as is an unknown key, listing the valid ones)::

    [perpetual]
    symbol = "GPUH-PERP"
    premium_mean = 0.0          # long-run premium to the index (a fraction)
    premium_reversion = 120.0   # per year: a half-life of about two days
    premium_volatility = 0.02   # per square root of a year
    funding_cap = 0.005         # the largest funding rate a day pays either way
    taker_fee = 0.0025          # Architect's tier-1 taker fee, a share of notional
"""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path
from typing import Any

from etfsim._io import read_toml
from etfsim.curves.perpetual import Perpetual
from etfsim.exceptions import ConfigError, ScenarioError, with_context

__all__ = ["PERPETUAL_KEYS", "load_perpetual", "perpetual_from_table"]

PERPETUAL_KEYS = tuple(f.name for f in fields(Perpetual))
"""The keys a ``[perpetual]`` table may hold (the fields of :class:`Perpetual`)."""

_TEXT = {"symbol"}
_WHOLE = {"seed"}
_OPTIONAL = {"premium_initial", "funding_cycles_per_day", "multiplier"}  # may be left out (None)


def _checked(key: str, value: object) -> object:
    """A TOML value of the field's own type: text for the symbol, a whole number for the seed, else a number."""
    if key in _TEXT:
        if not isinstance(value, str):
            raise ConfigError(f'{key} must be text (a contract code, e.g. "GPUH-PERP"), got {value!r}')
        return value
    if key in _WHOLE:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be a whole number, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        hint = " (leave the key out for the default)" if key in _OPTIONAL else ""
        raise ConfigError(f"{key} must be a number{hint}, got {value!r}")
    return float(value)


def perpetual_from_table(table: object, where: str = "[perpetual]") -> Perpetual:
    """A :class:`Perpetual` from a parsed ``[perpetual]`` table; errors name ``where`` and the key."""
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: [perpetual] must be a table of keys, got {type(table).__name__}")
    bad = sorted(set(table) - set(PERPETUAL_KEYS))
    if bad:
        raise ScenarioError(f"{where}: unknown key {bad[0]!r} in [perpetual]; valid keys: {', '.join(PERPETUAL_KEYS)}")
    try:
        terms: dict[str, Any] = {k: _checked(k, v) for k, v in table.items()}
        return Perpetual(**terms)
    except ConfigError as exc:
        raise with_context(exc, f"{where} [perpetual]") from exc


def load_perpetual(path: str | os.PathLike[str]) -> Perpetual | None:
    """The ``[perpetual]`` table of a TOML file (a fund or strategy file), or None when it has none."""
    p = Path(path)
    raw = read_toml(p, "fund", "give a TOML file with a [perpetual] table (keys: the fields of etfsim.Perpetual)")
    if "perpetual" not in raw:
        return None
    return perpetual_from_table(raw["perpetual"], p.name)
