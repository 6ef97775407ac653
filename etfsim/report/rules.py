"""The rule comparison sheet: the designer's real question, which roll rule?

Every strategy runs on the same simulated paths, first as an index (what the
rule earns before any cost: the term-structure contribution, the spread of
outcomes, the drawdowns) and then as an ETF with the headline fund's terms
(what an investor would get after the expense ratio, trading and impact costs
and creation halts).  The figures are the means across paths of the
statistics ``etfsim backtest`` prints, with the 5th and 95th percentiles of
the index's total return.
"""

from __future__ import annotations

from dataclasses import field

import numpy as np
import pandas as pd

from etfsim._results import Result
from etfsim.pipeline.statistics import statistic
from etfsim.report import market_words as mw
from etfsim.report import words
from etfsim.report.basis import BASIS_PERCENTILES, basis_differences, basis_summary
from etfsim.report.facts import MarketFacts
from etfsim.report.results import StudyResults
from etfsim.report.tables import Cell, Row, Table

__all__ = ["BASIS_SHEET_COLUMNS", "RULE_COLUMNS", "STRUCTURE_SHEET_COLUMNS", "RulesSheetData", "rules_data"]


def _mean_of(column: str) -> tuple[str, str, str]:
    """A statistic's mean across paths, headed and formatted as the statistics table says.

    A mean of a count is printed with one decimal (2.4 days halted a path).
    """
    stat = statistic(column)
    return column, stat.heading, "num1" if stat.fmt == "int" else stat.fmt


_TR = statistic("tr_return").heading

RULE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    _mean_of("term_structure"),
    _mean_of("tr_return"),
    ("tr_return_p5", f"{_TR}, 5th pct", "pct"),
    ("tr_return_p95", f"{_TR}, 95th pct", "pct"),
    _mean_of("volatility"),
    _mean_of("max_drawdown"),
    ("trades_per_year", "Trading days / yr", "num1"),
    _mean_of("nav_return"),
    _mean_of("tracking_difference"),
    _mean_of("costs_per_year"),
    _mean_of("halted_days"),
    ("loss_share", "Paths losing money (NAV)", "pct1"),
)
"""(column, header, format) of the rule table; means across paths unless the header says otherwise.

The statistics' headers and formats come from :data:`etfsim.pipeline.STATISTICS`; the other columns
are derived here (percentiles across paths, trades per year, the share of paths that lose money)."""


BASIS_SHEET_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("paths", "Paths", "int"),
    ("mean_a", "Fund on A / yr", "pct"),
    ("mean_b", "Fund on B / yr", "pct"),
    ("mean", "A - B, mean", "pct"),
    ("std", "A - B, std dev", "pct_u"),
    *((f"p{p}", "A - B, median" if p == 50 else f"A - B, {p}th pct", "pct") for p in BASIS_PERCENTILES),
)
"""(column of :func:`etfsim.report.basis.basis_table`, header, format) of the basis table."""


STRUCTURE_SHEET_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("NAV return / yr", "Fund NAV return / yr", "pct"),
    ("objective return / yr", "Objective return / yr", "pct"),
    ("tracking difference / yr", "Tracking difference / yr", "pct"),
    ("tracking error", "Tracking error", "pct_u"),
    ("carry / yr", "Roll or funding carry / yr (log)", "pct"),
    ("costs / yr", "Trading costs / yr", "pct_u"),
    ("days halted", "Days creations halted", "num1"),
    ("margin / NAV, quarter-end max", "Margin / NAV, max at a quarter end", "pct_u"),
    ("quarter ends over the subsidiary cap", "Quarter ends over the subsidiary cap", "num1"),
    ("after-tax return / yr", "After-tax return / yr", "pct"),
)
"""(column of :func:`etfsim.fund.structure_compare.compare_structures`, header, format) of the structures table.

The two margin columns are left out when the fund posts no initial margin (every figure would be 0)."""

_MARGIN_COLUMNS = ("margin / NAV, quarter-end max", "quarter ends over the subsidiary cap")


class RulesSheetData(Result):
    """Everything the rule comparison shows (the template only formats it)."""

    title: str
    as_of: str
    inception: str
    scenario_name: str
    scenario_description: str
    paths: int
    headline: str  # the headline strategy's display title (rule_titles)
    terms_text: str
    table: Table
    descriptions: Table
    nav_returns: dict[str, np.ndarray]  # fund NAV return / yr on every path, by rule title
    levels: dict[str, pd.Series]  # index TR on the headline path, by rule title
    notes: tuple[str, ...]
    basis: Table  # one row a pair of index families; no rows when the study ran one family
    basis_samples: dict[str, np.ndarray]  # the per-path differences, by pair (for the histogram)
    basis_note: str = ""  # what A and B are: each family or leg with the index it stands for
    structures: Table | None = None  # the headline fund in each structure; None in a folder without the table
    structures_notes: tuple[str, ...] = ()
    disclosures: tuple[str, ...] = field(default=words.DISCLOSURES)
    kind: str = "SIMULATED"  # words.results_kind: SIMULATED paths or BACK-TESTED on recorded prices

    def all_cells(self) -> dict[str, object]:
        """Every figure by its ``data-field`` key."""
        tables = (self.table, self.descriptions, self.basis) + (() if self.structures is None else (self.structures,))
        return {c.key: c.value for t in tables for c in t.cells()}

    def basis_charts(self) -> dict[str, str]:
        """The basis histogram as an SVG data URI (none without a basis table)."""
        from etfsim.report import charts

        return {"basis": charts.basis_chart(self.basis_samples)} if self.basis.rows else {}

    def _repr_facts(self) -> dict[str, object]:
        return {"title": self.title, "paths": self.paths, "rules": len(self.table.rows), "headline": self.headline}

    def summary(self) -> str:
        """The rule table as printed, one line per rule."""
        lines = [f"RulesSheetData: {self.title}, {self.paths:,} paths, headline {self.headline}, as of {self.as_of}"]
        show = [
            j for j, (col, _h, _f) in enumerate(RULE_COLUMNS) if col in ("tr_return", "nav_return", "costs_per_year")
        ]
        lines.append(f"  {'rule':<24}" + "".join(f"{self.table.columns[j]:>22}" for j in show))
        for row in self.table.rows:
            lines.append(f"  {row.label:<24}" + "".join(f"{row.cells[j].text:>22}" for j in show))
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The rule table's values: one row per rule (index ``rule``), one column per :data:`RULE_COLUMNS` entry."""
        return pd.DataFrame(
            {col: [row.cells[j].value for row in self.table.rows] for j, (col, _h, _f) in enumerate(RULE_COLUMNS)},
            index=pd.Index([row.key for row in self.table.rows], name="rule"),
        )


def _mean(x: pd.Series) -> float:
    v = x.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else float("nan")


def _pct(x: pd.Series, q: float) -> float:
    v = x.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return float(np.percentile(v, q)) if len(v) else float("nan")


def rules_data(results: StudyResults) -> RulesSheetData:
    """Build the rule comparison from a study's tables."""
    facts = results.facts
    sc = facts.scenario
    years = (pd.Timestamp(sc.end) - pd.Timestamp(sc.start)).days / 365.0
    stats = results.strategy_stats
    funds = results.rule_funds
    names = list(facts.names)
    rows, desc_rows = [], []
    nav_returns: dict[str, np.ndarray] = {}
    titles = rule_titles(results)
    for name in names:
        s = stats[stats["strategy"] == name]
        f = funds[funds["strategy"] == name]
        nav = f["nav_return"].to_numpy(dtype=float)
        nav_returns[titles[name]] = nav
        values = {
            "term_structure": _mean(s["term_structure"]),
            "tr_return": _mean(s["tr_return"]),
            "tr_return_p5": _pct(s["tr_return"], 5),
            "tr_return_p95": _pct(s["tr_return"], 95),
            "volatility": _mean(s["volatility"]),
            "max_drawdown": _mean(s["max_drawdown"]),
            "trades_per_year": _mean(s["roll_trades"]) / years if years > 0 else float("nan"),
            "nav_return": _mean(f["nav_return"]),
            "tracking_difference": _mean(f["tracking_difference"]),
            "costs_per_year": _mean(f["costs_per_year"]),
            "halted_days": _mean(f["halted_days"]),
            "loss_share": float(np.mean(nav[np.isfinite(nav)] < 0)) if np.isfinite(nav).any() else float("nan"),
        }
        cells = tuple(Cell(f"rules.{name}.{col}", values[col], fmt) for col, _h, fmt in RULE_COLUMNS)
        # the name in brackets is what a designer types after -s to pick the rule
        rows.append(Row(name, f"{titles[name]} ({name})", cells, name == facts.headline.name))
        strat = facts.strategy(name)
        how = Cell(f"rule_words.{name}.description", words.roll_words(strat.rule, strat.params), "text")
        holds = Cell(f"rule_words.{name}.holding", mw.rules_holds(strat.holding, facts.market), "text")
        desc_rows.append(Row(name, titles[name], (holds, how) if facts.market is not None else (how,)))
    ind = results.indices[results.indices["path"] == facts.headline_path]
    levels = {
        name: pd.Series(g["tr"].to_numpy(dtype=float), index=pd.DatetimeIndex(g["date"])).dropna()
        for name, g in ind.groupby("strategy", sort=False)
    }
    levels = {titles[n]: levels[n] for n in names if n in levels}
    notes = (
        f"Scenario {sc.name}: {words.model_name(sc.model)}, random seed {sc.seed}, {facts.paths:,} simulated paths from "
        f"{sc.start} to {sc.end}, T-bills at {float(sc.collateral_rate) * 100:.2f}%.",
        "Index figures are before any cost. Fund figures run every rule with the same fund terms and investor demand "
        f"(those of {words.strategy_title(facts.headline.name, facts.headline.description)}), so differences come "
        "from the rule" + (" and what it holds (the Holds column)." if facts.market is not None else " alone."),
        "Term structure is the log return per year from holding futures rather than the spot index; positive means the "
        "curve paid the holder (backwardation), negative that it cost (contango).",
    )
    basis, samples = _basis(results)
    return RulesSheetData(
        title="Which roll rule? Hypothetical compute futures ETF, rules side by side",
        as_of=facts.as_of,
        inception=facts.inception,
        scenario_name=sc.name,
        scenario_description=sc.description,
        paths=facts.paths,
        headline=titles[facts.headline.name],
        terms_text=words.terms_words(facts.fund, facts.contract),
        table=Table("rules", "Rule (its name after -s)", tuple(h for _c, h, _f in RULE_COLUMNS), tuple(rows)),
        descriptions=Table(
            "rule_words",
            "Rule",
            ("Holds", "How it rolls") if facts.market is not None else ("How it rolls",),
            tuple(desc_rows),
        ),  # fmt: skip
        nav_returns=nav_returns,
        levels=levels,
        notes=notes,
        basis=basis,
        basis_samples=samples,
        basis_note=_basis_note(results),
        structures=_structures(results),
        structures_notes=_structures_notes(results) if results.structures is not None else (),
        disclosures=words.disclosures_for(facts.fund, words.results_kind(sc.model)),
        kind=words.results_kind(sc.model),
    )


def rule_titles(results: StudyResults) -> dict[str, str]:
    """Each compared strategy's display title (:func:`etfsim.report.words.strategy_title`), by its name.

    Two strategies whose descriptions start alike keep their names in brackets, so no two rows,
    boxes or lines of the sheet read the same.
    """
    facts = results.facts
    titles = {n: words.strategy_title(n, facts.strategy(n).description) for n in facts.names}
    seen = pd.Series(list(titles.values())).value_counts()
    return {n: f"{t} ({n})" if seen[t] > 1 else t for n, t in titles.items()}


def _structures(results: StudyResults) -> Table | None:
    """The structures table: one row per structure, the columns of :data:`STRUCTURE_SHEET_COLUMNS` it needs."""
    frame = results.structures
    if frame is None or frame.empty:
        return None
    margin = frame["margin / NAV, quarter-end max"].to_numpy(dtype=float)
    cols = [c for c in STRUCTURE_SHEET_COLUMNS if c[0] not in _MARGIN_COLUMNS or np.nanmax(margin, initial=0.0) > 0]
    rows = tuple(
        Row(
            f"s{i}",
            str(r["structure"]),
            tuple(Cell(f"structures.s{i}.{_slug(col)}", float(r[col]), fmt) for col, _h, fmt in cols),
            i == 0,
        )
        for i, (_n, r) in enumerate(frame.iterrows())
    )
    return Table("structures", "Structure", tuple(h for _c, h, _f in cols), rows)


def _slug(column: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in column).strip("_")


def _structures_notes(results: StudyResults) -> tuple[str, ...]:
    """What each row is, what the columns mean and the assumptions behind the perpetual and the taxes."""
    from etfsim.curves.perpetual import AX_TAKER_FEE, Perpetual

    facts = results.facts
    p = Perpetual(**dict(facts.perpetual)) if facts.perpetual is not None else Perpetual()
    ax = p.maker_share == 0.0 and p.taker_fee == AX_TAKER_FEE
    fee_source = " (Architect's published tier-1 taker fee)" if ax else ""
    return (
        f"The headline fund's terms ({rule_titles(results)[facts.headline.name]}) in each structure, changed one at a time, means across "
        f"the first {facts.compare_paths:,} paths (those of the stock-ETF comparison). 2x and -1x rebalance at each "
        "close to a daily objective of leverage x the index's daily excess return plus T-bill interest; their "
        "objective and tracking figures are against that objective, so a return over a longer period differs from "
        "leverage x the index's (volatility drag). Swaps: the fund keeps its exposure through a total-return swap "
        "where its position limit would cut it. The '40 Act fund holds the same futures through a Cayman "
        "subsidiary and differs after tax only.",
        f"The perpetual future tracks the index the fund holds through daily funding equal to its premium to the "
        f"index, capped at {p.funding_cap:.1%} a day; its premium is assumed to mean-revert to "
        f"{p.premium_mean:.1%} with a half-life of {p.half_life_days:.1f} days and a standard deviation of "
        f"{p.premium_sd:.2%} (no compute perpetual has traded yet). It trades at a fee of {p.fee_rate:.2%} of "
        f"notional{fee_source}. Carry is the roll's term-structure contribution on dated "
        "futures and the funding plus the premium's change on the perpetual (log, per year; blank for 2x and -1x). "
        "With a premium that averages zero, the perpetual's holders bear the index's expected fall that dated "
        "futures price in; a market that expects the index to fall would trade the perpetual at a discount "
        "(set [perpetual] premium_mean in the strategy file to study it).",
        words.tax_words(facts.fund),
    )


def _basis(results: StudyResults) -> tuple[Table, dict[str, np.ndarray]]:
    """The basis section's table and histogram data; no rows without a basis table (the section is left out)."""
    headers = tuple(h for _c, h, _f in BASIS_SHEET_COLUMNS)
    if results.basis is None or results.basis.empty:
        return Table("basis", "A - B", headers, ()), {}
    summary = basis_summary(results.basis)
    labels = _pair_labels(results)
    rows = tuple(
        Row(
            str(i),
            labels.get(str(pair), str(pair)),
            tuple(Cell(f"basis.{i}.{col}", float(r[col]), fmt) for col, _h, fmt in BASIS_SHEET_COLUMNS),
        )
        for i, (pair, r) in enumerate(summary.iterrows())
    )
    samples = {labels.get(k, k): v for k, v in basis_differences(results.basis).items()}
    return Table("basis", "A - B", headers, rows), samples


def _pairs(results: StudyResults) -> list[tuple[str, str]]:
    b = results.basis
    if b is None or b.empty:
        return []
    return list(dict.fromkeys(zip(b["label_a"].astype(str), b["label_b"].astype(str), strict=True)))


def _pair_labels(results: StudyResults) -> dict[str, str]:
    """``"b200 - ocpi"`` -> ``"b200 (SDB200RT) - ocpi (OCPI-style transacted composite)"`` on a market."""
    m = results.facts.market
    return {f"{a} - {b}": f"{mw.basis_label(a, m)} - {mw.basis_label(b, m)}" for a, b in _pairs(results)}


def _basis_note(results: StudyResults) -> str:
    """Each pair's A and B in words: the family's or leg's index and how it is built."""
    m = results.facts.market
    if m is None:
        return ""
    out = []
    for a, b in _pairs(results):
        out.append(f"A: {_what(a, m)}; B: {_what(b, m)}.")
    return " ".join(out)


def _what(name: str, market: MarketFacts) -> str:
    if name in [x.name for x in market.legs]:
        leg = market.leg(name)
        return f"{name}, the {leg.index} per-chip index ({mw.leg_label(market, name)})"
    fam = market.family(name)
    if fam is None:
        return name
    members = ", ".join(mw.leg_label(market, x) for x in fam.legs)
    how = {"normalised": "performance-normalised", "usage": "usage-weighted", "mean": "equal-weighted"}[fam.method]
    return f"{name}, the {fam.index} ({how} across {members})"
