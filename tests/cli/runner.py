"""Running the command line two ways for the CLI tests (a helper module, not a test file).

``in_process`` goes through Typer's CliRunner (the library's objects are in
reach); ``in_subprocess`` runs ``python -m etfsim`` as a user's shell would,
so stderr's line count is what a user sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from typer.testing import CliRunner

from etfsim.cli.main import app

REPO = Path(__file__).resolve().parents[2]
# wide enough that rich never wraps a line; no forced colour, so stderr is plain text
ENV = {"COLUMNS": "200", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, "TTY_INTERACTIVE": None}


class Outcome(NamedTuple):
    code: int
    stdout: str
    stderr: str


def in_process(args: Sequence[object]) -> Outcome:
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # an escaped exception is a failure, with its traceback
    return Outcome(result.exit_code, result.stdout, result.stderr)


def in_subprocess(args: Sequence[object]) -> Outcome:
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env["COLUMNS"] = "200"
    proc = subprocess.run(
        [sys.executable, "-m", "etfsim", *(str(a) for a in args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


Etfsim = Callable[[Sequence[object]], Outcome]
MODES: dict[str, Etfsim] = {"runner": in_process, "subprocess": in_subprocess}


def ok(out: Outcome) -> str:
    """The stdout of a run that must succeed (exit 0, no traceback)."""
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out.stdout
