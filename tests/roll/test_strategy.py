"""Strategy TOML files: every shipped file loads; the reader rejects typos and lists what is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from etfsim.exceptions import ConfigError, ScenarioError, UnknownNameError
from etfsim.roll import ConstantMaturity, FrontMonth, MonthlyWindow, OptimumYield, Strip
from etfsim.roll.strategy import load_strategy

STRATEGIES = Path(__file__).resolve().parents[2] / "strategies"

EXPECTED = {
    "front_month": FrontMonth(days_before_expiry=0, window=1),
    "gsci": MonthlyWindow(first_day=5, last_day=9),
    "bcom": MonthlyWindow(first_day=6, last_day=10),
    "uso": FrontMonth(days_before_expiry=10, window=10),
    "usl_strip12": Strip(contracts=12, days_before_expiry=10, window=4),
    "vix_constant_maturity": ConstantMaturity(target_months=1),
    "optimum_yield": OptimumYield(max_months=13, first_day=2, last_day=6),
    "compute_default": FrontMonth(days_before_expiry=23, window=5),
}


def test_every_named_strategy_is_shipped_and_loads() -> None:
    files = sorted(p.stem for p in STRATEGIES.glob("*.toml"))
    assert files == sorted(EXPECTED)
    for name, rule in EXPECTED.items():
        s = load_strategy(STRATEGIES / f"{name}.toml")
        assert s.name == name and s.rule == rule and s.description


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text)
    return p


def test_unknown_key_lists_the_valid_ones(tmp_path: Path) -> None:
    p = write(tmp_path, '[roll]\nrule = "monthly_window"\nfirst_dya = 5\n')
    with pytest.raises(
        ScenarioError, match="unknown key 'first_dya' in \\[roll\\].*valid keys: calendar, first_day, last_day"
    ):
        load_strategy(p)
    p = write(tmp_path, '[strategy]\nnmae = "x"\n[roll]\nrule = "gsci"\n')
    with pytest.raises(ScenarioError, match="unknown key 'nmae' in \\[strategy\\]"):
        load_strategy(p)
    p = write(tmp_path, '[rol]\nrule = "gsci"\n')
    with pytest.raises(ScenarioError, match="unknown section \\[rol\\]"):
        load_strategy(p)


def test_unknown_rule_and_bad_values(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="unknown roll rule 'gcsi'; known roll rules: as_recorded"):
        load_strategy(write(tmp_path, '[roll]\nrule = "gcsi"\n'))
    with pytest.raises(ScenarioError, match="first_day must be a whole number, got float 5.5"):
        load_strategy(write(tmp_path, '[roll]\nrule = "monthly_window"\nfirst_day = 5.5\n'))
    with pytest.raises(ConfigError, match="s.toml: window must be between 1 and 20"):
        load_strategy(write(tmp_path, '[roll]\nrule = "front_month"\nwindow = 0\n'))
    with pytest.raises(ScenarioError, match="needs rule"):
        load_strategy(write(tmp_path, '[strategy]\nname = "x"\n'))
    with pytest.raises(ScenarioError, match="does not exist"):
        load_strategy(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_strategy(write(tmp_path, "[roll\n"))
