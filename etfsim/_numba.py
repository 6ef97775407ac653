"""numba shim: compile hot loops when numba works, fall back to Python with a warning.

Kernels are written once as plain Python over arrays; ``jit`` compiles them
with numba (cached on disk) and keeps the Python function as ``.py_func`` so a
test can check that both give the same numbers.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["HAS_NUMBA", "jit", "readonly"]

try:  # pragma: no cover - exercised implicitly
    if os.environ.get("ETFSIM_DISABLE_JIT"):
        raise ImportError("disabled by ETFSIM_DISABLE_JIT")
    import numba as _numba

    HAS_NUMBA = True
except ImportError as _exc:  # pragma: no cover
    HAS_NUMBA = False
    _reason = str(_exc)

_warned = False


def _warn_fallback() -> None:
    """Say once per process that the kernels run as Python (not once for each kernel)."""
    global _warned
    if _warned:
        return
    _warned = True
    # point at the module of the first kernel, past jit's own frames (there are two under @jit(...))
    level = 2
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        level, frame = level + 1, frame.f_back
    warnings.warn(f"numba unavailable ({_reason}); etfsim kernels run as slow Python", stacklevel=level)


@overload
def jit(func: F, *, inline: bool = False, refcount: bool = True) -> F: ...


@overload
def jit(func: None = None, *, inline: bool = False, refcount: bool = True) -> Callable[[F], F]: ...


def jit(func: F | None = None, *, inline: bool = False, refcount: bool = True) -> F | Callable[[F], F]:
    """Compile ``func`` in nopython mode (cached), or return it with ``.py_func`` set.

    ``@jit(inline=True)`` marks a step of a larger kernel: numba copies its body
    into each compiled caller (``inline="always"``) instead of calling it.
    Called from Python it is an ordinary kernel, and ``.py_func`` is the Python
    function either way.

    ``@jit(refcount=False)`` compiles without numba's reference counting, for a
    loop that allocates nothing and only reads and writes arrays its caller
    holds; the functions it calls inherit that.  An inlined step still binds
    its arguments to new names, and numba counts a reference for every array
    so bound: in the fund ledger's day loop those atomic updates, a few dozen
    a day, made the loop four times slower than one written out by hand.
    """
    if func is None:
        return lambda f: jit(f, inline=inline, refcount=refcount)
    if HAS_NUMBA:
        # numpy's error model: x / 0 gives inf or NaN as it does in numpy (and in .py_func on numpy
        # floats) instead of raising, so a path that hit zero reads as NaN like the array code
        opts: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy"}
        if inline:
            opts["inline"] = "always"
        if not refcount:
            opts["_nrt"] = False  # numba's switch for its runtime (NRT), which counts the references
        return _numba.njit(**opts)(func)  # type: ignore[no-any-return]
    _warn_fallback()
    func.py_func = func  # type: ignore[attr-defined]
    return func


def readonly(a: npt.ArrayLike) -> np.ndarray:
    """A read-only view of array ``a`` (no copy).

    numba compiles one version of a kernel per argument type and counts
    read-only as part of the type; handing a kernel its inputs always read-only
    keeps it to one compilation (the fund ledger's day loop takes seconds).
    """
    import numpy as np

    v = np.asarray(a).view()
    v.flags.writeable = False
    return v
