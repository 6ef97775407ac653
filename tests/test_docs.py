"""The documentation: every page is in the navigation, every stage has an API page, and the site builds
with ``mkdocs build --strict`` (no warnings: a docstring griffe cannot parse fails here) in under a minute.

The build needs the docs tools (the ``docs`` extra); ``./scripts/docs`` installs them into
``build/venv-docs``, and ``.ci/run`` runs it before the tests, so in CI the build test always runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml

import etfsim

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
MKDOCS = REPO / "build" / "venv-docs" / "bin" / "mkdocs"


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may carry mkdocs' own tags (``!ENV``); read them as plain values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _config() -> dict[str, object]:
    return yaml.load((REPO / "mkdocs.yml").read_text(), Loader=_Loader)  # a SafeLoader subclass


def _nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_pages(item)]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in _nav_pages(value)]
    return []


def test_the_navigation_lists_every_page_once_and_each_exists() -> None:
    pages = _nav_pages(_config()["nav"])
    assert len(pages) == len(set(pages)), pages
    on_disk = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert sorted(pages) == on_disk


def test_every_stage_with_a_public_list_has_an_api_page() -> None:
    documented = {m for p in (DOCS / "api").glob("*.md") for m in re.findall(r"^::: ([\w.]+)", p.read_text(), re.M)}
    stages = {p.parent.name for p in (REPO / "etfsim").glob("*/__init__.py")}
    public = {f"etfsim.{s}" for s in stages if "__all__" in (REPO / "etfsim" / s / "__init__.py").read_text()}
    assert public - {"etfsim.cli"} <= documented, sorted(public - documented)
    assert {"etfsim", "etfsim.scenario", "etfsim.exceptions"} <= documented


def test_the_docstring_style_is_numpy_and_the_build_strict() -> None:
    config = _config()
    assert config["strict"] is True
    handler = config["plugins"][1]["mkdocstrings"]["handlers"]["python"]  # type: ignore[index]
    assert handler["options"]["docstring_style"] == "numpy"


@pytest.mark.slow
def test_the_site_builds_strict_without_warnings(tmp_path: Path) -> None:
    if not MKDOCS.is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{MKDOCS} not found; .ci/run must run ./scripts/docs before the tests")
        pytest.skip("the docs tools are not installed; run ./scripts/docs once")
    site = tmp_path / "site"
    began = time.monotonic()
    proc = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    took = time.monotonic() - began
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr, proc.stderr[-4000:]
    assert took < 60, f"the docs build took {took:.0f} s"
    # every name a user imports from etfsim has its entry (on the namespace page, or on its stage's page where
    # griffe sees a submodule of the same name), and Sphinx roles became links
    pages = [p.read_text() for p in (site / "api").glob("*.html")]
    ids = {i.rsplit(".", 1)[-1] for page in pages for i in re.findall(r'id="(etfsim\.[\w.]+)"', page)}
    missing = [n for n in etfsim.__all__ if n not in ids and n != "__version__"]
    assert not missing, missing
    assert not any(re.search(r":(func|class|meth|mod):<code>", page) for page in pages)
    assert (site / "architecture.html").is_file() and (site / "domain.html").is_file()
