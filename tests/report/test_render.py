"""The rendered sheets: a real browser, the PDF's pages and text, re-rendering, all-or-nothing writes."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etfsim.exceptions import DataError
from etfsim.report import render
from etfsim.report.render import SHEETS, render_report, write_report
from etfsim.report.results import StudyResults

CHROMIUM = Path("/usr/bin/chromium")


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_folder_holds_the_sheets_and_the_data(report_dir: Path) -> None:
    names = set(os.listdir(report_dir))
    assert set(SHEETS) <= names
    assert {"study.parquet", "fund_headline.parquet", "curve_headline.parquet", "strategy_stats.parquet"} <= names
    assert not [n for n in names if n.startswith(".")]  # no staging folder or temporary file left


def test_no_text_on_either_sheet_is_under_7_points(report_dir: Path) -> None:
    # body, notes, tables, disclosures and the page footer alike: 7 pt is the smallest an issuer prints
    for name in ("factsheet.html", "rules.html"):
        html = (report_dir / name).read_text(encoding="utf-8")
        sizes = [float(x) for x in re.findall(r"font(?:-size)?:\s*([0-9.]+)pt", html)]
        assert len(sizes) > 10 and min(sizes) >= 7.0, (name, sorted(sizes)[:5])


def test_html_is_self_contained(report_dir: Path) -> None:
    for name in ("factsheet.html", "rules.html"):
        html = (report_dir / name).read_text(encoding="utf-8")
        assert "<script" not in html and "<link" not in html
        sources = re.findall(r'(?:src|href)="([^"]*)"', html)
        assert sources and all(s.startswith("data:image/svg+xml;base64,") for s in sources)
        assert "url(" not in html  # no CSS resource either: fonts are the system's


def test_report_rerenders_identical_html_without_simulating(
    report_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*_a: object, **_k: object) -> None:
        raise AssertionError("etfsim report must not simulate")

    monkeypatch.setattr("etfsim.scenario.Scenario.simulate", forbidden)
    monkeypatch.setattr("etfsim.report.study.run_study", forbidden)
    monkeypatch.setattr("etfsim.fund.engine.simulate_fund", forbidden)
    out = tmp_path / "again"
    written = render_report(report_dir, out)
    assert sorted(p.name for p in written) == sorted(SHEETS)
    for name in ("factsheet.html", "rules.html"):
        assert (out / name).read_bytes() == (report_dir / name).read_bytes(), name


def test_pdf_has_three_pages_and_the_key_text(report_dir: Path) -> None:
    from pypdf import PdfReader

    pdf = PdfReader(str(report_dir / "factsheet.pdf"))
    assert len(pdf.pages) == 4  # two pages for investors, then the design study's appendix, principal risks last
    assert "Appendix: the design study" in re.sub(r"\s+", " ", pdf.pages[2].extract_text() or "")
    assert "RANGE OF OUTCOMES" not in re.sub(r"\s+", " ", pdf.pages[1].extract_text() or "")
    assert "Not FDIC insured" in re.sub(r"\s+", " ", pdf.pages[0].extract_text() or "")
    text = " ".join((page.extract_text() or "") for page in pdf.pages)
    text = re.sub(r"\s+", " ", text)
    for words in (
        "Hypothetical GPU-hour Compute Futures ETF",
        "HYPOTHETICAL",
        "OBJECTIVE AND STRATEGY",
        "KEY FACTS",
        "PERFORMANCE",
        "HOLDINGS BY CONTRACT MONTH",
        "ROLL SCHEDULE",
        "RANGE OF OUTCOMES",
        "AGAINST AN ORDINARY STOCK ETF",
        "not yet listed",
        "FUTURES EXPOSURE: NOTIONAL / NAV",
        "GENERATION MIX HELD",
        "Under-exposure (limits, cash drag)",
        "Page 4 of 4",
        "AVERAGE ANNUAL TOTAL RETURNS AS OF",
        "FUND DETAILS",
        "PRINCIPAL RISKS",
    ):
        assert words in text, words
    rules = PdfReader(str(report_dir / "rules.pdf"))
    assert len(rules.pages) == 2  # the rules, then the structures side by side (a single chip: no basis page)
    assert "compute_default" in (rules.pages[0].extract_text() or "")
    assert "Fund structures side by side" in (rules.pages[1].extract_text() or "")


def test_the_pdfs_rendered_in_child_processes_are_those_rendered_here(report_dir: Path, tmp_path: Path) -> None:
    """Each sheet's PDF comes from a child process; rendered here from the same HTML it has the same pages and text.

    (WeasyPrint's compressed font streams differ from one rendering to the next, so the bytes are not compared.)
    """
    from pypdf import PdfReader

    for sheet in ("factsheet", "rules"):
        here = render.html_to_pdf((report_dir / f"{sheet}.html").read_text(encoding="utf-8"), tmp_path / f"{sheet}.pdf")
        mine, theirs = PdfReader(str(here)), PdfReader(str(report_dir / f"{sheet}.pdf"))
        assert len(mine.pages) == len(theirs.pages) > 0, sheet
        for a, b in zip(mine.pages, theirs.pages, strict=True):
            assert a.extract_text() == b.extract_text(), sheet


def test_the_pdfs_render_in_child_processes(
    saved: StudyResults, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendering here would fail: both PDFs come from the children alone."""

    def broken_pdf(html: str, target: object) -> None:
        raise DataError("rendered here, not in a child")

    monkeypatch.setattr(render, "html_to_pdf", broken_pdf)
    write_report(saved, tmp_path / "out")
    for sheet in ("factsheet.pdf", "rules.pdf"):
        assert (tmp_path / "out" / sheet).read_bytes().startswith(b"%PDF-"), sheet


def test_a_pdf_child_that_dies_leaves_its_page_to_this_process(
    saved: StudyResults, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here: list[str] = []
    real = render.html_to_pdf

    def counted(html: str, target: Path) -> Path:
        here.append(Path(target).name)
        return real(html, target)

    monkeypatch.setattr(render, "_PDF_CHILD", "import sys\nsys.exit(3)\n")  # the renderer's process fails
    monkeypatch.setattr(render, "html_to_pdf", counted)
    write_report(saved, tmp_path / "out")
    assert sorted(here) == ["factsheet.pdf", "rules.pdf"]
    assert (tmp_path / "out" / "factsheet.pdf").read_bytes().startswith(b"%PDF-")


def test_a_failure_while_rendering_leaves_the_previous_report(
    report_dir: Path, saved: StudyResults, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(report_dir, folder)
    before = _files(folder)

    def broken_pdf(html: str, target: object) -> None:
        raise DataError("the PDF renderer failed")

    monkeypatch.setattr(render, "html_to_pdf", broken_pdf)
    monkeypatch.setattr(render, "_start_pdf", lambda: None)  # no child could start: the PDFs render here, and fail
    with pytest.raises(DataError, match="PDF renderer failed"):
        write_report(saved, folder)
    assert _files(folder) == before  # the factsheet.html written before the failure never reached the folder
    fresh = tmp_path / "new" / "deeper"
    with pytest.raises(DataError):
        write_report(saved, fresh)
    assert not (tmp_path / "new").exists()  # folders the failed call created are gone again


def test_sheets_open_in_a_real_browser(report_dir: Path, tmp_path: Path) -> None:
    """Open each sheet in headless Chromium: no console or page errors, every image loads, the page is not blank."""
    if not CHROMIUM.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    import numpy as np
    from matplotlib.image import imread

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for name in ("factsheet.html", "rules.html"):
                page = browser.new_page(viewport={"width": 1100, "height": 1400})
                problems: list[str] = []
                # each page's handlers write to that page's list (bound now, not at call time)
                page.on(
                    "console",
                    lambda m, out=problems: out.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
                )
                page.on("pageerror", lambda e, out=problems: out.append(f"page error: {e}"))
                page.on("requestfailed", lambda r, out=problems: out.append(f"request failed: {r.url[:80]}"))
                page.goto((report_dir / name).as_uri(), wait_until="load")
                images = page.evaluate(
                    "Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight])"
                )
                assert len(images) >= 2, name
                for alt, complete, width, height in images:
                    assert complete and width > 0 and height > 0, f"{name}: image {alt!r} did not load"
                shot = tmp_path / f"{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert not problems, problems
                pixels = imread(str(shot))[..., :3].reshape(-1, 3)
                colours, counts = np.unique((pixels * 255).astype(np.uint8), axis=0, return_counts=True)
                assert counts.max() / counts.sum() < 0.9, f"{name}: the screenshot is almost one colour"
                assert len(colours) > 50, f"{name}: the screenshot has only {len(colours)} colours"
                page.close()
        finally:
            browser.close()


def test_the_sheets_libraries_import_on_a_thread_of_their_own() -> None:
    """``etfsim run`` starts these imports before the study, so the first chart does not wait for them."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from etfsim.report import render\n"
        "assert 'matplotlib' not in sys.modules and 'jinja2' not in sys.modules\n"  # not on the import path
        "thread = render.import_meanwhile()\n"
        "thread.join(60)\n"
        "assert not thread.is_alive() and thread.daemon\n"  # a daemon: an error in the study never waits for it
        "assert {'jinja2', 'matplotlib.figure', 'matplotlib.backends.backend_svg'} <= set(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6 * render.LINE_CHARS), max_size=9))
def test_halves_splits_whole_paragraphs_in_order_with_the_shortest_taller_column(lengths: list[int]) -> None:
    """The risks and disclosures' two columns: every paragraph once, in reading order, balanced by lines."""
    paragraphs = ["x" * n for n in lengths]
    left, right = render.halves(paragraphs)
    assert [i for i, _ in left + right] == list(range(len(paragraphs)))
    assert [p for _, p in left + right] == paragraphs
    lines = [-(-n // render.LINE_CHARS) for n in lengths]
    k = len(left)
    taller = max(sum(lines[:k]), sum(lines[k:]))
    assert taller == min(max(sum(lines[:j]), sum(lines[j:])) for j in range(len(lines) + 1))
    if sum(lines[:k]) < sum(lines[k:]):  # a tie leaves the left column the taller, as CSS columns balance
        assert all(max(sum(lines[:j]), sum(lines[j:])) > taller for j in range(k + 1, len(lines) + 1))


def test_halves_weighs_a_risk_by_its_title_and_text() -> None:
    long, short = ("Roll", "y" * 10 * render.LINE_CHARS), ("Tax", "z" * render.LINE_CHARS)
    assert render.halves([long, short, short]) == ([(0, long)], [(1, short), (2, short)])
    assert render.halves([]) == ([], [])
