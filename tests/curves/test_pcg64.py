"""The kernels' own PCG64 stream against numpy's generator, number for number.

Reference: numpy's ``Generator(PCG64(...))`` itself (``random``, ``standard_normal``,
``poisson``), the stream etfsim's paths draw from (:mod:`etfsim._random`), and the
Generator-taking kernels the state kernels replace (``path_draws``,
``market_path_draws``).
"""

from __future__ import annotations

import numpy as np
import pytest

from etfsim._numba import jit
from etfsim._random import path_generators
from etfsim.curves import kernels, market_kernels, pcg64
from etfsim.exceptions import ConfigError

pytestmark = pytest.mark.skipif(not pcg64.available(), reason="the state kernels need numba")


@jit
def _uniforms(states: np.ndarray, out: np.ndarray) -> None:
    for p in range(out.shape[0]):
        g = pcg64.state_of(states, p)
        for i in range(out.shape[1]):
            g, out[p, i] = pcg64.double_from(g)
        pcg64.put_state(states, p, g)


@jit
def _normals(states: np.ndarray, out: np.ndarray) -> None:
    for p in range(out.shape[0]):
        for i in range(out.shape[1]):
            g, x = pcg64.normal_from(pcg64.state_of(states, p))  # stepped through the array, draw by draw
            pcg64.put_state(states, p, g)
            out[p, i] = x


@jit
def _mulhis(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    for i in range(a.shape[0]):
        out[i] = pcg64._mulhi(a[i], b[i])


def test_mulhi_is_the_high_word_of_the_128_bit_product() -> None:
    """Compiled (LLVM's 128-bit multiplication) and in Python (32-bit halves): Python's own integers' answer."""
    edge = np.array([0, 1, 2**32 - 1, 2**32, 2**63, 2**64 - 1, 0x4385DF649FCCF645], dtype=np.uint64)
    rng = np.random.default_rng(3)
    a = np.concatenate([np.repeat(edge, edge.size), rng.integers(0, 2**64, 500, dtype=np.uint64)])
    b = np.concatenate([np.tile(edge, edge.size), rng.integers(0, 2**64, 500, dtype=np.uint64)])
    want = [(int(x) * int(y)) >> 64 for x, y in zip(a, b)]
    out = np.empty_like(a)
    _mulhis(a, b, out)
    assert out.tolist() == want
    assert [int(pcg64._mulhi(x, y)) for x, y in zip(a, b)] == want


@jit
def _poissons(states: np.ndarray, lam: np.ndarray, out: np.ndarray) -> None:
    for p in range(out.shape[0]):
        g = pcg64.state_of(states, p)
        for i in range(out.shape[1]):
            g, out[p, i] = pcg64.poisson_from(g, lam[i], np.exp(-lam[i]))
        pcg64.put_state(states, p, g)


def test_uniforms_normals_and_counts_are_numpys() -> None:
    # 400,000 normals: about 3,000 take the ziggurat's wedge and a few its tail, which a short run never reaches
    gens = path_generators(11, range(4))
    states = pcg64.pcg_states(gens)
    normals = np.empty((4, 100_000))
    _normals(states, normals)
    np.testing.assert_array_equal(normals, np.stack([g.standard_normal(100_000) for g in gens]))
    assert np.abs(normals).max() > 3.6541528853610088  # beyond the ziggurat's last layer: the tail was drawn
    uniforms = np.empty((4, 1000))
    _uniforms(states, uniforms)  # the same states, stepped on: the generators' next numbers
    np.testing.assert_array_equal(uniforms, np.stack([g.random(1000) for g in gens]))
    lam = np.concatenate([np.zeros(3), np.linspace(1e-4, 9.99, 997)])  # 0 draws nothing; numpy's method below 10
    counts = np.empty((4, 1000))
    _poissons(states, lam, counts)
    np.testing.assert_array_equal(counts, np.stack([g.poisson(lam) for g in gens]).astype(float))
    np.testing.assert_array_equal(states, pcg64.pcg_states(gens))  # both sides drew as many numbers


@pytest.mark.parametrize("jumps", [False, True])
@pytest.mark.parametrize("regime", [False, True])
def test_paths_draws_are_path_draws(jumps: bool, regime: bool) -> None:
    m, paths = 300, 6
    lam = np.linspace(0.0, 0.5, m) if jumps else np.zeros(0)
    fast = np.empty((paths, m, 2)), np.zeros((paths, m)), np.empty((paths, m))
    slow = np.empty((paths, m, 2)), np.zeros((paths, m)), np.empty((paths, m))
    kernels.paths_draws(pcg64.pcg_states(path_generators(3, range(paths))), lam, regime, 0.1, 0.3, *fast)
    for row, g in enumerate(path_generators(3, range(paths))):
        kernels.path_draws(g, lam, regime, 0.1, 0.3, slow[0][row], slow[1][row], slow[2][row])
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
    assert (fast[2] != 0).any() == jumps


def test_market_state_draws_are_market_path_draws_then_the_launch_uniforms() -> None:
    m, legs = 200, 3
    lam = np.zeros((legs, m))
    lam[1] = 0.05  # one leg jumps
    jumping = lam.sum(axis=1) > 0
    mean, std = np.array([0.0, 0.2, 0.0]), np.array([0.0, 0.1, 0.0])
    gens = path_generators(8, range(3))
    states = pcg64.pcg_states(gens)
    for row, g in enumerate(gens):
        fast = np.empty((m, 2 * legs)), np.zeros(m), np.empty((m, legs)), np.empty(2)
        market_kernels.market_state_draws(states, row, lam, jumping, True, mean, std, *fast)
        slow = np.empty((m, 2 * legs)), np.zeros(m), np.empty((m, legs))
        market_kernels.market_path_draws(g, lam, jumping, True, mean, std, *slow)
        for a, b in zip(fast[:3], slow, strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(fast[3], 1.0 - g.random(2))  # random launches draw after the factors


def test_only_pcg64_generators_are_read() -> None:
    with pytest.raises(TypeError, match="PCG64"):
        pcg64.pcg_states([np.random.Generator(np.random.MT19937(1))])


@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1, 2**32, 2**64 + 3, 2**140 + 11])
def test_seed_states_are_the_path_generators_states(seed: int) -> None:
    # numpy's SeedSequence(seed, spawn_key=(i,)) then PCG64: seeds of one to five 32-bit words
    # (five: more entropy than SeedSequence's pool of four), path indices up to 2**32 - 1
    ids = [*range(40), 2**31, 2**32 - 1, 999_999]
    np.testing.assert_array_equal(pcg64.seed_states(seed, ids), pcg64.pcg_states(path_generators(seed, ids)))


def test_seed_states_refuse_a_seed_that_is_not_a_non_negative_integer() -> None:
    for bad in (-1, 1.5, True):
        with pytest.raises(ConfigError, match="seed must be a non-negative integer"):
            pcg64.seed_states(bad, [0])  # type: ignore[arg-type]


def test_seed_states_refuse_a_path_index_outside_one_word() -> None:
    with pytest.raises(ValueError, match="path indices"):
        pcg64.seed_states(1, [2**32])
    with pytest.raises(ValueError, match="path indices"):
        pcg64.seed_states(1, [-1])
    assert pcg64.seed_states(1, []).shape == (0, 4)


def test_standard_normals_fill_each_path_from_its_own_generator() -> None:
    out = np.empty((3, 5_000))
    pcg64.standard_normals(pcg64.seed_states(5, range(10, 13)), out)
    np.testing.assert_array_equal(out, np.stack([g.standard_normal(5_000) for g in path_generators(5, range(10, 13))]))
