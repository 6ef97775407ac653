"""Keep freed memory for the next chunk: glibc's malloc told not to hand large blocks back to the system.

A Monte Carlo chunk makes a few dozen arrays of ``(paths, dates)`` and
``(paths, dates, slots)``, 10-70 MB each, and frees them before the next
chunk makes the same ones.  glibc maps each block above its threshold anew
and unmaps it when freed, so every chunk touches fresh pages, and the system
zeroes each one on its first write: 10,600 page faults in a 500-path chunk of
the seven-leg market, 0.53-0.63 s a chunk where the same chunk in memory kept
from the one before takes 0.45 s (one thread; 7% on a single leg).  Told to
serve blocks up to 32 MB from its heap and not to trim the heap until 2 GiB of
it are free, malloc gives the next chunk the same pages; a larger block is
served from the heap too whenever that much of it is free, which after the
first chunk it is.  The cost: memory freed stays with the process until it
exits, and the heap's fragments raise the peak (MC-10k on one thread 410 ->
420 MiB, 2%; the seven-leg market 758 -> 870 MiB, 15%).  A process that runs
arrays of many different sizes one after another may grow further.

Threads are told to share that one heap, and no block to be mapped on its own
(``M_ARENA_MAX`` 1, ``M_MMAP_MAX`` 0): a thread's own heaps hold at most 64 MB,
so glibc maps any larger block a thread asks for afresh and unmaps it when
freed, whatever the threshold, and the main job's strategies run on threads
with arrays of 40-260 MB.  In the default study that took the huge pages the
system zeroes from 1,480-1,560 to 870-1,030 and its system time from 2.1-4.7 s
to 1.7-2.1 s (four runs each, alternated), at the same peak (2.3-2.5 GB).

:func:`keep_freed_memory` is called by the command line, whose sweeps run in its
own process by default, never on import: a library does not change its host's
allocator unasked.  Nor do the tasks that a ``dask.distributed`` worker runs
call it: a worker under a memory limit pauses while its memory stays above 80%
of it, and memory kept would never fall back.  Elsewhere than glibc (macOS,
musl) it does nothing; with another allocator preloaded (jemalloc) glibc
takes the settings and they have no effect.
"""

from __future__ import annotations

import ctypes
import platform
import threading

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -3, -4, -8  # mallopt's parameters (malloc.h)
_MMAP_THRESHOLD = 32 * 1024 * 1024  # the largest glibc accepts on 64-bit systems: half its 64 MB heaps
_TRIM_THRESHOLD = 2**31 - 1  # the largest int: trim the heap's top only once 2 GiB of it are free

_lock = threading.Lock()
_done: bool | None = None


def keep_freed_memory() -> bool:
    """Have glibc keep freed blocks for reuse (see the module docstring); once a process.

    Returns
    -------
    bool
        Whether malloc took both settings (False where the C library is not glibc).
    """
    global _done
    with _lock:
        if _done is None:
            _done = _set()
        return _done


def _set() -> bool:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # pragma: no cover - a glibc process always has mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt returns 1 on success; either setting also stops glibc from moving its threshold by itself.  One
    # arena, set before the command starts its threads, and no mapped blocks: a thread's large arrays from the
    # heap too (see the module docstring)
    settings = (
        (_M_MMAP_THRESHOLD, _MMAP_THRESHOLD),
        (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD),
        (_M_ARENA_MAX, 1),
        (_M_MMAP_MAX, 0),
    )
    return all([bool(mallopt(param, value)) for param, value in settings])
