"""The rules sheet's structures page: every figure is the study's structures table, as compare_structures gives it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.perpetual import Perpetual
from etfsim.fund.structure_compare import PERPETUAL_ROW, STRUCTURE_VARIANTS, compare_structures
from etfsim.report.results import StudyResults
from etfsim.report.rules import STRUCTURE_SHEET_COLUMNS, rules_data
from etfsim.report.study import Study

from .conftest import COMPARE_PATHS, parse_fields


def test_the_study_runs_every_structure_on_the_twins_paths(study: Study) -> None:
    """Worked again: the headline fund on the stock twin's paths, each structure, with the default perpetual."""
    got = study.results.structures.set_index("structure")
    assert list(got.index) == [*STRUCTURE_VARIANTS, PERPETUAL_ROW]
    run = next(r for r in study.backtest.results if r.name == study.headline.name)
    sub, schedule = run.on_paths(0, COMPARE_PATHS)
    terms = study.comparison.futures.config
    want = compare_structures(sub, schedule, terms, flows=study.headline.demand, slots=run.slots, perpetual=Perpetual())
    np.testing.assert_allclose(got.to_numpy(dtype=float), want.to_numpy(dtype=float), rtol=1e-12, equal_nan=True)
    assert study.results.facts.perpetual == {**Perpetual().__dict__}


def test_the_page_prints_the_table_and_leaves_out_zero_margin(saved: StudyResults, report_dir: Path) -> None:
    fields = parse_fields((report_dir / "rules.html").read_text(encoding="utf-8"))
    frame = saved.structures
    shown = [c for c in STRUCTURE_SHEET_COLUMNS if not c[0].startswith(("margin", "quarter ends"))]  # no margin: 0
    for i, row in frame.iterrows():
        for col, _h, _f in shown:
            slug = "".join(ch if ch.isalnum() else "_" for ch in col).strip("_")
            cell = fields[f"structures.s{i}.{slug}"]
            value = float(row[col])
            if np.isnan(value):
                assert cell.text == "—"
            else:
                assert float(cell.value) == pytest.approx(value, rel=1e-12, abs=1e-15)
    assert not any(k.endswith("margin___NAV__quarter_end_max") for k in fields)
    html = (report_dir / "rules.html").read_text(encoding="utf-8")
    assert "half-life of 2.1 days" in html and "Architect&#39;s published tier-1 taker fee" in html


def test_a_margined_fund_shows_the_subsidiary_columns(saved: StudyResults) -> None:
    import dataclasses

    frame = saved.structures.copy()
    frame["margin / NAV, quarter-end max"] = 0.3
    data = rules_data(dataclasses.replace(saved, structures=frame))
    assert data.structures is not None
    assert "Margin / NAV, max at a quarter end" in data.structures.columns
    assert "Quarter ends over the subsidiary cap" in data.structures.columns


def test_a_folder_without_the_table_renders_without_the_page(saved: StudyResults) -> None:
    import dataclasses

    data = rules_data(dataclasses.replace(saved, structures=None))
    assert data.structures is None and data.structures_notes == ()
