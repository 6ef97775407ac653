"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The team's reference data (``../shared/data/reference`` beside the repository).

    Tests that need it are skipped where it is absent (a bare checkout).
    """
    path = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "reference"
    if not path.is_dir():
        pytest.skip(f"reference data not found at {path}")
    return path
