"""Shaped array aliases used across etfsim.

numpy's typing cannot express shapes, so the aliases carry the shape in their
name and docstrings say it; every curve array is laid out as
``(paths, dates, depth)`` from the first line of code.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

Float64Array: TypeAlias = npt.NDArray[np.float64]
"""Any float64 array."""
Int64Array: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
DateArray: TypeAlias = npt.NDArray[np.datetime64]
"""``datetime64`` values; etfsim keeps dates as ``datetime64[ns]``."""
StrArray: TypeAlias = npt.NDArray[np.object_]
"""Contract codes as Python strings in an object array ('' where no contract)."""

PriceCube: TypeAlias = Float64Array
"""``(paths, dates, depth)`` futures prices by nearby slot; NaN where no contract or no print."""
PathMatrix: TypeAlias = Float64Array
"""``(paths, dates)``: one value per path and date (spot, factors, NAV)."""
SlotMap: TypeAlias = npt.NDArray[np.generic]
"""``(dates, depth)``: the same on every path (contract codes, expiries)."""
