"""The design study as one interactive HTML file: hover for values, toggle strategies, sort the table.

``study.html`` carries its data as JSON inside the page and draws its charts
with a few dozen lines of plain JavaScript into inline SVG: no library, no
font and no request, so it opens offline and archives as one file.  It shows
what a designer compares, with every strategy on the same paths:

- each strategy's index total return on the headline path (growth of
  10,000, log scale), with a checkbox per strategy and a crosshair that lists
  the values on the date under the pointer;
- the headline fund's Monte Carlo fan (5th-95th and 25th-75th percentiles of
  the growth of $10,000 at NAV, the median and the headline path);
- every strategy's fund statistics across paths (mean, 5th and 95th
  percentile of the NAV return per year, tracking difference and error,
  costs, halts), a table that sorts by any column and whose rows toggle the
  lines.

The figures are the study's own tables (``indices``, ``nav_fan``,
``rule_funds``), thinned to at most :data:`MAX_POINTS` dates a series by
taking every k-th date (the last always kept), so the file stays small.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from etfsim.report import words
from etfsim.report.results import StudyResults

__all__ = ["MAX_POINTS", "STAT_COLUMNS", "study_data", "study_payload"]

MAX_POINTS = 600
"""Most dates kept a series (every k-th date, the last one always)."""

STAT_COLUMNS = (
    ("nav_return", "NAV return / yr, mean", "mean"),
    ("nav_return", "5th pct", "p5"),
    ("nav_return", "95th pct", "p95"),
    ("tracking_difference", "Tracking diff. / yr", "mean"),
    ("tracking_error", "Tracking error", "mean"),
    ("costs_per_year", "Costs / yr", "mean"),
    ("halted_days", "Days halted", "mean"),
)
"""(rule_funds column, header, statistic across paths) of the interactive table."""


_FORMATS = {"tracking_error": "pctu", "costs_per_year": "pctu", "halted_days": "num"}  # signed pct by default


def _keep(n: int) -> np.ndarray:
    step = max(1, math.ceil(n / MAX_POINTS))
    idx = np.arange(0, n, step)
    return idx if idx[-1] == n - 1 else np.append(idx, n - 1)


def _finite(values: np.ndarray, digits: int = 6) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), digits) for v in values]


def _stat(x: np.ndarray, how: str) -> float:
    x = x[np.isfinite(x)]
    if not len(x):
        return float("nan")
    return float(np.mean(x)) if how == "mean" else float(np.percentile(x, 5 if how == "p5" else 95))


def study_data(results: StudyResults) -> dict[str, Any]:
    """The page's data: strategies, their index levels on the headline path, the fan, the statistics table."""
    facts = results.facts
    ind = results.indices
    lines = {}
    dates: list[str] = []
    for name, g in ind.groupby("strategy", sort=False):
        tr = g["tr"].to_numpy(dtype=float)
        keep = _keep(len(tr))
        first = tr[np.isfinite(tr)][0] if np.isfinite(tr).any() else float("nan")
        lines[str(name)] = _finite(10_000 * tr[keep] / first, 2)
        dates = [str(d)[:10] for d in pd.DatetimeIndex(g["date"]).to_numpy()[keep]]
    fan = results.nav_fan
    fk = _keep(len(fan))
    funds = results.rule_funds
    rows = []
    for s in facts.strategies:
        part = funds[funds["strategy"] == s.name]
        stats = [_stat(part[col].to_numpy(dtype=float), how) for col, _h, how in STAT_COLUMNS]
        rows.append({"name": s.name, "title": words.strategy_title(s.name, s.description),
                     "description": s.description, "stats": _finite(np.asarray(stats))})  # fmt: skip
    return {
        "title": f"Design study: {facts.scenario.name}, {facts.paths:,} paths, {facts.inception} to {facts.as_of}",
        "headline": facts.headline.name,
        "headline_path": int(facts.headline_path),
        "dates": dates,
        "lines": lines,
        "fan": {
            "dates": [str(d)[:10] for d in pd.DatetimeIndex(fan["date"]).to_numpy()[fk]],
            **{p: _finite(fan[p].to_numpy(dtype=float)[fk], 2) for p in ("p5", "p25", "p50", "p75", "p95")},
        },
        "columns": [h for _c, h, _s in STAT_COLUMNS],
        "formats": [_FORMATS.get(c, "pct") for c, _h, _s in STAT_COLUMNS],
        "rows": rows,
        "kind": words.results_kind(facts.scenario.model),
    }


def study_payload(data: dict[str, Any]) -> str:
    """:func:`study_data`'s dictionary as JSON safe inside a ``<script>`` element (``</`` escaped, no NaN)."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
