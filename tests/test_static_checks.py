"""The static checks ride with the tests: mypy (pyproject's strict ``[tool.mypy]``) and ruff.

CI runs the README's one test command, so a type error or a lint finding
fails CI the same way a wrong number does.  Both tools run from the checkout's
root, where they read their settings from ``pyproject.toml``; mypy keeps its
cache in ``.mypy_cache`` there (ignored by git), never inside the package.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _check(tool: str, *args: str) -> None:
    """Run ``python -m tool args`` from the root; fail with what it printed unless it exits 0."""
    # the test environment's own mypy and ruff (pinned in the ``test`` extra), not whatever is on PATH
    proc = subprocess.run(
        [sys.executable, "-m", tool, *args], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    if proc.returncode != 0:
        pytest.fail(f"{tool} {' '.join(args)} reported:\n{proc.stdout}{proc.stderr}", pytrace=False)


def test_mypy_strict_finds_nothing_in_the_package() -> None:
    _check("mypy", "--cache-dir", str(REPO / ".mypy_cache"), "etfsim")


def test_ruff_finds_nothing_in_the_code_tests_and_benchmarks() -> None:
    _check("ruff", "check", "--no-fix", "etfsim", "tests", "benchmarks")


def test_ruff_format_leaves_every_file_as_it_is() -> None:
    _check("ruff", "format", "--check", "etfsim", "tests", "benchmarks")
