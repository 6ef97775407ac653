"""Usage errors (an unknown option or command, a missing argument, a value of the wrong type) are one line on
stderr with exit status 2, as every other refusal is, not Typer's boxed block; help still prints and exits 0."""

from __future__ import annotations

import pytest

from tests.cli.runner import in_subprocess


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "--bogus"], "etfsim: error: No such option: --bogus (see 'etfsim run --help')"),
        (["run", "--paths", "abc"], "Invalid value for '--paths'"),
        (["curves", "show"], "Missing argument 'file'. (see 'etfsim curves show --help')"),
        (["nosuch"], "No such command 'nosuch'. (see 'etfsim --help')"),
        (["sweep", "--chunk-size", "1.5"], "Invalid value for '--chunk-size'"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(args: list[str], says: str) -> None:
    out = in_subprocess(args)
    assert out.code == 2, out
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert says in out.stderr and "\u256d" not in out.stderr  # no box drawing
    assert out.stdout == ""


def test_help_still_prints_and_exits_0() -> None:
    out = in_subprocess(["run", "--help"])
    assert out.code == 0 and "--curves" in out.stdout and out.stderr == ""
