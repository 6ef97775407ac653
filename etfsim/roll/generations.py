"""Rolling across GPU generations: any roll rule inside each chip, and the move from one chip to the next.

Every published compute index is per chip and none rolls from one generation
to the next, so a fund that wants "compute" for a decade must move its
exposure itself.  :class:`Generations` wraps an ordinary roll rule: inside
each generation's contracts the inner rule decides (front month, a GSCI
window, a strip...), and the curve's generation weights (see
:func:`etfsim.curves.families.generation_weights`) say how much of the fund is
in each generation on each date.  The combined quantity weight of a contract is
its generation's weight times the inner rule's weight, so the weights still
sum to 1 on every invested date.

The move between chips is by quantity weight, like a roll between months: on
a day of the move the fund sells ``1 / window`` of its contracts of the old
chip and buys as many of the new one (whose price per GPU-hour is higher, so
its share of the fund's value rises faster than ``1 / window`` a day).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from etfsim.curves.market_curve import MarketCurve
from etfsim.curves.protocol import Curve
from etfsim.exceptions import ConfigError
from etfsim.roll._common import RollRule
from etfsim.roll.schedule import RollSchedule

__all__ = ["Generations"]


@dataclass(frozen=True)
class Generations:
    """An inner roll rule applied to each generation of a multi-generation market curve."""

    inner: RollRule

    @property
    def name(self) -> str:
        """The inner rule's name: tables show the roll rule, the holding says which chips."""
        return str(self.inner.name)

    @property
    def reads_prices(self) -> bool:
        return bool(getattr(self.inner, "reads_prices", False))

    def schedule(self, curve: Curve) -> RollSchedule:
        if not isinstance(curve, MarketCurve) or curve.generation is None:
            raise ConfigError(
                f"rule {self.name} across generations needs a market curve of successive chips "
                "(a strategy [holding] with generations = [...])"
            )
        n, d = curve.n_dates, curve.block_depth
        gen = curve.generation[:, curve.row0 :]
        parts: list[tuple[int, int, RollSchedule]] = []
        for b in range(len(curve.blocks)):
            if not (gen[b] > 0).any():
                continue
            sub = curve.block_curve(b)
            parts.append((b, sub.row0 - curve.row0, self.inner.schedule(sub)))
        rows = max(s.weights.shape[0] for _, _, s in parts)
        w = np.zeros((rows, n, curve.depth))
        invested = np.zeros(n)
        rolling = (gen > 0).sum(axis=0) > 1  # moving between chips is a roll too
        for b, off, s in parts:
            g = gen[b, off:]
            w[:, off:, b * d : (b + 1) * d] = g[None, :, None] * s.weights
            invested[off:] += g * s.invested
            rolling[off:] |= s.rolling & (g > 0)
        ok = np.isclose(invested, 1.0, atol=1e-12)
        params: dict[str, Any] = dict(parts[0][2].params, generations=list(curve.block_names))
        return RollSchedule.for_curve(curve, w, ok, rolling, self.name, params)
