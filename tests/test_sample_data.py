"""The real-data samples that ship inside the package (``etfsim/data/``, sources in its README).

Reference: EIA's daily NYMEX WTI CL1-CL4 (``etfsim/data/eia_wti_cl1_4.csv.gz``) and FRED's DTB3
(``etfsim/data/fred_dtb3.csv.gz``), the same bytes as ``../shared/data/reference/eia_wti/`` and
``fred_tbill/``.  The USO figures (TR 34.2 and ER 32.4 from 100 over 2012-2019) are the README's,
"Real data loaders: nearby columns, T-bill rates, roll dates".  Nothing here needs ``../shared``.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import numpy as np
import pytest

import etfsim
from etfsim.exceptions import UnknownNameError
from tests.cli.runner import in_process, ok

REPO = Path(__file__).resolve().parents[1]
NAMES = {"eia_wti": "eia_wti_cl1_4.csv.gz", "fred_dtb3": "fred_dtb3.csv.gz"}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_each_sample_is_a_file_inside_the_package(name: str) -> None:
    path = etfsim.sample_data(name)
    assert path.is_file() and path.name == NAMES[name]
    assert path.parent == Path(etfsim.__file__).parent / "data"


def test_an_unknown_sample_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(
        UnknownNameError, match="unknown sample data set 'wti'; known sample data sets: eia_wti, fred_dtb3"
    ):
        etfsim.sample_data("wti")


def test_the_wheel_carries_the_samples_and_their_readme() -> None:
    # package data is what setuptools puts in the wheel; every file of etfsim/data must match a glob
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["etfsim"]
    shipped = sorted(p.relative_to(REPO / "etfsim").as_posix() for p in (REPO / "etfsim" / "data").iterdir())
    assert sorted(shipped) == sorted(["data/README.md", *(f"data/{n}" for n in NAMES.values())])
    assert all(any(fnmatch.fnmatch(s, g) for g in globs) for s in shipped), (shipped, globs)
    readme = (REPO / "etfsim" / "data" / "README.md").read_text()
    for needed in ("public domain", "https://www.eia.gov/", "https://fred.stlouisfed.org/series/DTB3", "2022-02-15"):
        assert needed in readme


def test_the_eia_sample_loads_through_the_nearby_column_loader() -> None:
    curve = etfsim.load_nearby(etfsim.sample_data("eia_wti"), drop_repeats=True)  # CL columns -> the WTI contract
    eia = etfsim.load_eia_wti(etfsim.sample_data("eia_wti"))
    assert curve.n_paths == 1 and curve.prices.shape == (1, 9754, 4)  # 9,766 rows less 12 repeated holidays
    np.testing.assert_array_equal(curve.prices, eia.prices)
    day = curve.select(start="2020-04-20", end="2020-04-20")
    assert day.prices[0, 0, 0] == -37.63 and day.contracts[0, 0] == "CLK20"  # the May 2020 contract's print


def test_uso_2012_2019_on_the_samples_alone() -> None:
    curve = etfsim.load_eia_wti(etfsim.sample_data("eia_wti")).select(start="2012-01-03", end="2019-12-31")
    rate = etfsim.load_rate_series(etfsim.sample_data("fred_dtb3"), dates=curve.dates)
    assert -0.001 < rate.min() and rate.max() < 0.025  # T-bills 2012-2019: -0.02% (2015) to 2.4% (2018)
    run = etfsim.run_strategy(curve, "uso", collateral_rate=rate)
    assert run.index.tr[0, -1] == pytest.approx(34.2, abs=0.05)
    assert run.index.er[0, -1] == pytest.approx(32.4, abs=0.05)


def test_a_real_data_backtest_of_a_fund_on_the_sample() -> None:
    curve = etfsim.load_eia_wti(etfsim.sample_data("eia_wti")).select(start="2015-01-02", end="2019-12-31")
    fund = etfsim.FundConfig(nav_per_share=25.0, initial_shares=4_000_000, expense_ratio=0.0073)
    result = etfsim.backtest(curve, ["uso", "gsci"], collateral_rate=0.01, fund=fund, contract=etfsim.WTI)
    assert list(result.table().index) == ["uso", "gsci"]
    for run in result.results:
        nav, tr, s = run.fund.nav[0], run.index.tr[0], run.fund.start
        lag = (nav[-1] / nav[s]) / (tr[-1] / tr[s])  # the fund trails its TR index by fees and trading costs
        assert 0.85 < lag < 1.0, (run.name, lag)


def test_the_command_line_imports_the_sample(tmp_path: Path) -> None:
    out = tmp_path / "wti.parquet"
    stdout = ok(in_process(["curves", "import", etfsim.sample_data("eia_wti"), "--format", "eia-wti", "--out", out]))
    assert f"wrote {out} (1 path x 9754 dates x 4 slots)" in stdout


def test_the_samples_are_the_reference_files(reference_dir: Path) -> None:
    pairs = {"eia_wti": "eia_wti/eia_wti_contracts_1to4_daily.csv.gz", "fred_dtb3": "fred_tbill/DTB3.csv.gz"}
    for name, ref in pairs.items():
        assert etfsim.sample_data(name).read_bytes() == (reference_dir / ref).read_bytes(), name
