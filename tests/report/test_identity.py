"""The fund's identity from configuration: an ``[identity]`` table, checked strictly, printed on the sheet
with the legends its structure needs (a pool: not an investment company under the 1940 Act)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import MappingProxyType

import pytest

from etfsim.exceptions import ScenarioError
from etfsim.fund.identity import FundIdentity, identity_from_table, load_identity
from etfsim.pipeline import load_strategy
from etfsim.report.factsheet import factsheet_data
from etfsim.report.fund_details import NOT_FDIC

GIVEN = {"ticker": "GPUX", "exchange": "NYSE Arca", "sponsor": "Example Capital LLC", "index_ticker": "SDH100RT",
         "index_provider": "Silicon Data", "prospectus": "example.com/gpux"}  # fmt: skip


def test_a_table_gives_the_fields_and_the_rest_stay_placeholders() -> None:
    ident = identity_from_table(GIVEN, "f.toml")
    assert ident.ticker == "GPUX" and ident.index_ticker == "SDH100RT"
    assert ident.custodian == FundIdentity().custodian


@pytest.mark.parametrize(
    ("table", "says"),
    [({"tikcer": "X"}, "unknown key 'tikcer' in [identity]; valid keys: ticker"), ({"ticker": 7}, "ticker must be text"),
     ({"cusip": "  "}, "cusip must be text"), ("GPUX", "[identity] must be a table")],
)  # fmt: skip
def test_bad_tables_name_the_key(table: object, says: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(says)):
        identity_from_table(table, "f.toml")


def test_strategy_and_fund_files_carry_it(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[roll]\nrule = "front_month"\n[identity]\nticker = "GPUX"\n', encoding="utf-8")
    assert load_strategy(path).identity == FundIdentity(ticker="GPUX")
    assert load_identity(path) == FundIdentity(ticker="GPUX")
    bare = tmp_path / "bare.toml"
    bare.write_text("[fund]\nexpense_ratio = 0.01\n", encoding="utf-8")
    assert load_identity(bare) is None


def test_the_sheet_prints_the_identity_and_the_structures_legends(saved) -> None:  # type: ignore[no-untyped-def]
    facts = dataclasses.replace(saved.facts, identity=MappingProxyType(identity_from_table(GIVEN, "f").to_dict()))
    data = factsheet_data(dataclasses.replace(saved, facts=facts))
    values = data.all_cells()
    assert data.ticker == "GPUX" and values["key_facts.ticker"] == "GPUX"
    assert values["details.listing"] == "GPUX \u00b7 NYSE Arca \u00b7 CUSIP Not yet assigned"
    assert values["key_facts.exchange"] == "NYSE Arca"
    assert values["details.index_provider"] == "Silicon Data (SDH100RT)"
    assert data.legends[0] == NOT_FDIC
    assert any("not a mutual fund" in x for x in data.legends)  # the default fund is a '33 Act pool
    assert any("example.com/gpux" in x for x in data.legends)
    forty = dataclasses.replace(facts, fund=MappingProxyType({**facts.fund, "structure": "40_act_subsidiary"}))
    legends = factsheet_data(dataclasses.replace(saved, facts=forty)).legends
    assert not any("not a mutual fund" in x for x in legends)
    assert values["details.structure"].startswith("Commodity pool")


def test_a_folder_without_an_identity_prints_the_placeholders(saved) -> None:  # type: ignore[no-untyped-def]
    data = factsheet_data(dataclasses.replace(saved, facts=dataclasses.replace(saved.facts, identity=None)))
    assert data.all_cells()["details.listing"].endswith(f"CUSIP {FundIdentity().cusip}")
    assert data.all_cells()["key_facts.exchange"] == "Not yet listed (hypothetical contract)"
