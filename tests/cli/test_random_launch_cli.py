"""The command line on a market with a generation that launches at a random month (a leg's ``arrival_rate``).

The market is the built-in default (etfsim/scenarios/compute_default.toml) with
an eighth leg, NVIDIA's Feynman, named on NVIDIA's 2025 roadmap for 2028 (Tom's
Hardware, Mar 2025) and given no date since: it may launch any month from
2029 on and steps the held chips down when it does.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd

import etfsim
from etfsim.scenario import market_scenario_path
from etfsim.sweep import read_sweep
from tests.cli.runner import in_process, in_subprocess, ok

FEYNMAN = """
[[legs]]
name = "feynman"
index = "Feynman rental index (hypothetical: none is published)"
chip = "Feynman"
tier = "neocloud"
description = "NVIDIA Feynman, the generation after Rubin Ultra on NVIDIA's 2025 roadmap (2028), no date since"
sources = ["Tom's Hardware, Nvidia's roadmap: Rubin Ultra in 2027, Feynman in 2028, Mar 2025"]
launch = "2029-01"          # the first month it can rent (assumption: a year after the roadmap's 2028)
arrival_rate = 0.5          # then about one launch every two years' wait on average (assumption)
spot = 20.00                # assumption: the launch premium of Rubin and Rubin Ultra again
performance_ratio = 16.0    # low confidence: no public figure
# a new market again (assumption, Rubin Ultra's path): dated from the first possible month, each path moves it
liquidity = [["2029-01-01", 2000, 400], ["2030-01-01", 12000, 2400], ["2036-04-01", 60000, 12000]]
steps_down = { b200 = 0.10, rubin = 0.10, rubin_ultra = 0.15 }
regime_levels = [0.0, 0.40, -0.30]
[legs.contract]
base = "compute-h100"
root = "SDVF"
tick = 0.001
[legs.model]
kappa = 4.0
sigma_chi = 0.50
lambda_chi = 0.05
mu_xi = 0.0
mu_xi_star = 0.02
sigma_xi = 0.15
rho = 0.3
[legs.overlays]
deflation = 0.15
floor = 2.00
floor_growth = 0.02
"""


def feynman_market(default: str) -> str:
    """The default market file with an eighth leg, Feynman, launching at a random month from 2029."""
    rows = re.search(r"correlation = \[\n(.*?)\n\]", default, re.S)
    assert rows is not None, "the default market lists its correlation as a table"
    lines = rows.group(1).splitlines()
    last = [0.50, 0.20, 0.50, 0.50, 0.50, 0.70, 0.20, 1.00]  # Feynman follows Rubin Ultra most
    new = [row.rstrip().rstrip(",").rstrip("]") + f", {last[i]:.2f}]," for i, row in enumerate(lines)]
    new.append("  [" + ", ".join(f"{x:.2f}" for x in last) + "],")
    text = default.replace(rows.group(1), "\n".join(new))
    i = text.index("[[families]]")
    return text[:i] + FEYNMAN.lstrip() + "\n" + text[i:]


def _file(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "feynman.toml"
    path.write_text(text or feynman_market(market_scenario_path().read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_run_on_a_market_with_a_random_launch(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ok(in_process(["run", _file(tmp_path), "--paths", "6", "--compare-paths", "2", "--out-dir", out]))
    sheet = html.unescape((out / "factsheet.html").read_text(encoding="utf-8"))
    # the risk the fund carries names the successor it never holds, its first month and its rate
    assert "Feynman, at random from Jan 2029, 0.5 a year: B200 10%, Rubin 10%, Rubin Ultra 15%" in sheet


def test_holding_the_random_leg_is_refused_in_one_line(tmp_path: Path) -> None:
    text = _file(tmp_path).read_text(encoding="utf-8").replace('holding = "compute_ref"', 'holding = "feynman"', 1)
    res = in_subprocess(["run", _file(tmp_path, text), "--paths", "2", "--out-dir", tmp_path / "out"])
    assert res.code == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert re.search(r"leg 'feynman' launches at a random month.*remove arrival_rate", res.stderr)


def _feynman_strategy(tmp_path: Path) -> Path:
    """The default strategy, renamed, with Feynman as a fourth generation after Rubin Ultra."""
    folder = tmp_path / "strategies"
    folder.mkdir()
    text = (Path(etfsim.__file__).parent / "strategies" / "compute_default.toml").read_text(encoding="utf-8")
    text = text.replace('name = "compute_default"', 'name = "compute_feynman"', 1)
    gens = 'generations = ["b200", "rubin", "rubin_ultra"]'
    assert gens in text, "the default strategy holds B200, Rubin and Rubin Ultra"
    (folder / "compute_feynman.toml").write_text(
        text.replace(gens, 'generations = ["b200", "rubin", "rubin_ultra", "feynman"]'), encoding="utf-8"
    )
    return folder


def test_a_fund_moving_into_the_random_generation_in_run_and_sweep(tmp_path: Path) -> None:
    text = feynman_market(market_scenario_path().read_text(encoding="utf-8"))
    ocpi = 'legs = ["h100", "h200", "b200", "rubin", "rubin_ultra"]\nweights = [0.40, 0.20, 0.30, 0.30, 0.30]'
    assert ocpi in text, "the default market's OCPI-style composite is a usage family over five chips"
    # Feynman joins the composite too, so the basis (B200 against the composite) runs over a random member
    text = text.replace(ocpi, ocpi.replace('"]', '", "feynman"]').replace("0.30]", "0.30, 0.30]"))
    market, folder = _file(tmp_path, text), _feynman_strategy(tmp_path)
    out = tmp_path / "out"
    ok(in_process(["run", market, "--strategies", folder, "-s", "compute_default", "-s", "compute_feynman",
                   "--paths", "6", "--compare-paths", "2", "--out-dir", out]))  # fmt: skip
    rules = html.unescape((out / "rules.html").read_text(encoding="utf-8"))
    assert "Rubin Ultra > Feynman: next chip at 6 months or 10,000 contracts OI, over 10 days; " in rules
    assert "Feynman arrives at random from Jan 2029, 0.5 a year" in rules
    basis = pd.read_parquet(out / "basis.parquet")
    assert len(basis) == 6 and np.isfinite(basis[["return_a", "return_b"]].to_numpy()).all()
    funds = pd.read_parquet(out / "rule_funds.parquet")
    in_run = funds[funds["strategy"] == "compute_feynman"].set_index("path")["nav_return"]
    # the same paths in chunks of 3: each path's fund is the study's, bit for bit
    ok(in_process(["sweep", "--out", tmp_path / "sweep", "--scenario", market, "--strategies", folder,
                   "-s", "compute_feynman", "--paths", "6", "--chunk-size", "3"]))  # fmt: skip
    swept = read_sweep(tmp_path / "sweep").set_index("path")["nav_return"]
    np.testing.assert_array_equal(swept.to_numpy(), in_run.loc[swept.index].to_numpy())
    default = funds[funds["strategy"] == "compute_default"].set_index("path")["nav_return"]
    assert not np.array_equal(default.to_numpy(), in_run.to_numpy())  # Feynman arrives on some of the 6 paths


def test_the_random_generation_as_headline_is_refused_in_one_line(tmp_path: Path) -> None:
    args = ["run", _file(tmp_path), "--strategies", _feynman_strategy(tmp_path), "--headline", "compute_feynman"]
    res = in_subprocess([*args, "--paths", "2", "--out-dir", tmp_path / "out"])
    assert res.code == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert re.search(r"headline 'compute_feynman' holds 'feynman', which launches at a random month.*--headline",
                     res.stderr)  # fmt: skip
