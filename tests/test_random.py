"""One seed -> reproducible per-path random streams (etfsim._random)."""

from __future__ import annotations

import numpy as np
import pytest

from etfsim._random import check_seed, make_generator, path_generators
from etfsim.exceptions import ConfigError


@pytest.mark.parametrize("seed", [0, 1, 20260331, 2**63 + 5])
def test_path_generator_i_is_spawned_child_i(seed: int) -> None:
    n = 7
    children = np.random.SeedSequence(seed).spawn(n)
    for i in (0, 3, 6):
        (gen,) = path_generators(seed, [i])
        expected = np.random.Generator(np.random.PCG64(children[i])).standard_normal(64)
        np.testing.assert_array_equal(gen.standard_normal(64), expected)


def test_path_streams_do_not_depend_on_the_chunk() -> None:
    whole = [g.random(16) for g in path_generators(42, range(6))]
    chunk = [g.random(16) for g in path_generators(42, [4, 5])]
    np.testing.assert_array_equal(chunk[0], whole[4])
    np.testing.assert_array_equal(chunk[1], whole[5])
    # different paths and different seeds give different streams
    assert not np.array_equal(whole[0], whole[1])
    assert not np.array_equal(path_generators(43, [0])[0].random(16), whole[0])


def test_make_generator_is_reproducible() -> None:
    a = make_generator(7).random(8)
    np.testing.assert_array_equal(a, make_generator(7).random(8))
    np.testing.assert_array_equal(a, np.random.default_rng(7).random(8))


@pytest.mark.parametrize("seed", [3, np.int64(3), np.uint32(3)])
def test_check_seed_accepts_integers(seed: object) -> None:
    got = check_seed(seed)
    assert got == 3 and type(got) is int


@pytest.mark.parametrize("seed", [-1, 1.0, 2.5, True, False, "7", None, np.float64(3.0)])
def test_check_seed_rejects_non_integers(seed: object) -> None:
    with pytest.raises(ConfigError, match="seed must be a non-negative integer"):
        check_seed(seed)


def test_path_generators_check_the_seed() -> None:
    with pytest.raises(ConfigError, match="seed"):
        path_generators(-5, [0])
