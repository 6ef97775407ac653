"""A small study shared by the report tests: 3.5 years of the default scenario, 12 paths."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest

from etfsim.report.render import write_report
from etfsim.report.results import StudyResults, load_results
from etfsim.report.study import Study, run_study
from etfsim.scenario import load_scenario

PATHS = 12
COMPARE_PATHS = 6


class Field(NamedTuple):
    text: str
    value: str


class FieldParser(HTMLParser):
    """Collect every element with a data-field attribute (they hold text only): its text and data-value."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, Field] = {}
        self._key: str | None = None
        self._value = ""
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-field" in a:
            self._key, self._value, self._text = str(a["data-field"]), str(a.get("data-value") or ""), []

    def handle_endtag(self, tag: str) -> None:
        if self._key is not None:
            assert self._key not in self.fields, f"data-field {self._key} appears twice"
            self.fields[self._key] = Field("".join(self._text).strip(), self._value)
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self._text.append(data)


def parse_fields(html: str) -> dict[str, Field]:
    parser = FieldParser()
    parser.feed(html)
    return parser.fields


@pytest.fixture(scope="session")
def study() -> Study:
    scenario = dataclasses.replace(load_scenario(), years=3.5)
    return run_study(scenario, paths=PATHS, compare_paths=COMPARE_PATHS)


@pytest.fixture(scope="session")
def report_dir(study: Study, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "compute_default"
    write_report(study.results, folder)
    return folder


@pytest.fixture(scope="session")
def saved(report_dir: Path) -> StudyResults:
    return load_results(report_dir)
