"""What a fund holds on a compute market: one leg or family, or successive generations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etfsim.exceptions import ConfigError

__all__ = ["Holding"]


@dataclass(frozen=True)
class Holding:
    """What a fund holds on a market: one leg or family, or successive generations.

    Parameters
    ----------
    index : str or None
        A leg or family name; ``None`` with ``generations`` given.
    generations : tuple of str
        Successive chips, oldest first: the fund holds the current one and
        moves to the next (:func:`etfsim.curves.families.generation_weights`).
    switch_open_interest : float or None
        Move once the next generation's front-month open interest reaches this many contracts.
    switch_age_months : int or None
        ... or once the next generation has traded this many months (whichever first).
    switch_window : int
        Business days the move is spread over.
    """

    index: str | None = None
    generations: tuple[str, ...] = ()
    switch_open_interest: float | None = None
    switch_age_months: int | None = None
    switch_window: int = 10

    def __post_init__(self) -> None:
        if (self.index is None) == (not self.generations):
            raise ConfigError("a holding names exactly one of index (a leg or family) or generations (a list of legs)")
        object.__setattr__(self, "generations", tuple(str(g) for g in self.generations))
        if self.generations and len(self.generations) < 2:
            raise ConfigError("generations needs at least two legs, oldest first; for one chip give index")
        oi = self.switch_open_interest
        if oi is not None and (isinstance(oi, bool) or not isinstance(oi, (int, float)) or not oi > 0):
            raise ConfigError(f"switch_open_interest must be > 0 contracts, got {oi!r}")
        age = self.switch_age_months
        if age is not None and (isinstance(age, bool) or not isinstance(age, (int, np.integer)) or not 0 <= age <= 120):
            raise ConfigError(f"switch_age_months must be a whole number of months 0-120, got {age!r}")
        win = self.switch_window
        if isinstance(win, bool) or not isinstance(win, (int, np.integer)) or not 1 <= win <= 60:
            raise ConfigError(f"switch_window must be a whole number of business days 1-60, got {win!r}")

    @property
    def label(self) -> str:
        return self.index if self.index is not None else " > ".join(self.generations)
