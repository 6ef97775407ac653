"""Per-path fund figures without the daily ledger: what a Monte Carlo keeps.

:func:`summarise_fund` runs the same ledger as :func:`etfsim.fund.simulate_fund`
but through one scratch row: each path is reduced to the figures of
:func:`etfsim.fund.fund_metrics` and its NAV per share on the dates asked for
(month ends, say) before the next path overwrites it.  Ten thousand paths then
cost ten thousand rows, not fourteen ``(paths, dates)`` arrays, and the run
never waits on fresh memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etfsim._format import format_value
from etfsim._numba import readonly
from etfsim._results import Result
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import DataError
from etfsim.fund import ledger as _ledger
from etfsim.fund.config import FundConfig
from etfsim.fund.engine import ledger_inputs, raise_unpriced
from etfsim.fund.limits import LimitInForce
from etfsim.fund.records import METRICS, Ledger, Reduction
from etfsim.index.levels import IndexResult
from etfsim.roll.schedule import RollSchedule

__all__ = ["FundSummary", "summarise_fund"]


class FundSummary(Result):
    """A fund's figures by path, without its daily ledger.

    Attributes
    ----------
    metrics : DataFrame
        One row per path with the columns of :func:`etfsim.fund.fund_metrics`.
    navps : ndarray
        ``(paths, len(keep))`` NAV per share with reverse splits undone on the
        kept dates (NaN before inception and after a wipe-out).
    keep : ndarray
        Indices of the kept dates on the curve.
    dates : ndarray
        The curve's dates.
    start : int
        Index of the inception date.
    limits : tuple of LimitInForce
        The exchange limits the fund met, each with the way it was given.
    """

    metrics: pd.DataFrame
    navps: np.ndarray
    keep: np.ndarray
    dates: np.ndarray
    start: int
    limits: tuple[LimitInForce, ...] = ()

    def limit_lines(self, date: object = None) -> list[str]:
        """Each limit in words, with its contracts on ``date`` (default: inception); see :class:`LimitInForce`."""
        on = str(np.asarray(self.dates)[self.start])[:10] if date is None else date
        return [limit.describe(on) for limit in self.limits]

    @property
    def n_paths(self) -> int:
        return len(self.metrics)

    def _repr_facts(self) -> dict[str, object]:
        return {"paths": self.n_paths, "dates": len(self.dates), "kept_dates": len(self.keep),
                "inception": str(np.asarray(self.dates)[self.start])[:10]}  # fmt: skip

    def summary(self) -> str:
        """Means across paths (and the 5-95% range) of the headline fund figures."""
        m = self.metrics
        lines = [f"FundSummary: {self.n_paths:,} path(s) from {str(np.asarray(self.dates)[self.start])[:10]}"]
        for col, label, fmt in (
            ("nav_return", "NAV return / yr", "pct"),
            ("index_tr_return", "index TR / yr", "pct"),
            ("tracking_difference", "tracking difference / yr", "pct"),
            ("tracking_error", "tracking error", "pct_u"),
            ("halted_days", "days creations halted", "int"),
        ):
            v = m[col].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            if v.size:
                lo, hi = np.percentile(v, [5, 95])
                text = f"{format_value(v.mean(), fmt)}  (5-95%: {format_value(lo, fmt)} to {format_value(hi, fmt)})"
                lines.append(f"  {label:<26} {text}")
        lines += [f"  {line}" for line in self.limit_lines()]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The per-path figures (the columns of :func:`etfsim.fund.fund_metrics`)."""
        return self.metrics


def summarise_fund(
    curve: FuturesCurve,
    schedule: RollSchedule,
    config: FundConfig | None = None,
    flows: object = None,
    contract: object = None,
    slots: np.ndarray | None = None,
    index: IndexResult | None = None,
    keep: np.ndarray | None = None,
) -> FundSummary:
    """Run the fund on every path and keep per-path figures only.

    Takes the arguments of :func:`etfsim.fund.simulate_fund`, plus ``keep``:
    indices of the dates whose NAV per share to keep (default: none).  Raises
    the same errors.

    Returns
    -------
    FundSummary
    """
    inputs = ledger_inputs(curve, schedule, config, flows, contract, slots, index)  # type: ignore[arg-type]
    dates, start = inputs.dates, inputs.start
    d = dates.astype("datetime64[D]")
    years = float((d[-1] - d[start]).astype(np.int64)) / 365.0
    if years <= 0:
        raise DataError(f"inception {str(d[start])} is the curve's last date; the fund needs a day after it")
    p, n, k = curve.prices.shape
    kept_at = np.zeros(0, dtype=np.int64) if keep is None else np.asarray(keep, dtype=np.int64)
    if kept_at.size and (kept_at.min() < 0 or kept_at.max() >= n):
        raise DataError(f"keep holds a date index outside the curve (0 to {n - 1})")
    # one scratch row that each path runs through before it is reduced
    ledger = Ledger.empty(1, n)
    pos = np.empty((1, n, k))
    status = np.empty((1, n), dtype=np.int64)
    figures = np.empty((p, len(METRICS)))
    navps = np.empty((p, kept_at.size))
    tr = readonly(np.ascontiguousarray(inputs.index.tr, dtype=np.float64))
    red = Reduction(tr, readonly(kept_at), years, float(inputs.config.post_settlement_share))
    stopped = _ledger.summarise_paths(
        inputs.arrays, inputs.terms, inputs.start, red, ledger, pos, status, figures, navps
    )
    if stopped >= 0:
        t = int(np.argmax(status[0] < 0))
        held = pos[0, t - 1] if t > 0 else np.zeros(k)
        raise_unpriced(curve, int(status[0, t]), int(stopped), t, held, inputs.weights_on(stopped, t))
    metrics = pd.DataFrame(figures, columns=list(METRICS), index=pd.RangeIndex(p, name="path"))
    navps.setflags(write=False)  # handed over read-only, so the result keeps it without a copy
    kept_at.setflags(write=False)
    return FundSummary(metrics, navps, kept_at, dates, start, inputs.limits)
