"""``etfsim run`` pointed at the designer's own inputs: --scenario, --strategy, --headline and --fund.

Each case reads the folder the run wrote back through the library (the
strategies compared, the headline's name and the fund terms in the facts), so
an option that is parsed but not used fails.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etfsim.report.results import load_results
from tests.cli.runner import REPO, in_process, in_subprocess
from tests.cli.runner import ok as _ok

H100 = REPO / "etfsim" / "scenarios" / "h100.toml"


def _fund_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_fund.toml"
    path.write_text(
        "[fund]\nexpense_ratio = 0.0123\nnav_per_share = 40.0\nfractional_contracts = true\n"
        "[demand]\nvolatility = 0.0\n",
        encoding="utf-8",
    )
    return path


def test_strategies_headline_and_fund_terms_are_the_ones_given(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", "--scenario", H100, "--paths", "6", "-s", "gsci", "-s", "front_month", "--headline", "gsci"]
    _ok(in_process([*args, "--fund", _fund_file(tmp_path), "--out-dir", out]))
    stats = pd.read_parquet(out / "strategy_stats.parquet")
    assert sorted(stats["strategy"].unique()) == ["front_month", "gsci"]
    saved = load_results(out)
    assert saved.facts.headline.name == "gsci"
    assert saved.facts.scenario.name == "compute_h100"  # the single-chip scenario, not the default market
    assert float(saved.facts.fund["expense_ratio"]) == pytest.approx(0.0123)
    assert float(saved.facts.fund["nav_per_share"]) == pytest.approx(40.0)
    assert saved.fund["nav_per_share"].iloc[0] == pytest.approx(40.0, rel=1e-2)  # launched at the file's price
    assert saved.facts.demand is not None and float(saved.facts.demand["volatility"]) == 0.0


def test_a_headline_not_among_the_strategies_is_added(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _ok(in_process(["run", H100, "--paths", "4", "-s", "gsci", "--headline", "bcom", "--out-dir", out]))
    stats = pd.read_parquet(out / "strategy_stats.parquet")
    assert sorted(stats["strategy"].unique()) == ["bcom", "gsci"]
    assert load_results(out).facts.headline.name == "bcom"


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--scenario", str(H100), str(H100)], "give the scenario once"),
        (["-s", "gsci", "-s", "gsci"], "--strategy names gsci twice"),
        (["--headline", "no_such_rule"], "no_such_rule"),
        (["--fund", "missing_fund.toml"], "missing_fund.toml"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path, extra: list[str], says: str) -> None:
    out = in_subprocess(["run", "--paths", "2", "--out-dir", tmp_path / "out", *extra])
    assert out.code == 2, out.stderr
    assert says in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not (tmp_path / "out" / "study.parquet").exists()
