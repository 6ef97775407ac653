"""Futures curves: the container, file I/O, factor models, compute overlays, real data."""

from etfsim.curves.curve import FuturesCurve

__all__ = ["FuturesCurve"]
