"""Array allocation that suits how the kernels write.

Fresh memory is mapped on first touch.  Touched in order (one ``fill``), the
operating system can back a large array with huge pages; touched at scattered
places (a rule writing one weight per path on each date, a few jump days per
path) it faults one small page at a time.  ``np.zeros`` leaves the first touch
to the writer: for a 484 MB per-path schedule written path by path that
measured 1.02 s against 0.35 s for :func:`filled` and the same writes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["filled"]


def filled(shape: tuple[int, ...], value: float = 0.0, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """A new array of ``shape`` set to ``value`` in one sequential pass."""
    out: np.ndarray = np.empty(shape, dtype=dtype)
    out.fill(value)
    return out
