"""The basis between index families: the statistics by hand, the optional table saved and loaded, the rules sheet."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim.exceptions import DataError
from etfsim.report.basis import basis_differences, basis_table
from etfsim.report.render import write_report
from etfsim.report.results import StudyResults, load_results
from etfsim.report.rules import rules_data
from tests.report.conftest import parse_fields


def test_basis_table_by_hand() -> None:
    # d = a - b on paths 0..3 = 0.03, -0.01, 0.03, 0.06 (path 4 has no return on B, path 9 none on A)
    a = pd.Series([0.10, 0.05, -0.02, 0.08, 0.20], index=[0, 1, 2, 3, 4])
    b = pd.Series([0.06, 0.02, -0.05, 0.07, np.nan, 0.01], index=[1, 3, 2, 0, 4, 9])
    t = basis_table(a, b, "H100 listed", "composite")
    row = t.loc["H100 listed - composite"]
    assert row["paths"] == 4
    assert row["mean"] == pytest.approx(0.11 / 4)
    # squared deviations from 0.0275: 6.25e-6 + 1.40625e-3 + 6.25e-6 + 1.05625e-3 = 2.475e-3, over 3
    assert row["std"] == pytest.approx((2.475e-3 / 3) ** 0.5)
    # sorted -0.01, 0.03, 0.03, 0.06; linear interpolation at (n - 1) p / 100
    for p, want in ((5, -0.004), (25, 0.02), (50, 0.03), (75, 0.0375), (95, 0.0555)):
        assert row[f"p{p}"] == pytest.approx(want), p
    assert row["mean_a"] == pytest.approx((0.10 + 0.05 - 0.02 + 0.08) / 4)
    assert row["mean_b"] == pytest.approx((0.07 + 0.06 - 0.05 + 0.02) / 4)


def test_basis_table_refuses_series_without_a_common_path() -> None:
    with pytest.raises(DataError, match="share no path"):
        basis_table(pd.Series([0.1], index=[0]), pd.Series([0.1], index=[1]), "a", "b")


def _basis(saved: StudyResults) -> pd.DataFrame:
    """Two 'families' from the study's own per-path fund returns: two rules' funds stand in for them."""
    funds = saved.rule_funds
    a = funds[funds["strategy"] == "front_month"].reset_index(drop=True)
    b = funds[funds["strategy"] == "compute_default"].reset_index(drop=True)
    return pd.DataFrame(
        {
            "path": np.arange(len(a)),
            "label_a": "listed H100",
            "label_b": "transacted composite",
            "return_a": a["nav_return"].to_numpy(dtype=float),
            "return_b": b["nav_return"].to_numpy(dtype=float),
        }
    )


@pytest.fixture(scope="module")
def with_basis(saved: StudyResults, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("basis") / "report"
    write_report(dataclasses.replace(saved, basis=_basis(saved)), folder)
    return folder


def test_basis_is_saved_and_loaded_with_the_folder(saved: StudyResults, with_basis: Path) -> None:
    loaded = load_results(with_basis)
    assert loaded.basis is not None
    pd.testing.assert_frame_equal(loaded.basis, _basis(saved))
    assert "basis" in set(loaded.to_frame()["table"])
    assert saved.basis is None  # the study folder of conftest has none, and loads
    assert "basis" not in set(saved.to_frame()["table"])


def test_a_stale_basis_file_is_not_read_when_the_manifest_does_not_list_it(
    saved: StudyResults, with_basis: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "again"
    folder.mkdir()
    (folder / "basis.parquet").write_bytes((with_basis / "basis.parquet").read_bytes())
    saved.save(folder)
    assert load_results(folder).basis is None


def test_the_rules_sheet_shows_the_basis_when_there_is_one(saved: StudyResults, with_basis: Path) -> None:
    from pypdf import PdfReader

    page = parse_fields((with_basis / "rules.html").read_text(encoding="utf-8"))
    frame = _basis(saved)
    want = basis_table(
        frame.set_index("path")["return_a"], frame.set_index("path")["return_b"], "listed H100", "transacted composite"
    ).iloc[0]
    for col in ("mean", "std", "p5", "p25", "p50", "p75", "p95", "mean_a", "mean_b", "paths"):
        assert float(page[f"basis.0.{col}"].value) == pytest.approx(float(want[col]), rel=1e-12), col
    d = frame["return_a"] - frame["return_b"]
    assert float(page["basis.0.p50"].value) == pytest.approx(float(np.median(d)), rel=1e-12)
    assert float(page["basis.0.mean"].value) == pytest.approx(float(d.mean()), rel=1e-12)
    pdf = PdfReader(str(with_basis / "rules.pdf"))
    assert len(pdf.pages) == 3  # the rules, the structures side by side, the basis
    text = re.sub(r"\s+", " ", pdf.pages[2].extract_text() or "")
    assert "Basis between index families" in text and "listed H100 - transacted composite" in text
    np.testing.assert_allclose(basis_differences(frame)["listed H100 - transacted composite"], d.to_numpy())


def test_no_basis_no_section(saved: StudyResults, report_dir: Path) -> None:
    data = rules_data(saved)
    assert not data.basis.rows and data.basis_charts() == {}
    html = (report_dir / "rules.html").read_text(encoding="utf-8")
    assert 'id="basis"' not in html and "Basis between index families" not in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="return_b"), "basis lacks column.s. return_b"),
        (lambda f: f.assign(return_a="high"), "return_a must hold returns per year as numbers"),
        (lambda f: pd.concat([f, f.iloc[:1]]), "a path twice"),
    ],
)
def test_a_bad_basis_table_is_refused_naming_the_problem(saved: StudyResults, change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match=message):
        dataclasses.replace(saved, basis=change(_basis(saved)))


def test_an_error_in_the_basis_beside_the_twin_stops_the_study(monkeypatch: pytest.MonkeyPatch) -> None:
    """The basis runs on its own thread while the twin runs: its error is the study's, and the thread is gone."""
    import threading

    from etfsim.report import study

    def broken(*_args: object) -> pd.DataFrame:
        raise DataError("the basis failed")

    monkeypatch.setattr(study, "_basis", broken)
    before = threading.active_count()
    with pytest.raises(DataError, match="the basis failed"):
        study.run_study(paths=6, compare_paths=3)
    assert threading.active_count() == before
