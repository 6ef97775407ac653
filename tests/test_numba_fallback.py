"""Without numba (or with ETFSIM_DISABLE_JIT set) the kernels run as Python, and the user is told once.

The check runs in a fresh interpreter: this one imported etfsim with numba
already, and the warning belongs to the first kernel a process builds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# import every etfsim module (each builds its kernels at import), recording every warning, repeats included
SCRIPT = r"""
import importlib, json, pkgutil, warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import etfsim
    names = [m.name for m in pkgutil.walk_packages(etfsim.__path__, "etfsim.")]
    # etfsim.check is the cross-check against vectorbt (an optional test dependency), with no kernels;
    # etfsim.__main__ would run the command line
    skip = ("etfsim.check", "etfsim.__main__")
    modules = [importlib.import_module(n) for n in names if not n.startswith(skip)]
kernels = {
    f"{m.__name__}.{k}"
    for m in modules
    for k, v in vars(m).items()
    if callable(v) and getattr(v, "py_func", None) is v and getattr(v, "__module__", None) == m.__name__
}
print(json.dumps({
    "warnings": [f"{w.category.__name__}: {w.message} ({w.filename})" for w in caught if "numba" in str(w.message)],
    "kernels": sorted(kernels),
}))
"""


def test_one_warning_for_all_the_kernels() -> None:
    env = dict(os.environ, ETFSIM_DISABLE_JIT="1")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    assert len(out["kernels"]) >= 10, out["kernels"]  # the kernels were built, as plain Python
    assert len(out["warnings"]) == 1, out["warnings"]
    (warning,) = out["warnings"]
    assert warning.startswith(
        "UserWarning: numba unavailable (disabled by ETFSIM_DISABLE_JIT); etfsim kernels run as slow Python"
    )
    assert "_numba.py" not in warning  # it names the module of the first kernel, not the shim
