"""Freed memory kept for the next chunk (``etfsim._memory``): glibc's malloc reuses the pages it was given.

Reference: the process's own page-fault count (``getrusage``'s minor faults),
in new interpreters so each starts with glibc's defaults.
"""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from etfsim import _memory

_FAULTS = """
import resource, sys
import numpy as np
from etfsim._memory import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
def chunk():  # a chunk's arrays, 16 MB each, then freed
    arrays = [np.empty(2_000_000) for _ in range(4)]
    for a in arrays:
        a.fill(1.0)
for _ in range(3):
    chunk()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
chunk()
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

_THREAD_FAULTS = """
import resource, sys
from concurrent.futures import ThreadPoolExecutor
import numpy as np
from etfsim._memory import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
def strategy():  # a strategy's arrays on a worker thread, 40 MB each (a thread's own heap holds 64 MB), then freed
    arrays = [np.empty(5_000_000) for _ in range(4)]
    for a in arrays:
        a.fill(1.0)
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
with ThreadPoolExecutor(1) as pool:  # the study's threads: started once, each running strategy after strategy
    for _ in range(3):
        pool.submit(strategy).result()
    before = pool.submit(lambda: resource.getrusage(resource.RUSAGE_THREAD).ru_minflt).result()
    print(kept, pool.submit(strategy).result() - before)
"""

glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="malloc's settings are glibc's"
)


def _faults(mode: str, program: str = _FAULTS) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", program, mode], capture_output=True, text=True, check=True).stdout
    kept, faults = out.split()
    return kept, int(faults)


@glibc
def test_the_next_array_reuses_the_freed_pages() -> None:
    kept, with_setting = _faults("keep")
    _, without = _faults("default")
    assert kept == "True"
    if without <= 1_000:  # pragma: no cover - a host whose default already reuses the pages shows nothing
        pytest.skip(f"this host's malloc reuses freed pages by default ({without} faults): no difference to see")
    assert with_setting < 100  # the heap's pages again, where glibc's defaults faulted in 1,800-2,300 fresh ones


@glibc
def test_a_threads_large_arrays_reuse_the_pages_freed_before() -> None:
    """Arrays above a thread heap's 64 MB / 2 are mapped afresh under glibc's defaults; with one shared heap, reused."""
    kept, with_setting = _faults("keep", _THREAD_FAULTS)
    _, without = _faults("default", _THREAD_FAULTS)
    assert kept == "True"
    # 160 MB fresh is 80 huge pages or 40,960 small ones under the defaults; the heap's own pages need none
    assert with_setting < 20 < without, (with_setting, without)


def test_it_is_set_once_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(_memory, "_done", None)
    monkeypatch.setattr(_memory, "_set", lambda: calls.append(1) or True)  # not this process's allocator
    assert _memory.keep_freed_memory() is True
    assert _memory.keep_freed_memory() is True
    assert calls == [1]


def test_elsewhere_than_glibc_nothing_is_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "libc_ver", lambda: ("", ""))
    assert _memory._set() is False
