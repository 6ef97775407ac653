"""Strategy TOML files: every shipped file loads; the reader rejects typos and lists what is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from etfsim.exceptions import ConfigError, ScenarioError, UnknownNameError
from etfsim.pipeline import (
    STRATEGIES_ENV,
    builtin_strategy_folder,
    default_strategies,
    load_strategy,
    resolve_strategy,
    strategy_files,
)
from etfsim.roll import CalendarRule, ConstantMaturity, FrontMonth, MonthlyWindow, OptimumYield, Segments, Strip

STRATEGIES = Path(__file__).resolve().parents[2] / "etfsim" / "strategies"

EXPECTED = {
    "front_month": FrontMonth(days_before_expiry=0, window=1),
    "gsci": MonthlyWindow(first_day=5, last_day=9),
    "bcom": MonthlyWindow(first_day=6, last_day=10),
    "uso": FrontMonth(days_before_expiry=7, window=4, calendar="WEEKDAYS"),
    "usl_strip12": Strip(contracts=12, days_before_expiry=10, window=4),
    "vix_constant_maturity": ConstantMaturity(target_months=1),
    "optimum_yield": OptimumYield(max_months=13, first_day=2, last_day=6),
    "compute_default": FrontMonth(days_before_expiry=23, window=5),
    "uso_2020": Segments(
        (
            (None, FrontMonth(days_before_expiry=7, window=4, calendar="WEEKDAYS")),
            (
                "2020-04-17",
                CalendarRule(
                    (
                        {"date": "2020-04-17", "value_weights": {"CLM20": 0.8, "CLN20": 0.2}},
                        {
                            "date": "2020-04-22",
                            "value_weights": {"CLM20": 0.2, "CLN20": 0.5, "CLQ20": 0.2, "CLU20": 0.1},
                        },
                    )
                ),
            ),
        )
    ),  # fmt: skip
}


def test_a_strategy_tied_to_dates_runs_when_named_only() -> None:
    from etfsim.pipeline import default_strategies

    names = [s.name for s in default_strategies()]
    assert "uso_2020" not in names and "uso" in names and load_strategy("uso_2020").dated
    assert not load_strategy("uso").dated


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


# -- built-in strategies and a user's own folder ------------------------------------------------
def test_a_built_in_strategy_loads_by_name_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no strategies/ here: the built-ins ship in the package
    monkeypatch.delenv(STRATEGIES_ENV, raising=False)
    assert builtin_strategy_folder().resolve() == STRATEGIES.resolve()
    s = load_strategy("uso")
    assert s.rule == EXPECTED["uso"] and Path(s.source).parent.resolve() == STRATEGIES.resolve()
    assert list(strategy_files()) == sorted(EXPECTED)
    with pytest.raises(UnknownNameError, match="unknown strategy 'usso'; known strategies: bcom, compute_default"):
        load_strategy("usso")


def _user_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "uso.toml").write_text('[strategy]\ndescription = "my USO"\n[roll]\nrule = "front_month"\nwindow = 4\n')
    (folder / "late.toml").write_text('[roll]\nrule = "front_month"\ndays_before_expiry = 2\n')
    return folder


def test_a_user_folder_adds_and_overrides_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STRATEGIES_ENV, raising=False)
    folder = _user_folder(tmp_path)
    files = strategy_files(folder)
    assert list(files) == sorted([*EXPECTED, "late"])
    assert files["uso"] == folder / "uso.toml" and files["gsci"].parent.resolve() == STRATEGIES.resolve()
    assert load_strategy("uso", folder).description == "my USO"
    assert load_strategy("uso").rule == EXPECTED["uso"]  # without the folder, the built-in
    names = [s.name for s in default_strategies(folder)]
    assert names == sorted([*(n for n in EXPECTED if n != "uso_2020"), "late"])  # uso_2020: tied to its dates
    assert resolve_strategy("late", folder).rule == FrontMonth(days_before_expiry=2, window=1)
    # the environment variable does the same, explicitly
    monkeypatch.setenv(STRATEGIES_ENV, str(folder))
    assert load_strategy("uso").description == "my USO" and "late" in strategy_files()


def test_a_strategy_folder_that_is_not_a_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STRATEGIES_ENV, raising=False)
    with pytest.raises(ConfigError, match=r"strategies folder .*nowhere is not a folder"):
        strategy_files(tmp_path / "nowhere")
    monkeypatch.setenv(STRATEGIES_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=r"ETFSIM_STRATEGIES .*nowhere is not a folder"):
        default_strategies()


def test_the_cli_reads_a_user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from etfsim.cli.main import app

    monkeypatch.delenv(STRATEGIES_ENV, raising=False)
    folder = _user_folder(tmp_path)
    runner = CliRunner()
    assert "--strategies" in runner.invoke(app, ["backtest", "--help"], terminal_width=200).output
    curve = tmp_path / "c.parquet"
    import dataclasses

    from etfsim.scenario import load_scenario

    dataclasses.replace(load_scenario(), years=1.0).simulate(paths=2).to_parquet(curve)
    res = runner.invoke(app, ["backtest", "--curves", str(curve), "-s", "late", "--strategies", str(folder)])
    assert res.exit_code == 0, res.output
    assert "late" in res.output
    res = runner.invoke(app, ["backtest", "--curves", str(curve), "-s", "late"])
    assert res.exit_code == 2 and "unknown strategy or rule name 'late'" in res.output


def test_a_strategy_is_found_by_the_name_it_declares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STRATEGIES_ENV, raising=False)
    folder = tmp_path / "mine"
    folder.mkdir()
    # the file's stem is not the name: the declared name is what tables show and what a lookup takes
    (folder / "my_uso_v2.toml").write_text('[strategy]\nname = "uso"\n[roll]\nrule = "front_month"\nwindow = 4\n')
    (folder / "late.toml").write_text('[strategy]\nname = "later"\n[roll]\nrule = "front_month"\n')
    files = strategy_files(folder)
    assert files["uso"] == folder / "my_uso_v2.toml" and "later" in files and "late" not in files
    assert [s.name for s in default_strategies(folder)].count("uso") == 1
    assert load_strategy("later", folder).name == "later"
    (folder / "dup.toml").write_text('[strategy]\nname = "later"\n[roll]\nrule = "gsci"\n')
    with pytest.raises(
        ConfigError, match=r"dup.toml and .*late.toml both define strategy 'later'|late.toml and .*dup.toml"
    ):
        strategy_files(folder)


def test_an_error_in_a_users_file_names_its_path(tmp_path: Path) -> None:
    p = tmp_path / "uso.toml"
    p.write_text('[roll]\nrule = "front_month"\nwindw = 3\n')
    with pytest.raises(ScenarioError, match=f"^{p}: unknown key 'windw'"):
        load_strategy(p)
