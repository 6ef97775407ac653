"""Futures curves: the container, file I/O (whole, chunk by chunk, a long-table export), factor models, compute overlays, real data."""

from etfsim.curves.chunks import read_curve_chunks
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.export import export_long
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
    "export_long",
    "iter_curve_chunks",
    "load_nearby",
    "load_rate_series",
    "read_curve_chunks",
    "simulate_curve",
]
