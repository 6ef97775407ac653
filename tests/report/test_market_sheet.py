"""The sheets on a compute market say what the fund holds, as the scenario and strategy files give it.

A study of the default market (``etfsim/scenarios/compute_default.toml``) cut to
2.5 years so both announced generations launch, with the default strategy
(``etfsim/strategies/compute_default.toml``: B200 > Rubin > Rubin Ultra) and the
same rule on the transacted-price composite.  Every name, figure and date the
words carry is worked out here from the files and the ledger, not copied from
the words.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from etfsim import read_scenario
from etfsim.curves.market import Market
from etfsim.curves.market_sim import Holding
from etfsim.pipeline import load_strategy
from etfsim.report.factsheet import factsheet_data
from etfsim.report.market_words import leg_label
from etfsim.report.render import write_report
from etfsim.report.results import StudyResults, load_results
from etfsim.report.study import Study, run_study
from tests.report.conftest import parse_fields

YEARS = 2.5


@pytest.fixture(scope="module")
def market() -> Market:
    m = read_scenario()
    assert isinstance(m, Market)
    return dataclasses.replace(m, years=YEARS)


@pytest.fixture(scope="module")
def market_study(market: Market) -> Study:
    return run_study(market, paths=8, compare_paths=4, strategies=["compute_default", "front_month"])


def _chip(market: Market, name: str) -> str:
    return next(leg.chip for leg in market.legs if leg.name == name)


def test_names_follow_the_generations_the_strategy_file_holds(market: Market, market_study: Study) -> None:
    holding = load_strategy("compute_default").holding
    assert holding is not None and len(holding.generations) == 3
    chips = [_chip(market, g) for g in holding.generations]
    data = factsheet_data(market_study.results)
    assert data.index_name == f"etfsim Compute Generations Index ({' > '.join(chips)})"
    assert data.fund_name == "Hypothetical Compute Generations Futures ETF"
    assert data.index_name in data.objective and "one GPU generation at a time" in data.objective
    # the contract line names every chip held and the contract size of the file
    facts = {f.key: f.value for f in data.key_facts}
    size = {leg.contract.multiplier for leg in market.legs if leg.name in holding.generations}
    assert len(size) == 1
    assert facts["key_facts.contract"].endswith(f"{size.pop():,.0f} GPU-hours each")
    # the curve panel's spot is the chip held on the report date, named
    held = market_study.results.curve.metadata["holding"]
    spot = next(f for f in data.curve_facts if f.key == "curve.spot")
    assert spot.label == f"Spot index ({_chip(market, held)}, per GPU-hour)"
    assert spot.value == pytest.approx(float(market_study.results.curve.spot[0, -1]))
    for g in holding.generations:
        leg = next(x for x in market.legs if x.name == g)
        line = str(facts[f"key_facts.leg.{g}"])
        assert line.startswith(f"{leg.contract.root} on {leg.index}")
        assert line.endswith(
            "from the start" if leg.launch is None else f"from {pd.Timestamp(leg.launch):%b %Y} (assumed)"
        )


def test_the_strategy_text_states_the_switch_rule_and_the_moves_on_the_headline_path(
    market: Market, market_study: Study
) -> None:
    holding = load_strategy("compute_default").holding
    assert holding is not None and holding.switch_open_interest is not None
    text = factsheet_data(market_study.results).strategy_text
    assert f"traded {holding.switch_age_months} months" in text
    assert f"reached {holding.switch_open_interest:,.0f} contracts of front-month open interest" in text
    assert f"over {holding.switch_window} business days" in text
    # the first day the headline ledger holds each later chip's contracts is the move the sheet names
    h = market_study.results.holdings
    for g in holding.generations[1:]:
        leg = next(x for x in market.legs if x.name == g)
        held = h[(h["contract"].str.startswith(leg.contract.root)) & (h["contracts"] != 0)]
        assert len(held), f"the headline path never held {g} in {YEARS} years"
        first = pd.Timestamp(held["date"].min())
        assert f"into {leg.chip} from {first:%b} {first.day}, {first.year}" in text


def test_limits_are_stated_as_shares_of_open_interest_with_the_ledger_contracts(market_study: Study) -> None:
    strat = load_strategy("compute_default")
    assert strat.fund is not None
    data = factsheet_data(market_study.results)
    facts = {f.key: str(f.value) for f in data.key_facts}
    labels = {f.key: f.label for f in data.key_facts}
    as_of = pd.Timestamp(market_study.results.facts.as_of)
    limits = {x.term.name: x for x in market_study.fund.limits}  # the headline ledger's limits in force
    for name, share in (
        ("position_limit", strat.fund.position_limit_oi_share),
        ("accountability_level", strat.fund.accountability_level_oi_share),
    ):
        assert share is not None
        n = limits[name].contracts_on(as_of)
        assert n == math.floor(n) and n > 0
        want = f"{share:.0%} of open interest (about {n:,.0f} contracts on {as_of:%b} {as_of.day}, {as_of.year})"
        assert facts[f"key_facts.limit.{name}"] == want
        assert labels[f"key_facts.limit.{name}"].endswith("(each contract month)")
    risks = " ".join(text for _title, text in data.risks_text)
    assert f"position limit ({strat.fund.position_limit_oi_share:.0%} of open interest)" in risks
    halted = int(market_study.results.fund["halted"].sum())
    assert f"Creations were halted on {halted:,} days of this path" in risks


def test_the_generational_discontinuity_risk_names_the_scheduled_step_downs(
    market: Market, market_study: Study
) -> None:
    risks = dict(factsheet_data(market_study.results).risks_text)
    text = next(t for t in risks.values() if "forward curve is not one curve" in t)
    for leg in market.legs:
        if leg.launch is None or not leg.steps_down:
            continue
        held = [g for g in leg.steps_down if g in ("b200", "rubin")]
        for older in held:
            want = f"{_chip(market, older)} {leg.steps_down[older]:.0%}"
            assert want in text, (leg.name, want)


def test_market_facts_survive_the_folder(market_study: Study, tmp_path: Path) -> None:
    folder = tmp_path / "compute_default"
    write_report(market_study.results, folder)
    saved = load_results(folder)
    assert saved.facts.market == market_study.results.facts.market
    assert saved.facts.headline.holding == market_study.results.facts.headline.holding
    assert saved.facts.limits == market_study.results.facts.limits
    assert saved.facts.perpetual is not None and saved.facts.perpetual == market_study.results.facts.perpetual
    assert saved.structures is not None and saved.structures.equals(market_study.results.structures)
    assert factsheet_data(saved).statements() == factsheet_data(market_study.results).statements()
    from pypdf import PdfReader

    pdf = PdfReader(str(folder / "factsheet.pdf"))
    # two pages for investors, then the design study as an appendix: two pages on a market (its contracts
    # held and principal risks close it), one on a single chip
    assert len(pdf.pages) == 4
    assert len(PdfReader(str(folder / "rules.pdf")).pages) == 3  # the rules, the structures, the basis
    assert "Appendix: the design study" in re.sub(r"\s+", " ", pdf.pages[2].extract_text() or "")
    assert "RANGE OF OUTCOMES" not in re.sub(r"\s+", " ", pdf.pages[1].extract_text() or "")
    last = re.sub(r"\s+", " ", pdf.pages[3].extract_text() or "")
    assert "INDEX METHODOLOGY" in re.sub(r"\s+", " ", pdf.pages[0].extract_text() or "") and "PRINCIPAL RISKS" in last
    # every sentence is on the page as written
    page = parse_fields((folder / "factsheet.html").read_text(encoding="utf-8"))
    for key, sentence in factsheet_data(saved).statements().items():
        assert re.sub(r"\s+", " ", page[key].text) == sentence, key
    # the rules sheet says what each rule holds, and the basis pair is named by its indices
    rules = parse_fields((folder / "rules.html").read_text(encoding="utf-8"))
    holds = rules["rule_words.compute_default.holding"].text
    assert holds == "Generations B200 > Rubin > Rubin Ultra: next chip at 6 months or 10,000 contracts OI, over 10 days"
    market = market_study.results.facts.market
    assert market is not None  # a rule with no [holding] holds the market's default family
    assert rules["rule_words.front_month.holding"].text.startswith(f"Family {market.holding}: ")
    a, b = market.basis
    assert f"{a} ({market.index_of(a)}) - {b} ({market.index_of(b)})" in (folder / "rules.html").read_text("utf-8")


def test_a_single_chip_folder_has_no_market_facts(saved: StudyResults) -> None:
    # the shared single-chip study (tests/report/conftest.py) keeps its single-chip words
    assert saved.facts.market is None and saved.facts.headline.holding is None
    assert not factsheet_data(saved).methodology


@pytest.mark.parametrize("family", ["ocpi", "compute_ref"])
def test_a_family_holding_names_the_family_and_its_weights(market: Market, family: str) -> None:
    head = dataclasses.replace(load_strategy("compute_default"), name="family", holding=Holding(index=family))
    results = run_study(market, paths=4, compare_paths=2, strategies=[head], headline="family").results
    fam = next(f for f in market.families if f.name == family)
    data = factsheet_data(results)
    assert data.fund_name == f"Hypothetical {fam.index} Compute Futures ETF"
    assert data.index_name == f"etfsim {fam.index} Futures Index (Compute default roll, TR)"  # its description's title
    assert results.facts.market is not None
    labels = [leg_label(results.facts.market, name) for name in fam.legs]
    if fam.method == "usage":  # each leg's weight as the file gives it, renormalised over the chips trading
        for label, w in zip(labels, fam.weights, strict=True):
            assert f"{label} {w:g}" in data.methodology
        assert "renormalised over the chips trading" in data.methodology
    else:  # each generation at its performance ratio, joining the stated months after launch
        for label, name in zip(labels, fam.legs, strict=True):
            ratio = next(leg.performance_ratio for leg in market.legs if leg.name == name)
            assert f"{label} {ratio:g}" in data.methodology
        assert f"joins {fam.splice_lag_months} months after its launch month" in data.methodology
    assert "one GPU generation at a time" not in data.objective


def test_the_roll_schedule_rolls_the_chip_held_on_the_report_date(market_study: Study) -> None:
    res = market_study.results
    h = res.holdings
    held = h[(h["date"] == h["date"].max()) & (h["contracts"] != 0)]
    roots = {code[:-3] for code in held["contract"]}  # e.g. SDVUK36 -> SDVU
    assert len(roots) == 1 and len(res.roll_calendar) > 0
    (root,) = roots
    for code in (*res.roll_calendar["sell"], *res.roll_calendar["buy"]):
        assert code[:-3] == root, code


def _column_boxes(html: str) -> list[tuple[float, float, list[tuple[float, float]]]]:
    """Each ``.cols`` row as WeasyPrint lays the page out: the page's text area (left edge, width), and the
    (left edge, width) of each of the row's ``.col``'s content."""
    import logging

    import weasyprint
    from weasyprint.formatting_structure import boxes

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    rows: list[tuple[float, float, list[tuple[float, float]]]] = []
    for page in weasyprint.HTML(string=html).render().pages:
        for row in page._page_box.descendants():
            if isinstance(row, boxes.TableRowBox):
                cols = [c for c in row.children if "col" in (c.element.get("class") or "").split()]
                if cols:
                    area = page._page_box
                    rows.append((area.content_box_x(), area.width, [(c.content_box_x(), c.width) for c in cols]))
    return rows


def test_two_columns_are_equal_halves_less_the_gap(market_study: Study, tmp_path: Path) -> None:
    """Each ``.cols`` row of both sheets is two columns of (width - 0.16in) / 2, 0.16in apart, as a grid's were.

    The rows are laid out as fixed tables (faster to lay out than a grid); the basis's lone chart keeps
    the left half, not the whole width.
    """
    folder = tmp_path / "sheets"
    write_report(market_study.results, folder)
    gap = 0.16 * 96  # CSS pixels
    rows = []
    for name in ("factsheet.html", "rules.html"):
        found = _column_boxes((folder / name).read_text(encoding="utf-8"))
        assert found, name
        rows += found
    assert len(rows) >= 7  # five on the fact sheet, two on the rules sheet
    for left, width, ((x0, w0), (x1, w1)) in rows:
        assert w0 == pytest.approx((width - gap) / 2, abs=1e-6) and w1 == pytest.approx(w0, abs=1e-6)
        assert x0 == pytest.approx(left, abs=1e-6)  # flush with the page's text on both sides, as the grid's were
        assert x1 - (x0 + w0) == pytest.approx(gap, abs=1e-6)
        assert x1 + w1 == pytest.approx(left + width, abs=1e-6)
