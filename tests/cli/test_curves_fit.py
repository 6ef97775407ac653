"""``etfsim curves fit``: a price history in, the estimates on screen, a scenario TOML out that the other commands run.

Reference panel: ``schwartz_smith_2000/stitched_futures.csv`` (see its README;
the library fit is checked in tests/curves/test_history_reference.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim.scenario import load_scenario
from tests.cli.runner import REPO, in_process, in_subprocess, ok

STITCHED = "schwartz_smith_2000/stitched_futures.csv"
MATS = "1/12,5/12,9/12,13/12,17/12"


@pytest.fixture(scope="module")
def fitted(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("fit") / "fitted.toml"
    args = ["curves", "fit", reference_dir / STITCHED, "--maturities", MATS, "--dt", 1 / 52, "--out", out]
    text = ok(in_process([*args, "--prior", "kappa=1.5,0.5", "--years", "1", "--paths", "4"]))
    return out, text


def test_fit_prints_estimates_with_standard_errors_and_prior(fitted: tuple[Path, str]) -> None:
    out, text = fitted
    cells = [[c.strip() for c in line.split("\u2502")[1:-1]] for line in text.splitlines() if "\u2502" in line]
    rows = {c[0]: c[1:] for c in cells}
    assert rows["kappa"][0] == "1.5013" and rows["kappa"][2] == "normal(1.5, 0.5)"
    assert float(rows["kappa"][1]) == pytest.approx(0.041, abs=0.001)
    assert rows["sigma_chi"] == ["0.3198", "0.0171", "-"]
    assert rows["error[F13]"][1] == "-"  # at its bound: no standard error
    assert "log-likelihood 4032.3" in text and "(converged)" in text
    assert f"wrote {out}" in text


def test_the_written_scenario_reads_back(fitted: tuple[Path, str]) -> None:
    out, _ = fitted
    sc = load_scenario(out)
    assert sc.name == "fitted" and sc.model_name == "schwartz-smith" and sc.paths == 4
    assert sc.model.kappa == pytest.approx(1.5013, abs=1e-3)
    assert sc.start == "1995-02-15"  # the day after the panel's last date
    assert sc.spot == pytest.approx(18.27, abs=0.05)


def test_curves_simulate_runs_the_written_scenario(fitted: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = fitted
    curve_file = tmp_path / "curve.parquet"
    text = ok(in_process(["curves", "simulate", "--scenario", out, "--paths", 3, "--out", curve_file]))
    assert "3 paths" in text and curve_file.is_file()


@pytest.mark.slow
def test_etfsim_run_runs_the_written_scenario(fitted: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = fitted
    args = ["run", out, "--paths", "4", "--compare-paths", "2", "--out-dir", tmp_path / "report"]
    proc = subprocess.run(
        [sys.executable, "-m", "etfsim", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "report" / "factsheet.html").is_file()


def test_one_factor_with_a_maturity_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    dates = pd.date_range("2024-09-02", periods=80, freq="7D")
    x = np.cumsum(rng.normal(0, 0.05, 80)) * 0.7 + 1.0
    tau = np.array([0.1, 0.4, 0.9])
    prices = np.exp(x[:, None] * np.exp(-1.5 * tau) + 1.0 * (1 - np.exp(-1.5 * tau)) + rng.normal(0, 0.01, (80, 3)))
    pd.DataFrame(prices, index=pd.Index(dates, name="date"), columns=["a", "b", "c"]).to_csv(tmp_path / "p.csv")
    pd.DataFrame(np.broadcast_to(tau, (80, 3)), index=pd.Index(dates, name="date"), columns=["a", "b", "c"]).to_csv(
        tmp_path / "m.csv"
    )
    out = tmp_path / "one.toml"
    args = ["curves", "fit", tmp_path / "p.csv", "--maturity-file", tmp_path / "m.csv", "--model", "schwartz-1f"]
    text = ok(in_process([*args, "--errors", "one", "--starts", 2, "--out", out]))
    assert "alpha" in text and "error[all]" in text
    assert load_scenario(out).model_name == "schwartz-1f"


def _panel(tmp_path: Path, bad: float | None = None) -> Path:
    dates = pd.date_range("2024-09-02", periods=30, freq="7D")
    frame = pd.DataFrame(np.exp(np.linspace(1, 1.2, 60).reshape(30, 2)), index=dates, columns=["F1", "F2"])
    if bad is not None:
        frame.iloc[5, 1] = bad
    path = tmp_path / "panel.csv"
    frame.to_csv(path)
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "give exactly one of --maturities"),
        (["--maturities", "0.1,0.5", "--maturity-file", "x.csv"], "give exactly one of --maturities"),
        (["--maturities", "0.1"], "maturities has 1 values but the panel has 2 columns"),
        (["--maturities", "0.1,x"], "--maturities takes years separated by commas"),
        (["--maturities", "0.1,0.5", "--prior", "kappa=-1,0.5"], "prior on kappa"),
        (["--maturities", "0.1,0.5", "--prior", "kappa"], "--prior takes name=mean,sd"),
        (["--maturities", "0.1,0.5", "--model", "gbm"], "unknown model 'gbm'"),
        (["--maturity-file", "missing.csv"], "maturity file missing.csv does not exist"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, extra: list[str], message: str) -> None:
    res = in_subprocess(["curves", "fit", _panel(tmp_path), *extra, "--out", tmp_path / "o.toml"])
    assert res.code == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert message in res.stderr
    assert not (tmp_path / "o.toml").exists()


def test_non_positive_price_is_refused(tmp_path: Path) -> None:
    res = in_process(["curves", "fit", _panel(tmp_path, bad=0.0), "--maturities", "0.1,0.5", "--out", tmp_path / "o"])
    assert res.code == 2
    assert "panel column 'F2' has price 0 on 2024-10-07; a log model needs prices > 0" in res.stderr
