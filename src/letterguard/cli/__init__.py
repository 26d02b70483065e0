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


def _register() -> None:
    # Imported for their @app.command side effects; each module keeps heavy imports lazy.
    import importlib

    for name in ("check", "rules", "eval", "draft", "batch"):
        try:
            importlib.import_module(f"letterguard.cli.{name}")
        except ModuleNotFoundError as exc:  # a command not built yet
            if exc.name != f"letterguard.cli.{name}":
                raise


def main() -> None:
    _register()
    app()
