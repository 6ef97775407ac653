"""Scale: Monte Carlo chunks reduced to per-path figures, and sweeps of strategies x scenarios on Dask."""

from etfsim.sweep.montecarlo import CHUNK_COLUMNS, ChunkSpec, run_chunk
from etfsim.sweep.runner import SWEEP_FORMAT, SweepResult, read_sweep, run_sweep, summarise

__all__ = [
    "CHUNK_COLUMNS",
    "SWEEP_FORMAT",
    "ChunkSpec",
    "SweepResult",
    "read_sweep",
    "run_chunk",
    "run_sweep",
    "summarise",
]
