"""Exposure, capped days, under-exposure and the generation mix on the fact sheet, against the fund's own ledger.

The fund here is the default compute strategy at $100 million (4,000,000 shares
of $25) with a position limit of 50,000 contracts a month and no accountability
level: it launches with about 42,300 contracts, and as GPU-hour prices deflate
the same NAV needs more contracts than the limit allows, so exposure falls far
below NAV.  The terms are stated here, not read from the default fund file
($10 million, limits as shares of open interest), whose limits do not bind on
the single-chip scenario's market.  Every figure is checked against the ledger of
the study's live :class:`~etfsim.fund.FundResult` (not the saved tables).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim.exceptions import DataError
from etfsim.fund.records import EXPOSURE_CAPPED
from etfsim.index.levels import tbill_returns
from etfsim.pipeline import resolve_strategy
from etfsim.report.exposure import ATTRIBUTION_ROWS, generation_mix, under_exposure
from etfsim.report.factsheet import FactSheetData, factsheet_data
from etfsim.report.render import render_factsheet, write_report
from etfsim.report.results import StudyResults, load_results
from etfsim.report.study import Study, run_study
from etfsim.scenario import load_scenario
from tests.report.conftest import parse_fields

LIMIT = 50_000
SHARES = 4_000_000  # $100 million at $25 a share: about 42,300 contracts at launch, under LIMIT until prices fall


@pytest.fixture(scope="module")
def capped() -> Study:
    head = resolve_strategy("compute_default")
    assert head.fund is not None
    terms = dataclasses.replace(
        head.fund,
        initial_shares=SHARES,
        position_limit=LIMIT,
        position_limit_oi_share=None,  # a limit is given one way: contracts here
        accountability_level=None,
        accountability_level_oi_share=None,
    )
    strat = dataclasses.replace(head, name="capped", fund=terms)
    scenario = dataclasses.replace(load_scenario(), years=3.5)
    return run_study(scenario, paths=8, compare_paths=4, strategies=[strat, "front_month"], headline="capped")


@pytest.fixture(scope="module")
def folder(capped: Study, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("capped") / "report"
    write_report(capped.results, out)
    return out


@pytest.fixture(scope="module")
def data(folder: Path) -> FactSheetData:
    return factsheet_data(load_results(folder))


@pytest.fixture(scope="module")
def page(folder: Path) -> dict:
    return parse_fields((folder / "factsheet.html").read_text(encoding="utf-8"))


def _ledger(study: Study) -> dict[str, np.ndarray]:
    """The headline path's ledger from inception, straight from the FundResult."""
    f = study.fund
    s = f.start
    nav, notional = f.ledger.nav[0, s:], f.ledger.notional[0, s:]
    return {
        "dates": np.asarray(f.dates)[s:],
        "exposure": notional / nav,
        "status": np.asarray(f.status[0, s:]),
        "halted": np.asarray(f.halted[0, s:]),
        "er": f.index.er[0, s:],
        "collateral": np.asarray(f.index.collateral_rate)[s:],
    }


def _v(page: dict, key: str) -> float:
    return float(page[key].value)


def test_the_limit_binds_and_the_saved_ledger_keeps_exposure_and_capped_days(capped: Study, folder: Path) -> None:
    raw = _ledger(capped)
    saved = load_results(folder).fund
    np.testing.assert_allclose(saved["exposure"].to_numpy(), raw["exposure"], rtol=1e-15)
    np.testing.assert_array_equal(saved["capped"].to_numpy(), (raw["status"] & EXPOSURE_CAPPED) != 0)
    np.testing.assert_array_equal(saved["status"].to_numpy(), raw["status"])
    assert saved["capped"].sum() > 100 and raw["exposure"].min() < 0.5  # the case is one where the limit bites


def test_exposure_facts_are_the_ledger_counts(capped: Study, page: dict) -> None:
    raw = _ledger(capped)
    e = raw["exposure"]
    low = int(np.argmin(e))
    assert _v(page, "exposure.days_capped") == np.sum((raw["status"] & EXPOSURE_CAPPED) != 0)
    assert _v(page, "exposure.days_halted") == np.sum(raw["halted"])
    assert _v(page, "exposure.days_halted") == _v(page, "premium.halted_days")  # the fund metrics' count
    assert _v(page, "exposure.lowest") == pytest.approx(e[low], rel=1e-15)
    assert page["exposure.lowest_date"].value == str(raw["dates"][low].astype("datetime64[D]"))
    assert _v(page, "exposure.mean") == pytest.approx(e.mean(), rel=1e-12)
    assert _v(page, "exposure.report") == pytest.approx(e[-1], rel=1e-15)
    years = pd.DatetimeIndex(raw["dates"]).year
    for year in np.unique(years):
        part = (raw["status"][years == year] & EXPOSURE_CAPPED) != 0
        assert _v(page, f"exposure_years.{year}.days_capped") == part.sum()
        assert _v(page, f"exposure_years.{year}.lowest") == pytest.approx(e[years == year].min(), rel=1e-15)


def test_under_exposure_is_the_direct_computation_from_the_ledger(capped: Study, page: dict) -> None:
    raw = _ledger(capped)
    dates, e, er = raw["dates"], raw["exposure"], raw["er"]
    b = tbill_returns(raw["collateral"], dates)  # the T-bill return of each step, as the index earns it
    r = er[1:] / er[:-1] - 1.0
    years = (dates[-1] - dates[0]).astype("timedelta64[D]").astype(int) / 365.0
    direct = sum(math.log((1 + b[t] + e[t] * r[t]) / (1 + b[t] + r[t])) for t in range(len(r))) / years
    assert _v(page, "attribution.under_exposure.per_year") == pytest.approx(direct, rel=1e-10)
    assert abs(direct) > 0.01  # a line that matters here: the fund holds about half its NAV in futures


def test_attribution_lines_add_up_to_the_fund_return(page: dict, data: FactSheetData) -> None:
    assert [r.key for r in data.attribution.rows] == [k for k, _label in ATTRIBUTION_ROWS]
    index = sum(_v(page, f"attribution.{k}.per_year") for k in ("spot", "term_structure", "collateral"))
    assert index == pytest.approx(_v(page, "attribution.index_tr.per_year"), abs=1e-10)
    fund = sum(
        _v(page, f"attribution.{k}.per_year") for k in ("index_tr", "fees", "costs", "under_exposure", "residual")
    )
    assert fund == pytest.approx(_v(page, "attribution.nav.per_year"), abs=1e-10)
    # what the old "Other" line held was under-exposure: little is left once it has its own line
    assert abs(_v(page, "attribution.residual.per_year")) < 0.005 < abs(_v(page, "attribution.under_exposure.per_year"))


def test_a_fund_fully_in_futures_has_no_under_exposure() -> None:
    er = 100.0 * np.cumprod(np.r_[1.0, 1.0 + np.random.default_rng(3).normal(0.0, 0.03, 250)])
    b = np.full(251, 0.0002)
    assert under_exposure(np.ones(251), er, b, 1.0) == 0.0
    half = under_exposure(np.full(251, 0.5), er, b, 1.0)
    r = er[1:] / er[:-1] - 1.0
    assert half == pytest.approx(np.sum(np.log((1 + b[1:] + 0.5 * r) / (1 + b[1:] + r))), rel=1e-12)
    assert math.isnan(under_exposure(np.ones(251), er, b, 0.0))
    with pytest.raises(DataError, match="tbill_return must be one value per date"):
        under_exposure(np.ones(250), er, b, 1.0)


def test_holdings_by_date_sum_to_the_ledger_notional(capped: Study, folder: Path) -> None:
    saved = load_results(folder)
    by_day = saved.holdings.groupby("date")["notional"].sum()
    ledger = saved.fund.set_index("date")["notional"]
    np.testing.assert_allclose(by_day.to_numpy(), ledger.loc[by_day.index].to_numpy(), rtol=1e-12)
    assert len(by_day) == len(ledger)  # the fund holds futures every day
    assert set(saved.holdings["root"]) == {"GPU"}


def test_one_root_says_so_in_one_line_without_a_chart(data: FactSheetData, folder: Path) -> None:
    assert not data.mix_table.rows
    assert data.mix_note == "Futures notional: all in GPU, every day since inception."
    assert set(data.exposure_charts()) == {"exposure"}
    html = (folder / "factsheet.html").read_text(encoding="utf-8")
    assert data.mix_note in html
    assert 'data-table="mix"' not in html


def _two_legs(results: StudyResults) -> StudyResults:
    """The same fund with its contracts relabelled: the earlier half on leg SDH100, the later on SDH200.

    The roll from the last SDH100 contract into the first SDH200 one holds both legs for some days.
    """
    h = results.holdings.copy()
    expiry = pd.DatetimeIndex(h["last_trade"])
    later = np.asarray(expiry > expiry.sort_values()[len(expiry) // 2])
    roots = np.where(later, "SDH200", "SDH100")
    h["contract"] = [r + c[-3:] for r, c in zip(roots, h["contract"], strict=True)]
    h["root"] = roots
    curve = dataclasses.replace(results.curve, metadata={**results.curve.metadata, "legs": {"SDH100": "h100"}})
    return dataclasses.replace(results, holdings=h, curve=curve)


def test_two_legs_show_their_shares_of_notional(capped: Study) -> None:
    results = _two_legs(capped.results)
    h = results.holdings
    shares = generation_mix(h, {"SDH100": "h100"})
    assert list(shares.columns) == ["h100", "SDH200"]  # a root without a leg name shows as itself
    np.testing.assert_allclose(shares.sum(axis=1).to_numpy(), 1.0, rtol=1e-15)
    assert ((shares["h100"] > 0) & (shares["h100"] < 1)).sum() >= 2  # days of the move hold both
    notional = h.assign(leg=np.where(h["root"] == "SDH100", "h100", "SDH200")).pivot_table(
        index="date", columns="leg", values="notional", aggfunc="sum", fill_value=0.0
    )
    np.testing.assert_allclose(shares["h100"].to_numpy(), (notional["h100"] / notional.sum(axis=1)).to_numpy())
    data = factsheet_data(results)
    assert [r.key for r in data.mix_table.rows] == ["h100", "SDH200"]
    last = shares.index[-1]
    assert data.mix_table.cell("SDH200", -1).value == pytest.approx(shares.at[last, "SDH200"])
    assert "on the report date h100 0%, SDH200 100%" in data.mix_note
    html = render_factsheet(data)
    fields = parse_fields(html)
    assert float(fields[f"mix.SDH200.{last.date()}"].value) == pytest.approx(1.0)
    assert html.count("<img") == 6  # growth, curve, premium, fan, exposure, and the mix chart


def test_a_folder_without_the_new_columns_still_renders(capped: Study) -> None:
    r = capped.results
    last = r.holdings[r.holdings["date"] == r.holdings["date"].max()].drop(columns=["date", "root"])
    old = dataclasses.replace(r, fund=r.fund.drop(columns=["exposure", "capped", "status"]), holdings=last)
    data = factsheet_data(old)
    cells = data.all_cells()
    assert math.isnan(cells["exposure.days_capped"])  # unknown, not zero
    assert cells["exposure.lowest"] == pytest.approx(factsheet_data(r).all_cells()["exposure.lowest"], rel=1e-15)
    assert data.mix_note == "Futures notional: all in GPU, every day since inception."
    assert [row.key for row in data.holdings.rows] == [row.key for row in factsheet_data(r).holdings.rows]
