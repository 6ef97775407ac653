"""Futures curves: the container, file I/O, factor models, compute overlays, real data."""

from etfsim.curves.curve import FuturesCurve
from etfsim.curves.model_curve import ModelCurve
from etfsim.curves.nearby import load_nearby
from etfsim.curves.overlays import Overlays, Regime
from etfsim.curves.protocol import Curve
from etfsim.curves.rates import load_rate_series
from etfsim.curves.schwartz import SchwartzOneFactor, SchwartzSmith
from etfsim.curves.simulate import iter_curve_chunks, simulate_curve

__all__ = [
    "Curve",
    "FuturesCurve",
    "ModelCurve",
    "Overlays",
    "Regime",
    "SchwartzOneFactor",
    "SchwartzSmith",
    "iter_curve_chunks",
    "load_nearby",
    "load_rate_series",
    "simulate_curve",
]
