"""Market scenarios: the default file, and every kind of bad input refused in one line naming the field.

Sources: the default market is etfsim/scenarios/compute_default.toml (each
number with its source in the file's comments); a correlation matrix is
positive semi-definite exactly when its smallest eigenvalue is >= 0 (Horn &
Johnson, Matrix Analysis, Theorem 7.2.1); the CLI's exit status 2 for bad input
is etfsim.cli._common.EXIT_BAD_INPUT.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.legs import Family
from etfsim.curves.market import Market
from etfsim.curves.market_sim import Holding
from etfsim.curves.overlays import Overlays
from etfsim.exceptions import ConfigError, EtfsimError, ScenarioError
from etfsim.scenario import load_market, read_scenario
from tests.cli.runner import MODES, Etfsim
from tests.curves.market_cases import chips, contract, leg, market, one_chunk

SMALL = """
[scenario]
name = "small"

[simulation]
start = "2026-04-01"
years = 1
paths = 5
seed = 3

[market]
reference = "h100"
holding = "h100"
correlation = [[1.0, 0.6], [0.6, 1.0]]

[market.regime]
names = ["normal", "shortage", "glut"]
rates = [[0.0, 0.3, 0.3], [2.0, 0.0, 0.0], [1.5, 0.0, 0.0]]

[[legs]]
name = "h100"
index = "SDH100RT"
spot = 2.35
sources = ["test"]
regime_levels = [0.0, 0.35, -0.25]
[legs.contract]
root = "SDH1"
[legs.model]
chi0 = 0.25
kappa = 4.0
sigma_chi = 0.08
lambda_chi = 0.05
mu_xi = 0.0
mu_xi_star = 0.02
sigma_xi = 0.08
rho = 0.3
[legs.overlays]
deflation = 0.15
floor = 0.5

[[legs]]
name = "b200"
index = "SDB200RT"
spot = 5.48
performance_ratio = 2.5
sources = ["test"]
regime_levels = [0.0, 0.40, -0.30]
[legs.contract]
root = "SDB2"
[legs.model]
kappa = 4.0
sigma_chi = 0.5
lambda_chi = 0.05
mu_xi = 0.0
mu_xi_star = 0.02
sigma_xi = 0.15
rho = 0.3

[[families]]
name = "ocpi"
method = "usage"
legs = ["h100", "b200"]
weights = [0.6, 0.4]
[families.contract]
root = "OCPI"
"""


def _file(tmp_path: Path, text: str, name: str = "market.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _patched(old: str, new: str, count: int = 1) -> str:
    assert SMALL.count(old) >= count, old
    return SMALL.replace(old, new, count)


def _one_line(exc: pytest.ExceptionInfo[EtfsimError]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg, msg
    return msg


def test_the_small_file_loads_and_simulates(tmp_path: Path) -> None:
    m = load_market(_file(tmp_path, SMALL))
    assert [x.name for x in m.legs] == ["h100", "b200"] and m.family("ocpi").weights == (0.6, 0.4)
    assert m.leg("h100").model.overlays.floor == 0.5 and m.leg("b200").performance_ratio == 2.5
    curve = one_chunk(m).curve("ocpi")
    assert curve.n_paths == 5 and np.isfinite(curve.spot).all()


# -- 8. the default market ----------------------------------------------------------------------------------------
def test_default_market() -> None:
    m = load_market()
    assert isinstance(read_scenario(), Market)
    assert [x.name for x in m.legs] == ["h100", "h100_hyperscaler", "h200", "b200", "rubin", "rubin_ultra", "memory"]
    assert [f.name for f in m.families] == ["compute_ref", "ocpi"]
    assert m.basis == ("b200", "ocpi")
    assert all(x in m.names for x in m.basis)
    for x in m.legs:
        assert x.sources and all(s.strip() for s in x.sources), f"leg {x.name} names no source"
    assert m.reference == "h100" and m.leg("h100").performance_ratio == 1.0
    assert np.array(m.correlation).shape == (7, 7)
    assert {x.launch for x in m.legs} == {None, "2027-01", "2028-01"}


# -- 7. bad input, each refused in one line -----------------------------------------------------------------------
def _two(**kw: object) -> Market:
    return market(chips()[:2], **kw)  # type: ignore[arg-type]


def test_correlation_not_positive_semi_definite() -> None:
    corr = ((1.0, 0.9, -0.9), (0.9, 1.0, 0.9), (-0.9, 0.9, 1.0))  # each pair legal, the three together not
    # one rho (0.3) for every leg: the factor correlation is the Kronecker product of the two
    low = float(np.linalg.eigvalsh(np.kron(np.array(corr), np.array([[1.0, 0.3], [0.3, 1.0]]))).min())
    assert low < 0
    with pytest.raises(ConfigError) as exc:
        market(chips(), correlation=corr)
    msg = _one_line(exc)
    assert "positive semi-definite" in msg and f"smallest eigenvalue is {low:.4g}" in msg, msg
    assert "lower the largest cross-leg correlations" in msg


@pytest.mark.parametrize(
    ("correlation", "pattern"),
    [
        (((1.0, 0.5), (0.4, 1.0)), r"symmetric: \[0\]\[1\] = 0\.5 but \[1\]\[0\] = 0\.4"),
        (((1.0, 0.5, 0.1), (0.5, 1.0, 0.1)), r"correlation must be 2x2 .*got \(2, 3\)"),
        (((0.9, 0.5), (0.5, 1.0)), r"correlation must have 1 on its diagonal"),
        (((1.0, 1.5), (1.5, 1.0)), r"between -1 and 1"),
    ],
    ids=["asymmetric", "shape", "diagonal", "range"],
)
def test_bad_correlation(correlation: tuple[tuple[float, ...], ...], pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern) as exc:
        _two(correlation=correlation)
    _one_line(exc)


@pytest.mark.parametrize(
    "launch", ["2026-04", "2026-01", "2027-05", "2031-01"], ids=["start month", "before", "after", "far after"]
)
def test_launch_outside_the_horizon(launch: str) -> None:
    legs = chips()
    legs[2] = replace(legs[2], launch=launch)
    with pytest.raises(ConfigError, match=rf"leg 'rubin': launch {launch} is outside the horizon") as exc:
        market(legs, years=1.0)  # refused when the market is made, not when its paths are drawn
    assert "omit launch" in _one_line(exc)


def test_launch_outside_the_horizon_in_a_file(tmp_path: Path) -> None:
    text = _patched("performance_ratio = 2.5", 'performance_ratio = 2.5\nlaunch = "2028-01"')
    with pytest.raises(ConfigError, match=r"market.toml.*leg 'b200': launch 2028-01 is outside the horizon") as exc:
        load_market(_file(tmp_path, text))
    _one_line(exc)


@pytest.mark.parametrize("ratio", [0.0, -1.0])
def test_performance_ratio_must_be_positive(ratio: float, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"performance_ratio must be > 0") as exc:
        leg("b200", 5.48, ratio=ratio)
    _one_line(exc)
    with pytest.raises(ConfigError, match=r"market.toml: leg 'b200'.*performance_ratio must be > 0"):
        load_market(_file(tmp_path, _patched("performance_ratio = 2.5", f"performance_ratio = {ratio}")))


def test_negative_floor(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"floor must be >= 0") as exc:
        Overlays(floor=-1)
    _one_line(exc)
    with pytest.raises(ConfigError, match=r"market.toml: leg 'h100'.*floor must be >= 0") as exc:
        load_market(_file(tmp_path, _patched("floor = 0.5", "floor = -1.0")))
    _one_line(exc)


def test_family_over_an_unknown_leg(tmp_path: Path) -> None:
    fam = Family("ocpi", "OCPI", "usage", ("h100", "h300"), contract("OCPI"), weights=(0.5, 0.5))
    with pytest.raises(ConfigError, match=r"family 'ocpi': unknown leg 'h300'; the legs are h100, b200") as exc:
        _two(families=[fam])
    _one_line(exc)
    text = _patched('legs = ["h100", "b200"]', 'legs = ["h100", "h300"]')
    with pytest.raises(ConfigError, match=r"market.toml.*unknown leg 'h300'"):
        load_market(_file(tmp_path, text))


def test_a_median_composite_over_regime_legs_is_refused_with_the_reason(tmp_path: Path) -> None:
    # the priced regime moves the legs' means by one path of the chain: given today they are a mixture of
    # Gaussians, and the median's quadrature (etfsim.curves.median) needs one Gaussian law
    with pytest.raises(ConfigError, match=r"family 'ocpi': method 'median' needs at least two legs") as exc:
        Family("ocpi", "OCPI", "median", ("h100",), contract("OCPI"))
    _one_line(exc)
    with pytest.raises(ConfigError) as exc:
        load_market(
            _file(tmp_path, _patched('method = "usage"', 'method = "median"').replace("weights = [0.6, 0.4]\n", ""))
        )
    assert _one_line(exc).startswith(
        "market.toml: family 'ocpi': method 'median' cannot price the regime_levels of leg 'h100'"
    )  # named once


def test_holding_naming_an_unknown_leg(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"holding 'h300' is not a leg or family; give one of h100, b200") as exc:
        _two(holding="h300")
    _one_line(exc)
    with pytest.raises(ConfigError, match=r"holding 'h300' is not a leg or family"):
        load_market(_file(tmp_path, _patched('holding = "h100"', 'holding = "h300"')))
    chunk = one_chunk(_two())
    for holding in (Holding(index="h300"), Holding(generations=("h100", "h300"))):
        with pytest.raises(ConfigError, match=r"'h300' is not a leg or family of the market; give one of h100, b200"):
            chunk.curve(holding)


def test_generations_with_contracts_of_different_sizes() -> None:
    legs = chips()
    legs[1] = replace(legs[1], contract=replace(legs[1].contract, multiplier=100.0))
    chunk = one_chunk(market(legs[:2]))
    with pytest.raises(ConfigError, match=r"generations h100 > b200.*multiplier") as exc:
        chunk.curve(Holding(generations=("h100", "b200")))
    _one_line(exc)


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ('index = "SDB200RT"', 'index = "SDB200RT"\nvolatility = 0.5', r"unknown key 'volatility' in \[legs\]"),
        ('holding = "h100"', 'holding = "h100"\nlegs = 2', r"unknown key 'legs' in \[market\]"),
        ("[[families]]", "[overlay]\nfloor = 1\n\n[[families]]", r"unknown section \[overlay\]"),
        ("rho = 0.3\n[legs.overlays]", "rho = 0.3\nsigma = 0.2\n[legs.overlays]", r"\[legs.model\] sigma do\(es\) not apply"),
        ("regime_levels = [0.0, 0.40, -0.30]", "regime_levels = [0.0, 0.40]",
         r"leg 'b200': regime_levels needs one number per regime \['normal', 'shortage', 'glut'\]"),
        ('spot = 5.48', 'spot = "5.48"', r"\[legs\] spot must be a price"),
        ('[[legs]]\nname = "b200"', '[[legs]]\nname = "b200"\nliquidity = [["2026-13-01", 100, 10]]',
         r"leg 'b200'.*liquidity"),
        ('name = "b200"\nindex = "SDB200RT"\n', 'name = "b200"\n', None),
    ],
    ids=["legs key", "market key", "section", "model key", "regime_levels", "type", "liquidity date", "no index"],
)  # fmt: skip
def test_bad_market_file(tmp_path: Path, old: str, new: str, pattern: str | None) -> None:
    path = _file(tmp_path, _patched(old, new))
    if pattern is None:  # a leg without an index is named after its leg
        assert load_market(path).leg("b200").index == "b200"
        return
    with pytest.raises(EtfsimError, match=pattern) as exc:
        load_market(path)
    assert isinstance(exc.value, (ScenarioError, ConfigError))
    assert _one_line(exc).startswith("market.toml")


def test_regime0_without_a_regime(tmp_path: Path) -> None:
    text = SMALL
    for old in ('[market.regime]\nnames = ["normal", "shortage", "glut"]\n', "rates = [[0.0, 0.3, 0.3], [2.0, 0.0, 0.0], [1.5, 0.0, 0.0]]\n",
                "regime_levels = [0.0, 0.35, -0.25]\n", "regime_levels = [0.0, 0.40, -0.30]\n"):  # fmt: skip
        assert text.count(old) == 1, old
        text = text.replace(old, "")
    assert load_market(_file(tmp_path, text)).regime is None
    with_start = text.replace('holding = "h100"', 'holding = "h100"\nregime0 = "shortage"')
    with pytest.raises(ScenarioError, match=r"market.toml: \[market\] regime0 needs a \[market.regime\] table") as exc:
        load_market(_file(tmp_path, with_start))
    _one_line(exc)


@pytest.mark.parametrize("mode", ["runner", "subprocess"])
def test_cli_refuses_a_bad_market_in_one_line(tmp_path: Path, mode: str) -> None:
    etfsim: Etfsim = MODES[mode]
    path = _file(tmp_path, _patched("correlation = [[1.0, 0.6], [0.6, 1.0]]", "correlation = [[1.0, 0.6], [0.5, 1.0]]"))
    out = etfsim(["run", path, "--paths", 5, "--out-dir", tmp_path / "out"])
    assert out.code == 2, out.stderr
    lines = [x for x in out.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert re.search(r"correlation must be symmetric", lines[0]), lines[0]
    assert not (tmp_path / "out").exists()  # refused before any work
