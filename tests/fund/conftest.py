"""The fund tests' shared curve: three paths of the single-chip compute scenario, rolled GSCI-style."""

from __future__ import annotations

import pytest

from etfsim.curves.curve import FuturesCurve
from etfsim.roll import RollSchedule, roll_schedule


@pytest.fixture(scope="module")
def compute() -> tuple[FuturesCurve, RollSchedule]:
    from etfsim.scenario import load_scenario

    curve = load_scenario().simulate(paths=3, seed=5)
    return curve, roll_schedule(curve, "gsci")
