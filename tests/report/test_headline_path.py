"""The headline path (etfsim.report.headline): the path nearest the median on its worst measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etfsim.exceptions import DataError
from etfsim.report.headline import HEADLINE_MEASURES, headline_path, percentile_ranks
from etfsim.report.results import StudyResults

from .conftest import parse_fields


def test_percentile_ranks_are_hazen_midranks() -> None:
    frame = pd.DataFrame({"a": [3.0, 1.0, 2.0, 2.0], "b": [0.0, 0.0, 0.0, 0.0]})
    r = percentile_ranks(frame, ["a", "b"])
    # a: ranks 4, 1, 2.5, 2.5 -> (rank - 1/2) / 4
    np.testing.assert_allclose(r["a"], [87.5, 12.5, 50.0, 50.0])
    np.testing.assert_allclose(r["b"], [50.0] * 4)  # every path equal: all at the middle


def test_the_median_nav_path_loses_to_a_path_typical_on_every_measure() -> None:
    """The case the rule is for: path 2 has the median NAV but an extreme spot; path 1 is middling on both."""
    frame = pd.DataFrame({"nav": [1.0, 2.9, 3.0, 4.0, 5.0], "spot": [1.0, 3.0, 9.0, 2.0, 4.0]})
    assert int(np.argsort(frame["nav"].to_numpy())[2]) == 2  # the old rule's pick
    assert headline_path(frame, ["nav", "spot"]) == 1
    # one measure alone: the median path
    assert headline_path(frame, ["nav"]) == 2


def test_ties_go_to_the_smaller_spread_then_the_lower_path() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 2.0], "y": [2.0, 2.0, 2.0, 2.0]})
    assert headline_path(frame, ["x", "y"]) == 1  # paths 1 and 3 tie on everything: the lower number


def test_a_path_with_a_missing_measure_is_never_typical() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, np.nan, 3.0]})
    assert headline_path(frame, ["x", "y"]) != 1


def test_bad_input() -> None:
    with pytest.raises(DataError, match="no column 'spot'"):
        headline_path(pd.DataFrame({"nav": [1.0]}), ["nav", "spot"])
    with pytest.raises(DataError, match="no paths"):
        headline_path(pd.DataFrame({"nav": []}), ["nav"])


def test_the_study_reports_the_rules_path_and_prints_its_percentiles(saved: StudyResults, report_dir) -> None:
    paths = saved.fund_paths
    hp = saved.facts.headline_path
    assert hp == headline_path(paths)
    ranks = percentile_ranks(paths)
    worst = (ranks - 50.0).abs().max(axis=1)
    assert worst.iloc[hp] == worst.min()
    fields = parse_fields((report_dir / "factsheet.html").read_text(encoding="utf-8"))
    for col, _label in HEADLINE_MEASURES:
        assert float(fields[f"monte_carlo.{col}.headline"].value) == pytest.approx(float(paths[col].iloc[hp]))
        want = ranks[col].iloc[hp]
        assert float(fields[f"monte_carlo.{col}.rank"].value) == pytest.approx(want)
        assert fields[f"monte_carlo.{col}.rank"].text.rstrip("stndrh") == f"{round(want):d}"
        x = paths[col].to_numpy(dtype=float)
        assert float(fields[f"monte_carlo.{col}.p50"].value) == pytest.approx(float(np.nanmedian(x)))
