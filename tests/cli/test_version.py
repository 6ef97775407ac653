"""``etfsim --version``, and the packaging metadata it reads (pyproject.toml)."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import pytest

import etfsim
from tests.cli.runner import MODES, REPO, ok

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mode", list(MODES))
def test_version_prints_the_package_version(mode: str) -> None:
    out = MODES[mode](["--version"])
    assert ok(out) == "etfsim 0.1.0\n"
    assert out.stderr == ""


def test_one_version_everywhere() -> None:
    assert version("etfsim") == etfsim.__version__ == PYPROJECT["project"]["version"] == "0.1.0"


def test_version_is_in_the_top_level_help() -> None:
    assert "--version" in ok(MODES["runner"](["--help"]))


def test_license_is_an_spdx_string() -> None:
    # a TOML table here is deprecated: setuptools warns about it on every install
    license = PYPROJECT["project"]["license"]
    assert license == "LicenseRef-Proprietary"
    # setuptools reads an SPDX string in project.license from version 77 on
    (setuptools,) = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    found = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", setuptools)
    assert found is not None and int(found.group(1)) >= 77, setuptools
