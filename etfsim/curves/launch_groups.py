"""A fund across generations when a successor arrives at a random month: the paths grouped by launch month.

On a path where a random-launch chip (a leg with ``arrival_rate``,
:mod:`etfsim.curves.arrivals`) arrives in month ``m``, that path's market is
the scheduled market with the launch in ``m``: the chip's contracts list from
``m``, the fund's move into it (:func:`etfsim.curves.families.generation_weights`)
starts on or after ``m``, and its open interest grows from ``m``.  So the
paths are grouped by their launch months (one group per month drawn, and one
for "not within the horizon"), each group becomes an ordinary
:class:`~etfsim.curves.market_curve.MarketCurve` on its own paths, and the
pipeline runs each group and puts the paths back in order
(:func:`etfsim.pipeline.run_strategy`).

Nothing looks ahead: the fund's weights at a close depend on a launch only once
it has happened, the successor's own prices do not depend on its launch
month, and the older chips it steps down were priced before the split, with
the launch hazard on every path.  A family index over such a chip (a mean,
or the normalised index that splices it in) is the group's scheduled family
from the launch on; before it, its futures mix the outcomes by their chances
(:func:`etfsim.curves.arrivals.family_mix`), the same on every group, so they
stay martingales.  A fund on the chip alone is still refused: it would start
on a different day on each path.

The successor's ``liquidity`` points are dated as if it launched in its first
possible month; on each path they move by that path's delay, so a new market
starts small from its own launch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from etfsim.curves.market_curve import MarketCurve
from etfsim.curves.market_sim import Holding, MarketPaths
from etfsim.exceptions import ConfigError

__all__ = ["LaunchGroups", "held_curve"]


@dataclass(frozen=True, eq=False)
class LaunchGroups:
    """A held curve split by launch month: each group's paths and its scheduled-launch curve.

    Attributes
    ----------
    dates : ndarray
        The market's dates (every group's).
    groups : tuple of (ndarray, MarketCurve)
        The chunk's positions of each group's paths (ascending) and the curve on them.
    n_paths : int
        Paths of the chunk, all groups together.
    first_path : int
        The run's index of the chunk's first path.
    launches : mapping of str to ndarray
        Each random-launch chip's launch row on each path (``len(dates)``: not within the horizon).
    metadata : mapping
        The first group's curve metadata (scenario, holding, contract: the same in every group).
    """

    dates: np.ndarray
    groups: tuple[tuple[np.ndarray, MarketCurve], ...]
    n_paths: int
    first_path: int = 0
    launches: Mapping[str, np.ndarray] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_dates(self) -> int:
        return len(self.dates)

    def path_ids(self, group: int) -> np.ndarray:
        """The run's index of each path of group ``group``."""
        return self.first_path + self.groups[group][0]

    @cached_property
    def inverse(self) -> np.ndarray:
        """Where each of the chunk's paths sits in the groups' rows laid end to end."""
        return np.argsort(np.concatenate([idx for idx, _ in self.groups]), kind="stable")

    def in_order(self, parts: Sequence[np.ndarray]) -> np.ndarray:
        """Per-group arrays (rows = the group's paths) joined into one in the chunk's path order."""
        return np.asarray(np.concatenate(list(parts), axis=0)[self.inverse])

    def group_of(self, path: int) -> int:
        """The group holding the chunk's path ``path``."""
        for g, (idx, _) in enumerate(self.groups):
            if path in idx:
                return g
        raise IndexError(path)

    def contango_share(self) -> np.ndarray:
        """Per path: the share of dates on which the second contract is dearer than the front."""
        return self.in_order([c.contango_share() for _, c in self.groups])

    def __repr__(self) -> str:
        return f"<LaunchGroups groups={len(self.groups)} paths={self.n_paths} dates={self.n_dates}>"


def held_curve(
    market: MarketPaths, holding: Holding | str | None = None, open_interest: dict[str, np.ndarray] | None = None
) -> MarketCurve | LaunchGroups:
    """The curve a fund holds: :meth:`MarketPaths.curve`, or launch groups when a generation arrives at random.

    ``open_interest`` (each leg's front-month open interest by date, for a switch
    of generations) applies as given to every group, so it may not name a chip
    that launches at random: that chip's open interest is its ``liquidity``,
    moved to each path's launch.
    """
    h = Holding(index=market.market.holding) if holding is None else holding
    h = Holding(index=h) if isinstance(h, str) else h
    families = {f.name: f.legs for f in market.market.families}
    members = (
        [x for g in h.generations for x in families.get(g, (g,))] if h.index is None else families.get(h.index, ())
    )
    random = list(dict.fromkeys(g for g in members if g in market.arrival_rows))
    if not random:
        return market.curve(h, open_interest)
    dated = [g for g in random if open_interest and g in open_interest]
    if dated:
        raise ConfigError(
            f"open_interest: {dated[0]!r} launches at a random month, so an open interest by date cannot apply to "
            "it on every path; give it as the leg's liquidity (dated from its first possible month)"
        )
    rows = np.stack([np.asarray(market.arrival_rows[g]) for g in random], axis=1)  # (paths, random chips)
    keys, inverse = np.unique(rows, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    groups = []
    for k, key in enumerate(keys):
        idx = np.nonzero(inverse == k)[0]
        sub = _scheduled(market.select_paths(list(idx)), dict(zip(random, (int(r) for r in key), strict=True)))
        groups.append((idx, sub.curve(h, open_interest)))
    meta = dict(groups[0][1].metadata)
    return LaunchGroups(
        np.asarray(market.dates), tuple(groups), market.n_paths, market.first_path,
        {g: market.arrival_rows[g] for g in random}, meta,
    )  # fmt: skip


def _scheduled(sub: MarketPaths, launches: Mapping[str, int]) -> MarketPaths:
    """``sub`` with each random chip launched on the row given (``len(dates)``: never), its liquidity moved."""
    dates = np.asarray(sub.dates)
    n = len(dates)
    legs, rows = list(sub.legs), list(sub.launch_rows)
    names = [x.name for x in legs]
    for name, row in launches.items():
        i = names.index(name)
        leg = legs[i]
        first = rows[i]  # the first possible launch month's row
        shift = (dates[min(row, n - 1)] - dates[first]).astype("timedelta64[D]") if row < n else np.timedelta64(0, "D")
        moved = tuple((str(np.datetime64(d, "D") + shift), oi, vol) for d, oi, vol in leg.liquidity)
        launch = str(dates[row])[:7] if row < n else leg.launch
        legs[i] = replace(leg, arrival_rate=0.0, launch=launch, liquidity=moved)
        rows[i] = row
    # a cache of its own: the shared one holds the run's listings keyed by name, for the first possible month
    arrivals = {k: v for k, v in sub.arrival_rows.items() if k not in launches}  # scheduled now
    drawn = {name: sub.legs[names.index(name)] for name in launches}  # a family over one mixes both outcomes
    return replace(sub, legs=tuple(legs), launch_rows=tuple(rows), cache={}, arrival_rows=arrivals, arrived=drawn)
