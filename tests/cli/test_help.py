"""Every command's ``--help`` as a user reads it (rich markup, a wide terminal).

Rich reads ``[word]`` in a help text as a markup tag and drops it, so the help
of ``--fund`` once read "TOML with  terms (and )"; and reStructuredText's
double backticks are printed as they are.  Each help text written in the
source must come out whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from etfsim.cli.main import app
from tests.cli.runner import in_process, ok


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(typer.main.get_command(app)))


def _flat(text: str) -> str:
    """The words of a text with table borders and line breaks gone (so a wrapped cell still matches)."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def _written(command: Any) -> list[str]:
    """The help texts as the source writes them, markup escapes undone: what the user should read."""
    texts = [command.help or ""] + [p.help or "" for p in command.params if getattr(p, "help", None)]
    return [t.split("\f")[0].replace("\\[", "[") for t in texts if t]


def _help(path: tuple[str, ...]) -> str:
    return ok(in_process([*path, "--help"]))


def test_every_command_is_checked() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {"backtest", "compare", "sweep", "run", "report", "curves", "curves simulate"} <= names


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "etfsim")
def test_help_shows_every_written_word(path: tuple[str, ...]) -> None:
    shown = _help(path)
    assert "``" not in shown
    flat = _flat(shown)
    for text in _written(COMMANDS[path]):
        for word in re.findall(r"\[[^\]\s]+\]", text):  # [fund], [demand]: the words rich would take as tags
            assert word in shown, f"{' '.join(path)} --help lost {word}"
        assert _flat(text) in flat, f"{' '.join(path)} --help does not show: {text!r}"


@pytest.mark.parametrize("command", ["backtest", "compare", "sweep"])
def test_fund_option_names_the_fund_section(command: str) -> None:
    assert "TOML with [fund] terms" in _help((command,))


def test_run_help_says_how_the_headline_path_is_chosen() -> None:
    # etfsim.report.headline: the path nearest the median on its worst measure
    flat = _flat(_help(("run",)))
    assert "Path 0" not in flat
    assert "the path nearest the median on its worst measure" in flat
