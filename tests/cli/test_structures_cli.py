"""``etfsim structures``: the fund in every structure on a curve file, and the ``[perpetual]`` table it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from etfsim.curves.perpetual import Perpetual
from etfsim.curves.perpetual_terms import PERPETUAL_KEYS, load_perpetual, perpetual_from_table
from etfsim.exceptions import ConfigError, ScenarioError
from etfsim.fund.config import FundConfig, load_fund
from etfsim.fund.structure_compare import compare_structures
from etfsim.pipeline import load_strategy
from etfsim.roll import roll_schedule

from .runner import in_process, in_subprocess, ok


@pytest.fixture(scope="module")
def curve_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from etfsim.scenario import load_scenario

    path = tmp_path_factory.mktemp("structures") / "c.parquet"
    load_scenario().simulate(paths=3, seed=5).to_parquet(str(path))
    return path


def test_the_table_is_compare_structures_with_the_files_perpetual(curve_file: Path, tmp_path: Path) -> None:
    from etfsim.curves.curve import read_curve

    terms = tmp_path / "fund.toml"
    terms.write_text("[fund]\nposition_limit = 3000.0\n\n[perpetual]\npremium_mean = -0.001\nfunding_cap = 0.01\n")
    out = ok(in_process(["structures", "-c", curve_file, "-s", "gsci", "--fund", terms]))
    curve = read_curve(curve_file)
    want = compare_structures(curve, roll_schedule(curve, "gsci"), FundConfig(position_limit=3000.0),
                              perpetual=Perpetual(premium_mean=-0.001, funding_cap=0.01))  # fmt: skip
    nav = next(line for line in out.splitlines() if line.strip().startswith("NAV / yr")).split()[3:]
    assert nav == [f"{v:+.2%}" for v in want["NAV return / yr"]]
    after = next(line for line in out.splitlines() if line.strip().startswith("after tax")).split()[2:]
    assert after == [f"{v:+.2%}" for v in want["after-tax return / yr"]]
    assert "premium mean -0.10%" in out and "funding cap 1.00% a day" in out


def test_no_perpetual_leaves_the_column_out(curve_file: Path) -> None:
    out = ok(in_process(["structures", "-c", curve_file, "--no-perpetual"]))
    head = next(line for line in out.splitlines() if "measure" in line)
    assert head.split() == ["measure", "dated", "2x", "-1x", "swaps", "'40", "Act"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[perpetual]\nfunding_cap = "0.5%"\n', "funding_cap must be a number, got '0.5%'"),
        ("[perpetual]\nfunding_cap = 0.0\n", "funding_cap must be > 0"),
        ("[perpetual]\nfunding_caps = 0.01\n", "unknown key 'funding_caps' in [perpetual]; valid keys: symbol"),
        ("[perpetual]\nseed = 1.5\n", "seed must be a whole number"),
        ("[perpetual]\nsymbol = 7\n", "symbol must be text"),
        ("perpetual = 3\n", "[perpetual] must be a table of keys"),
    ],
)
def test_a_bad_perpetual_table_is_one_line(curve_file: Path, tmp_path: Path, text: str, says: str) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text(text)
    out = in_subprocess(["structures", "-c", curve_file, "--perpetual", bad])
    assert out.code == 2 and "Traceback" not in out.stderr
    assert says in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_both_perpetual_options_are_refused(curve_file: Path, tmp_path: Path) -> None:
    p = tmp_path / "p.toml"
    p.write_text("[perpetual]\n")
    out = in_process(["structures", "-c", curve_file, "--perpetual", p, "--no-perpetual"])
    assert out.code == 2 and "not both" in out.stderr


def test_perpetual_terms_in_a_strategy_and_a_fund_file(tmp_path: Path) -> None:
    strat = tmp_path / "perp.toml"
    strat.write_text('[roll]\nrule = "front_month"\n\n[perpetual]\npremium_mean = 0.001\nmaker_share = 0.5\n')
    got = load_strategy(strat).perpetual
    assert got == Perpetual(premium_mean=0.001, maker_share=0.5)
    assert load_strategy("gsci").perpetual is None
    fund = tmp_path / "f.toml"
    fund.write_text("[fund]\nexpense_ratio = 0.0095\n\n[perpetual]\ntaker_fee = 0.001\n")
    assert load_fund(fund)[0].expense_ratio == 0.0095  # the fund reader allows the table...
    assert load_perpetual(fund) == Perpetual(taker_fee=0.001)  # ...and the perpetual reader reads it
    fund.write_text("[fund]\n")
    assert load_perpetual(fund) is None
    assert set(PERPETUAL_KEYS) >= {"funding_cap", "premium_mean", "taker_fee"}
    with pytest.raises(ScenarioError, match="unknown key 'cap'"):
        perpetual_from_table({"cap": 0.01})
    with pytest.raises(ConfigError, match="x.toml \\[perpetual\\]: premium_reversion must be > 0"):
        perpetual_from_table({"premium_reversion": 0}, "x.toml")
