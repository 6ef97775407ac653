"""The fact sheet's content: every number it shows, built once from a study's tables.

:func:`factsheet_data` turns a :class:`~etfsim.report.results.StudyResults`
into a frozen :class:`FactSheetData`.  The numbers are either the library's
own outputs saved by the study (fund metrics, tracking, the index attribution,
premium/discount by quarter, the stock-ETF comparison) or the fact-sheet
statistics of :mod:`etfsim.report.stats` on the saved headline series.  The
template formats them and nothing else, so a test can compare every figure on
the page with the library.

The sheet reports on the *headline path* (the path nearest the median on its
worst measure, :mod:`etfsim.report.headline`) as of its last date, like an
issuer's sheet on its one history; the Monte Carlo section shows the range
across all paths and the headline path's percentile on each figure.
"""

from __future__ import annotations

import math
from dataclasses import field, replace
from typing import Any

import numpy as np
import pandas as pd

from etfsim._results import Result
from etfsim.fund.identity import FundIdentity
from etfsim.pipeline.statistics import statistic
from etfsim.report import market_words as mw
from etfsim.report import words
from etfsim.report.exposure import attribution_table, exposure_section, mix_section
from etfsim.report.facts import StudyFacts
from etfsim.report.fund_details import fund_details, identity_of, legends
from etfsim.report.headline import percentile_ranks
from etfsim.report.premium_6c11 import premium_section
from etfsim.report.results import StudyResults
from etfsim.report.standardised import since_launch, standardised_performance
from etfsim.report.stats import (
    PERIODS,
    calendar_year_returns,
    hit_rate,
    monthly_returns,
    payoff_ratio,
    performance_table,
    sharpe_ratio,
    sortino_ratio,
)
from etfsim.report.study import GROWTH_BASE
from etfsim.report.tables import Cell, Fact, Row, Table, facts_from
from etfsim.report.tracking_facts import _notes, _tracking_facts, _tracking_values

__all__ = ["FactSheetData", "factsheet_data"]


KEY_FACTS = (
    ("ticker", "Ticker", "text"),
    ("inception", "Inception (simulated)", "date"),
    ("expense_ratio", "Expense ratio", "pct_u"),
    ("creation_unit", "Creation unit (shares)", "int"),
    ("creation_fee", "Creation / redemption fee", "money"),
    ("nav_at_launch", "NAV at launch", "usd2"),
    ("index", "Index", "text"),
    ("roll_rule", "Roll rule", "text"),
    ("contract", "Contract", "text"),
    ("exchange", "Exchange", "text"),
    ("collateral", "Collateral", "text"),
)

FUND_FACTS = (
    ("net_assets", "Net assets", "money_m"),
    ("shares", "Shares outstanding", "int"),
    ("nav", "NAV per share", "usd2"),
    ("market_price", "Market price", "usd2"),
    ("premium", "Premium / discount", "pct"),
)

PERFORMANCE_ROWS = (
    ("nav", "Fund NAV", "pct"),
    ("market", "Market price", "pct"),
    ("index_tr", "Index total return", "pct"),
    ("index_er", "Index excess return", "pct"),
)

RISK = (
    ("volatility", "Volatility (annualised)", "pct_u"),
    ("max_drawdown", "Maximum drawdown", "pct"),
    ("sharpe", "Sharpe ratio", "ratio"),
    ("sortino", "Sortino ratio", "ratio"),
    ("hit_rate", "Hit rate (months up)", "pct1"),
    ("payoff", "Payoff ratio (avg gain / avg loss)", "ratio"),
    ("best_month", "Best month", "pct"),
    ("worst_month", "Worst month", "pct"),
)

CURVE = (
    ("state", "Curve shape (F1 vs F0)", "text"),
    ("spot", "Spot index (per GPU-hour)", "price"),
    ("front_spread", "Front spread F1 / F0 - 1", "pct"),
    ("slope_12m", "12-month slope F12 / F0 - 1", "pct"),
    ("implied", "Implied term structure / yr (log)", "pct"),
)


def _stat_row(column: str) -> tuple[str, str, str]:
    stat = statistic(column)  # heading and format from the statistics table
    return column, stat.heading, stat.fmt


MONTE_CARLO_ROWS = (
    _stat_row("nav_return"),
    _stat_row("index_tr_return"),
    ("index_log_spot", "Spot index, log / yr", "pct"),
    ("growth_end", "Growth of $10,000", "money"),  # from the kept daily NAV per share (report.study)
    ("nav_max_drawdown", "Maximum drawdown", "pct"),
    ("nav_volatility", "NAV volatility", "pct_u"),
    _stat_row("tracking_difference"),
    _stat_row("tracking_error"),
    ("halted_days", "Days creations halted", "num1"),
)
"""(fund_paths column, label, format) of the Monte Carlo table: the distribution across paths of each figure,
the headline path's own value and its percentile (the measures :mod:`etfsim.report.headline` chooses it on,
and the index's return and the growth of 10,000)."""

MONTE_CARLO_PERCENTILES = (5, 50, 95)
"""Percentiles across paths the Monte Carlo table prints (the fan chart shows 5, 25, 50, 75, 95)."""

MONTE_CARLO_FACTS = (
    ("paths", "Paths", "int"),
    ("loss_share", "Paths ending below $10,000", "pct1"),
)


class FactSheetData(Result):
    """Everything the fact sheet shows, as data (the template only formats it).

    Sections are :class:`~etfsim.report.tables.Table` or tuples of
    :class:`~etfsim.report.tables.Fact`; chart inputs are small DataFrames.
    """

    fund_name: str
    ticker: str
    index_name: str
    as_of: str
    inception: str
    scenario_name: str
    scenario_description: str
    objective: str
    strategy_text: str
    strategy_summary: str
    terms_text: str
    key_facts: tuple[Fact, ...]
    details: tuple[Fact, ...]  # identity and service providers (etfsim.report.fund_details)
    legends: tuple[str, ...]  # the structure's and the banking legends, and where the prospectus is
    fund_facts: tuple[Fact, ...]
    performance: Table
    calendar_years: Table
    standardised: Table  # average annual returns as of the last quarter end (etfsim.report.standardised)
    standardised_as_of: str
    expense_facts: tuple[Fact, ...]
    growth: pd.DataFrame  # date x (nav, index_tr), 10,000 at inception
    growth_facts: tuple[Fact, ...]
    holdings: Table
    roll_calendar: Table
    curve: pd.DataFrame  # contract, delivery label, price on the report date
    curve_facts: tuple[Fact, ...]
    attribution: Table
    exposure: pd.DataFrame  # date x (exposure, capped, halted): notional / NAV and the limits' days
    exposure_facts: tuple[Fact, ...]
    exposure_years: Table
    mix: pd.DataFrame  # date x leg: share of futures notional
    mix_table: Table  # the shares at each year end (no rows with one leg)
    mix_note: str
    premium: pd.Series  # premium by date
    premium_facts: tuple[Fact, ...]
    premium_quarters: Table
    premium_notes: tuple[str, ...]
    tracking: tuple[Fact, ...]
    risk: tuple[Fact, ...]
    fan: pd.DataFrame  # date x percentiles, plus the headline path
    monte_carlo: Table
    monte_carlo_facts: tuple[Fact, ...]
    comparison: Table
    comparison_note: str
    notes: tuple[str, ...]
    risks_text: tuple[tuple[str, str], ...]
    methodology: str = ""  # the index methodology footnote of a market holding (none on a single chip)
    disclosures: tuple[str, ...] = field(default=words.DISCLOSURES)
    kind: str = "SIMULATED"  # words.results_kind: SIMULATED paths or BACK-TESTED on recorded prices
    paths: int = 0  # paths of the study; one (a recorded history) leaves the Monte Carlo range out

    def statements(self) -> dict[str, str]:
        """The sheet's sentences by their ``data-field`` key (names, objective, strategy, methodology, risks)."""
        out = {
            "words.fund_name": self.fund_name,
            "words.index_name": self.index_name,
            "words.objective": self.objective,
            "words.strategy": self.strategy_text,
            "words.terms": self.terms_text,
        }
        if self.methodology:
            out["words.methodology"] = self.methodology
        out.update({f"words.risk.{i}": text for i, (_title, text) in enumerate(self.risks_text)})
        return out

    def figures(self) -> dict[str, Cell | Fact]:
        """Every figure on the sheet by its ``data-field`` key, with its value and format."""
        out: dict[str, Cell | Fact] = {}
        for name in (
            "key_facts",
            "details",
            "fund_facts",
            "expense_facts",
            "growth_facts",
            "curve_facts",
            "exposure_facts",
            "premium_facts",
            "tracking",
            "risk",
            *(("monte_carlo_facts",) if self.paths != 1 else ()),  # one recorded history has no range
        ):
            for f in getattr(self, name):
                out[f.key] = f
        for name in (
            "performance",
            "standardised",
            "calendar_years",
            "holdings",
            "roll_calendar",
            "attribution",
            "exposure_years",
            "mix_table",
            "premium_quarters",
            *(("monte_carlo",) if self.paths != 1 else ()),
            "comparison",
        ):
            for c in getattr(self, name).cells():
                out[c.key] = c
        return out

    def exposure_charts(self) -> dict[str, str]:
        """The exposure chart, and the generation mix's with more than one leg, as SVG data URIs."""
        from etfsim.report import charts

        out = {"exposure": charts.exposure_chart(self.exposure)}
        if self.mix_table.rows:
            out["mix"] = charts.mix_chart(self.mix)
        return out

    def all_cells(self) -> dict[str, Any]:
        """Every figure's value by its ``data-field`` key (for tests and exports)."""
        return {key: f.value for key, f in self.figures().items()}

    def _repr_facts(self) -> dict[str, object]:
        return {"fund": self.fund_name, "index": self.index_name, "as_of": self.as_of, "figures": len(self.figures())}

    def summary(self) -> str:
        """The sheet's name and dates and its headline figures as printed."""
        figures = self.figures()
        lines = [
            f"FactSheetData: {self.fund_name} ({self.ticker}) on {self.index_name}",
            f"  scenario {self.scenario_name}, inception {self.inception}, as of {self.as_of}; {len(figures)} figures",
        ]
        for fact in (*self.key_facts[:3], *self.tracking[:3], *self.risk[:3], *self.monte_carlo_facts[:2]):
            lines.append(f"  {fact.label:<44}{fact.text:>14}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Every figure on the sheet: ``key`` (its data-field), ``label`` (facts only), ``value``, ``fmt``, ``text``."""
        figures = self.figures()
        return pd.DataFrame(
            {
                "key": list(figures),
                "label": [getattr(f, "label", "") for f in figures.values()],
                "value": [f.value for f in figures.values()],
                "fmt": [f.fmt for f in figures.values()],
                "text": [f.text for f in figures.values()],
            }
        )


def _series(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.Series(frame[column].to_numpy(dtype=float), index=pd.DatetimeIndex(frame["date"]), name=column)


def _years(first: pd.Timestamp, last: pd.Timestamp) -> float:
    return float((last - first).days / 365.0)


def _exchange(ident: FundIdentity) -> str:
    return ident.exchange if ident.exchange != FundIdentity().exchange else "Not yet listed (hypothetical contract)"


def _key_facts(facts: StudyFacts, index: str, named: mw.SheetNames) -> tuple[Fact, ...]:
    fund, head = facts.fund, facts.headline
    values = {
        "ticker": identity_of(facts.identity).ticker,
        "inception": facts.inception,
        "expense_ratio": fund["expense_ratio"],
        "creation_unit": fund["creation_unit"],
        "creation_fee": fund["creation_fee"],
        "nav_at_launch": fund["nav_per_share"],
        "index": index,
        "roll_rule": f"{words.strategy_title(head.name, head.description)} ({head.rule.replace('_', ' ')} rule)",
        "contract": named.contract,
        "exchange": _exchange(identity_of(facts.identity)),
        "collateral": f"91-day T-bills at {float(facts.scenario.collateral_rate) * 100:.2f}% (assumed)",
    }
    rows = facts_from("key_facts", values, KEY_FACTS)
    if words.results_kind(facts.scenario.model) == "BACK-TESTED":  # a replay's inception is the history's start
        rows = tuple(replace(f, label="Inception (back-test)") if f.key == "key_facts.inception" else f for f in rows)
    at = [f.key for f in rows].index("key_facts.contract") + 1  # what the contract line names, right below it
    return rows[:at] + named.key_facts + rows[at:]


def _performance(
    fund: pd.DataFrame, as_of: pd.Timestamp, inception: pd.Timestamp, launch: float
) -> tuple[Table, dict[str, pd.Series]]:
    """The performance table as of the report date; the fund's since inception from its launch price."""
    series = {
        "nav": _series(fund, "nav_per_share_adj"),
        "market": _series(fund, "market_price_adj"),
        "index_tr": _series(fund, "index_tr"),
        "index_er": _series(fund, "index_er"),
    }
    frame = performance_table(series, as_of, inception)
    for name in ("nav", "market"):  # the launch day's costs are the investor's: from the launch price, not the close
        frame.loc[name, "SI"] = since_launch(series[name], as_of, inception, launch)
    table = Table.from_frame(
        "performance", "", frame, PERFORMANCE_ROWS, [(k, label) for k, label, _m in PERIODS], emphasis=("nav",)
    )
    return table, series


def _calendar_years(series: dict[str, pd.Series]) -> Table:
    frames = {name: calendar_year_returns(series[name]) for name in ("nav", "market", "index_tr")}
    years = list(frames["nav"].index)
    partial = frames["nav"]["partial"]
    columns = tuple(f"{y}{'*' if partial.loc[y] else ''}" for y in years)
    labels = {"nav": "Fund NAV", "market": "Market price", "index_tr": "Index TR"}
    rows = tuple(
        Row(
            name,
            labels[name],
            tuple(Cell(f"calendar_years.{name}.{y}", float(f.at[y, "return"]), "pct") for y in years),
            name == "nav",
        )
        for name, f in frames.items()
    )
    return Table("calendar_years", "", columns, rows)


def _holdings(results: StudyResults, last: pd.Series) -> Table:
    h = results.holdings
    if "date" in h:  # holdings are kept by date: the sheet shows the report date's
        h = h[pd.DatetimeIndex(h["date"]) == pd.DatetimeIndex(h["date"]).max()]
    rows = []
    for r in h.itertuples(index=False):
        cells = (
            Cell(f"holdings.{r.contract}.delivery", f"{pd.Timestamp(str(r.delivery) + '-01'):%b %Y}", "text"),
            Cell(f"holdings.{r.contract}.contracts", float(r.contracts), "int"),
            Cell(f"holdings.{r.contract}.price", float(r.price), "price"),
            Cell(f"holdings.{r.contract}.notional", float(r.notional), "money"),
            Cell(f"holdings.{r.contract}.weight", float(r.weight), "pct_u"),
        )
        rows.append(Row(str(r.contract), str(r.contract), cells))
    nav = float(last["nav"])
    cash = float(last["cash"])
    rows.append(
        Row(
            "tbills",
            "T-bills and cash",
            (
                Cell("holdings.tbills.delivery", None, "text"),
                Cell("holdings.tbills.contracts", None, "int"),
                Cell("holdings.tbills.price", None, "price"),
                Cell("holdings.tbills.notional", cash, "money"),
                Cell("holdings.tbills.weight", cash / nav if nav > 0 else float("nan"), "pct_u"),
            ),
        )
    )
    return Table("holdings", "Contract", ("Delivery", "Contracts", "Price", "Notional", "% of NAV"), tuple(rows))


def _roll_calendar(frame: pd.DataFrame) -> Table:
    rows = []
    for i, r in enumerate(frame.itertuples(index=False)):
        first, last = pd.Timestamp(r.first_day), pd.Timestamp(r.last_day)
        cells = (
            Cell(f"roll_calendar.{i}.first_day", str(first.date()), "date"),
            Cell(f"roll_calendar.{i}.last_day", str(last.date()), "date"),
            Cell(f"roll_calendar.{i}.days", float(r.days), "int"),
            Cell(f"roll_calendar.{i}.sell", str(r.sell), "text"),
            Cell(f"roll_calendar.{i}.buy", str(r.buy), "text"),
        )
        rows.append(Row(str(i), f"{first:%b %Y}", cells))
    return Table("roll_calendar", "Month", ("From", "To", "Days", "Sell", "Buy"), tuple(rows))


def _curve(results: StudyResults) -> tuple[pd.DataFrame, tuple[Fact, ...]]:
    snap = results.curve.snapshot(path=0)  # the saved curve holds the headline path only
    snap = snap[np.isfinite(snap["price"].to_numpy(dtype=float))].reset_index(drop=True)
    spot = float(results.curve.spot[0, -1]) if results.curve.spot is not None else float("nan")
    f = snap["price"].to_numpy(dtype=float)
    exp = pd.to_datetime(snap["expiry"])
    values: dict[str, Any] = {
        "spot": spot,
        "state": "n/a",
        "front_spread": float("nan"),
        "slope_12m": float("nan"),
        "implied": float("nan"),
    }
    if len(f) >= 2:
        values["state"] = "Contango" if f[1] > f[0] else ("Backwardation" if f[1] < f[0] else "Flat")
        values["front_spread"] = f[1] / f[0] - 1.0
        dt = (exp.iloc[1] - exp.iloc[0]).days / 365.0
        # a holder who rolls from F0 into F1 gains ln(F0/F1) as F1 converges, spread over the months between expiries
        values["implied"] = math.log(f[0] / f[1]) / dt if f[0] > 0 and f[1] > 0 and dt > 0 else float("nan")
    if len(f) >= 13:
        values["slope_12m"] = f[12] / f[0] - 1.0
    facts = facts_from("curve", values, CURVE)
    m, held = results.facts.market, results.curve.metadata.get("holding")
    if m is not None and held in {x.name for x in m.legs}:  # on a market, say whose spot it is
        label = f"Spot index ({mw.leg_label(m, str(held))}, per {m.leg(str(held)).unit})"
        facts = tuple(replace(x, label=label) if x.key == "curve.spot" else x for x in facts)
    return snap, facts


def _risk(series: dict[str, pd.Series], fund: pd.DataFrame, head: pd.Series) -> tuple[Fact, ...]:
    monthly = monthly_returns(series["nav"])
    tbill = pd.Series(fund["tbill_return"].to_numpy(dtype=float), index=pd.DatetimeIndex(fund["date"]))
    rf = (1.0 + tbill).groupby(tbill.index.to_period("M")).prod() - 1.0
    values = {
        "volatility": float(head["nav_volatility"]),
        "max_drawdown": float(head["nav_max_drawdown"]),
        "sharpe": sharpe_ratio(monthly, rf),
        "sortino": sortino_ratio(monthly, rf),
        "hit_rate": hit_rate(monthly),
        "payoff": payoff_ratio(monthly),
        "best_month": float(monthly.max()) if len(monthly) else float("nan"),
        "worst_month": float(monthly.min()) if len(monthly) else float("nan"),
    }
    return facts_from("risk", values, RISK)


def _monte_carlo(results: StudyResults) -> tuple[Table, tuple[Fact, ...]]:
    """Each figure's 5th, 50th and 95th percentile across paths, the headline path's value and its percentile."""
    paths = results.fund_paths
    hp = results.facts.headline_path
    ranks = percentile_ranks(paths, [c for c, _l, _f in MONTE_CARLO_ROWS])
    heads = tuple(f"{p}th" if p != 50 else "Median" for p in MONTE_CARLO_PERCENTILES) + ("Headline", "Its pctile")
    rows = []
    for col, label, fmt in MONTE_CARLO_ROWS:
        x = paths[col].to_numpy(dtype=float)
        spread = [float(np.nanpercentile(x, p)) for p in MONTE_CARLO_PERCENTILES]
        cells = tuple(
            Cell(f"monte_carlo.{col}.p{p}", v, fmt) for p, v in zip(MONTE_CARLO_PERCENTILES, spread, strict=True)
        )
        cells += (
            Cell(f"monte_carlo.{col}.headline", float(x[hp]), fmt),
            Cell(f"monte_carlo.{col}.rank", float(ranks[col].iloc[hp]), "pctile"),
        )
        rows.append(Row(col, label, cells))
    table = Table("monte_carlo", "Across paths", heads, tuple(rows))
    growth = paths["growth_end"].to_numpy(dtype=float)
    values = {"paths": float(len(paths)), "loss_share": float(np.mean(growth < GROWTH_BASE))}
    return table, facts_from("monte_carlo", values, MONTE_CARLO_FACTS)


def _comparison(results: StudyResults) -> Table:
    c = results.comparison.set_index("measure")
    rows = []
    for i, (measure, r) in enumerate(c.iterrows()):
        unsigned = any(w in str(measure) for w in ("error", "fees", "costs", "absolute"))
        fmt = "num1" if "days" in str(measure) else ("pct_u" if unsigned else "pct")
        cells = (
            Cell(f"comparison.{i}.futures", float(r["futures ETF"]), fmt),
            Cell(f"comparison.{i}.stock", float(r["stock ETF"]), fmt),
        )
        rows.append(Row(str(i), str(measure)[:1].upper() + str(measure)[1:], cells))
    return Table("comparison", "Mean across paths", ("Futures ETF", "Stock ETF"), tuple(rows))


def _comparison_note(facts: StudyFacts) -> str:
    """What the comparison with the stock ETF averages and assumes, taxes included."""
    return (
        f"Means over the first {facts.compare_paths:,} paths. The stock ETF holds a basket of "
        f"{facts.basket['n_stocks']} stocks in kind (no roll, no futures costs), expense ratio "
        f"{float(facts.stock_fund['expense_ratio']) * 100:.2f}%. " + words.tax_words(facts.fund)
    )


def _fund_facts(last: pd.Series) -> tuple[Fact, ...]:
    """The fund on the report date: net assets, shares, NAV, market price, premium."""
    values = {
        "net_assets": float(last["nav"]),
        "shares": float(last["shares"]),
        "nav": float(last["nav_per_share"]),
        "market_price": float(last["market_price"]),
        "premium": float(last["premium"]),
    }
    return facts_from("fund", values, FUND_FACTS)


def _growth(series: dict[str, pd.Series]) -> tuple[pd.DataFrame, tuple[Fact, ...]]:
    """Growth of 10,000 at NAV and on the index's total return, and the two end values."""
    growth = pd.DataFrame(
        {name: GROWTH_BASE * s / s.iloc[0] for name, s in series.items() if name in ("nav", "index_tr")}
    )
    growth_facts = facts_from(
        "growth",
        {"nav": float(growth["nav"].iloc[-1]), "index_tr": float(growth["index_tr"].iloc[-1])},
        (("nav", "Fund NAV", "money"), ("index_tr", "Index total return", "money")),
    )
    return growth, growth_facts


def factsheet_data(results: StudyResults) -> FactSheetData:
    """Build the fact sheet's content from a study's tables (in memory or loaded from disk)."""
    facts = results.facts
    head = facts.headline
    fund = results.fund.reset_index(drop=True)
    as_of, inception = pd.Timestamp(facts.as_of), pd.Timestamp(facts.inception)
    named = mw.sheet_names(results)
    index = named.index
    last = fund.iloc[-1]
    head_row = results.fund_paths.iloc[facts.headline_path]

    launch = float(facts.fund.get("nav_per_share", fund["nav_per_share"].iloc[0]))
    performance, series = _performance(fund, as_of, inception, launch)
    standardised, standardised_as_of, expense = standardised_performance(
        series, as_of, inception, launch, float(facts.fund.get("expense_ratio", float("nan")))
    )
    growth, growth_facts = _growth(series)
    curve, curve_facts = _curve(results)
    premium_facts, premium_quarters, premium_notes = premium_section(
        fund, results.holdings, facts.as_of, facts.fund, float(facts.contract["tick"]), float(head_row["halted_days"])
    )
    fan = results.nav_fan.set_index(pd.DatetimeIndex(results.nav_fan["date"])).drop(columns="date")
    fan["headline"] = growth["nav"].to_numpy()
    monte_carlo, mc_facts = _monte_carlo(results)
    exposure, exposure_facts, exposure_years = exposure_section(fund)
    mix, mix_table, mix_note = mix_section(results)
    return FactSheetData(
        fund_name=named.fund,
        ticker=identity_of(facts.identity).ticker,
        details=fund_details(facts.identity, facts.fund),
        legends=legends(facts.identity, facts.fund),
        index_name=index,
        as_of=facts.as_of,
        inception=facts.inception,
        scenario_name=facts.scenario.name,
        scenario_description=facts.scenario.description,
        objective=words.objective(index, named.holds, float(facts.fund.get("leverage", 1.0))),
        strategy_text=" ".join(x for x in (named.moves, words.roll_words(head.rule, head.params)) if x),
        strategy_summary=head.description,
        terms_text=words.terms_words(facts.fund, facts.contract),
        key_facts=_key_facts(facts, index, named),
        fund_facts=_fund_facts(last),
        performance=performance,
        calendar_years=_calendar_years(series),
        standardised=standardised,
        standardised_as_of=standardised_as_of,
        expense_facts=expense,
        growth=growth,
        growth_facts=growth_facts,
        holdings=_holdings(results, last),
        roll_calendar=_roll_calendar(results.roll_calendar),
        curve=curve,
        curve_facts=curve_facts,
        attribution=attribution_table(results, fund, _years(inception, as_of)),
        exposure=exposure,
        exposure_facts=exposure_facts,
        exposure_years=exposure_years,
        mix=mix,
        mix_table=mix_table,
        mix_note=mix_note,
        premium=_series(fund, "premium"),
        premium_facts=premium_facts,
        premium_quarters=premium_quarters,
        premium_notes=premium_notes,
        tracking=_tracking_facts(_tracking_values(results, performance, head_row)),
        risk=_risk(series, fund, head_row),
        fan=fan,
        monte_carlo=monte_carlo,
        monte_carlo_facts=mc_facts,
        comparison=_comparison(results),
        comparison_note=_comparison_note(facts),
        notes=_notes(facts),
        risks_text=named.risks,
        methodology=named.methodology,
        disclosures=words.disclosures_for(
            facts.fund, words.results_kind(facts.scenario.model), words.is_compute(facts.contract)
        ),
        kind=words.results_kind(facts.scenario.model),
        paths=int(facts.paths),
    )
