"""Futures curves: the container, file I/O, factor models, compute overlays, real data."""

from etfsim.curves.curve import FuturesCurve
from etfsim.curves.overlays import Overlays, Regime
from etfsim.curves.schwartz import SchwartzOneFactor, SchwartzSmith
from etfsim.curves.simulate import iter_curve_chunks, simulate_curve

__all__ = [
    "FuturesCurve",
    "Overlays",
    "Regime",
    "SchwartzOneFactor",
    "SchwartzSmith",
    "iter_curve_chunks",
    "simulate_curve",
]
