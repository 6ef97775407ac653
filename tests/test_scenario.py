"""Scenario TOML files (etfsim.scenario): the built-in default, strict reading, simulation.

Reference values: the built-in single-chip scenario is ``etfsim/scenarios/h100.toml`` (``load_scenario()``);
the one-factor closed form is Schwartz (1997), eq. (8).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from etfsim.curves.schwartz import SchwartzOneFactor
from etfsim.exceptions import ConfigError, ScenarioError, UnknownNameError
from etfsim.scenario import MODELS, Scenario, default_scenario_path, load_scenario

TWO_FACTOR = {
    "name": "schwartz-smith",
    "spot": 2.35,
    "chi0": 0.25,
    "kappa": 4.0,
    "sigma_chi": 0.6,
    "lambda_chi": 0.05,
    "mu_xi": 0.0,
    "sigma_xi": 0.2,
    "rho": 0.3,
    "mu_xi_star": 0.02,
}


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return repr(v)


def _toml(doc: dict[str, dict[str, Any]]) -> str:
    """A TOML document from ``{section: {key: scalar or list}}`` (dotted sections allowed)."""
    out = []
    for section, table in doc.items():
        out.append(f"[{section}]")
        out.extend(f"{k} = {_value(v)}" for k, v in table.items())
        out.append("")
    return "\n".join(out)


def _base() -> dict[str, dict[str, Any]]:
    """A small valid scenario: every section present, three months, six slots."""
    return {
        "scenario": {"name": "tiny", "description": "test scenario"},
        "simulation": {"start": "2026-04-01", "years": 0.25, "paths": 4, "seed": 17, "measure": "real"},
        "contract": {"base": "compute-h100", "listed_depth": 6},
        "model": dict(TWO_FACTOR),
        "overlays": {"deflation": 0.1, "jump_intensity": 0.5, "jump_mean": -0.1, "jump_std": 0.05},
    }


def _write(tmp_path: Path, doc: dict[str, dict[str, Any]] | str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(doc if isinstance(doc, str) else _toml(doc), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def default() -> Scenario:
    return load_scenario()


# -- the built-in default ---------------------------------------------------------------
def test_default_scenario_matches_its_toml(default: Scenario) -> None:
    # values from etfsim/scenarios/h100.toml
    assert default.name == "compute_h100"
    assert default.source == "built-in"
    assert default.contract.settlement == "monthly_average"
    assert default.contract.listed_depth == 24
    assert default.spot == 2.35
    assert default.chi0 == 0.25
    assert default.regime0 == "shortage"
    assert default.model_name == "schwartz-smith"
    m = default.model
    assert (m.kappa, m.sigma_chi, m.lambda_chi, m.mu_xi, m.sigma_xi, m.rho, m.mu_xi_star) == (
        4.0,
        0.6,
        0.05,
        0.0,
        0.2,
        0.3,
        0.02,
    )
    ov = m.overlays
    assert (ov.deflation, ov.jump_intensity, ov.jump_mean, ov.jump_std) == (0.15, 0.5, -0.10, 0.05)
    assert ov.regime is not None and ov.regime.names == ("normal", "shortage", "glut")
    assert (default.start, default.years, default.end) == ("2026-04-01", 10.0, None)
    assert (default.paths, default.seed, default.measure) == (1000, 20260401, "real")


def test_default_path_is_the_packaged_file(default: Scenario) -> None:
    p = default_scenario_path()
    assert p.name == "h100.toml" and p.is_file()
    assert dataclasses.replace(load_scenario(p), source="built-in") == default


def test_valid_scenario_reads_every_section(tmp_path: Path) -> None:
    doc = _base()
    doc["contract"]["settlement"] = "final"
    sc = load_scenario(_write(tmp_path, doc))
    assert sc.name == "tiny" and sc.description == "test scenario"
    assert sc.source == str(tmp_path / "s.toml")
    assert (sc.years, sc.paths, sc.seed) == (0.25, 4, 17)
    assert sc.contract.listed_depth == 6 and sc.contract.settlement == "final"
    assert sc.model.overlays.deflation == 0.1
    assert sc.model.overlays.regime is None
    assert sc.regime0 == 0


# -- strict reading: unknown keys and sections ------------------------------------------
@pytest.mark.parametrize(
    ("section", "some_valid"),
    [
        ("scenario", ["description", "name"]),
        ("simulation", ["chunk_size", "end", "measure", "paths", "seed", "start", "years"]),
        ("model", ["chi0", "kappa", "mu_xi_star", "regime0", "rho", "sigma_xi", "spot"]),
        ("overlays", ["deflation", "jump_intensity", "regime", "seasonal_amplitude"]),
        ("contract", ["base", "listed_depth", "multiplier", "settlement"]),
    ],
)
def test_unknown_key_names_key_section_and_valid_keys(tmp_path: Path, section: str, some_valid: list[str]) -> None:
    doc = _base()
    doc[section]["kapa"] = 1.0
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, doc))
    msg = str(info.value)
    assert "'kapa'" in msg
    assert f"[{section}]" in msg
    assert "s.toml" in msg
    valid = msg.split("valid keys:")[1]
    for key in some_valid:
        assert key in valid


def test_unknown_key_in_regime_table(tmp_path: Path) -> None:
    doc = _base()
    doc["overlays.regime"] = {"names": ["normal", "shortage"], "level": [0.0, 0.3]}
    with pytest.raises(
        ScenarioError, match=r"unknown key 'level' in \[overlays\.regime\]; valid keys: levels, names, rates"
    ):
        load_scenario(_write(tmp_path, doc))


def test_unknown_section(tmp_path: Path) -> None:
    doc = _base()
    doc["simulaton"] = {"paths": 3}
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, doc))
    msg = str(info.value)
    assert "[simulaton]" in msg
    for section in ("scenario", "simulation", "model", "overlays", "contract"):
        assert section in msg.split("valid sections:")[1]


# -- strict reading: types --------------------------------------------------------------
@pytest.mark.parametrize(
    ("section", "key", "value", "expected", "got"),
    [
        ("model", "kappa", "4.0", "a number", "str '4.0'"),
        ("simulation", "paths", 10.5, "an integer", "float 10.5"),
        ("simulation", "seed", 1.0, "an integer", "float 1.0"),
        ("model", "spot", True, "a number", "bool True"),
        ("overlays", "deflation", False, "a number", "bool False"),
        ("simulation", "start", 20260401, "a date string", "int 20260401"),
        ("contract", "listed_depth", "24", "an integer", "str '24'"),
    ],
)
def test_wrong_type_names_key_and_expected_type(
    tmp_path: Path, section: str, key: str, value: object, expected: str, got: str
) -> None:
    doc = _base()
    doc[section][key] = value
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, doc))
    msg = str(info.value)
    assert f"[{section}] {key} must be {expected}" in msg
    assert msg.endswith(f"got {got}")


# -- strict reading: required and exclusive keys ----------------------------------------
def test_missing_start(tmp_path: Path) -> None:
    doc = _base()
    del doc["simulation"]["start"]
    with pytest.raises(ScenarioError, match=r"\[simulation\] start is required"):
        load_scenario(_write(tmp_path, doc))


@pytest.mark.parametrize("horizon", [{"years": 1, "end": "2027-04-01"}, {}])
def test_exactly_one_of_years_and_end(tmp_path: Path, horizon: dict[str, Any]) -> None:
    doc = _base()
    del doc["simulation"]["years"]
    doc["simulation"].update(horizon)
    with pytest.raises(ScenarioError, match="exactly one of years .* or end"):
        load_scenario(_write(tmp_path, doc))


def test_end_instead_of_years(tmp_path: Path) -> None:
    doc = _base()
    del doc["simulation"]["years"]
    doc["simulation"]["end"] = "2026-06-30"
    sc = load_scenario(_write(tmp_path, doc))
    assert (sc.years, sc.end) == (None, "2026-06-30")
    curve = sc.simulate(paths=1)
    assert str(curve.dates[-1].astype("datetime64[D]")) == "2026-06-30"


def test_missing_two_factor_parameter(tmp_path: Path) -> None:
    doc = _base()
    del doc["model"]["sigma_xi"], doc["model"]["rho"]
    with pytest.raises(ScenarioError, match=r"\[model\] is missing sigma_xi, rho .* for schwartz-smith"):
        load_scenario(_write(tmp_path, doc))


# -- models -----------------------------------------------------------------------------
def test_unknown_model_lists_the_known_ones(tmp_path: Path) -> None:
    doc = _base()
    doc["model"]["name"] = "heston"
    with pytest.raises(UnknownNameError) as info:
        load_scenario(_write(tmp_path, doc))
    assert info.value.name == "heston"
    assert info.value.known == sorted(MODELS) == ["schwartz-1f", "schwartz-smith"]
    assert "unknown model 'heston'; known models: schwartz-1f, schwartz-smith" in str(info.value)


def test_unknown_calendar_in_contract_names_the_file_and_section(tmp_path: Path) -> None:
    # the contract's own UnknownNameError gets the file and section in front, and keeps its class
    doc = _base()
    doc["contract"]["calendar"] = "Atlantis"
    with pytest.raises(UnknownNameError) as info:
        load_scenario(_write(tmp_path, doc))
    assert str(info.value).startswith("s.toml: [contract]: unknown calendar 'Atlantis'; known calendars: ")
    assert info.value.kind == "calendar"
    assert info.value.name == "Atlantis"


def test_parameter_of_the_other_model(tmp_path: Path) -> None:
    doc = _base()
    doc["model"]["alpha"] = 0.5
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, doc))
    msg = str(info.value)
    assert "alpha" in msg and "not apply to schwartz-smith" in msg
    assert "kappa, sigma_chi, lambda_chi, mu_xi, sigma_xi, rho, mu_xi_star" in msg


def test_two_factor_parameter_in_one_factor_scenario(tmp_path: Path) -> None:
    doc = _base()
    doc["model"] = {"name": "schwartz-1f", "spot": 2.35, "kappa": 2.0, "alpha": 0.6, "sigma": 0.4, "sigma_xi": 0.2}
    with pytest.raises(
        ScenarioError, match="sigma_xi do.*not apply to schwartz-1f; its parameters are kappa, alpha, sigma, lambda_"
    ):
        load_scenario(_write(tmp_path, doc))


def test_chi0_in_one_factor_scenario_is_refused_not_overwritten(tmp_path: Path) -> None:
    doc = _base()
    doc["model"] = {"name": "schwartz-1f", "spot": 2.35, "chi0": 0.3, "kappa": 2.0, "alpha": 0.6, "sigma": 0.4}
    with pytest.raises(ScenarioError, match="chi0 does not apply to schwartz-1f"):
        load_scenario(_write(tmp_path, doc))


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("kappa", 0.0, "kappa must be > 0"),
        ("kappa", -1.0, "kappa must be > 0"),
        ("rho", 2.0, "rho must be a correlation between -1 and 1"),
        ("sigma_chi", -0.1, "sigma_chi must be >= 0"),
        ("spot", 0.0, "spot must be a positive price"),
    ],
)
def test_out_of_range_model_values(tmp_path: Path, key: str, value: float, words: str) -> None:
    doc = _base()
    doc["model"][key] = value
    with pytest.raises(ConfigError, match=words):
        load_scenario(_write(tmp_path, doc))


@pytest.mark.parametrize(
    ("section", "key", "value", "words"),
    [
        ("overlays", "jump_intensity", -0.5, "jump_intensity must be >= 0"),
        ("overlays", "seasonal_peak_month", 13, "seasonal_peak_month must be between 1 and 12"),
        ("contract", "settlement", "weekly", "settlement must be 'final' or 'monthly_average'"),
    ],
)
def test_out_of_range_overlay_and_contract_values(
    tmp_path: Path, section: str, key: str, value: object, words: str
) -> None:
    doc = _base()
    doc[section][key] = value
    with pytest.raises(ConfigError, match=words):
        load_scenario(_write(tmp_path, doc))


def test_unknown_contract_base(tmp_path: Path) -> None:
    doc = _base()
    doc["contract"]["base"] = "compute-a100"
    with pytest.raises(UnknownNameError, match="compute-h100"):
        load_scenario(_write(tmp_path, doc))


def test_regime0_is_checked_when_read(tmp_path: Path) -> None:
    doc = _base()
    doc["overlays.regime"] = {"names": ["normal", "shortage", "glut"]}
    doc["model"]["regime0"] = "shortgae"
    with pytest.raises(
        ScenarioError, match=r"regime0: unknown regime 'shortgae'; regimes are \['normal', 'shortage', 'glut'\]"
    ):
        load_scenario(_write(tmp_path, doc))
    doc["model"]["regime0"] = 3
    with pytest.raises(ScenarioError, match="regime index must be between 0 and 2"):
        load_scenario(_write(tmp_path, doc))
    doc["model"]["regime0"] = "shortage"
    assert load_scenario(_write(tmp_path, doc)).regime0 == "shortage"


def test_regime0_without_a_regime_is_refused(tmp_path: Path) -> None:
    doc = _base()
    doc["model"]["regime0"] = "shortage"
    with pytest.raises(ScenarioError, match=r"regime0 needs an \[overlays\.regime\] table"):
        load_scenario(_write(tmp_path, doc))


# -- files ------------------------------------------------------------------------------
def test_invalid_toml(tmp_path: Path) -> None:
    p = _write(tmp_path, "[simulation]\nstart = 2026-04-01\nyears = = 1\n", name="broken.toml")
    with pytest.raises(ScenarioError, match=r"broken\.toml is not valid TOML: .*line 3"):
        load_scenario(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"scenario file .*nope\.toml does not exist"):
        load_scenario(tmp_path / "nope.toml")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a folder, not a scenario file"):
        load_scenario(tmp_path)


# -- simulation -------------------------------------------------------------------------
def test_one_factor_scenario_prices_match_schwartz_1997_at_t0(tmp_path: Path) -> None:
    # Schwartz (1997) eq. (8): ln F = e^{-k tau} X + (1 - e^{-k tau}) alpha* + s^2/(4k) (1 - e^{-2 k tau})
    doc = _base()
    doc["contract"]["settlement"] = "final"  # eq. (8) prices a single fixing
    doc["model"] = {
        "name": "schwartz-1f",
        "spot": 2.35,
        "kappa": 1.5,
        "alpha": math.log(1.8),
        "sigma": 0.4,
        "lambda_": 0.1,
    }
    doc["overlays"] = {}
    sc = load_scenario(_write(tmp_path, doc))
    assert sc.model_name == "schwartz-1f"
    assert sc.chi0 == pytest.approx(math.log(2.35) - math.log(1.8), abs=1e-15)
    one = SchwartzOneFactor(kappa=1.5, alpha=math.log(1.8), sigma=0.4, lambda_=0.1)
    curve = sc.simulate(paths=3)
    assert curve.depth == 6
    tau = (curve.expiries[0] - curve.dates[0].astype("datetime64[D]")).astype(np.int64) / 365.0
    want = one.log_futures(math.log(2.35), tau)
    for p in range(3):  # t0 is before any randomness: every path starts on the closed form
        np.testing.assert_allclose(np.log(curve.prices[p, 0]), want, rtol=0, atol=1e-12)
    assert curve.spot is not None and np.allclose(curve.spot[:, 0], 2.35, rtol=1e-14)
    # the curve then moves: later dates differ across paths
    assert not np.allclose(curve.prices[0, -1], curve.prices[1, -1])
    assert curve.metadata["model"] == "schwartz-1f"


def test_simulate_same_seed_same_bytes(default: Scenario) -> None:
    sc = dataclasses.replace(default, years=0.25)
    a = sc.simulate(paths=3, seed=9)
    b = sc.simulate(paths=3, seed=9)
    c = sc.simulate(paths=3, seed=10)
    assert a.prices.tobytes() == b.prices.tobytes()
    assert a.spot is not None and b.spot is not None and c.spot is not None
    assert a.spot.tobytes() == b.spot.tobytes()
    assert a.prices.tobytes() != c.prices.tobytes()
    # the chunk size does not change the bytes (each path has its own stream)
    d = sc.simulate(paths=3, seed=9, chunk_size=2)
    assert d.prices.tobytes() == a.prices.tobytes()


def test_simulate_metadata_carries_scenario_model_params_and_seed(default: Scenario) -> None:
    sc = dataclasses.replace(default, years=0.25)
    curve = sc.simulate(paths=2, seed=9)
    meta = curve.metadata
    assert meta["scenario"] == "compute_h100"
    assert meta["model"] == "schwartz-smith"
    assert meta["seed"] == 9
    assert meta["paths"] == 2
    assert meta["spot0"] == 2.35 and meta["chi0"] == 0.25
    assert meta["regime0"] == 1  # "shortage"
    params = meta["params"]
    assert {k: params[k] for k in ("kappa", "sigma_chi", "lambda_chi", "mu_xi", "sigma_xi", "rho", "mu_xi_star")} == {
        "kappa": 4.0,
        "sigma_chi": 0.6,
        "lambda_chi": 0.05,
        "mu_xi": 0.0,
        "sigma_xi": 0.2,
        "rho": 0.3,
        "mu_xi_star": 0.02,
    }
    assert params["overlays"]["deflation"] == 0.15
    assert sc.simulate(paths=1).metadata["seed"] == default.seed  # the scenario's seed by default


def test_iter_chunks_equals_simulate(default: Scenario) -> None:
    sc = dataclasses.replace(default, years=0.25)
    chunks = list(sc.iter_chunks(paths=5, seed=3, chunk_size=2))
    assert [c.n_paths for c in chunks] == [2, 2, 1]
    assert all(c.metadata["scenario"] == "compute_h100" for c in chunks)
    whole = sc.simulate(paths=5, seed=3)
    assert np.concatenate([c.prices for c in chunks]).tobytes() == whole.prices.tobytes()
