"""The typer app. Each command lives in its own module and registers itself here.

The cli package is the only place that prints or exits.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="letterguard",
    help="Write and check the letters a candidate sends after a job interview.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Show the version and exit.", is_eager=True),
) -> None:
    """Write and check the letters a candidate sends after a job interview."""
    if version:
        from letterguard import __version__

        typer.echo(f"letterguard {__version__}")
        raise typer.Exit()


COMMANDS = ("check", "rules", "eval", "draft", "batch")


def _register(argv: list[str]) -> None:
    """Import the command modules (each registers itself on ``app``).

    Only the invoked command's module is imported when it is named, so `check` never
    pays for the model stack that `draft` and `batch` bring in.
    """
    import importlib

    wanted = [argv[1]] if len(argv) > 1 and argv[1] in COMMANDS else COMMANDS
    for name in wanted:
        importlib.import_module(f"letterguard.cli.{name}")


def main() -> None:
    import sys

    _register(sys.argv)
    app()
