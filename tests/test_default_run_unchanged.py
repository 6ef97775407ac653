"""The default ``etfsim run`` gives the same figures as when they were last saved on purpose.

Reference: the Parquet tables saved on purpose from the default compute market
(``tests/data/default_run/``, see its README).  Every table of the study and its
facts are compared to 1e-12.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from etfsim.curves.curve import FuturesCurve
from etfsim.report.study import run_study

SAVED = Path(__file__).parent / "data" / "default_run"
TOL = 1e-12
CURVE_FILE = "curve_headline.parquet"
FILES = sorted(p.name for p in SAVED.glob("*.parquet") if p.name not in (CURVE_FILE, "study.parquet"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default study's tables as ``etfsim run`` writes them (the sheets themselves are not rendered)."""
    folder = tmp_path_factory.mktemp("default_run")
    run_study().results.save(folder)
    return folder


def _same_frame(name: str, got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns), name
    assert len(got) == len(want), name
    for col in want.columns:
        a, b = got[col], want[col]
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
            np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=f"{name}.{col}: NaN pattern")
            ok = ~np.isnan(y)
            np.testing.assert_allclose(x[ok], y[ok], rtol=TOL, atol=TOL, err_msg=f"{name}.{col}")
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), f"{name}.{col}"


def test_every_table_saved() -> None:
    # the ten tables of the result format etfsim.result/1, a market's basis table and the structures side by side
    assert len(FILES) == 12


@pytest.mark.parametrize("file", FILES)
def test_table_unchanged(written: Path, file: str) -> None:
    _same_frame(file, pd.read_parquet(written / file), pd.read_parquet(SAVED / file))


def test_curve_unchanged(written: Path) -> None:
    want = FuturesCurve.read_parquet(str(SAVED / CURVE_FILE))
    got = FuturesCurve.read_parquet(str(written / CURVE_FILE))
    np.testing.assert_array_equal(np.asarray(got.dates), np.asarray(want.dates))
    np.testing.assert_allclose(got.prices, want.prices, rtol=TOL, atol=TOL, equal_nan=True)
    np.testing.assert_allclose(got.spot, want.spot, rtol=TOL, atol=TOL, equal_nan=True)
    assert np.asarray(got.contracts).astype(str).tolist() == np.asarray(want.contracts).astype(str).tolist()


def _facts(folder: Path) -> dict[str, object]:
    return dict(json.loads(pq.read_schema(folder / "study.parquet").metadata[b"etfsim.result"])["facts"])


def test_facts_unchanged(written: Path) -> None:
    assert _facts(written) == _facts(SAVED)
