"""numpy's PCG64 stream drawn inside the kernels: uniforms, standard normals and small Poisson counts.

Each path has its own ``numpy.random.Generator`` (PCG64, see :mod:`etfsim._random`).
Handing a kernel one generator a call costs numba tens of microseconds to unbox it,
and every number it then draws goes through numpy's function pointers, about 11 ns
a normal: the draws were a sixth of a Monte Carlo chunk and a third of a seven-leg
market's simulation.  Here a path's generator is read once into four words (its
128-bit state and increment), and the kernels step that copy of it: the generator
object itself does not move, so a caller draws each path's numbers either way, never both.

Number for number these are numpy's draws: PCG64 is the 128-bit LCG with the XSL-RR
output (O'Neill 2014, "PCG: A family of simple fast space-efficient statistically good
algorithms for random number generation"; numpy's ``pcg64.h``), a double is the top 53
bits of a draw, a normal is numpy's ziggurat (``random_standard_normal`` of numpy's
``distributions.c``, with its tables as numba ships them), and a Poisson count below 10
is numpy's multiplication method.  ``tests/curves/test_pcg64.py`` checks each against
numpy's own generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from etfsim._numba import HAS_NUMBA, jit
from etfsim._random import check_seed, path_generators

__all__ = [
    "POISSON_LIMIT",
    "State",
    "available",
    "double_from",
    "normal_from",
    "pcg_states",
    "poisson_from",
    "put_state",
    "seed_states",
    "standard_normals",
    "state_of",
    "u64_from",
]

POISSON_LIMIT = 10.0
"""numpy draws a Poisson count with mean below this by multiplying uniforms (kept here); above it, by PTRS (not kept)."""

_FI: np.ndarray = np.zeros(256)  # numpy's ziggurat tables (as numba ships them for its own Generator methods)
_KI: np.ndarray = np.zeros(256, dtype=np.uint64)
_WI: np.ndarray = np.zeros(256)
_NOR_R = _NOR_INV_R = 0.0
_TABLES = False  # without numba the kernels take the generators themselves
if HAS_NUMBA:
    try:
        from numba.np.random import _constants as _zig

        _FI, _KI, _WI = _zig.fi_double, _zig.ki_double, _zig.wi_double
        _NOR_R, _NOR_INV_R = float(_zig.ziggurat_nor_r), float(_zig.ziggurat_nor_inv_r)
        _TABLES = True
    except (ImportError, AttributeError):  # pragma: no cover - a numba without them: the generators draw
        pass

_MULT_HI = np.uint64(0x2360ED051FC65DA4)  # PCG's 128-bit multiplier, high and low words
_MULT_LO = np.uint64(0x4385DF649FCCF645)
_LOW32 = np.uint64(0xFFFFFFFF)
_U32, _U11, _U8, _U1, _U58, _U63, _U64_0, _U64_1 = (np.uint64(v) for v in (32, 11, 8, 1, 58, 63, 0, 1))
_MANTISSA = np.uint64(0x000FFFFFFFFFFFFF)
_BYTE = np.uint64(0xFF)
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53


def available() -> bool:
    """Whether the kernels can draw from states (numba and its ziggurat tables are there)."""
    return _TABLES


def pcg_states(generators: Sequence[np.random.Generator]) -> np.ndarray:
    """``(len(generators), 4)`` uint64: each PCG64 generator's state and increment, high word first.

    Raises
    ------
    TypeError
        If a generator is not PCG64 (etfsim's paths all are).
    """
    out = np.empty((len(generators), 4), dtype=np.uint64)
    mask = (1 << 64) - 1
    for row, g in enumerate(generators):
        st = g.bit_generator.state
        if st.get("bit_generator") != "PCG64":
            raise TypeError(f"path generators must be PCG64, got {st.get('bit_generator')!r}")
        s, inc = int(st["state"]["state"]), int(st["state"]["inc"])
        out[row] = (s >> 64, s & mask, inc >> 64, inc & mask)
    return out


# numpy's SeedSequence (``bit_generator.pyx``): its hash and mix constants, a pool of four 32-bit words
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4
_WORD = (1 << 32) - 1


def _words(n: int) -> list[int]:
    """A non-negative integer as SeedSequence reads it: 32-bit words, least significant first (0: one word)."""
    out = [n & _WORD]
    n >>= 32
    while n:
        out.append(n & _WORD)
        n >>= 32
    return out


def seed_states(seed: int, paths: Sequence[int] | range) -> np.ndarray:
    """``(len(paths), 4)`` uint64: the PCG64 state and increment of each path's generator, high word first.

    The same words as ``pcg_states(path_generators(seed, paths))``, worked out by a kernel from
    the seed and each path's index, without making the ``SeedSequence`` and ``Generator``
    objects (about 11 microseconds a path: 5 ms of a 500-path chunk's draws).

    Raises
    ------
    ConfigError
        If the seed is not a non-negative integer.
    ValueError
        If a path index is negative or above 2**32 - 1 (a sweep has far fewer paths).
    """
    seed = check_seed(seed)
    if not _TABLES:  # without numba: the generators' own states
        return pcg_states(path_generators(seed, paths))
    ids = np.asarray(paths, dtype=np.int64).reshape(-1)
    if ids.size and (ids.min() < 0 or ids.max() > _WORD):
        raise ValueError(f"path indices must be 0 to {_WORD}, got {int(ids.min())} to {int(ids.max())}")
    entropy = _words(seed)
    entropy += [0] * (_POOL - len(entropy))  # numpy pads the seed's words to the pool when a spawn key follows
    out = np.empty((ids.size, 4), dtype=np.uint64)
    _seed_states(np.asarray(entropy, dtype=np.uint64), ids, out)
    return out


@jit(inline=True)
def _hashmix(value: int, hash_const: int) -> tuple[int, int]:
    """SeedSequence's ``hashmix`` in 32-bit arithmetic (held in 64-bit integers): the word and the next constant."""
    value = (int(value) ^ hash_const) & _WORD  # int(): the Python twin's numpy words would overflow int64
    hash_const = (hash_const * _MULT_A) & _WORD
    value = (value * hash_const) & _WORD
    return value ^ (value >> 16), hash_const


@jit(inline=True)
def _mix(x: int, y: int) -> int:
    """SeedSequence's ``mix`` of two pool words."""
    result = (_MIX_L * int(x) - _MIX_R * int(y)) & _WORD
    return result ^ (result >> 16)


@jit
def _seed_states(entropy: np.ndarray, ids: np.ndarray, out: np.ndarray) -> None:
    """Each path's SeedSequence(seed, spawn_key=(id,)) pool, its four 64-bit words, and PCG64 seeded by them."""
    pool = np.empty(_POOL, dtype=np.int64)
    words = np.empty(entropy.shape[0] + 1, dtype=np.int64)
    state = np.empty(8, dtype=np.int64)
    for row in range(ids.shape[0]):
        for i in range(entropy.shape[0]):
            words[i] = entropy[i]
        words[entropy.shape[0]] = ids[row]  # the spawn key (id,): one word, the index being below 2**32
        h = _INIT_A
        for i in range(_POOL):
            pool[i], h = _hashmix(words[i] if i < words.shape[0] else 0, h)
        for i_src in range(_POOL):
            for i_dst in range(_POOL):
                if i_src != i_dst:
                    v, h = _hashmix(pool[i_src], h)
                    pool[i_dst] = _mix(pool[i_dst], v)
        for i_src in range(_POOL, words.shape[0]):
            for i_dst in range(_POOL):
                v, h = _hashmix(words[i_src], h)
                pool[i_dst] = _mix(pool[i_dst], v)
        h = _INIT_B  # generate_state(4, uint64): eight 32-bit words, cycling over the pool
        for i in range(8):
            v = (int(pool[i % _POOL]) ^ h) & _WORD
            h = (h * _MULT_B) & _WORD
            v = (v * h) & _WORD
            state[i] = v ^ (v >> 16)
        seed_hi = np.uint64(state[0]) | (np.uint64(state[1]) << _U32)  # little-endian pairs of words
        seed_lo = np.uint64(state[2]) | (np.uint64(state[3]) << _U32)
        seq_hi = np.uint64(state[4]) | (np.uint64(state[5]) << _U32)
        seq_lo = np.uint64(state[6]) | (np.uint64(state[7]) << _U32)
        # pcg64_set_seed: increment = seq << 1 | 1; state 0, one step, add the seed, one step
        out[row, 2] = (seq_hi << _U1) | (seq_lo >> _U63)
        out[row, 3] = (seq_lo << _U1) | _U64_1
        out[row, 0] = _U64_0
        out[row, 1] = _U64_0
        next_u64(out, row)
        lo = out[row, 1] + seed_lo
        carry = _U64_1 if lo < seed_lo else _U64_0
        out[row, 0] = out[row, 0] + seed_hi + carry
        out[row, 1] = lo
        next_u64(out, row)


def _mulhi(a: np.uint64, b: np.uint64) -> np.uint64:
    """The high 64 bits of the 128-bit product ``a * b``: four 32-bit products here, one multiplication compiled.

    In a kernel numba takes :func:`_mulhi_i128` instead (registered below): each draw's
    state update waits on this product, and with the four products and their carries a
    normal took 4.5-5.6 ns, against 3.4-3.5 ns with the one multiplication (500 paths x
    5,040 normals).
    """
    a_lo, a_hi = a & _LOW32, a >> _U32
    b_lo, b_hi = b & _LOW32, b >> _U32
    p0, p1, p2 = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo
    carry = ((p0 >> _U32) + (p1 & _LOW32) + (p2 & _LOW32)) >> _U32
    out: np.uint64 = a_hi * b_hi + (p1 >> _U32) + (p2 >> _U32) + carry
    return out


if HAS_NUMBA:
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic, overload

    @intrinsic
    def _mulhi_i128(typingctx, a, b):  # type: ignore[no-untyped-def]
        """``(a * b) >> 64`` in LLVM's 128-bit integers, which x86-64 does in one ``mul`` (and ARM64 in ``umulh``)."""

        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            wide = ir.IntType(128)
            product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
            return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))

        return types.uint64(types.uint64, types.uint64), codegen

    @overload(_mulhi, inline="always")
    def _mulhi_compiled(a, b):  # type: ignore[no-untyped-def]
        if a == types.uint64 and b == types.uint64:  # the generator's words; any other type is not ours to widen
            return lambda a, b: _mulhi_i128(a, b)  # type: ignore[call-arg]
        return None


State = tuple[np.uint64, np.uint64, np.uint64, np.uint64]
"""A path's generator as four words: state high, low, increment high, low (a row of :func:`pcg_states`)."""

# Each draw below takes a State and returns it stepped with the number: a kernel loads a path's
# words once (state_of), draws its numbers, and stores them once (put_state).  Stepped through
# the array instead, every draw stored and reloaded the state, since numba cannot tell the
# state's array from the arrays the draws go to: 27 ms against 16 ms for a 500-path chunk's draws.


@jit(inline=True)
def state_of(st: np.ndarray, p: int) -> State:
    """Path ``p``'s generator, read from ``st[p]`` (state high, low, increment high, low)."""
    return st[p, 0], st[p, 1], st[p, 2], st[p, 3]


@jit(inline=True)
def put_state(st: np.ndarray, p: int, g: State) -> None:
    """Store a stepped generator back into ``st[p]`` (the increment never changes)."""
    st[p, 0], st[p, 1] = g[0], g[1]


@jit(inline=True)
def u64_from(g: State) -> tuple[State, np.uint64]:
    """The generator stepped, and its next draw."""
    hi, lo, inc_hi, inc_lo = g
    m = lo * _MULT_LO
    new_lo = m + inc_lo
    carry = _U64_1 if new_lo < m else _U64_0
    new_hi = _mulhi(lo, _MULT_LO) + lo * _MULT_HI + hi * _MULT_LO + inc_hi + carry
    x = new_hi ^ new_lo  # XSL-RR: the two halves xored, rotated right by the top six bits
    rot = new_hi >> _U58
    out: np.uint64 = (x >> rot) | (x << ((np.uint64(64) - rot) & _U63))
    return (new_hi, new_lo, inc_hi, inc_lo), out


@jit(inline=True)
def double_from(g: State) -> tuple[State, float]:
    """A uniform on [0, 1): the draw's top 53 bits (``Generator.random``)."""
    g, r = u64_from(g)
    return g, float(r >> _U11) * _TO_DOUBLE


@jit(inline=True)
def normal_from(g: State) -> tuple[State, float]:
    """A standard normal by numpy's ziggurat (``Generator.standard_normal``)."""
    while True:
        g, r = u64_from(g)
        idx = int(r & _BYTE)
        r = r >> _U8
        rabs = (r >> _U1) & _MANTISSA
        x: float = float(rabs) * _WI[idx]
        if r & _U1:
            x = -x
        if rabs < _KI[idx]:
            return g, x
        if idx == 0:  # the tail
            while True:
                g, d = double_from(g)
                xx = -_NOR_INV_R * math.log1p(-d)
                g, d = double_from(g)
                yy = -math.log1p(-d)
                if yy + yy > xx * xx:
                    tail: float = -(_NOR_R + xx) if (rabs >> _U8) & _U1 else _NOR_R + xx
                    return g, tail
        else:
            g, d = double_from(g)
            if (_FI[idx - 1] - _FI[idx]) * d + _FI[idx] < math.exp(-0.5 * x * x):
                return g, x


@jit(inline=True)
def poisson_from(g: State, lam: float, enlam: float) -> tuple[State, float]:
    """A Poisson count of mean ``lam`` below :data:`POISSON_LIMIT` (``enlam = exp(-lam)``), numpy's way."""
    if lam == 0.0:
        return g, 0.0
    count = 0.0
    prod = 1.0
    while True:
        g, d = double_from(g)
        prod *= d
        if prod > enlam:
            count += 1.0
        else:
            return g, count


@jit(inline=True)
def next_u64(st: np.ndarray, p: int) -> np.uint64:
    """Step path ``p``'s generator in ``st`` and return its next draw.

    For a draw or two; a kernel drawing many holds the generator with :func:`state_of` and :func:`u64_from`.
    """
    g, out = u64_from(state_of(st, p))
    put_state(st, p, g)
    return out


@jit
def standard_normals(st: np.ndarray, out: np.ndarray) -> None:
    """Row ``p`` of ``out`` ``(paths, n)``: path ``p``'s next ``n`` standard normals (``Generator.standard_normal``)."""
    for p in range(out.shape[0]):
        g = state_of(st, p)
        for i in range(out.shape[1]):
            g, x = normal_from(g)
            out[p, i] = x
        put_state(st, p, g)
