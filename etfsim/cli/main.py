"""``etfsim``: the command-line entry point.

Each command parses its options, calls one public library function, and
renders the result with rich.  Bad input (any ``EtfsimError``) exits with
status 2 and one line on stderr.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from etfsim.cli import backtest as backtest_cli
from etfsim.cli import curves as curves_cli
from etfsim.cli import init as init_cli
from etfsim.cli import run as run_cli
from etfsim.cli import structures as structures_cli
from etfsim.cli import sweep as sweep_cli

app = typer.Typer(
    name="etfsim",
    help="Design and test ETFs on compute futures.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version() -> str:
    """The installed package's version (``etfsim.__version__`` when run from a source tree)."""
    try:
        return version("etfsim")
    except PackageNotFoundError:
        from etfsim._version import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"etfsim {_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Design and test ETFs on compute futures."""


app.add_typer(curves_cli.app, name="curves")
app.command("backtest")(backtest_cli.backtest_cmd)
app.command("compare")(backtest_cli.compare_cmd)
app.command("structures")(structures_cli.structures_cmd)
app.command("sweep")(sweep_cli.sweep_cmd)
app.command("init")(init_cli.init_cmd)


app.command("run")(run_cli.run_cmd)
app.command("report")(run_cli.report_cmd)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
