"""``etfsim init DIR``: editable copies of the built-in scenarios, strategies and fund terms.

A designer starts their own fund from the files etfsim runs by default: the
compute market (``scenarios/compute_default.toml``), the single-chip scenario
(``scenarios/h100.toml``), every built-in strategy (``strategies/*.toml``) and
the default fund terms (``fund.toml``: the ``[fund]`` and ``[demand]`` sections
of the ``compute_default`` strategy).  Each copy keeps the original's comments,
which cite the sources of its figures, and gains a header saying what the file
is and how to use it, and a line above each block saying what the block holds.
Comments only: every file reads back to the same objects as the built-in.

The folder is written whole or not at all: everything goes to a staging folder
beside it first, which is renamed into place.  A non-empty folder is refused
unless ``force``; then the staged files replace etfsim's files in it one by one
(each an atomic rename) and anything else in the folder is left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from etfsim.cli._common import console, handles_errors
from etfsim.exceptions import ConfigError

__all__ = ["BLOCKS", "StarterFile", "init_cmd", "starter_files", "write_starter_files"]

BLOCKS: dict[str, str] = {
    # a scenario of one curve
    "[scenario]": "its name (the report folder reports/<name>) and a one-line description",
    "[simulation]": "the date grid and the Monte Carlo: start, years or end, paths, seed, measure, collateral rate",
    "[contract]": "the futures contract: a built-in name or its own terms (root, multiplier, months, expiry, settlement)",
    "[model]": "the curve model (Schwartz-Smith two-factor or Schwartz one-factor), its parameters and the spot",
    "[overlays]": "compute overlays: deflation, generation-launch jumps, seasonality, a price floor, scheduled steps",
    "[overlays.regime]": "the shortage / normal / glut Markov chain: names, levels, switching rates",
    # a market of several legs
    "[market]": "what ties the legs together: the reference chip, the default holding, the factor correlation",
    "[market.regime]": "one regime chain that moves every leg (each by its own regime_levels)",
    "[[legs]]": "one price index with its own futures (a chip, a tier of a chip, a memory basket); one block per leg",
    "[legs.contract]": "the leg's futures contract (its root names the contracts)",
    "[legs.model]": "the leg's Schwartz-Smith parameters",
    "[legs.overlays]": "the leg's overlays: deflation, price floor, seasonality, steps",
    "[[families]]": "an index built from legs (mean, usage, median or normalised); one block per family",
    "[families.contract]": "the family's own futures contract",
    # a strategy, and fund terms
    "[strategy]": "the strategy's name (how tables and sheets call it) and its description",
    "[roll]": "the roll rule (rule = a name from etfsim.RULES) and its parameters",
    "[[roll.segments]]": "one dated piece of a rule that changes over time; one block per piece",
    "[holding]": "what the strategy holds on a compute market: a leg, a family, or successive generations",
    "[fund]": "the fund's terms: size, expense ratio, collateral, creation units, costs, liquidity, limits",
    "[fund.liquidity]": "open interest and daily volume by date",
    "[[fund.events]]": "a dated change the issuer announced (creations suspended or open, a reverse split, a new fee)",
    "[demand]": "net investor demand: the creations and redemptions the fund meets",
    "[perpetual]": "the perpetual future the structure comparison holds instead of dated contracts",
    "[identity]": "who the fund is on its fact sheet: ticker, exchange, CUSIP, sponsor, service providers, prospectus",
}
"""A line for each TOML block a written file may contain: what the block holds."""

# where a strategy's rule comes from, for the files that do not say it themselves
_RULE_SOURCES = {
    "bcom": "the Bloomberg Commodity Index Methodology (Bloomberg Index Services): roll on the 6th-10th business days",
    "gsci": "the S&P GSCI Methodology (S&P Dow Jones Indices): roll on the 5th-9th business days, 20% a day",
    "front_month": "no fund's document: the plain front-month convention, the baseline every other rule is compared with",
    "usl_strip12": "the United States 12 Month Oil Fund (USL) prospectus, its benchmark of twelve monthly contracts",
    "compute_default": "etfsim's README, 'Roll rules and strategies' and 'The fund'; the figures cite theirs below",
}

_USE = {
    "scenarios/compute_default.toml": (
        "The default compute market: what `etfsim run` simulates when given no scenario.",
        "etfsim.load_market(path) or etfsim.read_scenario(path); etfsim run --scenario {path}",
    ),
    "scenarios/h100.toml": (
        "The single-chip scenario: one H100 rental index and its futures (the template of a one-curve scenario).",
        "etfsim.load_scenario(path) or etfsim.read_scenario(path); etfsim run --scenario {path}",
    ),
    "fund.toml": (
        "The default fund terms: the [fund] and [demand] sections of the built-in compute_default strategy.",
        "etfsim.load_fund(path); etfsim run --fund {path}",
    ),
}


@dataclass(frozen=True)
class StarterFile:
    """One file ``etfsim init`` writes: its path inside the folder and its text."""

    path: str
    text: str


def _builtin(*parts: str) -> str:
    return (resources.files("etfsim").joinpath(*parts)).read_text(encoding="utf-8")


def _annotate(text: str) -> str:
    """The TOML text with a comment line above the first of each kind of block saying what it holds."""
    out: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        head = line.split("#", 1)[0].strip()
        if head in BLOCKS and head not in seen:
            seen.add(head)
            out.append(f"# {head}: {BLOCKS[head]}")
        out.append(line)
    return "\n".join(out) + "\n"


def _header(what: str, use: str, source: str) -> str:
    lines = [
        "# Written by `etfsim init` as an editable copy of a file built into etfsim.",
        f"# {what}",
        f"# Use it: {use}",
        f"# Sources: {source}",
        "# The comments above each block say what it holds; the README of etfsim explains every key.",
        "",
    ]
    return "\n".join(lines) + "\n"


def _fund_text() -> str:
    """The default strategy's [fund] and [demand] sections, with the comments that precede them."""
    lines = _builtin("strategies", "compute_default.toml").splitlines()
    start = lines.index("[fund]")
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    return "\n".join(lines[start:]) + "\n"


def starter_files() -> list[StarterFile]:
    """Every file ``etfsim init`` writes, with its header and block comments.

    Returns
    -------
    list of StarterFile
        ``README.md``, ``scenarios/compute_default.toml``, ``scenarios/h100.toml``,
        ``strategies/<name>.toml`` for each built-in strategy, and ``fund.toml``.
    """
    cited = "the comments below cite each figure's source where it has one; the others are assumptions to change."
    files = []
    for rel, (what, use) in _USE.items():
        body = _fund_text() if rel == "fund.toml" else _builtin(*rel.split("/"))
        files.append(StarterFile(rel, _header(what, use.format(path=rel), cited) + _annotate(body)))
    strategies = resources.files("etfsim").joinpath("strategies")
    for name in sorted(p.name for p in strategies.iterdir() if p.name.endswith(".toml")):
        stem = name.removesuffix(".toml")
        rel = f"strategies/{name}"
        use = f"etfsim.load_strategy(path); etfsim run --strategy {rel} (or --strategies strategies/ and the name)"
        source = _RULE_SOURCES.get(stem, "the comments below cite the documents the rule follows.")
        text = _builtin("strategies", name)
        described = tomllib.loads(text).get("strategy", {}).get("description", "a roll rule")
        what = f"The built-in strategy {stem!r}: {described}."
        files.append(StarterFile(rel, _header(what, use, source) + _annotate(text)))
    return [StarterFile("README.md", _readme(files)), *files]


def _readme(files: list[StarterFile]) -> str:
    rows = "\n".join(f"- `{f.path}`: {f.text.splitlines()[1].removeprefix('# ')}" for f in files)
    return (
        "# Your etfsim files\n\n"
        "Editable copies of the scenarios, strategies and fund terms built into etfsim, written by\n"
        "`etfsim init`.  Change any number; the readers refuse an unknown key or a wrong type and\n"
        "name it.  Each file says how to use it; for example, from this folder:\n\n"
        "```bash\n"
        "etfsim run --scenario scenarios/compute_default.toml --fund fund.toml --strategies strategies\n"
        "```\n\n"
        f"{rows}\n"
    )


def _check_target(folder: Path, force: bool) -> bool:
    """Whether ``folder`` exists and has files in it; refuse a file, or a non-empty folder without force."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"DIR {folder} is a file, not a folder; give a new or empty folder")
    above = next((p for p in folder.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise ConfigError(f"DIR {folder}: {above} is a file, so it cannot hold a folder; give a path inside a folder")
    busy = folder.is_dir() and any(folder.iterdir())
    if busy and not force:
        raise ConfigError(
            f"DIR {folder} is not empty; give a new or empty folder, or pass --force to replace etfsim's files in it"
        )
    return busy


def write_starter_files(folder: str | os.PathLike[str], force: bool = False) -> list[Path]:
    """Write editable copies of the built-in scenarios, strategies and fund terms into ``folder``.

    Parameters
    ----------
    folder : path
        A new or empty folder (its parents are created).
    force : bool
        Write into a folder that has files: etfsim's files are replaced, the
        others are kept.

    Returns
    -------
    list of Path
        The files written, in the order of :func:`starter_files`.

    Raises
    ------
    ConfigError
        ``folder`` is a file, or a non-empty folder without ``force``, or cannot be written.
    """
    target = Path(folder)
    busy = _check_target(target, force)
    files = starter_files()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.init-", dir=target.parent))
    except OSError as exc:
        raise ConfigError(f"DIR {target}: cannot create it ({exc.strerror}); choose a folder you can write") from None
    try:
        for f in files:
            path = stage / f.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f.text, encoding="utf-8")
        if not busy:
            os.replace(stage, target)  # a folder renamed onto a missing or empty one: all files appear at once
            return [target / f.path for f in files]
        for f in files:  # a folder with other files in it: swap in etfsim's files one by one
            (target / f.path).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / f.path, target / f.path)
        return [target / f.path for f in files]
    except OSError as exc:
        raise ConfigError(f"DIR {target}: cannot write it ({exc.strerror}); choose a folder you can write") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@handles_errors
def init_cmd(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="A new or empty folder for the files.")],
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that has files (etfsim's own are replaced).")
    ] = False,
) -> None:
    """Write editable copies of the built-in scenarios, strategies and fund terms, with comments."""
    written = write_starter_files(folder, force=force)
    console.print(f"wrote {len(written)} files to {folder}:", highlight=False)
    for path in written:
        console.print(f"  {path.relative_to(folder)}", highlight=False)
