"""How much of its NAV the fund holds in futures, where the limits cut it, and which generations it holds.

A futures ETF tracks its index only while its futures notional equals its net
assets: the index earns the futures' excess return on every dollar, the fund
only on the dollars it has in futures.  When a position limit binds the fund
cannot buy the contracts its NAV calls for, so *exposure* (notional / NAV)
falls below 100% and the rest sits in T-bills.  That gap is neither a fee nor
a trading cost, so the attribution shows it on a line of its own
(:func:`under_exposure`): in a falling market an under-exposed fund loses less
than its index, in a rising one it misses part of the gain.

A fund on a compute market can hold contracts on several chip indices at once
(the current GPU generation and the next one, during a move between them);
:func:`generation_mix` says what share of the notional sat on each.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from etfsim.exceptions import DataError
from etfsim.report.market_words import leg_label
from etfsim.report.results import StudyResults
from etfsim.report.stats import cost_drag
from etfsim.report.tables import Cell, Fact, Row, Table, facts_from

__all__ = [
    "ATTRIBUTION_ROWS",
    "EXPOSURE_FACTS",
    "attribution_table",
    "exposure_frame",
    "exposure_section",
    "generation_mix",
    "mix_section",
    "under_exposure",
]

EXPOSURE_FACTS = (
    ("mean", "Mean exposure (futures notional / NAV)", "pct_u"),
    ("lowest", "Lowest exposure", "pct_u"),
    ("lowest_date", "Lowest exposure on", "date"),
    ("report", "Exposure on the report date", "pct_u"),
    ("days_capped", "Days a position limit capped exposure", "int"),
    ("capped_share", "Share of days capped", "pct1"),
    ("days_halted", "Days creations halted by a limit", "int"),
)

ATTRIBUTION_ROWS = (
    ("spot", "Spot (GPU rental index)"),
    ("term_structure", "Term structure"),
    ("collateral", "Collateral (T-bill interest)"),
    ("index_tr", "= Index total return"),
    ("fees", "Fees (expense ratio)"),
    ("costs", "Trading and impact costs"),
    ("under_exposure", "Under-exposure (limits, cash drag)"),
    ("residual", "Residual (whole contracts, flows, cash timing)"),
    ("nav", "= Fund NAV return"),
)
"""(key, label) of the attribution table's lines, in order; the lines between the two totals add up."""


def under_exposure(exposure: np.ndarray, index_er: np.ndarray, tbill_return: np.ndarray, years: float) -> float:
    r"""What holding more or less than NAV in futures added to the fund's log return, per year.

    Parameters
    ----------
    exposure : (dates,) array
        Futures notional / NAV after each close, from inception.
    index_er : (dates,) array
        The excess-return index on the same dates.
    tbill_return : (dates,) array
        The collateral's return on each day (the first is not used).
    years : float
        ACT/365 years from inception to the last date.

    Returns
    -------
    float
        Negative when the fund missed part of a rising index, positive when
        it held less of a falling one; NaN when ``years`` is not positive.

    Notes
    -----
    With :math:`e_{t-1}` the exposure after the previous close,
    :math:`r_t = ER_t / ER_{t-1} - 1` the index's excess return and
    :math:`b_t` the T-bill return on day *t*,

    .. math:: U = \frac{1}{Y} \sum_{t=1}^{T}
              \ln \frac{1 + b_t + e_{t-1} r_t}{1 + b_t + r_t}
              \approx -\frac{1}{Y} \sum_{t=1}^{T} (1 - e_{t-1})\, r_t

    The total-return index grows by :math:`1 + b_t + r_t` a day (its
    collateral and all of the futures' excess return); a fund holding the
    index's contracts at notional :math:`e \cdot NAV` by
    :math:`1 + b_t + e_{t-1} r_t` before fees and costs.  To first order the
    line is the index's excess return times (1 - exposure), day by day; in
    logs it also holds the smaller volatility drag of a smaller position,
    so it adds to the index's log return like the table's other lines.
    Days without an exposure or a return (a fund wiped out) count zero.
    """
    e = np.asarray(exposure, dtype=float)
    er = np.asarray(index_er, dtype=float)
    b = np.asarray(tbill_return, dtype=float)
    if e.ndim != 1 or not e.shape == er.shape == b.shape:
        raise DataError(
            f"exposure, index_er and tbill_return must be one value per date each, got shapes {e.shape}, "
            f"{er.shape} and {b.shape}"
        )
    if not years > 0 or len(e) < 2:
        return float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        r = er[1:] / er[:-1] - 1.0
        gap = np.log((1.0 + b[1:] + e[:-1] * r) / (1.0 + b[1:] + r))
    return float(np.nansum(gap) / years)


def exposure_frame(fund: pd.DataFrame) -> pd.DataFrame:
    """The headline ledger's exposure by date: ``exposure``, ``capped`` and ``halted`` columns.

    A result folder written before the ledger kept ``exposure`` gives notional / NAV
    and no capped days (``capped`` NaN: unknown, not zero).
    """
    index = pd.DatetimeIndex(fund["date"])
    nav = fund["nav"].to_numpy(dtype=float)
    if "exposure" in fund:
        exposure = fund["exposure"].to_numpy(dtype=float)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            exposure = np.where(nav > 0, fund["notional"].to_numpy(dtype=float) / nav, np.nan)
    capped = fund["capped"].to_numpy(dtype=float) if "capped" in fund else np.full(len(fund), np.nan)
    halted = fund["halted"].to_numpy(dtype=float)
    return pd.DataFrame({"exposure": exposure, "capped": capped, "halted": halted}, index=index)


def _count(x: np.ndarray) -> float:
    return float(np.sum(x == 1.0)) if not np.isnan(x).any() else float("nan")


def exposure_section(fund: pd.DataFrame) -> tuple[pd.DataFrame, tuple[Fact, ...], Table]:
    """The exposure chart's data, its facts, and the same figures by calendar year."""
    frame = exposure_frame(fund)
    e = frame["exposure"].to_numpy(dtype=float)
    ok = np.isfinite(e)
    low = int(np.argmin(np.where(ok, e, np.inf))) if ok.any() else -1
    capped, halted = frame["capped"].to_numpy(), frame["halted"].to_numpy()
    values: dict[str, Any] = {
        "mean": float(e[ok].mean()) if ok.any() else float("nan"),
        "lowest": float(e[low]) if low >= 0 else float("nan"),
        "lowest_date": str(frame.index[low].date()) if low >= 0 else None,
        "report": float(e[-1]),
        "days_capped": _count(capped),
        "capped_share": _count(capped) / len(frame),
        "days_halted": _count(halted),
    }
    rows = []
    for year, part in frame.groupby(frame.index.year):
        y = part["exposure"].to_numpy(dtype=float)
        yok = np.isfinite(y)
        cells = (
            Cell(f"exposure_years.{year}.mean", float(y[yok].mean()) if yok.any() else float("nan"), "pct_u"),
            Cell(f"exposure_years.{year}.lowest", float(y[yok].min()) if yok.any() else float("nan"), "pct_u"),
            Cell(f"exposure_years.{year}.days_capped", _count(part["capped"].to_numpy()), "int"),
            Cell(f"exposure_years.{year}.days_halted", _count(part["halted"].to_numpy()), "int"),
        )
        rows.append(Row(str(year), str(year), cells))
    table = Table("exposure_years", "Year", ("Mean", "Lowest", "Days capped", "Days halted"), tuple(rows))
    return frame, facts_from("exposure", values, EXPOSURE_FACTS), table


def attribution_table(results: StudyResults, fund: pd.DataFrame, years: float) -> Table:
    """Where the headline fund's return came from, per year since inception; the lines add up to the NAV return.

    The index's split (spot, term structure, collateral) is the library's exact log attribution;
    fees and trading costs are each day's charge over the previous NAV (:func:`cost_drag`); the
    under-exposure line is :func:`under_exposure`; the residual is what is left of the fund's log
    return per year: whole contracts against the index's exact weights, creations and redemptions,
    the timing of cash, and the difference between daily sums and logs.
    """
    head = results.fund_paths.iloc[results.facts.headline_path]
    nav_before = fund["nav"].shift(1).to_numpy(dtype=float)
    fees = -cost_drag(fund["fees"].to_numpy(dtype=float)[1:], nav_before[1:], years)
    costs = -cost_drag(fund["costs"].to_numpy(dtype=float)[1:], nav_before[1:], years)
    navps = fund["nav_per_share_adj"].to_numpy(dtype=float)
    nav_log = math.log(navps[-1] / navps[0]) / years if navps[-1] > 0 and navps[0] > 0 and years > 0 else float("nan")
    tr = float(head["index_log_tr"])
    exposure = exposure_frame(fund)["exposure"].to_numpy()
    er, tbill = fund["index_er"].to_numpy(dtype=float), fund["tbill_return"].to_numpy(dtype=float)
    gap = under_exposure(exposure, er, tbill, years)
    values = {
        "spot": float(head["index_log_spot"]),
        "term_structure": float(head["index_log_term_structure"]),
        "collateral": float(head["index_log_collateral"]),
        "index_tr": tr,
        "fees": fees,
        "costs": costs,
        "under_exposure": gap,
        "residual": nav_log - tr - fees - costs - gap,
        "nav": nav_log,
    }
    rows = tuple(
        Row(k, label, (Cell(f"attribution.{k}.per_year", values[k], "pct"),), k in ("index_tr", "nav"))
        for k, label in ATTRIBUTION_ROWS
    )
    return Table("attribution", "Since inception, log / yr", ("Per year",), rows)


def _root(code: str) -> str:
    return code[:-3] if len(code) > 3 else code  # root + month letter + two-digit year


def generation_mix(holdings: pd.DataFrame, legs: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Share of the futures notional held on each leg (or contract root) by date.

    Parameters
    ----------
    holdings : DataFrame
        Contracts held by date: ``date``, ``contract``, ``notional`` (and
        ``root``; without it the root is the code less its month letter and year).
    legs : mapping, optional
        Contract root -> leg name (``{"SDH100": "h100", "SDH200": "h200"}``);
        a root it does not name is shown as itself.

    Returns
    -------
    DataFrame
        One row per date, one column per leg in the order the fund first held
        them; each row sums to 1 (NaN on a day the fund held no futures).
        Shares are of absolute notional, so a short position counts too.
    """
    missing = [c for c in ("date", "contract", "notional") if c not in holdings]
    if missing:
        raise DataError(f"holdings lacks column(s) {', '.join(missing)}; re-run etfsim run to write them again")
    roots = holdings["root"].astype(str) if "root" in holdings else holdings["contract"].astype(str).map(_root)
    names = dict(legs or {})
    frame = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(holdings["date"]),
            "leg": [str(names.get(r, r)) for r in roots],
            "notional": np.abs(holdings["notional"].to_numpy(dtype=float)),
        }
    )
    order = list(dict.fromkeys(frame.sort_values("date", kind="stable")["leg"]))
    wide = frame.pivot_table(index="date", columns="leg", values="notional", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=order)
    total = wide.sum(axis=1)
    shares = wide.div(total.where(total > 0), axis=0)
    shares.columns.name = None
    return shares


def _legs(results: StudyResults) -> dict[str, str]:
    legs = results.curve.metadata.get("legs")
    if legs is None:
        return {}
    if not isinstance(legs, Mapping):
        raise DataError(f"the curve's metadata 'legs' must map contract roots to leg names, got {legs!r}")
    return {str(k): str(v) for k, v in legs.items()}


def mix_section(results: StudyResults) -> tuple[pd.DataFrame, Table, str]:
    """The generation mix: shares by date (for the chart), the shares at each year end, and a line of words.

    With one leg there is nothing to chart: the table has no rows and the words say where
    every dollar of notional was.
    """
    holdings = results.holdings
    if "date" not in holdings:  # a folder written before holdings were kept by date: the report date only
        holdings = holdings.assign(date=pd.Timestamp(results.facts.as_of))
    shares = generation_mix(holdings, _legs(results))
    legs = list(shares.columns)
    if len(legs) <= 1:
        where = f"all in {legs[0]}" if legs else "no futures held"
        return shares, Table("mix", "Leg", (), ()), f"Futures notional: {where}, every day since inception."
    year_end = shares.groupby(shares.index.year).tail(1)
    columns = tuple(f"{d:%b %Y}" for d in year_end.index)
    label = _labels(results, legs)
    rows = tuple(
        Row(
            leg,
            label[leg],
            tuple(Cell(f"mix.{leg}.{d.date()}", float(year_end.at[d, leg]), "pct1") for d in year_end.index),
        )
        for leg in legs
    )
    words = ", ".join(f"{label[leg]} {float(shares[leg].iloc[-1]) * 100:.0f}%" for leg in legs)
    note = f"Share of futures notional by leg; on the report date {words}."
    return shares.rename(columns=label), Table("mix", "Leg", columns, rows), note


def _labels(results: StudyResults, legs: list[str]) -> dict[str, str]:
    """Each leg as a reader knows it (``H100 neocloud``, ``Rubin Ultra``) on a market; its name otherwise."""
    m = results.facts.market
    known = set() if m is None else {x.name for x in m.legs}
    return {leg: leg_label(m, leg) if m is not None and leg in known else leg for leg in legs}
