"""The headline path: the one path the fact sheet reports on, chosen to be typical on every measure at once.

A sheet about one simulated history should show a typical one.  The path with
the median NAV need not be typical otherwise (its spot may be at the 7th
percentile and its fund halted for hundreds of days), so the rule looks at
several measures together:

1. for each measure of :data:`HEADLINE_MEASURES`, every path's percentile rank
   across paths (ties share their mid-rank, Hazen's plotting position
   ``(rank - 1/2) / n``, so a measure on which every path is equal puts every
   path at the 50th percentile);
2. each path's **distance** is its largest ``|percentile - 50|`` over the
   measures (a path with a missing measure, e.g. wiped out, is 50 away);
3. the headline path has the smallest distance; ties go to the smaller sum of
   squared distances, then to the lower path number.

It is the minimax ("closest to the median on its worst measure") choice: no
path is nearer the middle on every measure at once.  The sheet prints the
headline path's percentile on each measure next to the distribution across
paths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etfsim.exceptions import DataError

__all__ = ["HEADLINE_MEASURES", "headline_path", "percentile_ranks"]

HEADLINE_MEASURES: tuple[tuple[str, str], ...] = (
    ("nav_return", "Fund NAV return / yr"),
    ("index_log_spot", "Spot index, log return / yr"),
    ("tracking_difference", "Tracking difference / yr"),
    ("tracking_error", "Tracking error"),
    ("halted_days", "Days creations halted"),
    ("nav_max_drawdown", "Maximum drawdown"),
    ("nav_volatility", "NAV volatility"),
)
"""(column of the study's ``fund_paths`` table, label) of the measures the headline path is typical on."""


def percentile_ranks(frame: pd.DataFrame, columns: tuple[str, ...] | list[str] | None = None) -> pd.DataFrame:
    """Each path's percentile rank (0-100, ties at their mid-rank) on each column; NaN stays NaN.

    ``(rank - 1/2) / n x 100`` over the paths with a value, ``rank`` being the
    average rank among ties: the median path of an odd count is at exactly 50.
    """
    cols = [c for c, _l in HEADLINE_MEASURES] if columns is None else list(columns)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise DataError(f"the per-path table has no column {missing[0]!r}; it needs {', '.join(cols)}")
    out = {}
    for c in cols:
        x = frame[c].astype(float)
        n = int(x.notna().sum())
        out[c] = (x.rank(method="average") - 0.5) / max(n, 1) * 100.0
    return pd.DataFrame(out, index=frame.index)


def headline_path(frame: pd.DataFrame, columns: tuple[str, ...] | list[str] | None = None) -> int:
    """The path (row position in ``frame``) nearest the median on its worst measure; see the module docstring."""
    if len(frame) == 0:
        raise DataError("no paths to choose a headline path from")
    ranks = percentile_ranks(frame, columns).to_numpy(dtype=float)
    dist = np.where(np.isnan(ranks), 50.0, np.abs(ranks - 50.0))
    worst = dist.max(axis=1)
    spread = (dist**2).sum(axis=1)
    order = np.lexsort((np.arange(len(frame)), spread, worst))  # worst first, then spread, then path number
    return int(order[0])
