"""The fact sheet's tracking figures and notes: how the fund followed its index, and what the sheet reports.

A leveraged or inverse fund tracks its daily objective, so its tracking
figures are against that and the sheet adds its volatility drag since
inception and a note saying so (see :mod:`etfsim.index.leverage`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etfsim.pipeline.statistics import statistic
from etfsim.report import words
from etfsim.report.facts import StudyFacts
from etfsim.report.results import StudyResults
from etfsim.report.tables import Fact, Table, facts_from

__all__ = ["TRACKING", "volatility_drag"]

TRACKING = (
    ("difference", "Tracking difference / yr", "pct"),
    ("difference_1y", "Tracking difference, 1 Yr", "pct"),
    ("error", statistic("tracking_error").heading, statistic("tracking_error").fmt),
    ("difference_median", "Tracking difference / yr, median across paths", "pct"),
    ("volatility_drag", "Volatility drag since inception (objective vs leverage x index)", "pct"),
)


def _tracking_values(results: StudyResults, performance: Table, head_row: pd.Series) -> dict[str, float]:
    nav_1y = performance.cell("nav", 3).value
    tr_1y = performance.cell("index_tr", 3).value
    out = {
        "difference": float(head_row["tracking_difference"]),
        "difference_1y": nav_1y - tr_1y,
        "error": float(head_row["tracking_error"]),
        "difference_median": float(np.nanmedian(results.fund_paths["tracking_difference"].to_numpy(dtype=float))),
    }
    drag = volatility_drag(results)
    if drag is not None:
        out["volatility_drag"] = drag
    return out


def _tracking_facts(values: dict[str, float]) -> tuple[Fact, ...]:
    """The tracking facts; the volatility drag only for a leveraged or inverse fund."""
    return facts_from("tracking", values, tuple(row for row in TRACKING if row[0] in values))


def volatility_drag(results: StudyResults) -> float | None:
    """A leveraged fund's daily objective over the headline path minus leverage x the index's return (None at 1x).

    The fund tracks its daily objective (``fund.index_tr``); the index itself is
    the headline strategy's TR on the same path (``indices``).
    """
    lev = float(results.facts.fund.get("leverage", 1.0))
    if lev == 1.0:
        return None
    obj = results.fund["index_tr"].to_numpy(dtype=float)
    ind = results.indices[results.indices["strategy"] == results.facts.headline.name]["tr"].to_numpy(dtype=float)
    if len(ind) == 0 or len(obj) == 0:
        return None
    first = int(np.argmax(np.isfinite(ind)))
    return float((obj[-1] / obj[0] - 1.0) - lev * (ind[-1] / ind[first] - 1.0))


def _notes(facts: StudyFacts) -> tuple[str, ...]:
    sc = facts.scenario
    lev = float(facts.fund.get("leverage", 1.0))
    daily = (
        (
            f"A {lev:g}x fund with a daily objective: the index line and the tracking figures are that objective "
            f"({lev:g} x the index's daily excess return, plus T-bill interest), not {lev:g} times the index's "
            "return over a period; the difference is the volatility drag.",
        )
        if lev != 1.0
        else ()
    )
    return daily + (
        f"Scenario {sc.name}: {words.model_name(sc.model)}, random seed {sc.seed}, {facts.paths:,} simulated paths "
        f"from {sc.start} to {sc.end}. The sheet reports one of them (no. {facts.headline_path}, counting from 0), "
        "the headline path: of all paths, the one "
        "nearest the median on its worst measure of fund return, spot, tracking difference and error, days "
        "halted, drawdown and volatility (its percentile on each is in the Monte Carlo table).",
        "Returns over one year are annualised; periods that start before inception show a dash. * partial year.",
        "Sharpe and Sortino: the arithmetic mean of monthly NAV returns less the T-bill return, over their standard "
        "deviation (Sortino: the downside deviation), times the square root of 12; not the compound (geometric) "
        "return. Hit rate and payoff ratio use monthly returns.",
    )
