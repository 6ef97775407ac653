"""``etfsim run --curves``: a fact sheet from a recorded curve (EIA's WTI nearby contracts shipped with etfsim)
instead of simulated paths: the same index as the library's own run, stamped BACK-TESTED, named after the
contract it holds, with the Monte Carlo range left out."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import etfsim
from etfsim.report.results import load_results
from tests.cli.runner import in_process, in_subprocess
from tests.cli.runner import ok as _ok


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replay") / "uso"
    args = ["run", "--curves", etfsim.sample_data("eia_wti"), "--start", "2012-01-03", "--end", "2019-12-31",
            "--drop-repeats"]  # fmt: skip
    _ok(
        in_process(
            [*args, "--collateral-rate", "0.01", "-s", "uso", "-s", "gsci", "--headline", "uso", "--out-dir", out]
        )
    )
    return out


def test_the_index_is_the_librarys_on_the_same_history(replay: Path) -> None:
    curve = etfsim.load_eia_wti(etfsim.sample_data("eia_wti")).select(start="2012-01-03", end="2019-12-31")
    run = etfsim.run_strategy(curve, "uso", collateral_rate=0.01)
    saved = pd.read_parquet(replay / "indices_headline.parquet")
    uso = saved[saved["strategy"] == "uso"]
    assert uso["tr"].iloc[-1] == pytest.approx(run.index.tr[0, -1], rel=1e-12)
    assert len(uso) == curve.n_dates
    facts = load_results(replay).facts
    assert facts.scenario.model == "recorded" and facts.paths == 1 and facts.headline.name == "uso"
    assert facts.scenario.start == "2012-01-03" and facts.as_of == "2019-12-31"


def test_the_sheet_is_a_back_test_on_crude_without_a_monte_carlo_range(replay: Path) -> None:
    html = (replay / "factsheet.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    assert "HYPOTHETICAL &middot; BACK-TESTED" in html and "HYPOTHETICAL &middot; SIMULATED" not in html
    assert "not yet listed on any exchange" not in text  # true of compute futures, not of crude
    assert "Hypothetical NYMEX Light Sweet Crude Oil Futures ETF" in text
    assert "Compute Futures" not in text and "GPU compute" not in text
    assert "no range of outcomes" in text and 'data-field="monte_carlo.nav_return.p5"' not in html
    assert "Inception (back-test)" in text


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--curves", "missing.csv"], "--curves missing.csv does not exist"),
        (["--curves", "etfsim", "--seed", "3"], "--curves runs on a recorded curve"),
        (["--start", "2012-01-03"], "--contract, --start and --end go with --curves"),
    ],
)
def test_bad_curves_options_are_one_line(tmp_path: Path, extra: list[str], says: str) -> None:
    out = in_subprocess(["run", "--out-dir", tmp_path / "out", *extra])
    assert out.code == 2, out.stderr
    assert says in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
