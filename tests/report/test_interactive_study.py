"""The interactive design study (study.html): self-contained, its data the study's own, and it works in a
real browser (headless Debian Chromium): hover shows the values on a date, strategies toggle, the table sorts."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim.report.interactive import MAX_POINTS, study_data

CHROMIUM = Path("/usr/bin/chromium")


def _payload(html: str) -> dict:
    found = re.search(r'<script id="study-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_the_page_is_one_file_with_the_studys_data(report_dir: Path, saved) -> None:  # type: ignore[no-untyped-def]
    html = (report_dir / "study.html").read_text(encoding="utf-8")
    assert "<link" not in html and "src=" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html and "fetch(" not in html and "XMLHttpRequest" not in html
    data = _payload(html)
    assert data == json.loads(json.dumps(study_data(saved)))  # what the page carries is study_data's
    assert set(data["lines"]) == set(saved.facts.names)
    # each line is the strategy's TR index on the headline path, rebased to 10,000, on the kept dates
    for name, g in saved.indices.groupby("strategy"):
        tr = g["tr"].to_numpy(dtype=float)
        dates = pd.DatetimeIndex(g["date"]).strftime("%Y-%m-%d").tolist()
        kept = [dates.index(d) for d in data["dates"]]
        first = tr[np.isfinite(tr)][0]  # an index that starts later is blank before it
        line = np.array([np.nan if v is None else v for v in data["lines"][name]], dtype=float)
        np.testing.assert_allclose(line, 10_000 * tr[kept] / first, atol=0.006)
        assert data["dates"][-1] == dates[-1] and len(data["dates"]) <= MAX_POINTS + 1
    funds = saved.rule_funds
    for row in data["rows"]:
        nav = funds.loc[funds["strategy"] == row["name"], "nav_return"].to_numpy(dtype=float)
        assert row["stats"][0] == pytest.approx(np.mean(nav), abs=1e-6)
        assert row["stats"][1] == pytest.approx(np.percentile(nav, 5), abs=1e-6)


def test_it_hovers_toggles_and_sorts_in_a_real_browser(report_dir: Path) -> None:
    if not CHROMIUM.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    html = (report_dir / "study.html").read_text(encoding="utf-8")
    data = _payload(html)
    names = list(data["lines"])
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1400})
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("requestfailed", lambda r: problems.append(f"request {r.url[:80]}"))
            page.goto((report_dir / "study.html").as_uri(), wait_until="load")
            page.wait_for_selector("body[data-ready='1']")
            assert page.locator("#lines path[data-strategy]").count() == len(names)
            assert page.locator("#stats tbody tr").count() == len(names)
            # hover in the middle of the lines chart: the tip names a kept date and each strategy's value
            box = page.locator("#lines").bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
            tip = page.locator("#tip")
            assert tip.is_visible()
            text = tip.inner_text()
            day = text.splitlines()[0]
            assert day in data["dates"]
            i = data["dates"].index(day)
            first = names[0]
            assert f"{first}: ${round(data['lines'][first][i]):,}" in text
            # untick a strategy: its line hides, its row greys, the tip leaves it out
            page.locator(f"#legend input[data-strategy='{first}']").uncheck()
            assert page.locator(f"#lines path[data-strategy='{first}']").get_attribute("visibility") == "hidden"
            assert "off" in (page.locator(f"#stats tr[data-strategy='{first}']").get_attribute("class") or "")
            page.mouse.move(box["x"] + box["width"] * 0.5 + 3, box["y"] + box["height"] * 0.5)
            assert f"{first}:" not in tip.inner_text()
            # a click on a row shows it again
            page.locator(f"#stats tr[data-strategy='{first}']").click()
            assert page.locator(f"#lines path[data-strategy='{first}']").get_attribute("visibility") == "visible"
            # sorting by the mean NAV return: the best strategy first, then the worst after a second click
            best = max(data["rows"], key=lambda r: r["stats"][0])["name"]
            worst = min(data["rows"], key=lambda r: r["stats"][0])["name"]
            page.locator("#stats th[data-col='0']").click()
            assert page.locator("#stats tbody tr").first.get_attribute("data-strategy") == best
            page.locator("#stats th[data-col='0']").click()
            assert page.locator("#stats tbody tr").first.get_attribute("data-strategy") == worst
            assert not problems, problems
        finally:
            browser.close()
