"""One seed -> reproducible random streams.

A simulation takes one integer seed.  Each path gets its own child stream,
spawned from ``numpy.random.SeedSequence(seed)``, so path ``i`` has the same
draws whatever the chunk size or the subset of paths being simulated: a sweep
that resumes after a crash, or a run split over workers, gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from etfsim.exceptions import ConfigError

__all__ = ["check_seed", "path_generators", "make_generator"]


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int, or raise a ConfigError naming the field."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def make_generator(seed: int) -> np.random.Generator:
    """The single generator for draws that are not per path (e.g. a calibration start)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(check_seed(seed))))


def path_generators(seed: int, paths: Sequence[int] | range) -> list[np.random.Generator]:
    """One generator per requested path index, each the child ``i`` of the seed.

    Child ``i`` is derived from the seed and ``i`` alone (``SeedSequence`` with
    ``spawn_key=(i,)``), exactly the stream ``SeedSequence(seed).spawn(n)[i]``
    would give, without spawning the ``i`` streams before it.
    """
    root = check_seed(seed)
    return [np.random.Generator(np.random.PCG64(np.random.SeedSequence(root, spawn_key=(int(i),)))) for i in paths]
