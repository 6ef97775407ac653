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
    """Console-script entry point.

    A usage error (an unknown option, a missing argument, a value of the wrong
    type) is one line on stderr and exit status 2, as every other refusal is,
    instead of Typer's boxed message: ``etfsim: error: No such option: --bogus
    (see 'etfsim run --help')``.
    """
    import sys

    from etfsim._memory import keep_freed_memory

    keep_freed_memory()  # a command's repeated chunks and strategies reuse freed pages (see etfsim._memory)
    command = typer.main.get_command(app)
    try:
        code = command.main(prog_name="etfsim", standalone_mode=False)
    except Exception as exc:
        message = getattr(exc, "format_message", None)
        if message is None:  # not a usage error: Ctrl-C arrives as Abort, anything else is a bug to show
            if type(exc).__name__ == "Abort":
                print("etfsim: aborted", file=sys.stderr)
                sys.exit(1)
            raise
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "etfsim"
        text = " ".join(str(message()).split())
        if not text:  # bare 'etfsim': the help was printed, nothing else to say
            sys.exit(int(getattr(exc, "exit_code", 2) or 2))
        print(f"etfsim: error: {text} (see '{where} --help')", file=sys.stderr)
        sys.exit(int(getattr(exc, "exit_code", 2) or 2))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
