"""The sheets show the library's numbers: page -> FactSheetData -> independent library calls.

Every figure on the page carries ``data-field`` (its key) and ``data-value``
(the exact float).  The tests read the HTML back, check each figure's text is
its value formatted, and compare the values with the library computed again
here from the same scenario and seed (not from the study's own tables).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim.fund import fund_metrics, premium_discount_by_quarter, simulate_fund
from etfsim.fund.comparison import compare
from etfsim.metrics import annualised_volatility, max_drawdown
from etfsim.pipeline import backtest, default_strategies, resolve_strategy
from etfsim.report import words
from etfsim.report.factsheet import FactSheetData, factsheet_data
from etfsim.report.headline import headline_path, percentile_ranks
from etfsim.report.rules import RULE_COLUMNS, rules_data
from etfsim.report.study import Study
from etfsim.report.tables import format_value, raw_value
from etfsim.roll.rules import roll_schedule
from etfsim.scenario import load_scenario
from tests.report.conftest import COMPARE_PATHS, PATHS, parse_fields


@pytest.fixture(scope="module")
def sheet(report_dir: Path) -> dict:
    return parse_fields((report_dir / "factsheet.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data(saved) -> FactSheetData:  # type: ignore[no-untyped-def]
    return factsheet_data(saved)


@pytest.fixture(scope="module")
def library() -> dict:
    """The same study recomputed with plain library calls."""
    scenario = dataclasses.replace(load_scenario(), years=3.5)
    curve = scenario.simulate(paths=PATHS)
    strat = resolve_strategy("compute_default")
    schedule = roll_schedule(curve, strat.rule)
    fund = simulate_fund(curve, schedule, strat.fund, flows=strat.demand)
    sub = curve.select(paths=list(range(COMPARE_PATHS)))
    # the headline path: nearest the median on its worst measure (etfsim.report.headline), the measures
    # taken here from the library's own calls
    metrics = fund_metrics(fund).reset_index(drop=True)
    navps = fund.nav_per_share_adjusted[:, fund.start :]
    measures = pd.DataFrame(
        {
            "nav_return": metrics["nav_return"],
            "index_log_spot": fund.index.annualised()["spot"].to_numpy(),
            "tracking_difference": metrics["tracking_difference"],
            "tracking_error": metrics["tracking_error"],
            "halted_days": metrics["halted_days"],
            "nav_max_drawdown": max_drawdown(navps),
            "nav_volatility": annualised_volatility(navps, np.asarray(fund.dates)[fund.start :]),
        }
    )
    hp = headline_path(measures)
    return {
        "hp": hp,
        "measures": measures,
        "curve": curve,
        "fund": fund,
        "metrics": fund_metrics(fund),
        "attribution": fund.index.annualised(),
        "quarters": premium_discount_by_quarter(fund, hp),
        "comparison": compare(sub, roll_schedule(sub, strat.rule), strat.fund, flows=strat.demand).table,
        # the sheets use the headline fund's collateral rate (3.6%), not the scenario's (4%)
        "backtest": backtest(curve, default_strategies(), collateral_rate=strat.fund.collateral_rate).table(),
    }


def test_every_figure_on_the_page_is_its_value_formatted(sheet: dict, data: FactSheetData) -> None:
    figures = data.figures()
    assert len(figures) > 150
    missing = sorted(set(figures) - set(sheet))
    assert not missing, missing
    for key, fig in figures.items():
        assert sheet[key].value == raw_value(fig.value), key
        assert sheet[key].text == format_value(fig.value, fig.fmt), key
    assert sheet["as_of"].value == data.as_of


def test_the_saved_results_give_the_same_sheet_as_the_study_in_memory(study: Study, data: FactSheetData) -> None:
    fresh = factsheet_data(study.results).all_cells()
    saved = data.all_cells()
    assert fresh.keys() == saved.keys()
    for key in fresh:
        assert raw_value(fresh[key]) == raw_value(saved[key]), key


def _v(sheet: dict, key: str) -> float:
    return float(sheet[key].value)


def test_performance_since_inception_equals_the_fund_metrics(sheet: dict, library: dict) -> None:
    m = library["metrics"].iloc[library["hp"]]
    # fund_metrics annualises NAV per share (splits undone) and the TR index over ACT/365 years, as the sheet does
    # the sheet's since inception starts at the launch price ($25), so the launch day's costs are in it; the
    # library's from the first close: the two differ by exactly that first day
    fund, hp = library["fund"], library["hp"]
    navps = fund.nav_per_share_adjusted[hp, fund.start :]
    days = (np.asarray(fund.dates)[-1] - np.asarray(fund.dates)[fund.start]).astype("timedelta64[D]").astype(int)
    launch = fund.config.nav_per_share
    assert _v(sheet, "performance.nav.SI") == pytest.approx((navps[-1] / launch) ** (365 / days) - 1, rel=1e-12)
    from_close = (1 + m["nav_return"]) * (navps[0] / launch) ** (365 / days) - 1
    assert _v(sheet, "performance.nav.SI") == pytest.approx(from_close, rel=1e-12)
    assert _v(sheet, "performance.index_tr.SI") == pytest.approx(m["index_tr_return"], rel=1e-12)
    assert _v(sheet, "tracking.difference") == pytest.approx(m["tracking_difference"], rel=1e-12)
    assert _v(sheet, "tracking.error") == pytest.approx(m["tracking_error"], rel=1e-12)
    assert _v(sheet, "premium.days_premium") == m["days_premium"]
    assert _v(sheet, "premium.days_discount") == m["days_discount"]
    assert _v(sheet, "premium.largest_premium") == pytest.approx(m["max_premium"], rel=1e-12)
    assert _v(sheet, "premium.halted_days") == m["halted_days"]
    assert _v(sheet, "tracking.difference_median") == pytest.approx(
        np.median(library["metrics"]["tracking_difference"])
    )


def test_the_one_year_and_ytd_returns_come_from_the_ledger(sheet: dict, library: dict) -> None:
    fund, hp = library["fund"], library["hp"]
    s = fund.start
    navps = pd.Series(fund.nav_per_share_adjusted[hp, s:], index=pd.DatetimeIndex(np.asarray(fund.dates)[s:]))
    as_of = navps.index[-1]
    year_ago = navps[: as_of - pd.DateOffset(years=1)].iloc[-1]
    assert _v(sheet, "performance.nav.1Y") == pytest.approx(navps.iloc[-1] / year_ago - 1.0, rel=1e-12)
    year_end = navps[: pd.Timestamp(year=as_of.year - 1, month=12, day=31)].iloc[-1]
    assert _v(sheet, "performance.nav.YTD") == pytest.approx(navps.iloc[-1] / year_end - 1.0, rel=1e-12)
    three = navps[: as_of - pd.DateOffset(years=3)].iloc[-1]
    assert _v(sheet, "performance.nav.3Y") == pytest.approx((navps.iloc[-1] / three) ** (1 / 3) - 1.0, rel=1e-12)
    tr = pd.Series(fund.index.tr[hp, s:], index=navps.index)
    assert _v(sheet, "tracking.difference_1y") == pytest.approx(
        navps.iloc[-1] / year_ago - tr.iloc[-1] / tr[: as_of - pd.DateOffset(years=1)].iloc[-1], rel=1e-12
    )


def test_attribution_is_the_index_split_and_adds_up(sheet: dict, library: dict) -> None:
    a = library["attribution"].iloc[library["hp"]]
    assert _v(sheet, "attribution.spot.per_year") == pytest.approx(a["spot"], rel=1e-12)
    assert _v(sheet, "attribution.term_structure.per_year") == pytest.approx(a["term_structure"], rel=1e-12)
    assert _v(sheet, "attribution.collateral.per_year") == pytest.approx(a["collateral"], rel=1e-12)
    assert _v(sheet, "attribution.index_tr.per_year") == pytest.approx(a["tr"], rel=1e-12)
    lines = ("index_tr", "fees", "costs", "under_exposure", "residual")
    parts = sum(_v(sheet, f"attribution.{k}.per_year") for k in lines)
    assert parts == pytest.approx(_v(sheet, "attribution.nav.per_year"), abs=1e-12)
    fund = library["fund"]
    years = (np.datetime64(fund.dates[-1], "D") - np.datetime64(fund.dates[fund.start], "D")).astype(int) / 365
    navps = fund.nav_per_share_adjusted[library["hp"]]
    assert _v(sheet, "attribution.nav.per_year") == pytest.approx(math.log(navps[-1] / navps[fund.start]) / years)
    expense = fund.config.expense_ratio
    assert -_v(sheet, "attribution.fees.per_year") == pytest.approx(expense, rel=0.05)  # fees accrue on net assets


def test_risk_statistics_use_the_library_metrics(sheet: dict, library: dict) -> None:
    fund, hp = library["fund"], library["hp"]
    s = fund.start
    navps = fund.nav_per_share_adjusted[:, s:]
    assert _v(sheet, "risk.volatility") == pytest.approx(annualised_volatility(navps, fund.dates[s:])[hp], rel=1e-12)
    assert _v(sheet, "risk.max_drawdown") == pytest.approx(max_drawdown(navps)[hp], rel=1e-12)
    nav = pd.Series(navps[hp], index=pd.DatetimeIndex(np.asarray(fund.dates)[s:]))
    month_end = nav.groupby(nav.index.to_period("M")).last()
    monthly = np.diff(np.concatenate([[nav.iloc[0]], month_end.to_numpy()])) / np.concatenate(
        [[nav.iloc[0]], month_end.to_numpy()[:-1]]
    )
    assert _v(sheet, "risk.hit_rate") == pytest.approx(np.mean(monthly > 0))
    assert _v(sheet, "risk.best_month") == pytest.approx(monthly.max())
    assert _v(sheet, "risk.worst_month") == pytest.approx(monthly.min())


def test_holdings_are_the_ledger_positions_on_the_last_date(sheet: dict, library: dict) -> None:
    fund, curve, hp = library["fund"], library["curve"], library["hp"]
    held = fund.positions_frame(hp)
    last = held[held["date"] == held["date"].max()]
    assert pd.Timestamp(last["date"].iloc[0]) == pd.Timestamp(curve.dates[-1])
    nav = fund.ledger.nav[hp, -1]
    for row in last.itertuples(index=False):
        slot = int(np.nonzero(curve.contracts[-1] == row.contract)[0][0])
        price = curve.prices[hp, -1, slot]
        assert _v(sheet, f"holdings.{row.contract}.contracts") == row.contracts
        assert _v(sheet, f"holdings.{row.contract}.price") == pytest.approx(price, rel=1e-15)
        assert _v(sheet, f"holdings.{row.contract}.weight") == pytest.approx(row.contracts * price * 1000 / nav)


def test_premium_quarters_and_comparison_are_the_library_tables(sheet: dict, library: dict) -> None:
    # Rule 6c-11's periods: the last completed calendar year and the completed quarters since; each
    # quarter is the library's quarter, the year the sum of its four
    q = library["quarters"]
    as_of = pd.Timestamp(sheet["as_of"].value)
    keys = sorted({k.split(".")[1] for k in sheet if k.startswith("premium_quarters.")})
    year = as_of.year - 1
    done = pd.Period(as_of, "Q") - (0 if as_of == pd.Period(as_of, "Q").end_time.normalize() else 1)
    since = pd.period_range(f"{year + 1}Q1", done, freq="Q") if done.year > year else []
    assert keys == sorted([str(year)] + [f"{p.year}_Q{p.quarter}" for p in since])
    in_year = q[[p.year == year for p in q.index]]
    assert _v(sheet, f"premium_quarters.{year}.days_premium") == in_year["days_premium"].sum()
    assert _v(sheet, f"premium_quarters.{year}.max_discount") == pytest.approx(in_year["max_discount"].min())
    for p in since:
        row = q.loc[p]
        assert _v(sheet, f"premium_quarters.{p.year}_Q{p.quarter}.days_premium") == row["days_premium"]
        assert _v(sheet, f"premium_quarters.{p.year}_Q{p.quarter}.max_discount") == pytest.approx(row["max_discount"])
    table = library["comparison"]
    for i, (_measure, row) in enumerate(table.iterrows()):
        assert _v(sheet, f"comparison.{i}.futures") == pytest.approx(row["futures ETF"], rel=1e-12, abs=1e-15)
        assert _v(sheet, f"comparison.{i}.stock") == pytest.approx(row["stock ETF"], rel=1e-12, abs=1e-15)


def test_monte_carlo_percentiles_are_across_the_library_paths(sheet: dict, library: dict) -> None:
    m = library["metrics"]
    for p in (5, 50, 95):
        assert _v(sheet, f"monte_carlo.nav_return.p{p}") == pytest.approx(np.percentile(m["nav_return"], p), rel=1e-12)
    hp, measures = library["hp"], library["measures"]
    ranks = percentile_ranks(measures, list(measures.columns))
    for col in measures.columns:  # the headline path's value and its percentile on each measure
        assert _v(sheet, f"monte_carlo.{col}.headline") == pytest.approx(measures[col].iloc[hp], rel=1e-9, abs=1e-12)
        assert _v(sheet, f"monte_carlo.{col}.rank") == pytest.approx(ranks[col].iloc[hp])
    assert _v(sheet, "monte_carlo.paths") == PATHS
    fund = library["fund"]
    growth = fund.nav_per_share_adjusted[:, -1] / fund.nav_per_share_adjusted[:, fund.start]
    assert _v(sheet, "monte_carlo.loss_share") == pytest.approx(np.mean(growth < 1.0))


def test_curve_snapshot_is_the_last_date_of_the_headline_path(sheet: dict, library: dict) -> None:
    snap = library["curve"].snapshot(path=library["hp"])
    f0, f1 = snap["price"].iloc[0], snap["price"].iloc[1]
    assert sheet["curve.state"].text == ("Contango" if f1 > f0 else "Backwardation")
    assert _v(sheet, "curve.front_spread") == pytest.approx(f1 / f0 - 1.0, rel=1e-12)
    assert _v(sheet, "curve.slope_12m") == pytest.approx(snap["price"].iloc[12] / f0 - 1.0, rel=1e-12)


def test_rule_sheet_means_equal_the_backtest_table(report_dir: Path, saved, library: dict) -> None:  # type: ignore[no-untyped-def]
    page = parse_fields((report_dir / "rules.html").read_text(encoding="utf-8"))
    table = library["backtest"]
    for name, row in table.iterrows():
        for col in ("term_structure", "tr_return", "volatility", "max_drawdown"):
            assert float(page[f"rules.{name}.{col}"].value) == pytest.approx(row[col], rel=1e-12), (name, col)
        assert float(page[f"rules.{name}.tr_return_p5"].value) == pytest.approx(row["tr_return_p5"], rel=1e-12)
    data = rules_data(saved)
    assert set(data.all_cells()) <= set(page)
    assert [r.key for r in data.table.rows] == [s.name for s in default_strategies()]
    assert len(data.table.columns) == len(RULE_COLUMNS)


def test_words_follow_the_rule_and_terms(data: FactSheetData) -> None:
    rule = resolve_strategy("compute_default").rule  # the words follow the strategy file's parameters
    assert f"over {rule.window} business days" in data.strategy_text
    assert f"finishing {rule.days_before_expiry} business days before" in data.strategy_text
    assert "units of 50,000 shares" in data.terms_text
    assert any("not yet listed" in d for d in data.disclosures)
    assert any("HYPOTHETICAL" in d for d in data.disclosures)


def test_rule_sheet_labels_rules_by_their_titles_with_the_name_to_type(report_dir: Path, saved) -> None:  # type: ignore[no-untyped-def]
    """Issue 15 (readability): display names, not internal names; the name after -s stays findable."""
    import html as html_lib
    import re

    data = rules_data(saved)
    page = (report_dir / "rules.html").read_text(encoding="utf-8")

    def row_labels(key: str) -> list[str]:
        body = page.split(f'data-table="{key}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
        return [html_lib.unescape(x) for x in re.findall(r'<td class="label">(.*?)</td>', body)]

    labels, words_labels = row_labels("rules"), row_labels("rule_words")
    for s in default_strategies():
        title = words.strategy_title(s.name, s.description)
        assert f"{title} ({s.name})" in labels, s.name
        assert title in words_labels, s.name
    assert "S&P GSCI-style monthly roll (gsci)" in labels  # one title pinned from its description
    assert data.headline == words.strategy_title(saved.facts.headline.name, saved.facts.headline.description)
    assert set(data.nav_returns) == set(words_labels) == set(data.levels)  # boxes and lines read as the rows
    assert not {s.name for s in default_strategies()} & set(words_labels)  # no bare internal name as a row
