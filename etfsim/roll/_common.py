"""What the roll rules share: the rule protocol and the checks and date arithmetic of several rules."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from etfsim.curves.protocol import Curve
from etfsim.exceptions import ConfigError
from etfsim.roll._calendar import BusinessDayIndex
from etfsim.roll.schedule import RollSchedule

__all__ = ["RollRule"]

_FAR = np.iinfo(np.int64).max // 4


@runtime_checkable
class RollRule(Protocol):
    """A roll rule turns a curve into a schedule of quantity weights."""

    name: ClassVar[str]

    def schedule(self, curve: Curve) -> RollSchedule:  # pragma: no cover - protocol
        ...


def _int(name: str, value: object, lo: int, hi: int, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{name} must be a whole number ({hint}), got {value!r}")
    v = int(value)
    if not lo <= v <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi} ({hint}), got {v}")
    return v


def _day(curve: Curve, t: int) -> str:
    return str(curve.dates[t])[:19].replace("T00:00:00", "")


def _expiry_days(curve: Curve) -> np.ndarray:
    """Expiries as int days since the epoch, a far-future number where no contract."""
    e = np.asarray(curve.expiries).astype("datetime64[D]")
    return np.where(np.isnat(e), _FAR, e.astype(np.int64))


def _params(rule: object) -> dict[str, Any]:
    return {f.name: getattr(rule, f.name) for f in fields(rule)}  # type: ignore[arg-type]


def _check_window(first: int, last: int) -> None:
    _int("first_day", first, 1, 23, "business day of the month the roll starts")
    _int("last_day", last, 1, 23, "business day of the month the roll ends")
    if last < first:
        raise ConfigError(f"last_day ({last}) must not be before first_day ({first})")


def _window_fraction(
    cal: BusinessDayIndex, days: np.ndarray, first: int, last: int, rule: str
) -> tuple[np.ndarray, np.ndarray]:
    """Share rolled after each close, and the last window day of each date's month and of the next month."""
    months = days.astype("datetime64[M]")
    uniq = np.unique(np.concatenate([months, months + 1]))
    counts = cal.count_in_month(uniq)
    short = counts < last
    if short.any():
        raise ConfigError(
            f"rule {rule}: business day {last} falls outside {uniq[short][0]} "
            f"({counts[short][0]} business days); choose a window within the month"
        )
    bd = cal.of_month(days)
    frac = np.clip((bd - first + 1) / (last - first + 1), 0.0, 1.0)
    end_this = cal.nth_of_month(months, last).astype(np.int64)
    end_next = cal.nth_of_month(months + 1, last).astype(np.int64)
    return frac, np.stack([end_this, end_next])
