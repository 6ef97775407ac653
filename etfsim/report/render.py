"""Rendering: one Jinja2 template per sheet to HTML, the same HTML to PDF, all files or none.

The HTML is self-contained (charts as data URIs, no fonts or scripts fetched),
autoescaped, and deterministic: the same results give the same bytes, which is
how ``etfsim report`` is checked against ``etfsim run``.  WeasyPrint renders
the PDF from that very string; its page size and margins come from the
template's ``@page`` rules.  WeasyPrint, Jinja2 and matplotlib are imported
inside the functions that use them, so ``import etfsim`` stays fast.

:func:`write_report` stages every file in a hidden folder inside the output
folder and moves them into place only when all of them are written, so an
error leaves the previous report (or nothing) behind, never half a report.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from etfsim._io import check_writable, clean_stale, temp_tag
from etfsim.exceptions import DataError
from etfsim.report.factsheet import FactSheetData, factsheet_data
from etfsim.report.results import FILES_MANIFEST, StudyResults, listed_files, load_results, write_files
from etfsim.report.rules import RulesSheetData, rules_data
from etfsim.report.tables import format_value, raw_value

__all__ = [
    "SHEETS",
    "html_to_pdf",
    "render_factsheet",
    "render_report",
    "render_rules",
    "staged_folder",
    "write_report",
]

SHEETS = ("factsheet.html", "factsheet.pdf", "rules.html", "rules.pdf", "study.html")
"""The files a report folder holds besides its data."""

_STAGING = ".etfsim-staging-"


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("etfsim.report", "templates"),
        autoescape=True,  # names and descriptions come from user TOML files
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = format_value
    env.filters["raw"] = raw_value
    env.filters["halves"] = halves
    return env


LINE_CHARS = 60
"""About the characters of 7-point text on a line of one of two columns of a portrait letter page."""


def halves(paragraphs: Sequence[object]) -> tuple[list[tuple[int, object]], list[tuple[int, object]]]:
    """Paragraphs in reading order split into two columns of about the same height, whole paragraphs each.

    Each column is a list of ``(position, paragraph)``: the position in ``paragraphs`` names a
    paragraph's field on the sheet and its style where paragraphs of two kinds share the columns.

    Each paragraph's height is taken as its lines (its text's length over ``LINE_CHARS``,
    rounded up); of the splits that make the taller column shortest the last is taken, so a
    tie leaves the left column the taller, as balanced CSS columns do.  Two table cells
    instead of CSS columns: WeasyPrint lays balanced columns out again and again to
    balance them, a table row once (the fact sheet's PDF 1.85 -> 1.51 s).
    """
    items = list(enumerate(paragraphs))
    lines = [-(-len(_text_of(p)) // LINE_CHARS) for _, p in items]
    total = sum(lines)
    best, cut, above = total, len(items), 0
    for k in range(len(items) + 1):
        taller = max(above, total - above)
        if taller <= best:
            best, cut = taller, k
        if k < len(items):
            above += lines[k]
    return items[:cut], items[cut:]


def _text_of(paragraph: object) -> str:
    """A paragraph's words: a string, or a (title, text) pair."""
    if isinstance(paragraph, tuple):
        return ". ".join(str(part) for part in paragraph)
    return str(paragraph)


def _version() -> str:
    from etfsim._version import __version__

    return __version__


def import_meanwhile() -> threading.Thread:
    """Import the sheets' libraries (matplotlib's SVG figure, Jinja2) on a thread of their own.

    Started before a study, the imports (half a second) happen while the study's kernels run
    without the interpreter's lock, instead of before the first chart; importing a module a
    second time is a dictionary lookup, so the sheets import them as usual.
    """

    def load() -> None:
        with contextlib.suppress(ImportError):  # a missing library is reported where the sheets need it
            import jinja2  # noqa: F401
            import matplotlib.backends.backend_svg  # noqa: F401
            import matplotlib.figure  # noqa: F401

    thread = threading.Thread(target=load, name="etfsim-sheet-imports", daemon=True)
    thread.start()
    return thread


def render_factsheet(data: FactSheetData) -> str:
    """The fact sheet as one self-contained HTML page."""
    from etfsim.report import charts

    unit = "GPU-hour"
    uris = {
        "growth": charts.growth_chart(data.growth),
        "curve": charts.curve_chart(
            data.curve, float(next(f.value for f in data.curve_facts if f.key == "curve.spot")), unit
        ),
        "premium": charts.premium_chart(data.premium),
        "fan": charts.fan_chart(data.fan),
    }
    return str(_environment().get_template("factsheet.html.j2").render(d=data, charts=uris, version=_version()))


def render_rules(data: RulesSheetData) -> str:
    """The rule comparison as one self-contained HTML page."""
    from etfsim.report import charts

    uris = {
        "box": charts.rule_box_chart(data.nav_returns),
        "lines": charts.rule_lines_chart(data.levels, highlight=data.headline),
    }
    return str(_environment().get_template("rules.html.j2").render(d=data, charts=uris, version=_version()))


def render_study(results: StudyResults) -> str:
    """``study.html``: the design study as one interactive, self-contained page (:mod:`etfsim.report.interactive`)."""
    from etfsim.report.interactive import study_data, study_payload

    data = study_data(results)
    page = _environment().get_template("study.html.j2")
    return str(page.render(d=data, payload=study_payload(data), version=_version()))


def html_to_pdf(html: str, target: str | os.PathLike[str]) -> Path:
    """Render ``html`` to a PDF file with WeasyPrint (every resource is inline: nothing is fetched)."""
    import logging

    import weasyprint

    # WeasyPrint reports CSS it ignores through logging; the sheets are checked by eye and by tests instead
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    weasyprint.HTML(string=html).write_pdf(str(target))
    return Path(target)


@contextlib.contextmanager
def staged_folder(folder: str | os.PathLike[str], keep: Sequence[str] = ()) -> Iterator[Path]:
    """Yield an empty staging folder; on success move its files into ``folder``, on error remove them.

    Files move with ``os.replace`` (atomic per file, same file system), so a
    reader never sees a torn file.  The folder's ``files.json`` is removed
    before the first move and written after the last, listing the moved
    files and those of ``keep`` already there, each with its hash: a run
    stopped between two moves leaves a folder that :func:`load_results`
    refuses rather than one that mixes two runs.  Staging folders left by
    killed runs are removed; a folder this call created is removed again on error.
    """
    target = Path(folder)
    check_writable(target)
    missing = []
    probe = target
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    try:
        target.mkdir(parents=True, exist_ok=True)
        clean_stale(target, _STAGING)  # staging folders of killed runs
        stage = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{temp_tag()}.", dir=target))
    except OSError as exc:
        raise DataError(f"cannot write to {target}: {exc.strerror or exc}; choose a writable output folder") from exc
    try:
        yield stage
        names = sorted(p.name for p in stage.iterdir() if p.name != FILES_MANIFEST)
        # from here until the new list is written the folder has none, and load_results refuses it
        (target / FILES_MANIFEST).unlink(missing_ok=True)
        for name in names:
            os.chmod(stage / name, 0o644)
            os.replace(stage / name, target / name)
        write_files(target, [*names, *(n for n in keep if n not in names and (target / n).is_file())])
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        for made in missing:  # deepest first: only folders this call created, and only if empty
            with contextlib.suppress(OSError):
                made.rmdir()
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)


# what a child process runs to render one PDF: WeasyPrint imported at once, then the HTML file and the PDF to
# write read from its standard input (the two paths as bytes, NUL between them), rendered as html_to_pdf does;
# without the cyclic garbage collector, which would walk WeasyPrint's boxes again and again for a process that
# ends with the page (10% of the fact sheet's render: 1.35 -> 1.21 s)
_PDF_CHILD = (
    "import gc, logging, os, sys\n"
    "import weasyprint\n"
    "gc.disable()\n"
    "logging.getLogger('weasyprint').setLevel(logging.ERROR)\n"
    "given = sys.stdin.buffer.read()\n"
    "if given:\n"
    "    html_file, target = (os.fsdecode(p) for p in given.split(b'\\0'))\n"
    "    with open(html_file, encoding='utf-8') as page:\n"
    "        weasyprint.HTML(string=page.read()).write_pdf(target)\n"
)


def _start_pdf() -> subprocess.Popen[bytes] | None:
    """Start a child process that imports WeasyPrint and waits for a page to render (None: it could not start).

    WeasyPrint holds the interpreter's lock all the time it works, so a sheet
    renders beside the others only in a process of its own; started before the
    page exists, the child imports WeasyPrint (about a second) meanwhile.
    """
    try:
        return subprocess.Popen(
            [sys.executable, "-c", _PDF_CHILD],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    except OSError:
        return None


def _hand_pdf(child: subprocess.Popen[bytes] | None, html_file: Path, target: Path) -> None:
    """Give ``child`` the page to render into ``target``; its standard input is closed whatever happens.

    A child that has gone (or could not take the page) is left to :func:`_finish_pdf`, which renders here.
    """
    if child is None or child.stdin is None:
        return
    with contextlib.suppress(OSError):  # a child that died: _finish_pdf renders the page here
        try:
            child.stdin.write(os.fsencode(html_file) + b"\0" + os.fsencode(target))
        finally:
            child.stdin.close()


def _finish_pdf(child: subprocess.Popen[bytes] | None, html: str, target: Path) -> None:
    """Wait for the child's PDF; if it failed, render here (an error is then raised the usual way)."""
    if child is None or child.wait() != 0 or not target.is_file():
        target.unlink(missing_ok=True)
        html_to_pdf(html, target)


def _sheets(results: StudyResults, folder: Path, step: Callable[[], None]) -> None:
    # both PDFs render in child processes, each handed its page as soon as the page is written, while this
    # process renders the next page (the same pages and text as rendered here; WeasyPrint's compressed font
    # streams differ from one rendering to the next, wherever it runs)
    children = [_start_pdf(), _start_pdf()]
    try:
        fs = render_factsheet(factsheet_data(results))
        (folder / "factsheet.html").write_text(fs, encoding="utf-8")
        _hand_pdf(children[0], folder / "factsheet.html", folder / "factsheet.pdf")
        step()
        rs = render_rules(rules_data(results))
        (folder / "rules.html").write_text(rs, encoding="utf-8")
        _hand_pdf(children[1], folder / "rules.html", folder / "rules.pdf")
        step()
        (folder / "study.html").write_text(render_study(results), encoding="utf-8")
        step()
        _finish_pdf(children[1], rs, folder / "rules.pdf")
        step()
        _finish_pdf(children[0], fs, folder / "factsheet.pdf")
        step()
    finally:
        for child in children:  # an error here (the staging folder is about to go), or a page never handed over
            if child is not None and child.poll() is None:
                child.kill()
                child.wait()
            if child is not None and child.stdin is not None and not child.stdin.closed:
                child.stdin.close()


def write_report(
    results: StudyResults,
    folder: str | os.PathLike[str],
    with_data: bool = True,
    progress: Callable[[int, int], None] | None = None,
    keep: Sequence[str] = (),
) -> list[Path]:
    """Write the data (optionally) and the sheets into ``folder``, all or nothing.

    ``keep`` names files already in ``folder`` that belong with the new ones
    (the data, when only the sheets are rendered again there); they stay
    listed in its ``files.json``.

    With ``with_data`` the tables are written first and the sheets are rendered
    from the files just written, so ``etfsim report`` on the folder later gives
    the same HTML byte for byte.

    Returns
    -------
    list of Path
        The files written, in ``folder``.
    """
    target = Path(folder)
    total = len(SHEETS) + (1 if with_data else 0)
    done = [0]

    def step() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    with staged_folder(target, keep) as stage:
        if with_data:
            results.save(stage)
            results = load_results(stage)
            step()
        _sheets(results, stage, step)
        names = sorted(p.name for p in stage.iterdir())
    return [target / n for n in names]


def render_report(
    result_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Render the sheets again from a saved result folder (no simulation); returns the files written."""
    results = load_results(result_dir)  # checks the folder is whole (files.json)
    same = out_dir is None or Path(out_dir).resolve() == Path(result_dir).resolve()
    keep = [n for n in listed_files(result_dir) if n not in SHEETS] if same else []
    target = result_dir if out_dir is None else out_dir
    return write_report(results, target, with_data=False, progress=progress, keep=keep)
